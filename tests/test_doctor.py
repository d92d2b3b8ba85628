"""qpt-apply doctor: connection settings, known_hosts, the host probe, and real broken hosts in the lab."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from qpt_apply import doctor
from qpt_apply.model import InputError

REPO = Path(__file__).resolve().parent.parent


def cli(*args: str) -> list[str]:
    """The installed console script; a venv without it (the other CI leg) runs the same entry point."""
    script = Path(sys.executable).parent / "qpt-apply"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "import sys; from qpt_apply.cli import main; sys.exit(main())", *args]


def write_inventory(path: Path, hosts: dict[str, dict]) -> Path:
    path.write_text(yaml.safe_dump({"all": {"children": {"magento": {"hosts": hosts}}}}, sort_keys=False))
    return path


# --------------------------------------------------------------------------- connection settings


def test_ssh_options_first_value_wins_and_identity_files_add_up():
    options = doctor.ssh_options(
        "-o StrictHostKeyChecking=no -oUserKnownHostsFile=/dev/null -i /k1",
        "-o 'StrictHostKeyChecking yes' -o IdentityFile=\"/k2\" -J jump@bastion:2222 -o ProxyCommand='nc %h %p'",
    )
    assert options["stricthostkeychecking"] == "no"
    assert options["userknownhostsfile"] == "/dev/null"
    assert options["identityfile"] == ["/k1", "/k2"]
    assert options["proxyjump"] == "jump@bastion:2222"
    assert options["proxycommand"] == "nc %h %p"


def test_target_defaults_follow_ansible(tmp_path):
    target = doctor.target_from_hostvars("shop1.example", {"magento_root": "/srv/magento"},
                                         environ={})
    assert (target.address, target.port) == ("shop1.example", 22)
    assert target.user == doctor.getpass.getuser()
    assert target.magento_php == "php" and target.python is None
    assert target.strict_host_keys == "yes"
    assert target.known_hosts_files[0] == os.path.expanduser("~/.ssh/known_hosts")
    assert "/etc/ssh/ssh_known_hosts" in target.known_hosts_files
    assert target.known_hosts_name == "shop1.example"
    assert target.problems == [] and target.connectable


def test_target_from_lab_style_hostvars(tmp_path):
    key = tmp_path / "id_ed25519"
    key.write_text("not really a key")
    target = doctor.target_from_hostvars("web1", {
        "ansible_host": "127.31.7.11", "ansible_port": 40001, "ansible_user": "ql7f3a-web1",
        "ansible_ssh_private_key_file": str(key),
        "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
        "ansible_python_interpreter": "/usr/bin/python3", "magento_root": "/home/ql7f3a-web1/magento",
        "magento_php": "/usr/bin/php", "magento_user": "ql7f3a-web1",
    }, environ={})
    assert (target.address, target.port, target.user) == ("127.31.7.11", 40001, "ql7f3a-web1")
    assert target.key_files == [str(key)]
    assert target.strict_host_keys == "no" and "StrictHostKeyChecking=no" in target.strict_reason
    assert target.known_hosts_files[0] == "/dev/null"
    assert target.known_hosts_name == "[127.31.7.11]:40001"
    assert target.python == "/usr/bin/python3" and target.magento_php == "/usr/bin/php"
    # An explicit --known-hosts is what the operator asked for: it replaces the host's own files.
    explicit = doctor.target_from_hostvars("web1", {"ansible_ssh_common_args": "-o UserKnownHostsFile=/dev/null",
                                                    "magento_root": "/m"}, known_hosts=tmp_path / "kh", environ={})
    assert explicit.known_hosts_files == [str(tmp_path / "kh")]


def test_host_key_checking_sources():
    base = {"magento_root": "/m"}
    off = doctor.target_from_hostvars("h", {**base, "ansible_host_key_checking": "False"}, environ={})
    assert off.strict_host_keys == "no" and off.strict_reason == "ansible_host_key_checking=false"
    env = doctor.target_from_hostvars("h", base, environ={"ANSIBLE_HOST_KEY_CHECKING": "False"})
    assert env.strict_host_keys == "no" and "ANSIBLE_HOST_KEY_CHECKING" in env.strict_reason
    # The host's own setting beats the environment, as in Ansible.
    on = doctor.target_from_hostvars("h", {**base, "ansible_host_key_checking": True},
                                     environ={"ANSIBLE_HOST_KEY_CHECKING": "False"})
    assert on.strict_host_keys == "yes"
    # ssh_args come before Ansible's own `-o StrictHostKeyChecking=no`; ssh keeps the first value.
    first = doctor.target_from_hostvars("h", {**base, "ansible_ssh_args": "-o StrictHostKeyChecking=yes",
                                              "ansible_host_key_checking": False}, environ={})
    assert first.strict_host_keys == "yes"
    new = doctor.target_from_hostvars("h", {**base, "ansible_ssh_extra_args": "-o StrictHostKeyChecking=accept-new"},
                                      environ={})
    assert new.strict_host_keys == "accept-new"


def test_templated_values_are_resolved_and_unresolvable_ones_stop_the_connection():
    target = doctor.target_from_hostvars("web7", {
        "ansible_host": "{{ inventory_hostname }}.shops.example", "base": "/srv",
        "magento_root": "{{ base }}/magento"}, environ={})
    assert target.address == "web7.shops.example" and target.magento_root == "/srv/magento"
    broken = doctor.target_from_hostvars("web7", {"ansible_host": "{{ undefined_thing }}", "magento_root": "/m"},
                                         environ={})
    assert not broken.connectable
    assert any("ansible_host" in p and "undefined_thing" in p for p in broken.problems)


def test_configuration_problems(tmp_path):
    target = doctor.target_from_hostvars("h", {"ansible_ssh_private_key_file": str(tmp_path / "missing"),
                                               "ansible_port": "ssh"}, environ={})
    assert any("private key file" in p and "missing" in p for p in target.problems)
    assert any("magento_root is not set" in p for p in target.problems)
    assert any("ansible_port" in p for p in target.problems) and not target.connectable
    local = doctor.target_from_hostvars("h", {"ansible_connection": "local", "magento_root": "/m"}, environ={})
    assert not local.connectable and "SSH only" in local.problems[0]


def test_proxy_settings_become_a_proxy_command():
    jump = doctor.target_from_hostvars("h", {"ansible_host": "127.0.9.5", "ansible_port": 2200, "magento_root": "/m",
                                             "ansible_ssh_common_args": "-J ops@bastion:2222"}, environ={})
    assert jump.proxy_command.split()[-1] == "ssh://ops@bastion:2222"
    assert "[127.0.9.5]:2200" in jump.proxy_command
    command = doctor.target_from_hostvars("h", {"ansible_host": "127.0.9.5", "ansible_user": "deploy",
                                                "magento_root": "/m",
                                                "ansible_ssh_common_args": "-o ProxyCommand='nc -q0 %h %p # %r %%'"},
                                          environ={})
    assert command.proxy_command == "nc -q0 127.0.9.5 22 # deploy %"


# --------------------------------------------------------------------------- known_hosts


@pytest.fixture(scope="module")
def keys():
    import paramiko

    return {"a": paramiko.ECDSAKey.generate(), "b": paramiko.ECDSAKey.generate(), "rsa": paramiko.RSAKey.generate(1024)}


def line(names: str, key) -> str:
    return f"{names} {key.get_name()} {key.get_base64()}\n"


def test_known_hosts_states(tmp_path, keys):
    import paramiko

    hashed = paramiko.HostKeys.hash_host("[127.0.9.9]:2222")
    path = tmp_path / "known_hosts"
    path.write_text(
        "# comment\n\ngarbage\n@cert-authority *.example ssh-ed25519 AAAA\nbad-host ssh-ed25519 !!notbase64\n"
        + line("[127.0.9.5]:2222,shop.example", keys["a"])
        + line(hashed, keys["a"])
        + line("*.wild.example,!evil.wild.example", keys["a"])
        + line("127.0.9.7", keys["rsa"])
        + "@revoked " + line("*", keys["b"]).rstrip() + "\n"
    )
    known = doctor.KnownHosts.load([str(path), str(tmp_path / "does-not-exist")])
    assert known.status("[127.0.9.5]:2222", keys["a"]) == ("known", "")
    assert known.status("SHOP.example", keys["a"])[0] == "known"
    assert known.status("[127.0.9.9]:2222", keys["a"])[0] == "known"            # hashed entry
    assert known.status("db.wild.example", keys["a"])[0] == "known"            # wildcard
    assert known.status("evil.wild.example", keys["a"])[0] == "unknown"        # negated
    assert known.status("127.0.9.5", keys["a"])[0] == "unknown"                 # port 22 is another entry
    status, detail = known.status("[127.0.9.5]:2222", keys["rsa"])
    assert status == "unknown" and "ecdsa" in detail                           # only another key type is known
    known_b = doctor.KnownHosts.load([str(path)])
    known_b.revoked = []
    status, detail = known_b.status("[127.0.9.5]:2222", keys["b"])
    assert status == "changed" and doctor.fingerprint(keys["a"]) in detail
    assert known.status("anything", keys["b"])[0] == "changed"                 # @revoked key
    assert known.key_types_for("127.0.9.7") == ["ssh-rsa"]
    assert doctor._key_types_first(["ssh-rsa"], ("ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256"))[0] == "rsa-sha2-512"


def test_fingerprint_matches_ssh_keygen(tmp_path):
    import paramiko

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "k")], check=True)
    public = (tmp_path / "k.pub").read_text().split()
    key = paramiko.PKey.from_type_string(public[0], base64.b64decode(public[1]))
    expected = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", str(tmp_path / "k.pub")],
                              capture_output=True, text=True, check=True).stdout.split()[1]
    assert doctor.fingerprint(key) == expected


# --------------------------------------------------------------------------- the probe


def run_probe_locally(target: doctor.Target) -> dict[str, str]:
    """The probe script as the host's shell would run it (locally: same script, same parser)."""
    done = subprocess.run(["/bin/sh", "-s"], input=doctor.probe_script(target), capture_output=True, text=True,
                          timeout=60)
    return doctor.parse_probe("motd noise\n" + done.stdout + done.stderr)


