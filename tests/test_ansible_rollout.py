"""status.yml, apply.yml (--check, real, again) and revert.yml with plain ansible-playbook on a mixed lab.

One lab for the module; the tests run in order and each asserts on the hosts themselves (files,
composer.lock, QPT's own status, the shop's HTTP answers and database), not only on the records.
"""

from __future__ import annotations

import pytest
from conftest import tree_digest
from test_ansible_support import (
    PATCH, api_login_resets_failures, composer_version, fingerprints_present, graphql_login_resets_failures,
    installed_version, patch_log_length, patch_log_times, qpt_status, reset_failures, run_playbook,
)

pytestmark = pytest.mark.lab

SPEC = [
    {"name": "web1", "magento": "2.4.6-p3", "qpt": "1.1.53", "mode": "production"},   # canary; QPT too old
    {"name": "web2", "magento": "2.4.6-p8", "qpt": "1.1.55", "mode": "production"},
    {"name": "web3", "magento": "2.4.6", "qpt": "1.1.55", "mode": "production", "patch": "applied"},
    {"name": "web4", "magento": "2.4.7", "qpt": "1.1.55"},
    {"name": "web5", "magento": "2.4.6-p5", "qpt": "1.1.56", "mode": "developer"},     # known-bad QPT
    {"name": "web6", "magento": "2.4.6-p3", "qpt": "1.1.55", "patch": "conflict"},
]
HOSTS = [h["name"] for h in SPEC]
PATCHABLE = ["web1", "web2", "web3", "web5"]
PRODUCTION = ["web1", "web2", "web3"]


@pytest.fixture(scope="module")
def fleet(lab_factory, tmp_path_factory):
    lab = lab_factory(SPEC)
    work = tmp_path_factory.mktemp("ansible-rollout")
    state = {"lab": lab, "work": work, "initial": {h: tree_digest(lab.root(h)) for h in HOSTS}}
    return state


def digests(lab):
    return {h: tree_digest(lab.root(h)) for h in HOSTS}


def changed_paths(before, after):
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def test_status_reports_every_host_and_changes_nothing(fleet):
    lab = fleet["lab"]
    run = run_playbook("status.yml", lab.inventory, fleet["work"] / "status")
    assert run.rc == 0, run.output[-3000:]
    assert digests(lab) == fleet["initial"]
    records = run.records
    assert set(records) == set(HOSTS)
    expected = {"web1": "update-qpt-then-apply", "web2": "apply", "web3": "already-applied",
                "web4": "skip-incompatible", "web5": "update-qpt-then-apply", "web6": "conflict"}
    assert {h: r["action"] for h, r in records.items()} == expected
    for spec in SPEC:
        host, root = spec["name"], lab.root(spec["name"])
        record = records[host]
        assert record["magento"] == spec["magento"] and record["mode"] == spec.get("mode", "production")
        assert record["qpt_before"] == installed_version(root) == spec["qpt"]
        assert record["outcome"] == "ok" and record["check_mode"] is False
        assert record == run.echoed[host]
    # Status as each host's own QPT reports it (1.1.53 does not know the patch; 1.1.56 cannot run).
    for host in ("web2", "web3", "web4", "web6"):
        assert records[host]["status_before"] == {PATCH: qpt_status(lab, host)}
    assert records["web1"]["status_before"] == {PATCH: "absent"}
    assert records["web4"]["reason"]["code"] == "not-offered" and "2.4.7" in records["web4"]["reason"]["message"]
    assert records["web3"]["verify"]["fingerprints"] == "ok" and all(fingerprints_present(lab.root("web3")).values())
    assert records["web2"]["verify"]["fingerprints"] == "missing"
    assert not any(fingerprints_present(lab.root("web2")).values())


