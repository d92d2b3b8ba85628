"""The CLI end to end on lab fleets: plan, apply, halts, unreachable hosts, Ctrl-C and resume, the lock.

Every assertion about a host is checked on the host itself (its files, its stand-in QPT, its
composer.lock, its web front), independently of what qpt-apply printed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import tree_digest
from qpt_apply.journal import Lock

pytestmark = pytest.mark.lab

PATCH = "ACSD-61103"
FINGERPRINT_FILES = (
    "vendor/magento/module-integration/etc/webapi_rest/events.xml",
    "vendor/magento/module-integration/etc/webapi_soap/events.xml",
    "vendor/magento/module-customer-graph-ql/etc/graphql/events.xml",
)


def qpt_apply(*args: str, state_dir: Path, timeout: float = 900, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qpt_apply.cli", *args, "--state-dir", str(state_dir)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=timeout, env=env)


def start(*args: str, state_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "qpt_apply.cli", *args, "--state-dir", str(state_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)


def host_status(lab, name: str) -> str:
    """ACSD-61103's status as the host's own QPT reports it ('absent' when not offered)."""
    done = lab.run_as(name, ["php", "vendor/bin/magento-patches", "status", "--format=json", "-n"])
    if done.returncode:
        return "no-qpt"
    rows = {row["Id"]: row["Status"] for row in json.loads(done.stdout)}
    return rows.get(PATCH, "absent")


def locked_qpt(lab, name: str) -> str | None:
    lock = json.loads((lab.root(name) / "composer.lock").read_text())
    return next((p["version"] for p in lock["packages"] if p["name"] == "magento/quality-patches"), None)


def fingerprinted(lab, name: str) -> bool:
    root = lab.root(name)
    return all((root / f).read_text().count('name="customer_unlock"') == 1 for f in FINGERPRINT_FILES) and \
        (root / "vendor/magento/framework/ObjectManager/ResetAfterRequestInterface.php").exists()


def records(state_dir: Path) -> list[dict]:
    found = []
    for path in sorted(state_dir.glob("runs/*/records.jsonl")):
        found += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return found


def wait_for(predicate, timeout: float = 300, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


MIXED = [
    {"name": "web1", "magento": "2.4.6-p3", "qpt": "1.1.53"},
    {"name": "web2", "magento": "2.4.6-p8", "qpt": "1.1.55"},
    {"name": "web3", "magento": "2.4.6", "qpt": "1.1.55", "patch": "applied"},
    {"name": "web4", "magento": "2.4.7", "qpt": "1.1.55"},
    {"name": "web5", "magento": "2.4.6-p3", "qpt": "1.1.55", "patch": "conflict"},
    {"name": "web6", "magento": "2.4.6-p5", "qpt": "1.1.54", "mode": "developer"},
]


@pytest.fixture(scope="module")
def mixed_lab(lab_factory):
    return lab_factory(MIXED)


def test_plan_then_apply_on_a_mixed_fleet(mixed_lab, tmp_path):
    lab, state = mixed_lab, tmp_path / "state"
    before = {name: tree_digest(lab.root(name)) for name in lab.names}

    plan = qpt_apply("plan", "-i", str(lab.inventory), "--json", state_dir=state)
    assert plan.returncode == 0, plan.stderr
    doc = json.loads(plan.stdout)
    actions = {h["host"]: h["action"] for h in doc["hosts"]}
    assert actions == {"web1": "update-qpt-then-apply", "web2": "apply", "web3": "already-applied",
                       "web4": "skip-incompatible", "web5": "conflict", "web6": "apply"}
    assert doc["batches"] == [["web1"], ["web2"], ["web3", "web4", "web5", "web6"]]
    assert {name: tree_digest(lab.root(name)) for name in lab.names} == before, "plan changed a host"

    # The conflict host sits in the last batch: everything runs, and the run reports the failure (exit 1).
    apply = qpt_apply("apply", "-i", str(lab.inventory), "--yes", "--json", state_dir=state)
    assert apply.returncode == 1, apply.stderr
    doc = json.loads(apply.stdout)
    assert doc["exit_code"] == 1 and doc["command"] == "apply" and doc["patches"] == [PATCH]
    by_host = {h["host"]: h for h in doc["hosts"]}
    for name in lab.names:
        assert by_host[name]["status_after"][PATCH] == host_status(lab, name), name
        assert by_host[name]["qpt_after"] == locked_qpt(lab, name), name
    assert locked_qpt(lab, "web1") == "1.1.58" and fingerprinted(lab, "web1")
    assert all(host_status(lab, n) == "Applied" and fingerprinted(lab, n) for n in ("web1", "web2", "web3", "web6"))
    assert by_host["web4"]["outcome"] == "skipped" and by_host["web4"]["reason"]["code"] == "not-offered"
    assert by_host["web5"]["outcome"] == "failed" and by_host["web5"]["reason"]["code"] == "conflict"
    assert "can't be applied" in by_host["web5"]["qpt_output"]
    assert tree_digest(lab.root("web5")) == before["web5"], "the conflict host was modified"
    assert tree_digest(lab.root("web4")) == before["web4"]
    # The fix is live on a patched host: a good login after a bad one resets the counter.
    customer = lab.host("web2")["customer"]
    lab.http("web2", "POST", "/rest/V1/integration/customer/token",
             {"username": customer["email"], "password": "wrong-password"})
    assert lab.failures_num("web2") == 1
    status, _ = lab.http("web2", "POST", "/rest/V1/integration/customer/token",
                         {"username": customer["email"], "password": customer["password"]})
    assert status == 200 and lab.failures_num("web2") == 0

    run_id = doc["run_id"]
    junit = qpt_apply("report", run_id, "--format", "junit", state_dir=state)
    assert junit.returncode == 0
    cases = {c.get("name"): c for c in ET.fromstring(junit.stdout).iter("testcase")}
    assert set(cases) == set(lab.names) and cases["web5"].find("failure") is not None
    html = qpt_apply("report", run_id, "--format", "html", state_dir=state)
    assert html.returncode == 0 and "<table>" in html.stdout and "web5" in html.stdout
    assert (state / "runs" / run_id / "report.html").exists()
    table = qpt_apply("report", run_id, state_dir=state)
    assert table.returncode == 0 and "web5" in table.stdout

    status = qpt_apply("status", "-i", str(lab.inventory), "--json", state_dir=state)
    assert status.returncode == 0, status.stderr
    assert {h["host"]: h["status_after"][PATCH] for h in json.loads(status.stdout)["hosts"]} == \
        {name: host_status(lab, name) for name in lab.names}


def test_a_failing_canary_halts_the_rollout(lab_factory, tmp_path):
    lab = lab_factory([{"name": "web1", "patch": "conflict", "qpt": "1.1.55"},
                       {"name": "web2", "qpt": "1.1.55"}, {"name": "web3", "qpt": "1.1.55"}])
    state = tmp_path / "state"
    untouched = {n: tree_digest(lab.root(n)) for n in ("web2", "web3")}
    apply = qpt_apply("apply", "-i", str(lab.inventory), "--yes", "--json", state_dir=state)
    assert apply.returncode == 3, apply.stderr
    doc = json.loads(apply.stdout)
    by_host = {h["host"]: h for h in doc["hosts"]}
    assert by_host["web1"]["outcome"] == "failed"
    assert by_host["web2"]["outcome"] == by_host["web3"]["outcome"] == "not-run"
    assert doc["summary"]["halted"] and doc["state"] == "halted"
    assert {n: tree_digest(lab.root(n)) for n in ("web2", "web3")} == untouched
    assert host_status(lab, "web2") == "Not applied"


def test_rollback_failed_reverts_the_failing_batch(lab_factory, tmp_path):
    lab = lab_factory([{"name": "web1", "qpt": "1.1.55", "mode": "developer"},
                       {"name": "web2", "qpt": "1.1.55", "mode": "developer"},
                       {"name": "web3", "qpt": "1.1.55", "mode": "developer", "patch": "conflict"},
                       {"name": "web4", "qpt": "1.1.55", "mode": "developer"}])
    state = tmp_path / "state"
    untouched = tree_digest(lab.root("web4"))
    apply = qpt_apply("apply", "-i", str(lab.inventory), "--yes", "--json", "--batches", "1,2",
                      "--rollback-failed", state_dir=state)
    assert apply.returncode == 3, apply.stderr
    doc = json.loads(apply.stdout)
    assert doc["batches"] == [["web1"], ["web2", "web3"], ["web4"]]
    # The failing batch (web2 applied, web3 failed) is taken back; the canary keeps its patch.
    assert host_status(lab, "web1") == "Applied"
    assert host_status(lab, "web2") == "Not applied" and not fingerprinted(lab, "web2")
    assert host_status(lab, "web3") == "N/A"
    assert tree_digest(lab.root("web4")) == untouched
    meta = json.loads((state / "runs" / doc["run_id"] / "run.json").read_text())
    assert meta["rolled_back"] == ["web2", "web3"]


def test_functional_proof_gates_the_canary(lab_factory, tmp_path):
    lab = lab_factory([{"name": f"web{i}", "qpt": "1.1.55", "mode": "developer"} for i in range(1, 4)])
    state = tmp_path / "state"
    password = lab.info["customer_password"]
    env = {**os.environ, "QPT_VERIFY_CUSTOMER_PASSWORD": password}
    # The canary's storefront is down for maintenance: its fix cannot be proven over HTTP.
    lab.run_as("web1", ["php", "bin/magento", "maintenance:enable"], check=True)
    apply = qpt_apply("apply", "-i", str(lab.inventory), "--yes", "--json", "--functional", state_dir=state, env=env)
    assert apply.returncode == 3, apply.stderr
    by_host = {h["host"]: h for h in json.loads(apply.stdout)["hosts"]}
    canary = by_host["web1"]
    assert canary["outcome"] == "failed" and canary["reason"]["code"] == "verify-failed"
    assert canary["verify"]["functional"]["rest"]["http_status"] == 503
    assert host_status(lab, "web1") == "Applied"
    assert (lab.root("web1") / "var/.maintenance.flag").exists(), "maintenance must stay as the host had it"
    assert by_host["web2"]["outcome"] == by_host["web3"]["outcome"] == "not-run"
    assert host_status(lab, "web2") == host_status(lab, "web3") == "Not applied"
    assert lab.failures_num("web2") == 0
    leaked = [p for p in state.rglob("*") if p.is_file() and password.encode() in p.read_bytes()]
    assert leaked == [] and password not in apply.stdout + apply.stderr

    # The same proof passes once the canary serves again.
    lab.run_as("web1", ["php", "bin/magento", "maintenance:disable"], check=True)
    verify = qpt_apply("verify", "-i", str(lab.inventory), "--limit", "web1", "--functional", "--json",
                       state_dir=state, env=env)
    assert verify.returncode == 0, verify.stderr
    functional = json.loads(verify.stdout)["hosts"][0]["verify"]["functional"]
    assert functional["rest"]["outcome"] == functional["graphql"]["outcome"] == "fixed"
    assert lab.failures_num("web1") == 0


def test_unreachable_host_counts_against_the_cap(lab_factory, tmp_path):
    lab = lab_factory([{"name": f"web{i}", "qpt": "1.1.55", "mode": "developer"} for i in range(1, 5)])
    state = tmp_path / "state"
    run = start("apply", "-i", str(lab.inventory), "--yes", "--json", "--batches", "1",
                "--max-failed", "0", state_dir=state)
    # Take web3 off the network once the canary is done: web2's batch runs meanwhile, web3's finds it gone.
    wait_for(lambda: any(r["host"] == "web1" for r in records(state)), what="the canary's record")
    lab.stop_sshd("web3")
    out, err = run.communicate(timeout=600)
    assert run.returncode == 3, err
    by_host = {h["host"]: h for h in json.loads(out)["hosts"]}
    assert by_host["web1"]["outcome"] == by_host["web2"]["outcome"] == "changed"
    assert by_host["web3"]["action"] == "unreachable" and by_host["web3"]["outcome"] == "failed"
    assert by_host["web4"]["outcome"] == "not-run"
    assert host_status(lab, "web2") == "Applied" and host_status(lab, "web4") == "Not applied"


def test_interrupt_then_resume_and_the_rollout_lock(lab_factory, tmp_path):
    lab = lab_factory([{"name": f"web{i}", "qpt": "1.1.55", "mode": "developer"} for i in range(1, 5)])
    state = tmp_path / "state"
    run = start("apply", "-i", str(lab.inventory), "--yes", "--json", "--batches", "1,1,2", state_dir=state)
    try:
        wait_for(lambda: list(state.glob("runs/*/run.json")), what="the run's journal")
        run_id = next(state.glob("runs/*/run.json")).parent.name
        second = qpt_apply("apply", "-i", str(lab.inventory), "--yes", state_dir=state)
        assert second.returncode == 2
        assert run_id in second.stderr

        # Ctrl-C while the second batch (web2) runs: it finishes, nothing after it starts.
        wait_for(lambda: any(r["host"] == "web1" for r in records(state)), what="the canary's record")
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=600)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 130, err
    meta = json.loads((state / "runs" / run_id / "run.json").read_text())
    assert meta["state"] == "interrupted" and meta["exit_code"] == 130
    done = {r["host"] for r in records(state) if r["outcome"] in ("changed", "ok", "failed", "skipped")}
    assert "web1" in done and not {"web3", "web4"} & done
    assert host_status(lab, "web3") == host_status(lab, "web4") == "Not applied"

    resumed = qpt_apply("resume", run_id, "--yes", "--json", state_dir=state)
    assert resumed.returncode == 0, resumed.stderr
    doc = json.loads(resumed.stdout)
    assert doc["run_id"] == run_id and doc["state"] == "completed"
    assert all(h["status_after"][PATCH] == "Applied" for h in doc["hosts"])
    assert all(host_status(lab, n) == "Applied" and fingerprinted(lab, n) for n in lab.names)
    assert not Lock(state, lab.inventory).held_elsewhere


@pytest.mark.parametrize("args,message", [
    (["apply", "--patch", "ACSD-61103;id", "--yes"], "not a QPT patch ID"),
    (["apply", "--limit", "no-such-host", "--yes"], "no host in group 'magento'"),
    (["plan", "--batches", "0,50%"], "batch size '0'"),
    (["apply", "--max-failed", "-1", "--yes"], "--max-failed"),
    (["apply"], "refusing to prompt"),
])
def test_bad_input_is_refused_before_any_host_is_touched(mixed_lab, tmp_path, args, message):
    state = tmp_path / "state"
    done = qpt_apply(*args, "-i", str(mixed_lab.inventory), state_dir=state)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert not (state / "runs").exists()


def test_a_bad_knob_in_the_inventory_is_refused_by_the_playbook(mixed_lab, tmp_path):
    import yaml

    inventory = yaml.safe_load(mixed_lab.inventory.read_text())
    inventory["all"]["children"]["magento"]["vars"] = {"magento_post_di_compile": "sometimes"}
    bad = tmp_path / "inventory.yml"
    bad.write_text(yaml.safe_dump(inventory))
    before = {name: tree_digest(mixed_lab.root(name)) for name in mixed_lab.names}
    state = tmp_path / "state"
    done = qpt_apply("apply", "-i", str(bad), "--yes", state_dir=state)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "refused its inputs" in done.stderr and "magento_post_di_compile" in done.stderr
    assert {name: tree_digest(mixed_lab.root(name)) for name in mixed_lab.names} == before
    meta = json.loads(next(state.glob("runs/*/run.json")).read_text())
    assert meta["state"] == "refused" and meta["exit_code"] == 2


def test_bad_input_without_a_lab(tmp_path):
    state = tmp_path / "state"
    missing = qpt_apply("status", "-i", str(tmp_path / "nope.yml"), state_dir=state)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    unknown = qpt_apply("apply", "-i", str(tmp_path / "nope.yml"), "--frobnicate", state_dir=state)
    assert unknown.returncode == 2 and "unrecognized arguments: --frobnicate" in unknown.stderr
    no_tty = qpt_apply("report", "no-such-run", state_dir=state)
    assert no_tty.returncode == 2 and "no run 'no-such-run'" in no_tty.stderr
    assert not (state / "runs").exists()