def test_probe_on_a_magento_like_tree_with_awkward_path(tmp_path):
    root = tmp_path / "shop's root $(touch pwned)"
    for part in ("vendor", "app/etc", "var"):
        (root / part).mkdir(parents=True)
    (root / "app/etc/env.php").write_text("<?php return [];")
    target = doctor.Target(host="h", address="x", port=22, user="u", magento_root=str(root),
                           magento_php="/nonexistent/php")
    facts = run_probe_locally(target)
    assert facts["root"] == "dir" and facts["vendor"] == "yes" and facts["env_php"] == "yes"
    assert facts["var"] == "writable" and facts["done"] == "yes"
    assert list((root / "var").iterdir()) == []           # the temp file is gone
    assert not (Path.cwd() / "pwned").exists() and not (tmp_path / "pwned").exists()
    checks, problems, _ = doctor.interpret(target, facts)
    assert checks["magento_root"].ok and checks["var_writable"].ok
    assert checks["php"].ok is False and any("magento_php" in p for p in problems)


def test_probe_reports_missing_root_and_read_only_var(tmp_path):
    target = doctor.Target(host="h", address="x", port=22, user="u", magento_root=str(tmp_path / "gone"))
    facts = run_probe_locally(target)
    assert facts["root"] == "missing"
    checks, problems, _ = doctor.interpret(target, facts)
    assert checks["magento_root"].ok is False
    assert any(str(tmp_path / "gone") in p and "does not exist" in p for p in problems)


