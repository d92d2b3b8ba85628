"""Terminal output: rich tables and live progress on a TTY, plain lines otherwise.

With --json, stdout carries only the JSON document, so everything human goes to stderr.
"""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from .model import HostResult

_STYLE = {"changed": "green", "ok": "green", "skipped": "dim", "failed": "bold red",
          "would-change": "cyan", "not-run": "dim", "running": "yellow", "pending": "dim"}


class Ui:
    def __init__(self, *, json_mode: bool):
        self.json_mode = json_mode
        self.out = Console(stderr=json_mode, highlight=False, soft_wrap=False)
        self.tty = self.out.is_terminal
        if not self.tty:
            self.out.width = max(self.out.width, 160)  # logs and pipes: no 80-column wrapping

    def say(self, text: str) -> None:
        self.out.print(text)

    def confirm(self, question: str) -> bool:
        """Ask `question [y/N]` (the brackets shown as such, not read as markup); only y or yes says yes."""
        answer = self.out.input(escape(f"{question} [y/N] "))
        return answer.strip().lower() in ("y", "yes")

    def busy(self, text: str):
        """A spinner on a terminal; one line elsewhere."""
        if self.tty:
            return self.out.status(text)
        self.say(text)
        return contextlib.nullcontext()

    def results_table(self, title: str, results: list[HostResult], *, show_batch: bool = False) -> None:
        table = Table(title=title, title_justify="left", show_lines=False)
        if show_batch:
            table.add_column("batch", justify="right")
        proven = any((r.verify or {}).get("functional") for r in results)
        for column in ("host", "magento", "QPT", "status", "action", *(["proof"] if proven else []), "reason"):
            table.add_column(column, overflow="fold")
        for r in results:
            qpt = r.qpt_before or "—"
            if r.qpt_after and r.qpt_after != r.qpt_before:
                qpt += f" → {r.qpt_after}"
            # A preview's "after" is a wish; show where the host stands.
            shown = r.status_before if r.check_mode else (r.status_after or r.status_before)
            # Desired (the patches asked for, with their status) vs actual: Applied ones nobody asked for too.
            status = ", ".join([f"{k} {v}" for k, v in shown.items()]
                               + [f"{k} Applied (not declared)" for k in r.extra.get("applied") or [] if k not in shown])
            style = _STYLE.get(r.outcome, "")
            row = [r.host, r.magento or "?", qpt, status, f"[{style}]{r.action}[/]",
                   *([_proof(r)] if proven else []), (r.reason or {}).get("message") or ""]
            table.add_row(*([str(r.batch or "")] if show_batch else []), *row)
        self.out.print(table)


def _proof(result: HostResult) -> str:
    """The functional proof per protocol, e.g. 'rest fixed, graphql fixed'."""
    functional = (result.verify or {}).get("functional") or {}
    parts = [f"{p} {functional[p].get('outcome')}" for p in ("rest", "graphql") if isinstance(functional.get(p), dict)]
    return ", ".join(parts) or str(functional.get("outcome") or "")


class Progress:
    """Live per-host state during a rollout: batch k/n, each host's state, elapsed time."""

    def __init__(self, ui: Ui, batches: list[list[str]]):
        self.ui = ui
        self.batches = batches
        self.batch_of = {h: n for n, members in enumerate(batches, start=1) for h in members}
        self.state = {h: "pending" for members in batches for h in members}
        self.detail: dict[str, str] = {}
        self.current = 0
        self.started = time.monotonic()
        self.live: Live | None = None

    def __enter__(self) -> "Progress":
        if self.ui.tty:
            self.live = Live(self._render(), console=self.ui.out, refresh_per_second=4, transient=False)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live:
            self.live.update(self._render())
            self.live.__exit__(*exc)

    def on_event(self, event: dict[str, Any]) -> None:
        host = (event.get("event_data") or {}).get("host")
        if event.get("event") == "runner_on_start" and host in self.state and self.state[host] == "pending":
            self.state[host] = "running"
            batch = self.batch_of.get(host, 0)
            if batch != self.current:
                self.current = batch
                if not self.live:
                    self.ui.say(f"batch {batch}/{len(self.batches)}: {', '.join(self.batches[batch - 1])}")
        self._refresh()

    def on_record(self, result: HostResult) -> None:
        self.state[result.host] = result.outcome
        self.detail[result.host] = result.action + (f" — {result.reason.get('message')}" if result.failed else "")
        if not self.live:
            self.ui.say(f"  {result.host}: {result.outcome} ({self.detail[result.host]})")
        self._refresh()

    def _refresh(self) -> None:
        if self.live:
            self.live.update(self._render())

    def _render(self) -> Table:
        elapsed = time.monotonic() - self.started
        table = Table(title=f"batch {self.current}/{len(self.batches)} · {elapsed:.0f}s elapsed", title_justify="left")
        for column in ("batch", "host", "state", "detail"):
            table.add_column(column)
        for host, state in self.state.items():
            style = _STYLE.get(state, "")
            table.add_row(str(self.batch_of[host]), host, f"[{style}]{state}[/]", self.detail.get(host, ""))
        return table


def is_interactive() -> bool:
    return sys.stdin.isatty()
