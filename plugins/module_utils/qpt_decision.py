# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""What to do on one host: the per-host decision of every playbook, from what the modules read.

Pure functions over data the modules returned (no tool output is parsed here). The playbooks reach
them through the filters of plugins/filter/qpt.py; unit tests import them directly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import getpass
import multiprocessing
import os
import socket

from ansible_collections.qpt_apply.magento.plugins.module_utils import qpt_host_state as host_state
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_health import answer_text
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_statuses import ABSENT
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_catalog import (
    entries_of, is_known_bad, offered, qpt_requirement, qpt_satisfies)

DONE = {"apply": "Applied", "revert": "Not applied"}

# The `decide` option of magento_facts: with it, the module's action plugin decides on the controller
# right after the read (one task instead of a read and a set_fact). The module itself ignores it.
DECIDE_OPTIONS = dict(
    mode=dict(type="str", choices=["apply", "revert", "status"], required=True),
    catalog=dict(type="dict", default={}),
    allow_qpt_update=dict(type="bool", default=True),
    restore_package=dict(type="bool", default=False),
    run_id=dict(type="str", default=""),
    takeover=dict(type="str", default=""),
    own_transaction=dict(type="bool", default=False),
    fail=dict(type="bool", default=True),
)

# --------------------------------------------------------------------------- the host's lock and transaction


def controller_identity(unused=None):
    """Who holds a host lock: this controller's host and the ansible-playbook process (a task's worker
    process is its child), with the process start time so a reused pid is not taken for the holder."""
    pid = os.getppid() if multiprocessing.parent_process() is not None else os.getpid()
    host = socket.gethostname()
    start = host_state.process_start(pid)
    return {"host": host, "pid": pid, "pid_start": start, "user": getpass.getuser(), "boot_id": host_state.boot_id(),
            "run_id": "ansible-playbook-%s-%s@%s" % (pid, start, host)}


def holder_gone(lock, takeover=""):
    """A lock's holder is provably gone: its process is dead on this very controller, or the operator
    named its run (qpt_lock_takeover) after making sure. A holder on another controller is never guessed."""
    if not lock:
        return True
    if takeover and lock.get("run_id") == takeover:
        return True
    controller = lock.get("controller") or {}
    if controller.get("host") != socket.gethostname():
        return False
    if controller.get("boot_id") and host_state.boot_id() and controller["boot_id"] != host_state.boot_id():
        return True  # this controller rebooted since
    return not host_state.process_alive(controller.get("pid"), controller.get("pid_start"))


def describe_holder(lock):
    controller = (lock or {}).get("controller") or {}
    return "run %s (%s, controller %s pid %s, since %s)" % (
        lock.get("run_id"), lock.get("playbook"), controller.get("host"), controller.get("pid"), lock.get("since"))


def held_by(lock):
    """How a host another live rollout holds is named: 'held by run ID (playbook, controller host pid N, since T)'."""
    return "held by %s" % describe_holder(lock)


def lock_refusals(hostvars, hosts, run_id, takeover=""):
    """One line per host another live rollout holds (the transaction read of each host in qpt_transaction_read)."""
    lines = []
    for host in hosts:
        read = (hostvars.get(host) or {}).get("qpt_transaction_read") or {}
        lock = read.get("lock")
        if lock and lock.get("run_id") != run_id and not holder_gone(lock, takeover):
            lines.append("%s is %s" % (host, held_by(lock)))
    return lines


def _unfinished(host_state_read):
    """The transaction an earlier attempt left open on the host: read before this run began the host,
    it is a gone run's (or this run's, before a resume) - never one in progress."""
    return (host_state_read or {}).get("transaction") or None


# --------------------------------------------------------------------------- decision


def reason_of(code=None, message=""):
    return {"code": code, "message": message}


def decide(facts, mode, patches, catalog, allow_qpt_update=True, restore_package=False, run_id=None, takeover="",
           own_transaction=False):
    """What to do on one host. mode: apply | revert | status (status = what apply would do, read-only).
    own_transaction: the host's open transaction is this run's, begun moments ago (a decision made
    again after a recovery), not one left behind."""
    decision = _decide(facts, mode, patches, catalog, allow_qpt_update, restore_package)
    return _with_host_state(decision, facts or {}, mode, run_id, takeover, own_transaction)


def decide_with(facts, patches, options):
    """decide() with the validated DECIDE_OPTIONS of a read."""
    return decide(facts, options["mode"], patches, options["catalog"], options["allow_qpt_update"],
                  options["restore_package"], options["run_id"], options["takeover"], options["own_transaction"])