FULL = {"user": "shop", "root": "dir", "vendor": "yes", "env_php": "yes", "var": "writable",
        "php_path": "/usr/bin/php", "php_rc": "0", "php_out": "8.2.7",
        "composer_path": "/usr/bin/composer", "composer_rc": "0", "composer_out": "Composer version 2.5.5",
        "git_path": "/usr/bin/git", "git_rc": "0", "git_out": "git version 2.39.2",
        "patch_path": "/usr/bin/patch", "patch_rc": "0", "patch_out": "GNU patch 2.7.6",
        "python_path": "/usr/bin/python3", "python_rc": "0", "python_out": "3.11.2", "done": "yes"}


def shop_target(**more) -> doctor.Target:
    return doctor.Target(host="h", address="x", port=22, user="shop", magento_root="/srv/m", **more)


def test_interpret_healthy_host():
    checks, problems, notes = doctor.interpret(shop_target(), dict(FULL))
    assert problems == [] and notes == []
    assert all(check.ok for check in checks.values())


@pytest.mark.parametrize("facts, check, words", [
    ({"git_path": "", "patch_path": ""}, "git_or_patch", "QPT needs git or patch"),
    ({"git_path": "", "patch_out": "patch 2.0-12u11-Heirloom"}, "git_or_patch", "not GNU patch"),
    ({"composer_path": ""}, "composer", "composer not found"),
    ({"php_rc": "255", "php_out": "PHP Fatal error: boom"}, "php", "boom"),
    ({"python_path": ""}, "python3", "python3 not found"),
    ({"var": "readonly"}, "var_writable", "not writable by shop"),
    ({"vendor": "no"}, "magento_root", "no vendor/"),
    ({"root": "notdir"}, "magento_root", "not a directory"),
])
def test_interpret_names_each_problem(facts, check, words):
    checks, problems, _ = doctor.interpret(shop_target(), {**FULL, **facts})
    assert checks[check].ok is False
    assert len(problems) == 1 and words in problems[0]


