# -*- coding: utf-8 -*-
"""Controller-side logic of qpt-apply: input rules, version constraints, the per-host decision, the result record.

Pure functions over data the modules returned (no tool output is parsed here), exposed as Jinja
filters so the playbooks stay declarative and the logic stays unit-testable.
"""

from __future__ import annotations

import getpass
import importlib.util
import multiprocessing
import os
import re
import socket
from datetime import datetime, timezone


def _load_module_utils(name):
    """The host-side rules (module_utils of the magento_facts role), loaded here too: one home for each."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "magento_facts", "module_utils",
                        name + ".py")
    spec = importlib.util.spec_from_file_location("qpt_apply_" + name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


host_state = _load_module_utils("qpt_host_state")

PATCH_ID = re.compile(r"^[A-Z][A-Z0-9]*-[0-9]+(-V[0-9]+)?$")
SERIAL_ITEM = re.compile(r"^([1-9][0-9]*|([1-9][0-9]?|100)%)$")
ABSENT = "absent"
DONE = {"apply": "Applied", "revert": "Not applied"}

# --------------------------------------------------------------------------- versions

_PHASES = {"dev": -4, "alpha": -3, "a": -3, "beta": -2, "b": -2, "rc": -1, "": 0, "patch": 1, "p": 1, "pl": 1}
_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)(?:[-.]?([a-zA-Z]+)\.?(\d*))?$")
_TERM = re.compile(r"^(>=|<=|!=|==|>|<|=)?\s*(\S+)$")


def version_key(text):
    """Sortable key for Magento/composer versions: 2.4.6 < 2.4.6-p1 < 2.4.6-p10 < 2.4.7-beta1 < 2.4.7."""
    match = _VERSION.match(str(text).strip())
    if not match:
        raise ValueError("not a version: %r" % (text,))
    numbers = [int(n) for n in match.group(1).split(".")]
    numbers = (numbers + [0, 0, 0, 0])[:4]
    phase = (match.group(2) or "").lower()
    if phase not in _PHASES:
        raise ValueError("unknown version suffix in %r" % (text,))
    return (tuple(numbers), _PHASES[phase], int(match.group(3) or 0))


def _stable(text):
    return version_key(text)[1] == 0


def version_matches(version, constraint):
    """Composer-like constraint check: AND of space/comma separated terms, OR groups with ||.

    As composer does, an upper bound `<2.4.7` also excludes 2.4.7's pre-releases.
    """
    if version is None:
        return False
    constraint = str(constraint).strip()
    if constraint in ("", "*"):
        return True
    key = version_key(version)
    for group in constraint.split("||"):
        terms = [t for t in re.split(r"[\s,]+", _glue_operators(group.strip())) if t]
        if terms and all(_term_holds(key, term) for term in terms):
            return True
    return False


def _glue_operators(text):
    return re.sub(r"(>=|<=|!=|==|>|<|=)\s+", r"\1", text)


def _term_holds(key, term):
    match = _TERM.match(term)
    if not match:
        raise ValueError("unsupported constraint term %r" % (term,))
    op, bound_text = match.group(1) or "==", match.group(2)
    if bound_text == "*":
        return True
    bound = version_key(bound_text)
    if op == "<" and _stable(bound_text):
        bound = (bound[0], -5, 0)  # below every pre-release of that version
    return {
        ">=": key >= bound, "<=": key <= bound, ">": key > bound, "<": key < bound,
        "!=": key != bound, "==": key == bound, "=": key == bound,
    }[op]


def qpt_satisfies(version, minimum, bad):
    if not version:
        return False
    key = version_key(version)
    if minimum and key < version_key(minimum):
        return False
    return all(key != version_key(b) for b in (bad or []))


# --------------------------------------------------------------------------- inputs


def input_errors(patches, serial, max_failed, catalog=None):
    """Every problem with the playbook inputs, as one-line messages (empty list = fine)."""
    errors = []
    if not isinstance(patches, list):
        errors.append("qpt_patches must be a list of patch IDs, e.g. ['ACSD-61103'], not %s %r"
                      % (type(patches).__name__, patches))
    elif not patches:
        errors.append("qpt_patches is empty: name at least one patch ID")
    else:
        for pid in patches:
            if not isinstance(pid, str) or not PATCH_ID.match(pid):
                errors.append("qpt_patches: %r is not a QPT patch ID (expected e.g. ACSD-61103 or MDVA-30265-V2)"
                              % (pid,))
    items = serial if isinstance(serial, list) else [serial]
    if not items:
        errors.append("qpt_serial is empty: give batch sizes such as [1, '25%', '100%']")
    for item in items:
        if isinstance(item, bool) or not SERIAL_ITEM.match(str(item)) or isinstance(item, float):
            errors.append("qpt_serial: %r is not a positive host count or a percentage such as '25%%'" % (item,))
    if isinstance(max_failed, bool) or not re.match(r"^[0-9]+$", str(max_failed)):
        errors.append("qpt_max_failed_hosts must be a whole number >= 0, not %r" % (max_failed,))
    for pid, problem in catalog_errors(catalog or {}, patches if isinstance(patches, list) else []):
        errors.append("patch catalog entry %s: %s" % (pid, problem))
    return errors


def catalog_errors(catalog, patches):
    """Problems in the catalog entries of the requested patches."""
    problems = []
    if not isinstance(catalog, dict):
        return [("*", "qpt_catalog must be a mapping of patch ID to entry")]
    for pid in patches:
        entry = catalog.get(pid) if isinstance(pid, str) else None
        if entry is None:
            continue
        if not isinstance(entry, dict):
            problems.append((pid, "must be a mapping"))
            continue
        try:
            version_matches("2.4.6", entry.get("magento", "*"))
            for version in [entry.get("qpt_min")] + list(entry.get("qpt_known_bad") or []):
                if version is not None:
                    version_key(version)
        except ValueError as exc:
            problems.append((pid, str(exc)))
        for spec in entry.get("fingerprints") or []:
            path = spec.get("path") if isinstance(spec, dict) else None
            if not path or path.startswith("/") or ".." in path.split("/"):
                problems.append((pid, "fingerprint path %r must be relative to the Magento root" % (path,)))
    return problems


def knob_errors(results):
    """One line per distinct argument-spec error of a validate_argument_spec loop, naming where it was found."""
    found = {}
    for result in results or []:
        for error in result.get("argument_errors") or []:
            found.setdefault(error, []).append(result.get("item") or "extra vars")
    return "; ".join("%s (in: %s)" % (error, ", ".join(where)) for error, where in found.items())


# --------------------------------------------------------------------------- the host's lock and transaction


def controller_identity(_=None):
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


def lock_refusals(hostvars, hosts, run_id, takeover=""):
    """One line per host another live rollout holds (the transaction read of each host in qpt_transaction_read)."""
    lines = []
    for host in hosts:
        read = (hostvars.get(host) or {}).get("qpt_transaction_read") or {}
        lock = read.get("lock")
        if lock and lock.get("run_id") != run_id and not holder_gone(lock, takeover):
            lines.append("%s is held by %s" % (host, describe_holder(lock)))
    return lines


def _unfinished(host_state_read):
    """The transaction an earlier attempt left open on the host: read before this run began the host,
    it is a gone run's (or this run's, before a resume) - never one in progress."""
    return (host_state_read or {}).get("transaction") or None


# --------------------------------------------------------------------------- decision


def _reason(code=None, message=""):
    return {"code": code, "message": message}


def qpt_constraint(entries):
    """Composer constraint that satisfies every entry: the highest minimum, minus known-bad releases."""
    minimums = [e["qpt_min"] for e in entries if e.get("qpt_min")]
    bad = sorted({str(b) for e in entries for b in (e.get("qpt_known_bad") or [])}, key=version_key)
    minimum = max(minimums, key=version_key) if minimums else None
    parts = ["^%s" % minimum if minimum else "*"] + ["!=%s" % b for b in bad]
    return " ".join(parts), minimum, bad


def decide(facts, mode, patches, catalog, allow_qpt_update=True, restore_package=False, run_id=None, takeover="",
           own_transaction=False):
    """What to do on one host. mode: apply | revert | status (status = what apply would do, read-only).
    own_transaction: the host's open transaction is this run's, begun moments ago (a decision made
    again after a recovery), not one left behind."""
    decision = _decide(facts, mode, patches, catalog, allow_qpt_update, restore_package)
    return _with_host_state(decision, facts or {}, mode, run_id, takeover, own_transaction)


def _with_host_state(decision, facts, mode, run_id, takeover, own_transaction=False):
    """Fold in what the host remembers: another rollout's lock, a change a gone run left unfinished,
    and a node that does not serve although its patches are in place."""
    state = facts.get("host_state") or {}
    lock = state.get("lock")
    decision.update(takeover="", recovering=None, recover_package=False, inherit_maintenance=False,
                    run_post=False, health=facts.get("health"), run_change=False)
    if lock and lock.get("run_id") != run_id:
        if not holder_gone(lock, takeover):
            if mode == "status":
                decision["locked_by"] = describe_holder(lock)
                return _with_run_change(decision)
            decision.update(action="locked", outcome="failed", fail=True, run_patch=False, update_qpt=False,
                            restore_qpt=False,
                            reason=_reason("locked", "held by another rollout: %s" % describe_holder(lock)))
            return decision
        decision["takeover"] = lock.get("run_id")
    busy = state.get("in_flight")
    if busy and not own_transaction:
        # A gone run's step still runs on the host (its SSH session outlived it): nothing may touch it yet.
        decision.update(action="busy", outcome="failed", fail=mode != "status", run_patch=False, update_qpt=False,
                        restore_qpt=False, reason=_reason("busy", "step %s of run %s still runs on the host (pid %s, "
                                                         "since %s): try again when it has ended"
                                                         % (busy.get("step") or busy.get("after"),
                                                            (state.get("transaction") or {}).get("run_id"),
                                                            busy.get("pid"), busy.get("since"))))
        return _with_run_change(decision)
    unfinished = None if own_transaction else _unfinished(state)
    in_progress = ((unfinished or {}).get("in_progress") or {}).get("step")
    if decision.get("fail") and in_progress in ("qpt-update", "qpt-restore"):
        # The half-done composer run is why this host cannot be read: put it back, then decide again.
        decision.update(action="repair", outcome="would-change", fail=False, recover_package=True,
                        reason=_reason(None, "put back the QPT update run %s left half-done, then decide again"
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
                    % _health_text(health))
        decision["run_post"] = True
    if owed and in_target and decision.get("action") in ("already-applied", "already-reverted"):
        decision.update(action="repair", outcome="would-change", reason=_reason(None, "; ".join(owed)))
        if mode == "status" and unhealthy:
            decision.update(outcome="failed", fail=True,
                            reason=_reason("unhealthy", "Applied, but the node answers %s; apply repairs it (%s)"
                                           % (_health_text(health), "; ".join(owed))))
    elif owed and not decision.get("reason", {}).get("message"):
        decision["reason"] = _reason(None, "; ".join(owed))
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


def _health_text(health):
    if not health:
        return "nothing"
    if health.get("status") is None:
        return "nothing (%s)" % health.get("error")
    return "HTTP %s" % health.get("status")


def _decide(facts, mode, patches, catalog, allow_qpt_update, restore_package):
    facts = facts or {}
    catalog = catalog or {}
    magento = facts.get("magento") or {}
    status = facts.get("status") or {}
    statuses = dict(status.get("patches") or {})
    version = magento.get("version")
    entries = dict((pid, catalog[pid]) for pid in patches if isinstance(catalog.get(pid), dict))
    unknown = [pid for pid in patches if pid not in entries]
    constraint, minimum, bad = qpt_constraint(list(entries.values()))
    decision = {
        "mode": mode, "action": None, "outcome": None, "reason": _reason(), "fail": False,
        "run_patch": False, "update_qpt": False, "restore_qpt": False,
        "qpt_constraint": constraint, "qpt_min": minimum, "qpt_bad": bad,
        "qpt_version": (facts.get("qpt") or {}).get("version"),
        "catalog_ids": sorted(entries), "unknown_ids": unknown,
        "needs_di_compile": bool(unknown) or any(bool(e.get("needs_di_compile", True)) for e in entries.values()),
        "status_before": dict((pid, statuses.get(pid, ABSENT)) for pid in patches),
        "fingerprints": dict((pid, e.get("fingerprints") or []) for pid, e in entries.items()),
    }

    def result(action, outcome, code=None, message="", **extra):
        decision.update(action=action, outcome=outcome, reason=_reason(code, message), **extra)
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
    incompatible = [(pid, e["magento"]) for pid, e in entries.items()
                    if e.get("magento") and not version_matches(version, e["magento"])]
    editions = [(pid, e["editions"]) for pid, e in entries.items()
                if e.get("editions") and magento.get("edition") not in e["editions"]]
    if incompatible or editions:
        what = ["%s needs Magento %s" % (pid, c) for pid, c in incompatible]
        what += ["%s is for %s editions only" % (pid, "/".join(e)) for pid, e in editions]
        return result("skip-incompatible", "skipped", "not-offered",
                      "not offered for Magento %s %s: %s" % (magento.get("edition"), version, "; ".join(what)))
    if mode == "revert":
        return _decide_revert(decision, facts, status, statuses, patches, restore_package, no_tools, wrong_user,
                              result, failed)
    if no_tools:
        return failed("no-git-or-patch", "neither git nor GNU patch is on the PATH of %s: QPT needs one of them"
                      % facts.get("user", "the Magento user"))
    qpt = facts.get("qpt") or {}
    needs_update = bool(entries) and not qpt_satisfies(qpt.get("version"), minimum, bad)
    if needs_update:
        if not allow_qpt_update:
            return failed("qpt-update-needed", "magento/quality-patches %s must be updated to %s and QPT updates "
                          "are turned off" % (qpt.get("version") or "(not installed)", constraint))
        if wrong_user:
            return failed("wrong-user", _wrong_user(facts))
        was = qpt.get("version") or "not installed"
        why = "known-bad release" if qpt.get("version") in bad else "does not offer %s" % ", ".join(sorted(entries))
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


# --------------------------------------------------------------------------- result record


def _combined(values):
    values = list(values)
    if not values:
        return None
    return values[0] if all(v == values[0] for v in values) else "mixed"


def verify_summary(statuses, fingerprints, expect, functional=None):
    """{status, fingerprints: ok|missing|present|n/a, functional, patches} for the wanted state."""
    fingerprints = fingerprints or {}
    states = dict((pid, (fingerprints.get(pid) or {}).get("state", "n/a")) for pid in statuses)
    known = [s for s in states.values() if s != "n/a"]
    if not known:
        summary = "n/a"
    elif expect == "reverted":
        summary = "ok" if all(s == "absent" for s in known) else "present"
    else:
        summary = "ok" if all(s == "present" for s in known) else "missing"
    return {
        "status": _combined(statuses.values()),
        "fingerprints": summary,
        "functional": functional,
        "patches": dict((pid, {"status": statuses[pid], "fingerprints": states[pid]}) for pid in statuses),
    }


def _get(data, *path):
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _failure_reason(inputs):
    failed_result = inputs.get("failed_result") or {}
    reason = failed_result.get("reason") if isinstance(failed_result, dict) else None
    if isinstance(reason, dict) and reason.get("code"):
        return dict(reason), failed_result.get("output") or ""
    for key in ("maintenance_failure", "post_failure", "verify_failure"):
        failure = inputs.get(key)
        if isinstance(failure, dict) and failure.get("code"):
            return {"code": failure["code"], "message": failure.get("message", "")}, failure.get("output") or ""
    decision = inputs.get("decision") or {}
    if decision.get("fail"):
        return dict(decision["reason"]), _get(inputs, "facts", "status", "output") or ""
    message = ""
    if isinstance(failed_result, dict):
        message = str(failed_result.get("msg") or failed_result.get("stderr") or "").strip()
    task = _get(inputs, "failed_task", "name") or ""
    text = ("%s: %s" % (task, message)) if task else message
    return {"code": "task-failed", "message": text or "a task failed"}, ""


def _now():
    return datetime.now(timezone.utc)


def _parse_time(text):
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None


def result_record(inputs):
    """The per-host RESULT RECORD (see README) from everything the play registered for the host."""
    inputs = inputs or {}
    mode = inputs.get("mode", "apply")
    check_mode = bool(inputs.get("check_mode"))
    patches = list(inputs.get("patches") or [])
    facts = inputs.get("facts") or {}
    decision = inputs.get("decision") or {}
    package = inputs.get("package") or {}
    patch = inputs.get("patch") or {}
    restore = inputs.get("restore") or {}
    final = inputs.get("final_facts") or {}
    verify = inputs.get("verify")
    post_steps = list(inputs.get("post_steps") or [])
    maintenance = inputs.get("maintenance") or {}
    unreachable = bool(inputs.get("unreachable"))
    failed = bool(inputs.get("failed")) or unreachable

    status_before = decision.get("status_before") or dict(
        (pid, (_get(facts, "status", "patches") or {}).get(pid, ABSENT)) for pid in patches)
    rollback = inputs.get("rollback") or {}
    rollback_patch = inputs.get("rollback_patch") or {}
    if rollback_patch.get("status_after"):
        status_after = dict(status_before, **rollback_patch["status_after"])
    elif patch.get("status_after"):
        status_after = dict(status_before, **patch["status_after"])
    elif verify and verify.get("patches"):
        status_after = dict((pid, v.get("status")) for pid, v in verify["patches"].items())
    elif check_mode and decision.get("update_qpt") and not failed:
        status_after = dict((pid, DONE.get(mode, s)) for pid, s in status_before.items())
    else:
        status_after = dict(status_before)

    qpt_before = _get(facts, "qpt", "version")
    # Later steps know better: the package update, then the final read, then a package restore.
    qpt_after = qpt_before
    if "version_after" in package:
        qpt_after = package["version_after"]
    if isinstance(final.get("qpt"), dict):
        qpt_after = final["qpt"].get("version")
    if restore.get("changed") and "version_after" in restore:
        qpt_after = restore["version_after"]

    if unreachable:
        action = "unreachable"
    else:
        action = decision.get("action") or "failed"

    qpt_output = ""
    if unreachable:
        reason = {"code": "unreachable", "message": str(inputs.get("unreachable_message") or "host unreachable")}
    elif failed:
        reason, qpt_output = _failure_reason(inputs)
        if not qpt_output and patch.get("output"):
            qpt_output = patch["output"]
        if reason.get("code") == "conflict":
            action = "conflict"  # e.g. found only once an updated QPT could read the patch's status
    else:
        reason = dict(decision.get("reason") or _reason())
    if reason.get("code") is None:
        reason["message"] = reason.get("message") or ""
    if failed and rollback:
        reason = dict(reason, message=reason.get("message", "") + _rollback_note(rollback, inputs))
        if not rollback.get("done"):
            reason["rollback_failure"] = rollback.get("failure")

    changed = any(bool(x.get("changed")) for x in (package, patch, restore) if x) or bool(post_steps and not check_mode)
    if failed:
        outcome = "failed"
    elif mode == "status":
        # Read fine, but the host cannot be patched as it is (no Magento, no git/patch, broken QPT ...).
        outcome = "failed" if decision.get("fail") else "ok"
        if decision.get("fail"):
            qpt_output = _get(facts, "status", "output") or ""
    elif check_mode:
        outcome = decision.get("outcome") or "ok"
    elif changed:
        outcome = "changed"
    elif action == "skip-incompatible":
        outcome = "skipped"
    else:
        outcome = "ok"

    if verify is None:
        if mode == "status" and facts.get("magento"):
            verify = verify_summary(status_before, facts.get("fingerprints"), "applied")
        else:
            verify = {"status": None, "fingerprints": "n/a", "functional": None, "patches": {}}
    verify = dict(verify)
    verify.setdefault("functional", None)

    started = _parse_time(inputs.get("started"))
    ended = _now()
    record = {
        "host": inputs.get("host"),
        "magento": _get(facts, "magento", "version"),
        "edition": _get(facts, "magento", "edition"),
        "mode": _get(facts, "magento", "mode"),
        "qpt_before": qpt_before,
        "qpt_after": qpt_after,
        "status_before": status_before,
        "status_after": status_after,
        "action": action,
        "outcome": outcome,
        "reason": reason,
        "verify": verify,
        "qpt_output": qpt_output,
        "check_mode": check_mode,
        "timings": {
            "start": inputs.get("started"),
            "end": ended.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "seconds": round((ended - started).total_seconds(), 3) if started else None,
        },
        "patches": patches,
        "playbook": mode,
        "steps": list(inputs.get("steps") or []) + post_steps,
        "maintenance": {"before": maintenance.get("before", facts.get("maintenance")),
                        "enabled_by_run": bool(maintenance.get("enabled_by_run"))},
        "backup": package.get("backup") or restore.get("backup"),
        "health": _final_health(inputs),
        "transaction": _transaction_summary(inputs),
        "rollback": ({"done": bool(rollback.get("done")), "patches": list(rollback.get("ids") or []),
                      "steps": list(rollback.get("steps") or []), "failure": rollback.get("failure")}
                     if rollback else None),
    }
    if decision.get("update_qpt"):
        record["qpt_target"] = decision.get("qpt_constraint")
    return record


def _final_health(inputs):
    """The node's last known answer: the gate after the change, else the read before it."""
    for source in (inputs.get("final_facts"), inputs.get("transaction"), inputs.get("facts")):
        health = (source or {}).get("health") if isinstance(source, dict) else None
        if health:
            return {k: health.get(k) for k in ("url", "status", "ok", "error")}
    return None