def _with_host_state(decision, facts, mode, run_id, takeover, own_transaction=False):
    """Fold in what the host remembers: another rollout's lock, a change a gone run left unfinished,
    and a node that does not serve although its patches are in place."""
    state = facts.get("host_state") or {}
    lock = state.get("lock")
    decision.update(takeover="", recovering=None, recover_package=False, inherit_maintenance=False,
                    run_post=False, health=facts.get("health"), run_change=False, wait_in_flight=False)
    if lock and lock.get("run_id") != run_id:
        if not holder_gone(lock, takeover):
            if mode == "status":
                decision["locked_by"] = describe_holder(lock)
                return _with_run_change(decision)
            decision.update(action="locked", outcome="failed", fail=True, run_patch=False, update_qpt=False,
                            restore_qpt=False,
                            reason=reason_of("locked", held_by(lock)))
            return decision
        decision["takeover"] = lock.get("run_id")
    busy = state.get("in_flight")
    if busy and not own_transaction:
        # A gone run's step still runs on the host (its SSH session outlived it): nothing may touch it
        # yet. A change waits for it to end (playbooks/tasks/settle.yml), then reads and decides again.
        what = "step %s of run %s still runs on the host (pid %s, since %s)" % (
            busy.get("step") or busy.get("after"), (state.get("transaction") or {}).get("run_id"),
            busy.get("pid"), busy.get("since"))
        decision.update(run_patch=False, update_qpt=False, restore_qpt=False)
        if mode == "status":
            decision.update(action="busy", outcome="failed", fail=False,
                            reason=reason_of("busy", what + ": try again when it has ended"))
        else:
            decision.update(action="wait", outcome="would-change", fail=False, wait_in_flight=True,
                            reason=reason_of(None, what + ": wait until it has ended, then read and decide again"))
        return _with_run_change(decision)
    unfinished = None if own_transaction else _unfinished(state)
    in_progress = ((unfinished or {}).get("in_progress") or {}).get("step")
    if decision.get("fail") and in_progress in ("qpt-update", "qpt-restore"):
        # The half-done composer run is why this host cannot be read: put it back, then decide again.
        decision.update(action="repair", outcome="would-change", fail=False, recover_package=True,
                        reason=reason_of(None, "put back the QPT update run %s left half-done, then decide again"
                                         % unfinished.get("run_id")))
        return _with_run_change(decision)
    if decision.get("fail") or decision.get("action") == "skip-incompatible":
        return _with_run_change(decision)
    target = {"apply": "Applied", "status": "Applied", "revert": "Not applied"}[mode]
    in_target = all(s == target for s in (decision.get("status_before") or {}).values())
    owed = []
    if unfinished:
        done = unfinished.get("done") or []
        in_progress = (unfinished.get("in_progress") or {}).get("step")
        decision["recovering"] = {k: unfinished.get(k) for k in ("run_id", "playbook", "done", "in_progress",
                                                                 "failed", "maintenance_set_by_run", "qpt_backup")}
        if in_progress in ("qpt-update", "qpt-restore"):
            # composer was stopped midway: composer.json/lock and vendor/ may disagree.
            decision["recover_package"] = True
        if unfinished.get("maintenance_set_by_run") and facts.get("maintenance"):
            decision["inherit_maintenance"] = True
            owed.append("leave the maintenance mode run %s set" % unfinished.get("run_id"))
        touched = in_progress in ("patch", "patch-revert") or "patch" in done or "patch-revert" in done
        planned_post = [s for s in unfinished.get("planned") or [] if s in host_state.POST_STEPS] or ["cache-clean"]
        if touched and (unfinished.get("failed") or any(s not in done for s in planned_post)):
            owed.append("re-run the post-steps run %s did not finish" % unfinished.get("run_id"))
            decision["run_post"] = True
    if (unfinished or decision["takeover"]) and not owed:
        owed.append("close the change run %s left open (health gate, lock released)"
                    % (unfinished or lock).get("run_id"))
        decision["close_leftover"] = True
    health = facts.get("health")
    unhealthy = health is not None and not health.get("ok") and not (
        facts.get("maintenance") and not decision["inherit_maintenance"])
    if unhealthy and mode in ("apply", "status") and in_target:
        owed.append("the node answers %s although the patches are applied: re-run the post-steps"
                    % answer_text(health))
        decision["run_post"] = True
    if owed and in_target and decision.get("action") in ("already-applied", "already-reverted"):
        decision.update(action="repair", outcome="would-change", reason=reason_of(None, "; ".join(owed)))
        if mode == "status" and unhealthy:
            decision.update(outcome="failed", fail=True,
                            reason=reason_of("unhealthy", "Applied, but the node answers %s; apply repairs it (%s)"
                                             % (answer_text(health), "; ".join(owed))))
    elif owed and not decision.get("reason", {}).get("message"):
        decision["reason"] = reason_of(None, "; ".join(owed))
    return _with_run_change(decision)


