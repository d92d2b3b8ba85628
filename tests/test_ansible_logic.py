"""Pure logic of the Ansible content: version constraints, inputs, per-host decisions, records, parsers."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent


import qpt_apply.paths  # noqa: F401,E402  (the collection on sys.path)
from ansible_collections.qpt_apply.magento.plugins.filter import qpt as filters  # noqa: E402
from ansible_collections.qpt_apply.magento.plugins.module_utils import magento_qpt as mq  # noqa: E402
from ansible_collections.qpt_apply.magento.plugins.module_utils import (  # noqa: E402
    qpt_catalog, qpt_decision, qpt_record, qpt_versions)

# The rules as the playbooks reach them (plugins/filter/qpt.py), by the names these tests grew up with.
pre = SimpleNamespace(
    decide=qpt_decision.decide, planned_steps=qpt_decision.planned_steps, input_errors=qpt_catalog.input_problems,
    knob_errors=filters.knob_errors, knob_sets=filters.knob_sets, qpt_constraint=qpt_catalog.qpt_requirement,
    qpt_satisfies=qpt_catalog.qpt_satisfies, result_record=qpt_record.result_record,
    verify_summary=qpt_record.verify_summary, version_key=qpt_versions.version_key,
    version_matches=qpt_versions.matches)
CATALOG = yaml.safe_load((REPO / "playbooks/vars/patch_catalog.yml").read_text())["qpt_catalog"]

# QPT output, byte for byte as the tool prints it (QPT.md section 4).
STATUS_JSON = """[
    {
        "Id": "ACSD-61103",
        "Title": "Fixes the issue where the failure count in the customer_enti\\nty table is not reset to zero after a customer successfully \\nlogs in through API endpoints.\\n",
        "Category": "Customer\\nWeb API",
        "Origin": "Adobe Commerce Support",
        "Status": "Not applied",
        "Details": "Patch type: Optional\\nAffected components:\\n - magento\\/framework\\n - magento\\/module-customer"
    },
    {
        "Id": "MDVA-30265",
        "Title": "x",
        "Category": "y",
        "Origin": "Adobe Commerce Support",
        "Status": "Applied",
        "Details": "z"
    }
]
"""
NOT_FOUND = ("Magento 2 Community Edition, version 2.4.7.0\nNext patches weren't found: ACSD-61103. Please, check with "
             "\"status\" command availability of these patches for the current Magento version.\n")
CONFLICT = ("Error: patch ACSD-61103 can't be applied\nMagento 2 Community Edition, version 2.4.6.0-patch3\n"
            "Applying patch ACSD-61103 (/home/u/magento/vendor/magento/quality-patches/src/../patches/os/"
            "ACSD-61103_2.4.6-p3.patch) failed.\nerror: patch failed: vendor/magento/module-customer/Model/"
            "Authentication.php:7\nerror: vendor/magento/module-customer/Model/Authentication.php: patch does not apply\n")
BROKEN_STDERR = ("\nIn OptionalPool.php line 123:\n\n  Configuration error - Next patches weren't found: ACSD-61103\n\n")
DEPENDENCY = "Patch ACSD-61103 is a dependency for ACSD-62332. Please, revert ACSD-62332 first\n"
NO_TOOLS = "GIT or PATCH is required to perform this operation.\n"


# --------------------------------------------------------------------------- versions


@pytest.mark.parametrize("version, expected", [
    ("2.4.6", True), ("2.4.6-p1", True), ("2.4.6-p3", True), ("2.4.6-p8", True), ("2.4.6-p10", True),
    ("2.4.7", False), ("2.4.7-beta1", False), ("2.4.7-p1", False), ("2.4.5-p9", False),
    # Composer's reading, as QPT and cloud builds use it: `>=2.4.6` admits 2.4.6's pre-releases.
    ("2.4.6-beta2", True),
    ("v2.4.6-p2", True), (None, False),
])
def test_acsd_61103_magento_constraint(version, expected):
    assert pre.version_matches(version, CATALOG["ACSD-61103"]["magento"]) is expected


@pytest.mark.parametrize("version, constraint, expected", [
    ("2.4.6-p3", "*", True), ("2.4.6-p3", "", True),
    ("2.4.6-p3", "2.4.6-p3", True), ("2.4.6-p3", "==2.4.6-p4", False),
    ("2.4.6-p3", "!=2.4.6-p3", False), ("2.4.7", ">=2.4.6,<2.4.8", True),
    ("2.4.5-p1", ">=2.4.6 <2.4.7 || >=2.4.5 <2.4.6", True), ("2.4.7", ">= 2.4.6 < 2.4.7", False),
    ("2.4.6", "<=2.4.6", True), ("2.4.6-p1", ">2.4.6", True),
])
def test_version_constraints(version, constraint, expected):
    assert pre.version_matches(version, constraint) is expected


def test_version_order():
    ordered = ["2.4.5-p9", "2.4.6-alpha1", "2.4.6-beta2", "2.4.6-rc1", "2.4.6", "2.4.6-p1", "2.4.6-p2",
               "2.4.6-p10", "2.4.7-beta1", "2.4.7", "2.4.7-p1"]
    assert sorted(ordered, key=pre.version_key) == ordered
    with pytest.raises(ValueError):
        pre.version_key("latest")


@pytest.mark.parametrize("version, edition, satisfied", [
    (None, "community", False), ("1.1.53", "community", False), ("1.1.54", "community", True),
    ("1.1.55", "community", True), ("1.1.56", "enterprise", False), ("1.1.57", "community", False),
    ("1.1.57", "enterprise", True), ("1.1.58", "community", True),
])
def test_qpt_versions_for_acsd_61103(version, edition, satisfied):
    entry = CATALOG["ACSD-61103"]
    assert pre.qpt_satisfies(version, entry["qpt_min"], entry["qpt_known_bad"], "2.4.6-p3", edition) is satisfied


def test_qpt_constraint_from_catalog():
    # 1.1.57 is bad on Community 2.4.4 - 2.4.6 only; a host nobody knows gets the safe side.
    assert pre.qpt_constraint([CATALOG["ACSD-61103"]], "2.4.6-p3", "enterprise") == ("^1.1.54 !=1.1.56", "1.1.54", ["1.1.56"])
    assert pre.qpt_constraint([CATALOG["ACSD-61103"]], "2.4.6-p3", "community")[0] == "^1.1.54 !=1.1.56 !=1.1.57"
    assert pre.qpt_constraint([CATALOG["ACSD-61103"]])[0] == "^1.1.54 !=1.1.56 !=1.1.57"
    assert pre.qpt_constraint([CATALOG["ACSD-61103"], {"qpt_min": "1.1.60", "qpt_known_bad": ["1.1.58"]}], "2.4.6",
                              "enterprise") == ("^1.1.60 !=1.1.56 !=1.1.58", "1.1.60", ["1.1.56", "1.1.58"])
    assert pre.qpt_constraint([])[0] == "*"


# --------------------------------------------------------------------------- inputs


@pytest.mark.parametrize("patches, serial, cap, fragment", [
    (["ACSD-61103;id"], [1], 0, "'ACSD-61103;id' is not a QPT patch ID"),
    (["acsd-61103"], [1], 0, "is not a QPT patch ID"),
    (["ACSD-61103 "], [1], 0, "is not a QPT patch ID"),
    ([], [1], 0, "qpt_patches is empty"),
    ("ACSD-61103", [1], 0, "qpt_patches must be a list"),
    ({"ACSD-61103": 1}, [1], 0, "qpt_patches must be a list"),
    ([["ACSD-61103"]], [1], 0, "is not a QPT patch ID"),
    (["ACSD-61103"], [0], 0, "qpt_serial: 0"),
    (["ACSD-61103"], ["101%"], 0, "qpt_serial: '101%'"),
    (["ACSD-61103"], [], 0, "qpt_serial is empty"),
    (["ACSD-61103"], [1], -1, "qpt_max_failed_hosts"),
    (["ACSD-61103"], [1], "two", "qpt_max_failed_hosts"),
    (["ACSD-61103"], [1], True, "qpt_max_failed_hosts"),
])
def test_bad_inputs_are_named(patches, serial, cap, fragment):
    errors = pre.input_errors(patches, serial, cap, CATALOG)
    assert errors and any(fragment in e for e in errors), errors


@pytest.mark.parametrize("patches, serial, cap", [
    (["ACSD-61103"], [1, "25%", "100%"], 0), (["ACSD-61103", "MDVA-30265-V2"], 2, "3"), (["X1-1"], ["1", "50%"], 10),
])
def test_good_inputs_pass(patches, serial, cap):
    assert pre.input_errors(patches, serial, cap, CATALOG) == []


def test_knob_errors_name_where_they_were_found():
    results = [{"item": {"hosts": [], "knobs": {}}, "argument_errors": ["value of a must be one of: x, got: y"]},
               {"item": {"hosts": ["web1"], "knobs": {"a": "y"}}, "argument_errors": ["value of a must be one of: x, got: y"]},
               {"item": {"hosts": ["web2", "web4"], "knobs": {"b": "q"}}, "argument_errors": ["value of b must be one of: p, got: q"]},
               {"item": {"hosts": ["web3"], "knobs": {}}, "argument_errors": []}]
    assert pre.knob_errors(results) == ("value of a must be one of: x, got: y (in: extra vars, web1); "
                                        "value of b must be one of: p, got: q (in: web2, web4)")
    assert pre.knob_errors([{"item": {"hosts": ["web1"], "knobs": {}}}]) == ""


def test_knob_sets_group_the_hosts_that_set_the_same_knobs():
    hostvars = {"web1": {"a": 1, "other": 5}, "web2": {"a": 1}, "web3": {"a": 2, "b": [1]}, "web4": {}, "web5": {}}
    assert pre.knob_sets(hostvars, ["web1", "web2", "web3", "web4", "web5"], ["a", "b"]) == [
        {"hosts": ["web1", "web2"], "knobs": {"a": 1}},
        {"hosts": ["web3"], "knobs": {"a": 2, "b": [1]}},
        {"hosts": ["web4", "web5"], "knobs": {}}]


def test_catalog_entry_problems_are_reported():
    bad = {"ACSD-1": {"magento": ">=two", "fingerprints": [{"path": "/etc/passwd", "exists": True}]}}
    errors = pre.input_errors(["ACSD-1"], [1], 0, bad)
    assert any("ACSD-1" in e and "not a version" in e for e in errors)
    assert any("must be relative" in e for e in errors)


def test_catalog_is_plain_yaml_with_the_documented_keys():
    entry = CATALOG["ACSD-61103"]
    assert entry["magento"] == ">=2.4.6 <2.4.7"
    assert entry["qpt_min"] == "1.1.54" and entry["qpt_known_bad"] == [
        "1.1.56", {"version": "1.1.57", "editions": ["community"], "magento": ">=2.4.4 <2.4.7"}]
    assert entry["needs_di_compile"] is True
    paths = [f["path"] for f in entry["fingerprints"]]
    assert len(paths) == 5 and all(not p.startswith("/") for p in paths)


# --------------------------------------------------------------------------- decisions


def facts(magento="2.4.6-p3", qpt="1.1.55", status=None, read=True, reason=None, tools=("git", "patch"),
          cloud=False, user="web", owner="web", backups=()):
    return {
        "root": "/home/web/magento",
        "magento": {"found": magento is not None, "version": magento, "edition": "community", "mode": "production"},
        "qpt": {"version": qpt, "installed": qpt is not None},
        "tools": {"git": "git" in tools, "patch": "patch" in tools},
        "cloud": cloud, "user": user, "root_owner": owner, "maintenance": False,
        "status": {"read": read, "patches": status or {}, "reason": reason, "message": reason or "", "output": ""},
        "backups": list(backups),
    }


P = ["ACSD-61103"]


@pytest.mark.parametrize("host, action, outcome, code", [
    (facts(qpt="1.1.53", status={"ACSD-61103": "absent"}), "update-qpt-then-apply", "would-change", None),
    (facts(qpt=None, read=False, reason="qpt-missing"), "update-qpt-then-apply", "would-change", None),
    (facts(qpt="1.1.56", read=False, reason="broken-qpt"), "update-qpt-then-apply", "would-change", None),
    (facts(status={"ACSD-61103": "Not applied"}), "apply", "would-change", None),
    (facts(status={"ACSD-61103": "Applied"}), "already-applied", "ok", None),
    (facts(status={"ACSD-61103": "N/A"}), "conflict", "failed", "conflict"),
    (facts(magento="2.4.7", status={}), "skip-incompatible", "skipped", "not-offered"),
    (facts(magento="2.4.5-p4", status={}), "skip-incompatible", "skipped", "not-offered"),
    (facts(magento=None), "failed", "failed", "magento-not-found"),
    (facts(cloud=True), "skip-incompatible", "skipped", "cloud"),
    (facts(tools=(), read=False, reason="no-git-or-patch"), "failed", "failed", "no-git-or-patch"),
    (facts(tools=("patch",), status={"ACSD-61103": "Not applied"}), "apply", "would-change", None),
    (facts(status={"ACSD-61103": "absent"}), "failed", "failed", "not-offered"),
    (facts(status={"ACSD-61103": "Not applied"}, user="deploy"), "failed", "failed", "wrong-user"),
])
def test_apply_decisions(host, action, outcome, code):
    decision = pre.decide(host, "apply", P, CATALOG)
    assert (decision["action"], decision["outcome"], decision["reason"]["code"]) == (action, outcome, code)
    assert decision["fail"] is (action == "failed")
    assert decision["update_qpt"] is (action == "update-qpt-then-apply")
    assert decision["run_patch"] is (action in ("apply", "update-qpt-then-apply", "conflict"))


def test_update_decision_carries_the_composer_constraint():
    decision = pre.decide(facts(qpt="1.1.56", read=False, reason="broken-qpt"), "apply", P, CATALOG)
    assert decision["qpt_constraint"] == "^1.1.54 !=1.1.56 !=1.1.57"  # a Community 2.4.6 host
    assert "known-bad" in decision["reason"]["message"]
    assert decision["needs_di_compile"] is True


def test_disabled_qpt_updates_fail_the_host():
    decision = pre.decide(facts(qpt="1.1.53"), "apply", P, CATALOG, allow_qpt_update=False)
    assert decision["action"] == "failed" and decision["reason"]["code"] == "qpt-update-needed"


def test_uncatalogued_patch_uses_status_only():
    decision = pre.decide(facts(status={"MDVA-30265": "Not applied"}), "apply", ["MDVA-30265"], CATALOG)
    assert decision["action"] == "apply" and not decision["update_qpt"]
    assert decision["needs_di_compile"] is True  # unknown patch: assume it needs it
    missing = pre.decide(facts(status={}), "apply", ["MDVA-99999"], CATALOG)
    assert (missing["action"], missing["reason"]["code"]) == ("skip-incompatible", "not-offered")
    # A QPT that fails on the host is replaced by a release that is not it, catalog or not.
    broken = pre.decide(facts(qpt="1.1.59", read=False, reason="broken-qpt"), "apply", ["MDVA-30265"], CATALOG)
    assert (broken["action"], broken["reason"]["code"], broken["qpt_constraint"]) == (
        "update-qpt-then-apply", None, "* !=1.1.59")
    assert "fails on this host" in broken["reason"]["message"]


def test_multi_patch_decisions():
    both = ["ACSD-61103", "MDVA-30265"]
    half = facts(status={"ACSD-61103": "Applied", "MDVA-30265": "Not applied"})
    assert pre.decide(half, "apply", both, CATALOG)["action"] == "apply"
    done = facts(status={"ACSD-61103": "Applied", "MDVA-30265": "Applied"})
    assert pre.decide(done, "apply", both, CATALOG)["action"] == "already-applied"


@pytest.mark.parametrize("host, restore, action, outcome, code", [
    (facts(status={"ACSD-61103": "Applied"}), False, "revert", "would-change", None),
    (facts(status={"ACSD-61103": "Not applied"}), False, "already-reverted", "ok", None),
    (facts(status={"ACSD-61103": "absent"}), False, "already-reverted", "ok", None),
    (facts(status={"ACSD-61103": "N/A"}), False, "conflict", "failed", "conflict"),
    (facts(qpt=None, read=False, reason="qpt-missing"), False, "already-reverted", "ok", None),
    (facts(qpt="1.1.56", read=False, reason="broken-qpt"), False, "failed", "failed", "broken-qpt"),
    (facts(status={"ACSD-61103": "Not applied"}, backups=[{"dir": "var/qpt-apply/backup/x", "qpt_version": "1.1.53"}]),
     True, "already-reverted", "would-change", None),
    (facts(status={"ACSD-61103": "Not applied"}), True, "already-reverted", "ok", None),
    (facts(magento="2.4.7", status={}), False, "skip-incompatible", "skipped", "not-offered"),
])
def test_revert_decisions(host, restore, action, outcome, code):
    decision = pre.decide(host, "revert", P, CATALOG, restore_package=restore)
    assert (decision["action"], decision["outcome"], decision["reason"]["code"]) == (action, outcome, code)


def test_status_mode_reports_what_apply_would_do():
    decision = pre.decide(facts(qpt="1.1.53"), "status", P, CATALOG)
    assert decision["action"] == "update-qpt-then-apply"


# --------------------------------------------------------------------------- record

RECORD_KEYS = {"host", "magento", "edition", "mode", "qpt_before", "qpt_after", "status_before", "status_after",
               "action", "outcome", "reason", "verify", "qpt_output", "check_mode", "timings"}


def _inputs(**over):
    host = facts(qpt="1.1.53", status={"ACSD-61103": "absent"})
    base = {"host": "web1", "mode": "apply", "check_mode": False, "patches": P, "started": "2026-11-28T00:00:00.000000Z",
            "facts": host, "decision": pre.decide(host, "apply", P, CATALOG)}
    base.update(over)
    return base


def test_record_after_a_qpt_update_and_apply():
    record = pre.result_record(_inputs(
        package={"changed": True, "version_before": "1.1.53", "version_after": "1.1.57", "backup": "var/qpt-apply/backup/t"},
        patch={"changed": True, "status_before": {"ACSD-61103": "Not applied"}, "status_after": {"ACSD-61103": "Applied"},
               "ids_changed": P},
        final_facts={"qpt": {"version": "1.1.57"}},
        verify=pre.verify_summary({"ACSD-61103": "Applied"}, {"ACSD-61103": {"state": "present"}}, "applied"),
        post_steps=["ran bin/magento setup:di:compile", "ran bin/magento cache:clean"]))
    assert RECORD_KEYS <= set(record)
    assert (record["action"], record["outcome"], record["reason"]) == ("update-qpt-then-apply", "changed",
                                                                        {"code": None, "message": record["reason"]["message"]})
    assert (record["qpt_before"], record["qpt_after"]) == ("1.1.53", "1.1.57")
    assert record["status_before"] == {"ACSD-61103": "absent"} and record["status_after"] == {"ACSD-61103": "Applied"}
    assert record["verify"] == {"status": "Applied", "fingerprints": "ok", "functional": None,
                                "patches": {"ACSD-61103": {"status": "Applied", "fingerprints": "present"}}}
    assert record["timings"]["seconds"] > 0 and record["backup"] == "var/qpt-apply/backup/t"
    json.dumps(record)


def test_record_of_a_conflict_failure_keeps_qpt_output():
    host = facts(status={"ACSD-61103": "N/A"})
    record = pre.result_record(_inputs(
        facts=host, decision=pre.decide(host, "apply", P, CATALOG), failed=True,
        failed_result={"failed": True, "msg": "Error: patch ACSD-61103 can't be applied",
                       "reason": {"code": "conflict", "message": "Error: patch ACSD-61103 can't be applied"},
                       "output": CONFLICT}))
    assert (record["action"], record["outcome"], record["reason"]["code"]) == ("conflict", "failed", "conflict")
    assert "can't be applied" in record["qpt_output"]


def test_conflict_found_after_a_qpt_update_is_a_conflict():
    record = pre.result_record(_inputs(
        failed=True, package={"changed": True, "version_before": "1.1.53", "version_after": "1.1.57"},
        restore={"changed": True, "version_after": "1.1.53", "backup": "var/qpt-apply/backup/t"},
        failed_result={"reason": {"code": "conflict", "message": "Error: patch ACSD-61103 can't be applied"},
                       "output": CONFLICT}))
    assert (record["action"], record["outcome"], record["qpt_after"]) == ("conflict", "failed", "1.1.53")
    assert pre.planned_steps(_inputs()["decision"], {"changed": True, "version_before": "1.1.53", "version_after": "1.1.57"},
                             None, {"changed": True, "version_after": "1.1.53", "backup": "var/qpt-apply/backup/t"}) == [
        "update magento/quality-patches 1.1.53 -> 1.1.57", "apply ACSD-61103",
        "after the failure, put magento/quality-patches 1.1.53 back from var/qpt-apply/backup/t"]


def test_status_record_flags_hosts_that_cannot_be_patched():
    broken = facts(tools=(), read=False, reason="no-git-or-patch")
    record = pre.result_record({"host": "web4", "mode": "status", "patches": P, "facts": broken,
                                "decision": pre.decide(broken, "status", P, CATALOG)})
    assert (record["action"], record["outcome"], record["reason"]["code"]) == ("failed", "failed", "no-git-or-patch")
    fine = facts(status={"ACSD-61103": "N/A"})
    record = pre.result_record({"host": "web6", "mode": "status", "patches": P, "facts": fine,
                                "decision": pre.decide(fine, "status", P, CATALOG)})
    assert (record["action"], record["outcome"], record["reason"]["code"]) == ("conflict", "ok", "conflict")


def test_record_of_an_unreachable_host():
    record = pre.result_record({"host": "web9", "mode": "apply", "patches": P, "unreachable": True,
                                "unreachable_message": "ssh: connect to host 127.0.0.9 port 22: Connection refused"})
    assert (record["action"], record["outcome"], record["reason"]["code"]) == ("unreachable", "failed", "unreachable")
    assert record["magento"] is None and record["status_before"] == {"ACSD-61103": "absent"}


def test_record_in_check_mode_is_a_preview():
    record = pre.result_record(_inputs(check_mode=True, package={"changed": True, "version_before": "1.1.53",
                                                                  "version_after": "1.1.58"}))
    assert (record["outcome"], record["check_mode"]) == ("would-change", True)
    assert record["qpt_after"] == "1.1.58" and record["status_after"] == {"ACSD-61103": "Applied"}
    assert record["qpt_target"] == "^1.1.54 !=1.1.56 !=1.1.57"  # a Community 2.4.6 host: 1.1.57 fails there


def test_record_failure_reasons_from_role_failures():
    record = pre.result_record(_inputs(failed=True, failed_result={"msg": "x"},
                                       post_failure={"code": "post-step-failed", "message": "cache:clean failed"}))
    assert record["reason"] == {"code": "post-step-failed", "message": "cache:clean failed"}
    generic = pre.result_record(_inputs(failed=True, failed_result={"msg": "boom"}, failed_task={"name": "Enable maintenance mode"}))
    assert generic["reason"] == {"code": "task-failed", "message": "Enable maintenance mode: boom"}


def test_verify_summary_for_revert():
    assert pre.verify_summary({"A-1": "Not applied"}, {"A-1": {"state": "absent"}}, "reverted")["fingerprints"] == "ok"
    assert pre.verify_summary({"A-1": "Not applied"}, {"A-1": {"state": "partial"}}, "reverted")["fingerprints"] == "present"
    assert pre.verify_summary({"A-1": "Applied"}, {"A-1": {"state": "n/a"}}, "applied")["fingerprints"] == "n/a"
    assert pre.verify_summary({"A-1": "Applied", "B-2": "N/A"}, {}, "applied")["status"] == "mixed"


# --------------------------------------------------------------------------- parsers (module_utils)


def test_status_json_is_read_by_id_only():
    assert mq.parse_status_json(STATUS_JSON) == {"ACSD-61103": "Not applied", "MDVA-30265": "Applied"}
    noisy = "PHP Deprecated:  something in /x.php on line 3\n" + STATUS_JSON
    assert mq.parse_status_json(noisy)["ACSD-61103"] == "Not applied"
    assert mq.parse_status_json("[]\n") == {}
    with pytest.raises(ValueError):
        mq.parse_status_json("Magento 2 is not installed\n")


@pytest.mark.parametrize("stdout, stderr, code", [
    (NOT_FOUND, "", "not-offered"),
    (CONFLICT, "", "conflict"),
    ("", BROKEN_STDERR, "broken-qpt"),
    (DEPENDENCY, "", "dependency-applied"),
    ("", NO_TOOLS, "no-git-or-patch"),
    (NO_TOOLS, "", "no-git-or-patch"),
    ("Reverting patch ACSD-61103 (/x.patch) failed.\nerror: ...\nRevert operation for ACSD-61103 finished with errors.\n",
     "", "conflict"),
    ("", "Not enough arguments (missing: \"list-of-patches\").", "qpt-error"),
])
def test_qpt_failures_are_classified(stdout, stderr, code):
    assert mq.classify_failure(stdout, stderr) == code


def test_dependants_are_named():
    assert mq.dependants(DEPENDENCY) == ["ACSD-62332"]


def test_composer_operations():
    text = ("Lock file operations: 0 installs, 2 updates, 0 removals\n"
            "  - Upgrading magento/magento-cloud-patches (1.0.20 => 1.0.21)\n"
            "  - Upgrading magento/quality-patches (1.1.53 => 1.1.57)\n")
    assert mq.upgraded_to(text, "magento/quality-patches") == "1.1.57"
    assert mq.upgraded_to("  - Installing magento/quality-patches (1.1.55): Extracting archive", "magento/quality-patches") == "1.1.55"
    assert mq.upgraded_to("Nothing to install, update or remove", "magento/quality-patches") is None


def test_installed_json_and_env_php(tmp_path):
    (tmp_path / "vendor/composer").mkdir(parents=True)
    (tmp_path / "app/etc").mkdir(parents=True)
    (tmp_path / "vendor/composer/installed.json").write_text(json.dumps({"packages": [
        {"name": "magento/magento2-base", "version": "2.4.6-p3", "version_normalized": "2.4.6.0-patch3"},
        {"name": "magento/magento2-ee-base", "version": "2.4.6-p3"},
        {"name": "magento/quality-patches", "version": "1.1.53"}]}))
    packages = mq.installed_packages(str(tmp_path))
    assert mq.magento_release(packages) == ("2.4.6-p3", "enterprise")
    assert packages["magento/quality-patches"] == "1.1.53"
    assert mq.deploy_mode(str(tmp_path)) == "default"
    (tmp_path / "app/etc/env.php").write_text("<?php\nreturn [\n    'backend' => ['frontName' => 'admin'],\n"
                                              "    'MAGE_MODE' => 'production',\n];\n")
    assert mq.deploy_mode(str(tmp_path)) == "production"
    assert mq.magento_release({}) == (None, None)


def test_fingerprints(tmp_path):
    root = str(tmp_path)
    specs = CATALOG["ACSD-61103"]["fingerprints"]
    assert mq.fingerprint_state(root, specs)["state"] == "absent"
    for spec in specs:
        path = tmp_path / spec["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec.get("contains", "<?php"))
    assert mq.fingerprint_state(root, specs)["state"] == "present"
    (tmp_path / specs[0]["path"]).write_text('name="customer_unlock" name="customer_unlock"')  # count: 1
    assert mq.fingerprint_state(root, specs)["state"] == "partial"
    assert mq.fingerprint_state(root, [])["state"] == "n/a"
    with pytest.raises(ValueError):
        mq.check_fingerprint(root, {"path": "../../etc/passwd", "exists": True})
    with pytest.raises(ValueError):
        mq.check_fingerprint(root, {"path": "/etc/passwd", "exists": True})


def test_the_plan_warns_of_a_production_node_customers_would_reach_mid_patch():
    exposed = pre.result_record(_inputs(check_mode=True, customers_see_errors=True))
    assert "get HTTP 500 from the patch until setup:di:compile ends" in exposed["reason"]["message"]
    assert "--maintenance" in exposed["reason"]["message"] and exposed["outcome"] == "would-change"
    assert "HTTP 500" not in pre.result_record(_inputs(check_mode=True))["reason"]["message"]
    # The real run reports what happened, not the warning.
    assert "HTTP 500" not in pre.result_record(_inputs(customers_see_errors=True))["reason"]["message"]


def test_a_node_left_drained_says_so():
    drained = {"backend": "shop", "server": "shop-web1", "before": {"admin_state": "ready", "status": "UP"},
               "after": {"admin_state": "drain", "status": "DRAIN"}}
    record = pre.result_record(_inputs(failed=True, load_balancer=drained,
                                       failed_result={"msg": "bin/magento setup:di:compile failed"}))
    assert record["load_balancer"] == {"backend": "shop", "server": "shop-web1", "state": "drain", "status": "DRAIN"}
    assert "left out of rotation (drain in backend shop)" in record["reason"]["message"]
    refused = pre.result_record(_inputs(failed=True, failed_result={
        "msg": "no such server 'x' in backend 'shop'", "socket": "/run/haproxy.sock", "backend": "shop"}))
    assert refused["reason"] == {"code": "load-balancer", "message": "no such server 'x' in backend 'shop'"}
    assert pre.result_record(_inputs(load_balancer={"skipped": True}))["load_balancer"] is None
