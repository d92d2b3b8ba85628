"""The only place that runs Ansible: ansible-runner drives the playbooks, events come back as records.

Python never parses QPT output: each host's playbook ends with a result record (set_stats) and this
module only lifts those records out of runner events. Hosts that never get that far (unreachable, a
failure before the record task) get a record synthesised from the event that stopped them.

Nothing secret rests on disk, however the controller ends (SIGKILL included): ansible-runner's copy
of the environment keeps names only, and secrets reach Ansible through memory files. Nor does Ansible
outlive a controller killed outright: a guard process ends it.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .model import HostResult
from .paths import collections_dir, content_root

_DEFAULT_COLLECTIONS = os.pathsep.join(["~/.ansible/collections", "/usr/share/ansible/collections"])

# Secrets the playbooks read from the controller's environment. They reach Ansible as memory files
# named by <NAME>_FILE (/proc/<controller pid>/fd/<n>), not as variables: a variable would travel on
# into every local process Ansible starts.
SECRET_ENV = ("QPT_VERIFY_CUSTOMER_PASSWORD",)
# Where earlier qpt-apply versions kept those secrets, in files a killed controller left behind.
ABANDONED_SECRET_DIRS = "qpt-apply-secret-*"
ABANDONED_AFTER_SECONDS = 300
# ansible-runner names each run's artifact dir in the environment of Ansible and all it starts.
RUNNER_DATA_DIR_ENV = "AWX_ISOLATED_DATA_DIR"
RECORD_KEY = "qpt_result"
HALT_STAT = "qpt_halted"
HALT_TASK_PREFIX = "qpt halt:"  # the playbooks' cap tasks: they stop the run, they are no host's failure


@dataclass
class PlaybookRun:
    rc: int
    status: str                                  # successful | failed | canceled | timeout
    results: dict[str, HostResult] = field(default_factory=dict)
    halted: bool = False
    stats: dict[str, Any] = field(default_factory=dict)
    private_data_dir: Path | None = None


def _environment() -> dict[str, str]:
    # The venv's bin holds ansible-playbook; an unactivated venv must still find it.
    here = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    return {
        "PATH": path if here in path.split(os.pathsep) else f"{here}{os.pathsep}{path}",
        "ANSIBLE_CONFIG": str(content_root() / "ansible.cfg"),
        # The collection first, then wherever the operator keeps others.
        "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join(
            [str(collections_dir())] + [p for p in os.environ.get("ANSIBLE_COLLECTIONS_PATH", _DEFAULT_COLLECTIONS)
                                        .split(os.pathsep) if p and p != str(collections_dir())]),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
    }


def run_playbook(
    playbook: str,
    *,
    inventory: Sequence[str],
    extravars: dict[str, Any],
    private_data_dir: Path,
    limit: str | None = None,
    check: bool = False,
    ansible_args: Sequence[str] = (),
    passwords: Mapping[str, str] | None = None,
    on_record: Callable[[HostResult], None] | None = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    cancel: threading.Event | None = None,
) -> PlaybookRun:
    import ansible_runner

    results: dict[str, HostResult] = {}
    raw: dict[str, dict[str, Any]] = {}
    halted = False
    last_failure: dict[str, dict[str, Any]] = {}

    def handle(event: dict[str, Any]) -> bool:
        nonlocal halted
        data = event.get("event_data", {})
        host = data.get("host")
        kind = event.get("event", "")
        res = data.get("res") or {}
        record = _record_from(res)
        stats = (res.get("ansible_stats") or {}).get("data") or {}
        if stats.get(HALT_STAT):
            halted = True
        if str(data.get("task", "")).startswith(HALT_TASK_PREFIX):
            if kind == "runner_on_failed":
                halted = True
        elif record and host:
            # The record comes more than once (fact, set_stats, the task that echoes it): report it once.
            if raw.get(host) != record:
                raw[host] = record
                results[host] = HostResult.from_record({**record, "host": host})
                if on_record:
                    on_record(results[host])
        elif host and kind == "runner_on_unreachable":
            last_failure[host] = {"action": "unreachable", "code": "unreachable", "message": _message(res)}
        elif host and kind == "runner_on_failed" and not data.get("ignore_errors"):
            last_failure.setdefault(host, {"action": "failed", "code": "task-failed",
                                           "message": f"{data.get('task', '')}: {_message(res)}"})
        if on_event:
            on_event(event)
        return True

    with _secrets_in_memory() as secret_env:
        runner = _call(
            ansible_runner.run, private_data_dir,
            project_dir=str(content_root()),
            playbook=str(content_root() / "playbooks" / playbook),
            inventory=list(inventory),
            extravars=extravars,
            # The playbooks' checks on localhost (inputs, host locks) run under any --limit too.
            limit=f"{limit},localhost" if limit else None,
            cmdline=shlex.join([*(["--check"] if check else []), *ansible_args]) or None,
            passwords=dict(passwords or {}),  # prompt regex → answer, typed through the pty
            envvars={**_environment(), **secret_env},
            event_handler=handle,
            # Always ours: without one, ansible-runner installs its own SIGINT handler.
            cancel_callback=(lambda: cancel.is_set()) if cancel else (lambda: False),
            quiet=True,
            suppress_env_files=True,  # extravars and env must not be written to disk in clear
        )
    for host, failure in last_failure.items():
        if host not in results or failure["action"] == "unreachable":
            previous = results.get(host)
            result = HostResult.from_record({
                **(previous.as_json() if previous else {}), "host": host, "action": failure["action"],
                "outcome": "failed", "reason": {"code": failure["code"], "message": failure["message"]},
            })
            results[host] = result
            if on_record:
                on_record(result)
    return PlaybookRun(rc=runner.rc, status=runner.status, results=results, halted=halted,
                       stats=runner.stats or {}, private_data_dir=private_data_dir)


def _call(function: Callable[..., Any], private_data_dir: Path, **kwargs: Any) -> Any:
    """One ansible-runner call: its record of the environment keeps the names only, and what it runs
    does not outlive this process."""
    ident = str(uuid.uuid4())
    with _environment_names_only(private_data_dir / "artifacts" / ident / "command") as settle, \
            _abort_when_orphaned(private_data_dir):
        # "running" comes after the command file is written, before the child is forked.
        return function(private_data_dir=str(private_data_dir), ident=ident, **kwargs,
                        status_handler=lambda status, **_: settle() if status.get("status") == "running" else None)


@contextlib.contextmanager
def _environment_names_only(command: Path) -> Iterator[Callable[[], None]]:
    """ansible-runner writes the child's whole environment, values and all, to artifacts/<ident>/command
    before it starts the child, and the child needs every value (SSH agent, proxies, cloud credentials
    an inventory plugin reads). So that path is a FIFO when ansible-runner opens it: the document goes
    through memory only, and what lands in its place holds the variables' names. Yields `settle`, which
    waits for that (it is done before ansible-runner forks: a fork copies only the calling thread)."""
    command.parent.mkdir(parents=True, mode=0o700)
    os.mkfifo(command, 0o600)
    # Opened before ansible-runner's open, so its open never waits; non-blocking so this side can stop.
    fifo = os.open(command, os.O_RDONLY | os.O_NONBLOCK)
    finished = threading.Event()
    reader = threading.Thread(target=_keep_names_only, args=(command, fifo, finished), daemon=True)
    reader.start()

    def settle() -> None:
        finished.set()  # whatever was written is drained first
        reader.join()

    try:
        yield settle
    finally:
        settle()
        os.close(fifo)
        scrub_command_file(command)


def _keep_names_only(command: Path, fifo: int, finished: threading.Event) -> None:
    poller = select.poll()
    poller.register(fifo, select.POLLIN | select.POLLHUP)
    received = b""
    while True:
        if poller.poll(100):
            try:
                chunk = os.read(fifo, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                break           # written and closed
            received += chunk
        elif finished.is_set():
            break               # the call ended without writing it
    try:
        document = json.loads(received)
    except ValueError:
        command.unlink(missing_ok=True)
        return
    _write_names_only(command, document)


def _write_names_only(command: Path, document: dict[str, Any]) -> None:
    document["env"] = sorted(document.get("env") or {})
    replacement = command.with_name(f"{command.name}.{os.getpid()}.tmp")
    replacement.unlink(missing_ok=True)
    with open(os.open(replacement, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        json.dump(document, out)
    replacement.replace(command)


def scrub_command_file(command: Path) -> None:
    """Leave artifacts/<ident>/command a regular file with names only (a FIFO left by a killed
    controller goes, a file written in clear by an earlier qpt-apply is reduced)."""
    if command.is_fifo():
        command.unlink()
        return
    try:
        document = json.loads(command.read_text())
    except (OSError, ValueError):
        return
    if isinstance(document, dict) and isinstance(document.get("env"), dict):
        _write_names_only(command, document)


def scrub_artifacts(directory: Path) -> None:
    """scrub_command_file for every ansible-runner call under `directory` (a run no process owns)."""
    for command in directory.glob("**/artifacts/*/command"):
        scrub_command_file(command)


@contextlib.contextmanager
def _secrets_in_memory() -> Iterator[dict[str, str]]:
    """Move secret variables out of the child's environment into memory files it reads through this
    process's /proc entry: they never touch a disk and vanish with this process, however it ends."""
    held = {name: os.environ.pop(name) for name in SECRET_ENV if os.environ.get(name)}
    descriptors: list[int] = []
    try:
        env = {}
        for name, value in held.items():
            descriptor = os.memfd_create(name.lower())  # close-on-exec: no child holds it open
            descriptors.append(descriptor)
            with open(descriptor, "w", closefd=False) as memory:
                memory.write(value)
            env[f"{name}_FILE"] = f"/proc/{os.getpid()}/fd/{descriptor}"
        yield env
    finally:
        for descriptor in descriptors:
            os.close(descriptor)
        os.environ.update(held)


