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
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import json
import logging
import os
import queue
import re
import shlex
import socket
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .ansible_options import AnsibleOptions, inventory_sources
from .model import InputError

GROUP = "magento"
WORKERS = 16                # hosts checked at once, unless --forks says otherwise
DEFAULT_TIMEOUT = 10.0      # seconds per host for connect and login, unless --timeout says otherwise
USER_KNOWN_HOSTS = ("~/.ssh/known_hosts", "~/.ssh/known_hosts2")
GLOBAL_KNOWN_HOSTS = ("/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2")
SSH_CONNECTIONS = {"ssh", "smart", "paramiko", "paramiko_ssh", "ansible.builtin.ssh", "ansible.legacy.ssh",
                   "ansible.builtin.paramiko_ssh", "ansible.legacy.paramiko_ssh"}
CHECKS = ("magento_root", "php", "composer", "git_or_patch", "python3", "var_writable")
HOST_KEY_STATES = ("known", "unknown", "changed", "n/a")
_MARK = "qpt-doctor:"  # prefix of the probe's own output lines; anything else (motd, .bashrc noise) is ignored


# --------------------------------------------------------------------------- what to connect to


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


def ssh_options(*arg_strings: str | None) -> dict[str, Any]:
    """The ssh options set in Ansible's ssh arg strings; first value wins, as with ssh itself.

    Returns lower-cased option names → value, plus 'identityfile' as a list (it accumulates).
    """
    options: dict[str, Any] = {"identityfile": []}
    tokens: list[str] = []
    for text in arg_strings:
        if text:
            tokens += shlex.split(str(text))
    i = 0
    while i < len(tokens):
        token = tokens[i]
        value: str | None = None
        if token in ("-o", "-i", "-J", "-p", "-l") and i + 1 < len(tokens):
            value, i = tokens[i + 1], i + 2
        elif token[:2] in ("-o", "-i", "-J", "-p", "-l") and len(token) > 2:
            value, i = token[2:], i + 1
        else:
            i += 1
            continue
        flag = token[:2]
        if flag == "-o":
            name, _, rest = value.replace("=", " ", 1).partition(" ")
            name, rest = name.strip().lower(), rest.strip().strip('"')
            if name == "identityfile":
                options["identityfile"].append(rest)
            elif name and name not in options:
                options[name] = rest
        elif flag == "-i":
            options["identityfile"].append(value)
        else:
            name = {"-J": "proxyjump", "-p": "port", "-l": "user"}[flag]
            options.setdefault(name, value)
    return options


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


# --------------------------------------------------------------------------- known_hosts


class KnownHosts:
    """Host keys read from OpenSSH known_hosts files: plain, [host]:port, hashed, wildcard and negated
    patterns, @revoked keys. Read-only: doctor never adds a key."""

    def __init__(self) -> None:
        self.entries: list[tuple[list[str], Any]] = []
        self.revoked: list[Any] = []

    @classmethod
    def load(cls, paths: list[str]) -> "KnownHosts":
        from paramiko import PKey

        known = cls()
        for path in paths:
            try:
                lines = Path(path).read_text(errors="replace").splitlines()
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if not fields or fields[0].startswith("#"):
                    continue
                marker = None
                if fields[0].startswith("@"):
                    marker, fields = fields[0], fields[1:]
                if len(fields) < 3:
                    continue
                try:
                    key = PKey.from_type_string(fields[1], base64.b64decode(fields[2]))
                except Exception:   # unknown key type or bad base64: ssh skips such lines too
                    continue
                if marker == "@revoked":
                    known.revoked.append(key)
                elif marker is None:
                    known.entries.append((fields[0].split(","), key))
        return known

    def keys_for(self, name: str) -> list[Any]:
        return [key for patterns, key in self.entries if _matches(name, patterns)]

    def status(self, name: str, key: Any) -> tuple[str, str]:
        """(known | unknown | changed, detail) for the key `name` presented."""
        if any(k.asbytes() == key.asbytes() for k in self.revoked):
            return "changed", "the key is marked @revoked in known_hosts"
        keys = self.keys_for(name)
        if any(k.asbytes() == key.asbytes() for k in keys):
            return "known", ""
        same_type = [k for k in keys if k.get_name() == key.get_name()]
        if same_type:
            return "changed", f"known_hosts expects {fingerprint(same_type[0])}"
        if keys:
            types = ", ".join(sorted({k.get_name() for k in keys}))
            return "unknown", f"known_hosts only has {types} key(s) for it"
        return "unknown", ""

    def key_types_for(self, name: str) -> list[str]:
        return list(dict.fromkeys(k.get_name() for k in self.keys_for(name)))


