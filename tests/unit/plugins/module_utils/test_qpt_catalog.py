# -*- coding: utf-8 -*-
"""Catalog entries, patch IDs and the QPT release rules (plugins/module_utils/qpt_catalog.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_catalog import (
    entry_problems, input_problems, is_known_bad, is_patch_id, offered, qpt_requirement, qpt_satisfies)

ENTRY = {"magento": ">=2.4.6 <2.4.7", "qpt_min": "1.1.54", "qpt_known_bad": ["1.1.56"]}


@pytest.mark.parametrize("value, valid", [
    ("ACSD-61103", True), ("MDVA-30265-V2", True), ("B2B-1234", True),
    ("acsd-61103", False), ("ACSD-61103;id", False), ("ACSD61103", False), ("", False), (61103, False), (None, False),
])
def test_patch_id(value, valid):
    assert is_patch_id(value) is valid


@pytest.mark.parametrize("version, satisfied", [
    (None, False), ("1.1.53", False), ("1.1.54", True), ("1.1.55", True), ("1.1.56", False),
    ("1.1.56-p1", True), ("1.1.57", True),
])
def test_known_bad_is_the_exact_release(version, satisfied):
    assert qpt_satisfies(version, ENTRY["qpt_min"], ENTRY["qpt_known_bad"]) is satisfied


def test_is_known_bad():
    assert is_known_bad("1.1.56", ["1.1.56"]) and not is_known_bad("1.1.56-p1", ["1.1.56"])


@pytest.mark.parametrize("constraint", ["~2.4.6", "^2.4", "2.4.6.*", ">=2.4.6 <2.4.7", "2.4.6 - 2.4.6-p9"])
def test_offered_takes_any_composer_constraint(constraint):
    assert entry_problems(dict(ENTRY, magento=constraint)) == []
    assert offered(dict(ENTRY, magento=constraint), "2.4.6-p3", "community") == (True, "")


def test_offered_says_why_not():
    assert offered(ENTRY, "2.4.7", "community") == (False, "needs Magento >=2.4.6 <2.4.7")
    assert offered(dict(ENTRY, editions=["enterprise"]), "2.4.6", "community") == (
        False, "is for enterprise editions only")


def test_entry_problems_name_what_is_wrong():
    assert entry_problems({"magento": "latest"}) == ["not a version: 'latest'"]
    assert "unknown key 'magneto'" in entry_problems({"magneto": "2.4.6"})[0]
    assert "relative" in entry_problems({"fingerprints": [{"path": "/etc/passwd"}]})[0]
    assert "editions" in entry_problems({"editions": ["cummunity"]})[0]


def test_requirement_of_several_entries():
    assert qpt_requirement([ENTRY]) == ("^1.1.54 !=1.1.56", "1.1.54", ["1.1.56"])
    assert qpt_requirement([ENTRY, {"qpt_min": "1.1.60", "qpt_known_bad": ["1.1.58"]}]) == (
        "^1.1.60 !=1.1.56 !=1.1.58", "1.1.60", ["1.1.56", "1.1.58"])
    assert qpt_requirement([])[0] == "*"


def test_input_problems():
    assert input_problems(["ACSD-61103"], [1, "25%"], 0, {"ACSD-61103": ENTRY}) == []
    problems = input_problems(["nope"], [0], -1, {})
    assert len(problems) == 3 and "not a QPT patch ID" in problems[0]


def test_batches_follow_serial_and_refuse_emptying_a_backend():
    from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_batches import batches, drain_refusals

    hosts = ["a1", "a2", "a3", "b1"]
    assert batches(hosts, [1, "25%", "100%"]) == [["a1"], ["a2"], ["a3", "b1"]]
    assert batches(hosts, "100%") == [hosts]
    lb = {"haproxy_host": "lb", "haproxy_socket": "/run/haproxy.sock"}
    hostvars = {h: dict(lb, haproxy_backend="shop_a") for h in ("a1", "a2", "a3")}
    assert drain_refusals(hostvars, hosts, [1, "25%", "100%"]) == []
    refused = drain_refusals(hostvars, hosts, ["100%"])
    assert len(refused) == 1 and "backend shop_a" in refused[0] and "batch 1 (4 hosts)" in refused[0]
    assert drain_refusals({}, hosts, ["100%"]) == []  # no load balancer, nothing to protect
    # One known node: the drain itself refuses at run time if nothing else serves.
    assert drain_refusals({"b1": dict(lb, haproxy_backend="shop_b")}, hosts, ["100%"]) == []
