"""Reports of a run, built only from the journal: JSON (the --json document), JUnit XML, HTML, a table."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from . import catalog
from .journal import Run
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
    return {
        "run_id": meta["run_id"],
        "command": meta["command"],
        "patches": meta["options"].get("patches", []),
        "titles": {p: catalog.title(p) for p in meta["options"].get("patches", [])},
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


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("qpt_apply", "templates"),
                      autoescape=select_autoescape(["html", "xml", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["status_text"] = lambda statuses: ", ".join(f"{k}: {v}" for k, v in (statuses or {}).items())
    return env


def render(doc: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc, indent=2) + "\n"
    template = {"junit": "junit.xml.j2", "html": "report.html.j2"}[fmt]
    return _environment().get_template(template).render(doc=doc)


def write_all(run: Run) -> dict[str, Any]:
    """Write report.json, junit.xml and report.html into the run's directory; return the document."""
    doc = document(run)
    for fmt, name in (("json", "report.json"), ("junit", "junit.xml"), ("html", "report.html")):
        (run.directory / name).write_text(render(doc, fmt))
    return doc
