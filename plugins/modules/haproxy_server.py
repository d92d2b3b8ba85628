#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Drain, ready, put in maintenance or read one HAProxy server through the runtime API's unix socket.

Our own rather than community.general.haproxy: only ansible-core is a dependency here (no collections
to install), and this needs nothing but the socket and the standard library.
"""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: haproxy_server
short_description: Drain, ready, put in maintenance or read one server of an HAProxy backend
description:
  - Talks to HAProxy's runtime API over its unix socket (a C(stats socket ... level admin) line in
    the global section), so it runs on the host where that socket lives; from a play over the web
    nodes use C(delegate_to) the load balancer host.
  - C(drain) sends C(set server BACKEND/SERVER state drain). HAProxy then sends the server no new
    connections, lets the ones it has finish and keeps health-checking it. With O(wait) the module
    waits until the server's current sessions (C(scur)) and its queue are 0, at most O(drain_timeout)
    seconds.
  - C(ready) sends C(set server BACKEND/SERVER state ready). With O(wait) the module waits until the
    health check reports the server fully C(UP), at most O(wait_timeout) seconds. Leaving
    maintenance HAProxy takes the server as C(UP 1/2) before checking it; only a successful check
    makes it C(UP), so a broken node is never reported ready.
  - C(maint) sends C(set server BACKEND/SERVER state maint) (no traffic, no health checks); with
    O(wait) it waits for the sessions to end like C(drain). With O(drain_first) it drains first, waits
    until the sessions have ended, and only then enters maintenance, the graceful way to take a node
    out for a change, since in maintenance HAProxy stops health-checking it too, so nothing at all
    reaches the node while it changes (a health check that renders a page writes Magento's
    C(var/cache), which a running C(setup:di:compile) is deleting).
  - C(query) only reads.
  - A server already in the wanted administrative state is left alone (C(changed=false)); the wait
    still applies.
version_added: "0.1.0"
author: qpt-apply contributors (@qpt-apply)
options:
  socket:
    description: Path of HAProxy's runtime API unix socket on the host the module runs on; it must allow the C(admin) level.
    type: path
    required: true
  backend:
    description: Name of the backend the server belongs to.
    type: str
    required: true
  server:
    description: Name of the server in that backend.
    type: str
    required: true
  state:
    description:
      - C(drain) no new traffic, existing sessions go on; C(ready) back in service; C(maint) out of
        service, health checks stopped; C(query) read the server's state and change nothing.
    type: str
    choices: [drain, ready, maint, query]
    default: query
  wait:
    description:
      - After C(drain) or C(maint), wait until the server has no session left; after C(ready), wait
        until its health check says C(UP). Fails when the time runs out, leaving the server as it is.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the server to come C(UP) after C(ready).
    type: int
    default: 30
  drain_timeout:
    description: Seconds to wait for the server's sessions to end after C(drain) or C(maint).
    type: int
    default: 60
  drain_first:
    description:
      - With C(maint), drain first and wait until the server has no session left (at most
        O(drain_timeout) seconds), then enter maintenance. Ignored for the other states.
    type: bool
    default: false
  keep_serving:
    description:
      - With C(drain) or C(maint), refuse (fail, send nothing) unless at least this many other servers of
        the backend are ready and UP, so the last nodes in service are never taken out.
      - C(0) never refuses.
    type: int
    default: 0
notes:
  - Check mode reads the server and reports what would change; it sends no C(set) command and does
    not wait.
  - Fails with a message naming the socket, backend and server when the socket cannot be reached
    (missing, connection refused, permission denied), when the backend or server does not exist, or
    when HAProxy refuses the command (e.g. a socket below the C(admin) level).
"""

EXAMPLES = r"""
- name: Take this node out of its shop's load balancer
  haproxy_server:
    socket: /run/haproxy/admin.sock
    backend: shop
    server: "{{ inventory_hostname }}"
    state: drain
    drain_timeout: 120
  delegate_to: lb1.example.com

- name: Or drain it, then stop even its health checks while it changes
  haproxy_server:
    socket: /run/haproxy/admin.sock
    backend: shop
    server: "{{ inventory_hostname }}"
    state: maint
    drain_first: true
  delegate_to: lb1.example.com

- name: Put it back once it serves again
  haproxy_server:
    socket: /run/haproxy/admin.sock
    backend: shop
    server: "{{ inventory_hostname }}"
    state: ready
    wait_timeout: 60
  delegate_to: lb1.example.com

- name: Where does it stand?
  haproxy_server:
    socket: /run/haproxy/admin.sock
    backend: shop
    server: web1
  delegate_to: lb1.example.com
  register: lb_server
"""