def test_interpret_either_git_or_gnu_patch_suffices_and_other_user_is_a_note():
    only_patch = {**FULL, "git_path": ""}
    only_git = {**FULL, "patch_path": ""}
    for facts in (only_patch, only_git):
        checks, problems, _ = doctor.interpret(shop_target(), facts)
        assert checks["git_or_patch"].ok and problems == []
    _, problems, notes = doctor.interpret(shop_target(magento_user="www-data"), dict(FULL))
    assert problems == [] and "www-data" in notes[0]


# --------------------------------------------------------------------------- main, without a lab


def test_bad_input(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        doctor.main(tmp_path / "nope.yml", None, json_mode=True, known_hosts=None, timeout=5)
    inventory = write_inventory(tmp_path / "inv.yml", {"web1": {"magento_root": "/m"}})
    with pytest.raises(InputError, match="no host"):
        doctor.main(inventory, "web9", json_mode=True, known_hosts=None, timeout=5)
    with pytest.raises(InputError, match="known-hosts"):
        doctor.main(inventory, None, json_mode=True, known_hosts=tmp_path / "kh", timeout=5)
    with pytest.raises(InputError, match="timeout"):
        doctor.main(inventory, None, json_mode=True, known_hosts=None, timeout=0)


def test_dead_and_silent_hosts_do_not_stall_the_run(tmp_path, capsys):
    silent = socket.socket()                       # accepts, never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    try:
        inventory = write_inventory(tmp_path / "inv.yml", {
            "dead": {"ansible_host": "127.0.0.1", "ansible_port": closed_port, "magento_root": "/m"},
            "mute": {"ansible_host": "127.0.0.1", "ansible_port": silent.getsockname()[1], "magento_root": "/m"},
        })
        code = doctor.main(inventory, None, json_mode=True, known_hosts=None, timeout=2)
    finally:
        silent.close()
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["exit_code"] == 1
    dead, mute = doc["hosts"]
    assert dead["reachable"] is False and "connection refused" in dead["problems"][0]
    assert mute["reachable"] is True and "no SSH answer" in mute["problems"][0]
    assert mute["auth"] == dead["auth"] == "not-tried"
    assert doc["summary"]["with_problems"] == 2 and doc["summary"]["unreachable"] == 1


# --------------------------------------------------------------------------- the lab


@pytest.fixture(scope="module")
def lab(lab_factory):
    """web1 healthy · web2 without git and patch · web3 with its Magento root moved away · web4 sshd down."""
    lab = lab_factory([{"name": "web1"}, {"name": "web2", "tools": []}, {"name": "web3"}, {"name": "web4"}])
    root3 = lab.root("web3")
    lab.run_as("web3", ["mv", str(root3), f"{root3}.moved"], check=True)
    lab.stop_sshd("web4")
    return lab


@pytest.fixture
def no_agent(monkeypatch):
    # Only the inventory's key may get anyone in; an operator's agent must not rescue a wrong key.
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)


def lab_copy(lab, tmp_path, changes: dict[str, dict], drop: tuple[str, ...] = ()) -> Path:
    inventory = yaml.safe_load(lab.inventory.read_text())
    hosts = inventory["all"]["children"]["magento"]["hosts"]
    for name, values in hosts.items():
        for var in drop:
            values.pop(var, None)
        values.update(changes.get(name, {}))
    return write_inventory(tmp_path / "inventory.yml", hosts)


def host_public_key(lab, name: str) -> str:
    return " ".join(Path(lab.host(name)["host_key"] + ".pub").read_text().split()[:2])


def by_host(doc: dict) -> dict[str, dict]:
    return {h["host"]: h for h in doc["hosts"]}


