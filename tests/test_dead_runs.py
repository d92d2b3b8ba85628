"""Runs whose process died (SIGKILL, crash, reboot): found and marked `killed`, reported as such,
resumable, and what they left behind cleared — without hosts, with real processes killed outright."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from qpt_apply import runner
from qpt_apply.journal import Lock, Run, mark_dead_runs
from qpt_apply.model import HostResult, InputError

REPO = Path(__file__).resolve().parent.parent


def cli(*args: str, state_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qpt_apply.cli", *args, "--state-dir", str(state_dir)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120, cwd=REPO)


def meta(state_dir: Path, run_id: str) -> dict:
    return json.loads((state_dir / "runs" / run_id / "run.json").read_text())


def killed_run(state_dir: Path) -> str:
    """An apply run created by a process that is then SIGKILLed: web1 has a record, web2 none."""
    code = (
        "import sys, time; from pathlib import Path; from qpt_apply.journal import Run; "
        "from qpt_apply.model import HostResult; "
        f"run = Run.create(Path({str(state_dir)!r}), 'apply', {{'patches': ['ACSD-61103'], 'inventory': '/inv.yml', "
        "'limit': None}); "
        "run.write_plan({'hosts': ['web1', 'web2'], 'batches': [['web1'], ['web2']]}); "
        "run.append_record(HostResult(host='web1', action='apply', outcome='changed')); "
        "print(run.run_id, flush=True); time.sleep(120)")
    owner = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        run_id = owner.stdout.readline().strip()
        assert meta(state_dir, run_id)["state"] == "running"
        assert mark_dead_runs(state_dir) == []  # alive: left alone
    finally:
        owner.kill()
        owner.wait()
    return run_id


def test_a_killed_run_is_marked_by_the_next_command_and_every_report_says_so(tmp_path):
    state = tmp_path / "state"
    run_id = killed_run(state)
    assert meta(state, run_id)["state"] == "running"  # nothing has looked yet

    shown = cli("report", run_id, "--format", "json", state_dir=state)
    assert shown.returncode == 0, shown.stderr
    recorded = meta(state, run_id)
    assert recorded["state"] == "killed" and recorded["killed_found"] and recorded["exit_code"] is None
    doc = json.loads(shown.stdout)
    assert doc["state"] == "killed" and doc["summary"]["killed"] and doc["killed_found"] == recorded["killed_found"]
    by_host = {h["host"]: h for h in doc["hosts"]}
    assert by_host["web1"]["outcome"] == "changed"
    assert by_host["web2"]["outcome"] == "not-run" and by_host["web2"]["reason"]["code"] == "killed"

    # The marking command also left the run's own report files.
    run_dir = state / "runs" / run_id
    assert json.loads((run_dir / "report.json").read_text())["state"] == "killed"
    suite = ET.parse(run_dir / "junit.xml").getroot().find("testsuite")
    assert {p.get("name"): p.get("value") for p in suite.iter("property")}["state"] == "killed"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert cases["web2"].find("error") is not None and cases["web2"].find("skipped") is None
    assert suite.get("errors") == "1" and cases["web1"].find("error") is None
    assert "Run killed" in (run_dir / "report.html").read_text()

    table = cli("report", run_id, state_dir=state)
    assert table.returncode == 0 and "(killed)" in table.stdout
    html = cli("report", run_id, "--format", "html", state_dir=state)
    assert "Run killed" in html.stdout and f"qpt-apply resume {run_id}" in html.stdout
    assert meta(state, run_id)["killed_found"] == recorded["killed_found"]  # found once, not re-marked


def test_a_reused_pid_is_not_the_run(tmp_path):
    run = Run.create(tmp_path, "apply", {"patches": [], "inventory": "/inv.yml"})
    mine = run.meta
    assert mine["pid"] == os.getpid() and mine["host"] == socket.gethostname() and mine["pid_started"]
    assert mark_dead_runs(tmp_path) == [] and run.meta["state"] == "running"
    # Same pid, started at another time: a later process got the pid, the run's own is gone.
    run.write_meta({**mine, "pid_started": mine["pid_started"] + "0"})
    assert [r.run_id for r in mark_dead_runs(tmp_path)] == [run.run_id]
    assert run.meta["state"] == "killed"


def test_old_run_files_and_other_machines_runs_stay_readable(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    written = {}
    for name, extra in {"old-dead": {"pid": dead.pid}, "old-alive": {"pid": os.getpid()}, "no-pid": {},
                        "elsewhere": {"pid": dead.pid, "host": "another-" + socket.gethostname()}}.items():
        directory = tmp_path / "runs" / name
        directory.mkdir(parents=True)
        written[name] = {"run_id": name, "command": "apply", "options": {"patches": ["ACSD-61103"]},
                         "state": "running", "started": "2024-01-01T00:00:00+00:00", "finished": None,
                         "exit_code": None, **extra}
        (directory / "run.json").write_text(json.dumps(written[name]))
    (tmp_path / "runs" / "half-written").mkdir()
    (tmp_path / "runs" / "half-written" / "run.json").write_text("{")

    assert [r.run_id for r in mark_dead_runs(tmp_path)] == ["old-dead"]
    assert meta(tmp_path, "old-dead")["state"] == "killed"
    for name in ("old-alive", "no-pid", "elsewhere"):
        assert meta(tmp_path, name) == written[name]
    shown = cli("report", "old-dead", "--format", "json", state_dir=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["state"] == "killed"


def test_a_resumed_run_belongs_to_the_resuming_process(tmp_path):
    run = Run.open(tmp_path / "state", killed_run(tmp_path / "state"))
    mark_dead_runs(tmp_path / "state")
    run.update(state="running")
    assert run.meta["pid"] == os.getpid() and run.meta["state"] == "running"
    assert mark_dead_runs(tmp_path / "state") == [] and run.meta["state"] == "running"


def test_no_state_dir_is_made_by_looking(tmp_path):
    assert mark_dead_runs(tmp_path / "nothing-here") == []
    assert not (tmp_path / "nothing-here").exists()


def test_what_a_killed_run_left_in_its_runner_dirs_is_cleared(tmp_path):
    run = Run.create(tmp_path, "apply", {"patches": [], "inventory": "/inv.yml"})
    run.write_meta({**run.meta, "pid_started": "gone"})
    artifacts = run.runner_dir("apply") / "artifacts"
    fifo = artifacts / "a" / "command"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    in_clear = artifacts / "b" / "command"
    in_clear.parent.mkdir(parents=True)
    in_clear.write_text(json.dumps({"command": ["ansible-playbook"], "cwd": "/", "env": {"AWS_SECRET_ACCESS_KEY": "x1",
                                                                                        "PATH": "/bin"}}))
    mark_dead_runs(tmp_path)
    assert not fifo.exists()
    assert json.loads(in_clear.read_text())["env"] == ["AWS_SECRET_ACCESS_KEY", "PATH"]
    assert in_clear.stat().st_mode & 0o777 == 0o600


STAND_IN_ANSIBLE = "import time\ntime.sleep(120)\n"


def start_stand_in_ansible(bin_dir: Path, private_data_dir: Path) -> subprocess.Popen:
    """A process that looks like a run's ansible-playbook: named so, with ansible-runner's data dir, in
    a session of its own as pexpect starts it."""
    script = bin_dir / "ansible-playbook"
    bin_dir.mkdir(exist_ok=True)
    script.write_text(STAND_IN_ANSIBLE)
    data_dir = private_data_dir / "artifacts" / "ident"
    data_dir.mkdir(parents=True)
    return subprocess.Popen([sys.executable, str(script)], start_new_session=True,
                            env={**os.environ, runner.RUNNER_DATA_DIR_ENV: str(data_dir)})


def wait_for(predicate, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_ansible_outliving_its_run_holds_off_the_next_rollout(tmp_path):
    state = tmp_path / "state"
    inventory = tmp_path / "inv.yml"
    inventory.write_text("all: {}\n")
    holder = subprocess.Popen([sys.executable, "-c", (
        "import time; from pathlib import Path; from qpt_apply.journal import Lock, Run; "
        f"state = Path({str(state)!r}); run = Run.create(state, 'apply', {{'patches': [], 'inventory': 'x'}}); "
        f"Lock(state, Path({str(inventory)!r})).acquire(run.run_id); print(run.run_id, flush=True); "
        "time.sleep(120)")], stdout=subprocess.PIPE, text=True, cwd=REPO)
    orphan = None
    try:
        run = Run.open(state, holder.stdout.readline().strip())
        orphan = start_stand_in_ansible(tmp_path / "bin", run.runner_dir("apply"))
        wait_for(lambda: runner.ansible_processes_of(run.directory) == [orphan.pid])
        holder.kill()
        holder.wait()

        assert [r.run_id for r in mark_dead_runs(state)] == [run.run_id]
        assert run.meta["state"] == "killed" and run.meta["ansible_after_kill"] == [orphan.pid]
        with pytest.raises(InputError, match=f"{run.run_id} was killed.*still running.*kill {orphan.pid}"):
            Lock(state, inventory).acquire("next")
    finally:
        for process in (holder, orphan):
            if process:
                process.kill()
                process.wait()
    lock = Lock(state, inventory)
    lock.acquire(run.run_id)
    assert lock.stale_from == run.run_id
    lock.release()


GUARDED = (
    "import sys, time; from pathlib import Path; from qpt_apply import runner; "
    "guard = runner._abort_when_orphaned(Path(sys.argv[1])); guard.__enter__(); print('in', flush=True); "
    "time.sleep(float(sys.argv[2])); guard.__exit__(None, None, None); print('out', flush=True)")


def test_ansible_dies_with_a_controller_killed_outright(tmp_path):
    private_data_dir = tmp_path / "runner" / "01-apply"
    ansible = start_stand_in_ansible(tmp_path / "bin", private_data_dir)
    try:
        finishing = subprocess.run([sys.executable, "-c", GUARDED, str(private_data_dir), "0"], capture_output=True,
                                   text=True, timeout=60, cwd=REPO)
        assert finishing.stdout.split() == ["in", "out"] and ansible.poll() is None  # a goodbye: left alone

        controller = subprocess.Popen([sys.executable, "-c", GUARDED, str(private_data_dir), "60"],
                                      stdout=subprocess.PIPE, text=True, cwd=REPO)
        try:
            assert controller.stdout.readline().strip() == "in"
            controller.send_signal(signal.SIGKILL)
            wait_for(lambda: ansible.poll() is not None)
            assert ansible.returncode == -signal.SIGKILL
        finally:
            controller.kill()
            controller.wait()
    finally:
        ansible.kill()
        ansible.wait()


def test_secret_dirs_abandoned_by_earlier_versions_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    long_ago = time.time() - 2 * runner.ABANDONED_AFTER_SECONDS
    dirs = {name: tmp_path / f"qpt-apply-secret-{name}" for name in ("abandoned", "in-use", "fresh")}
    for directory in dirs.values():
        directory.mkdir(mode=0o700)
        (directory / "qpt_verify_customer_password").write_text("pw")
    for name in ("abandoned", "in-use"):
        os.utime(dirs[name], (long_ago, long_ago))
    user = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                            env={**os.environ, "QPT_VERIFY_CUSTOMER_PASSWORD_FILE":
                                 str(dirs["in-use"] / "qpt_verify_customer_password")})
    try:
        wait_for(lambda: str(dirs["in-use"]).encode() in Path(f"/proc/{user.pid}/environ").read_bytes())
        assert runner.remove_abandoned_secret_dirs() == [dirs["abandoned"]]
    finally:
        user.kill()
        user.wait()
    assert not dirs["abandoned"].exists() and dirs["in-use"].exists() and dirs["fresh"].exists()
