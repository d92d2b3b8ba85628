"""No host left worse than before: failed post-steps, a failed composer update, a controller killed at
any moment, two controllers at once, and a node that is Applied but does not serve.

Every case is checked on the hosts themselves: QPT's own status, composer.lock against
vendor/composer/installed.json, the maintenance flag, the lock and transaction file, and what the
node answers over HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CHANGING_COMMANDS
from test_cli_rollout import host_status, qpt_apply, records, start, wait_for

pytestmark = pytest.mark.lab

PRODUCTION = [{"name": "web1", "qpt": "1.1.53", "mode": "production"},
              {"name": "web2", "qpt": "1.1.55", "mode": "production"}]


def installed_qpt(lab, name: str) -> str | None:
    data = json.loads((lab.root(name) / "vendor/composer/installed.json").read_text())
    packages = data["packages"] if isinstance(data, dict) else data
    return next((p["version"] for p in packages if p["name"] == "magento/quality-patches"), None)


def locked_qpt(lab, name: str) -> str | None:
    lock = json.loads((lab.root(name) / "composer.lock").read_text())
    return next((p["version"] for p in lock["packages"] if p["name"] == "magento/quality-patches"), None)


def home_page(lab, name: str) -> int:
    return lab.http(name, "GET", "/")[0]


def host_state(lab, name: str) -> dict:
    path = lab.root(name) / "var/qpt-apply/state.json"
    return json.loads(path.read_text()) if path.exists() else {}


def snapshot(lab, name: str) -> dict:
    return {"status": host_status(lab, name), "http": home_page(lab, name), "qpt": installed_qpt(lab, name),
            "maintenance": (lab.root(name) / "var/.maintenance.flag").exists()}


def assert_no_worse(lab, name: str, before: dict) -> str:
    """Patched and serving, or exactly as before the run; never a flag or half a composer update left."""
    now = snapshot(lab, name)
    assert locked_qpt(lab, name) == installed_qpt(lab, name), (name, "composer.lock and installed.json disagree")
    assert now["maintenance"] == before["maintenance"], (name, "maintenance flag", now)
    assert not (host_state(lab, name).get("lock")), (name, "lock left", host_state(lab, name))
    if now["status"] == "Applied":
        assert now["http"] == 200, (name, now)
        return "patched"
    assert now == before, (name, before, now)
    return "as-before"


def apply(lab, state_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    return qpt_apply("apply", "-i", str(lab.inventory), "--yes", "--json", *extra, state_dir=state_dir)


def host_of(document: dict, host: str) -> dict:
    return next(h for h in document["hosts"] if h["host"] == host)


def record_of(state_dir: Path, host: str) -> dict:
    return [r for r in records(state_dir) if r["host"] == host][-1]


@pytest.mark.parametrize("fault,maintenance", [("di_compile", False), ("cache_clean", True)])
def test_a_failed_post_step_puts_the_host_back(lab_factory, tmp_path, fault, maintenance):
    lab = lab_factory(PRODUCTION)
    lab.set_faults("web1", faults={fault: "fail"})
    before = {h: snapshot(lab, h) for h in ("web1", "web2")}
    done = apply(lab, tmp_path / "state", "--batches", "100%", *(["--maintenance"] if maintenance else []))
    assert done.returncode == 1, done.stdout + done.stderr
    # web1 went through the QPT update, the patch, the failed step - and all the way back.
    assert assert_no_worse(lab, "web1", before["web1"]) == "as-before"
    assert (host_status(lab, "web1"), installed_qpt(lab, "web1")) == ("absent", "1.1.53")
    record = record_of(tmp_path / "state", "web1")
    assert record["outcome"] == "failed" and record["reason"]["code"] == "post-step-failed", record
    assert record["rollback"]["done"] and record["rollback"]["patches"] == ["ACSD-61103"], record
    assert "rolled back" in record["reason"]["message"] and record["health"]["status"] == 200, record
    assert host_state(lab, "web1") == {}  # undone: no trace of the change is left on the host
    assert assert_no_worse(lab, "web2", before["web2"]) == "patched"

    # The fault fixed, a plain re-run patches it.
    lab.clear_faults("web1")
    again = apply(lab, tmp_path / "state", "--batches", "100%")
    assert again.returncode == 0, again.stdout + again.stderr
    assert assert_no_worse(lab, "web1", before["web1"]) == "patched"


def test_a_compile_that_met_a_concurrent_write_runs_again_a_bounded_number_of_times(lab_factory, tmp_path):
    """Magento's "var/cache cannot be deleted ... Directory not empty" (a request or cron job writing meanwhile)."""
    lab = lab_factory(PRODUCTION[1:])
    lab.set_faults("web2", faults={"di_compile": "written-meanwhile"})  # its next 2 compiles meet a writer
    done = apply(lab, tmp_path / "state")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (host_status(lab, "web2"), home_page(lab, "web2")) == ("Applied", 200)
    compiles = [c for c in lab.commands("web2") if c["cmd"] == "magento setup:di:compile" and c["event"] == "end"]
    assert [c["rc"] for c in compiles] == [1, 1, 0]
    steps = record_of(tmp_path / "state", "web2")["steps"]
    assert sum("again bin/magento setup:di:compile" in step for step in steps) == 2, steps

    # Bounded: with 2 runs allowed the revert fails on the same cause, named, and the host stays as it was.
    lab.set_faults("web2", faults={"di_compile": "written-meanwhile"})
    before = snapshot(lab, "web2")
    reverted = qpt_apply("revert", "-i", str(lab.inventory), "--yes", "--json", "-e", "magento_post_compile_attempts=2",
                         state_dir=tmp_path / "state")
    assert reverted.returncode == 1, reverted.stdout + reverted.stderr
    record = record_of(tmp_path / "state", "web2")
    assert record["reason"]["code"] == "post-step-failed", record
    assert "var/cache\" cannot be deleted" in record["reason"]["message"], record
    assert "Directory not empty" in record["reason"]["message"], record
    assert assert_no_worse(lab, "web2", before) == "patched"


