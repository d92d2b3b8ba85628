"""`qpt-apply doctor`: can each host be reached, trusted and patched?

Per host, in parallel threads (paramiko, one SSH connection each): TCP reachability, the host key
against known_hosts (never trusted on the fly, never written), SSH login, then one shell session that
looks for what a rollout needs (Magento root, PHP, composer, git or GNU patch, python3, a writable
var/). Nothing is written on a host except a temp file in var/ that the probe removes at once.

Connection settings come from the host's variables exactly as Ansible resolves them (inventory, with
-e, vault and the -u/--private-key/--ssh-common-args a host does not override), and are read the way
Ansible's ssh connection would use them: `ansible_host`/`ansible_port`/`ansible_user`/
`ansible_ssh_private_key_file`, the ssh args (`StrictHostKeyChecking`, `UserKnownHostsFile`,
`IdentitiesOnly`, `ProxyCommand`, `ProxyJump`, `-i`) and `ansible_host_key_checking`.

Modules, in the order a run goes through them: targets (with ssh_args) reads the inventory, known_hosts
reads the host keys, fleet runs one ssh_check per host in parallel, probe is what that check runs on the
host and how its answers read, report turns the findings into JSON or a table.
"""

from __future__ import annotations

import getpass
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from ..ansible_options import AnsibleOptions
from ..model import InputError
from .fleet import WORKERS, check_all
from .known_hosts import KnownHosts, fingerprint
from .probe import interpret, parse_probe, probe_script
from .report import document, render
from .ssh_args import ssh_options
from .ssh_check import _key_types_first
from .targets import Target, resolve_targets, target_from_hostvars

__all__ = [
    "KnownHosts", "Target", "fingerprint", "interpret", "main", "parse_probe", "probe_script", "ssh_options",
    "target_from_hostvars",
    "_key_types_first",   # the key-type order is pinned by tests
    "getpass",            # tests compare the default SSH user with doctor.getpass.getuser()
]

DEFAULT_TIMEOUT = 10.0      # seconds per host for connect and login, unless --timeout says otherwise


def main(inventory: Path | str | Sequence[Path | str], limit: str | None, *, json_mode: bool,
         known_hosts: Path | None, timeout: float | None = None, ansible: AnsibleOptions | None = None) -> int:
    """Exit 0 when no host has a problem, 1 when any has; InputError (exit 2) for bad input."""
    if timeout is None:
        timeout = ansible.timeout if ansible and ansible.timeout else DEFAULT_TIMEOUT
    if not timeout or timeout <= 0:
        raise InputError(f"--timeout must be a positive number of seconds, not {timeout}")
    targets = resolve_targets(inventory, limit, Path(known_hosts) if known_hosts else None, ansible)
    # paramiko logs handshake failures at ERROR; doctor reports them itself, once, per host.
    logging.getLogger("paramiko").addHandler(logging.NullHandler())
    logging.getLogger("paramiko").propagate = False
    reports = check_all(targets, timeout, workers=(ansible.forks if ansible and ansible.forks else WORKERS))
    doc = document(reports)
    if json_mode:
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        sys.stdout.flush()
    else:
        from ..console import Ui

        render(doc, Ui(json_mode=False).out)
    return doc["exit_code"]