RETURN = r"""
backend:
  description: The backend, as given.
  type: str
  returned: always
  sample: shop1
server:
  description: The server, as given.
  type: str
  returned: always
  sample: shop1-web1
before:
  description: The server as read before any change.
  type: dict
  returned: success
  contains:
    admin_state:
      description: Administrative state set through the runtime API or the configuration.
      type: str
      sample: ready
    status:
      description: HAProxy's status of the server (C(show stat)), e.g. C(UP), C(DOWN), C(DRAIN), C(MAINT), C(UP 1/2), C(no check).
      type: str
      sample: UP
    scur:
      description: Current sessions on the server.
      type: int
      sample: 0
    qcur:
      description: Requests queued for the server.
      type: int
      sample: 0
    check_status:
      description: Result of the last health check, e.g. C(L7OK), C(L7STS), C(L4CON); empty when not checked.
      type: str
      sample: L7OK
    check_code:
      description: HTTP status of the last health check, when it got one.
      type: int
      sample: 200
    check_desc:
      description: HAProxy's words for the last health check result.
      type: str
      sample: Layer7 check passed
    others_serving:
      description:
        - How many other servers of the backend are C(ready) and C(UP). 0 after a drain means the
          backend has nobody left to serve.
      type: int
      sample: 2
  sample:
    admin_state: ready
    status: UP
    scur: 2
    qcur: 0
    check_status: L7OK
    check_code: 200
    check_desc: Layer7 check passed
    others_serving: 2
after:
  description: The server as read at the end (same keys as RV(before)); in check mode, unchanged.
  type: dict
  returned: success
  sample:
    admin_state: drain
    status: DRAIN
    scur: 0
    qcur: 0
    check_status: L7OK
    check_code: 200
    check_desc: Layer7 check passed
    others_serving: 2
scur:
  description: Current sessions on the server at the end.
  type: int
  returned: success
  sample: 0
status:
  description: HAProxy's status of the server at the end.
  type: str
  returned: success
  sample: DRAIN
check_status:
  description: Result of the last health check at the end.
  type: str
  returned: success
  sample: L7OK
command:
  description:
    - The runtime API command sent (or, in check mode, that would be sent); null when none was needed.
      With O(drain_first), both commands, separated by C(; ).
  type: str
  returned: always
  sample: set server shop/web1 state drain
waited:
  description: Seconds spent waiting for the sessions to end or for the server to come up.
  type: float
  returned: success
  sample: 1.25
msg:
  description: What was done, or why it failed.
  type: str
  returned: always
  sample: shop/web1 drained (ready -> drain), 0 sessions left after 1.2s
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.qpt_apply.magento.plugins.module_utils.haproxy_runtime import (
    RuntimeApi, RuntimeApiError, describe, parse_servers_state, parse_stat)

POLL = 0.25
SERVING = ("UP", "no check")


class Server:
    def __init__(self, module):
        params = module.params
        self.module = module
        self.api = RuntimeApi(params["socket"])
        self.backend = params["backend"]
        self.name = params["server"]
        self.label = "%s/%s at %s" % (self.backend, self.name, params["socket"])

    def fail(self, msg, **extra):
        self.module.fail_json(**dict(extra, msg=msg, socket=self.module.params["socket"], backend=self.backend,
                                     server=self.name))

    def call(self, line):
        try:
            return self.api.send(line)
        except RuntimeApiError as exc:
            self.fail("HAProxy runtime API at %s: %s (backend %s, server %s)"
                      % (self.module.params["socket"], exc, self.backend, self.name), command=line)

    def read(self):
        line = "show servers state %s" % self.backend
        answer = self.call(line)
        states = parse_servers_state(answer)
        if states is None and "find backend" in answer:
            self.fail("no such backend %r in HAProxy at %s (server %s)"
                      % (self.backend, self.module.params["socket"], self.name))
        if states is None:
            self.fail("HAProxy at %s answered %r to %r (backend %s, server %s)"
                      % (self.module.params["socket"], answer.strip()[:200], line, self.backend, self.name),
                      command=line)
        if self.name not in states:
            known = ", ".join(sorted(states)) or "none"
            self.fail("no such server %r in backend %r of HAProxy at %s (servers: %s)"
                      % (self.name, self.backend, self.module.params["socket"], known))
        stats = parse_stat(self.call("show stat -1 4 -1"), self.backend) or {}
        current = describe(states[self.name], stats.get(self.name, {}))
        others = [describe(row, stats.get(name, {})) for name, row in states.items() if name != self.name]
        current["others_serving"] = sum(1 for other in others if serving(other))
        return current

    def send(self, line):
        """A `set` command: HAProxy answers nothing when it did it, else says why not."""
        answer = self.call(line).strip()
        if answer:
            self.fail("HAProxy refused %r at %s: %s" % (line, self.module.params["socket"], answer), command=line)

    def wait(self, done, timeout):
        """Poll until done(server) or timeout; returns (server as last read, seconds waited, done?)."""
        start = time.monotonic()
        while True:
            current = self.read()
            waited = time.monotonic() - start
            if done(current):
                return current, waited, True
            if waited >= timeout:
                return current, waited, False
            time.sleep(POLL)


def drained(server):
    return server["scur"] == 0 and server["qcur"] == 0


def serving(server):
    return server["admin_state"] == "ready" and server["status"] in SERVING


def run(module):
    params = module.params
    target = params["state"]
    server = Server(module)
    before = server.read()
    result = {"changed": False, "command": None, "before": before, "waited": 0.0, "backend": server.backend,
              "server": server.name}
    if target == "query":
        return finish(result, before, "%s is %s (%s)" % (server.label, before["admin_state"], before["status"]))

    line = "set server %s/%s state %s" % (server.backend, server.name, target)
    needed = before["admin_state"] != target
    # Drained first unless it is drained already: its sessions end before maintenance redirects them.
    drain_first = params["drain_first"] and target == "maint" and needed and before["admin_state"] != "drain"
    commands = ["set server %s/%s state drain" % (server.backend, server.name)] if drain_first else []
    commands += [line] if needed else []
    if needed and target != "ready" and params["keep_serving"] > before["others_serving"]:
        # The last nodes in service stay in: customers would see errors instead of a slower shop.
        server.fail("refused to %s %s: only %d other server(s) of backend %s serve, keep_serving=%d"
                    % (target, server.label, before["others_serving"], server.backend, params["keep_serving"]),
                    **without_msg(result))
    if module.check_mode:
        result.update(changed=needed, command="; ".join(commands) or None)
        would = "would set %s (%s -> %s)" % (server.label, before["admin_state"], target) if needed \
            else "%s is already %s" % (server.label, target)
        return finish(result, before, would)
    waited_draining = 0.0
    if drain_first:
        server.send(commands[0])
        result.update(changed=True, command=commands[0])
        if params["wait"]:
            after, waited_draining, ok = server.wait(drained, params["drain_timeout"])
            result["waited"] = round(waited_draining, 2)
            if not ok:
                finish(result, after, None)
                server.fail("%s still has %d session(s) and %d queued %ds after drain; left in state drain"
                            % (server.label, after["scur"], after["qcur"], params["drain_timeout"]),
                            **without_msg(result))
    if needed:
        server.send(line)
        result.update(changed=True, command="; ".join(commands))
    after = server.read()
    path = [before["admin_state"]] + (["drain"] if drain_first else []) + [target]
    moved = " -> ".join(path) if needed else "already %s" % target
    if not params["wait"]:
        return finish(result, after, "%s: %s" % (server.label, moved))

    if target == "ready":
        after, waited, ok = server.wait(serving, params["wait_timeout"])
        result["waited"] = round(waited, 2)
        if not ok:
            finish(result, after, None)
            server.fail("%s is %s, not UP, %ds after ready (check %s %s%s); left in state ready"
                        % (server.label, after["status"], params["wait_timeout"], after["check_status"] or "-",
                           after["check_code"] if after["check_code"] is not None else "",
                           ": " + after["check_desc"] if after["check_desc"] else ""),
                        **without_msg(result))
        return finish(result, after, "%s: %s, UP after %.1fs" % (server.label, moved, waited))

    after, waited, ok = server.wait(drained, max(0, params["drain_timeout"] - waited_draining))
    waited += waited_draining
    result["waited"] = round(waited, 2)
    if not ok:
        finish(result, after, None)
        server.fail("%s still has %d session(s) and %d queued %ds after %s; left in state %s"
                    % (server.label, after["scur"], after["qcur"], params["drain_timeout"], target, target),
                    **without_msg(result))
    return finish(result, after, "%s: %s, 0 sessions left after %.1fs" % (server.label, moved, waited))


def finish(result, after, msg):
    result.update(after=after, scur=after["scur"], status=after["status"], check_status=after["check_status"])
    if msg is not None:
        result["msg"] = msg
    return result


def without_msg(result):
    return {key: value for key, value in result.items() if key != "msg"}


def main():
    module = AnsibleModule(
        argument_spec={
            "socket": {"type": "path", "required": True},
            "backend": {"type": "str", "required": True},
            "server": {"type": "str", "required": True},
            "state": {"type": "str", "choices": ["drain", "ready", "maint", "query"], "default": "query"},
            "wait": {"type": "bool", "default": True},
            "wait_timeout": {"type": "int", "default": 30},
            "drain_timeout": {"type": "int", "default": 60},
            "keep_serving": {"type": "int", "default": 0},
            "drain_first": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    for option in ("wait_timeout", "drain_timeout", "keep_serving"):
        if module.params[option] < 0:
            module.fail_json(msg="%s must be 0 or more, not %d" % (option, module.params[option]))
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
