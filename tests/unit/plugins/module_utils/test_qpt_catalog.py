# -*- coding: utf-8 -*-
"""Catalog entries, patch IDs and the QPT release rules (plugins/module_utils/qpt_catalog.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_catalog import (
    desired_sets, entry_problems, fleet_input_problems, host_patch_problems, input_problems, is_known_bad, is_patch_id,
    known_bad_for, offered, qpt_requirement, qpt_satisfies, unknown_patch_problems)

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


# --------------------------------------------------------------------------- known-bad scoped by host

SCOPED = ["1.1.56", {"version": "1.1.57", "editions": ["community"], "magento": ">=2.4.4 <2.4.7"}]


@pytest.mark.parametrize("magento, edition, bad", [
    ("2.4.6-p3", "community", ["1.1.56", "1.1.57"]),
    ("2.4.4", "community", ["1.1.56", "1.1.57"]),
    ("2.4.6-p3", "enterprise", ["1.1.56"]),
    ("2.4.7", "community", ["1.1.56"]),
    ("2.4.3-p1", "community", ["1.1.56"]),
    (None, None, ["1.1.56", "1.1.57"]),          # nothing known of the host: the safe side
])
def test_known_bad_for_a_host(magento, edition, bad):
    assert known_bad_for(SCOPED, magento, edition) == bad
    assert is_known_bad("1.1.57", SCOPED, magento, edition) is ("1.1.57" in bad)
    assert qpt_satisfies("1.1.57", "1.1.54", SCOPED, magento, edition) is ("1.1.57" not in bad)
    entry = {"qpt_min": "1.1.54", "qpt_known_bad": SCOPED}
    assert qpt_requirement([entry], magento, edition)[0] == " ".join(["^1.1.54"] + ["!=%s" % b for b in bad])


def test_a_release_seen_failing_is_excluded_too():
    entry = {"qpt_min": "1.1.54", "qpt_known_bad": SCOPED}
    assert qpt_requirement([entry], "2.4.6", "enterprise", also_bad=["1.1.58"]) == (
        "^1.1.54 !=1.1.56 !=1.1.58", "1.1.54", ["1.1.56", "1.1.58"])
    assert qpt_requirement([], "2.4.6", "community", also_bad=["1.1.57"])[0] == "* !=1.1.57"


@pytest.mark.parametrize("item, problem", [
    ({"version": "1.1.57", "editions": ["communty"]}, "editions of 1.1.57 must be a list of"),
    ({"version": "1.1.57", "editions": []}, "editions of 1.1.57 must be a list of"),
    ({"version": "1.1.57", "magento": "latest"}, "not a version: 'latest'"),
    ({"editions": ["community"]}, "has no version"),
    ({"version": "1.1.57", "edition": ["community"]}, "unknown key 'edition'"),
    ({"version": "soon"}, "not a version"),
    (["1.1.57"], "neither a version nor"),
])
def test_known_bad_items_are_checked(item, problem):
    problems = entry_problems({"qpt_known_bad": [item]})
    assert problems and all(p.startswith("qpt_known_bad: ") for p in problems)
    assert any(problem in p for p in problems), problems
    assert entry_problems({"qpt_known_bad": SCOPED}) == []


# --------------------------------------------------------------------------- each host's declared set


def test_host_sets_are_checked_per_host_and_named():
    declared = {"web1": ["ACSD-61103"], "web2": None, "web3": "ACSD-61103", "web4": [61103],
                "web5": ["ACSD-61103", "acsd-62332"], "web6": [], "web7": ["acsd-62332"]}
    problems = host_patch_problems(declared, cloud_hosts=["shop-prod"])
    assert problems == [
        "web3: qpt_patches must be a list of patch IDs, e.g. ['ACSD-61103'], not str 'ACSD-61103'",
        "web4: qpt_patches: 61103 is not a QPT patch ID (expected e.g. ACSD-61103 or MDVA-30265-V2)",
        "web5, web7: qpt_patches: 'acsd-62332' is not a QPT patch ID (expected e.g. ACSD-61103 or MDVA-30265-V2)",
        "web6: qpt_patches is empty: name at least one patch ID",
        "shop-prod: in group magento_cloud (an Adobe Commerce Cloud environment, patched through git with cloud.yml) "
        "and in the on-prem fleet too: take it out of one of them",
    ]
    assert host_patch_problems({"web1": ["ACSD-61103"], "web2": None}) == []


def test_desired_sets_and_fleet_input_problems():
    declared = {"web1": ["ACSD-61103", "ACSD-51892", "ACSD-61103"], "web2": None}
    assert desired_sets(declared, ["ACSD-61103"]) == {"web1": ["ACSD-61103", "ACSD-51892"], "web2": ["ACSD-61103"]}
    assert fleet_input_problems(declared, ["ACSD-61103"], [1, "25%"], 0, {}) == []
    assert fleet_input_problems({"web1": "ACSD-1"}, ["ACSD-61103"], [0], "x", {}) == [
        "web1: qpt_patches must be a list of patch IDs, e.g. ['ACSD-61103'], not str 'ACSD-1'",
        "qpt_serial: 0 is not a positive host count or a percentage such as '25%'",
        "qpt_max_failed_hosts must be a whole number >= 0, not 'x'"]
    # The catalog entries of every patch some host asks for are checked.
    catalog = {"ACSD-51892": {"magento": "latest"}}
    assert fleet_input_problems(declared, ["ACSD-61103"], [1], 0, catalog) == [
        "patch catalog entry ACSD-51892: not a version: 'latest'"]
    assert fleet_input_problems({"web1": None}, ["bad"], [1], 0, {}) == [
        "qpt_default_patches: 'bad' is not a QPT patch ID (expected e.g. ACSD-61103 or MDVA-30265-V2)"]


def test_an_id_nobody_knows_is_found_once_the_hosts_were_read():
    desired = {"web1": ["ACSD-61103", "ACSD-99999"], "web2": ["ACSD-99999"], "web3": ["MDVA-1"], "web4": ["ACSD-99999"]}
    statuses = {"web1": {"ACSD-61103": "Applied", "ACSD-99999": "absent"}, "web2": {"ACSD-99999": "absent"},
                "web3": {"MDVA-1": "absent"}}  # web4 could not be read
    (line,) = unknown_patch_problems(desired, statuses, {"MDVA-1": {}})  # MDVA-1: the catalog knows it
    assert line.startswith("web1, web2: qpt_patches names ACSD-99999, which the installed QPT does not offer")
    # Offered on one host, the ID is real: the others skip it as not offered.
    statuses["web2"] = {"ACSD-99999": "Not applied"}
    assert unknown_patch_problems(desired, statuses, {"MDVA-1": {}}) == []
    # Nobody that wants it was read: nothing to judge by.
    assert unknown_patch_problems({"web4": ["ACSD-99999"]}, statuses, where="--patch") == []
