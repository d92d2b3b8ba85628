"""The lab's own contract: up/down through the CLI, its outputs, and bad input refused cleanly."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from qpt_apply.lab import procs

QPT_APPLY = [sys.executable, "-m", "qpt_apply.cli"]


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*QPT_APPLY, *args], capture_output=True, text=True, env=env, timeout=600)


def listening_on(addresses: set[str]) -> list[str]:
    found = []
    for table in ("/proc/net/tcp",):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            addr_hex, port_hex = fields[1].split(":")
            addr = ".".join(str(b) for b in bytes.fromhex(addr_hex)[::-1])
            if fields[3] == "0A" and addr in addresses:  # 0A = LISTEN
                found.append(f"{addr}:{int(port_hex, 16)}")
    return found


@pytest.mark.lab
def test_up_six_hosts_then_down_leaves_nothing(tmp_path):
    lab_dir = tmp_path / "lab"
    up = cli("lab", "up", "--dir", str(lab_dir), "--hosts", "6")
    assert up.returncode == 0, up.stderr
    state = json.loads((lab_dir / "lab.state.json").read_text())
    info = json.loads((lab_dir / "lab.json").read_text())
    inventory = yaml.safe_load((lab_dir / "inventory.yml").read_text())
    hosts = inventory["all"]["children"]["magento"]["hosts"]
    try:
        assert list(hosts) == [f"web{i}" for i in range(1, 7)]
        for name, host in hosts.items():
            assert host["ansible_host"].startswith("127.")
            for key in ("ansible_port", "ansible_user", "ansible_ssh_private_key_file", "magento_root",
                        "magento_php", "magento_base_url"):
                assert host[key], key
            assert Path(host["magento_root"], "vendor/bin/magento-patches").exists()
            assert info["hosts"][name]["customer"]["password"]
            assert info["hosts"][name]["db"]["name"]
        addresses = set(state["addresses"])
        assert len(listening_on(addresses)) == 12  # one sshd and one web front per host
        # Plain Ansible reaches every host with the inventory as written.
        ping = subprocess.run([str(Path(sys.executable).parent / "ansible"), "-i", str(lab_dir / "inventory.yml"),
                               "magento", "-m", "ansible.builtin.ping", "-o"], capture_output=True, text=True,
                              cwd=tmp_path, env={k: v for k, v in os.environ.items() if k != "ANSIBLE_CONFIG"},
                              timeout=300)
        assert ping.returncode == 0, ping.stdout + ping.stderr
        assert ping.stdout.count("SUCCESS") == 6
        again = cli("lab", "up", "--dir", str(lab_dir), "--hosts", "1")
        assert again.returncode == 2 and "already up" in again.stderr
    finally:
        down = cli("lab", "down", "--dir", str(lab_dir))
    assert down.returncode == 0, down.stderr
    assert not any(procs.alive(p["pid"]) for p in state["pids"])
    assert listening_on(addresses) == []
    assert not procs.pids_connected_to(addresses)
    users = {p.pw_name for p in pwd.getpwall()}
    assert not set(state["users"]) & users
    assert not any(Path("/home", u).exists() for u in state["users"])
    assert not Path(state["shared"]).exists()


@pytest.mark.lab
@pytest.mark.parametrize("spec,message", [
    ({"hosts": [{"name": "web1", "magneto": "2.4.6"}]}, "unknown key 'magneto'"),
    ({"hosts": [{"magento": "2.4.9"}]}, "magento '2.4.9' is not one of"),
    ({"hosts": [{"mode": "prod"}]}, "mode 'prod' is not one of"),
    ({"hosts": [{"tools": ["svn"]}]}, "tools must be a list"),
    ({"hosts": [{"name": "a"}, {"name": "a"}]}, "appears twice"),
    ({"hosts": []}, "lists no hosts"),
    ({"servers": []}, "one key 'hosts'"),
])
def test_bad_spec_is_refused_before_anything_starts(tmp_path, spec, message):
    spec_file = tmp_path / "spec.yml"
    spec_file.write_text(yaml.safe_dump(spec))
    done = cli("lab", "up", "--dir", str(tmp_path / "lab"), "--spec", str(spec_file))
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "lab" / "lab.state.json").exists()


@pytest.mark.lab
def test_unwritable_dir_and_missing_package_are_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = cli("lab", "up", "--dir", str(blocker / "lab"), "--hosts", "1")
    assert done.returncode == 2 and "not writable" in done.stderr
    # A machine without composer (nor anything else on this PATH): the missing package is named.
    bare = tmp_path / "bin"
    bare.mkdir()
    done = cli("lab", "up", "--dir", str(tmp_path / "lab"), "--hosts", "1",
               env={**os.environ, "PATH": str(bare)})
    assert done.returncode == 2 and "missing system package" in done.stderr and "composer" in done.stderr
    assert not (tmp_path / "lab" / "lab.state.json").exists()
    assert not (tmp_path / "lab").exists() or not any((tmp_path / "lab").iterdir())


@pytest.mark.lab
def test_down_without_lab_is_a_clear_error(tmp_path):
    done = cli("lab", "down", "--dir", str(tmp_path))
    assert done.returncode == 2 and "no lab is up" in done.stderr