# Runs as a process of its own, which outlives a controller killed outright. ansible-playbook does too
# (it ignores its terminal's hangup), and then carries on with nobody journaling it, or hangs once its
# writes to the dead terminal fail; so the guard ends it as a second Ctrl-C does.
_ABORT_WHEN_ORPHANED = (
    "import os, sys\n"
    "if not os.read(int(sys.argv[1]), 1):\n"  # end of pipe before the controller's goodbye: it died
    "    sys.path.insert(0, sys.argv[3])\n"
    "    from qpt_apply.runner import abort_processes_of\n"
    "    abort_processes_of(sys.argv[2])\n"
)


@contextlib.contextmanager
def _abort_when_orphaned(private_data_dir: Path) -> Iterator[None]:
    """While Ansible runs for `private_data_dir`, a guard ends it should this process die without
    saying goodbye."""
    watched, goodbye = os.pipe()
    guard = subprocess.Popen(
        [sys.executable, "-I", "-c", _ABORT_WHEN_ORPHANED, str(watched), str(private_data_dir),
         str(Path(__file__).resolve().parent.parent)],
        pass_fds=(watched,), start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    os.close(watched)
    try:
        yield
    finally:
        os.write(goodbye, b".")
        os.close(goodbye)
        guard.wait()


def _processes() -> Iterator[tuple[int, bytes, list[bytes]]]:
    """(pid, environment block, argv) of every process this user may read."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            yield int(entry.name), (entry / "environ").read_bytes(), (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue


def _processes_of(directory: Path | str) -> list[tuple[int, list[bytes]]]:
    """Processes started for an ansible-runner private data dir under `directory`: Ansible and all it ran."""
    root = os.fsencode(os.path.realpath(directory)) + b"/"
    marker = RUNNER_DATA_DIR_ENV.encode() + b"="
    found = []
    for pid, environment, argv in _processes():
        data_dir = next((v[len(marker):] for v in environment.split(b"\0") if v.startswith(marker)), None)
        if data_dir is not None and os.path.realpath(data_dir).startswith(root):
            found.append((pid, argv))
    return found


def ansible_processes_of(directory: Path) -> list[int]:
    """ansible-playbook (and its workers) of the runs under `directory`; not the ssh masters they leave
    behind for a while, which change nothing."""
    return [pid for pid, argv in _processes_of(directory)
            if any(Path(os.fsdecode(arg)).name.startswith("ansible") for arg in argv[:2])]


def abort_processes_of(directory: Path | str) -> None:
    """SIGKILL what runs for `directory`, process group first: what ansible-runner does to cancel."""
    for _ in range(10):  # a worker may start one more ssh meanwhile
        found = {pid for pid, _ in _processes_of(directory)}
        if not found:
            return
        for pid in found:
            with contextlib.suppress(OSError):
                group = os.getpgid(pid)
                if group in found:
                    os.killpg(group, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


def remove_abandoned_secret_dirs() -> list[Path]:
    """Remove <tmp>/qpt-apply-secret-*/ left by a killed controller of an earlier version. Such a
    directory was in use only while an ansible-playbook named it in its environment; one that no
    process names, some minutes old and ours, is abandoned."""
    candidates = [d for d in Path(tempfile.gettempdir()).glob(ABANDONED_SECRET_DIRS) if _old_dir_of_mine(d)]
    if not candidates:
        return []
    named = b"\0".join(environment for _, environment, _ in _processes())
    abandoned = [d for d in candidates if str(d).encode() not in named]
    for directory in abandoned:
        shutil.rmtree(directory, ignore_errors=True)
    return abandoned


def _old_dir_of_mine(path: Path) -> bool:
    try:
        info = path.lstat()
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and time.time() - info.st_mtime > ABANDONED_AFTER_SECONDS)


def _record_from(res: dict[str, Any]) -> dict[str, Any] | None:
    if isinstance(res.get(RECORD_KEY), dict):
        return res[RECORD_KEY]
    data = (res.get("ansible_stats") or {}).get("data") or {}
    if isinstance(data.get(RECORD_KEY), dict):
        return data[RECORD_KEY]
    facts = res.get("ansible_facts") or {}
    if isinstance(facts.get(RECORD_KEY), dict):
        return facts[RECORD_KEY]
    return None


def _message(res: dict[str, Any]) -> str:
    for key in ("msg", "stderr", "stdout"):
        if res.get(key):
            return str(res[key]).strip().splitlines()[-1][:500]
    return "no message"
