"""The plan's read is the rollout's: one QPT status to decide, one apply, one status to verify per host,
and a host that changed between the plan and the confirmation is read again.

Counted and checked on the hosts: their stand-ins' command logs and QPT's own status.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_cli_rollout import host_status, qpt_apply, records

pytestmark = pytest.mark.lab

PATCH = "ACSD-61103"
HOSTS = ["web1", "web2"]


@pytest.fixture
def lab(lab_factory):
    return lab_factory([{"name": name, "qpt": "1.1.55", "mode": "developer"} for name in HOSTS])


def qpt_runs(lab, name: str, since: float) -> list[str]:
    """The QPT commands the host ran since `since`, in order (`qpt status`, `qpt apply`, ...)."""
    return [c["cmd"] for c in lab.commands(name)
            if c["event"] == "start" and c["cmd"].startswith("qpt ") and c["time"] >= since]


def last_records(state_dir: Path) -> dict[str, dict]:
    return {r["host"]: r for r in records(state_dir)}


def test_an_apply_runs_qpt_three_times_per_host_the_plan_included(lab, tmp_path):
    started = time.time()
    done = qpt_apply("apply", "-i", str(lab.inventory), "--yes", "--json", "--batches", "1", state_dir=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in HOSTS:
        # The plan's status decides, QPT applies, its status after the apply verifies.
        assert qpt_runs(lab, name, started) == ["qpt status", "qpt apply", "qpt status"], name
        assert host_status(lab, name) == "Applied"
    planned = json.loads(next(tmp_path.glob("runs/*/plan.json")).read_text())["preview"]
    for name, record in last_records(tmp_path).items():
        assert record["action"] == "apply" and record["outcome"] == "changed", record
        # The plan read QPT; the rollout took that read, the host's token unchanged.
        assert planned[name]["read"] == {"token": record["read"]["token"], "reused": False}, planned[name]
        assert record["read"]["reused"] is True and record["read"]["token"], record


def test_a_host_changed_after_the_plan_is_read_again(lab, tmp_path):
    started = time.time()
    # The confirmation is asked on a terminal only: the operator's, here a pseudo-terminal.
    terminal, operator = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "qpt_apply.cli", "apply", "-i", str(lab.inventory),
                             "--batches", "100%", "--state-dir", str(tmp_path)],
                            stdin=operator, stdout=operator, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb"})
    os.close(operator)
    shown = b""
    try:
        while b"[y/N]" not in shown:
            ready, _, _ = select.select([terminal], [], [], 300)
            assert ready, shown.decode(errors="replace")
            shown += os.read(terminal, 65536)
        # Someone patches web2 by hand while the operator reads the plan.
        lab.run_as("web2", ["php", "vendor/bin/magento-patches", "apply", PATCH, "-n"], check=True)
        os.write(terminal, b"y\n")
        err = proc.communicate(timeout=600)[1]
        while select.select([terminal], [], [], 0)[0]:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(terminal)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = shown.decode(errors="replace")
    assert proc.returncode == 0, out + err
    found = last_records(tmp_path)
    # web1 went on from the plan's read; web2's files changed, so its status was read again.
    assert found["web1"]["read"]["reused"] is True and found["web1"]["action"] == "apply"
    assert qpt_runs(lab, "web1", started) == ["qpt status", "qpt apply", "qpt status"]
    assert found["web2"]["read"]["reused"] is False and found["web2"]["action"] == "already-applied", found["web2"]
    assert qpt_runs(lab, "web2", started) == ["qpt status", "qpt apply", "qpt status"]  # plan, by hand, re-read
    assert [host_status(lab, name) for name in HOSTS] == ["Applied", "Applied"]