def _matches(name: str, patterns: list[str]) -> bool:
    from paramiko import HostKeys

    name = name.lower()
    hit = False
    for pattern in patterns:
        if pattern.startswith("|1|"):
            try:
                if HostKeys.hash_host(name, pattern) == pattern:
                    hit = True
            except Exception:
                continue
        elif pattern.startswith("!"):
            if _wildcard(pattern[1:]).fullmatch(name):
                return False
        elif _wildcard(pattern).fullmatch(name):
            hit = True
    return hit


def _wildcard(pattern: str) -> re.Pattern[str]:
    """ssh patterns know only * and ? ("[host]:port" brackets are literal, unlike fnmatch's)."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lower()))


def fingerprint(key: Any) -> str:
    """OpenSSH's SHA256 fingerprint of a public key."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")


# --------------------------------------------------------------------------- on the host


_PROBE = r"""
root=@ROOT@
php=@PHP@
python=@PYTHON@
say() { printf '@MARK@%s\t%s\n' "$1" "$(printf '%s' "$2" | tr '\t\r\n' '  \034' | cut -c1-600)"; }
made=
trap '[ -z "$made" ] || rm -f "$made"' EXIT
trap '[ -z "$made" ] || rm -f "$made"; exit 129' HUP INT TERM
say user "$(id -un 2>/dev/null)"
case $root in "~/"*) root="$HOME/${root#\~/}" ;; esac
if [ -n "$root" ]; then
  if [ -d "$root" ]; then say root dir; elif [ -e "$root" ]; then say root notdir; else say root missing; fi
  if [ -d "$root/vendor" ]; then say vendor yes; else say vendor no; fi
  if [ -f "$root/app/etc/env.php" ]; then say env_php yes; else say env_php no; fi
  if [ -d "$root/var" ]; then
    if made=$(mktemp "$root/var/.qpt-doctor.XXXXXX" 2>/dev/null); then
      rm -f "$made" && made= && say var writable
    else
      say var readonly
    fi
  elif [ -d "$root" ]; then say var missing; fi
fi
if where=$(command -v "$php" 2>/dev/null); then
  say php_path "$where"
  out=$("$php" -r 'echo PHP_VERSION, PHP_EOL;' </dev/null 2>&1); say php_rc $?; say php_out "$out"
fi
for tool in composer git patch; do
  if where=$(command -v $tool 2>/dev/null); then
    say ${tool}_path "$where"
    out=$($tool --version </dev/null 2>&1); say ${tool}_rc $?; say ${tool}_out "$out"
  fi
done
if [ -z "$python" ]; then python=python3; command -v python3 >/dev/null 2>&1 || python=/usr/bin/python3; fi
if where=$(command -v "$python" 2>/dev/null); then
  say python_path "$where"
  out=$("$python" -c 'import sys; print(sys.version.split()[0])' </dev/null 2>&1); say python_rc $?; say python_out "$out"
fi
say done yes
"""


def probe_script(target: Target) -> str:
    """The shell script run once per host (POSIX sh, fed on stdin so nothing is written to run it)."""
    return (_PROBE.replace("@ROOT@", shlex.quote(target.magento_root or ""))
            .replace("@PHP@", shlex.quote(target.magento_php))
            .replace("@PYTHON@", shlex.quote(target.python or ""))
            .replace("@MARK@", _MARK))


def parse_probe(output: str) -> dict[str, str]:
    facts = {}
    for line in output.splitlines():
        if line.startswith(_MARK) and "\t" in line:
            key, _, value = line[len(_MARK):].partition("\t")
            facts[key] = value.replace("\x1c", "\n").strip()
    return facts


