# -*- coding: utf-8 -*-
"""QPT health by behaviour in the per-host decision (plugins/module_utils/qpt_decision.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_decision import decide
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_host_state import process_start

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


def test_a_gone_runs_step_still_running_is_waited_for_by_a_change_and_reported_by_status():
    step = {"step": "di-compile", "pid": os.getpid(), "pid_start": process_start(os.getpid()), "since": "2026-01-01T00:00:00Z"}
    gone_run = {"run_id": "R-gone", "in_progress": step}
    busy = dict(facts("1.1.58"), host_state={"lock": None, "transaction": gone_run, "in_flight": step})
    status = decide(busy, "status", [PATCH], CATALOG, run_id="R-now")
    assert (status["action"], status["reason"]["code"], status["run_change"]) == ("busy", "busy", False)
    for mode in ("apply", "revert"):
        change = decide(busy, mode, [PATCH], CATALOG, run_id="R-now")
        assert (change["action"], change["fail"], change["wait_in_flight"]) == ("wait", False, True), change
        # Nothing is touched until the step has ended and the host has been read again.
        assert not (change["run_change"] or change["run_patch"] or change["update_qpt"]), change
        assert "step di-compile of run R-gone still runs" in change["reason"]["message"], change
    # Once the step has ended, the same transaction is finished as any a gone run left.
    ended = {"run_id": "R-gone", "in_progress": None, "done": ["patch"], "planned": ["patch", "di-compile"]}
    settled = dict(busy, host_state={"lock": None, "transaction": ended, "in_flight": None})
    assert decide(settled, "apply", [PATCH], CATALOG, run_id="R-now")["wait_in_flight"] is False
