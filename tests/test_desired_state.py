"""Desired state in the inventory, end to end on a lab fleet: each group declares its patch set (qpt_patches),
plan and apply give every host its own set, drift finds what a `composer install` undid, apply converges it,
history tells the story; a QPT broken on Community is replaced, the same release on Adobe Commerce is kept;
malformed sets are refused before any host is touched, and an ID nobody knows before any host changes.

Every assertion about a host is checked on the host itself: its files, its own QPT's status, its composer.lock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import BIN, CHANGING_COMMANDS, REPO, tree_digest
from test_report_browser import BROWSER, Dom, chromium, keep_artifact

from qpt_apply.journal import Run

pytestmark = pytest.mark.lab

A, B = "ACSD-61103", "ACSD-51892"
PRODUCTION = {"web1": {}, "web3": {}}
STAGING = {"web2": {}}
# web4 is in neither group: it declares nothing and gets the default set, [ACSD-61103].
# The packages ACSD-61103 changes: reinstalled by composer, they come back as shipped.
PATCHED_PACKAGES = ("framework", "module-customer", "module-integration", "module-customer-graph-ql")


@pytest.fixture(scope="module")
def lab(lab_factory):
    return lab_factory([
        {"name": "web1", "magento": "2.4.6-p3", "qpt": "1.1.55", "mode": "developer"},
        {"name": "web2", "magento": "2.4.6-p3", "qpt": "1.1.55", "mode": "developer"},
        # QPT 1.1.57 fails every command on Magento Open Source 2.4.4 - 2.4.6; Adobe Commerce runs it fine.
        {"name": "web3", "magento": "2.4.6-p3", "qpt": "1.1.57", "mode": "developer"},
        {"name": "web4", "magento": "2.4.6-p3", "qpt": "1.1.57", "mode": "developer", "edition": "enterprise"},
    ])


def write_inventory(lab, directory: Path, production: object = [A], staging: object = [A, B],
                    extra: dict | None = None) -> Path:
    """The lab's hosts in an inventory directory: groups production and staging under magento, each set in
    group_vars/ as an operator would write it."""
    hosts = yaml.safe_load(lab.inventory.read_text())["all"]["children"]["magento"]["hosts"]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "group_vars").mkdir(exist_ok=True)
    tree = {"all": {"children": {"magento": {"hosts": hosts, "children": {
        "production": {"hosts": dict(PRODUCTION)}, "staging": {"hosts": dict(STAGING)}}}, **(extra or {})}}}
    (directory / "hosts.yml").write_text(yaml.safe_dump(tree, sort_keys=False))
    for group, value in (("production", production), ("staging", staging)):
        (directory / "group_vars" / f"{group}.yml").write_text(yaml.safe_dump({"qpt_patches": value}))
    return directory


def qpt_apply(*args: str, state_dir: Path, timeout: float = 900, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qpt_apply.cli", *args, "--state-dir", str(state_dir)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=timeout, env=env)


def as_json(done: subprocess.CompletedProcess) -> dict:
    assert done.stdout, done.stderr
    return json.loads(done.stdout)


def qpt_status(lab, name: str) -> dict[str, str] | str:
    """Every patch's status as the host's own QPT reports it, or its error output when it cannot run."""
    done = lab.run_as(name, ["php", "vendor/bin/magento-patches", "status", "--format=json", "-n"])
    if done.returncode:
        return done.stdout + done.stderr
    return {row["Id"]: row["Status"] for row in json.loads(done.stdout)}


def locked_qpt(lab, name: str) -> str | None:
    lock = json.loads((lab.root(name) / "composer.lock").read_text())
    return next((p["version"] for p in lock["packages"] if p["name"] == "magento/quality-patches"), None)


def fingerprinted(lab, name: str) -> bool:
    root = lab.root(name)
    return (root / "vendor/magento/module-integration/etc/webapi_rest/events.xml").read_text().count(
        'name="customer_unlock"') == 1 and (root / "vendor/magento/framework/ObjectManager/ResetAfterRequestInterface.php").exists()


def by_host(doc: dict) -> dict[str, dict]:
    return {h["host"]: h for h in doc["hosts"]}


def qpt_runs(lab) -> dict[str, int]:
    """How many stand-in commands (QPT, bin/magento, composer) each host has run so far."""
    return {name: len(lab.commands(name)) for name in lab.names}


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="module")
def inventory(lab, tmp_path_factory) -> Path:
    return write_inventory(lab, tmp_path_factory.mktemp("inv") / "fleet")


def test_plan_and_apply_give_each_host_its_own_set(lab, state, inventory, tmp_path):
    assert isinstance(qpt_status(lab, "web3"), str) and "ACSD-48070" in qpt_status(lab, "web3")  # broken there

    done = qpt_apply("plan", "-i", str(inventory), "--json", state_dir=state)
    assert done.returncode == 0, done.stderr
    plan = as_json(done)
    hosts = by_host(plan)
    assert plan["desired"] == {"web1": [A], "web3": [A], "web4": [A], "web2": [A, B]}
    assert {h: r["patches"] for h, r in hosts.items()} == plan["desired"]
    assert hosts["web2"]["status_before"] == {A: "Not applied", B: "Not applied"}
    assert {h: r["action"] for h, r in hosts.items()} == {
        "web1": "apply", "web2": "apply", "web3": "update-qpt-then-apply", "web4": "apply"}
    # Community 2.4.6 on 1.1.57: to the newest release that works there; Adobe Commerce keeps 1.1.57.
    assert hosts["web3"]["qpt_after"] == "1.1.58" and "!=1.1.57" in hosts["web3"]["qpt_target"]
    assert hosts["web4"]["qpt_after"] == "1.1.57"
    assert locked_qpt(lab, "web3") == "1.1.57" and qpt_status(lab, "web1")[A] == "Not applied"  # a plan changes nothing

    proof = {**os.environ, "QPT_VERIFY_CUSTOMER_PASSWORD": lab.info["customer_password"]}
    done = qpt_apply("apply", "-i", str(inventory), "--batches", "100%", "--yes", "--json", "--functional",
                     state_dir=state, env=proof)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    hosts = by_host(as_json(done))
    assert {h: r["outcome"] for h, r in hosts.items()} == {h: "changed" for h in hosts}
    # Proven on each host: failures_num back to 0 after the right password, over REST and GraphQL.
    assert {h: r["verify"]["functional"]["outcome"] for h, r in hosts.items()} == {h: "fixed" for h in hosts}
    # On the hosts: each has its own set Applied, and nothing more.
    status = {name: qpt_status(lab, name) for name in lab.names}
    assert status["web2"][A] == status["web2"][B] == "Applied"
    for name in ("web1", "web3", "web4"):
        assert status[name][A] == "Applied" and status[name][B] == "Not applied", name
        assert fingerprinted(lab, name)
    assert (locked_qpt(lab, "web3"), locked_qpt(lab, "web4")) == ("1.1.58", "1.1.57")
    assert hosts["web3"]["qpt_after"] == "1.1.58" and hosts["web4"]["qpt_after"] == "1.1.57"

    # The report of this run as a browser shows it: each host's proof as a table, its duration, the batch.
    if BROWSER:
        page = Run.open(state, as_json(done)["run_id"]).directory / "report.html"
        dom = Dom(chromium(tmp_path, "--dump-dom", page))
        chromium(tmp_path, f"--screenshot={tmp_path / 'report.png'}", "--window-size=1280,1600", page)
        keep_artifact(tmp_path / "report.png", "report-desired-state.png")
        assert [row for row in dom.rows if len(row) == 3 and row[0] in ("REST", "GraphQL")] == [
            [api, "0 → 1 → 0", "fixed"] for _ in lab.names for api in ("REST", "GraphQL")]
        table = {row[1]: row for row in dom.rows if len(row) == 11}
        assert all(table[name][8].endswith(" s") for name in lab.names), table
        assert "Batch 1 · 4 host(s)" in dom.text and (tmp_path / "report.png").stat().st_size > 20_000


def test_drift_names_the_host_a_composer_install_undid(lab, state, inventory, tmp_path):
    # Someone reinstalls the packages the patch changed: composer puts the shipped files back.
    for package in PATCHED_PACKAGES:
        lab.run_as("web1", ["rm", "-rf", f"vendor/magento/{package}"], check=True)
    lab.run_as("web1", ["composer", "install", "-n", "--no-progress"], check=True)
    assert qpt_status(lab, "web1")[A] == "Not applied" and not fingerprinted(lab, "web1")

    textfile = tmp_path / "qpt.prom"
    done = qpt_apply("drift", "-i", str(inventory), "--json", "--textfile", str(textfile), state_dir=state)
    assert done.returncode == 4, done.stdout[-3000:] + done.stderr
    report = as_json(done)["drift"]
    assert report["drifted"] == ["web1"] and report["unknown"] == []
    web1 = next(h for h in report["hosts"] if h["host"] == "web1")
    assert (web1["missing"], web1["undeclared"], web1["states"][A]) == ([A], [], "Not applied")
    metrics = {line.rsplit(" ", 1)[0]: line.rsplit(" ", 1)[1] for line in textfile.read_text().splitlines()
               if not line.startswith("#")}
    assert metrics[f'qpt_patch_applied{{host="web1",patch="{A}"}}'] == "0"
    assert metrics[f'qpt_patch_desired{{host="web1",patch="{A}"}}'] == "1"
    assert metrics[f'qpt_patch_applied{{host="web2",patch="{B}"}}'] == "1"
    assert metrics[f'qpt_patch_applied{{host="web3",patch="{A}"}}'] == "1"
    assert metrics["qpt_hosts_drifted"] == "1"

    # The table says the same for people.
    done = qpt_apply("drift", "-i", str(inventory), "--limit", "web1,web2", state_dir=state)
    assert done.returncode == 4, done.stderr
    assert f"web1 drifted: {A} Not applied but declared" in " ".join(done.stdout.split())


def test_an_applied_patch_nobody_declared_is_drift_too(lab, state, tmp_path):
    narrowed = write_inventory(lab, tmp_path / "narrowed", staging=[A])
    done = qpt_apply("drift", "-i", str(narrowed), "--limit", "staging", "--json", state_dir=state)
    assert done.returncode == 4, done.stderr
    doc = as_json(done)
    web2 = next(h for h in doc["drift"]["hosts"] if h["host"] == "web2")
    assert (web2["missing"], web2["undeclared"]) == ([], [B])
    assert sorted(by_host(doc)["web2"]["applied"]) == sorted([A, B])  # the record: desired vs actual


def test_apply_converges_and_history_tells_it(lab, state, inventory):
    done = qpt_apply("apply", "-i", str(inventory), "--batches", "100%", "--yes", "--json", state_dir=state)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    hosts = by_host(as_json(done))
    assert hosts["web1"]["action"] == "apply" and hosts["web1"]["outcome"] == "changed"
    assert {h: r["action"] for h, r in hosts.items() if h != "web1"} == {h: "already-applied" for h in ("web2", "web3", "web4")}
    assert qpt_status(lab, "web1")[A] == "Applied" and fingerprinted(lab, "web1")

    done = qpt_apply("drift", "-i", str(inventory), state_dir=state)
    assert done.returncode == 0, done.stdout + done.stderr

    history = as_json(qpt_apply("history", "--host", "web1", "--patch", A, "--json", state_dir=state))
    story = [(e["event"], e["command"]) for e in history["events"]]
    assert story == [("applied", "apply"), ("drifted", "drift"), ("applied", "apply")], story


def test_verify_and_revert_follow_each_hosts_set_and_patch_overrides_it(lab, state, inventory):
    """On the fleet the tests above converged (every host Applied its own set)."""
    done = qpt_apply("verify", "-i", str(inventory), "--json", state_dir=state)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    hosts = by_host(as_json(done))
    assert {h: r["patches"] for h, r in hosts.items()} == {"web1": [A], "web2": [A, B], "web3": [A], "web4": [A]}
    assert sorted(hosts["web2"]["verify"]["patches"]) == sorted([A, B]) and list(hosts["web1"]["verify"]["patches"]) == [A]

    # --patch overrides every host's own set for one run (a plan: nothing changes).
    done = qpt_apply("plan", "-i", str(inventory), "--patch", B, "--json", state_dir=state)
    assert done.returncode == 0, done.stderr
    hosts = by_host(as_json(done))
    assert {h: r["patches"] for h, r in hosts.items()} == {h: [B] for h in lab.names}
    assert hosts["web2"]["action"] == "already-applied" and hosts["web1"]["action"] == "apply"
    assert qpt_status(lab, "web1")[B] == "Not applied"

    done = qpt_apply("revert", "-i", str(inventory), "--limit", "web1,web2", "--yes", "--json", state_dir=state)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    status = {name: qpt_status(lab, name) for name in ("web1", "web2", "web3")}
    assert status["web2"][A] == status["web2"][B] == "Not applied"  # its own set, both
    assert status["web1"][A] == "Not applied" and not fingerprinted(lab, "web1")
    assert status["web3"][A] == "Applied" and fingerprinted(lab, "web3")  # outside the --limit


def test_a_qpt_failing_on_the_host_is_replaced_by_behaviour(lab, state, inventory, tmp_path):
    """Without 1.1.57 in the catalog, its failing status alone makes it replaced (plan only)."""
    lab.run_as("web3", ["composer", "require", "magento/quality-patches:1.1.57", "-n", "--no-progress"], check=True)
    assert isinstance(qpt_status(lab, "web3"), str)
    catalog = yaml.safe_load((REPO / "playbooks/vars/patch_catalog.yml").read_text())["qpt_catalog"]
    catalog[A]["qpt_known_bad"] = ["1.1.56"]
    extra = tmp_path / "catalog.yml"
    extra.write_text(yaml.safe_dump({"qpt_catalog": catalog}))
    done = qpt_apply("plan", "-i", str(inventory), "--limit", "web3,web4", "-e", f"@{extra}", "--json", state_dir=state)
    assert done.returncode == 0, done.stderr
    hosts = by_host(as_json(done))
    assert hosts["web3"]["action"] == "update-qpt-then-apply" and "fails on this host" in hosts["web3"]["reason"]["message"]
    assert hosts["web3"]["qpt_target"] == "^1.1.54 !=1.1.56 !=1.1.57" and hosts["web3"]["qpt_after"] == "1.1.58"
    assert hosts["web4"]["action"] == "already-applied"


@pytest.mark.parametrize("production, staging, extra, message", [
    (["acsd-61103"], [A], None, "web1, web3: qpt_patches: 'acsd-61103' is not a QPT patch ID"),
    (A, [A], None, "web1, web3: qpt_patches must be a list of patch IDs, e.g. ['ACSD-61103'], not str 'ACSD-61103'"),
    ([A], [61103], None, "web2: qpt_patches: 61103 is not a QPT patch ID"),
    ([A], [], None, "web2: qpt_patches is empty"),
    ([A], [A], {"magento_cloud": {"hosts": {"web2": {}}}}, "web2: in group magento_cloud"),
], ids=["malformed-id", "a-string", "ints", "empty", "cloud-and-on-prem"])
def test_bad_sets_are_refused_with_nothing_touched(lab, state, tmp_path, ansible_env, production, staging, extra,
                                                   message):
    bad = write_inventory(lab, tmp_path / "bad", production, staging, extra)
    before = qpt_runs(lab)
    for command in ("status", "plan", "drift"):
        done = qpt_apply(command, "-i", str(bad), state_dir=state)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert message in done.stderr and "nothing was touched" in done.stderr, done.stderr
    done = qpt_apply("apply", "-i", str(bad), "--yes", state_dir=state)
    assert done.returncode == 2 and message in done.stderr
    # The playbooks run by hand refuse the same on localhost, before any host is contacted.
    played = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(bad), str(REPO / "playbooks/apply.yml")],
                            capture_output=True, text=True, env=ansible_env, cwd=tmp_path, timeout=300)
    assert played.returncode == 2, played.stdout[-2000:]
    assert "bad input: " + message in " ".join(played.stdout.split())
    if not extra:
        # A --limit without localhost skips that check: each host's read checks its own set first, and
        # fails the host before anything is sent to it (the named hosts in one batch: the cap would halt
        # the run after the canary's failure).
        named, problem = message.split(": ", 1)
        played = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(bad), "--limit", named.replace(" ", ""),
                                 "-e", '{"qpt_serial": ["100%"]}', str(REPO / "playbooks/apply.yml")],
                                capture_output=True, text=True, env=ansible_env, cwd=tmp_path, timeout=300)
        assert played.returncode == 2, played.stdout[-2000:]
        for name in named.split(", "):
            assert f"bad input: {name}: {problem}" in " ".join(played.stdout.split()), played.stdout[-3000:]
    assert qpt_runs(lab) == before  # no QPT, bin/magento or composer ran anywhere


def code_of(lab) -> dict[str, dict[str, str]]:
    """Every host's Magento code and configuration, file by file (var/ holds what a read may log)."""
    return {name: {path: digest for path, digest in tree_digest(lab.root(name)).items() if not path.startswith("var/")}
            for name in lab.names}