@dataclass
class Check:
    ok: bool | None = None           # None: not checked (host not reached)
    detail: str = "not checked"

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail}


def _first_line(text: str, containing: str = "") -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    wanted = [line for line in lines if containing.lower() in line.lower()] if containing else lines
    return (wanted or lines or [""])[0][:200]


def interpret(target: Target, facts: dict[str, str]) -> tuple[dict[str, Check], list[str], list[str]]:
    """Probe facts → per-check results, problems (one line each) and notes."""
    checks = {name: Check() for name in CHECKS}
    problems: list[str] = []
    notes: list[str] = []
    user = facts.get("user") or target.user
    root = target.magento_root

    if not root:
        checks["magento_root"] = Check(False, "magento_root not set")
        checks["var_writable"] = Check(False, "magento_root not set")
    elif facts.get("root") != "dir":
        why = "is not a directory" if facts.get("root") == "notdir" else "does not exist"
        checks["magento_root"] = Check(False, f"{root} {why}")
        problems.append(f"magento_root {root} {why} (check magento_root in the inventory)")
        checks["var_writable"] = Check(False, "no Magento root")
    else:
        missing = [part for part, fact in (("vendor/", "vendor"), ("app/etc/env.php", "env_php"))
                   if facts.get(fact) != "yes"]
        if missing:
            checks["magento_root"] = Check(False, f"{root} has no {' and no '.join(missing)}")
            problems.append(f"magento_root {root} does not look like an installed Magento: no {' and no '.join(missing)}")
        else:
            checks["magento_root"] = Check(True, root)
        var = facts.get("var")
        if var == "writable":
            checks["var_writable"] = Check(True, f"{root}/var writable by {user}")
        elif var == "missing":
            checks["var_writable"] = Check(False, f"{root}/var missing")
            problems.append(f"{root}/var does not exist (QPT and Magento write there)")
        else:
            checks["var_writable"] = Check(False, f"{root}/var not writable by {user}")
            problems.append(f"{root}/var is not writable by {user} (QPT writes var/log/patch.log there)")

    php = target.magento_php
    if not facts.get("php_path"):
        checks["php"] = Check(False, f"{php} not found")
        problems.append(f"magento_php {php!r} not found on the host (not on the SSH session's PATH)")
    elif facts.get("php_rc") != "0":
        first = _first_line(facts.get("php_out", ""))
        checks["php"] = Check(False, f"{facts['php_path']} fails: {first}")
        problems.append(f"magento_php {facts['php_path']} does not run: {first or 'exit ' + facts.get('php_rc', '?')}")
    else:
        version = (facts.get("php_out", "").strip().splitlines() or [""])[-1]  # after any startup warnings
        checks["php"] = Check(True, f"PHP {version} ({facts['php_path']})")

    if not facts.get("composer_path"):
        checks["composer"] = Check(False, "not found")
        problems.append("composer not found on the SSH session's PATH (the playbooks install and update QPT with it)")
    elif facts.get("composer_rc") != "0":
        first = _first_line(facts.get("composer_out", ""))
        checks["composer"] = Check(False, f"{facts['composer_path']} fails: {first}")
        problems.append(f"composer at {facts['composer_path']} does not run: {first}")
    else:
        checks["composer"] = Check(True, f"{_first_line(facts.get('composer_out', ''), 'composer version')} ({facts['composer_path']})")

    git_ok = bool(facts.get("git_path")) and facts.get("git_rc") == "0"
    patch_line = _first_line(facts.get("patch_out", ""))
    gnu_patch = bool(facts.get("patch_path")) and facts.get("patch_rc") == "0" and "gnu patch" in patch_line.lower()
    if git_ok:
        detail = _first_line(facts.get("git_out", ""))
        if gnu_patch:
            detail += f", {patch_line}"
        checks["git_or_patch"] = Check(True, detail)
    elif gnu_patch:
        checks["git_or_patch"] = Check(True, patch_line)
    else:
        found = f" ({facts['patch_path']} is not GNU patch: {patch_line or 'no version'})" if facts.get("patch_path") else ""
        checks["git_or_patch"] = Check(False, "neither git nor GNU patch" + found)
        problems.append(f"neither git nor GNU patch found{found}: QPT needs git or patch to apply patches")

    python = target.python or "python3"
    if not facts.get("python_path"):
        checks["python3"] = Check(False, f"{python} not found")
        what = f"ansible_python_interpreter {python}" if target.python else "python3"
        problems.append(f"{what} not found on the host (Ansible needs Python there)")
    elif facts.get("python_rc") != "0":
        first = _first_line(facts.get("python_out", ""))
        checks["python3"] = Check(False, f"{facts['python_path']} fails: {first}")
        problems.append(f"{facts['python_path']} does not run: {first} (Ansible needs Python there)")
    else:
        checks["python3"] = Check(True, f"Python {_first_line(facts.get('python_out', ''))} ({facts['python_path']})")

    if target.magento_user and user and target.magento_user != user:
        notes.append(f"connects as {user}; magento_user is {target.magento_user} (checks ran as {user})")
    return checks, problems, notes