def var_entries(lab, name: str) -> list[str]:
    return sorted(os.listdir(lab.root(name) / "var"))


@pytest.mark.lab
def test_doctor_names_each_broken_host(lab, capsys, no_agent):
    before = var_entries(lab, "web1")
    code = doctor.main(lab.inventory, None, json_mode=True, known_hosts=None, timeout=10)
    doc = json.loads(capsys.readouterr().out)
    hosts = by_host(doc)
    assert code == 1 and doc["exit_code"] == 1
    assert doc["summary"]["hosts"] == 4 and doc["summary"]["with_problems"] == 3

    web1 = hosts["web1"]
    assert web1["problems"] == [] and web1["auth"] == "ok" and web1["reachable"] is True
    assert all(check["ok"] for check in web1["checks"].values())
    assert web1["host_key"] == "unknown" and "StrictHostKeyChecking=no" in web1["notes"][0]
    assert var_entries(lab, "web1") == before           # the writability probe left nothing behind

    web2 = hosts["web2"]
    assert web2["auth"] == "ok" and web2["checks"]["git_or_patch"]["ok"] is False
    assert len(web2["problems"]) == 1 and "QPT needs git or patch" in web2["problems"][0]
    assert web2["checks"]["php"]["ok"] and web2["checks"]["composer"]["ok"] and web2["checks"]["python3"]["ok"]
    # Independently: over SSH the host really has neither (its PATH hides them).
    assert lab.run_as("web2", ["sh", "-c", "command -v git || command -v patch"]).returncode != 0

    web3 = hosts["web3"]
    assert web3["auth"] == "ok" and web3["checks"]["magento_root"]["ok"] is False
    assert any(str(lab.root("web3")) in p and "does not exist" in p for p in web3["problems"])
    assert not lab.root("web3").exists()

    web4 = hosts["web4"]
    assert web4["reachable"] is False and web4["auth"] == "not-tried"
    assert "connection refused" in web4["problems"][0]
    with pytest.raises(OSError):
        socket.create_connection((lab.host("web4")["address"], lab.host("web4")["ssh_port"]), timeout=2).close()

    # Healthy alone: exit 0, and the human output says so.
    assert doctor.main(lab.inventory, "web1", json_mode=False, known_hosts=None, timeout=10) == 0
    assert "All 1 host(s) are ready." in capsys.readouterr().out


@pytest.mark.lab
def test_wrong_key_is_a_login_failure(lab, tmp_path, capsys, no_agent):
    wrong = tmp_path / "id_wrong"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(wrong)], check=True)
    inventory = lab_copy(lab, tmp_path, {"web2": {"ansible_ssh_private_key_file": str(wrong)}})
    code = doctor.main(inventory, "web1:web2", json_mode=True, known_hosts=None, timeout=10)
    hosts = by_host(json.loads(capsys.readouterr().out))
    assert code == 1 and set(hosts) == {"web1", "web2"}
    assert hosts["web1"]["problems"] == []
    web2 = hosts["web2"]
    assert web2["reachable"] is True and web2["auth"] == "failed"
    assert len(web2["problems"]) == 1 and "login" in web2["problems"][0] and lab.host("web2")["user"] in web2["problems"][0]
    assert all(check["ok"] is None for check in web2["checks"].values())


@pytest.mark.lab
def test_changed_host_key_is_refused_before_login(lab, tmp_path, capsys, no_agent):
    import paramiko

    impostor = tmp_path / "impostor"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(impostor)], check=True)
    web1, web2 = lab.host("web1"), lab.host("web2")
    known_hosts = tmp_path / "known_hosts"
    hashed_web1 = paramiko.HostKeys.hash_host("[%s]:%d" % (web1["address"], web1["ssh_port"]))
    impostor_key = " ".join(impostor.with_suffix(".pub").read_text().split()[:2])
    # web1 hashed, as `HashKnownHosts yes` writes it; web2 under a key that is not its own.
    known_hosts.write_text(f"{hashed_web1} {host_public_key(lab, 'web1')}\n"
                           f"[{web2['address']}]:{web2['ssh_port']} {impostor_key}\n")
    inventory = lab_copy(lab, tmp_path, {}, drop=("ansible_ssh_common_args",))
    code = doctor.main(inventory, "web1:web2", json_mode=True, known_hosts=known_hosts, timeout=10)
    hosts = by_host(json.loads(capsys.readouterr().out))
    assert code == 1
    assert hosts["web1"]["host_key"] == "known" and hosts["web1"]["problems"] == [] and hosts["web1"]["notes"] == []
    changed = hosts["web2"]
    assert changed["host_key"] == "changed" and changed["auth"] == "not-tried"
    assert len(changed["problems"]) == 1
    assert f"host key CHANGED for [{web2['address']}]:{web2['ssh_port']}" in changed["problems"][0]
    assert "man-in-the-middle" in changed["problems"][0]
    assert all(check["ok"] is None for check in changed["checks"].values())
    assert known_hosts.read_text().count("\n") == 2          # nothing was added to known_hosts


