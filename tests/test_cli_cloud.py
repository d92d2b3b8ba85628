"""`qpt-apply cloud` end to end: bare git repositories as the cloud remotes, checked directly."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from test_cloud_playbook import DATA, ID, artifacts, host, make_project, yaml_patches  # noqa: F401 (fixtures)


def cloud(tmp_path, inventory_hosts: dict, *args: str) -> subprocess.CompletedProcess:
    inventory = tmp_path / "cloud-inventory.yml"
    inventory.write_text(json.dumps({"all": {"children": {"magento_cloud": {"hosts": inventory_hosts}}}}))
    return subprocess.run(
        [sys.executable, "-m", "qpt_apply.cli", "cloud", "-i", str(inventory), "--state-dir", str(tmp_path / "state"),
         *args], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600,
        env={**os.environ, "COMPOSER_HOME": str(tmp_path / "composer-home"), "COMPOSER_ALLOW_SUPERUSER": "1"})


def test_dry_run_then_apply_then_revert_through_the_cli(make_project, tmp_path):
    original = (DATA / "rich.magento.env.yaml").read_bytes()
    shop = make_project("shop", env_yaml=original, qpt="1.1.53")
    legacy = make_project("legacy", magento="2.4.7")
    hosts = {"shop-production": host(shop), "legacy-production": host(legacy)}
    refs = (shop.refs(), legacy.refs())

    dry = cloud(tmp_path, hosts, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"+      - {ID}" in dry.stdout or f"- {ID}" in dry.stdout
    assert (shop.refs(), legacy.refs()) == refs, "a dry run moved a remote ref"

    refused = cloud(tmp_path, hosts)
    assert refused.returncode == 2 and "--yes" in refused.stderr

    applied = cloud(tmp_path, hosts, "--yes", "--json")
    assert applied.returncode == 0, applied.stderr
    doc = json.loads(applied.stdout)
    by_host = {h["host"]: h for h in doc["hosts"]}
    assert by_host["shop-production"]["action"] == "update-qpt-then-add"
    assert by_host["shop-production"]["cloud"]["commit"] == shop.head("production")
    assert yaml_patches(shop.show("production", ".magento.env.yaml")) == yaml_patches(original) + [ID]
    assert shop.locked("production", "magento/quality-patches") == "1.1.58"
    assert by_host["legacy-production"]["outcome"] == "skipped"
    assert by_host["legacy-production"]["reason"]["code"] == "not-offered"
    assert legacy.refs() == refs[1]

    reverted = cloud(tmp_path, {"shop-production": host(shop)}, "--revert", "--yes")
    assert reverted.returncode == 0, reverted.stderr
    assert shop.show("production", ".magento.env.yaml") == original