def test_a_composer_update_failing_midway_leaves_the_files_agreeing(lab_factory, tmp_path):
    lab = lab_factory(PRODUCTION[:1])
    lab.set_faults("web1", faults={"composer_update": "fail"})
    before = snapshot(lab, "web1")
    done = apply(lab, tmp_path / "state")
    assert done.returncode in (1, 3), done.stdout + done.stderr
    assert record_of(tmp_path / "state", "web1")["reason"]["code"] == "qpt-update-failed"
    assert assert_no_worse(lab, "web1", before) == "as-before"
    assert locked_qpt(lab, "web1") == "1.1.53"


def _kill_when(proc: subprocess.Popen, predicate, what: str) -> None:
    try:
        wait_for(lambda: predicate() or proc.poll() is not None, timeout=300, what=what)
    finally:
        assert proc.poll() is None, f"the run ended before {what}: {proc.communicate()}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


def _started(lab, name: str, cmd: str) -> bool:
    return any(c["event"] == "start" and c["cmd"] == cmd for c in lab.commands(name))


def _ended(lab, name: str, cmd: str) -> bool:
    return any(c["event"] == "end" and c["cmd"] == cmd for c in lab.commands(name))


KILL_POINTS = {
    # what to wait for on web1 before the SIGKILL, and which step to slow down so the moment is caught
    "during-the-qpt-update": (lambda lab: _started(lab, "web1", "composer update"), {"composer_update": 6}),
    "right-after-qpt-apply": (lambda lab: _ended(lab, "web1", "qpt apply"), {"di_compile": 6}),
    "during-the-di-compile": (lambda lab: _started(lab, "web1", "magento setup:di:compile"), {"di_compile": 6}),
}


