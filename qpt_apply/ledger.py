"""The ledger: where each patch was applied, reverted, found drifted or proven — and by which run.

Built only from the journals of a state dir (journal.py, docs/journal.md): every run's result records, in the
order they happened. Per host and patch the ledger follows what its runs did:

    applied    a change run (apply, revert, their resume) saw the patch not Applied, then left it Applied
    reverted   a change run left a patch Not applied (or N/A) that was Applied before it or that an earlier run
               applied, a rollback of a failing batch included
    drifted    a later run read the host (status, verify, drift, a plan's or an apply's first read) and QPT said
               Not applied or N/A for a patch an earlier run had applied: something outside qpt-apply undid it
    verified   a verify run proved the fix functionally (`verify --functional`): its outcome is the proof

An "absent" status (QPT has no row for the patch) never counts as drift: it is also what a host whose QPT cannot
run reports, so it tells nothing about the files.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

from rich.table import Table

from .console import Ui
from .journal import Run, parse_time, runs
from .model import HostResult, validate_patches
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_statuses import ABSENT

APPLIED = "Applied"
CHANGING = ("apply", "revert")       # commands whose records say what they changed
DRIFT_STATES = ("Not applied", "N/A")  # what QPT says of a patch that was undone or edited away
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Event:
    time: str             # UTC, ISO 8601 to the second: when the host's record was written
    host: str
    patch: str
    event: str            # applied | reverted | drifted | verified
    run_id: str
    command: str          # the run's command: apply, revert, status, verify, plan, drift ...
    qpt: str | None       # magento/quality-patches version on the host then
    status: str | None    # QPT's status of the patch as the run left it (drifted: as the run found it)
    proof: str | None     # the functional check's outcome when there was one, else the fingerprints' verdict
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def events(state_dir: Path, *, host: str | None = None, patch: str | None = None) -> list[Event]:
    """Every ledger event of the state dir's journals, oldest first; `host` is a name or a glob pattern."""
    if patch is not None:
        validate_patches([patch])  # the one patch-ID rule; InputError names the value
    state: dict[tuple[str, str], _Known] = {}
    found: list[Event] = []
    for moment, _, meta, record in sorted(_observations(state_dir), key=lambda item: item[:2]):
        found.extend(_events_of(moment, meta, record, state))
    return [e for e in found
            if (host is None or fnmatch.fnmatchcase(e.host, host)) and (patch is None or e.patch == patch)]


@dataclass
class _Known:
    """What the ledger last established for a host and patch, and the run that applied it."""

    state: str            # unknown (nothing established) | Applied | drifted | Not applied | N/A
    applied_by: str | None


def _observations(state_dir: Path) -> Iterator[tuple[dt.datetime, int, dict[str, Any], HostResult]]:
    """(when, line number overall, run meta, record) for every record line of every run (a resumed run's lines
    all count); a record without timings is as old as its run."""
    order = 0
    for run in runs(state_dir):
        meta = run.meta  # a run of a newer journal format stops the ledger here, rather than being misread
        fallback = parse_time(meta.get("finished")) or parse_time(meta.get("started")) or _EPOCH
        for record in _records(run):
            timings = record.timings or {}
            moment = parse_time(timings.get("end")) or parse_time(timings.get("start")) or fallback
            order += 1
            yield moment, order, meta, record


def _records(run: Run) -> Iterator[HostResult]:
    path = run.directory / "records.jsonl"
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        try:
            data = json.loads(line)
        except ValueError:
            continue  # a line cut short by a crash
        if isinstance(data, dict) and data.get("host"):
            yield HostResult.from_record(data)