# --------------------------------------------------------------------------- one host


@dataclass
class HostReport:
    host: str
    address: str
    port: int
    reachable: bool | None = None
    auth: str = "not-tried"          # ok | failed | not-tried
    host_key: str = "n/a"            # known | unknown | changed | n/a
    checks: dict[str, Check] = field(default_factory=lambda: {name: Check() for name in CHECKS})
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"host": self.host, "address": self.address, "port": self.port, "reachable": self.reachable,
                "auth": self.auth, "host_key": self.host_key,
                "checks": {name: check.as_json() for name, check in self.checks.items()},
                "problems": list(self.problems), "notes": list(self.notes)}


class _HostKeyRefused(Exception):
    pass


class _HostKeyPolicy:
    """Decides on the key the host presented (paramiko calls it for every key: the client holds none).

    Records the key, refuses a changed key always and an unknown key unless checking is off; accepting
    means for this one connection only — nothing is saved anywhere."""

    def __init__(self, known: KnownHosts, target: Target):
        self.known = known
        self.target = target
        self.status = "n/a"
        self.detail = ""
        self.key: Any = None

    def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
        self.key = key
        self.status, self.detail = self.known.status(self.target.known_hosts_name, key)
        if self.status == "changed" or (self.status == "unknown" and self.target.strict_host_keys == "yes"):
            raise _HostKeyRefused()


def _key_types_first(types: list[str], offered: tuple[str, ...]) -> list[str]:
    """Ask for the key types known_hosts holds first, as ssh does, so a host with several keys shows a known one."""
    wanted: list[str] = []
    for name in types:
        wanted += ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] if name == "ssh-rsa" else [name]
    front = [t for t in wanted if t in offered]
    return front + [t for t in offered if t not in front]