def _with_run_change(decision):
    """Whether the host is changed at all (playbooks/tasks/change.yml runs)."""
    decision["run_change"] = not decision.get("fail") and any(decision.get(k) for k in (
        "update_qpt", "run_patch", "run_post", "restore_qpt", "inherit_maintenance", "close_leftover",
        "recover_package"))
    return decision


def transaction_plan(decision, deploy_mode, di_compile="auto", cache_action="clean", maintenance=False):
    """The steps a change of this host will take, as the host's transaction lists them."""
    decision = decision or {}
    patching = bool(decision.get("run_patch")) or bool(decision.get("run_post"))
    compile_now = di_compile == "always" or (di_compile == "auto" and deploy_mode == "production"
                                             and bool(decision.get("needs_di_compile", True)))
    steps = (["qpt-update"] if decision.get("update_qpt") else []) + (["maintenance"] if maintenance else [])
    steps += ["patch"] if decision.get("run_patch") else []
    if patching:
        steps += (["di-compile"] if compile_now else []) + (["cache-clean"] if cache_action != "none" else [])
    return steps + ["health"]


def _decide(facts, mode, patches, catalog, allow_qpt_update, restore_package):
    facts = facts or {}
    catalog = catalog or {}
    magento = facts.get("magento") or {}
    status = facts.get("status") or {}
    statuses = dict(status.get("patches") or {})
    version = magento.get("version")
    entries = entries_of(catalog, patches)
    unknown = [pid for pid in patches if pid not in entries]
    qpt = facts.get("qpt") or {}
    # A QPT whose every command fails with a configuration error (a release broken on this host, known or
    # not): judged by what it does, it is replaced like a known-bad release, by one that is not it.
    broken = (not status.get("read") and status.get("reason") == "broken-qpt" and bool(qpt.get("version"))
              and mode != "revert")
    constraint, minimum, bad = qpt_requirement(entries.values(), version, magento.get("edition"),
                                               also_bad=[qpt["version"]] if broken else [])
    decision = {
        "mode": mode, "action": None, "outcome": None, "reason": reason_of(), "fail": False,
        "run_patch": False, "update_qpt": False, "restore_qpt": False,
        "qpt_constraint": constraint, "qpt_min": minimum, "qpt_bad": bad,
        "qpt_version": (facts.get("qpt") or {}).get("version"),
        "catalog_ids": sorted(entries), "unknown_ids": unknown,
        "needs_di_compile": bool(unknown) or any(bool(e.get("needs_di_compile", True)) for e in entries.values()),
        "status_before": dict((pid, statuses.get(pid, ABSENT)) for pid in patches),
        "fingerprints": dict((pid, e.get("fingerprints") or []) for pid, e in entries.items()),
    }

    def result(action, outcome, code=None, message="", **extra):
        decision.update(action=action, outcome=outcome, reason=reason_of(code, message), **extra)
        return decision

    def failed(code, message, action="failed"):
        return result(action, "failed", code, message, fail=True)

    if not magento.get("found"):
        return failed("magento-not-found", "no Magento installation (magento/magento2-base) under %s"
                      % facts.get("root", "magento_root"))
    if facts.get("cloud"):
        return result("skip-incompatible", "skipped", "cloud",
                      "Adobe Commerce Cloud project: vendor/ is read-only there; patch it through cloud.yml")
    tools = facts.get("tools") or {}
    no_tools = not tools.get("git") and not tools.get("patch")
    wrong_user = facts.get("user") and facts.get("root_owner") and facts["user"] != facts["root_owner"]

    # Outside the catalog's constraint QPT never offers the patch: nothing to apply, nothing to revert
    # (a 2.4.7 host carries the fix in core, so its files look patched).
    not_offered = [(pid, offered(entry, version, magento.get("edition"))) for pid, entry in sorted(entries.items())]
    what = ["%s %s" % (pid, why) for pid, (ok, why) in not_offered if not ok]
    if what:
        return result("skip-incompatible", "skipped", "not-offered",
                      "not offered for Magento %s %s: %s" % (magento.get("edition"), version, "; ".join(what)))
    if mode == "revert":
        return _decide_revert(decision, facts, status, statuses, patches, restore_package, no_tools, wrong_user,
                              result, failed)
    if no_tools:
        return failed("no-git-or-patch", "neither git nor GNU patch is on the PATH of %s: QPT needs one of them"
                      % facts.get("user", "the Magento user"))
    needs_update = broken or (bool(entries) and not qpt_satisfies(qpt.get("version"), minimum, bad))
    if needs_update:
        if not allow_qpt_update:
            return failed("qpt-update-needed", "magento/quality-patches %s must be updated to %s and QPT updates "
                          "are turned off" % (qpt.get("version") or "(not installed)", constraint))
        if wrong_user:
            return failed("wrong-user", _wrong_user(facts))
        was = qpt.get("version") or "not installed"
        listed = qpt_requirement(entries.values(), version, magento.get("edition"))[2]
        why = ("known-bad release" if is_known_bad(qpt.get("version"), listed)
               else "fails on this host (%s)" % (status.get("message") or "configuration error") if broken
               else "does not offer %s" % ", ".join(sorted(entries)))
        return result("update-qpt-then-apply", "would-change", None,
                      "magento/quality-patches %s %s: update to %s, then apply" % (was, why, constraint),
                      update_qpt=True, run_patch=True)
    if not status.get("read"):
        code = status.get("reason") or "qpt-error"
        return failed(code, status.get("message") or "QPT status could not be read")
    absent = [pid for pid in patches if decision["status_before"][pid] == ABSENT]
    if absent:
        if any(pid in entries for pid in absent):
            return failed("not-offered", "QPT %s has no status row for %s although the catalog expects it for "
                          "Magento %s" % (qpt.get("version"), ", ".join(absent), version))
        return result("skip-incompatible", "skipped", "not-offered",
                      "%s not offered by QPT %s for Magento %s (not in the patch catalog)"
                      % (", ".join(absent), qpt.get("version"), version))
    conflicts = [pid for pid in patches if decision["status_before"][pid] == "N/A"]
    if conflicts:
        if wrong_user:
            return failed("wrong-user", _wrong_user(facts), action="conflict")
        return result("conflict", "failed", "conflict",
                      "%s: QPT status N/A (the patch neither applies nor reverts cleanly)" % ", ".join(conflicts),
                      run_patch=True)
    if all(decision["status_before"][pid] == "Applied" for pid in patches):
        return result("already-applied", "ok")
    if wrong_user:
        return failed("wrong-user", _wrong_user(facts))
    return result("apply", "would-change", run_patch=True)


