"""Reports of a run, built only from the journal: JSON (the --json document), JUnit XML, HTML, a table."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from . import catalog
from .journal import Run, parse_time
from .model import HostResult

FORMATS = ("table", "json", "junit", "html")
# A killed run's hosts without a record may have been in the middle of a change when it died.
KILLED_NO_RECORD = {"code": "killed", "message": "no record: the run was killed before this host reported"}


def summarize(results: list[HostResult], *, halted: bool = False, interrupted: bool = False,
              killed: bool = False) -> dict[str, Any]:
    outcomes = Counter(r.outcome for r in results)
    return {
        "hosts": len(results),
        "changed": outcomes["changed"],
        "ok": outcomes["ok"],
        "skipped": outcomes["skipped"],
        "failed": sum(1 for r in results if r.failed),
        "would_change": outcomes["would-change"],
        "not_run": outcomes["not-run"],
        "actions": dict(sorted(Counter(r.action for r in results).items())),
        "halted": halted,
        "interrupted": interrupted,
        "killed": killed,
    }


def document(run: Run) -> dict[str, Any]:
    """The one JSON shape of a run: what --json prints and report.json holds."""
    meta = run.meta
    plan = run.plan or {}
    results = run.results()
    order = plan.get("hosts") or list(results)
    batches = {h: n for n, members in enumerate(plan.get("batches", []), start=1) for h in members}
    killed = meta["state"] == "killed"
    hosts = []
    for name in order + [h for h in results if h not in order]:
        result = results.get(name) or HostResult(host=name)
        if killed and name not in results:
            result.reason = dict(KILLED_NO_RECORD)
        if result.batch is None:
            result.batch = batches.get(name)
        hosts.append(result)
    desired = plan.get("desired") or {}
    # --patch, or every patch the hosts declare (each host's own set is in `desired`).
    patches = meta["options"].get("patches") or list(dict.fromkeys(p for ids in desired.values() for p in ids))
    doc = {
        "run_id": meta["run_id"],
        "command": meta["command"],
        "patches": patches,
        "desired": desired,
        "titles": {p: catalog.title(p) for p in patches},
        "state": meta["state"],
        "started": meta["started"],
        "finished": meta["finished"],
        "killed_found": meta.get("killed_found"),
        "inventory": meta["options"].get("inventory"),
        "limit": meta["options"].get("limit"),
        "batches": plan.get("batches", []),
        "hosts": [h.as_json() for h in hosts],
        "summary": summarize(hosts, halted=meta["state"] == "halted", interrupted=meta["state"] == "interrupted",
                             killed=killed),
        "exit_code": meta["exit_code"],
    }
    if "drift" in meta:
        doc["drift"] = meta["drift"]
    return doc


PROTOCOLS = {"rest": "REST", "graphql": "GraphQL"}


def proof(host: dict[str, Any]) -> list[dict[str, Any]]:
    """The functional proof of a host record, one row per API it checked: failures_num at the start, after the
    wrong password and after the right one, the outcome and, when it is not `fixed`, the check's message."""
    functional = (host.get("verify") or {}).get("functional")
    if not isinstance(functional, dict):
        return []
    rows = []
    for key, name in PROTOCOLS.items():
        entry = functional.get(key)
        if not isinstance(entry, dict) or entry.get("message") == "not requested":
            continue
        start = entry.get("failures_before")
        rows.append({"api": name, "outcome": entry.get("outcome") or "?",
                     "counts": [start if start is not None else entry.get("failures_at_start"),
                                entry.get("failures_after_bad"), entry.get("failures_after_good")],
                     "message": "" if entry.get("outcome") == "fixed" else entry.get("message") or ""})
    return rows


def timeline(doc: dict[str, Any]) -> dict[str, Any] | None:
    """Each batch's hosts as bars on one time axis (offsets and widths in % of the run's span), from the records'
    timings; None when no host has any."""
    spans = {}
    for host in doc["hosts"]:
        timings = host.get("timings") or {}
        start, end = parse_time(timings.get("start")), parse_time(timings.get("end"))
        if start and end and end >= start:
            spans[host["host"]] = (start, end)
    if not spans:
        return None
    first = min(start for start, _ in spans.values())
    total = max((max(end for _, end in spans.values()) - first).total_seconds(), 0.001)
    outcomes = {h["host"]: h["outcome"] for h in doc["hosts"]}
    batches = [list(b) for b in doc.get("batches") or []]
    batched = {h for b in batches for h in b}
    if any(h["host"] not in batched for h in doc["hosts"]):
        batches.append([h["host"] for h in doc["hosts"] if h["host"] not in batched])
    groups = []
    for number, members in enumerate(batches, start=1):
        rows = []
        for name in members:
            row = {"host": name, "outcome": outcomes.get(name, "not-run"), "bar": None}
            if name in spans:
                start, end = spans[name]
                seconds = (end - start).total_seconds()
                row["bar"] = {"left": round((start - first).total_seconds() / total * 100, 2),
                              "width": round(max(seconds / total * 100, 0.4), 2), "seconds": seconds}
            rows.append(row)
        timed = [spans[h] for h in members if h in spans]
        groups.append({"number": number, "hosts": rows,
                       "seconds": (max(e for _, e in timed) - min(s for s, _ in timed)).total_seconds()
                       if timed else None})
    return {"start": first.strftime("%Y-%m-%d %H:%M:%S UTC"), "seconds": total, "batches": groups}


def duration(seconds: Any) -> str:
    """12.3 s, 2 min 05 s; an em dash for no timing."""
    if not isinstance(seconds, (int, float)):
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("qpt_apply", "templates"),
                      autoescape=select_autoescape(["html", "xml", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["status_text"] = lambda statuses: ", ".join(f"{k}: {v}" for k, v in (statuses or {}).items())
    env.filters["duration"] = duration
    env.filters["proof"] = proof
    return env


def render(doc: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc, indent=2) + "\n"
    template = {"junit": "junit.xml.j2", "html": "report.html.j2"}[fmt]
    return _environment().get_template(template).render(doc=doc, timeline=timeline(doc) if fmt == "html" else None)


def write_all(run: Run) -> dict[str, Any]:
    """Write report.json, junit.xml and report.html into the run's directory; return the document."""
    doc = document(run)
    for fmt, name in (("json", "report.json"), ("junit", "junit.xml"), ("html", "report.html")):
        (run.directory / name).write_text(render(doc, fmt))
    return doc
