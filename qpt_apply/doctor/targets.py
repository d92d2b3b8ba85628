"""What to connect to: each host's settings, read from its variables as Ansible's ssh connection reads them."""

from __future__ import annotations

import getpass
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..ansible_options import AnsibleOptions, inventory_sources
from ..model import InputError
from .known_hosts import GLOBAL_KNOWN_HOSTS, USER_KNOWN_HOSTS
from .ssh_args import ssh_options

GROUP = "magento"
SSH_CONNECTIONS = {"ssh", "smart", "paramiko", "paramiko_ssh", "ansible.builtin.ssh", "ansible.legacy.ssh",
                   "ansible.builtin.paramiko_ssh", "ansible.legacy.paramiko_ssh"}


@dataclass
class Target:
    """How to reach one host and what to look for there, read from its inventory variables."""

    host: str
    address: str
    port: int
    user: str
    key_files: list[str] = field(default_factory=list)
    password: str | None = field(default=None, repr=False)
    identities_only: bool = False
    strict_host_keys: str = "yes"                 # yes | accept-new | no (what ssh would do with an unknown key)
    strict_reason: str = ""                       # which setting turned checking off, for the note
    known_hosts_files: list[str] = field(default_factory=list)
    proxy_command: str | None = None
    magento_root: str | None = None
    magento_php: str = "php"
    magento_user: str | None = None
    python: str | None = None                     # explicit ansible_python_interpreter, else python3 on PATH
    connection: str = "ssh"
    connectable: bool = True                      # False when a connection setting could not be read
    problems: list[str] = field(default_factory=list)   # found while reading the variables
    notes: list[str] = field(default_factory=list)

    @property
    def known_hosts_name(self) -> str:
        """The name ssh looks the host up by in known_hosts."""
        return self.address if self.port == 22 else f"[{self.address}]:{self.port}"


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on", "y", "t"):
        return True
    if text in ("0", "false", "no", "off", "n", "f"):
        return False
    return None


def _resolve_templates(host: str, hostvars: Mapping[str, Any], names: tuple[str, ...]) -> tuple[dict[str, Any], list[str]]:
    """ansible-inventory lists variables unrendered: render the ones doctor uses with Ansible's own templar."""
    wanted = {n: hostvars[n] for n in names if n in hostvars}
    templated = [n for n, v in wanted.items() if isinstance(v, str) and ("{{" in v or "{%" in v)]
    if not templated:
        return wanted, []
    problems = []
    try:
        from ansible.parsing.dataloader import DataLoader
        from ansible.template import Templar, trust_as_template

        context = {k: trust_as_template(v) if isinstance(v, str) else v for k, v in hostvars.items()}
        context.setdefault("inventory_hostname", host)
        context.setdefault("inventory_hostname_short", host.split(".")[0])
        templar = Templar(loader=DataLoader(), variables=context)
        for name in templated:
            try:
                wanted[name] = templar.template(trust_as_template(wanted[name]))
            except Exception as exc:  # an undefined variable, a filter error: say which variable
                problems.append(f"cannot resolve {name} ({wanted[name]!r}): {str(exc).splitlines()[0]}")
                wanted[name] = None
    except ImportError:
        for name in templated:
            problems.append(f"cannot resolve templated {name} ({wanted[name]!r})")
            wanted[name] = None
    return wanted, problems


_CONNECTION_VARS = (
    "ansible_connection", "ansible_host", "ansible_ssh_host", "ansible_port", "ansible_ssh_port",
    "ansible_user", "ansible_ssh_user", "ansible_ssh_private_key_file", "ansible_private_key_file",
    "ansible_ssh_args", "ansible_ssh_common_args", "ansible_ssh_extra_args",
)
_USED_VARS = (
    "ansible_connection", "ansible_host", "ansible_ssh_host", "ansible_port", "ansible_ssh_port",
    "ansible_user", "ansible_ssh_user", "ansible_ssh_private_key_file", "ansible_private_key_file",
    "ansible_password", "ansible_ssh_pass", "ansible_ssh_password",
    "ansible_ssh_args", "ansible_ssh_common_args", "ansible_ssh_extra_args",
    "ansible_host_key_checking", "ansible_ssh_host_key_checking", "ansible_python_interpreter",
    "magento_root", "magento_php", "magento_user",
)