# Every moment without maintenance mode; with it, the moment that left the flag on for good before
# (the kill after QPT's apply, when the run's own flag is set) and the DI compile under it.
@pytest.mark.parametrize("moment,maintenance", [(moment, False) for moment in sorted(KILL_POINTS)]
                         + [("right-after-qpt-apply", True), ("during-the-di-compile", True)])
def test_a_killed_controller_converges_on_a_plain_rerun(lab_factory, tmp_path, moment, maintenance):
    lab = lab_factory(PRODUCTION)
    reached, delays = KILL_POINTS[moment]
    lab.set_faults("web1", delays=delays)
    before = {h: snapshot(lab, h) for h in ("web1", "web2")}
    options = ["--batches", "100%"] + (["--maintenance"] if maintenance else [])
    proc = start("apply", "-i", str(lab.inventory), "--yes", "--json", *options, state_dir=tmp_path / "state")
    _kill_when(proc, lambda: reached(lab), moment)
    lab.set_faults("web1", delays={})

    again = apply(lab, tmp_path / "state", *options)
    assert again.returncode == 0, again.stdout + again.stderr
    for host in ("web1", "web2"):
        assert assert_no_worse(lab, host, before[host]) == "patched", host
    # The dead run is marked, and the re-run says what it took over.
    runs = sorted((tmp_path / "state" / "runs").iterdir())
    assert json.loads((runs[0] / "run.json").read_text())["state"] == "killed"
    record = record_of(tmp_path / "state", "web1")
    assert record["outcome"] in ("changed", "ok"), record


def test_a_killed_runs_step_still_running_on_the_host_is_waited_for_then_finished(lab_factory, tmp_path):
    """The module running a dead run's DI compile outlives the controller's SSH session: a re-run
    waits for it to end rather than refusing the host, then finishes what that run left."""
    lab = lab_factory(PRODUCTION[:1])
    lab.set_faults("web1", delays={"di_compile": 15})
    before = snapshot(lab, "web1")
    proc = start("apply", "-i", str(lab.inventory), "--yes", "--json", "--batches", "100%", state_dir=tmp_path / "state")
    _kill_when(proc, lambda: _started(lab, "web1", "magento setup:di:compile"), "the DI compile")
    lab.set_faults("web1", delays={})
    orphan = next(c for c in lab.commands("web1") if c["event"] == "start" and c["cmd"] == "magento setup:di:compile")
    assert host_state(lab, "web1")["transaction"]["in_progress"]["step"] == "di-compile"

    plan = qpt_apply("plan", "-i", str(lab.inventory), "--json", state_dir=tmp_path / "state")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    planned = host_of(json.loads(plan.stdout), "web1")
    assert planned["action"] == "wait" and "di-compile" in planned["reason"]["message"], planned

    again = apply(lab, tmp_path / "state", "--batches", "100%")
    assert again.returncode == 0, again.stdout + again.stderr
    assert assert_no_worse(lab, "web1", before) == "patched"
    log = lab.commands("web1")
    orphan_end = next(c for c in log if c["event"] == "end" and c["pid"] == orphan["pid"])
    changes_after = [c for c in log if c["event"] == "start" and c["cmd"] in CHANGING_COMMANDS
                     and c["time"] > orphan["time"] and c["pid"] != orphan["pid"]]
    # Nothing of the re-run changed the host before the dead run's compile had ended.
    assert all(c["time"] >= orphan_end["time"] for c in changes_after), (orphan_end, changes_after)
    record = record_of(tmp_path / "state", "web1")
    assert record["action"] == "repair" and record["outcome"] in ("changed", "ok"), record


