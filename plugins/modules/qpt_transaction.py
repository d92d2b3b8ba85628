#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Ansible module: the host-side lock and transaction record of a qpt-apply change."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: qpt_transaction
short_description: Lock a Magento host for one rollout and record how far its change got
description:
  - Keeps C(var/qpt-apply/state.json) under the Magento root, owned by the Magento user. The lock names
    the rollout that owns the host (run id, controller host, pid, time); the transaction lists the steps
    planned and done, which step is running (with its host pid), and whether this run set maintenance
    mode, so that any later run finishes or rolls back a change a dead run left.
  - I(state=checked) only reads. I(state=settled) only waits (up to O(wait_seconds)) until no step of
    the host's transaction still runs, and writes nothing. I(state=begun) takes the lock (refusing another live holder), starts the
    transaction and enters maintenance mode when asked, recording that before the command runs.
    I(state=finished) leaves the maintenance mode this run set, checks that the node answers (the health
    gate), closes the transaction and releases the lock. I(state=released) only releases this run's lock.
  - Whether a holder on the controller is gone is judged on the controller (this module cannot see its
    processes); it passes that holder's run id as I(takeover).
extends_documentation_fragment:
  - qpt_apply.magento.magento
  - qpt_apply.magento.magento.health
options:
  state:
    description: What to do.
    type: str
    choices: [checked, settled, begun, finished, released]
    default: checked
  run_id:
    description: The rollout's run id (required except for I(state=checked)).
    type: str
    default: ""
  playbook:
    description: apply | revert, for the record.
    type: str
    default: apply
  patches:
    description: Patch IDs of the change.
    type: list
    elements: str
    default: []
  planned:
    description: Steps planned for this host (qpt-update, maintenance, patch, di-compile, cache-clean, reload, health).
    type: list
    elements: str
    default: []
  controller:
    description: Who holds the lock - C({host, pid, pid_start, user}) of the controller process.
    type: dict
    default: {}
  takeover:
    description: Run id of a lock holder the controller proved gone; its lock is taken over.
    type: str
    default: ""
  wait_seconds:
    description: How long to wait for a step of a gone holder that still runs on the host before refusing.
    type: int
    default: 900
  maintenance:
    description: With I(state=begun), enter maintenance mode unless it is on already.
    type: bool
    default: false
  maintenance_allow_ips:
    description: Addresses still served during maintenance (C(--ip)).
    type: list
    elements: str
    default: []
  outcome:
    description: With I(state=finished), how the change ended - ok, rolled-back or failed.
    type: str
    choices: [ok, rolled-back, failed]
    default: ok
  leave_maintenance:
    description: With I(state=finished), leave the maintenance mode this run (or the dead run it took over) set.
    type: bool
    default: true
  health_url:
    description:
      - With I(state=finished), the URL that must answer; empty skips the gate.
      - Asked of production-mode nodes only (in the other modes a request generates code on the fly).
    type: str
    default: ""
  health_timeout:
    description: Seconds to wait for one answer.
    type: int
    default: 10
  health_attempts:
    description: Tries before the node counts as not serving (1 s apart).
    type: int
    default: 5
author: qpt-apply contributors (@qpt-apply)
"""

EXAMPLES = r"""
- name: Take the host and start the change
  qpt_transaction:
    root: /var/www/magento
    state: begun
    run_id: "{{ qpt_run_id }}"
    patches: [ACSD-61103]
    planned: [patch, di-compile, cache-clean, health]
    controller: "{{ {} | qpt_controller_identity }}"

- name: Leave maintenance, check the node answers, close the change
  qpt_transaction:
    root: /var/www/magento
    state: finished
    run_id: "{{ qpt_run_id }}"
    health_url: https://shop.example.com/
"""

RETURN = r"""
lock:
  description: The lock after the call (null when free).
  returned: always
  type: dict
transaction:
  description: The unfinished transaction after the call (null when none).
  returned: always
  type: dict
