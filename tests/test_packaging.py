"""The wheel carries everything the tool needs at run time, so an installed qpt-apply works from any cwd."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_wheel_runs_from_anywhere(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                            str(REPO)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("qpt_apply-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tracked = subprocess.run(["git", "ls-files", "playbooks", "roles", "plugins", "meta", "galaxy.yml", "ansible.cfg"],
                             cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert {f"qpt_apply/_content/ansible_collections/qpt_apply/magento/{path}" for path in tracked} <= set(names)
    assert "qpt_apply/lab/assets/standin/patches/ACSD-61103_2.4.6-p3.patch" in names
    assert "qpt_apply/templates/report.html.j2" in names and "qpt_apply/lab/demo.yml" in names

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = subprocess.run(
        [sys.executable, "-c", "import qpt_apply.paths as p, qpt_apply.catalog as c; "
                               "print(p.content_root()); print(sorted(c.entries()))"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    root = Path(probe.stdout.splitlines()[0])
    assert root == target / "qpt_apply" / "_content" / "ansible_collections" / "qpt_apply" / "magento"
    assert "ACSD-61103" in probe.stdout
    syntax = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "--syntax-check", "-i", "localhost,",
         str(root / "playbooks" / "apply.yml")],
        cwd=elsewhere, env={**env, "ANSIBLE_CONFIG": str(root / "ansible.cfg")}, capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stdout + syntax.stderr