@pytest.mark.parametrize("maintenance", [False, True])
def test_a_controller_killed_between_batches_converges(lab_factory, tmp_path, maintenance):
    lab = lab_factory(PRODUCTION + [{"name": "web3", "qpt": "1.1.55", "mode": "production"}])
    before = {h: snapshot(lab, h) for h in lab.names}
    for host in ("web2", "web3"):
        lab.set_faults(host, delays={"qpt_apply": 3})  # the second batch is still at its start when the kill lands
    options = ["--batches", "1,100%"] + (["--maintenance"] if maintenance else [])
    proc = start("apply", "-i", str(lab.inventory), "--yes", "--json", *options, state_dir=tmp_path / "state")
    _kill_when(proc, lambda: len(records(tmp_path / "state")) >= 1, "the end of the first batch")
    for host in ("web2", "web3"):
        lab.set_faults(host, delays={})
    # The canary's change had finished before the kill: its maintenance flag was already gone.
    assert not (lab.root("web1") / "var/.maintenance.flag").exists()
    again = apply(lab, tmp_path / "state", *options)
    assert again.returncode == 0, again.stdout + again.stderr
    for host in lab.names:
        assert assert_no_worse(lab, host, before[host]) == "patched", host


def test_a_second_controller_is_refused_for_the_hosts_the_first_holds(lab_factory, tmp_path):
    lab = lab_factory(PRODUCTION)
    for host in lab.names:
        lab.set_faults(host, delays={"di_compile": 14})
    first = start("apply", "-i", str(lab.inventory), "--yes", "--batches", "100%", state_dir=tmp_path / "first")
    try:
        wait_for(lambda: all((host_state(lab, h).get("lock") or {}).get("run_id") for h in lab.names),
                 what="the first rollout to hold both hosts")
        holder = host_state(lab, "web1")["lock"]["run_id"]
        second = qpt_apply("apply", "-i", str(lab.inventory), "--yes", state_dir=tmp_path / "second")
        assert second.returncode == 2, second.stdout + second.stderr
        for host in lab.names:
            assert f"{host} is held by run {holder}" in second.stderr, second.stderr
        # A plan reads no lock of its own: it finds the holder in each host's read, and is refused too.
        plan = qpt_apply("plan", "-i", str(lab.inventory), state_dir=tmp_path / "plan")
        assert plan.returncode == 2, plan.stdout + plan.stderr
        for host in lab.names:
            assert f"{host} is held by run {holder}" in plan.stderr, plan.stderr
        # Nothing of the second run reached a host: the first still holds both, and finishes.
        assert all(host_state(lab, h)["lock"]["run_id"] == holder for h in lab.names)
        assert first.wait(timeout=600) == 0, first.communicate()
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    for host in lab.names:
        assert host_status(lab, host) == "Applied" and home_page(lab, host) == 200
        assert host_state(lab, host)["lock"] is None


def test_verify_and_status_report_an_applied_node_that_does_not_serve(lab_factory, tmp_path):
    lab = lab_factory(PRODUCTION[1:])
    # Patched by hand, without the DI compile production needs: every page answers 500.
    lab.run_as("web2", ["php", "vendor/bin/magento-patches", "apply", "ACSD-61103", "-n"], check=True)
    lab.run_as("web2", ["php", "bin/magento", "cache:clean"], check=True)
    assert home_page(lab, "web2") == 500
    verify = qpt_apply("verify", "-i", str(lab.inventory), "--json", state_dir=tmp_path / "state")
    assert verify.returncode == 1, verify.stdout + verify.stderr
    result = host_of(json.loads(verify.stdout), "web2")
    assert result["outcome"] == "failed" and "HTTP 500" in result["reason"]["message"], result
    status = qpt_apply("status", "-i", str(lab.inventory), "--json", state_dir=tmp_path / "state")
    assert status.returncode == 1
    result = host_of(json.loads(status.stdout), "web2")
    assert (result["action"], result["reason"]["code"]) == ("repair", "unhealthy"), result
    assert "HTTP 500" in result["reason"]["message"]
    # apply repairs it: post-steps again, and the node serves.
    done = apply(lab, tmp_path / "state")
    assert done.returncode == 0, done.stdout + done.stderr
    assert record_of(tmp_path / "state", "web2")["action"] == "repair"
    assert home_page(lab, "web2") == 200 and host_status(lab, "web2") == "Applied"
