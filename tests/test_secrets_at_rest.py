"""A controller killed outright (SIGKILL) leaves no secret at rest: not the verification customer's
password, not any other variable of its environment — neither in the state dir nor under /tmp, neither
right after the kill nor after `resume`. The run is then found `killed` and resumes.

Every file under both trees is read; the lab's own directory (its lab.json holds the password, as a
shop's database does) is the only one left out.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from qpt_apply import runner
from test_cli_rollout import host_status

REPO = Path(__file__).resolve().parent.parent


def test_ansible_runner_records_the_environment_by_name_only(tmp_path, monkeypatch):
    cloud_secret = "dummy-" + secrets.token_hex(16)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", cloud_secret)
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("magento:\n  hosts:\n    web1:\n    web2:\n")
    private = tmp_path / "runner"
    private.mkdir()
    import ansible_runner

    out, _, rc = runner._call(
        ansible_runner.run_command, private, executable_cmd="ansible",
        cmdline_args=["magento", "-i", str(inventory), "--list-hosts"], envvars=runner._environment(),
        input_fd=None, output_fd=None, error_fd=None, quiet=True, suppress_env_files=True)
    assert rc == 0 and ["web1", "web2"] == [line.strip() for line in out.splitlines()[1:] if line.strip()]
    files = [p for p in private.rglob("*") if not p.is_dir()]
    assert all(stat.S_ISREG(p.lstat().st_mode) for p in files)  # no FIFO left
    assert [str(p) for p in files if cloud_secret.encode() in p.read_bytes()] == []
    command = next(private.glob("artifacts/*/command"))
    assert command.stat().st_mode & 0o777 == 0o600
    assert {"AWS_SECRET_ACCESS_KEY", "PATH", "ANSIBLE_CONFIG"} <= set(json.loads(command.read_text())["env"])


def test_secrets_reach_ansible_from_memory_only(monkeypatch):
    password = "pw-" + secrets.token_hex(8)
    monkeypatch.setenv("QPT_VERIFY_CUSTOMER_PASSWORD", password)
    with runner._secrets_in_memory() as env:
        path = env["QPT_VERIFY_CUSTOMER_PASSWORD_FILE"]
        assert "QPT_VERIFY_CUSTOMER_PASSWORD" not in os.environ  # no child inherits it
        assert path.startswith(f"/proc/{os.getpid()}/fd/")
        for _ in range(2):  # every task that needs it reads it again
            assert subprocess.run(["cat", path], capture_output=True, text=True).stdout == password
        assert not Path(os.readlink(path)).exists()  # an anonymous memory file, no path on any disk
    assert not Path(path).exists() and os.environ["QPT_VERIFY_CUSTOMER_PASSWORD"] == password


@pytest.fixture(scope="module")
def lab(lab_factory):
    return lab_factory([{"name": f"web{i}", "qpt": "1.1.55", "mode": "developer"} for i in range(1, 7)])


@pytest.fixture
def controller(lab, tmp_path):
    """The environment of an operator's shell: the customer's password and an unrelated cloud secret."""
    password = lab.info["customer_password"]
    cloud_secret = "dummy-" + secrets.token_hex(16)
    env = {**os.environ, "QPT_VERIFY_CUSTOMER_PASSWORD": password, "AWS_SECRET_ACCESS_KEY": cloud_secret}
    return {"env": env, "secrets": (password.encode(), cloud_secret.encode()), "state": tmp_path / "state",
            "output": tmp_path / "output"}


def qpt_apply(controller, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qpt_apply.cli", *args, "--state-dir", str(controller["state"])],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=timeout,
                          env=controller["env"], cwd=REPO)


def kill_apply_when(controller, lab, limit: str, moment: str) -> str:
    """Start `apply --functional`, SIGKILL it the moment `moment` (a glob under the state dir) matches;
    returns the run's ID."""
    state = controller["state"]
    controller["output"].mkdir(exist_ok=True)
    with open(controller["output"] / "apply.out", "w") as out, open(controller["output"] / "apply.err", "w") as err:
        apply = subprocess.Popen([sys.executable, "-m", "qpt_apply.cli", "apply", "-i", str(lab.inventory),
                                  "--limit", limit, "--batches", "1", "--functional", "--yes", "--json",
                                  "--state-dir", str(state)],
                                 stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=controller["env"], cwd=REPO)
    try:
        deadline = time.monotonic() + 600
        while not any(state.glob(moment)):
            assert apply.poll() is None, f"apply ended (exit {apply.returncode}) before {moment}"
            assert time.monotonic() < deadline, f"timed out waiting for {moment}"
            time.sleep(0.005)
        apply.send_signal(signal.SIGKILL)
    finally:
        apply.kill()
        apply.wait()
    return next(state.glob("runs/*/run.json")).parent.name


