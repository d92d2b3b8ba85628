# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""The per-host RESULT RECORD: one builder for every playbook, on-prem and cloud.

Its schema is written down in docs/record.md; the qpt-apply CLI reads records of exactly this shape
(qpt_apply/model.py HostResult). Pure functions, standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from datetime import datetime, timezone

from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_health import answer_text, describe
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_login_outcomes import FUNCTIONAL_FAILURES
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_decision import ABSENT, DONE, reason_of


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


def proof_failed(functional):
    """Whether a functional proof (a magento_login_check result) leaves the fix not proven."""
    return bool(functional) and functional.get("outcome") in FUNCTIONAL_FAILURES


# The options of a read that also verifies (magento_facts' `expect`).
EXPECT_OPTIONS = dict(
    state=dict(type="str", choices=["applied", "reverted"], default="applied"),
    statuses=dict(type="dict", default={}),
    functional=dict(type="dict"),
    fail=dict(type="bool", default=True),
)


def verify_outcome(read, expect, statuses=None, functional=None):
    """(summary, failure) of a verification against the wanted state (applied | reverted): QPT's status
    (statuses known moments ago, else the read's), the fingerprints on disk, the node's answer and the
    functional proof. failure is None when all is well, else {code: verify-failed, message, output}:
    every problem in the message (a failed proof first), in the output the fingerprint checks that
    disagree with the wanted state (a mark missing after an apply, one left after a revert)."""
    read = read or {}
    statuses = statuses or (read.get("status") or {}).get("patches") or {}
    fingerprints = read.get("fingerprints") or {}
    summary = verify_summary(statuses, fingerprints, expect, functional)
    problems = []
    if proof_failed(functional):
        problems.append("login check %s: %s" % (functional["outcome"], functional.get("message", "")))
    wanted = ["Applied"] if expect == "applied" else ["Not applied", ABSENT]
    problems += ["%s: QPT status is not %s" % (pid, wanted[0]) for pid, patch in summary["patches"].items()
                 if patch["status"] not in wanted]
    if summary["fingerprints"] not in ("ok", "n/a"):
        problems.append("fingerprints %s on disk" % summary["fingerprints"])
    health = read.get("health")
    if health is not None and not health.get("ok") and not read.get("maintenance"):
        problems.append("the node does not serve: %s" % describe(health))
    if not problems:
        return summary, None
    marked = expect == "applied"
    disagreeing = ["%s: %s" % (check.get("path"), check.get("detail")) for state in fingerprints.values()
                   for check in (state or {}).get("checks") or [] if bool(check.get("ok")) != marked]
    return summary, {"code": "verify-failed", "message": "; ".join(problems), "output": "\n".join(disagreeing)}


def _get(data, *path):
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _failure_reason(inputs):
    failed_result = inputs.get("failed_result") or {}
    reason = failed_result.get("reason") if isinstance(failed_result, dict) else None
    if isinstance(failed_result, dict) and failed_result.get("socket") and failed_result.get("backend"):
        # The load balancer refused or could not be reached: the node was not changed.
        return {"code": "load-balancer", "message": str(failed_result.get("msg") or "")}, ""
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


TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
EXPOSED_NOTE = ("customers of this production node get HTTP 500 from the patch until setup:di:compile ends: "
                "put it behind a load balancer it is drained in (haproxy_* variables), take it out with "
                "qpt_pre_host_tasks, or use --maintenance")


def _parse_time(text):
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None


def timings(started):
    """{start, end, seconds} from the host's start time (TIME_FORMAT, as the playbooks note it) to now."""
    start = _parse_time(started)
    ended = _now()
    return {"start": started, "end": ended.strftime(TIME_FORMAT),
            "seconds": round((ended - start).total_seconds(), 3) if start else None}