@pytest.mark.lab
def test_unknown_host_key_is_a_problem_unless_checking_is_off(lab, tmp_path, capsys, no_agent):
    web1 = lab.host("web1")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[{web1['address']}]:{web1['ssh_port']} {host_public_key(lab, 'web1')}\n")
    inventory = lab_copy(lab, tmp_path, {"web2": {"ansible_host_key_checking": False}},
                         drop=("ansible_ssh_common_args",))
    code = doctor.main(inventory, "web1:web2:web3", json_mode=True, known_hosts=known_hosts, timeout=10)
    hosts = by_host(json.loads(capsys.readouterr().out))
    assert code == 1
    assert hosts["web1"]["host_key"] == "known" and hosts["web1"]["problems"] == []
    web2 = hosts["web2"]                                     # checking off: a note, and it logs in
    assert web2["host_key"] == "unknown" and web2["auth"] == "ok"
    assert any("ansible_host_key_checking" in note for note in web2["notes"])
    assert not any("host key" in p for p in web2["problems"])
    web3 = hosts["web3"]                                     # checking on: refused, not logged in
    assert web3["host_key"] == "unknown" and web3["auth"] == "not-tried"
    assert "host key unknown" in web3["problems"][0] and "ssh-keyscan" in web3["problems"][0]
    assert known_hosts.read_text().count("\n") == 1


@pytest.mark.lab
def test_console_script(lab, no_agent):
    env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    from qpt_apply.cli import build_parser

    if "--known-hosts" not in _subcommand_help(build_parser(), "doctor"):
        pytest.skip("the doctor command is not wired into the CLI")
    as_json = subprocess.run(cli("doctor", "-i", str(lab.inventory), "--json"),
                             capture_output=True, text=True, env=env, timeout=120)
    assert as_json.returncode == 1, as_json.stderr
    doc = json.loads(as_json.stdout)                         # exactly one JSON document on stdout
    assert {h["host"] for h in doc["hosts"] if h["problems"]} == {"web2", "web3", "web4"}

    human = subprocess.run(cli("doctor", "-i", str(lab.inventory), "--limit", "web1:web4"),
                           capture_output=True, text=True, env={**env, "COLUMNS": "200"}, timeout=120)
    assert human.returncode == 1
    lines = human.stdout.splitlines()
    assert any(line.startswith("web4: cannot reach") for line in lines)
    assert not any(line.startswith("web1:") for line in lines)
    assert "1 of 2 host(s) have problems" in human.stdout


def _subcommand_help(parser, name: str) -> str:
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and name in action.choices:
            return action.choices[name].format_help()
    return ""


@pytest.mark.lab
def test_proxy_command_from_ssh_args_is_followed(lab, tmp_path, capsys, no_agent):
    socat = shutil.which("socat")
    if not socat:
        pytest.skip("socat is not installed")
    common = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
    inventory = lab_copy(lab, tmp_path, {
        "web1": {"ansible_ssh_common_args": f"{common} -o 'ProxyCommand={socat} - TCP:%h:%p'"},
        # The proxy reaches web4's address for us, but nothing listens there any more.
        "web4": {"ansible_ssh_common_args": f"{common} -o 'ProxyCommand={socat} - TCP:%h:%p'"},
    })
    code = doctor.main(inventory, "web1:web4", json_mode=True, known_hosts=None, timeout=5)
    hosts = by_host(json.loads(capsys.readouterr().out))
    assert code == 1
    assert hosts["web1"]["problems"] == [] and hosts["web1"]["auth"] == "ok"
    assert any("ProxyCommand" in note for note in hosts["web1"]["notes"])
    assert hosts["web4"]["reachable"] is False and "ProxyCommand" in hosts["web4"]["problems"][0]