def leaks(controller, lab) -> list[str]:
    """Every regular file under the state dir and /tmp (the lab's directory aside) holding a secret."""
    found = []
    roots = {controller["state"], Path("/tmp"), Path(tempfile.gettempdir())}
    for root in roots:
        for directory, subdirs, files in os.walk(root):
            if Path(directory) == lab.dir:
                subdirs.clear()
                continue
            for name in files:
                path = Path(directory, name)
                try:
                    if not stat.S_ISREG(path.lstat().st_mode):
                        continue
                    data = path.read_bytes()
                except OSError:  # gone meanwhile, or another test's socket
                    continue
                found += [f"{path} holds secret #{n}" for n, secret in enumerate(controller["secrets"]) if secret in data]
    return found


def leftovers(controller) -> list[str]:
    """What a killed controller must not leave for others to trip on: FIFOs, secret directories."""
    fifos = [str(p) for p in controller["state"].rglob("*") if p.is_fifo()]
    return fifos + [str(p) for p in Path(tempfile.gettempdir()).glob(runner.ABANDONED_SECRET_DIRS)]


def wait_until_its_ansible_ends(run_dir: Path) -> None:
    """Its guard ends it within moments of the kill."""
    deadline = time.monotonic() + 30
    while runner.ansible_processes_of(run_dir):
        assert time.monotonic() < deadline, "the killed run's ansible-playbook outlived it"
        time.sleep(0.1)


def assert_found_killed(controller, run_id: str) -> None:
    shown = qpt_apply(controller, "report", run_id, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["state"] == "killed"
    run_dir = controller["state"] / "runs" / run_id
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["state"] == "killed" and meta["killed_found"]
    assert json.loads((run_dir / "report.json").read_text())["state"] == "killed"


def assert_resumes_and_proves_the_fix(controller, lab, run_id: str, hosts: list[str]) -> None:
    resumed = qpt_apply(controller, "resume", run_id, "--yes", "--json")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    doc = json.loads(resumed.stdout)
    assert doc["run_id"] == run_id and doc["state"] == "completed"
    for host in doc["hosts"]:
        # The password reached Ansible through the controller's memory file: the proof ran.
        assert host["verify"]["functional"]["outcome"] == "fixed", host
    assert all(host_status(lab, name) == "Applied" for name in hosts)
    assert lab.failures_num(hosts[0]) == 0
    # What ansible-runner recorded of the environment: the names Ansible got, never a value.
    command = json.loads(sorted((controller["state"] / "runs" / run_id / "runner").glob("*-apply/artifacts/*/command"))[-1]
                         .read_text())
    assert {"AWS_SECRET_ACCESS_KEY", "PATH", "HOME", "QPT_VERIFY_CUSTOMER_PASSWORD_FILE"} <= set(command["env"])
    assert "QPT_VERIFY_CUSTOMER_PASSWORD" not in command["env"]


@pytest.mark.lab
def test_sigkill_as_the_first_runner_artifacts_appear(lab, controller):
    run_id = kill_apply_when(controller, lab, "web1,web2,web3", "runs/*/runner/*/artifacts/*/command")
    assert leaks(controller, lab) == []
    wait_until_its_ansible_ends(controller["state"] / "runs" / run_id)

    assert_found_killed(controller, run_id)
    assert leaks(controller, lab) == [] and leftovers(controller) == []
    # Killed while reading the fleet for the plan: nothing was touched, so nothing to resume.
    resumed = qpt_apply(controller, "resume", run_id, "--yes")
    assert resumed.returncode == 2 and "before its plan was made" in resumed.stderr
    assert all(host_status(lab, name) == "Not applied" for name in ("web1", "web2", "web3"))
    assert leaks(controller, lab) == []


@pytest.mark.lab
def test_sigkill_as_the_rollout_starts_then_resume(lab, controller):
    run_id = kill_apply_when(controller, lab, "web1,web2,web3", "runs/*/runner/*-apply/artifacts/*/command")
    assert leaks(controller, lab) == []
    wait_until_its_ansible_ends(controller["state"] / "runs" / run_id)
    assert leaks(controller, lab) == []

    assert_found_killed(controller, run_id)
    assert leftovers(controller) == []
    assert_resumes_and_proves_the_fix(controller, lab, run_id, ["web1", "web2", "web3"])
    assert leaks(controller, lab) == [] and leftovers(controller) == []


@pytest.mark.lab
def test_sigkill_mid_batch_then_resume(lab, controller):
    run_id = kill_apply_when(controller, lab, "web4,web5,web6", "runs/*/records.jsonl")
    run_dir = controller["state"] / "runs" / run_id
    assert leaks(controller, lab) == []
    # The canary reported; the playbook, in the next batch by now, ended with its controller.
    wait_until_its_ansible_ends(run_dir)
    assert host_status(lab, "web4") == "Applied" and host_status(lab, "web6") == "Not applied"
    assert leaks(controller, lab) == []

    assert_found_killed(controller, run_id)
    assert leftovers(controller) == []
    assert_resumes_and_proves_the_fix(controller, lab, run_id, ["web4", "web5", "web6"])
    assert leaks(controller, lab) == [] and leftovers(controller) == []