def core_record(host, magento, edition, mode, qpt_before, qpt_after, status_before, status_after, action, outcome,
                reason, verify, qpt_output, check_mode, started):
    """The keys every record has, on-prem and cloud (docs/record.md); each builder adds its own."""
    return {
        "host": host, "magento": magento, "edition": edition, "mode": mode,
        "qpt_before": qpt_before, "qpt_after": qpt_after,
        "status_before": status_before, "status_after": status_after,
        "action": action, "outcome": outcome, "reason": reason, "verify": verify,
        "qpt_output": qpt_output or "", "check_mode": bool(check_mode), "timings": timings(started),
    }


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
        reason = dict(decision.get("reason") or reason_of())
    if reason.get("code") is None:
        reason["message"] = reason.get("message") or ""
    load_balancer = _load_balancer(inputs.get("load_balancer"))
    if failed and load_balancer and load_balancer["state"] in ("drain", "maint"):
        reason = dict(reason, message=reason.get("message", "") + " - left out of rotation (%s in backend %s)"
                      % (load_balancer["state"], load_balancer["backend"]))
    if failed and rollback:
        reason = dict(reason, message=reason.get("message", "") + _rollback_note(rollback, inputs))
        if not rollback.get("done"):
            reason["rollback_failure"] = rollback.get("failure")

    if check_mode and not failed and inputs.get("customers_see_errors"):
        reason = dict(reason, message="; ".join(m for m in (reason.get("message"), EXPOSED_NOTE) if m))
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

    record = core_record(
        inputs.get("host"), _get(facts, "magento", "version"), _get(facts, "magento", "edition"),
        _get(facts, "magento", "mode"), qpt_before, qpt_after, status_before, status_after, action, outcome,
        reason, verify, qpt_output, check_mode, inputs.get("started"))
    status_read = _get(facts, "status", "read")
    record.update({
        "patches": patches,
        # Every patch QPT reported Applied when the host was read (declared or not); null when not read.
        "applied": list(_get(facts, "status", "applied") or []) if status_read else None,
        # The read's token: a later run of this host passes it back (with status_before and applied)
        # and skips QPT's status if nothing it depends on changed since; reused: this run did so.
        "read": ({"token": _get(facts, "status", "token"), "reused": bool(_get(facts, "status", "reused"))}
                 if status_read else None),
        "playbook": mode,
        "steps": list(inputs.get("steps") or []) + post_steps,
        "maintenance": {"before": maintenance.get("before", facts.get("maintenance")),
                        "enabled_by_run": bool(maintenance.get("enabled_by_run"))},
        "backup": package.get("backup") or restore.get("backup"),
        "health": _final_health(inputs),
        "transaction": _transaction_summary(inputs),
        "load_balancer": load_balancer,
        "rollback": ({"done": bool(rollback.get("done")), "patches": list(rollback.get("ids") or []),
                      "steps": list(rollback.get("steps") or []), "failure": rollback.get("failure")}
                     if rollback else None),
    })
    if decision.get("update_qpt"):
        record["qpt_target"] = decision.get("qpt_constraint")
    if mode == "verify" and action not in ("unreachable", "skip-incompatible"):
        record["action"] = "verify"
    return record


def _load_balancer(result):
    """{backend, server, state, status} of the node as the last load-balancer call left it, or None."""
    if not isinstance(result, dict) or result.get("skipped") or not (result.get("after") or result.get("before")):
        return None
    server = result.get("after") or result.get("before")
    return {"backend": result.get("backend") or server.get("backend"), "server": result.get("server") or
            server.get("name"), "state": server.get("admin_state"), "status": server.get("status")}


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
        return " - rolled back (%s); the node answers %s" % (what, answer_text(health) if health else "(not checked)")
    failure = rollback.get("failure") or {}
    return (" - the rollback failed too at %s: %s. The host is left as that failure left it (maintenance mode "
            "stays on if this run set it; its transaction stays open in var/qpt-apply/state.json): fix the cause, "
            "then run apply (finishes the change) or revert again"
            % (failure.get("task") or "a step", (failure.get("reason") or {}).get("message") or "no message"))


# --------------------------------------------------------------------------- cloud