def target_from_hostvars(host: str, hostvars: Mapping[str, Any], *, known_hosts: Path | None = None,
                         environ: Mapping[str, str] | None = None) -> Target:
    """Read one host's variables the way Ansible's ssh connection uses them."""
    environ = os.environ if environ is None else environ
    values, problems = _resolve_templates(host, hostvars, _USED_VARS)

    def first(*names: str) -> Any:
        return next((values[n] for n in names if values.get(n) not in (None, "")), None)

    target = Target(host=host, address=str(first("ansible_host", "ansible_ssh_host") or host), port=22,
                    user=str(first("ansible_user", "ansible_ssh_user") or getpass.getuser()))
    target.problems += problems
    unresolved = {name for name in _CONNECTION_VARS if name in values and values[name] is None and hostvars.get(name)}
    if unresolved:
        target.connectable = False
    target.connection = str(first("ansible_connection") or "ssh")
    if target.connection not in SSH_CONNECTIONS:
        target.problems.append(f"ansible_connection is {target.connection!r}: qpt-apply runs over SSH only")
        target.connectable = False
    options = ssh_options(first("ansible_ssh_args"), first("ansible_ssh_common_args"), first("ansible_ssh_extra_args"))

    port = first("ansible_port", "ansible_ssh_port") or options.get("port") or 22
    try:
        target.port = int(port)
        if not 0 < target.port < 65536:
            raise ValueError
    except (TypeError, ValueError):
        target.problems.append(f"ansible_port {port!r} is not a TCP port")
        target.port = 22
        target.connectable = False
    if not first("ansible_user", "ansible_ssh_user") and options.get("user"):
        target.user = options["user"]

    key_file = first("ansible_ssh_private_key_file", "ansible_private_key_file")
    for path in ([key_file] if key_file else []) + list(options["identityfile"]):
        path = os.path.expanduser(str(path))
        if os.path.isfile(path):
            target.key_files.append(path)
        else:
            target.problems.append(f"private key file {path} not found")
    target.identities_only = _as_bool(options.get("identitiesonly")) is True
    password = first("ansible_password", "ansible_ssh_pass", "ansible_ssh_password")
    if isinstance(password, str):
        target.password = password
    elif password is not None:
        target.notes.append("the SSH password is vault-encrypted; doctor tries keys only")

    # Unknown host keys: ssh's first StrictHostKeyChecking wins; Ansible puts its own `=no` (from
    # host_key_checking false) after ssh_args and before the common/extra args.
    checking = _as_bool(first("ansible_host_key_checking", "ansible_ssh_host_key_checking"))
    checking_source = "ansible_host_key_checking=false"
    if checking is None:
        checking = _as_bool(environ.get("ANSIBLE_HOST_KEY_CHECKING", environ.get("ANSIBLE_SSH_HOST_KEY_CHECKING")))
        checking_source = "ANSIBLE_HOST_KEY_CHECKING=False"
    from_ssh_args = ssh_options(first("ansible_ssh_args")).get("stricthostkeychecking")
    strict = from_ssh_args or ("no" if checking is False else options.get("stricthostkeychecking")) or "yes"
    strict = strict.strip().lower()
    if strict in ("no", "off", "false"):
        target.strict_host_keys = "no"
        target.strict_reason = ("StrictHostKeyChecking=no in its ssh args" if from_ssh_args or checking is not False
                                else checking_source)
    elif strict == "accept-new":
        target.strict_host_keys, target.strict_reason = "accept-new", "StrictHostKeyChecking=accept-new"
    else:
        target.strict_host_keys = "yes"

    if known_hosts is not None:
        target.known_hosts_files = [str(known_hosts)]
    else:
        user_files = options.get("userknownhostsfile")
        global_files = options.get("globalknownhostsfile")
        target.known_hosts_files = (shlex.split(user_files) if user_files else list(USER_KNOWN_HOSTS)) + \
            (shlex.split(global_files) if global_files else list(GLOBAL_KNOWN_HOSTS))
        target.known_hosts_files = [os.path.expanduser(p) for p in target.known_hosts_files]

    if options.get("proxycommand") and options["proxycommand"].lower() != "none":
        target.proxy_command = _expand_proxy(options["proxycommand"], target)
    elif options.get("proxyjump") and options["proxyjump"].lower() != "none":
        hops = options["proxyjump"].split(",")
        argv = ["ssh", "-o", "BatchMode=yes", "-W", f"[{target.address}]:{target.port}"]
        if len(hops) > 1:
            argv += ["-J", ",".join(hops[:-1])]
        target.proxy_command = shlex.join(argv + ["ssh://" + hops[-1]])

    root = first("magento_root")
    target.magento_root = str(root) if root else None
    if not target.magento_root:
        target.problems.append("magento_root is not set for this host (inventory or group_vars)")
    target.magento_php = str(first("magento_php") or "php")
    target.magento_user = str(first("magento_user")) if first("magento_user") else None
    interpreter = first("ansible_python_interpreter")
    if interpreter and not str(interpreter).startswith("auto"):
        target.python = str(interpreter)
    return target


def _expand_proxy(command: str, target: Target) -> str:
    swaps = {"%%": "%", "%h": target.address, "%p": str(target.port), "%r": target.user, "%n": target.address}
    out, i = [], 0
    while i < len(command):
        pair = command[i:i + 2]
        if pair in swaps:
            out.append(swaps[pair])
            i += 2
        else:
            out.append(command[i])
            i += 1
    return "".join(out)


def resolve_targets(inventory: Path | str | Sequence[Path | str], limit: str | None, known_hosts: Path | None,
                    ansible: AnsibleOptions | None = None) -> list[Target]:
    """The inventory's magento hosts (after --limit) with their connection settings; InputError if none."""
    from ..inventory import Inventory, no_hosts, target_pattern

    ansible = ansible or AnsibleOptions()
    sources = inventory_sources([inventory] if isinstance(inventory, (str, os.PathLike)) else list(inventory))
    if known_hosts is not None and not known_hosts.is_file():
        raise InputError(f"--known-hosts {known_hosts} does not exist or is not a file")
    fleet = Inventory(sources, ansible)
    hosts = fleet.hosts(target_pattern(GROUP, sources), limit)
    if not hosts:
        raise no_hosts(GROUP, sources, limit)
    return [target_from_hostvars(host, ansible.connection_variables(fleet.variables(host)), known_hosts=known_hosts)
            for host in hosts]
