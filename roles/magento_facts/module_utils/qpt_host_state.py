# -*- coding: utf-8 -*-
"""The host remembers qpt-apply's change: <magento root>/var/qpt-apply/state.json.

    {"format": 1,
     "lock": {run_id, playbook, controller: {host, pid, pid_start, user}, since} | null,
     "transaction": {run_id, playbook, patches, started, updated, planned: [step], done: [step],
                     in_progress: {step, pid, pid_start, since} | null, failed: step | null,
                     maintenance_set_by_run, qpt_backup, recovered_from, outcome: null} | null,
     "last_transaction": the previous transaction, finished (outcome ok | rolled-back | failed)}

The lock says which rollout owns the host while it changes it; the transaction says how far that
change got, so that any later run finishes or rolls back what a dead one left. Every write is a
read-modify-write under flock, replaced atomically, so concurrent modules of one host never lose
each other's steps. Standard library only (runs on the target, Python >= 3.6).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import fcntl
import json
import os
import tempfile
import time

STATE_DIR = os.path.join("var", "qpt-apply")
STATE_FILE = "state.json"
FORMAT = 1
# Steps of a change, in the order they run.
STEPS = ("qpt-update", "maintenance", "patch", "di-compile", "cache-clean", "reload", "health")
POST_STEPS = ("di-compile", "cache-clean", "reload")


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def state_path(root):
    return os.path.join(root, STATE_DIR, STATE_FILE)


def _empty():
    return {"format": FORMAT, "lock": None, "transaction": None, "last_transaction": None}


def read(root):
    """The host's state; an unreadable file reads as empty with the problem noted (never raises)."""
    path = state_path(root)
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (OSError, IOError):
        return _empty()
    except ValueError as exc:
        state = _empty()
        state["problem"] = "unreadable %s: %s" % (path, exc)
        return state
    state = _empty()
    if isinstance(data, dict):
        state.update((k, data.get(k)) for k in ("lock", "transaction", "last_transaction"))
    return state


@contextlib.contextmanager
def update(root):
    """Yield the state for editing; written back (atomically, under flock) when the block ends."""
    directory = os.path.join(root, STATE_DIR)
    if not os.path.isdir(directory):
        os.makedirs(directory)
    # The directory itself is the flock: no lock file is left behind.
    guard = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(guard, fcntl.LOCK_EX)
        state = read(root)
        state.pop("problem", None)
        yield state
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".state.")
        with os.fdopen(handle, "w") as out:
            json.dump(state, out, indent=2, sort_keys=True)
            out.write("\n")
        os.rename(temporary, state_path(root))
    finally:
        os.close(guard)


def process_start(pid):
    """Start time of a process (clock ticks since boot) or None: a pid plus this tells reuse apart."""
    try:
        with open("/proc/%d/stat" % int(pid)) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IOError, ValueError, IndexError, TypeError):
        return None
    # fields[0] is the state: a zombie has finished its work.
    if fields[0] == "Z":
        return None
    return fields[19]


def process_alive(pid, start):
    started = process_start(pid) if pid else None
    return started is not None and (start is None or str(started) == str(start))


def in_flight(transaction):
    """The step of a transaction whose process still runs on this host, or None."""
    step = (transaction or {}).get("in_progress")
    if step and process_alive(step.get("pid"), step.get("pid_start")):
        return step
    return None


def mark_step(root, run_id, step, phase, **extra):
    """Record that `step` of run `run_id` started | is done | failed. No transaction of that run: no-op."""
    if not run_id:
        return
    with update(root) as state:
        transaction = state.get("transaction")
        if not transaction or transaction.get("run_id") != run_id:
            return
        transaction["updated"] = now()
        if phase == "started":
            pid = os.getpid()
            transaction["in_progress"] = {"step": step, "pid": pid, "pid_start": process_start(pid), "since": now()}
        else:
            transaction["in_progress"] = None
            if phase == "done" and step not in transaction["done"]:
                transaction["done"].append(step)
            if phase == "failed":
                transaction["failed"] = step
        transaction.update(extra)


@contextlib.contextmanager
def step(root, run_id, name, **extra):
    """Run a block as one recorded step: started before (with `extra`), done after, failed when it raises."""
    mark_step(root, run_id, name, "started", **extra)
    try:
        yield
    except BaseException:
        mark_step(root, run_id, name, "failed")
        raise
    mark_step(root, run_id, name, "done")