class HostCheck:
    """Checks one host; `abort()` (from the watchdog) closes its connection so a stuck host ends now."""

    def __init__(self, target: Target, known: KnownHosts, timeout: float):
        self.target = target
        self.known = known
        self.timeout = timeout
        self.command_budget = max(20.0, 2 * timeout)
        self.deadline_after = 3 * timeout + self.command_budget + 5
        self.report = HostReport(target.host, target.address, target.port,
                                 problems=list(target.problems), notes=list(target.notes))
        self.started: float | None = None
        self.done = threading.Event()
        self.aborted = False
        self._closers: list[Any] = []
        self._transport: Any = None
        self._lock = threading.Lock()

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            closers = list(self._closers)
        for closer in closers:
            try:
                closer.close()
            except Exception:
                pass

    def _keep(self, thing: Any) -> Any:
        with self._lock:
            self._closers.append(thing)
            if self.aborted:
                thing.close()
        return thing

    def run(self) -> HostReport:
        self.started = time.monotonic()
        try:
            self._run()
        except Exception as exc:  # never let one host take the run down; say what happened
            if self.aborted:
                self._problem(f"no answer within {self.deadline_after:.0f}s; check abandoned")
            else:
                self._problem(f"check failed: {type(exc).__name__}: {exc}")
        finally:
            for closer in self._closers:
                try:
                    closer.close()
                except Exception:
                    pass
            self.done.set()
        return self.report

    def _problem(self, text: str) -> None:
        self.report.problems.append(text)

    def _run(self) -> None:
        import paramiko

        t, r = self.target, self.report
        if not t.connectable:
            return
        where = f"{t.address}:{t.port}"
        if t.proxy_command:
            sock = self._keep(paramiko.ProxyCommand(t.proxy_command))
        else:
            try:
                sock = self._keep(socket.create_connection((t.address, t.port), timeout=self.timeout))
            except socket.gaierror as exc:
                r.reachable = False
                self._problem(f"cannot resolve {t.address}: {exc.strerror or exc}")
                return
            except ConnectionRefusedError:
                r.reachable = False
                self._problem(f"cannot reach {where}: connection refused (sshd not running or not listening there)")
                return
            except (socket.timeout, TimeoutError):
                r.reachable = False
                self._problem(f"cannot reach {where}: no answer within {self.timeout:g}s")
                return
            except OSError as exc:
                r.reachable = False
                self._problem(f"cannot reach {where}: {exc.strerror or exc}")
                return
            r.reachable = True

        policy = _HostKeyPolicy(self.known, t)
        client = self._keep(paramiko.SSHClient())
        client.set_missing_host_key_policy(policy)
        known_types = self.known.key_types_for(t.known_hosts_name)

        def transport(sock: Any, disabled_algorithms: Any = None) -> Any:
            made = self._transport = paramiko.Transport(sock, disabled_algorithms=disabled_algorithms)
            if known_types:
                options = made.get_security_options()
                options.key_types = _key_types_first(known_types, tuple(options.key_types))
            return self._keep(made)

        key_names = ", ".join(t.key_files) or "the default keys and agent"
        try:
            client.connect(
                t.address, port=t.port, username=t.user, password=t.password, sock=sock,
                key_filename=t.key_files or None,
                look_for_keys=not (t.identities_only and t.key_files),
                allow_agent=not (t.identities_only and t.key_files),
                timeout=self.timeout, banner_timeout=self.timeout, auth_timeout=self.timeout,
                channel_timeout=self.timeout, transport_factory=transport,
            )
        except _HostKeyRefused:
            r.reachable = True
            self._host_key(policy)
            return
        except paramiko.PasswordRequiredException:
            self._host_key(policy)
            r.auth = "failed"
            self._problem(f"private key {key_names} needs a passphrase (load it into ssh-agent)")
            return
        except paramiko.AuthenticationException as exc:
            self._host_key(policy)
            r.auth = "failed"
            self._problem(f"SSH login as {t.user} refused ({key_names}): {exc}")
            return
        except paramiko.SSHException as exc:
            if policy.key is None or "authentication" not in str(exc).lower():
                self._failed(policy, exc, where)
                return
            self._host_key(policy)
            r.auth = "failed"
            self._problem(f"SSH login as {t.user} failed ({key_names}): {exc}")
            return
        except Exception as exc:
            self._failed(policy, exc, where)
            return
        r.reachable = True
        self._host_key(policy)
        r.auth = "ok"
        if t.proxy_command:
            r.notes.append(f"reached through its ProxyCommand/ProxyJump ({t.proxy_command})")

        output, status = self._run_probe(client)
        facts = parse_probe(output)
        if facts.get("done") != "yes":
            # A login shell that refuses commands, or a host too slow to answer: say so, guess nothing.
            noise = _first_line("\n".join(line for line in output.splitlines() if not line.startswith(_MARK)))
            ended = f"exit {status}" if status is not None else f"no end within {self.command_budget:g}s"
            self._problem(f"the checks did not finish over SSH ({ended}{': ' + noise if noise else ''})")
            return
        checks, problems, notes = interpret(t, facts)
        r.checks = checks
        r.problems += problems
        r.notes += notes

    def _failed(self, policy: _HostKeyPolicy, exc: BaseException, where: str) -> None:
        """The connection broke before login: no SSH server answering, or a handshake we cannot do."""
        if self.aborted:
            raise exc
        t, r = self.target, self.report
        if policy.key is None:
            if t.proxy_command:
                r.reachable = False
            if t.proxy_command and (self._transport is None or not self._transport.remote_version):
                self._problem(f"no SSH answer from {where} through its ProxyCommand/ProxyJump "
                              f"({t.proxy_command})")
            elif self._transport is not None and not self._transport.remote_version:
                self._problem(f"no SSH answer from {where} within {self.timeout:g}s "
                              "(something accepts connections there but does not speak SSH)")
            else:
                self._problem(f"SSH handshake with {where} failed: {exc or type(exc).__name__}")
        else:
            self._host_key(policy)
            self._problem(f"SSH session to {where} failed: {exc or type(exc).__name__}")

    def _host_key(self, policy: _HostKeyPolicy) -> None:
        t, r = self.target, self.report
        r.host_key = policy.status
        if policy.key is None:
            return
        name, fp = t.known_hosts_name, fingerprint(policy.key)
        # Name the files that exist (the defaults list four); else the one ssh would add the key to.
        shown = [f for f in t.known_hosts_files if os.path.isfile(f)] or t.known_hosts_files[:1]
        files = ", ".join(shown) or "known_hosts"
        detail = f" ({policy.detail})" if policy.detail else ""
        if policy.status == "changed":
            self._problem(f"host key CHANGED for {name} — possible man-in-the-middle; fix known_hosts ({files}) "
                          f"after verifying; presented {fp}{detail}; not logged in")
        elif policy.status == "unknown" and t.strict_host_keys == "yes":
            add_to = (t.known_hosts_files or ["~/.ssh/known_hosts"])[0]
            self._problem(f"host key unknown for {name} ({policy.key.get_name()} {fp}) — not in {files}{detail}; "
                          f"verify it, then add it: ssh-keyscan -p {t.port} {t.address} >> {add_to}")
        elif policy.status == "unknown":
            r.notes.append(f"host key for {name} is not in known_hosts ({fp}); accepted for this check only "
                           f"because of {t.strict_reason}{detail}")

    def _run_probe(self, client: Any) -> tuple[str, int | None]:
        transport = client.get_transport()
        channel = self._keep(transport.open_session(timeout=self.timeout))
        channel.set_combine_stderr(True)
        channel.settimeout(self.command_budget)
        # Run by the user's login shell, so the PATH the host gives SSH sessions applies (as for Ansible).
        channel.exec_command("/bin/sh -s")
        channel.sendall(probe_script(self.target).encode())
        channel.shutdown_write()
        chunks, ends = [], time.monotonic() + self.command_budget
        while time.monotonic() < ends:
            try:
                data = channel.recv(65536)
            except socket.timeout:
                break
            if not data:
                break
            chunks.append(data)
        status = channel.recv_exit_status() if channel.exit_status_ready() else None
        return b"".join(chunks).decode(errors="replace"), status


