"""Shared fixtures: simulated fleets (real sshd, MariaDB, PHP, composer) torn down by PID."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

import qpt_apply.paths  # noqa: F401  (puts the collection on sys.path: tests import its plugins as Ansible does)
# The lab imports collection code too; imported here, before any test reads an inventory in this process
# (which installs Ansible's collection finder, and that refuses new plain imports from the collection).
import qpt_apply.lab.fleet  # noqa: F401,E402

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The stand-in commands that change a host (lab-commands.log "cmd"): a read runs none of them.
CHANGING_COMMANDS = frozenset({"qpt apply", "qpt revert", "magento setup:di:compile", "magento cache:clean",
                               "magento cache:flush", "magento maintenance:enable"})


def pytest_collection_modifyitems(config, items):
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason="the lab needs root (it creates Unix users and sshd per host)")
        for item in items:
            if "lab" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="module")
def lab_factory(tmp_path_factory):
    """Build labs from a list of host dicts and optionally of shop dicts (lab spec keys `hosts:`, `shops:`);
    every lab is torn down after the module."""
    from qpt_apply.lab import fleet, spec

    labs = []

    def make(hosts: list[dict], shops: list[dict] | None = None) -> fleet.Lab:
        directory = tmp_path_factory.mktemp("lab")
        lab = fleet.up(directory, spec.parse_hosts(hosts, shops=shops))
        labs.append(lab)
        return lab

    yield make
    for lab in labs:
        fleet.down(lab.dir)


@pytest.fixture
def ansible_env(tmp_path) -> dict[str, str]:
    """Environment for running ansible-playbook from the venv against a lab."""
    env = dict(os.environ)
    env.update({
        "PATH": f"{BIN}:{env.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-local"),
        "ANSIBLE_NOCOLOR": "1",
    })
    return env


def tree_digest(root: Path, *, ignore: tuple[str, ...] = ("var/log/patch.log",)) -> dict[str, str]:
    """Path → sha256 (or symlink target / mode) of every file under root: 'byte-identical' made checkable."""
    digest = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames) + [d for d in dirnames if Path(dirpath, d).is_symlink()]:
            path = Path(dirpath, name)
            rel = str(path.relative_to(root))
            if rel in ignore:
                continue
            if path.is_symlink():
                digest[rel] = "-> " + os.readlink(path)
            else:
                digest[rel] = hashlib.sha256(path.read_bytes()).hexdigest() + f" {path.stat().st_mode:o}"
        digest.update({str(Path(dirpath, d).relative_to(root)) + "/": "dir" for d in dirnames})
    return digest