last_transaction:
  description: The transaction most recently finished on the host.
  returned: always
  type: dict
in_flight:
  description: A step of another run still running on the host (C({step, pid, since})), or null.
  returned: always
  type: dict
taken_over:
  description: The lock this call took over from a gone holder, or null.
  returned: always
  type: dict
recovered_from:
  description: Run id of the unfinished transaction this one continues, or null.
  returned: always
  type: str
maintenance:
  description: C({before, enabled_by_run, on}) for the record.
  returned: always
  type: dict
health:
  description: C({url, status, ok, error, attempts, expected}) of the gate, or null when not checked.
  returned: always
  type: dict
reason:
  description: C({code, message}); code locked | busy | health-failed | maintenance-failed | null.
  returned: always
  type: dict
"""

import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_health import (
    HEALTH_REQUEST_OPTIONS, asked_in as health_asked_in, check as check_health, describe as describe_health)
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_qpt import deploy_mode
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_host_state import in_flight, mark_step, now, read, update

MAINTENANCE_FLAG = os.path.join("var", ".maintenance.flag")


def _holder(lock):
    controller = lock.get("controller") or {}
    return "run %s (%s on %s, pid %s, since %s)" % (
        lock.get("run_id"), lock.get("playbook"), controller.get("host"), controller.get("pid"), lock.get("since"))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", required=True),
            state=dict(type="str", choices=["checked", "settled", "begun", "finished", "released"], default="checked"),
            run_id=dict(type="str", default=""),
            playbook=dict(type="str", default="apply"),
            patches=dict(type="list", elements="str", default=[]),
            planned=dict(type="list", elements="str", default=[]),
            controller=dict(type="dict", default={}),
            takeover=dict(type="str", default=""),
            wait_seconds=dict(type="int", default=900),
            maintenance=dict(type="bool", default=False),
            maintenance_allow_ips=dict(type="list", elements="str", default=[]),
            php=dict(type="str", default="php"),
            outcome=dict(type="str", choices=["ok", "rolled-back", "failed"], default="ok"),
            leave_maintenance=dict(type="bool", default=True),
            health_url=dict(type="str", default=""),
            health_timeout=dict(type="int", default=10),
            health_attempts=dict(type="int", default=5),
            **HEALTH_REQUEST_OPTIONS
        ),
        required_if=[("state", "begun", ["run_id"]), ("state", "finished", ["run_id"]),
                     ("state", "released", ["run_id"])],
        supports_check_mode=True,
    )
    p = module.params
    root = os.path.realpath(p["root"])
    run_id = p["run_id"]
    flag = os.path.join(root, MAINTENANCE_FLAG)
    result = dict(changed=False, taken_over=None, recovered_from=None, health=None, in_flight=None,
                  reason=dict(code=None, message=""), maintenance=dict(before=os.path.isfile(flag),
                                                                       enabled_by_run=False, on=os.path.isfile(flag)))

    def finish(**extra):
        state = read(root)
        result.update(lock=state["lock"], transaction=state["transaction"],
                      last_transaction=state["last_transaction"], **extra)
        result["in_flight"] = in_flight(state["transaction"]) if state["transaction"] else None
        mine = [t for t in (state["transaction"], state["last_transaction"]) if t and t.get("run_id") == run_id]
        if mine:
            result["maintenance"]["enabled_by_run"] = bool(mine[0].get("maintenance_set_by_run")
                                                           or mine[0].get("maintenance_left"))
            result["maintenance"]["before"] = bool(mine[0].get("maintenance_before", result["maintenance"]["before"]))
        result["maintenance"]["on"] = os.path.isfile(flag)

    def fail(code, message, **extra):
        finish(**extra)
        result["reason"] = dict(code=code, message=message)
        module.fail_json(msg=message, **result)

    def magento(*args):
        argv = [p["php"], "bin/magento"] + list(args)
        rc, out, err = module.run_command(argv, cwd=root, environ_update={"LANG": "C", "LC_ALL": "C"})
        return rc, (out or "") + (err or "")

    if p["state"] == "checked" or module.check_mode:
        finish()
        module.exit_json(**result)

    if p["state"] == "settled":
        _wait_for_steps_in_flight(module, root, run_id, p["wait_seconds"], fail)
        finish()
        module.exit_json(**result)

    if p["state"] == "begun":
        _wait_for_steps_in_flight(module, root, run_id, p["wait_seconds"], fail)
        with update(root) as state:
            lock = state.get("lock")
            if lock and lock.get("run_id") != run_id:
                if p["takeover"] != lock.get("run_id"):
                    held = _holder(lock)
                else:
                    held = None
                    result["taken_over"] = lock
            else:
                held = None
            if held is None:
                # Any transaction still open here was left by an earlier attempt (a gone run, or this
                # run before it was resumed): this one continues from what the host now is.
                previous = state.get("transaction")
                previous = previous or {}
                transaction = {
                    "run_id": run_id, "playbook": p["playbook"], "patches": p["patches"], "started": now(),
                    "updated": now(), "in_progress": None, "failed": None, "outcome": None,
                    # What the earlier attempt did and planned stays owed until this one is done.
                    "planned": list(dict.fromkeys((previous.get("planned") or []) + p["planned"])),
                    "done": list(previous.get("done") or []),
                    "qpt_backup": previous.get("qpt_backup"),
                    # A dead run's maintenance flag is ours to remove now - only if it is still the very
                    # flag that run made; the operator's never is.
                    "maintenance_set_by_run": bool(previous.get("maintenance_set_by_run")
                                                   and previous.get("maintenance_flag") == _flag_identity(flag)
                                                   and _flag_identity(flag) is not None),
                    "maintenance_flag": previous.get("maintenance_flag"),
                    "recovered_from": previous.get("run_id"),
                    "maintenance_before": os.path.isfile(flag),
                }
                if transaction["maintenance_set_by_run"]:
                    transaction["maintenance_before"] = False  # the gone run's flag, not the operator's
                if p["maintenance"] and not os.path.isfile(flag):
                    # Written before the command: a half-done enable is still undone by whoever comes next.
                    transaction["maintenance_set_by_run"] = True
                    wants_maintenance = True
                else:
                    wants_maintenance = False
                state["transaction"] = transaction
                state["lock"] = {"run_id": run_id, "playbook": p["playbook"], "controller": p["controller"],
                                 "since": now()}
                result["recovered_from"] = transaction["recovered_from"]
        if held is not None:
            fail("locked", "host held by another rollout: %s" % held)
        # The lock and the transaction record are bookkeeping, not a change of the shop.
        if wants_maintenance:
            mark_step(root, run_id, "maintenance", "started")
            rc, output = magento(*(["maintenance:enable"] + (
                ["--ip=" + ",".join(p["maintenance_allow_ips"])] if p["maintenance_allow_ips"] else [])))
            if rc != 0:
                mark_step(root, run_id, "maintenance", "failed")
                fail("maintenance-failed", "bin/magento maintenance:enable failed (rc %d): %s"
                     % (rc, (output.strip().splitlines() or [""])[-1]), output=output)
            mark_step(root, run_id, "maintenance", "done", maintenance_flag=_flag_identity(flag))
            result["changed"] = True
        finish()
        module.exit_json(**result)

    state = read(root)
    transaction = state["transaction"] if (state["transaction"] or {}).get("run_id") == run_id else None
    if p["state"] == "finished" and transaction:
        # Said before the transaction closes: a change that was undone leaves no record to read it from.
        result["maintenance"].update(before=bool(transaction.get("maintenance_before")),
                                     enabled_by_run=bool(transaction.get("maintenance_set_by_run")
                                                         or transaction.get("maintenance_left")))
        if p["leave_maintenance"] and transaction.get("maintenance_set_by_run") and os.path.isfile(flag):
            rc, output = magento("maintenance:disable")
            if rc != 0:
                fail("maintenance-failed", "bin/magento maintenance:disable failed (rc %d)" % rc, output=output)
            result["changed"] = True
            _forget_flag(root, run_id)
        if p["health_url"] and os.path.isfile(flag) and not transaction.get("maintenance_set_by_run"):
            # The operator's maintenance mode stays on: the node is meant to answer 503 until they lift it.
            result["health"] = {"url": p["health_url"], "status": None, "ok": None,
                                "error": "not checked: the operator's maintenance mode is on"}
        elif p["health_url"] and health_asked_in(deploy_mode(root)):
            mark_step(root, run_id, "health", "started")
            health = check_health(p["health_url"], p["health_statuses"], p["health_timeout"], p["health_attempts"],
                                  host_header=p["health_host_header"])
            result["health"] = health
            if not health["ok"]:
                mark_step(root, run_id, "health", "failed")
                if transaction.get("maintenance_set_by_run") and p["leave_maintenance"]:
                    # Customers see the maintenance page rather than errors while the host is put back.
                    if magento("maintenance:enable")[0] == 0:
                        mark_step(root, run_id, "maintenance", "done", maintenance_set_by_run=True,
                                  maintenance_flag=_flag_identity(flag))
                if p["outcome"] != "ok":
                    _close(root, run_id, "failed", keep=True)
                fail("health-failed", "the node does not serve: %s (expected HTTP %s)"
                     % (describe_health(health), "/".join(str(s) for s in p["health_statuses"])), health=health)
            mark_step(root, run_id, "health", "done")
        _close(root, run_id, p["outcome"], keep=p["outcome"] == "failed")
        finish(health=result["health"])
        module.exit_json(**result)

    # released (or finished without a transaction of ours): drop our lock only.
    with update(root) as state:
        if (state.get("lock") or {}).get("run_id") == run_id:
            state["lock"] = None
    finish()
    module.exit_json(**result)


def _flag_identity(flag):
    """Which maintenance flag this is (inode, mtime): the operator's own flag made later is another."""
    try:
        info = os.stat(flag)
    except OSError:
        return None
    return [info.st_ino, int(info.st_mtime)]


