# -*- coding: utf-8 -*-
"""The per-host result record and its verify summary (plugins/module_utils/qpt_record.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_record import (
    proof_failed, result_record, timings, verify_outcome, verify_summary)

PATCH = "ACSD-61103"
STARTED = "2025-01-02T03:04:05.000000Z"


def facts(status="Not applied"):
    return {"magento": {"found": True, "version": "2.4.6-p3", "edition": "community", "mode": "production"},
            "qpt": {"version": "1.1.54", "installed": True}, "maintenance": False,
            "status": {"read": True, "patches": {PATCH: status}, "applied": [], "token": "t1", "reused": False,
                       "output": ""}}


def inputs(**extra):
    base = {"host": "web1", "run_id": "r1", "mode": "apply", "check_mode": False, "patches": [PATCH],
            "started": STARTED, "facts": facts(),
            "decision": {"action": "apply", "outcome": "would-change", "reason": {"code": None, "message": "apply it"}}}
    base.update(extra)
    return base


def test_an_apply_that_changed_the_host():
    record = result_record(inputs(patch={"changed": True, "status_after": {PATCH: "Applied"}},
                                  post_steps=["setup:di:compile", "cache:clean"]))
    assert (record["action"], record["outcome"], record["check_mode"]) == ("apply", "changed", False)
    assert (record["status_before"], record["status_after"]) == ({PATCH: "Not applied"}, {PATCH: "Applied"})
    assert record["reason"] == {"code": None, "message": "apply it"}
    assert (record["magento"], record["edition"], record["mode"]) == ("2.4.6-p3", "community", "production")
    assert record["steps"] == ["setup:di:compile", "cache:clean"] and record["read"] == {"token": "t1", "reused": False}
    assert record["rollback"] is None and record["transaction"] is None and "qpt_target" not in record


def test_a_check_mode_plan_with_a_qpt_update_predicts_the_result():
    decision = {"action": "update-qpt-then-apply", "outcome": "would-change", "update_qpt": True,
                "qpt_constraint": "^1.1.56", "reason": {"code": None, "message": "update QPT, then apply"}}
    record = result_record(inputs(check_mode=True, decision=decision, customers_see_errors=True))
    assert (record["action"], record["outcome"], record["check_mode"]) == ("update-qpt-then-apply", "would-change", True)
    assert record["status_after"] == {PATCH: "Applied"} and record["qpt_target"] == "^1.1.56"
    assert record["reason"]["message"].startswith("update QPT, then apply; customers of this production node get HTTP 500")


def test_an_unreachable_host():
    record = result_record(inputs(unreachable=True, unreachable_message="ssh: connect refused", facts=None,
                                  decision=None))
    assert (record["action"], record["outcome"]) == ("unreachable", "failed")
    assert record["reason"] == {"code": "unreachable", "message": "ssh: connect refused"}
    assert record["magento"] is None and record["qpt_before"] is None and record["read"] is None
    assert record["verify"] == {"status": None, "fingerprints": "n/a", "functional": None, "patches": {}}


def test_a_failed_task_names_itself_and_keeps_qpt_output():
    record = result_record(inputs(failed=True, failed_task={"name": "qpt patch"}, failed_result={"msg": " boom \n"},
                                  patch={"output": "QPT said no"}))
    assert (record["action"], record["outcome"]) == ("apply", "failed")
    assert record["reason"] == {"code": "task-failed", "message": "qpt patch: boom"}
    assert record["qpt_output"] == "QPT said no"


def test_a_conflict_found_by_the_patch_module_becomes_the_action():
    failed_result = {"reason": {"code": "conflict", "message": "ACSD-61103 is N/A"}, "output": "N/A"}
    record = result_record(inputs(failed=True, failed_result=failed_result))
    assert (record["action"], record["outcome"], record["qpt_output"]) == ("conflict", "failed", "N/A")
    assert record["reason"]["code"] == "conflict"


def test_a_failure_notes_the_rollback_and_the_load_balancer():
    lb = {"backend": "shop", "server": "web1", "after": {"admin_state": "drain", "status": "UP"}}
    rollback = {"done": True, "ids": [PATCH], "steps": ["patch-revert"]}
    health = {"url": "http://web1/", "status": 200, "ok": True, "error": None}
    record = result_record(inputs(failed=True, post_failure={"code": "unhealthy", "message": "HTTP 500"},
                                  load_balancer=lb, rollback=rollback, final_facts={"health": health}))
    assert record["reason"] == {"code": "unhealthy", "message": "HTTP 500 - left out of rotation (drain in backend shop)"
                                " - rolled back (ACSD-61103); the node answers HTTP 200"}
    assert record["load_balancer"] == {"backend": "shop", "server": "web1", "state": "drain", "status": "UP"}
    assert record["rollback"] == {"done": True, "patches": [PATCH], "steps": ["patch-revert"], "failure": None}
    assert record["health"] == health


def test_a_status_read_summarises_the_fingerprints_and_fails_a_host_that_cannot_be_patched():
    read = facts(status="Applied")
    read["fingerprints"] = {PATCH: {"state": "present"}}
    ok = result_record(inputs(mode="status", facts=read, decision={"action": "already-applied", "outcome": "ok"}))
    assert (ok["action"], ok["outcome"], ok["playbook"], ok["reason"]) == ("already-applied", "ok", "status", {"code": None, "message": ""})
    assert ok["verify"]["status"] == "Applied" and ok["verify"]["fingerprints"] == "ok"
    read["status"]["output"] = "Configuration error"
    broken = {"action": "failed", "outcome": "failed", "fail": True, "reason": {"code": "broken-qpt", "message": "QPT fails"}}
    bad = result_record(inputs(mode="status", facts=read, decision=broken))
    assert (bad["outcome"], bad["reason"]["code"], bad["qpt_output"]) == ("failed", "broken-qpt", "Configuration error")


def test_verify_summary_for_applied_and_reverted():
    statuses = {"A": "Applied", "B": "Applied", "C": "Not applied"}
    prints = {"A": {"state": "present"}, "B": {"state": "present"}}
    summary = verify_summary(statuses, prints, "applied", functional={"ok": True})
    assert (summary["status"], summary["fingerprints"], summary["functional"]) == ("mixed", "ok", {"ok": True})
    assert summary["patches"]["C"] == {"status": "Not applied", "fingerprints": "n/a"}
    assert verify_summary(statuses, dict(prints, C={"state": "partial"}), "applied")["fingerprints"] == "missing"
    assert verify_summary(statuses, prints, "reverted")["fingerprints"] == "present"
    absent = verify_summary({"A": "Not applied"}, {"A": {"state": "absent"}}, "reverted")
    assert (absent["status"], absent["fingerprints"]) == ("Not applied", "ok")
    assert verify_summary({}, None, "applied") == {"status": None, "fingerprints": "n/a", "functional": None, "patches": {}}


def test_timings_run_from_the_start_to_now():
    spent = timings(STARTED)
    assert spent["start"] == STARTED and spent["seconds"] > 0
    assert timings(None)["seconds"] is None and timings("yesterday")["seconds"] is None


def read_of(status, prints="present", health=None, maintenance=False):
    checks = [{"path": "app/code/Magento/Customer/etc/events.xml", "ok": prints == "present", "detail": "no customer_unlock"}]
    return {"status": {"patches": {PATCH: status}}, "fingerprints": {PATCH: {"state": prints, "checks": checks}},
            "health": health, "maintenance": maintenance}


def test_verify_outcome_passes_an_applied_patch_on_a_serving_node():
    summary, failure = verify_outcome(read_of("Applied", health={"url": "http://127.0.0.1/", "status": 200, "ok": True}),
                                      "applied")
    assert failure is None and summary["status"] == "Applied" and summary["fingerprints"] == "ok"


def test_verify_outcome_names_every_problem_and_the_failing_checks():
    down = {"url": "http://127.0.0.1/", "status": None, "ok": False, "error": "connection refused"}
    summary, failure = verify_outcome(read_of("Not applied", prints="absent", health=down), "applied")
    assert failure == {"code": "verify-failed",
                       "message": "ACSD-61103: QPT status is not Applied; fingerprints missing on disk; "
                                  "the node does not serve: no answer from http://127.0.0.1/ (connection refused)",
                       "output": "app/code/Magento/Customer/etc/events.xml: no customer_unlock"}


def test_verify_outcome_of_a_revert_and_of_known_statuses():
    assert verify_outcome(read_of("Not applied", prints="absent"), "reverted")[1] is None
    # A status known moments ago is judged instead of the read's (the read skipped QPT then).
    assert verify_outcome(read_of(None, prints="absent"), "reverted", statuses={PATCH: "absent"})[1] is None
    assert "QPT status is not Not applied" in verify_outcome(read_of("Applied", prints="absent"), "reverted")[1]["message"]


def test_verify_outcome_forgives_a_node_in_maintenance_and_fails_a_failed_proof():
    down = {"url": "http://127.0.0.1/", "status": 503, "ok": False, "error": None}
    assert verify_outcome(read_of("Applied", health=down, maintenance=True), "applied")[1] is None
    proof = {"outcome": "bug-present", "message": "failures_num stayed 1"}
    summary, failure = verify_outcome(read_of("Applied"), "applied", functional=proof)
    assert failure["message"] == "login check bug-present: failures_num stayed 1" and summary["functional"] == proof
    assert verify_outcome(read_of("Applied"), "applied", functional={"outcome": "fixed", "message": ""})[1] is None


def test_verify_outcome_puts_a_failed_proof_first_and_shows_the_marks_a_revert_left():
    proof = {"outcome": "error", "message": "no answer"}
    failure = verify_outcome(read_of("Not applied", prints="absent"), "applied", functional=proof)[1]
    assert failure["message"].startswith("login check error: no answer; ACSD-61103: QPT status is not Applied")
    failure = verify_outcome(read_of("Not applied", prints="present"), "reverted")[1]
    assert failure["message"] == "fingerprints present on disk"
    assert failure["output"] == "app/code/Magento/Customer/etc/events.xml: no customer_unlock"


@pytest.mark.parametrize("proof, failed", [
    (None, False), ({}, False), ({"outcome": "fixed"}, False), ({"outcome": "skipped"}, False),
    ({"outcome": "bug-present"}, True), ({"outcome": "error"}, True), ({"outcome": "unsafe"}, True)])
def test_proof_failed_is_what_fails_a_verification(proof, failed):
    assert proof_failed(proof) is failed
    failure = verify_outcome(facts("Applied"), "applied", statuses={PATCH: "Applied"}, functional=proof)[1]
    assert (failure is not None and failure["message"].startswith("login check")) is failed