def test_check_mode_is_a_byte_identical_preview(fleet):
    lab = fleet["lab"]
    run = run_playbook("apply.yml", lab.inventory, fleet["work"] / "check", check=True,
                       extra={"qpt_serial": ["100%"], "magento_maintenance_enabled": True})
    assert digests(lab) == fleet["initial"]
    for host in HOSTS:
        assert not (lab.root(host) / "var/.maintenance.flag").exists()
    would = {h: (r["action"], r["outcome"]) for h, r in run.records.items()}
    assert would == {
        "web1": ("update-qpt-then-apply", "would-change"), "web2": ("apply", "would-change"),
        "web3": ("already-applied", "ok"), "web4": ("skip-incompatible", "skipped"),
        "web5": ("update-qpt-then-apply", "would-change"), "web6": ("conflict", "failed"),
    }
    assert all(r["check_mode"] for r in run.records.values())
    # composer resolved (dry run) what it would install: the newest release that is not known-bad.
    assert (run.records["web1"]["qpt_after"], run.records["web5"]["qpt_after"]) == ("1.1.58", "1.1.58")
    assert run.records["web2"]["status_after"] == {PATCH: "Applied"}
    steps = run.records["web1"]["steps"]
    assert steps[0] == "would update magento/quality-patches 1.1.53 -> 1.1.58"
    assert "would run bin/magento setup:di:compile" in steps and "would enable maintenance mode" in steps
    assert "would run bin/magento setup:di:compile" not in run.records["web5"]["steps"]  # developer mode
    assert run.rc != 0 and run.recap["web6"]["failed"] == 1  # a conflict would fail: said so


def test_apply_rolls_out_canary_first(fleet):
    lab = fleet["lab"]
    before = digests(lab)
    log_lines = {h: patch_log_length(lab.root(h)) for h in HOSTS}
    for host in PATCHABLE:
        reset_failures(lab, host)
    run = run_playbook("apply.yml", lab.inventory, fleet["work"] / "apply")
    fleet["applied"] = digests(lab)
    records = run.records
    assert run.rc != 0 and records["web6"]["outcome"] == "failed"  # the conflict host, in the last batch

    # Canary alone first, then 25 %, then the rest - from the play and from QPT's own logs.
    assert [set(b) for b in run.result_batches] == [{"web1"}, {"web2"}, {"web3", "web4", "web5", "web6"}]
    canary_done = max(patch_log_times(lab.root("web1"), log_lines["web1"]))
    second = patch_log_times(lab.root("web2"), log_lines["web2"])
    assert second and canary_done < min(second)
    for host in ("web5", "web6"):
        later = patch_log_times(lab.root(host), log_lines[host])
        assert later and max(second) < min(later)

    # Compatible hosts end Applied, by QPT and by the files; QPT updated only where needed.
    for host in PATCHABLE:
        assert qpt_status(lab, host) == "Applied", host
        assert all(fingerprints_present(lab.root(host)).values()), host
        assert records[host]["status_after"] == {PATCH: "Applied"} and records[host]["verify"]["status"] == "Applied"
    assert {h: composer_version(lab.root(h)) for h in HOSTS} == {
        "web1": "1.1.58", "web2": "1.1.55", "web3": "1.1.55", "web4": "1.1.55", "web5": "1.1.58", "web6": "1.1.55"}
    assert {h: (records[h]["action"], records[h]["outcome"]) for h in HOSTS} == {
        "web1": ("update-qpt-then-apply", "changed"), "web2": ("apply", "changed"),
        "web3": ("already-applied", "ok"), "web4": ("skip-incompatible", "skipped"),
        "web5": ("update-qpt-then-apply", "changed"), "web6": ("conflict", "failed")}
    assert (records["web1"]["qpt_before"], records["web1"]["qpt_after"]) == ("1.1.53", "1.1.58")
    assert (lab.root("web1") / records["web1"]["backup"] / "composer.lock").is_file()

    # 2.4.7 skipped with its reason; the conflict host failed with QPT's words and is untouched.
    assert records["web4"]["reason"]["code"] == "not-offered"
    assert records["web6"]["reason"]["code"] == "conflict"
    assert "can't be applied" in records["web6"]["qpt_output"]
    assert "Applying patch ACSD-61103" in records["web6"]["qpt_output"]
    for host in ("web3", "web4", "web6"):
        assert changed_paths(before[host], fleet["applied"][host]) == [], host
    assert qpt_status(lab, "web6") == "N/A"

    # DI compiled on production hosts only, caches cleaned: the fix is live over REST and GraphQL.
    assert any(p.startswith("generated/") for p in changed_paths(before["web1"], fleet["applied"]["web1"]))
    assert not any(p.startswith("generated/") for p in changed_paths(before["web5"], fleet["applied"]["web5"]))
    for host in PATCHABLE:
        assert api_login_resets_failures(lab, host) == (200, 1, 0), host
        assert graphql_login_resets_failures(lab, host) == (200, 1, 0), host
    fleet["served"] = digests(lab)  # the requests above may warm caches


