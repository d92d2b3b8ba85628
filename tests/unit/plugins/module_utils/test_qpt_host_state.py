# -*- coding: utf-8 -*-
"""The host's state file and process liveness (plugins/module_utils/qpt_host_state.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys
import time

import pytest

from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_host_state import (
    boot_id, in_flight, mark_step, process_alive, process_start, read, state_path, step, update)

RUN = "run-1"


def begin(root, run_id=RUN):
    with update(root) as state:
        state["transaction"] = {"run_id": run_id, "planned": ["patch", "di-compile"], "done": [], "in_progress": None,
                                "failed": None}


def test_no_state_file_reads_empty(tmp_path):
    assert read(str(tmp_path)) == {"format": 1, "lock": None, "transaction": None, "last_transaction": None}
    assert state_path("/srv/magento") == "/srv/magento/var/qpt-apply/state.json"


@pytest.mark.parametrize("content", ['{"lock": {"run_id": "other"', "[]", "null"])
def test_an_unreadable_state_file_is_noted_and_refuses_an_update(tmp_path, content):
    root = str(tmp_path)
    os.makedirs(os.path.dirname(state_path(root)))
    with open(state_path(root), "w") as handle:
        handle.write(content)
    state = read(root)
    assert state["lock"] is None and state["problem"].startswith("unreadable %s" % state_path(root))
    with pytest.raises(RuntimeError, match="unreadable"):
        with update(root) as state:
            state.clear()  # an update that would leave nothing must not remove what it cannot read
    with open(state_path(root)) as handle:
        assert handle.read() == content


def test_an_update_is_written_back_and_read_again(tmp_path):
    root = str(tmp_path)
    with update(root) as state:
        state["lock"] = {"run_id": RUN, "playbook": "apply"}
        state["ignored"] = "kept in the file, not read back"
    assert read(root)["lock"] == {"run_id": RUN, "playbook": "apply"}
    assert "ignored" not in read(root)
    with open(state_path(root)) as handle:
        written = json.load(handle)
    assert (written["format"], written["ignored"]) == (1, "kept in the file, not read back")
    assert os.listdir(os.path.dirname(state_path(root))) == ["state.json"]  # no temporary file left


def test_a_state_left_empty_is_removed_with_its_directory(tmp_path):
    root = str(tmp_path)
    with update(root) as state:
        state["lock"] = {"run_id": RUN}
    with update(root) as state:
        state["lock"] = None
    assert not os.path.exists(os.path.join(root, "var", "qpt-apply"))
    assert read(root)["lock"] is None


def test_this_process_is_alive_and_a_reused_pid_is_not():
    pid = os.getpid()
    start = process_start(pid)
    assert start is not None and start == process_start(pid)
    assert process_alive(pid, start) and process_alive(pid, None)
    assert not process_alive(pid, str(int(start) + 1))
    assert not process_alive(None, None) and not process_alive(0, start)


def test_an_exited_process_is_dead_zombie_or_reaped():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.time() + 10
    while time.time() < deadline:
        with open("/proc/%d/stat" % child.pid) as handle:
            if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                break
        time.sleep(0.01)
    assert process_start(child.pid) is None  # a zombie has finished its work
    assert not process_alive(child.pid, None)
    child.wait()
    assert not process_alive(child.pid, None)


@pytest.mark.skipif(not os.path.exists("/proc/sys/kernel/random/boot_id"), reason="needs Linux /proc")
def test_boot_id_is_the_kernels():
    with open("/proc/sys/kernel/random/boot_id") as handle:
        assert boot_id() == handle.read().strip()
    assert len(boot_id()) == 36


def test_a_step_is_recorded_started_then_done(tmp_path):
    root = str(tmp_path)
    begin(root)
    with step(root, RUN, "patch", ids=["ACSD-1"]):
        running = read(root)["transaction"]
        assert running["in_progress"]["step"] == "patch" and running["in_progress"]["pid"] == os.getpid()
        assert running["ids"] == ["ACSD-1"]
        assert in_flight(running) == running["in_progress"]
    transaction = read(root)["transaction"]
    assert transaction["done"] == ["patch"] and transaction["failed"] is None
    # This module's process stays on record between its steps.
    assert transaction["in_progress"]["step"] is None and transaction["in_progress"]["after"] == "patch"
    assert in_flight(transaction) is not None


def test_a_step_that_raises_is_recorded_failed(tmp_path):
    root = str(tmp_path)
    begin(root)
    with pytest.raises(ValueError):
        with step(root, RUN, "di-compile"):
            raise ValueError("compile failed")
    transaction = read(root)["transaction"]
    assert (transaction["failed"], transaction["done"]) == ("di-compile", [])


def test_a_step_of_another_run_changes_nothing_and_a_dead_step_is_not_in_flight(tmp_path):
    root = str(tmp_path)
    begin(root, run_id="run-0")
    before = read(root)
    mark_step(root, RUN, "patch", "started")
    mark_step(root, "", "patch", "started")
    assert read(root) == before
    gone = {"in_progress": {"step": "patch", "pid": os.getpid(), "pid_start": str(int(process_start(os.getpid())) + 1)}}
    assert in_flight(gone) is None and in_flight(None) is None
