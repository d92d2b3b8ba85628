"""Host keys from OpenSSH known_hosts files, matched as ssh matches them; read only, never written."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

USER_KNOWN_HOSTS = ("~/.ssh/known_hosts", "~/.ssh/known_hosts2")
GLOBAL_KNOWN_HOSTS = ("/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2")


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