def _decide_revert(decision, facts, status, statuses, patches, restore_package, no_tools, wrong_user, result, failed):
    backups = facts.get("backups") or []
    restore = bool(restore_package and backups)
    extra = {"restore_qpt": restore}
    if restore:
        extra["restore_from"] = backups[-1]
    if not status.get("read"):
        if status.get("reason") == "qpt-missing":
            if restore and wrong_user:
                return failed("wrong-user", _wrong_user(facts))
            return result("already-reverted", "would-change" if restore else "ok", None,
                          "QPT is not installed: nothing it could have applied", **extra)
        if no_tools:
            return failed("no-git-or-patch", "neither git nor GNU patch is on the PATH: QPT needs one of them")
        return failed(status.get("reason") or "qpt-error", status.get("message") or "QPT status could not be read")
    applied = [pid for pid in patches if decision["status_before"][pid] == "Applied"]
    conflicts = [pid for pid in patches if decision["status_before"][pid] == "N/A"]
    if (applied or conflicts or restore) and wrong_user:
        return failed("wrong-user", _wrong_user(facts))
    if conflicts:
        return result("conflict", "failed", "conflict",
                      "%s: QPT status N/A (the patch neither applies nor reverts cleanly)" % ", ".join(conflicts),
                      run_patch=True, **extra)
    if applied:
        return result("revert", "would-change", run_patch=True, **extra)
    return result("already-reverted", "would-change" if restore else "ok", **extra)


def _wrong_user(facts):
    return ("QPT and composer would run as %s but the Magento root belongs to %s: set magento_user to the owner "
            "of the Magento files" % (facts.get("user"), facts.get("root_owner")))


def planned_steps(decision, package=None, patch=None, restore=None, check_mode=False):
    """Human-readable steps done (or, in check mode, to be done) before the post-steps."""
    decision = decision or {}
    verb = "would " if check_mode else ""
    steps = []
    if decision.get("update_qpt"):
        package = package or {}
        target = package.get("version_after") or decision.get("qpt_constraint")
        steps.append("%supdate magento/quality-patches %s -> %s"
                     % (verb, package.get("version_before") or decision.get("qpt_version") or "(none)", target))
    patch = patch or {}
    ids = patch.get("ids_changed")
    if ids is None and decision.get("run_patch") and decision.get("action") not in ("conflict",):
        ids = [p for p, s in (decision.get("status_before") or {}).items()
               if s != DONE.get(decision.get("mode"), "Applied")]
    if ids:
        steps.append("%s%s %s" % (verb, "revert" if decision.get("mode") == "revert" else "apply", " ".join(ids)))
    if decision.get("restore_qpt"):
        source = decision.get("restore_from") or {}
        steps.append("%srestore composer.json/composer.lock from %s (magento/quality-patches %s) and composer install"
                     % (verb, source.get("dir"), source.get("qpt_version")))
    elif (restore or {}).get("changed") and not check_mode:
        steps.append("after the failure, put magento/quality-patches %s back from %s"
                     % (restore.get("version_after"), restore.get("backup")))
    return steps
