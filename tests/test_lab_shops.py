"""Lab shops: a shop's web nodes share one database behind one real HAProxy, next to a plain host.

Checked against what runs: HAProxy's own counters over its runtime socket, HTTP answers through the
frontend, the shared database row, the processes and users left after `lab down`.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from conftest import CHANGING_COMMANDS

from qpt_apply.lab import fleet, procs, spec

BIN = Path(sys.executable).parent
NODES = ["shop1-web1", "shop1-web2", "shop1-web3"]
SPEC = {
    "hosts": [{"name": "web1", "qpt": "1.1.55", "mode": "production"}],
    "shops": [{"name": "shop1", "nodes": 3, "qpt": "1.1.55"}],
}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qpt_apply.cli", *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Brought up through the CLI from a YAML spec; the last test takes it down (else the teardown does)."""
    directory = tmp_path_factory.mktemp("shops")
    spec_file = directory / "spec.yml"
    spec_file.write_text(yaml.safe_dump(SPEC))
    up = cli("lab", "up", "--dir", str(directory / "lab"), "--spec", str(spec_file))
    assert up.returncode == 0, up.stdout + up.stderr
    yield fleet.Lab(directory / "lab")
    if (directory / "lab" / fleet.STATE).exists():
        fleet.down(directory / "lab")


def get(url: str, body: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def login(url: str, email: str, password: str) -> tuple[int, str]:
    return get(url + "/rest/V1/integration/customer/token", {"username": email, "password": password})


@pytest.mark.parametrize("shops,message", [
    ([{"name": "shop1", "nodez": 2}], "unknown key 'nodez'"),
    ([{"name": "shop1", "nodes": 0}], "nodes must be a whole number from 1 to 9"),
    ([{"name": "shop-a"}], "name must match"),
    ([{"name": "magento"}], "name must match"),
    ([{"name": "averylongname"}], "name must match"),
    ([{"name": "web1"}], "is also a shop's name"),
    ([{"name": "shop1", "mode": "prod"}], "mode 'prod' is not one of"),
])
def test_bad_shops_are_refused(shops, message):
    with pytest.raises(spec.SpecError, match=message):
        spec.parse_hosts([{"name": "web1"}], shops=shops)


def test_a_shop_without_plain_hosts_and_its_node_names():
    hosts = spec.parse_hosts([], shops=[{"name": "s", "nodes": 2, "patch": "applied"}], delays={"qpt_apply": 1})
    assert [(h.name, h.shop, h.patch, h.delays) for h in hosts] == [
        ("s-web1", "s", "applied", {"qpt_apply": 1}), ("s-web2", "s", "applied", {"qpt_apply": 1})]
    with pytest.raises(spec.SpecError, match="appears twice"):
        spec.parse_hosts([{"name": "s-web1"}], shops=[{"name": "s"}])


@pytest.mark.lab
def test_lab_json_and_inventory_describe_the_shop(lab):
    shop = lab.shop("shop1")
    assert lab.shops == ["shop1"] and shop["nodes"] == NODES and shop["backend"] == "shop1"
    assert shop["frontend_url"].startswith("http://127.")
    assert Path(shop["haproxy_socket"]).is_socket() and Path(shop["haproxy_socket"]).is_relative_to(lab.dir)
    assert Path(shop["haproxy_config"]).is_relative_to(lab.dir) and Path(shop["haproxy_log"]).exists()
    plain_keys = set(lab.host("web1"))
    for node in NODES:  # the nodes' entries have the plain host's shape, plus their shop
        assert set(lab.host(node)) == plain_keys | {"shop"} and lab.host(node)["shop"] == "shop1"

    # As Ansible reads the inventory: the shop is a group of its own, its nodes are still in magento.
    listed = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(lab.inventory), "--list"],
                            capture_output=True, text=True, timeout=120,
                            env={k: v for k, v in os.environ.items() if k != "ANSIBLE_CONFIG"})
    assert listed.returncode == 0, listed.stderr
    assert "Invalid characters" not in listed.stderr
    inventory = json.loads(listed.stdout)
    assert inventory["shop1"]["hosts"] == NODES
    members = set(inventory["magento"].get("hosts", [])) | {
        host for child in inventory["magento"].get("children", []) for host in inventory[child].get("hosts", [])}
    assert members == {"web1", *NODES}
    hostvars = inventory["_meta"]["hostvars"]
    for node in NODES:
        assert {k: hostvars[node][k] for k in ("haproxy_host", "haproxy_socket", "haproxy_backend", "haproxy_server")} \
            == {"haproxy_host": "localhost", "haproxy_socket": shop["haproxy_socket"], "haproxy_backend": "shop1",
                "haproxy_server": node}
        assert hostvars[node]["magento_base_url"] == lab.host(node)["base_url"]  # the node itself, not the LB
    assert not any(key.startswith("haproxy_") for key in hostvars["web1"])