def _forget_flag(root, run_id):
    """The flag this run set is gone: a later one is not ours."""
    with update(root) as state:
        transaction = state.get("transaction")
        if transaction and transaction.get("run_id") == run_id:
            transaction.update(maintenance_set_by_run=False, maintenance_flag=None, maintenance_left=True)


def _close(root, run_id, outcome, keep):
    """End the transaction and release the lock. keep: a failed change stays on record for the next run.
    A change that did nothing on the host (refused by QPT at once, say), or was undone, leaves no trace."""
    with update(root) as state:
        transaction = state.get("transaction")
        if transaction and transaction.get("run_id") == run_id:
            transaction.update(outcome=outcome, updated=now(), in_progress=None)
            if not keep:
                if outcome == "ok" and [s for s in transaction.get("done") or [] if s != "health"]:
                    state["last_transaction"] = transaction
                state["transaction"] = None
        if (state.get("lock") or {}).get("run_id") == run_id:
            state["lock"] = None


def _wait_for_steps_in_flight(module, root, run_id, wait_seconds, fail):
    """A gone controller's step may still run on the host (its SSH session outlived it): let it end first."""
    deadline = time.time() + max(0, wait_seconds)
    while True:
        transaction = read(root)["transaction"]
        busy = in_flight(transaction) if transaction else None
        if not busy:
            return
        if time.time() >= deadline:
            fail("busy", "step %s of run %s still runs on the host (pid %s, since %s)"
                 % (busy["step"], transaction.get("run_id"), busy["pid"], busy["since"]))
        time.sleep(1)


if __name__ == "__main__":
    main()
