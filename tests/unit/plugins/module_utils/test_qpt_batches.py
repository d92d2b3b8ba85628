# -*- coding: utf-8 -*-
"""Rollout order, serial batches and the load balancer's refusals (plugins/module_utils/qpt_batches.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_batches import (
    batches, drain_refusals, rollout_order)


def shop_fleet():
    """One plain host, then two 3-node shops behind one HAProxy, in inventory order."""
    hostvars = {"plain1": {}}
    for shop in ("a", "b"):
        for node in (1, 2, 3):
            hostvars["%s-web%d" % (shop, node)] = {"haproxy_host": "lb", "haproxy_backend": shop}
    return hostvars


def test_a_fleet_without_a_load_balancer_keeps_inventory_order():
    hosts = ["web3", "web1", "web2"]
    assert rollout_order({h: {} for h in hosts}, hosts) == hosts


def test_the_canary_is_one_node_of_one_shop_and_shops_are_taken_apart():
    hostvars = shop_fleet()
    order = rollout_order(hostvars, list(hostvars))
    assert order == ["a-web1", "b-web1", "a-web2", "b-web2", "a-web3", "b-web3", "plain1"]
    assert batches(order, [1, "25%", "100%"])[0] == ["a-web1"]
    # Inventory order with the default batches would drain all of shop b at once; this order does not.
    assert drain_refusals(hostvars, list(hostvars), [1, "25%", "100%"]) != []
    assert drain_refusals(hostvars, order, [1, "25%", "100%"]) == []


def test_a_batch_holding_every_node_of_a_backend_is_refused():
    hostvars = shop_fleet()
    order = rollout_order(hostvars, list(hostvars))
    (line,) = drain_refusals(hostvars, order[:3] + ["a-web3"], ["100%"])
    assert line.startswith("batch 1 (4 hosts) would take every node of backend a out of rotation at once")
    # A backend the inventory knows one node of is judged by the drain itself, on the host.
    assert drain_refusals({"solo": {"haproxy_backend": "s"}}, ["solo"], ["100%"]) == []
