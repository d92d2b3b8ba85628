# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
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
import errno
import fcntl
import json
import os
import tempfile
import time

STATE_DIR = os.path.join("var", "qpt-apply")
STATE_FILE = "state.json"
FORMAT = 1
# Steps of a change, in the order they run.
STEPS = ("qpt-update", "maintenance", "patch", "patch-revert", "di-compile", "cache-clean", "reload", "health",
         "qpt-restore")
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
    except (OSError, IOError) as exc:
        if exc.errno == errno.ENOENT:
            return _empty()
        # Unreadable is not free: a lock may be in there.
        state = _empty()
        state["problem"] = "cannot read %s: %s" % (path, exc)
        return state
    except ValueError as exc:
        state = _empty()
        state["problem"] = "unreadable %s: %s" % (path, exc)
        return state
    state = _empty()
    if isinstance(data, dict):
        state.update((k, data.get(k)) for k in ("lock", "transaction", "last_transaction"))
    else:
        # Not what any run writes: like an unreadable file, it is not taken as free.
        state["problem"] = "unreadable %s: a JSON %s, not an object" % (path, type(data).__name__)
    return state


def _lock_directory(directory):
    """flock the state directory itself (no lock file is left behind). A directory removed by the
    holder we waited for is made anew and locked again."""
    while True:
        try:
            os.makedirs(directory)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise
        guard = os.open(directory, os.O_RDONLY)
        fcntl.flock(guard, fcntl.LOCK_EX)
        try:
            if os.path.samestat(os.fstat(guard), os.stat(directory)):
                return guard
        except OSError:
            pass
        os.close(guard)


@contextlib.contextmanager
def update(root):
    """Yield the state for editing; written back (atomically, under flock) when the block ends. A
    state left empty (no lock, no transaction, no history) is removed, with its directory if empty."""
    directory = os.path.join(root, STATE_DIR)
    guard = _lock_directory(directory)
    try:
        state = read(root)
        if state.get("problem"):
            raise RuntimeError(state["problem"])
        yield state
        if not (state.get("lock") or state.get("transaction") or state.get("last_transaction")):
            try:
                os.unlink(state_path(root))
            except OSError:
                pass
            try:
                os.rmdir(directory)
            except OSError:
                pass  # holds backups
            return
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


def boot_id():
    try:
        with open("/proc/sys/kernel/random/boot_id") as handle:
            return handle.read().strip()
    except (OSError, IOError):
        return None


def process_alive(pid, start):
    """Whether a process still runs; anything that cannot be proved dead counts as alive."""
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except OSError as exc:
        if exc.errno == errno.ESRCH:
            return False
        return True  # EPERM: alive, another user's
    except (ValueError, TypeError):
        return True
    if not os.path.isdir("/proc/self"):
        return True
    started = process_start(pid)
    if started is None:
        # Gone since, a zombie, or hidden (hidepid): only a visible mismatch proves reuse.
        return os.path.exists("/proc/%d" % int(pid)) and fields_hidden(pid)
    return start is None or str(started) == str(start)


def fields_hidden(pid):
    """/proc/PID exists but cannot be read (hidepid): the process is there."""
    try:
        with open("/proc/%d/stat" % int(pid)):
            return False
    except (OSError, IOError):
        return True


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
        pid = os.getpid()
        if phase == "started":
            transaction["in_progress"] = {"step": step, "pid": pid, "pid_start": process_start(pid), "since": now()}
        else:
            # The module's process stays on record until it exits: between two of its steps the host
            # is still busy, and a waiting run must not take over in that gap.
            transaction["in_progress"] = {"step": None, "after": step, "pid": pid, "pid_start": process_start(pid),
                                          "since": now()}
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
