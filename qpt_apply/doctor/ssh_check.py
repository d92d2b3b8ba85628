"""One host over one SSH connection (paramiko): reach it, judge its host key, log in, run the probe.

Every failure becomes one problem line that names its cause; `abort()` lets the fleet's watchdog cut off
a host that hangs.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

from .known_hosts import KnownHosts, fingerprint
from .probe import interpret, parse_probe, probe_noise, probe_script
from .report import HostReport
from .targets import Target


class _HostKeyRefused(Exception):
    """Raised by the host key policy to end the handshake before any login is tried."""


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
            noise = probe_noise(output)
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
