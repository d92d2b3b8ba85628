"""The only place that runs Ansible: ansible-runner drives the playbooks, events come back as records.

Python never parses QPT output: each host's playbook ends with a result record (set_stats) and this
module only lifts those records out of runner events. Hosts that never get that far (unreachable, a
failure before the record task) get a record synthesised from the event that stopped them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .model import HostResult
from .paths import content_root

# Secrets the playbooks read from the controller's environment. ansible-runner copies the whole
# environment into its artifacts, so these travel in a private 0600 file named by <NAME>_FILE instead.
SECRET_ENV = ("QPT_VERIFY_CUSTOMER_PASSWORD",)
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
        "ANSIBLE_ROLES_PATH": str(content_root() / "roles"),
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

    with _secrets_in_files() as secret_env:
        runner = ansible_runner.run(
            private_data_dir=str(private_data_dir),
            project_dir=str(content_root()),
            playbook=str(content_root() / "playbooks" / playbook),
            inventory=list(inventory),
            extravars=extravars,
            limit=limit,
            cmdline=shlex.join([*(["--check"] if check else []), *ansible_args]) or None,
            passwords=dict(passwords or {}),  # prompt regex → answer, typed through the pty
            envvars={**_environment(), **secret_env},
            event_handler=handle,
            # Always ours: without one, ansible-runner installs its own SIGINT handler.
            cancel_callback=(lambda: cancel.is_set()) if cancel else (lambda: False),
            quiet=True,
            suppress_env_files=True,  # extravars and env must not be written to disk in clear
        )
    _redact_environment(private_data_dir)
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


@contextlib.contextmanager
def _secrets_in_files() -> Iterator[dict[str, str]]:
    """Move secret variables out of the environment the child (and its artifacts) will see."""
    held = {name: os.environ.pop(name) for name in SECRET_ENV if os.environ.get(name)}
    if not held:
        yield {}
        return
    with tempfile.TemporaryDirectory(prefix="qpt-apply-secret-") as private:
        env = {}
        for name, value in held.items():
            path = Path(private, name.lower())
            path.touch(mode=0o600)
            path.write_text(value)
            env[f"{name}_FILE"] = str(path)
        try:
            yield env
        finally:
            os.environ.update(held)


def _redact_environment(private_data_dir: Path) -> None:
    """Keep only the names of the environment ansible-runner recorded: the journal holds no one's tokens."""
    for command_file in private_data_dir.glob("artifacts/*/command"):
        try:
            data = json.loads(command_file.read_text())
        except (OSError, ValueError):
            continue
        data["env"] = sorted(data.get("env") or {})
        command_file.write_text(json.dumps(data))


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