# --------------------------------------------------------------------------- the fleet


def check_all(targets: list[Target], timeout: float, *, workers: int = WORKERS) -> list[HostReport]:
    """Check every host with at most `workers` at a time; a host over its deadline is cut off."""
    cache: dict[tuple[str, ...], KnownHosts] = {}
    checks = []
    for target in targets:
        files = tuple(target.known_hosts_files)
        if files not in cache:
            cache[files] = KnownHosts.load(list(files))
        checks.append(HostCheck(target, cache[files], timeout))
    pending: queue.SimpleQueue[HostCheck] = queue.SimpleQueue()
    for check in checks:
        pending.put(check)

    def work() -> None:
        while True:
            try:
                check = pending.get_nowait()
            except queue.Empty:
                return
            check.run()

    # Daemon threads: a host stuck beyond its deadline must not hold the process at exit.
    threads = [threading.Thread(target=work, name=f"doctor-{n}", daemon=True)
               for n in range(min(workers, len(checks)) or 0)]
    for thread in threads:
        thread.start()
    abandoned: set[int] = set()
    try:
        while not all(check.done.is_set() or id(check) in abandoned for check in checks):
            now = time.monotonic()
            for check in checks:
                if check.started is None or check.done.is_set() or id(check) in abandoned:
                    continue
                overdue = now - check.started - check.deadline_after
                if overdue > 0 and not check.aborted:
                    check.abort()
                elif overdue > 5:   # closing did not free it: give up on this host, report it
                    abandoned.add(id(check))
                    check.report.problems.append(f"no answer within {check.deadline_after:.0f}s; check abandoned")
            if not any(t.is_alive() for t in threads):
                break
            time.sleep(0.05)
    except KeyboardInterrupt:
        for check in checks:
            check.abort()
        raise
    return [check.report for check in checks]


