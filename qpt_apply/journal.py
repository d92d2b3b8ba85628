"""The journal: every run leaves runs/<RUN_ID>/ under the state dir, written as things happen.

    run.json        command, options (inventory sources and ansible-playbook options too: enough to
                    resume; never a vault password), state, exit code, timestamps, and the process
                    running it (pid, its start time, host): a run whose process is gone is `killed`
    plan.json       hosts, batches and the would-be action of each host
    records.jsonl   one result record per line, appended as each host finishes
    runner/         ansible-runner's private data dirs (events, stdout) — secrets are no_log'd there
    report.json junit.xml report.html

One rollout at a time per set of inventory sources: locks/<hash>.lock is flock'ed by the run holding it.
docs/journal.md describes every file and field; run.json's `format` says which version of it a run was written in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import paths  # noqa: F401  (puts the collection's module_utils on sys.path)
from .model import HostResult, InputError
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_host_state import (  # noqa: E402
    boot_id, process_alive, process_start)


# The journal's format, "MAJOR.MINOR", written into every run.json. A change a reader of the previous format could
# misread bumps MAJOR; a field added, that such a reader can ignore, bumps MINOR. Runs written before the field existed
# are format 1.0. docs/journal.md is the schema.
FORMAT = "1.0"
FORMAT_MAJOR = int(FORMAT.split(".")[0])


def journal_format(meta: dict[str, Any]) -> tuple[int, int]:
    """(major, minor) of a run's format; a run without the field is 1.0."""
    text = str(meta.get("format", "1.0"))
    try:
        major, _, minor = text.partition(".")
        return int(major), int(minor or 0)
    except ValueError:
        raise InputError(f"run {meta.get('run_id', '?')}: journal format {text!r} is not MAJOR.MINOR") from None


def check_format(meta: dict[str, Any]) -> dict[str, Any]:
    """The meta of a run this qpt-apply can read; a newer major is refused rather than misread."""
    major, minor = journal_format(meta)
    if major > FORMAT_MAJOR:
        raise InputError(f"run {meta.get('run_id', '?')} was written in journal format {major}.{minor} by a newer "
                         f"qpt-apply; this one reads format {FORMAT_MAJOR}.x: read it with that newer qpt-apply")
    return meta


def parse_time(text: Any) -> dt.datetime | None:
    """A time of the journal, aware: run.json's ISO 8601 with offset, a record's '...Z' with or without fractions;
    None when there is none."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _process_started(pid: int) -> str | None:
    """When process `pid` started, as '<boot id>/<clock ticks since boot>'; None if there is no such
    process. Tells a live run from a reused pid (the same pid, a later start)."""
    started, boot = process_start(pid), boot_id()
    return f"{boot}/{started}" if started is not None and boot else None


def _this_process() -> dict[str, Any]:
    return {"pid": os.getpid(), "pid_started": _process_started(os.getpid()), "host": socket.gethostname()}


def _controller_gone(meta: dict[str, Any]) -> bool:
    """The process named in run.json is dead, or its pid now belongs to another process: the hosts'
    rule (qpt_host_state.process_alive, a process that cannot be proved dead is alive). A run of another
    machine, or of another boot of this one, cannot be told: not gone."""
    pid = meta.get("pid")
    if not isinstance(pid, int) or meta.get("host", socket.gethostname()) != socket.gethostname():
        return False
    recorded = meta.get("pid_started")
    boot, _, start = recorded.rpartition("/") if isinstance(recorded, str) else ("", "", None)
    if boot and boot != boot_id():
        return True  # this machine rebooted since: every process of that boot is gone
    return not process_alive(pid, start)


def new_run_id(command: str) -> str:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{command}-{secrets.token_hex(2)}"


@dataclass
class Run:
    directory: Path

    @property
    def run_id(self) -> str:
        return self.directory.name

    @classmethod
    def create(cls, state_dir: Path, command: str, options: dict[str, Any], run_id: str | None = None) -> "Run":
        run = cls(state_dir / "runs" / (run_id or new_run_id(command)))
        (run.directory / "runner").mkdir(parents=True)
        run.directory.chmod(0o700)
        run.write_meta({"run_id": run.run_id, "format": FORMAT, "command": command, "options": options,
                        "state": "running", "started": _now(), "finished": None, "exit_code": None,
                        **_this_process()})
        return run

    @classmethod
    def open(cls, state_dir: Path, run_id: str) -> "Run":
        directory = state_dir / "runs" / run_id
        if not (directory / "run.json").is_file():
            known = sorted(p.name for p in (state_dir / "runs").glob("*")) if (state_dir / "runs").is_dir() else []
            hint = f" (latest: {known[-1]})" if known else ""
            raise InputError(f"no run {run_id!r} in {state_dir}{hint}")
        run = cls(directory)
        _ = run.meta  # a run of a newer journal format is refused here, before anything uses it
        return run

    # -- metadata
    @property
    def meta(self) -> dict[str, Any]:
        """run.json; a run of a newer journal format raises InputError (so nothing rewrites it in an older one)."""
        return check_format(json.loads((self.directory / "run.json").read_text()))

    def write_meta(self, meta: dict[str, Any]) -> None:
        _atomic_write(self.directory / "run.json", json.dumps(meta, indent=2) + "\n")

    def update(self, **changes: Any) -> None:
        if changes.get("state") == "running":
            changes.update(_this_process())  # a resumed run is this process's now
        with self._exclusive():
            self.write_meta({**self.meta, **changes})

    def _mark_if_dead(self) -> bool:
        from .runner import ansible_processes_of

        with self._exclusive():
            meta = self.meta
            if meta.get("state") != "running" or not _controller_gone(meta):
                return False
            meta = {**meta, "state": "killed", "killed_found": _now()}
            still_running = ansible_processes_of(self.directory)
            if still_running:  # its guard died with it: nothing ended them
                meta["ansible_after_kill"] = still_running
            self.write_meta(meta)
            return True

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Read-modify-write of run.json against another command marking the run killed meanwhile."""
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            with contextlib.suppress(OSError):  # no flock on directories (some network filesystems)
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def finish(self, state: str, exit_code: int) -> None:
        self.update(state=state, exit_code=exit_code, finished=_now())

    # -- plan and records
    def write_plan(self, plan: dict[str, Any]) -> None:
        _atomic_write(self.directory / "plan.json", json.dumps(plan, indent=2) + "\n")

    @property
    def plan(self) -> dict[str, Any] | None:
        path = self.directory / "plan.json"
        return json.loads(path.read_text()) if path.exists() else None

    def append_record(self, result: HostResult) -> None:
        with open(self.directory / "records.jsonl", "a") as out:
            out.write(json.dumps(result.as_json()) + "\n")
            out.flush()
            os.fsync(out.fileno())

    def results(self) -> dict[str, HostResult]:
        """Latest record per host (a resumed run appends; the last word wins)."""
        path = self.directory / "records.jsonl"
        latest: dict[str, HostResult] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    record = json.loads(line)
                    latest[record["host"]] = HostResult.from_record(record)
        return latest

    def runner_dir(self, step: str) -> Path:
        """A fresh private_data_dir per playbook run: a reused one leaks env/ between runs."""
        existing = len(list((self.directory / "runner").iterdir()))
        path = self.directory / "runner" / f"{existing + 1:02d}-{step}"
        path.mkdir(parents=True)
        return path


