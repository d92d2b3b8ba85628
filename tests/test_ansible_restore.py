"""revert.yml's package restore never undoes a composer change that came after qpt-apply's QPT update."""

from __future__ import annotations

import json

import pytest
from test_ansible_support import composer_version, qpt_status, run_playbook

pytestmark = pytest.mark.lab


def test_restore_refuses_when_composer_files_moved_on(lab_factory, tmp_path):
    lab = lab_factory([{"name": "web1", "qpt": "1.1.53", "mode": "developer"}])
    applied = run_playbook("apply.yml", lab.inventory, tmp_path / "apply")
    assert applied.records["web1"]["action"] == "update-qpt-then-apply", applied.output[-3000:]
    assert composer_version(lab.root("web1")) == "1.1.58"
    # Someone changes composer.json after the rollout (here: a new requirement's metadata).
    manifest = lab.root("web1") / "composer.json"
    data = json.loads(manifest.read_text())
    data.setdefault("extra", {})["ops-note"] = "upgraded by hand after the patch"
    lab.run_as("web1", ["php", "-r", f"file_put_contents('composer.json', {json.dumps(json.dumps(data, indent=4))});"],
               check=True)
    before = (manifest.read_bytes(), (lab.root("web1") / "composer.lock").read_bytes())

    reverted = run_playbook("revert.yml", lab.inventory, tmp_path / "revert", extra={"qpt_package_restore": True})
    record = reverted.records["web1"]
    assert record["outcome"] == "failed" and record["reason"]["code"] == "qpt-restore-refused", record
    assert (manifest.read_bytes(), (lab.root("web1") / "composer.lock").read_bytes()) == before
    assert composer_version(lab.root("web1")) == "1.1.58"
    assert qpt_status(lab, "web1") == "Not applied"  # the patch itself was reverted
