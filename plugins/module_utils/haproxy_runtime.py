# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""HAProxy's runtime API: one command per connection, and the parsers of its answers.

The `haproxy_server` module drains and readies servers with it; the lab reads its shops' load
balancers with the same code, so both see one server the same way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io
import socket

ANSWER_TIMEOUT = 5
# srv_admin_state bits (HAProxy's SRV_ADMF_*): forced, inherited, configured, resolution and
# hostname maintenance; forced and inherited drain.
ADMIN_MAINT = 0x01 | 0x02 | 0x04 | 0x20 | 0x40
ADMIN_DRAIN = 0x08 | 0x10
# `show stat` reports the last check's status prefixed with "* " while a new check is running.
CHECK_RUNNING_PREFIX = "* "


class RuntimeApiError(Exception):
    pass


class RuntimeApi:
    """One command per connection, as HAProxy's non-interactive mode answers and closes."""

    def __init__(self, path, timeout=ANSWER_TIMEOUT):
        self.path = str(path)
        self.timeout = timeout

    def send(self, line):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(self.timeout)
                conn.connect(self.path)
                conn.sendall(line.encode() + b"\n")
                chunks = []
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
        except FileNotFoundError:
            raise RuntimeApiError("no such socket (is HAProxy running with this `stats socket`?)")
        except ConnectionRefusedError:
            raise RuntimeApiError("connection refused (nothing listens on the socket: is HAProxy running?)")
        except PermissionError:
            raise RuntimeApiError("permission denied (run as a user allowed to open the socket)")
        except socket.timeout:
            raise RuntimeApiError("no answer within %ss" % self.timeout)
        except OSError as exc:
            raise RuntimeApiError(exc.strerror or str(exc))
        return b"".join(chunks).decode("utf-8", "replace")


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def parse_servers_state(text):
    """`show servers state <backend>` -> {server name: its columns}; None when HAProxy did not list it
    (an unknown backend: "Can't find backend.")."""
    lines = [line for line in text.splitlines() if line.strip()]
    header = next((line[2:].split() for line in lines if line.startswith("# ")), None)
    if header is None:
        return None
    rows = {}
    for line in lines:
        if line.startswith("#") or line.strip() == "1":
            continue
        row = dict(zip(header, line.split()))
        if "srv_name" in row:
            rows[row["srv_name"]] = row
    return rows


def parse_stat(text, backend):
    """`show stat -1 4 -1` (servers only, CSV) -> {server name: its columns} of one backend; None when the
    answer is not the CSV. check_status is the last finished check's, without the running-check prefix."""
    if not text.startswith("# "):
        return None
    rows = {}
    for row in csv.DictReader(io.StringIO(text[2:])):
        if row.get("pxname") != backend:
            continue
        status = row.get("check_status") or ""
        if status.startswith(CHECK_RUNNING_PREFIX):
            status = status[len(CHECK_RUNNING_PREFIX):]
        row["check_status"] = status
        rows[row["svname"]] = row
    return rows


def admin_state(bits):
    if bits & ADMIN_MAINT:
        return "maint"
    if bits & ADMIN_DRAIN:
        return "drain"
    return "ready"


def describe(state_row, stat_row):
    """One server as the module returns it, from its `show servers state` and `show stat` rows."""
    code = (stat_row.get("check_code") or "").strip()
    return {
        "admin_state": admin_state(_int(state_row.get("srv_admin_state"))),
        "status": stat_row.get("status", ""),
        "scur": _int(stat_row.get("scur")),
        "qcur": _int(stat_row.get("qcur")),
        "check_status": stat_row.get("check_status") or "",
        "check_code": _int(code, None) if code else None,
        "check_desc": stat_row.get("check_desc", ""),
    }