def _cloud_action(inputs, lock, lock_after, edit, publish):
    """(action, outcome, reason) of a cloud environment from what the role's steps returned."""
    failure = inputs.get("failure")
    if failure:
        return "failed", "failed", {"code": failure.get("code") or "failed",
                                    "message": str(failure.get("message") or "").strip()}
    if inputs.get("incompatible"):
        why = "; ".join(p.get("reason") or "" for p in (lock.get("patches") or {}).values() if p.get("offered") is False)
        return "skip-incompatible", "skipped", {"code": "not-offered", "message": why}
    preview = bool(inputs.get("preview"))
    added, removed = edit.get("added") or [], edit.get("removed") or []
    would_commit = bool(publish.get("would_commit"))
    commit = publish.get("commit")
    lock_moved = lock_after.get("qpt") is not None and lock_after.get("qpt") != lock.get("qpt")
    landed_upstream = would_commit and not preview and commit is None and bool(publish.get("rebased"))
    if inputs.get("revert"):
        action = "remove-from-env-yaml" if removed else "not-listed"
    elif landed_upstream:
        action = "already-listed"
    elif lock_moved:
        action = "update-qpt-then-add" if added else "update-qpt"
    else:
        action = "add-to-env-yaml" if added else "already-listed"
    if preview:
        outcome = "would-change" if would_commit else "ok"
    else:
        outcome = "changed" if commit is not None else "ok"
    notes = []
    if edit.get("wildcard"):
        notes.append("QUALITY_PATCHES lists '*' (all patches)")
    if lock.get("unknown"):
        notes.append("not in the patch catalog, version not checked: " + ", ".join(lock["unknown"]))
    if commit is not None and not publish.get("pushed"):
        notes.append("committed in %s, not pushed" % publish.get("path"))
    if landed_upstream:
        notes.append("the remote branch already had the same change")
    status = inputs.get("status") or {}
    if "reason_code" in status:
        notes.append("status check: " + str(status.get("msg") or ""))
    return action, outcome, reason_of(None, "; ".join(notes))


def cloud_record(inputs):
    """The RESULT RECORD of one Adobe Commerce Cloud environment (roles/qpt_cloud): the core keys plus `cloud`."""
    inputs = inputs or {}
    lock, lock_after = inputs.get("lock") or {}, inputs.get("lock_after") or {}
    edit, publish, status = inputs.get("edit") or {}, inputs.get("publish") or {}, inputs.get("status") or {}
    repo = inputs.get("repo") or {}
    failure = inputs.get("failure")
    action, outcome, reason = _cloud_action(inputs, lock, lock_after, edit, publish)
    checked = "status" in status
    would_commit = bool(publish.get("would_commit"))
    record = core_record(
        inputs.get("host"), lock.get("magento"), lock.get("edition"), None, lock.get("qpt"),
        lock.get("qpt") if failure else lock_after.get("qpt", lock.get("qpt")), {}, status.get("status") or {},
        action, outcome, reason,
        {"status": status.get("status"), "fingerprints": "n/a", "functional": None} if checked else None,
        (failure or {}).get("output") or "", inputs.get("preview"), inputs.get("started"))
    record["cloud"] = {
        "repo": repo.get("repo") or _without_credentials(inputs.get("git_url")) or None,
        "branch": inputs.get("branch"),
        "clone": repo.get("path"),
        "env_yaml": inputs.get("env_yaml"),
        "base": publish.get("base", repo.get("base")),
        "commit": publish.get("commit"),
        "pushed": bool(publish.get("pushed")),
        "rebased": bool(publish.get("rebased")),
        "remote_head": publish.get("remote_head", repo.get("base")),
        "commit_message": publish.get("message") if would_commit else None,
        "files": list(publish.get("files_changed") or []),
        "diff": publish.get("diff") or "",
        "listed_before": edit.get("listed_before"),
        "listed_after": edit.get("listed_after"),
        "ece_tools": lock.get("ece_tools"),
        "ssh": inputs.get("ssh"),
    }
    return record


def _without_credentials(url):
    """A git URL as it may be shown: user:password@ removed."""
    return re.sub(r"(://)[^/@ ]+@", r"\1", str(url or ""))