def _transaction_summary(inputs):
    transaction = inputs.get("transaction") or {}
    decision = inputs.get("decision") or {}
    if not transaction and not decision.get("recovering"):
        return None
    taken = transaction.get("taken_over") or {}
    return {
        "recovered_from": transaction.get("recovered_from") or (decision.get("recovering") or {}).get("run_id"),
        "took_over_lock_of": taken.get("run_id"),
        "left_open": ((transaction.get("transaction") or {}).get("run_id") or "x") == inputs.get("run_id"),
    }


def _rollback_note(rollback, inputs):
    health = _final_health(inputs)
    if rollback.get("done") and not rollback.get("ids") and not rollback.get("steps"):
        return ""  # nothing had changed on the host: nothing to say
    if rollback.get("done"):
        what = ", ".join(rollback.get("ids") or []) or "nothing had changed"
        return " - rolled back (%s); the node answers %s" % (what, _health_text(health) if health else "(not checked)")
    failure = rollback.get("failure") or {}
    return (" - the rollback failed too at %s: %s. The host is left as that failure left it (maintenance mode "
            "stays on if this run set it; its transaction stays open in var/qpt-apply/state.json): fix the cause, "
            "then run apply (finishes the change) or revert again"
            % (failure.get("task") or "a step", (failure.get("reason") or {}).get("message") or "no message"))


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


class FilterModule(object):
    def filters(self):
        return {
            "qpt_version_matches": version_matches,
            "qpt_input_errors": input_errors,
            "qpt_knob_errors": knob_errors,
            "qpt_preflight_decide": decide,
            "qpt_verify_summary": verify_summary,
            "qpt_result_record": result_record,
            "qpt_planned_steps": planned_steps,
            "qpt_controller_identity": controller_identity,
            "qpt_transaction_plan": transaction_plan,
            "qpt_lock_refusals": lock_refusals,
        }
