"""Input validation before any host is touched, and the cumulative failure cap across batches.

Plain ansible-playbook on one small lab; every assertion about "untouched" compares the whole
Magento root, QPT's own var/log/patch.log included.
"""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import tree_digest
from test_ansible_support import (
    PATCH, composer_version, fingerprints_present, installed_version, qpt_status, run_playbook,
)

pytestmark = pytest.mark.lab

SPEC = [
    # Canary: QPT too old to see the conflict, so it is updated first, then put back when the apply fails.
    {"name": "web1", "magento": "2.4.6-p3", "qpt": "1.1.53", "mode": "developer", "patch": "conflict"},
    {"name": "web2", "magento": "2.4.6-p3", "qpt": "1.1.55", "mode": "developer"},
    {"name": "web3", "magento": "2.4.6-p3", "qpt": "1.1.55", "mode": "developer"},
    {"name": "web4", "magento": "2.4.6-p3", "qpt": "1.1.55", "mode": "developer", "tools": []},
]
HOSTS = [h["name"] for h in SPEC]


@pytest.fixture(scope="module")
def fleet(lab_factory, tmp_path_factory):
    lab = lab_factory(SPEC)
    return {"lab": lab, "work": tmp_path_factory.mktemp("ansible-halt")}


def snapshot(lab, hosts=HOSTS):
    return {h: tree_digest(lab.root(h), ignore=()) for h in hosts}


def inventory_variant(fleet, name, edit) -> str:
    inventory = yaml.safe_load(fleet["lab"].inventory.read_text())
    edit(inventory["all"]["children"]["magento"]["hosts"])
    path = fleet["work"] / f"{name}.yml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return path


def changed_paths(before, after):
    return [k for k in set(before) | set(after) if before.get(k) != after.get(k)]


def touched_hosts(output: str) -> set[str]:
    return set(re.findall(r"^(?:ok|changed|fatal|failed|skipping|included): \[(web\d|gone)\]", output, re.M))


@pytest.mark.parametrize("playbook, extra, message", [
    ("apply.yml", {"qpt_patches": ["ACSD-61103;id"]}, "'ACSD-61103;id' is not a QPT patch ID"),
    ("revert.yml", {"qpt_patches": ["ACSD-61103", "$(id)"]}, "'$(id)' is not a QPT patch ID"),
    ("status.yml", {"qpt_patches": []}, "qpt_patches is empty"),
    ("apply.yml", {"qpt_patches": "ACSD-61103"}, "qpt_patches must be a list"),
    ("apply.yml", {"qpt_serial": [0, "25%"]}, "qpt_serial: 0 is not a positive host count"),
    ("apply.yml", {"qpt_max_failed_hosts": "none"}, "qpt_max_failed_hosts must be a whole number"),
    ("apply.yml", {"magento_post_di_compile": "sometimes"},
     "value of magento_post_di_compile must be one of: auto, always, never, got: sometimes (in: extra vars"),
    ("revert.yml", {"qpt_package_restore": "perhaps"}, "qpt_package_restore"),
])
def test_bad_input_is_rejected_before_any_host_is_touched(fleet, playbook, extra, message):
    lab = fleet["lab"]
    before = snapshot(lab)
    run = run_playbook(playbook, lab.inventory, fleet["work"] / "bad-input", extra=extra)
    assert run.rc != 0
    assert "bad input" in run.output and message in run.output
    assert touched_hosts(run.output) == set() and run.records == {}
    assert snapshot(lab) == before


def test_bad_knob_in_the_inventory_is_rejected_up_front(fleet):
    lab = fleet["lab"]
    before = snapshot(lab)
    inventory = inventory_variant(fleet, "bad-knob", lambda hosts: hosts["web3"].update(magento_post_cache_action="purge"))
    run = run_playbook("apply.yml", inventory, fleet["work"] / "bad-knob")
    assert run.rc != 0
    assert "value of magento_post_cache_action must be one of: clean, flush, none, got: purge (in: web3)" in run.output
    assert touched_hosts(run.output) == set()
    assert snapshot(lab) == before


