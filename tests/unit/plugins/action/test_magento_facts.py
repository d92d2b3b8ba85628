# -*- coding: utf-8 -*-
"""The read-and-decide action plugin (plugins/action/magento_facts.py), the module call replaced by a stub."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from unittest import mock

import pytest

from ansible.errors import AnsibleConnectionFailure
from ansible_collections.qpt_apply.magento.plugins.action.magento_facts import ActionModule

NOT_FOUND = {"changed": False, "root": "/srv/shop",
             "magento": {"found": False, "version": None, "edition": None, "mode": None},
             "qpt": {"version": None, "installed": False}, "tools": {"git": True, "patch": True},
             "maintenance": False, "cloud": False, "user": "shop", "root_owner": None, "backups": [],
             "status": {"read": False, "patches": {"ACSD-61103": "absent"}, "applied": [],
                        "reason": "magento-not-found", "message": "no magento", "output": "", "token": None,
                        "reused": False}}


def run(args, read=None, error=None):
    """The action's result and the stub that stood for the module."""
    task = mock.MagicMock(args=args, async_val=0, check_mode=False, diff=False, action="qpt_apply.magento.magento_facts")
    action = ActionModule(task, mock.MagicMock(), mock.MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    with mock.patch.object(ActionModule, "_execute_module", side_effect=error, return_value=read) as module:
        return action.run(task_vars={"inventory_hostname": "web1"}), module


def test_a_bad_patch_set_fails_before_the_host_is_contacted():
    result, module = run({"root": "/srv/shop", "patches": ["acsd-61103"], "decide": {"mode": "apply"}})
    assert result["failed"] and result["msg"].startswith("bad input: web1: qpt_patches: 'acsd-61103' is not a QPT"), result
    assert not module.called and result["started"].endswith("Z")


def test_bad_decide_options_are_named():
    result, module = run({"root": "/srv/shop", "patches": ["ACSD-61103"], "decide": {"mode": "deploy"}})
    assert result["failed"] and "mode" in result["msg"] and "deploy" in result["msg"] and not module.called


@pytest.mark.parametrize("fail", [True, False])
def test_the_decision_comes_with_the_read(fail):
    result, module = run({"root": "/srv/shop", "patches": ["ACSD-61103"], "qpt_status": True,
                          "decide": {"mode": "apply", "fail": fail}}, read=dict(NOT_FOUND))
    assert "decide" not in module.call_args.kwargs["module_args"]  # the module never sees it
    assert result["magento"] == NOT_FOUND["magento"] and result["decision"]["reason"]["code"] == "magento-not-found"
    assert result["decision"]["fail"] and bool(result.get("failed")) is fail
    if fail:
        assert result["msg"].startswith("magento-not-found: "), result


def test_without_decide_it_is_the_plain_read():
    result, module = run({"root": "/srv/shop", "patches": ["ACSD-61103"]}, read=dict(NOT_FOUND))
    assert "decision" not in result and not result.get("failed") and result["started"]


def test_an_unreachable_host_keeps_its_start():
    result, module = run({"root": "/srv/shop", "patches": ["ACSD-61103"], "decide": {"mode": "status"}},
                         error=AnsibleConnectionFailure("ssh: connect to host 127.0.0.9 port 22: Connection refused"))
    assert result["unreachable"] and "Connection refused" in result["msg"] and result["started"], result
    assert "decision" not in result


APPLIED = dict(NOT_FOUND, magento={"found": True, "version": "2.4.6-p3", "edition": "community", "mode": "production"},
               status=dict(NOT_FOUND["status"], read=True, patches={"ACSD-61103": "Applied"}, reason=None),
               fingerprints={"ACSD-61103": {"state": "present", "checks": []}},
               health={"url": "http://127.0.0.1:8080/", "status": 500, "ok": False, "error": None})


@pytest.mark.parametrize("fail", [True, False])
def test_expect_judges_the_read(fail):
    result, module = run({"root": "/srv/shop", "patches": ["ACSD-61103"], "qpt_status": True,
                          "expect": {"state": "applied", "fail": fail}}, read=dict(APPLIED))
    assert "expect" not in module.call_args.kwargs["module_args"]
    assert result["verify"]["status"] == "Applied" and result["verify"]["fingerprints"] == "ok"
    assert result["verify_failure"]["message"] == "the node does not serve: HTTP 500 from http://127.0.0.1:8080/"
    assert bool(result.get("failed")) is fail


def test_bad_expect_options_are_named():
    result, module = run({"root": "/srv/shop", "patches": ["ACSD-61103"], "expect": {"state": "gone"}})
    assert result["failed"] and result["msg"].startswith("expect: ") and "gone" in result["msg"] and not module.called


@pytest.mark.parametrize("qpt_status", [None, False, "false", "no"])
def test_expect_needs_a_status_to_judge(qpt_status):
    args = {"root": "/srv/shop", "patches": ["ACSD-61103"], "expect": {"state": "applied"}}
    if qpt_status is not None:
        args["qpt_status"] = qpt_status
    result, module = run(args)
    assert result["failed"] and "nothing to judge" in result["msg"] and not module.called
