"""ansible-playbook's inventory sources and options through qpt-apply: the same hosts, the same variables,
the same connection rules, on real lab hosts, checked on the hosts and against Ansible's own tools."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pexpect
import pytest
import yaml

from qpt_apply import rollout
from qpt_apply.ansible_options import AnsibleOptions, inventory_sources
from qpt_apply.inventory import Inventory, target_pattern
from qpt_apply.journal import Lock
from qpt_apply.paths import content_root
from test_cli_rollout import host_status, qpt_apply

BIN = Path(sys.executable).parent
VAULT_PASSWORD = "vault-pw-7Qe2-nowhere-else"
COMMON_SSH_ARGS = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"


def lab_hosts(lab) -> dict[str, dict]:
    return yaml.safe_load(lab.inventory.read_text())["all"]["children"]["magento"]["hosts"]


def write_yaml(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def split_inventory(lab, directory: Path, regions: dict[str, str]) -> Path:
    """The lab's one-file inventory laid out as Ansible's docs recommend: hosts.yml with what differs per host,
    group_vars/ with what the hosts share, and a second source adding groups."""
    hosts = lab_hosts(lab)
    shared = {k: v for k, v in next(iter(hosts.values())).items() if all(h.get(k) == v for h in hosts.values())}
    per_host = {name: {**{k: v for k, v in values.items() if k not in shared}, "shop_region": regions[name]}
                for name, values in hosts.items()}
    write_yaml(directory / "hosts.yml", {"all": {"children": {"magento": {"hosts": per_host}}}})
    write_yaml(directory / "group_vars" / "magento.yml", shared)
    groups = {}
    for name, region in regions.items():
        groups.setdefault(f"shop_{region}", {"hosts": {}})["hosts"][name] = None
    write_yaml(directory / "shops.yml", {"all": {"children": groups}})
    return directory


def vault_encrypt(path: Path, password_file: Path) -> None:
    subprocess.run([str(BIN / "ansible-vault"), "encrypt", "--vault-password-file", str(password_file), str(path)],
                   check=True, capture_output=True, env=ansible_env())
    assert path.read_text().startswith("$ANSIBLE_VAULT;")


def ansible_env(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}   # only the given keys may log in
    env.update({"ANSIBLE_CONFIG": str(content_root() / "ansible.cfg"), "PATH": f"{BIN}:{env.get('PATH', '')}"})
    env.update(more)
    return env


@pytest.fixture
def fresh_ssh_env():
    """ssh masters live 60s (ControlPersist): a run reusing one would not show what a key or user does.
    Short paths under /tmp: a control socket's path must fit in a unix socket address."""
    with tempfile.TemporaryDirectory(prefix="qpt-cp-", dir="/tmp") as base:
        yield lambda: ansible_env(ANSIBLE_SSH_CONTROL_PATH_DIR=tempfile.mkdtemp(dir=base))