def test_failed_canary_halts_the_rollout(fleet):
    lab = fleet["lab"]
    before = snapshot(lab)
    run = run_playbook("apply.yml", lab.inventory, fleet["work"] / "halt")
    assert run.rc != 0
    assert run.run_stats.get("qpt_halted") is True and run.run_stats["qpt_halt_failed_hosts"] == ["web1"]
    assert "TASK [qpt halt: failure cap exceeded]" in run.output
    assert set(run.records) == {"web1"}
    assert (run.records["web1"]["action"], run.records["web1"]["reason"]["code"]) == ("conflict", "conflict")
    # The canary is as it was: QPT went back to 1.1.53 with composer.json/composer.lock byte-identical;
    # only the used backup remains (and QPT's log of its failed attempt). Later batches never started.
    record = run.records["web1"]
    assert (record["qpt_before"], record["qpt_after"]) == ("1.1.53", "1.1.53") and "can't be applied" in record["qpt_output"]
    assert "after the failure, put magento/quality-patches 1.1.53 back" in record["steps"][-1]
    after = snapshot(lab)
    assert installed_version(lab.root("web1")) == "1.1.53"
    assert sorted(changed_paths(before["web1"], after["web1"])) == sorted([
        "var/log/patch.log", "var/qpt-apply/", "var/qpt-apply/backup/", f"{record['backup']}.restored/",
        f"{record['backup']}.restored/composer.json", f"{record['backup']}.restored/composer.lock",
        f"{record['backup']}.restored/after-update.sha256.json"])  # the update's own fingerprint of the files
    for host in ("web2", "web3", "web4"):
        assert after[host] == before[host], host


def test_unreachable_host_counts_as_failed(fleet):
    lab = fleet["lab"]
    before = snapshot(lab)

    def add_dead_host_first(hosts):
        original = dict(hosts)
        hosts.clear()
        hosts["gone"] = dict(original["web2"], ansible_port=1)  # nothing listens there
        hosts.update(web2=original["web2"], web3=original["web3"])

    inventory = inventory_variant(fleet, "unreachable", add_dead_host_first)
    run = run_playbook("apply.yml", inventory, fleet["work"] / "unreachable")
    assert run.rc != 0 and run.run_stats.get("qpt_halted") is True
    assert run.run_stats["qpt_halt_failed_hosts"] == ["gone"]
    record = run.records["gone"]
    assert (record["action"], record["outcome"], record["reason"]["code"]) == ("unreachable", "failed", "unreachable")
    assert snapshot(lab) == before


def test_failures_up_to_the_cap_let_the_rollout_continue(fleet):
    lab = fleet["lab"]
    before = snapshot(lab)
    # Batches [web1] [web2] [web3, web4]: the first batch fails entirely, yet one failure is allowed.
    run = run_playbook("apply.yml", lab.inventory, fleet["work"] / "cap",
                       extra={"qpt_max_failed_hosts": 1, "qpt_serial": [1, 1, "100%"]})
    assert "qpt_halted" not in run.run_stats
    assert {h: (r["action"], r["outcome"]) for h, r in run.records.items()} == {
        "web1": ("conflict", "failed"), "web2": ("apply", "changed"), "web3": ("apply", "changed"),
        "web4": ("failed", "failed")}
    assert run.records["web4"]["reason"]["code"] == "no-git-or-patch"
    assert {h: run.recap[h]["failed"] for h in HOSTS} == {"web1": 1, "web2": 0, "web3": 0, "web4": 1}
    after = snapshot(lab)
    for host in ("web2", "web3"):
        assert qpt_status(lab, host) == "Applied" and all(fingerprints_present(lab.root(host)).values())
        assert composer_version(lab.root(host)) == "1.1.55"
    # Refused before any change: the files are as they were (QPT logged why its status failed).
    assert {k: v for k, v in after["web4"].items() if k != "var/log/patch.log"} == before["web4"]
    assert "GIT or PATCH is required" in run.records["web4"]["qpt_output"]
    assert not any(fingerprints_present(lab.root("web4")).values())
    assert run.records["web2"]["status_after"] == {PATCH: "Applied"}


def test_uncatalogued_patch_and_a_dependant_blocking_revert(fleet):
    """An ID the catalog does not know runs on QPT status alone; QPT refuses to revert a dependency."""
    lab = fleet["lab"]
    run = run_playbook("apply.yml", lab.inventory, fleet["work"] / "other-patch", limit="web2",
                       extra={"qpt_patches": ["ACSD-62332"]})
    record = run.records["web2"]
    assert run.rc == 0 and (record["action"], record["outcome"]) == ("apply", "changed")
    assert record["verify"]["fingerprints"] == "n/a" and record["verify"]["status"] == "Applied"
    assert qpt_status(lab, "web2", "ACSD-62332") == "Applied"

    before = snapshot(lab, ["web2"])["web2"]
    run = run_playbook("revert.yml", lab.inventory, fleet["work"] / "dependency", limit="web2")
    record = run.records["web2"]
    assert run.rc != 0 and (record["action"], record["outcome"]) == ("revert", "failed")
    assert record["reason"]["code"] == "dependency-applied" and "ACSD-62332" in record["reason"]["message"]
    assert "is a dependency for ACSD-62332" in record["qpt_output"]
    after = snapshot(lab, ["web2"])["web2"]
    assert changed_paths(before, after) == ["var/log/patch.log"]
    assert qpt_status(lab, "web2") == "Applied" and all(fingerprints_present(lab.root("web2")).values())
