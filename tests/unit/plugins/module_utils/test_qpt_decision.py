# -*- coding: utf-8 -*-
"""QPT health by behaviour in the per-host decision (plugins/module_utils/qpt_decision.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_decision import decide

PATCH = "ACSD-61103"
CATALOG = {PATCH: {"magento": ">=2.4.6 <2.4.7", "qpt_min": "1.1.54",
                   "qpt_known_bad": ["1.1.56", {"version": "1.1.57", "editions": ["community"], "magento": ">=2.4.4 <2.4.7"}]}}
BROKEN = {"read": False, "patches": {}, "reason": "broken-qpt", "output": "",
          "message": "Configuration error - Next patches weren't found: ACSD-48070."}


def facts(qpt, edition="community", status=None):
    return {"root": "/srv/magento", "magento": {"found": True, "version": "2.4.6-p3", "edition": edition, "mode": "production"},
            "qpt": {"version": qpt, "installed": True}, "tools": {"git": True, "patch": True}, "cloud": False,
            "user": "web", "root_owner": "web", "maintenance": False, "backups": [],
            "status": status or {"read": True, "patches": {PATCH: "Not applied"}, "reason": None, "message": "", "output": ""}}


def test_a_qpt_failing_on_the_host_is_replaced_by_one_that_is_not_it():
    # 1.1.59 is in no list, but its status fails with a configuration error on this host.
    decision = decide(facts("1.1.59", status=BROKEN), "apply", [PATCH], CATALOG)
    assert (decision["action"], decision["update_qpt"], decision["run_patch"]) == ("update-qpt-then-apply", True, True)
    assert decision["qpt_constraint"] == "^1.1.54 !=1.1.56 !=1.1.57 !=1.1.59"
    assert decision["qpt_bad"] == ["1.1.56", "1.1.57", "1.1.59"]
    assert "fails on this host" in decision["reason"]["message"] and "ACSD-48070" in decision["reason"]["message"]


def test_a_release_known_bad_for_community_only():
    community = decide(facts("1.1.57", status=BROKEN), "apply", [PATCH], CATALOG)
    assert community["action"] == "update-qpt-then-apply" and "known-bad" in community["reason"]["message"]
    assert community["qpt_constraint"] == "^1.1.54 !=1.1.56 !=1.1.57"
    enterprise = decide(facts("1.1.57", edition="enterprise"), "apply", [PATCH], CATALOG)
    assert (enterprise["action"], enterprise["update_qpt"]) == ("apply", False)
    assert enterprise["qpt_constraint"] == "^1.1.54 !=1.1.56"


def test_a_failing_qpt_is_not_replaced_by_a_revert_nor_without_updates():
    revert = decide(facts("1.1.59", status=BROKEN), "revert", [PATCH], CATALOG)
    assert (revert["action"], revert["reason"]["code"]) == ("failed", "broken-qpt")
    frozen = decide(facts("1.1.59", status=BROKEN), "apply", [PATCH], CATALOG, allow_qpt_update=False)
    assert (frozen["action"], frozen["reason"]["code"]) == ("failed", "qpt-update-needed")
