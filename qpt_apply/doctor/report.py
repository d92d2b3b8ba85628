"""The outcome: one host's findings, the fleet's JSON document and the table people read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .probe import CHECKS, Check

HOST_KEY_STATES = ("known", "unknown", "changed", "n/a")


@dataclass
class HostReport:
    """One host's findings; each starts as not checked, so a check that stops early reports just what it reached."""

    host: str
    address: str
    port: int
    reachable: bool | None = None
    auth: str = "not-tried"          # ok | failed | not-tried
    host_key: str = "n/a"            # known | unknown | changed | n/a
    checks: dict[str, Check] = field(default_factory=lambda: {name: Check() for name in CHECKS})
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"host": self.host, "address": self.address, "port": self.port, "reachable": self.reachable,
                "auth": self.auth, "host_key": self.host_key,
                "checks": {name: check.as_json() for name, check in self.checks.items()},
                "problems": list(self.problems), "notes": list(self.notes)}


def document(reports: list[HostReport]) -> dict[str, Any]:
    """The document --json prints and the table is drawn from; exit code 1 when any host has a problem."""
    hosts = [r.as_json() for r in reports]
    bad = [r for r in reports if r.problems]
    summary = {
        "hosts": len(reports),
        "ok": len(reports) - len(bad),
        "with_problems": len(bad),
        "unreachable": sum(1 for r in reports if r.reachable is False),
        "auth_failed": sum(1 for r in reports if r.auth == "failed"),
        "host_key": {state: sum(1 for r in reports if r.host_key == state) for state in HOST_KEY_STATES},
        "problems": sum(len(r.problems) for r in reports),
    }
    return {"hosts": hosts, "summary": summary, "exit_code": 1 if bad else 0}


def render(doc: dict[str, Any], out: Any) -> None:
    """Human output: one row per host, then one line per problem and per note."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="qpt-apply doctor", title_justify="left")
    for column in ("host", "address", "host key", "ssh", "magento", "tools", "result"):
        table.add_column(column, overflow="fold", no_wrap=column in ("host", "address"))
    for host in doc["hosts"]:
        key_style = {"known": "green", "unknown": "yellow", "changed": "bold red"}.get(host["host_key"], "dim")
        checks = host["checks"]
        if host["reachable"] is False:
            ssh = "[bold red]unreachable[/]"
        elif host["auth"] == "ok":
            ssh = "[green]ok[/]"
        elif host["auth"] == "failed":
            ssh = "[bold red]login failed[/]"
        elif host["reachable"] and host["host_key"] == "n/a":
            ssh = "[bold red]no SSH[/]"
        else:
            ssh = "[dim]not tried[/]" if host["host_key"] == "n/a" else "[bold red]refused[/]"

        def verdict(names: tuple[str, ...], labels: dict[str, str]) -> str:
            states = [checks[name]["ok"] for name in names]
            if any(state is None for state in states):
                return "[dim]–[/]"
            failed = [labels.get(name, name) for name in names if checks[name]["ok"] is False]
            return f"[bold red]✗ {escape(', '.join(failed))}[/]" if failed else "[green]ok[/]"

        magento = verdict(("magento_root", "var_writable"), {"magento_root": "root", "var_writable": "var/"})
        tools = verdict(("php", "composer", "git_or_patch", "python3"), {"git_or_patch": "git/patch"})
        count = len(host["problems"])
        result = f"[bold red]{count} problem{'s' if count > 1 else ''}[/]" if count else "[green]ready[/]"
        table.add_row(escape(host["host"]), escape(f"{host['address']}:{host['port']}"),
                      f"[{key_style}]{host['host_key']}[/]", ssh, magento, tools, result)
    out.print(table)
    for host in doc["hosts"]:
        for problem in host["problems"]:
            out.print(f"[bold red]{escape(host['host'])}:[/] {escape(problem)}")
    for host in doc["hosts"]:
        for note in host["notes"]:
            out.print(f"[dim]note: {escape(host['host'])}: {escape(note)}[/]")
    s = doc["summary"]
    if s["with_problems"]:
        out.print(f"{s['with_problems']} of {s['hosts']} host(s) have problems ({s['problems']} in all).")
    else:
        out.print(f"All {s['hosts']} host(s) are ready.")