@pytest.mark.lab
def test_the_frontend_answers_and_spreads_over_the_nodes(lab):
    servers = lab.servers("shop1")
    assert sorted(servers) == NODES
    assert {row["status"] for row in servers.values()} == {"UP"}
    assert {row["check_status"] for row in servers.values()} == {"L7OK"}
    before = {name: int(row["stot"]) for name, row in servers.items()}
    answers = [get(lab.shop("shop1")["frontend_url"] + "/")[0] for _ in range(6)]
    assert answers == [200] * 6
    after = {name: int(row["stot"]) for name, row in lab.servers("shop1").items()}
    assert sum(after.values()) - sum(before.values()) == 6
    assert all(after[name] > before[name] for name in NODES), (before, after)


@pytest.mark.lab
def test_the_shop_nodes_share_one_customer_row(lab):
    databases = {lab.host(node)["db"]["name"] for node in NODES}
    assert len(databases) == 1 and lab.host("web1")["db"]["name"] not in databases
    rows = {node: lab.sql(node, "SELECT entity_id, email FROM customer_entity") for node in NODES}
    assert len({tuple(r) for r in rows.values()}) == 1 and len(rows[NODES[0]]) == 1
    customer = lab.host(NODES[0])["customer"]
    assert all(lab.host(node)["customer"] == customer for node in NODES)

    # One wrong password on one node counts on the row every node reads; the plain host has its own.
    assert login(lab.host("shop1-web2")["base_url"], customer["email"], "wrong-" + customer["password"])[0] == 401
    assert [lab.failures_num(node) for node in NODES] == [1, 1, 1]
    assert lab.failures_num("web1") == 0
    # The right password through the load balancer works (and clears the API throttle row again).
    status, token = login(lab.shop("shop1")["frontend_url"], customer["email"], customer["password"])
    assert status == 200 and len(json.loads(token)) == 32
    assert lab.sql("shop1-web1", "SELECT COUNT(*) FROM oauth_token_request_log") == [("0",)]
    lab.sql("shop1-web1", "UPDATE customer_entity SET failures_num = 0, first_failure = NULL")


@pytest.mark.lab
def test_the_plan_takes_one_shop_node_first_and_warns_of_an_exposed_production_host(lab, tmp_path):
    before = {name: lab.commands(name) for name in ["web1", *NODES]}
    done = cli("plan", "-i", str(lab.inventory), "--state-dir", str(tmp_path), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    hosts = {r["host"]: r for r in json.loads(done.stdout)["hosts"]}
    # The plain host comes after the shop, though the inventory lists it first: the canary is a shop node.
    assert {name: r["batch"] for name, r in hosts.items()} == {
        "shop1-web1": 1, "shop1-web2": 2, "shop1-web3": 3, "web1": 3}
    assert all(r["action"] == "apply" for r in hosts.values()), hosts
    # web1 is in production with no load balancer or hook: its customers would meet the DI compile's 500s.
    assert "get HTTP 500 from the patch until setup:di:compile ends" in hosts["web1"]["reason"]["message"]
    assert not any("HTTP 500" in hosts[node]["reason"]["message"] for node in NODES)
    # A plan reads; it changes nothing.
    after = {name: lab.commands(name) for name in before}
    assert not [c for name in after for c in after[name][len(before[name]):] if c["cmd"] in CHANGING_COMMANDS]


@pytest.mark.lab
def test_down_stops_haproxy_and_everything_else(lab):
    shop = lab.shop("shop1")
    state = json.loads((lab.dir / fleet.STATE).read_text())
    haproxy = [p for p in state["pids"] if p["marker"] == shop["haproxy_config"]]
    assert [p["pid"] for p in haproxy] == [shop["haproxy_pid"]] and procs.alive(shop["haproxy_pid"])
    down = cli("lab", "down", "--dir", str(lab.dir))
    assert down.returncode == 0, down.stderr
    assert not any(procs.alive(p["pid"]) for p in state["pids"])
    with pytest.raises(OSError):
        get(shop["frontend_url"] + "/")
    assert not Path(shop["haproxy_socket"]).exists() and not (lab.dir / "shops").exists()
    users = {p.pw_name for p in pwd.getpwall()}
    assert not set(state["users"]) & users