def runs(state_dir: Path) -> list[Run]:
    """Every run of the state dir, oldest first (run ids start with their UTC start time)."""
    return [Run(path.parent) for path in sorted(Path(state_dir).glob("runs/*/run.json"))]


def mark_dead_runs(state_dir: Path) -> list[Run]:
    """Runs left `running` by a process that is gone (SIGKILL, crash, reboot) become `killed`, with when
    that was found, and lose what they left half-written in their runner dirs; returns them."""
    from .runner import scrub_artifacts

    marked = []
    for run in runs(state_dir):
        with contextlib.suppress(OSError, ValueError):  # a run being removed, or written by hand
            if run._mark_if_dead():
                scrub_artifacts(run.directory / "runner")
                marked.append(run)
    return marked


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # per process: two writers never share one
    tmp.write_text(text)
    tmp.replace(path)


class Lock:
    """One rollout at a time per set of inventory sources: an flock held for the whole run.

    The kernel drops the lock when its process dies, so a lock left by a dead run is simply free; the
    file keeps the last holder's RUN_ID to say which run is running (or was, when it is stale).
    """

    def __init__(self, state_dir: Path, inventory: Path | str | Sequence[Path | str]):
        sources = [inventory] if isinstance(inventory, (str, os.PathLike)) else list(inventory)
        # The same sources, however spelled or ordered, are the same fleet: paths count by what they point at.
        self.sources = sorted({os.path.realpath(s) if os.path.exists(s) else str(s) for s in sources})
        key = hashlib.sha256("\n".join(self.sources).encode()).hexdigest()[:16]
        self.path = state_dir / "locks" / f"{key}.lock"
        self.state_dir = state_dir
        self.inventory = ", ".join(str(s) for s in sources)
        self.stale_from: str | None = None
        self._fd: int | None = None

    def acquire(self, run_id: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = self._holder() or {}
            raise InputError(f"run {holder.get('run_id', '(unknown)')} (pid {holder.get('pid', '?')}) is already "
                             f"rolling out to {self.inventory}; wait for it or stop it first") from None
        previous = self._holder()
        if previous and previous.get("state") != "released":
            self.stale_from = previous.get("run_id", "unknown")
            self._refuse_while_orphaned(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(),
                                  "inventory": self.sources, "started": _now()}).encode(), 0)
        self._fd = fd

    def _refuse_while_orphaned(self, fd: int) -> None:
        """The flock died with the previous holder; its ansible-playbook normally died with it too."""
        from .runner import ansible_processes_of

        still_running = ansible_processes_of(self.state_dir / "runs" / str(self.stale_from))
        if still_running:
            os.close(fd)
            pids = " ".join(map(str, still_running))
            raise InputError(f"run {self.stale_from} was killed, but its ansible-playbook is still running against "
                             f"{self.inventory} with nobody journaling it; end it first (kill {pids})")

    def release(self) -> None:
        if self._fd is None:
            return
        holder = self._holder() or {}
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps({**holder, "state": "released", "released": _now()}).encode(), 0)
        os.close(self._fd)  # closing drops the flock
        self._fd = None

    @property
    def held_elsewhere(self) -> bool:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    def _holder(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.path.read_text() or "null")
        except (OSError, ValueError):
            return None