def test_second_apply_changes_nothing(fleet):
    lab = fleet["lab"]
    run = run_playbook("apply.yml", lab.inventory, fleet["work"] / "apply-again")
    assert {h: run.recap[h]["changed"] for h in HOSTS} == {h: 0 for h in HOSTS}
    assert {h: run.records[h]["outcome"] for h in HOSTS} == {
        "web1": "ok", "web2": "ok", "web3": "ok", "web4": "skipped", "web5": "ok", "web6": "failed"}
    assert all(run.records[h]["action"] == "already-applied" for h in PATCHABLE)
    after = digests(lab)
    assert {h: changed_paths(fleet["served"][h], after[h]) for h in HOSTS} == {h: [] for h in HOSTS}


def test_revert_restores_patch_qpt_and_maintenance_state(fleet):
    lab = fleet["lab"]
    lab.run_as("web2", ["php", "bin/magento", "maintenance:enable"], check=True)  # was in maintenance before
    for host in PATCHABLE:
        reset_failures(lab, host)
    run = run_playbook("revert.yml", lab.inventory, fleet["work"] / "revert",
                       extra={"qpt_package_restore": True, "magento_maintenance_enabled": True})
    records = run.records
    assert {h: (records[h]["action"], records[h]["outcome"]) for h in HOSTS} == {
        "web1": ("revert", "changed"), "web2": ("revert", "changed"), "web3": ("revert", "changed"),
        "web4": ("skip-incompatible", "skipped"), "web5": ("revert", "changed"), "web6": ("conflict", "failed")}
    for host in PATCHABLE:
        assert not any(fingerprints_present(lab.root(host)).values()), host
    assert qpt_status(lab, "web2") == qpt_status(lab, "web3") == "Not applied"
    # The QPT version from before came back with composer.json/composer.lock as they were.
    assert composer_version(lab.root("web1")) == installed_version(lab.root("web1")) == "1.1.53"
    assert composer_version(lab.root("web5")) == "1.1.56"
    for host in ("web1", "web5"):
        for name in ("composer.json", "composer.lock"):
            assert tree_digest(lab.root(host))[name] == fleet["initial"][host][name], (host, name)
    assert qpt_status(lab, "web1") == "absent"  # 1.1.53 does not offer it
    # Maintenance ends as each host had it: on where it was on, off elsewhere - also on the failed host.
    assert (lab.root("web2") / "var/.maintenance.flag").exists()
    for host in ("web1", "web3", "web5", "web6"):
        assert not (lab.root(host) / "var/.maintenance.flag").exists(), host
    assert records["web6"]["maintenance"] == {"before": False, "enabled_by_run": True}
    assert records["web2"]["maintenance"] == {"before": True, "enabled_by_run": False}
    # Post-steps ran again: production hosts serve (DI recompiled) and the bug is back (config cache cleaned).
    assert lab.http("web2", "POST", "/rest/V1/integration/customer/token", {"username": "x", "password": "y"})[0] == 503
    lab.run_as("web2", ["php", "bin/magento", "maintenance:disable"], check=True)
    for host in PATCHABLE:
        assert api_login_resets_failures(lab, host) == (200, 1, 1), host
