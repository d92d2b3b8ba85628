"""The haproxy_server module and the lb_drain role against a lab shop's real HAProxy.

Every outcome is read back from HAProxy itself (runtime socket, its per-server counters) and from the
answers customers get through the frontend, not only from what the module returned.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from qpt_apply import paths
from qpt_apply.lab.load import Load

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MODULES = REPO / "plugins" / "modules"
NODES = ["shop-web1", "shop-web2", "shop-web3"]

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def lab(lab_factory):
    return lab_factory([], shops=[{"name": "shop", "nodes": 3, "qpt": "1.1.55", "mode": "production"}])


@pytest.fixture
def env(ansible_env) -> dict[str, str]:
    # The module and the role are found by their FQCN in the collection (the checkout's ansible.cfg).
    return {**ansible_env, "ANSIBLE_STDOUT_CALLBACK": "minimal"}


def module(*, check: bool = False, **args) -> tuple[int, dict]:
    """The module run as Ansible runs it on a host (its arguments on stdin, the collection's module_utils
    importable as AnsiballZ ships them): exit code and result. Cheaper than starting Ansible for every
    call; `through_ansible` does that once."""
    payload = {"ANSIBLE_MODULE_ARGS": {**args, "_ansible_check_mode": check}}
    done = subprocess.run([sys.executable, str(MODULES / "haproxy_server.py")], input=json.dumps(payload),
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(paths.collections_dir())})
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def through_ansible(env, **args) -> tuple[int, dict]:
    """`ansible localhost -m qpt_apply.magento.haproxy_server -a ...`: its exit code and result."""
    done = subprocess.run([str(BIN / "ansible"), "localhost", "-m", "qpt_apply.magento.haproxy_server",
                           "-a", json.dumps(args)], capture_output=True, text=True, env=env, timeout=120)
    found = re.search(r"^localhost \| [A-Z!]+ => (\{.*?^\})", done.stdout, re.M | re.S)
    assert found, done.stdout + done.stderr
    return done.returncode, json.loads(found.group(1))


def server_args(lab, server, **extra):
    return {"socket": lab.shop("shop")["haproxy_socket"], "backend": "shop", "server": server, **extra}


def admin_states(lab) -> dict[str, str]:
    """srv_admin_state of every server of the shop, straight from `show servers state`."""
    lines = lab.haproxy("shop", "show servers state shop").splitlines()
    header = next(line[2:].split() for line in lines if line.startswith("# "))
    rows = [dict(zip(header, line.split())) for line in lines if line.strip() and line[0].isdigit() and " " in line]
    return {row["srv_name"]: row["srv_admin_state"] for row in rows}


def stot(lab) -> dict[str, int]:
    return {name: int(row["stot"]) for name, row in lab.servers("shop").items()}


def wait_status(lab, server, wanted, timeout=15.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        row = lab.servers("shop")[server]
        if row["status"] == wanted or time.monotonic() > deadline:
            return row
        time.sleep(0.2)


def home(url) -> int:
    try:
        with urllib.request.urlopen(url + "/", timeout=20) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def customer_load(lab, **options) -> Load:
    customer = lab.host(NODES[0])["customer"]
    return Load(lab.shop("shop")["frontend_url"], customer["email"], customer["password"], **options)


def test_drain_takes_the_node_out_under_load_and_ready_brings_it_back(lab, env):
    load = customer_load(lab, threads=2, duration=60, interval=0.02).start()
    try:
        time.sleep(0.5)
        rc, result = through_ansible(env, **server_args(lab, "shop-web1", state="drain"))
        assert rc == 0 and result["changed"], result
        assert (result["before"]["admin_state"], result["after"]["admin_state"]) == ("ready", "drain")
        assert result["scur"] == 0 and result["after"]["others_serving"] == 2
        assert result["command"] == "set server shop/shop-web1 state drain"
        assert lab.servers("shop")["shop-web1"]["status"] == "DRAIN" and admin_states(lab)["shop-web1"] == "8"
        # No new request reaches the drained node while the others keep taking them.
        before = stot(lab)
        time.sleep(1.5)
        during = stot(lab)
        assert during["shop-web1"] == before["shop-web1"], (before, during)
        assert all(during[n] > before[n] for n in ("shop-web2", "shop-web3")), (before, during)

        rc, again = module(**server_args(lab, "shop-web1", state="drain"))
        assert rc == 0 and not again["changed"] and again["command"] is None

        rc, result = module(**server_args(lab, "shop-web1", state="ready"))
        assert rc == 0 and result["changed"] and result["status"] == "UP", result
        assert lab.servers("shop")["shop-web1"]["status"] == "UP" and admin_states(lab)["shop-web1"] == "0"
        time.sleep(1)
        assert stot(lab)["shop-web1"] > during["shop-web1"]  # it takes requests again
    finally:
        summary = load.stop()
    assert summary["ok"] > 20 and summary["failed"] == 0, summary  # no customer saw an error


def test_drain_first_then_maintenance_under_load(lab):
    args = server_args(lab, "shop-web3", state="maint", drain_first=True)
    rc, result = module(check=True, **args)
    assert rc == 0 and result["changed"], result
    assert result["command"] == "set server shop/shop-web3 state drain; set server shop/shop-web3 state maint"
    assert admin_states(lab)["shop-web3"] == "0"
    load = customer_load(lab, threads=2, duration=60, interval=0.02).start()
    try:
        time.sleep(0.5)
        rc, result = module(**args)
        assert rc == 0 and result["changed"] and result["scur"] == 0, result
        assert "ready -> drain -> maint" in result["msg"], result
        assert lab.servers("shop")["shop-web3"]["status"] == "MAINT" and admin_states(lab)["shop-web3"] == "1"
        rc, again = module(**args)
        assert rc == 0 and not again["changed"] and again["command"] is None, again
        rc, result = module(**server_args(lab, "shop-web3", state="ready"))
        assert rc == 0 and result["status"] == "UP", result
    finally:
        summary = load.stop()
    assert summary["ok"] > 20 and summary["failed"] == 0, summary


def test_maint_and_check_mode(lab):
    rc, result = module(check=True, **server_args(lab, "shop-web2", state="maint"))
    assert rc == 0 and result["changed"] and "would set" in result["msg"], result
    assert result["command"] == "set server shop/shop-web2 state maint"
    assert admin_states(lab)["shop-web2"] == "0" and lab.servers("shop")["shop-web2"]["status"] == "UP"

    rc, result = module(**server_args(lab, "shop-web2", state="maint"))
    assert rc == 0 and result["changed"] and result["after"]["admin_state"] == "maint", result
    assert lab.servers("shop")["shop-web2"]["status"] == "MAINT" and admin_states(lab)["shop-web2"] == "1"
    before = stot(lab)
    assert [home(lab.shop("shop")["frontend_url"]) for _ in range(4)] == [200] * 4
    assert stot(lab)["shop-web2"] == before["shop-web2"]

    rc, result = module(check=True, **server_args(lab, "shop-web2", state="ready"))
    assert rc == 0 and result["changed"] and lab.servers("shop")["shop-web2"]["status"] == "MAINT"
    rc, result = module(**server_args(lab, "shop-web2", state="ready"))
    # Leaving maintenance, only a passed health check makes the server UP: the module waited for it.
    assert rc == 0 and result["status"] == "UP" and result["waited"] > 0, result
    assert lab.servers("shop")["shop-web2"]["status"] == "UP"

    rc, result = module(**server_args(lab, "shop-web2"))
    assert rc == 0 and not result["changed"] and result["after"]["admin_state"] == "ready"
    assert result["check_status"] == "L7OK" and result["after"]["check_code"] == 200


def test_the_last_node_in_service_is_never_taken_out(lab):
    rc, result = module(**server_args(lab, "shop-web2", state="maint"))
    assert rc == 0 and result["changed"], result
    try:
        # One other server serves: a drain asking for one more is fine, one asking for two refuses.
        rc, result = module(check=True, **server_args(lab, "shop-web3", state="maint", keep_serving=1))
        assert rc == 0 and result["changed"], result
        for check in (True, False):
            rc, result = module(check=check, **server_args(lab, "shop-web3", state="maint", drain_first=True,
                                                           keep_serving=2))
            assert rc != 0 and result["msg"].startswith("refused to maint shop/shop-web3 at "), result
            assert "only 1 other server(s) of backend shop serve, keep_serving=2" in result["msg"], result
        assert admin_states(lab) == {"shop-web1": "0", "shop-web2": "1", "shop-web3": "0"}  # nothing was sent
        assert lab.servers("shop")["shop-web3"]["status"] == "UP"
    finally:
        rc, result = module(**server_args(lab, "shop-web2", state="ready"))
        assert rc == 0 and lab.servers("shop")["shop-web2"]["status"] == "UP", result


def test_unknown_names_and_unreachable_sockets_fail_clearly(lab, tmp_path):
    sock = lab.shop("shop")["haproxy_socket"]
    rc, result = module(**server_args(lab, "shop-web9", state="drain"))
    assert rc != 0 and result["msg"].startswith("no such server 'shop-web9' in backend 'shop'"), result
    assert sock in result["msg"] and "shop-web1" in result["msg"]  # names the socket and what exists
    rc, result = module(socket=sock, backend="nope", server="shop-web1", state="drain")
    assert rc != 0 and "no such backend 'nope'" in result["msg"] and sock in result["msg"], result
    assert {state for state in admin_states(lab).values()} == {"0"}  # nothing was set anywhere

    missing = tmp_path / "missing.sock"
    rc, result = module(socket=str(missing), backend="shop", server="shop-web1", state="drain")
    assert rc != 0 and "no such socket" in result["msg"] and str(missing) in result["msg"], result
    stale = tmp_path / "stale.sock"  # a socket file nobody listens on, as a stopped HAProxy leaves behind
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(stale))
    rc, result = module(socket=str(stale), backend="shop", server="shop-web1", state="query")
    assert rc != 0 and "connection refused" in result["msg"] and str(stale) in result["msg"], result
    assert "backend shop, server shop-web1" in result["msg"]


def test_a_node_that_answers_500_shows_down_and_is_never_reported_ready(lab):
    node = "shop-web3"
    # Patched without the DI compile production needs: the node answers 500 to every page.
    lab.run_as(node, ["php", "vendor/bin/magento-patches", "apply", "ACSD-61103", "-n"], check=True)
    lab.run_as(node, ["php", "bin/magento", "cache:clean"], check=True)
    try:
        assert home(lab.host(node)["base_url"]) == 500
        row = wait_status(lab, node, "DOWN")
        assert (row["status"], row["check_status"], row["check_code"]) == ("DOWN", "L7STS", "500"), row
        assert [home(lab.shop("shop")["frontend_url"]) for _ in range(4)] == [200] * 4

        module(**server_args(lab, node, state="maint"))
        rc, result = module(**server_args(lab, node, state="ready", wait_timeout=3))
        assert rc != 0 and "not UP" in result["msg"] and "L7STS 500" in result["msg"], result
        assert result["after"]["admin_state"] == "ready" and lab.servers("shop")[node]["status"] == "DOWN"
    finally:
        lab.run_as(node, ["php", "vendor/bin/magento-patches", "revert", "ACSD-61103", "-n"], check=True)
        lab.run_as(node, ["php", "bin/magento", "cache:clean"], check=True)
    assert home(lab.host(node)["base_url"]) == 200
    assert wait_status(lab, node, "UP")["status"] == "UP"


def playbook(lab, env, tmp_path, entry, *extra) -> subprocess.CompletedProcess:
    play = tmp_path / f"{entry}.yml"
    play.write_text(
        "- name: One lb_drain entry point over the shop\n"
        "  hosts: shop\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        f"    - name: {entry}\n"
        "      ansible.builtin.include_role:\n"
        "        name: qpt_apply.magento.lb_drain\n"
        f"        tasks_from: {entry}\n")
    env = {**env, "ANSIBLE_STDOUT_CALLBACK": "default"}
    return subprocess.run([str(BIN / "ansible-playbook"), "-i", str(lab.inventory), str(play), *extra],
                          capture_output=True, text=True, env=env, timeout=300)


def health_checks_seen(lab, node) -> int:
    """Connections the node's web server accepted (its log): HAProxy's health checks, when nothing else asks."""
    return len(re.findall(r" Accepted$", (lab.dir / "hosts" / node / "front.log").read_text(), re.M))


def test_the_role_drains_with_nothing_but_the_inventory(lab, env, tmp_path):
    done = playbook(lab, env, tmp_path, "drain", "--limit", "shop-web2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "changed: [shop-web2 -> localhost]" in done.stdout
    # Drained, then in maintenance: HAProxy stops even its health checks, so nothing writes the node's
    # var/cache while setup:di:compile deletes it.
    assert lab.servers("shop")["shop-web2"]["status"] == "MAINT"
    assert {n: s for n, s in admin_states(lab).items()} == {"shop-web1": "0", "shop-web2": "1", "shop-web3": "0"}
    checks = health_checks_seen(lab, "shop-web2")
    time.sleep(3)  # three check intervals
    assert health_checks_seen(lab, "shop-web2") == checks
    assert health_checks_seen(lab, "shop-web1") > 0

    done = playbook(lab, env, tmp_path, "ready")
    assert done.returncode == 0, done.stdout + done.stderr
    assert {row["status"] for row in lab.servers("shop").values()} == {"UP"}
    assert set(admin_states(lab).values()) == {"0"}