def plan_of(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads(done.stdout)
    return {"actions": {h["host"]: h["action"] for h in doc["hosts"]}, "batches": doc["batches"]}


def secret_in(state: Path, secret: str) -> list[Path]:
    return [p for p in state.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def runner_commands(state: Path) -> list[list[str]]:
    return [json.loads(p.read_text())["command"] for p in sorted(state.glob("runs/*/runner/*/artifacts/*/command"))]


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def with_prompt(args: list[str], password: str, *, cwd: Path, timeout: float = 900) -> tuple[int, str]:
    """Run the CLI on a terminal and type the vault password when asked; a run that does not ask fails here."""
    child = pexpect.spawn(sys.executable, ["-m", "qpt_apply.cli", *args], cwd=str(cwd), env=ansible_env(),
                          encoding="utf-8", timeout=timeout)
    try:
        child.expect_exact("Vault password: ")
        child.sendline(password)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return child.exitstatus, child.before


# --------------------------------------------------------------------------- without a lab


def ansible_inventory_list(sources: list[str], extra: list[str] = (), vault: list[str] = ()) -> dict:
    args = [str(BIN / "ansible-inventory"), "--list", *vault]
    for source in sources:
        args += ["-i", source]
    for item in extra:
        args += ["-e", item]
    done = subprocess.run(args, capture_output=True, text=True, env=ansible_env(), check=True)
    return json.loads(done.stdout)


def ansible_list_hosts(sources: list[str], pattern: str, limit: str | None = None, vault: list[str] = ()) -> list[str]:
    args = [str(BIN / "ansible"), pattern, "--list-hosts", *vault] + (["--limit", limit] if limit else [])
    for source in sources:
        args += ["-i", source]
    out = subprocess.run(args, capture_output=True, text=True, env=ansible_env(), check=True).stdout
    return [line.strip() for line in out.splitlines()[1:] if line.startswith("    ")]


@pytest.fixture
def sources_of_every_kind(tmp_path):
    base = {"ansible_host": "127.0.9.1", "magento_root": "/srv/{{ inventory_hostname }}", "shop_region": "eu"}
    hosts = {"web1": dict(base), "web2": {**base, "shop_region": "us", "ansible_port": 2222},
             "web3": dict(base)}
    directory = tmp_path / "inventory"
    write_yaml(directory / "hosts.yml", {"all": {"children": {"magento": {"hosts": hosts}}}})
    write_yaml(directory / "group_vars" / "magento.yml", {"magento_php": "/usr/bin/php8.2", "ansible_user": "deploy"})
    write_yaml(directory / "host_vars" / "web3.yml", {"ansible_user": "web3-owner"})
    (directory / "shops.ini").write_text("[shop_eu]\nweb1\nweb3\n[shop_us]\nweb2\n[magento:children]\nlegacy\n"
                                         "[legacy]\nold1 ansible_host=127.0.9.9\n")
    constructed = write_yaml(tmp_path / "constructed.yml", {     # old1 has no shop_region: not strict
        "plugin": "ansible.builtin.constructed", "strict": False,
        "keyed_groups": [{"key": "shop_region", "prefix": "region"}]})
    script = tmp_path / "fleet.py"
    script.write_text("#!/usr/bin/env python3\nimport json\nprint(json.dumps({'magento': {'hosts': ['s1', 's2'], "
                      "'vars': {'magento_root': '/var/www'}}, '_meta': {'hostvars': {'s2': {'ansible_port': 2200}}}}))\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    password_file = tmp_path / "vault-password"
    password_file.write_text(VAULT_PASSWORD + "\n")
    vaulted = write_yaml(tmp_path / "vaulted" / "hosts.yml",
                         {"all": {"children": {"magento": {"hosts": {"v1": {"magento_root": "/v"}}}}}})
    write_yaml(vaulted.parent / "group_vars" / "magento.yml", {"ansible_user": "from-the-vault"})
    vault_encrypt(vaulted.parent / "group_vars" / "magento.yml", password_file)
    return {"directory": directory, "constructed": constructed, "script": script, "vaulted": vaulted.parent,
            "password_file": password_file}


@pytest.mark.parametrize("case", ["directory", "two files", "constructed", "script", "host list", "vault"])
def test_hosts_and_variables_agree_with_ansible_inventory(sources_of_every_kind, case):
    s = sources_of_every_kind
    extra, vault, limit = [], [], None
    if case == "directory":
        given = [str(s["directory"])]
    elif case == "two files":
        given = [str(s["directory"] / "hosts.yml"), str(s["directory"] / "shops.ini")]
    elif case == "constructed":
        given, limit = [str(s["directory"]), str(s["constructed"])], "region_eu"
    elif case == "script":
        given = [str(s["script"])]
    elif case == "host list":
        given, extra = ["shop1.example,shop2.example:2201,"], ["magento_root=/srv/m", '{"ansible_user": "ops"}']
    else:
        given, vault = [str(s["vaulted"])], ["--vault-password-file", str(s["password_file"])]
    sources = inventory_sources(given)
    options = AnsibleOptions(extra_vars=extra, vault_password_files=[str(s["password_file"])] if vault else [])
    ours = Inventory(sources, options)
    pattern = target_pattern("magento", sources)
    hosts = ours.hosts(pattern, limit)
    assert hosts and hosts == ansible_list_hosts(sources, pattern, limit, vault=vault)
    theirs = ansible_inventory_list(sources, extra, vault)["_meta"]["hostvars"]
    for host in hosts:
        mine = json.loads(json.dumps(ours.variables(host), default=str))
        assert {k: mine.get(k) for k in theirs.get(host, {})} == theirs.get(host, {}), host
    if case == "constructed":
        assert hosts == ["web1", "web3"]
    if case == "host list":
        assert hosts == ["shop1.example", "shop2.example"]
        assert ours.variables("shop2.example")["ansible_port"] == 2201
    if case == "vault":
        assert ours.variables("v1")["ansible_user"] == "from-the-vault"


def test_default_inventory_is_ansibles_own(tmp_path, monkeypatch):
    inventory = write_yaml(tmp_path / "elsewhere" / "fleet.yml", {"magento": {"hosts": {"web1": None}}})
    monkeypatch.setenv("ANSIBLE_INVENTORY", str(inventory))
    assert inventory_sources(None) == [str(inventory)]
    # ansible.cfg's inventory, relative to the file, as Ansible reads it.
    monkeypatch.delenv("ANSIBLE_INVENTORY")
    (tmp_path / "elsewhere" / "ansible.cfg").write_text("[defaults]\ninventory = fleet.yml\n")
    monkeypatch.setenv("ANSIBLE_CONFIG", str(tmp_path / "elsewhere" / "ansible.cfg"))
    assert inventory_sources(None) == [str(inventory)]
    done = qpt_apply("status", "--limit", "nothing-like-this", state_dir=tmp_path / "state",
                     env={**os.environ, "ANSIBLE_CONFIG": str(tmp_path / "elsewhere" / "ansible.cfg")})
    assert done.returncode == 2
    assert f"no host in group 'magento' of {inventory} matching --limit" in done.stderr.splitlines()[-1]


@pytest.mark.parametrize("variable", sorted(rollout.CLI_VARIABLES))
def test_extra_vars_may_not_override_the_rollouts_own_inputs(tmp_path, variable):
    inventory = write_yaml(tmp_path / "inv.yml", {"magento": {"hosts": {"web1": {"magento_root": "/m"}}}})
    state = tmp_path / "state"
    done = qpt_apply("apply", "-i", str(inventory), "--yes", "-e", f"{variable}=99", state_dir=state)
    line = one_line_error(done)
    assert f"-e {variable}" in line and rollout.CLI_VARIABLES[variable] in line
    assert not (state / "runs").exists()


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    inventory = write_yaml(tmp_path / "inv.yml", {"magento": {"hosts": {"web1": {"magento_root": "/m"}}}})
    values = tmp_path / "values.json"
    values.write_text(json.dumps({"qpt_serial": [50]}))
    state = tmp_path / "state"
    cases = {
        ("plan", "-i", str(inventory), "-e", "qpt_max_failed_hosts=99"): "--max-failed",
        ("plan", "-i", str(inventory), "-e", f"@{values}"): "--batches",
        ("plan", "-i", str(inventory), "--frobnicate"): "unrecognized arguments: --frobnicate",
        ("plan", "-i", str(tmp_path / "missing")): f"inventory {tmp_path / 'missing'} does not exist",
        ("doctor", "-i", str(tmp_path / "missing")): "does not exist",
        ("plan", "-i", str(inventory), "--forks", "0"): "--forks",
        ("plan", "-i", str(inventory), "-e", "@nope.yml"): "nope.yml does not exist",
        ("plan", "-i", str(inventory), "-e", "ansible_become_password=hunter2"): "secrets do not go on the command line",
        ("plan", "-i", str(inventory), "--ask-vault-pass"): "needs a terminal",
    }
    for args, words in cases.items():
        done = qpt_apply(*args, state_dir=state)
        assert words in one_line_error(done), args
        assert "hunter2" not in done.stderr
    assert not (state / "runs").exists()


def test_the_lock_is_keyed_on_the_set_of_sources(tmp_path, monkeypatch):
    a, b = write_yaml(tmp_path / "a.yml", {}), write_yaml(tmp_path / "b.yml", {})
    monkeypatch.chdir(tmp_path)
    assert Lock(tmp_path, [str(a), str(b)]).path == Lock(tmp_path, ["b.yml", "./a.yml"]).path
    assert Lock(tmp_path, [str(a)]).path == Lock(tmp_path, a).path            # one file keys as it always did
    assert Lock(tmp_path, [str(a)]).path != Lock(tmp_path, [str(a), str(b)]).path
    (tmp_path / "link.yml").symlink_to(a)
    assert Lock(tmp_path, ["link.yml"]).path == Lock(tmp_path, [str(a)]).path
    assert Lock(tmp_path, ["web1,web2"]).path != Lock(tmp_path, ["web1,"]).path


def test_the_journal_keeps_options_and_never_a_typed_password():
    ansible = AnsibleOptions(forks=1, vault_ids=["lab@prompt"], extra_vars=["magento_post_di_compile=auto"])
    ansible._vault_passwords["Vault password (lab): "] = VAULT_PASSWORD
    options = rollout.Options(command="apply", inventory=["/inv", "web9,"], patches=["ACSD-61103"],
                              state_dir=Path("/state"), ansible=ansible)
    journal = json.loads(json.dumps(options.to_journal()))
    assert VAULT_PASSWORD not in json.dumps(journal)
    again = rollout.Options.from_journal(journal)
    assert again.inventory == ["/inv", "web9,"] and again.ansible == ansible
    assert again.ansible.runner_passwords() == {}                           # asked for again, never read back
    assert "--forks" in again.ansible.playbook_args() and "lab@prompt" in again.ansible.playbook_args()


def test_typed_vault_passwords_answer_ansible_playbooks_own_prompts():
    import re

    ansible = AnsibleOptions(vault_ids=["lab@prompt", "prompt", "ops@/etc/ops-vault"], ask_vault_pass=True)
    assert ansible.vault_prompts() == [("lab", "Vault password (lab): "), ("default", "Vault password (default): "),
                                       ("default", "Vault password: ")]
    ansible._vault_passwords = {prompt: f"pw-{label}-{n}" for n, (label, prompt) in enumerate(ansible.vault_prompts())}
    answers = ansible.runner_passwords()
    for _label, prompt in ansible.vault_prompts():
        matching = [pw for pattern, pw in answers.items() if re.search(pattern, f"PLAY\n{prompt}", re.M)]
        assert matching == [ansible._vault_passwords[prompt]], prompt


# --------------------------------------------------------------------------- on the lab

FLEET = [
    {"name": "web1", "magento": "2.4.6-p3", "qpt": "1.1.53"},
    {"name": "web2", "magento": "2.4.6-p5", "qpt": "1.1.55", "mode": "developer"},
    {"name": "web3", "magento": "2.4.7", "qpt": "1.1.55"},
]
REGIONS = {"web1": "eu", "web2": "us", "web3": "eu"}


@pytest.fixture(scope="module")
def fleet(lab_factory):
    """Read-only tests only: nothing here changes a host."""
    return lab_factory(FLEET)


@pytest.fixture(scope="module")
def single_file_plan(fleet, tmp_path_factory):
    return plan_of(qpt_apply("plan", "-i", str(fleet.inventory), "--json",
                             state_dir=tmp_path_factory.mktemp("single-plan")))


@pytest.mark.lab
def test_a_split_inventory_plans_as_the_single_file(fleet, single_file_plan, tmp_path):
    assert single_file_plan["actions"] == {"web1": "update-qpt-then-apply", "web2": "apply",
                                           "web3": "skip-incompatible"}
    directory = split_inventory(fleet, tmp_path / "inventory", REGIONS)
    assert plan_of(qpt_apply("plan", "-i", str(directory), "--json", state_dir=tmp_path / "s1")) == single_file_plan

    # Two sources: the lab's file, and a second file adding groups; a group from the second narrows the plan.
    groups = write_yaml(tmp_path / "groups.yml", yaml.safe_load((directory / "shops.yml").read_text()))
    both = ["-i", str(fleet.inventory), "-i", str(groups)]
    assert plan_of(qpt_apply("plan", *both, "--json", state_dir=tmp_path / "s2")) == single_file_plan
    eu = plan_of(qpt_apply("plan", *both, "--limit", "shop_eu", "--json", state_dir=tmp_path / "s3"))
    assert eu["actions"] == {h: a for h, a in single_file_plan["actions"].items() if REGIONS[h] == "eu"}


@pytest.mark.lab
def test_a_constructed_group_limits_the_plan(fleet, single_file_plan, tmp_path):
    directory = split_inventory(fleet, tmp_path / "inventory", REGIONS)
    constructed = write_yaml(tmp_path / "by-region.yml", {
        "plugin": "ansible.builtin.constructed", "strict": True,
        "keyed_groups": [{"key": "shop_region", "prefix": "region"}]})
    done = qpt_apply("plan", "-i", str(directory), "-i", str(constructed), "--limit", "region_eu", "--json",
                     state_dir=tmp_path / "state")
    plan = plan_of(done)
    assert plan["actions"] == {"web1": single_file_plan["actions"]["web1"], "web3": single_file_plan["actions"]["web3"]}
    assert plan["batches"] == [["web1"], ["web3"]]


@pytest.mark.lab
def test_a_host_list_with_connection_variables_as_extra_vars(fleet, single_file_plan, tmp_path):
    web2 = lab_hosts(fleet)["web2"]
    extra = [f"{name}={web2[name]}" for name in ("ansible_host", "ansible_port", "ansible_user",
                                                  "ansible_ssh_private_key_file", "ansible_python_interpreter",
                                                  "magento_root", "magento_php", "magento_user")]
    args = ["-i", "shop-b,", *itertools.chain.from_iterable(("-e", e) for e in extra),
            "--ssh-common-args", COMMON_SSH_ARGS]
    plan = plan_of(qpt_apply("plan", *args, "--json", state_dir=tmp_path / "state"))
    assert plan == {"actions": {"shop-b": single_file_plan["actions"]["web2"]}, "batches": [["shop-b"]]}
    doctor = qpt_apply("doctor", *args, "--json", state_dir=tmp_path / "state")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    checked = json.loads(doctor.stdout)["hosts"][0]
    assert (checked["host"], checked["address"], checked["port"]) == ("shop-b", web2["ansible_host"], web2["ansible_port"])
    assert checked["auth"] == "ok" and checked["problems"] == []


@pytest.mark.lab
def test_a_vaulted_inventory(fleet, single_file_plan, tmp_path):
    directory = split_inventory(fleet, tmp_path / "inventory", REGIONS)
    password_file = tmp_path / "vault-password"
    password_file.write_text(VAULT_PASSWORD + "\n")
    # The shared connection settings (ssh args, key, interpreter) are only readable with the password.
    vault_encrypt(directory / "group_vars" / "magento.yml", password_file)
    state = tmp_path / "state"

    refused = one_line_error(qpt_apply("plan", "-i", str(directory), "--json", state_dir=state))
    assert "decrypt" in refused and "--vault-password-file" in refused
    with_id = qpt_apply("plan", "-i", str(directory), "--vault-id", f"lab@{password_file}", "--json", state_dir=state)
    assert plan_of(with_id) == single_file_plan
    doctor = qpt_apply("doctor", "-i", str(directory), "--vault-password-file", str(password_file), "--json",
                       state_dir=state)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert {h["host"]: h["auth"] for h in json.loads(doctor.stdout)["hosts"]} == dict.fromkeys(REGIONS, "ok")

    code, output = with_prompt(["plan", "-i", str(directory), "--ask-vault-pass", "--json", "--state-dir", str(state)],
                               VAULT_PASSWORD, cwd=tmp_path)
    assert code == 0, output
    asked = max(state.glob("runs/*-plan-*/report.json"), key=lambda p: p.stat().st_mtime)
    assert {h["host"]: h["action"] for h in json.loads(asked.read_text())["hosts"]} == single_file_plan["actions"]
    assert any("--ask-vault-password" in command for command in runner_commands(state))
    assert secret_in(state, VAULT_PASSWORD) == []
    assert not list(state.glob("runs/*/runner/*/env"))                    # ansible-runner wrote no env/ files


@pytest.mark.lab
def test_user_and_private_key_as_ansible_applies_them(fleet, tmp_path, fresh_ssh_env):
    hosts = lab_hosts(fleet)
    web1 = hosts["web1"]
    key = tmp_path / "keys" / "id_lab"
    key.parent.mkdir()
    shutil.copy(web1["ansible_ssh_private_key_file"], key)
    key.chmod(0o600)
    # The operator's own account and key: the inventory names neither.
    bare = {name: {k: v for k, v in values.items()
                   if k not in ("ansible_user", "ansible_ssh_private_key_file", "magento_user")}
            for name, values in hosts.items()}
    inventory = write_yaml(tmp_path / "bare.yml", {"all": {"children": {"magento": {"hosts": bare}}}})

    def status(*args: str, inventory: Path = inventory) -> dict:
        done = qpt_apply("status", "-i", str(inventory), "--limit", "web1", "--json", *args,
                         state_dir=tmp_path / "state", env=fresh_ssh_env())
        assert "ESTABLISH" not in done.stdout + done.stderr           # Ansible's own output stays in the journal
        return json.loads(done.stdout)["hosts"][0]

    def reached(result: dict) -> bool:
        refused = result["action"] == "unreachable" and "Permission denied" in result["reason"]["message"]
        assert refused or result["outcome"] == "ok", result
        return result["outcome"] == "ok"

    assert not reached(status("-u", "no-such-user", "--private-key", str(key)))
    assert reached(status("-u", web1["ansible_user"], "--private-key", str(key)))
    moved = key.with_name("id_lab.moved")
    key.rename(moved)
    assert not reached(status("-u", web1["ansible_user"], "--private-key", str(key)))
    assert reached(status("-u", web1["ansible_user"], "--private-key", str(moved), "-vvv"))
    # -vvv went to the journal's runner artifacts.
    verbose = max((tmp_path / "state").glob("runs/*/runner/*/artifacts/*/stdout"), key=lambda p: p.stat().st_mtime)
    assert f"ESTABLISH SSH CONNECTION FOR USER: {web1['ansible_user']}" in verbose.read_text()

    # A host variable beats the command line, as in Ansible: the lab inventory's ansible_user wins over -u.
    assert reached(status("-u", "no-such-user", inventory=fleet.inventory))
    plain = subprocess.run([str(BIN / "ansible"), "web1", "-i", str(fleet.inventory), "-m", "ping", "-u", "no-such-user"],
                           capture_output=True, text=True, env=fresh_ssh_env())
    assert plain.returncode == 0, plain.stdout + plain.stderr

    def doctor(*args: str, inventory: Path = inventory) -> dict:
        done = qpt_apply("doctor", "-i", str(inventory), "--limit", "web1", "--json", *args,
                         state_dir=tmp_path / "state", env=fresh_ssh_env())
        return json.loads(done.stdout)["hosts"][0]

    assert doctor("-u", "no-such-user", "--private-key", str(moved))["auth"] == "failed"
    assert doctor("-u", web1["ansible_user"], "--private-key", str(moved), "--timeout", "5")["auth"] == "ok"
    assert doctor("-u", "no-such-user", inventory=fleet.inventory)["auth"] == "ok"


def patch_log_intervals(lab, name: str) -> list[tuple[dt.datetime, dt.datetime]]:
    """When the host's own QPT applied patches, from its var/log/patch.log ([time] LEVEL: message lines)."""
    intervals, start = [], None
    for line in (lab.root(name) / "var/log/patch.log").read_text().splitlines():
        stamp = dt.datetime.fromisoformat(line[1:line.index("]")])
        if "Start of applying optional patches" in line:
            start = stamp
        elif "End of applying optional patches" in line and start:
            intervals.append((start, stamp))
            start = None
    return intervals


@pytest.mark.lab
def test_forks_1_works_on_one_host_at_a_time(lab_factory, tmp_path):
    lab = lab_factory([{"name": f"web{i}", "qpt": "1.1.55", "mode": "developer"} for i in range(1, 4)])
    state = tmp_path / "state"
    done = qpt_apply("apply", "-i", str(lab.inventory), "--batches", "100%", "--forks", "1", "--yes", "--json",
                     state_dir=state)
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(host_status(lab, name) == "Applied" for name in lab.names)
    intervals = sorted((start, end, name) for name in lab.names for start, end in patch_log_intervals(lab, name))
    assert sorted(name for _, _, name in intervals) == sorted(lab.names)       # one apply per host, all in one batch
    assert json.loads(done.stdout)["batches"] == [sorted(lab.names)]
    for (_, end, first), (start, _, second) in zip(intervals, intervals[1:]):
        assert end <= start, f"{first} was still applying when {second} started"
    assert all(command[command.index("--forks") + 1] == "1" for command in runner_commands(state))


@pytest.mark.lab
def test_resume_reuses_the_sources_and_options_and_asks_for_the_vault_again(lab_factory, tmp_path):
    lab = lab_factory([{"name": "web1", "qpt": "1.1.55", "mode": "developer", "patch": "conflict"},
                       {"name": "web2", "qpt": "1.1.55", "mode": "developer"},
                       {"name": "web3", "qpt": "1.1.55", "mode": "developer"}])
    directory = split_inventory(lab, tmp_path / "inventory", {"web1": "eu", "web2": "eu", "web3": "us"})
    password_file = tmp_path / "vault-password"
    password_file.write_text(VAULT_PASSWORD + "\n")
    vault_encrypt(directory / "group_vars" / "magento.yml", password_file)
    state = tmp_path / "state"
    somewhere = tmp_path / "somewhere"
    somewhere.mkdir()

    # Relative paths, from the inventory's parent: the journal must make them absolute for resume.
    code, output = with_prompt(["apply", "-i", "inventory", "--ask-vault-pass", "--forks", "1",
                                "-e", "magento_post_cache_action=flush", "--yes", "--json",
                                "--state-dir", str(state)], VAULT_PASSWORD, cwd=tmp_path)
    assert code == 3, output                                              # the conflicting canary halts the run
    run_json = next(state.glob("runs/*-apply-*/run.json"))
    meta = json.loads(run_json.read_text())
    assert meta["state"] == "halted"
    assert meta["options"]["inventory"] == [str(directory)]
    assert meta["options"]["ansible"]["forks"] == 1 and meta["options"]["ansible"]["ask_vault_pass"] is True
    assert meta["options"]["ansible"]["extra_vars"] == ["magento_post_cache_action=flush"]
    assert host_status(lab, "web2") == host_status(lab, "web3") == "Not applied"

    code, output = with_prompt(["resume", meta["run_id"], "--yes", "--json", "--state-dir", str(state)],
                               VAULT_PASSWORD, cwd=somewhere)
    assert code == 1, output                                              # web1's conflict still counts
    assert host_status(lab, "web2") == host_status(lab, "web3") == "Applied"
    assert host_status(lab, "web1") == "N/A"
    resumed = runner_commands(state)[-1]
    assert resumed[resumed.index("-i") + 1] == str(directory)
    assert resumed[resumed.index("--forks") + 1] == "1" and "--ask-vault-password" in resumed
    # The -e reached the resumed playbook run: the hosts were flushed, not cleaned.
    steps = {h["host"]: h.get("steps", []) for h in json.loads(run_json.with_name("report.json").read_text())["hosts"]}
    assert "ran bin/magento cache:flush" in steps["web2"] and "ran bin/magento cache:flush" in steps["web3"]
    assert secret_in(state, VAULT_PASSWORD) == []