def _events_of(moment: dt.datetime, meta: dict[str, Any], record: HostResult,
               state: dict[tuple[str, str], _Known]) -> list[Event]:
    run_id, command = meta.get("run_id", "?"), meta.get("command", "?")
    changing = command in CHANGING and not record.check_mode
    found: list[Event] = []

    def event(kind: str, patch: str, status: str | None, detail: str = "", proof: str | None = None) -> None:
        found.append(Event(time=_format_time(moment), host=record.host, patch=patch, event=kind,
                           run_id=run_id, command=command, qpt=record.qpt_after or record.qpt_before,
                           status=status, proof=proof, detail=detail))

    if record.action == "unreachable" or record.outcome == "not-run":
        return found  # nothing was read
    before = record.status_before or {}
    after = (record.status_after or before) if changing else before
    for patch in dict.fromkeys([*before, *after]):
        known = state.setdefault((record.host, patch), _Known("unknown", None))
        seen = before.get(patch)  # the host's first read in this run
        # (A run's later lines for a host, e.g. after a rollback, repeat its first read: not news.)
        if known.state == APPLIED and known.applied_by != run_id and seen in DRIFT_STATES:
            event("drifted", patch, seen, f"applied by run {known.applied_by}; QPT now says {seen}")
            known.state = "drifted"
        elif known.state == "drifted" and seen == APPLIED:
            known.state = APPLIED  # put back outside qpt-apply: losing it again is drift again
        if not changing:
            continue
        now = after.get(patch)
        if now == APPLIED and seen != APPLIED and known.state != APPLIED:
            event("applied", patch, now, _failure_note(record), _proof(record))
            known.state, known.applied_by = APPLIED, run_id
        # "absent" afterwards is a revert only when this run saw it Applied (a revert that put an older QPT back).
        elif APPLIED in (seen, known.state) and (now in DRIFT_STATES or (now == ABSENT and seen == APPLIED)):
            rolled_back = record.extra.get("rolled_back")
            detail = "rolled back: its batch failed" if rolled_back else _failure_note(record)
            event("reverted", patch, now, detail, _proof(record) if command == "revert" else None)
            known.state = now
    functional = (record.verify or {}).get("functional")
    if command == "verify" and isinstance(functional, dict) and functional.get("outcome") not in (None, "skipped"):
        for patch in after:
            event("verified", patch, after[patch], str(functional.get("message") or ""), str(functional["outcome"]))
    return found


def _proof(record: HostResult) -> str | None:
    """The functional check's outcome when it ran, else what the fingerprints said."""
    verify = record.verify or {}
    functional = verify.get("functional")
    if isinstance(functional, dict) and functional.get("outcome") not in (None, "skipped"):
        return str(functional["outcome"])
    fingerprints = verify.get("fingerprints")
    return f"fingerprints {fingerprints}" if fingerprints not in (None, "n/a") else None


def _failure_note(record: HostResult) -> str:
    return f"the run failed on the host: {record.reason.get('message') or record.reason.get('code')}" \
        if record.failed else ""


def _format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- output

_STYLE = {"applied": "green", "reverted": "yellow", "drifted": "bold red", "verified": "cyan"}


def table(found: list[Event], title: str) -> Table:
    result = Table(title=title, title_justify="left")
    for column in ("time (UTC)", "host", "patch", "event", "run", "command", "QPT", "proof", "detail"):
        result.add_column(column, overflow="fold")
    for e in found:
        style = _STYLE.get(e.event, "")
        result.add_row(e.time.replace("T", " ").rstrip("Z"), e.host, e.patch, f"[{style}]{e.event}[/]", e.run_id,
                       e.command, e.qpt or "—", e.proof or "", e.detail)
    return result


def document(state_dir: Path, found: list[Event], *, host: str | None, patch: str | None) -> dict[str, Any]:
    """What `history --json` prints."""
    return {"state_dir": str(state_dir), "host": host, "patch": patch, "events": [e.as_json() for e in found]}


def main(state_dir: Path, *, host: str | None, patch: str | None, ui: Ui) -> int:
    """`qpt-apply history`: the table on a terminal, one JSON document with --json."""
    found = events(state_dir, host=host, patch=patch)
    if ui.json_mode:
        print(json.dumps(document(state_dir, found, host=host, patch=patch), indent=2))
        return 0
    narrowed = "".join(f" {flag} {value}" for flag, value in (("--host", host), ("--patch", patch)) if value)
    if not found:
        ui.say(f"nothing applied, reverted or drifted in the journals of {state_dir}{narrowed}")
        return 0
    ui.out.print(table(found, f"History of {state_dir}{narrowed}: {len(found)} event(s)"))
    return 0
