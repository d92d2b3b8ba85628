"""Rolling a production shop behind a real HAProxy: customers see no error, nodes return only when fixed.

One lab for the module: a 3-node production shop on one database. A bounded load generator logs a
second customer in through HAProxy's frontend during the rollouts (so it never touches the proof's
customer row). Asserted on HAProxy's own state (runtime socket), HTTP answers, the nodes' QPT status
and the stand-ins' command logs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from test_ansible_support import qpt_status

from qpt_apply.lab import standin
from qpt_apply.lab.load import Load

pytestmark = pytest.mark.lab

SHOP = "shop"
NODES = [f"{SHOP}-web{i}" for i in (1, 2, 3)]
SHOPPER = "shopper@example.com"
# A DI compile that takes a few seconds, as on a real node: without draining, customers meet the 500s.
SLOW_COMPILE = {"di_compile": 3.0}


@pytest.fixture(scope="module")
def shop(lab_factory):
    lab = lab_factory([], shops=[{"name": SHOP, "nodes": 3, "magento": "2.4.6-p3", "qpt": "1.1.55",
                                  "mode": "production"}])
    # The load logs in as another customer than the functional proof's.
    lab.sql(NODES[0], "INSERT INTO customer_entity (website_id, email, group_id, store_id, is_active, firstname, "
                      f"lastname, password_hash) SELECT website_id, '{SHOPPER}', group_id, store_id, is_active, "
                      "firstname, lastname, password_hash FROM customer_entity WHERE entity_id = 1")
    for node in NODES:
        lab.set_faults(node, delays=SLOW_COMPILE)
    return lab


def cli(lab, *args: str, state: Path, inventory: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "QPT_VERIFY_CUSTOMER_PASSWORD": lab.host(NODES[0])["customer"]["password"]}
    return subprocess.run([sys.executable, "-m", "qpt_apply.cli", *args, "-i", str(inventory or lab.inventory),
                           "--state-dir", str(state), "--json"], capture_output=True, text=True, env=env, timeout=900)


def records(done: subprocess.CompletedProcess) -> dict[str, dict]:
    return {r["host"]: r for r in json.loads(done.stdout)["hosts"]}


def load(lab) -> Load:
    password = lab.host(NODES[0])["customer"]["password"]
    return Load(lab.shop(SHOP)["frontend_url"], SHOPPER, password, threads=3, duration=400, interval=0.02)


def pool(lab) -> dict[str, str]:
    """Each node's place in HAProxy: UP (in rotation and healthy), drain or maint (taken out), or its status."""
    lines = lab.haproxy(SHOP, f"show servers state {SHOP}").splitlines()
    header = next(line[2:].split() for line in lines if line.startswith("# "))
    admin = {row["srv_name"]: int(row["srv_admin_state"]) for row in
             (dict(zip(header, line.split())) for line in lines if line[:1].isdigit() and " " in line)}
    stats = lab.servers(SHOP)
    return {node: "maint" if admin[node] & 0x01 else "drain" if admin[node] & 0x08 else stats[node]["status"]
            for node in NODES}


def changed_nodes(lab) -> list[str]:
    return [n for n in NODES if any(c["cmd"] == "qpt apply" for c in lab.commands(n))]


