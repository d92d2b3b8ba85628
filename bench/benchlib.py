"""What the benchmarks share: the environment Ansible and qpt-apply run in, a lab that is always torn down,
and a meter for wall time and the controller's CPU time of the commands a case runs.

Controller CPU is read with getrusage(RUSAGE_CHILDREN): a case's commands run as subprocesses of the bench,
and the difference before and after it is what they (and every process they waited for) used. OpenSSH's
ControlPersist masters detach from the ansible-playbook that started them, so they would escape that count;
the bench makes itself their reaper (PR_SET_CHILD_SUBREAPER), closes the masters a case left behind and
reaps them before it reads the counters, so the SSH crypto they did is counted for the case that caused it.
The lab's hosts (sshd, PHP) run on this machine too, under the lab's long-lived sshds, whose CPU is not a
child's CPU until they are reaped at teardown. A host's session process whose parent ended first becomes
ours too (we are its reaper now): those are reaped only outside a measurement, so host CPU never lands in
a case.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from qpt_apply.lab import fleet  # noqa: E402
from qpt_apply.lab.spec import HostSpec  # noqa: E402

BIN = Path(sys.executable).parent
# qpt-apply of this checkout, whatever is installed in the venv.
QPT_APPLY = [sys.executable, "-c", "import sys; from qpt_apply.cli import main; sys.exit(main())"]
_PR_SET_CHILD_SUBREAPER = 36


def ansible_env(**extra: str) -> dict[str, str]:
    """The environment every case runs in: this venv's Ansible, the shipped ansible.cfg, this checkout."""
    python_path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": python_path,
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1", **extra}


@contextlib.contextmanager
def running_lab(hosts: list[HostSpec], prefix: str = "qpt-bench-") -> Iterator[tuple[fleet.Lab, Path, float]]:
    """(lab, a scratch directory, seconds the lab took to come up). The lab goes down by PID however the
    block ends: an error, Ctrl-C, or a SIGTERM (turned into SystemExit so that `finally` runs)."""
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        with tempfile.TemporaryDirectory(prefix=prefix) as scratch:
            lab_dir = Path(scratch) / "lab"
            start = time.perf_counter()
            lab = fleet.up(lab_dir, hosts)
            up_seconds = time.perf_counter() - start
            try:
                yield lab, Path(scratch), up_seconds
            finally:
                fleet.down(lab_dir)
    finally:
        signal.signal(signal.SIGTERM, previous)


class CaseFailed(RuntimeError):
    pass


@dataclass
class Measured:
    wall: float      # seconds, perf_counter
    cpu: float       # controller CPU seconds (user + system) of the case's processes
    started: float   # epoch seconds, to match against the hosts' command logs
    ended: float
    output: str = ""  # stdout of the last command
    ssh_masters: int = 0  # ControlPersist masters the case left, closed and counted


class Meter:
    """Runs a case's commands one after another and measures them. Each case gets SSH masters of its own
    (a fresh ControlPath directory under `scratch`), so none is carried from one case into the next.
    Create it after the lab is up: the processes that exist then (the lab's daemons) are never touched."""

    def __init__(self, scratch: Path) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        self.counts_ssh_masters = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
        self._long_lived = set(_children())
        self._control = Path(scratch) / "ssh-control"
        self._cases = 0

    def run(self, commands: Sequence[Sequence[str]], env: dict[str, str], ok: Sequence[int] = (0,)) -> Measured:
        self._cases += 1
        control = self._control / str(self._cases)
        control.mkdir(parents=True)
        env = {**env, "ANSIBLE_SSH_CONTROL_PATH_DIR": str(control)}
        self._reap_host_side()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.time()
        clock = time.perf_counter()
        done = None
        try:
            for argv in commands:
                done = subprocess.run(list(argv), env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
                if done.returncode not in ok:
                    raise CaseFailed(f"{' '.join(argv)} failed ({done.returncode}):\n"
                                     f"{done.stdout[-3000:]}{done.stderr[-3000:]}")
        finally:
            wall = time.perf_counter() - clock
            ended = time.time()
            masters = self._reap_adopted()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._reap_host_side()
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return Measured(wall=wall, cpu=cpu, started=started, ended=ended, output=done.stdout if done else "",
                        ssh_masters=masters)

    def _reap_adopted(self) -> int:
        """Collect what the case's controller-side processes left to us, their reaper: close its SSH
        masters, wait for the rest to end (killed after 10 s), and reap them, so their CPU is the case's."""
        masters, controller = 0, []
        for pid, host_side, cmdline in self._adopted():
            if host_side:
                continue
            if cmdline.startswith("ssh: ") and "[mux]" in cmdline:
                os.kill(pid, signal.SIGTERM)
                masters += 1
            controller.append(pid)
        for pid in controller:
            _wait(pid, 10.0)
        return masters

    def _reap_host_side(self) -> None:
        """Reap the lab hosts' processes that became ours (an sshd session process whose parent ended
        first): called outside every measurement, so host CPU never lands in a case."""
        for pid, host_side, _ in self._adopted():
            if host_side and _state(pid) == "Z":
                _wait(pid, 0)

    def _adopted(self) -> list[tuple[int, bool, str]]:
        """(pid, is it a lab host's, cmdline) of each child we did not start ourselves. A host's processes
        run as its user, or are its sshd; the controller's run as us."""
        found = []
        for pid in _children():
            if pid in self._long_lived:
                continue
            try:
                owner = os.stat(f"/proc/{pid}").st_uid
                comm = Path(f"/proc/{pid}/stat").read_text().split("(", 1)[1].rsplit(")", 1)[0]
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except (OSError, IndexError):
                continue
            found.append((pid, owner != os.getuid() or comm.startswith("sshd"), cmdline))
        return found


def _children() -> list[int]:
    me = os.getpid()
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                found.append(int(entry.name))
    return found


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def _wait(pid: int, timeout: float) -> None:
    """Reap a child of ours; one still running after `timeout` seconds is killed (it is one a case left)."""
    deadline = time.monotonic() + timeout
    try:
        while not os.waitpid(pid, os.WNOHANG)[0]:
            if time.monotonic() >= deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            time.sleep(0.01)
    except ChildProcessError:
        pass
