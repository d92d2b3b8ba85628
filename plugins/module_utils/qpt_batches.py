# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Rolling batches: the order a rollout takes the hosts in, how Ansible's `serial` splits them, and which
batches a load balancer forbids.

One home for all three, so the CLI's plan, the playbooks and the journal agree on who goes when.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def batches(hosts, serial):
    """Split hosts into batches exactly as Ansible's `serial` does (sizes from the play's host count;
    the last size repeats)."""
    hosts = list(hosts)
    serial = serial if isinstance(serial, list) else [serial]
    total = len(hosts)

    def size(value):
        if isinstance(value, str) and value.endswith("%"):
            return int(int(value[:-1]) / 100.0 * total) or 1
        return int(value)

    result, position, index = [], 0, 0
    while position < total:
        count = size(serial[min(index, len(serial) - 1)])
        result.append(hosts[position:position + count])
        position += count
        index += 1
    return result


# The host variables that place a node behind a load balancer: what the CLI reads for rollout_order.
LOAD_BALANCER_VARIABLES = ("haproxy_host", "haproxy_backend")


def _backend_of(variables):
    """(LB host, backend) a node is drained in, or None without a load balancer. Not the socket: a node
    with a wrong socket path is still a node of that backend (and fails on its own, before it changes)."""
    if not variables.get("haproxy_backend"):
        return None
    return (variables.get("haproxy_host"), variables["haproxy_backend"])


def rollout_order(hostvars, hosts):
    """The hosts in the order a rollout takes them: first the nodes behind a load balancer, one node of each
    backend in turn (so the canary is one node of one shop, and the batches that follow take a shop's nodes
    apart rather than together), then the other hosts. Inventory order otherwise, so a fleet without a load
    balancer keeps it."""
    backends, turn = {}, {}
    for position, host in enumerate(hosts):
        backend = _backend_of(hostvars.get(host) or {})
        if backend is None:
            turn[host] = (1, 0, position)
        else:
            nodes = backends.setdefault(backend, [])
            turn[host] = (0, len(nodes), list(backends).index(backend))
            nodes.append(host)
    return sorted(hosts, key=lambda host: turn[host])


def drain_refusals(hostvars, hosts, serial):
    """One line per batch of `hosts` that would drain every node of a backend at once (the shop would be
    down). A backend's nodes are all the inventory's hosts in it, also those outside this rollout. A
    backend the inventory knows one node of is left to the drain itself, which refuses per host when no
    other server serves (haproxy_server keep_serving) and names a backend or server HAProxy lacks."""
    members = {}
    for host in hostvars:
        backend = _backend_of(hostvars[host] or {})
        if backend:
            members.setdefault(backend, []).append(host)
    lines = []
    for number, batch in enumerate(batches(hosts, serial), start=1):
        for (_lb, backend), nodes in sorted(members.items(), key=lambda item: item[0][1]):
            if len(nodes) > 1 and all(node in batch for node in nodes):
                lines.append("batch %d (%d hosts) would take every node of backend %s out of rotation at once "
                             "(%s): use smaller batches, e.g. --batches 1,25%%"
                             % (number, len(batch), backend, ", ".join(nodes)))
    return lines