def document(reports: list[HostReport]) -> dict[str, Any]:
    hosts = [r.as_json() for r in reports]
    bad = [r for r in reports if r.problems]
    summary = {
        "hosts": len(reports),
        "ok": len(reports) - len(bad),
        "with_problems": len(bad),
        "unreachable": sum(1 for r in reports if r.reachable is False),
        "auth_failed": sum(1 for r in reports if r.auth == "failed"),
        "host_key": {state: sum(1 for r in reports if r.host_key == state) for state in HOST_KEY_STATES},
        "problems": sum(len(r.problems) for r in reports),
    }
    return {"hosts": hosts, "summary": summary, "exit_code": 1 if bad else 0}


def render(doc: dict[str, Any], out: Any) -> None:
    """Human output: one row per host, then one line per problem and per note."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="qpt-apply doctor", title_justify="left")
    for column in ("host", "address", "host key", "ssh", "magento", "tools", "result"):
        table.add_column(column, overflow="fold", no_wrap=column in ("host", "address"))
    for host in doc["hosts"]:
        key_style = {"known": "green", "unknown": "yellow", "changed": "bold red"}.get(host["host_key"], "dim")
        checks = host["checks"]
        if host["reachable"] is False:
            ssh = "[bold red]unreachable[/]"
        elif host["auth"] == "ok":
            ssh = "[green]ok[/]"
        elif host["auth"] == "failed":
            ssh = "[bold red]login failed[/]"
        elif host["reachable"] and host["host_key"] == "n/a":
            ssh = "[bold red]no SSH[/]"
        else:
            ssh = "[dim]not tried[/]" if host["host_key"] == "n/a" else "[bold red]refused[/]"

        def verdict(names: tuple[str, ...], labels: dict[str, str]) -> str:
            states = [checks[name]["ok"] for name in names]
            if any(state is None for state in states):
                return "[dim]–[/]"
            failed = [labels.get(name, name) for name in names if checks[name]["ok"] is False]
            return f"[bold red]✗ {escape(', '.join(failed))}[/]" if failed else "[green]ok[/]"

        magento = verdict(("magento_root", "var_writable"), {"magento_root": "root", "var_writable": "var/"})
        tools = verdict(("php", "composer", "git_or_patch", "python3"), {"git_or_patch": "git/patch"})
        count = len(host["problems"])
        result = f"[bold red]{count} problem{'s' if count > 1 else ''}[/]" if count else "[green]ready[/]"
        table.add_row(escape(host["host"]), escape(f"{host['address']}:{host['port']}"),
                      f"[{key_style}]{host['host_key']}[/]", ssh, magento, tools, result)
    out.print(table)
    for host in doc["hosts"]:
        for problem in host["problems"]:
            out.print(f"[bold red]{escape(host['host'])}:[/] {escape(problem)}")
    for host in doc["hosts"]:
        for note in host["notes"]:
            out.print(f"[dim]note: {escape(host['host'])}: {escape(note)}[/]")
    s = doc["summary"]
    if s["with_problems"]:
        out.print(f"{s['with_problems']} of {s['hosts']} host(s) have problems ({s['problems']} in all).")
    else:
        out.print(f"All {s['hosts']} host(s) are ready.")


def resolve_targets(inventory: Path | str | Sequence[Path | str], limit: str | None, known_hosts: Path | None,
                    ansible: AnsibleOptions | None = None) -> list[Target]:
    """The inventory's magento hosts (after --limit) with their connection settings; InputError if none."""
    from .inventory import Inventory, no_hosts, target_pattern

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
        from .console import Ui

        render(doc, Ui(json_mode=False).out)
    return doc["exit_code"]