def test_a_batch_that_would_empty_the_backend_is_refused_before_anything_starts(shop, tmp_path):
    done = cli(shop, "apply", "--yes", "--batches", "100%", state=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "would take every node of backend shop out of rotation" in done.stderr
    plan = cli(shop, "plan", "--batches", "3", state=tmp_path)
    assert plan.returncode == 2 and "batch 1 (3 hosts)" in plan.stderr, plan.stderr
    assert changed_nodes(shop) == [] and set(pool(shop).values()) == {"UP"}


@pytest.mark.parametrize("override, message", [
    ({"haproxy_server": "no-such-node"}, "no such server 'no-such-node' in backend 'shop'"),
    ({"haproxy_socket": "/nonexistent/haproxy.sock"}, "/nonexistent/haproxy.sock"),
    ({"haproxy_backend": "no_such_backend"}, "no such backend 'no_such_backend'"),
])
def test_bad_load_balancer_settings_fail_the_node_before_it_changes(shop, tmp_path, override, message):
    """The whole shop is rolled; the canary's settings are wrong: it fails before it changes, and the rollout
    halts with the other nodes untouched and serving."""
    inventory = yaml.safe_load(shop.inventory.read_text())
    node = inventory["all"]["children"]["magento"]["hosts"][NODES[0]]
    node.update(override)
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    done = cli(shop, "apply", "--yes", state=tmp_path / "state", inventory=tmp_path / "inventory.yml")
    assert done.returncode == 3, done.stdout + done.stderr  # halted after the canary (cap 0)
    outcomes = records(done)
    record = outcomes[NODES[0]]
    assert record["outcome"] == "failed" and record["reason"]["code"] == "load-balancer", record
    assert message in record["reason"]["message"]
    assert [outcomes[n]["outcome"] for n in NODES[1:]] == ["not-run"] * 2, outcomes
    assert changed_nodes(shop) == [] and [qpt_status(shop, n) for n in NODES] == ["Not applied"] * 3
    assert set(pool(shop).values()) == {"UP"}


def test_canary_first_apply_and_revert_under_load_show_customers_no_error(shop, tmp_path):
    customers = load(shop).start()
    try:
        applied = cli(shop, "apply", "--yes", "--functional", state=tmp_path)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert [qpt_status(shop, n) for n in NODES] == ["Applied"] * 3
        assert set(pool(shop).values()) == {"UP"}
        reverted = cli(shop, "revert", "--yes", state=tmp_path)
        assert reverted.returncode == 0, reverted.stdout + reverted.stderr
    finally:
        seen = customers.stop()
    assert seen["ok"] > 50 and seen["failed"] == 0, seen  # no 5xx, no connection error
    assert [qpt_status(shop, n) for n in NODES] == ["Not applied"] * 3
    assert set(pool(shop).values()) == {"UP"}
    for node, record in records(applied).items():
        # Proven fixed while still out of rotation, then back in: the record was taken after `ready`.
        assert record["verify"]["functional"]["outcome"] == "fixed", record["verify"]
        assert record["load_balancer"]["state"] == "ready" and record["load_balancer"]["status"] == "UP"
        assert record["batch"] == NODES.index(node) + 1  # canary first, one node at a time
    assert all(r["load_balancer"]["state"] == "ready" for r in records(reverted).values())


def test_without_draining_customers_do_see_errors(shop, tmp_path):
    customers = load(shop).start()
    try:
        applied = cli(shop, "apply", "--yes", "--no-drain", state=tmp_path)
    finally:
        seen = customers.stop()
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert seen["statuses"].get(500, 0) > 0, seen  # the DI-compile window, served to customers
    assert all(r["load_balancer"] is None for r in records(applied).values())
    reverted = cli(shop, "revert", "--yes", state=tmp_path)
    assert reverted.returncode == 0, reverted.stdout + reverted.stderr


def test_a_node_whose_change_fails_stays_out_of_rotation_and_the_rollout_halts(shop, tmp_path):
    canary = NODES[0]
    shop.set_faults(canary, faults={"di_compile": "fail"})
    started = time.time()
    customers = load(shop).start()
    try:
        done = cli(shop, "apply", "--yes", state=tmp_path)
    finally:
        seen = customers.stop()
    assert done.returncode == 3, done.stdout + done.stderr  # halted: the cap (0) is exceeded after the canary
    record = records(done)[canary]
    assert record["outcome"] == "failed" and "left out of rotation" in record["reason"]["message"], record
    assert pool(shop) == {canary: "maint", NODES[1]: "UP", NODES[2]: "UP"}
    assert [qpt_status(shop, n) for n in NODES[1:]] == ["Not applied"] * 2  # untouched, in service
    assert not any(c["cmd"] == "qpt apply" and c["time"] >= started for n in NODES[1:] for c in shop.commands(n))
    assert seen["failed"] == 0, seen
    # Once the cause is fixed, the next run repairs the node and puts it back.
    shop.set_faults(canary, faults={})
    again = cli(shop, "apply", "--yes", "--limit", canary, state=tmp_path / "again")
    assert again.returncode == 0, again.stdout + again.stderr
    assert pool(shop)[canary] == "UP" and qpt_status(shop, canary) == "Applied"


def test_a_node_failing_its_health_gate_stays_out_of_rotation_and_the_rollout_halts(shop, tmp_path):
    """The change goes through, then the node does not serve: the gate keeps it out, customers never meet it."""
    canary = NODES[0]
    if qpt_status(shop, canary) != "Not applied":  # left patched by an earlier test: the change must be real
        undone = cli(shop, "revert", "--yes", "--limit", canary, state=tmp_path / "undo")
        assert undone.returncode == 0 and qpt_status(shop, canary) == "Not applied", undone.stdout + undone.stderr
    others = [qpt_status(shop, n) for n in NODES[1:]]
    # The canary's home page breaks once it is out of rotation, after its read: only the gate can see it.
    broken = tmp_path / standin.FAULTS_FILE
    broken.write_text(json.dumps({**shop.faults(canary), "faults": {"home_page": "fail"}}))
    (tmp_path / "pre.yml").write_text(
        "- name: Break the canary's home page\n  ansible.builtin.copy:\n"
        f"    src: {broken}\n    dest: {Path(shop.host(canary)['home']) / broken.name}\n    mode: '0644'\n"
        f"  when: inventory_hostname == '{canary}'\n")
    started = time.time()
    customers = load(shop).start()
    try:
        done = cli(shop, "apply", "--yes", "-e", f"qpt_pre_host_tasks={tmp_path / 'pre.yml'}", state=tmp_path / "s")
    finally:
        seen = customers.stop()
    assert done.returncode == 3, done.stdout + done.stderr  # halted: the cap (0) is exceeded after the canary
    record = records(done)[canary]
    assert record["outcome"] == "failed" and "HTTP 500" in record["reason"]["message"], record
    assert "left out of rotation" in record["reason"]["message"], record
    assert get_status(shop.host(canary)["base_url"] + "/") == 500  # what the gate saw, still there
    assert pool(shop) == {canary: "maint", NODES[1]: "UP", NODES[2]: "UP"}
    assert [qpt_status(shop, n) for n in NODES[1:]] == others  # untouched, in service
    assert not any(c["cmd"] == "qpt apply" and c["time"] >= started for n in NODES[1:] for c in shop.commands(n))
    assert seen["ok"] > 20 and seen["failed"] == 0, seen  # the broken node never took a customer's request
    # Once the page is mended, the next run finishes the node and puts it back.
    shop.set_faults(canary, faults={})
    again = cli(shop, "apply", "--yes", "--limit", canary, state=tmp_path / "again")
    assert again.returncode == 0, again.stdout + again.stderr
    assert pool(shop)[canary] == "UP" and qpt_status(shop, canary) == "Applied"
    assert get_status(shop.host(canary)["base_url"] + "/") == 200


def get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=20) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_hooks_run_around_the_change_of_each_node(shop, tmp_path):
    """qpt_pre_host_tasks / qpt_post_host_tasks: what another load balancer would do, here noted on the controller."""
    marks = tmp_path / "marks"
    marks.mkdir()
    hook = ("- name: Note {0}\n  ansible.builtin.copy:\n    dest: %s/{{{{ inventory_hostname }}}}.{0}\n"
            "    content: \"{{{{ now(utc=true).timestamp() }}}}\"\n    mode: '0644'\n"
            "  delegate_to: localhost\n  become: false\n" % marks)
    (tmp_path / "pre.yml").write_text(hook.format("pre"))
    (tmp_path / "post.yml").write_text(hook.format("post"))
    node = NODES[2]
    done = cli(shop, "apply", "--yes", "--limit", node, "-e", f"qpt_pre_host_tasks={tmp_path / 'pre.yml'}",
               "-e", f"qpt_post_host_tasks={tmp_path / 'post.yml'}", state=tmp_path / "state")
    assert done.returncode == 0, done.stdout + done.stderr
    applied = [c["time"] for c in shop.commands(node) if c["cmd"] == "qpt apply" and c["event"] == "start"]
    pre, post = (float((marks / f"{node}.{when}").read_text()) for when in ("pre", "post"))
    assert pre < applied[-1] < post
    assert sorted(p.name for p in marks.iterdir()) == [f"{node}.post", f"{node}.pre"]  # that node only
    reverted = cli(shop, "revert", "--yes", "--limit", node, state=tmp_path / "state")
    assert reverted.returncode == 0, reverted.stdout + reverted.stderr
