"""Processes the lab starts and stops: always by PID, never by name."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def spawn(argv: list[str], *, log: Path, cwd: Path | None = None, user: str | None = None,
          env: dict[str, str] | None = None) -> int:
    """Start a long-lived child in its own session so it outlives `lab up`; return its PID."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            argv, cwd=cwd, user=user, group=user and _group_of(user), extra_groups=[] if user else None,
            env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc.pid


def _group_of(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_gid


def alive(pid: int) -> bool:
    """A zombie counts as gone: PID 1 here reaps orphans only every second or two."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    if state == "Z":
        _reap(pid)
        return False
    return True


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def stop(pids: list[int], *, marker: str | None = None, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds. `marker` guards against recycled PIDs."""
    mine = [p for p in pids if alive(p) and (marker is None or marker in cmdline(p))]
    for pid in mine:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(alive(p) for p in mine) and time.monotonic() < deadline:
        time.sleep(0.02)
    for pid in mine:
        if alive(pid):
            _signal(pid, signal.SIGKILL)
    deadline = time.monotonic() + 2
    while any(alive(p) for p in mine) and time.monotonic() < deadline:
        time.sleep(0.02)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def pids_of_uid(uid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid and alive(int(entry.name)):
                    found.append(int(entry.name))
            except FileNotFoundError:
                continue
    return found


def pids_connected_to(addresses: set[str]) -> list[int]:
    """Processes holding a TCP socket to one of `addresses` (e.g. ssh ControlPersist masters)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote_hex = fields[2].split(":")[0]
        remote = socket.inet_ntoa(bytes.fromhex(remote_hex)[::-1])
        if remote in addresses:
            inodes.add(fields[9])
    if not inodes:
        return []
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    found.append(int(entry.name))
                    break
        except OSError:
            continue
    return found


def free_port(address: str) -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def wait_for_port(address: str, port: int, *, pid: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            raise RuntimeError(f"process {pid} exited before listening on {address}:{port}")
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex((address, port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on {address}:{port} after {timeout:.0f}s")