def test_an_id_nobody_knows_is_refused_once_the_hosts_are_read(lab, state, tmp_path):
    """Well formed, yet no host's QPT offers it and the catalog does not know it: a typo, not a skip everywhere."""
    typo = "ACSD-99999"
    inventory = write_inventory(lab, tmp_path / "typo", [A, typo], [A])
    code, started = code_of(lab), {name: len(lab.commands(name)) for name in lab.names}
    for command in (("plan",), ("apply", "--yes"), ("revert", "--yes"), ("drift",), ("verify",)):
        done = qpt_apply(*command, "-i", str(inventory), state_dir=state)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert f"qpt_patches names {typo}, which the installed QPT does not offer there and the patch catalog " \
               "does not know" in done.stderr and "no host was patched, reverted or updated" in done.stderr, done.stderr
        assert done.stderr.split("error: ", 1)[-1].startswith("web1"), done.stderr  # the host that wants it
    done = qpt_apply("status", "-i", str(lab.inventory), "--patch", typo, "--patch", A, state_dir=state)
    assert done.returncode == 2 and f"--patch names {typo}" in done.stderr, done.stderr
    # Read, never changed: no change ran on any host, and its code is as it was.
    ran = [c["cmd"] for name in lab.names for c in lab.commands(name)[started[name]:]]
    assert "qpt status" in ran and not CHANGING_COMMANDS & set(ran), ran
    assert not any(c.startswith("composer") for c in ran), ran
    assert code_of(lab) == code
