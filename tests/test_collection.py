"""The Ansible content as a collection: Ansible's own tools read it, and the built tarball works on its own.

ansible-test sanity and units run on the installed tarball in .ci/collection-test (called by make test).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from test_ansible_support import PATCH, fingerprints_present, qpt_status, run_playbook

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FQCN = "qpt_apply.magento"
MODULES = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("*.py"))
ROLES = sorted(p.name for p in (REPO / "roles").iterdir() if (p / "meta" / "argument_specs.yml").is_file())


def _ansible_doc(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run([str(BIN / "ansible-doc"), *args], env=env, capture_output=True, text=True, timeout=120)


def test_ansible_doc_renders_every_module():
    listed = json.loads(_ansible_doc("-l", FQCN, "--json").stdout)
    assert sorted(name.split(".")[-1] for name in listed) == MODULES
    docs = json.loads(_ansible_doc("--json", *[f"{FQCN}.{m}" for m in MODULES]).stdout)
    for module in MODULES:
        doc = docs[f"{FQCN}.{module}"]
        assert doc["doc"]["short_description"] and doc["doc"]["options"] is not None, module
        assert doc["examples"] and doc["return"] is not None, module


def test_ansible_doc_renders_every_role():
    done = _ansible_doc("-t", "role", "--json", *[f"{FQCN}.{role}" for role in ROLES])
    assert done.returncode == 0, done.stderr
    docs = json.loads(done.stdout)
    for role in ROLES:
        entry_points = docs[f"{FQCN}.{role}"]["entry_points"]
        assert entry_points, role
        for name, entry in entry_points.items():
            assert entry["short_description"] and entry.get("options") is not None, (role, name)


def test_shared_options_are_documented_once():
    docs = json.loads(_ansible_doc("--json", f"{FQCN}.qpt_patch", f"{FQCN}.magento_facts").stdout)
    for name in ("qpt_patch", "magento_facts"):
        assert docs[f"{FQCN}.{name}"]["doc"]["options"]["root"]["type"] == "path"
    text = "\n".join((REPO / "plugins" / "modules" / f"{m}.py").read_text() for m in MODULES)
    assert "Absolute path of the Magento installation" not in text  # it lives in plugins/doc_fragments


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The collection built by ansible-galaxy and installed from its tarball: a collections path."""
    work = tmp_path_factory.mktemp("collection")
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(work / "dist"),
                    str(REPO)], check=True, capture_output=True, timeout=300)
    tarball = next((work / "dist").glob("qpt_apply-magento-*.tar.gz"))
    names = tarfile.open(tarball).getnames()
    assert "playbooks/apply.yml" in names and "plugins/module_utils/qpt_versions.py" in names
    assert not [n for n in names if n.startswith(("qpt_apply/", "bench/", ".ci/", ".collections"))]
    # --force: the checkout's own link counts as "already installed" for ansible-galaxy otherwise.
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--force", "-p", str(work / "collections"),
                    str(tarball)], check=True, capture_output=True, timeout=300)
    assert (work / "collections" / "ansible_collections" / "qpt_apply" / "magento" / "playbooks" / "apply.yml").is_file()
    return work / "collections"


@pytest.mark.lab
def test_installed_tarball_patches_a_lab_host(installed, lab_factory, tmp_path):
    lab = lab_factory([{"name": "web1", "magento": "2.4.6-p3", "qpt": "1.1.55", "mode": "production"}])
    # No checkout in sight: an empty ansible.cfg and the installed collection only, as on an AWX node.
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")
    run = run_playbook(f"{FQCN}.apply", lab.inventory, tmp_path / "work", extra={"qpt_patches": [PATCH]},
                       env_extra={"ANSIBLE_CONFIG": str(tmp_path / "ansible.cfg"),
                                  "ANSIBLE_COLLECTIONS_PATH": str(installed)})
    assert run.rc == 0, run.output[-3000:]
    assert run.records["web1"]["outcome"] == "changed"
    assert qpt_status(lab, "web1") == "Applied"
    assert all(fingerprints_present(lab.root("web1")).values())
    assert str(REPO) not in run.output  # nothing came from the checkout


@pytest.mark.lab
def test_action_group_gives_the_magento_modules_their_root_and_php(installed, lab_factory, tmp_path):
    """module_defaults on group/qpt_apply.magento.magento (meta/runtime.yml) reach the modules and the
    read's action plugin: neither task below names root or php."""
    lab = lab_factory([{"name": "web1", "magento": "2.4.6-p3", "qpt": "1.1.55", "mode": "developer"}])
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")
    (tmp_path / "group.yml").write_text(f"""---
- hosts: magento
  gather_facts: false
  module_defaults:
    group/{FQCN}.magento:
      root: "{{{{ magento_root }}}}"
      php: "{{{{ magento_php }}}}"
  tasks:
    - name: Read the host
      {FQCN}.magento_facts:
        patches: [{PATCH}]
        qpt_status: true
      register: read
    - name: The read found Magento and the patch
      ansible.builtin.assert:
        that:
          - read.magento.version == '2.4.6-p3'
          - read.status.patches['{PATCH}'] == 'Not applied'
    - name: Apply the patch
      {FQCN}.qpt_patch:
        patches: [{PATCH}]
        state: applied
""")
    run = run_playbook(str(tmp_path / "group.yml"), lab.inventory, tmp_path / "work",
                       env_extra={"ANSIBLE_CONFIG": str(tmp_path / "ansible.cfg"),
                                  "ANSIBLE_COLLECTIONS_PATH": str(installed)})
    assert run.rc == 0, run.output[-3000:]
    assert qpt_status(lab, "web1") == "Applied"
    assert all(fingerprints_present(lab.root("web1")).values())
