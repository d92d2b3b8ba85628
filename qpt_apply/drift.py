"""Drift: each host's patches as QPT reports them, against the patches declared for it — and the same as
Prometheus metrics for node_exporter's textfile collector.

Pure functions over result records (the records of a status run: `status_before`/`status_after` map each
patch ID read to QPT's status, see docs/journal.md). A host drifted when a declared patch is not Applied
(`missing`) or a patch is Applied that is not declared for it (`undeclared`). A host whose status could not be
read (unreachable, QPT failing, no record) is `unknown`: neither drifted nor in line, and its patches get no
`qpt_patch_applied` sample, so an alert on a missing sample catches it.

    report = drift.compute({"web1": ["ACSD-61103"]}, run.results().values())
    drift.write_textfile(report, Path("/var/lib/node_exporter/textfile/qpt.prom"))
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import HostResult

APPLIED = "Applied"


@dataclass
class HostDrift:
    host: str
    desired: list[str]
    states: dict[str, str] = field(default_factory=dict)  # patch ID -> QPT status, as read ({} when unknown)
    known: bool = False
    reason: str = ""                                     # why the state is unknown

    @property
    def missing(self) -> list[str]:
        """Declared, but QPT does not say Applied (Not applied, N/A, or no row: absent)."""
        return [p for p in self.desired if self.states.get(p) != APPLIED] if self.known else []

    @property
    def undeclared(self) -> list[str]:
        """Applied, but not declared for the host."""
        return sorted(p for p, s in self.states.items() if s == APPLIED and p not in self.desired)

    @property
    def drifted(self) -> bool:
        return bool(self.missing or self.undeclared)

    def as_json(self) -> dict[str, Any]:
        return {"host": self.host, "known": self.known, "reason": self.reason, "drifted": self.drifted,
                "desired": self.desired, "states": self.states, "missing": self.missing,
                "undeclared": self.undeclared}


@dataclass
class DriftReport:
    checked_at: float                # seconds since the epoch
    hosts: dict[str, HostDrift]      # by host name, sorted

    @property
    def drifted(self) -> list[str]:
        return [h for h, d in self.hosts.items() if d.drifted]

    @property
    def unknown(self) -> list[str]:
        return [h for h, d in self.hosts.items() if not d.known]

    def as_json(self) -> dict[str, Any]:
        return {"checked_at": self.checked_at, "drifted": self.drifted, "unknown": self.unknown,
                "hosts": [d.as_json() for d in self.hosts.values()]}


def compute(desired_by_host: Mapping[str, Iterable[str]], records: Iterable[HostResult | Mapping[str, Any]], *,
            now: float | None = None) -> DriftReport:
    """Drift of every host that is declared or has a record; a later record of a host replaces an earlier one."""
    latest: dict[str, HostResult] = {}
    for record in records:
        result = record if isinstance(record, HostResult) else HostResult.from_record(dict(record))
        latest[result.host] = result
    hosts = {}
    for host in sorted({*desired_by_host, *latest}):
        desired = list(dict.fromkeys(desired_by_host.get(host) or []))
        result = latest.get(host)
        if result is None:
            hosts[host] = HostDrift(host, desired, reason="no record: the host was not read")
        elif result.failed or not result.done:
            why = (result.reason or {}).get("message") or result.outcome
            hosts[host] = HostDrift(host, desired, reason=f"status not read: {why}")
        else:
            # A preview's "after" is a wish; a status run's before and after are the same read.
            states = dict(result.status_before if result.check_mode else (result.status_after or result.status_before))
            # Every patch QPT reported Applied when the host was read, asked for or not (record key `applied`).
            for patch in result.extra.get("applied") or []:
                states.setdefault(patch, APPLIED)
            hosts[host] = HostDrift(host, desired, states, known=True)
    return DriftReport(checked_at=time.time() if now is None else now, hosts=hosts)


# --------------------------------------------------------------------------- textfile

_METRICS = (
    ("qpt_patch_applied", "1 when QPT reports the patch Applied on the host, else 0; per patch declared for the host "
                          "or read on it; no sample when the host's status could not be read."),
    ("qpt_patch_desired", "1 when the patch is declared for the host (its qpt_patches), else 0; same series as "
                          "qpt_patch_applied."),
    ("qpt_host_status_known", "1 when the host's patch status was read at the last drift check, else 0."),
    ("qpt_hosts_drifted", "Hosts with a declared patch not Applied or an Applied patch not declared."),
    ("qpt_drift_check_timestamp_seconds", "When the last drift check ran, in seconds since the epoch."),
)


def textfile(report: DriftReport) -> str:
    """The report in Prometheus' text exposition format (every metric a gauge, HELP and TYPE first)."""
    samples: dict[str, list[str]] = {name: [] for name, _ in _METRICS}
    for host, drift in report.hosts.items():
        for patch in sorted({*drift.desired, *drift.states}):
            labels = _labels(host=host, patch=patch)
            if drift.known:
                applied = int(drift.states.get(patch) == APPLIED)
                samples["qpt_patch_applied"].append(f"qpt_patch_applied{labels} {applied}")
            samples["qpt_patch_desired"].append(f"qpt_patch_desired{labels} {int(patch in drift.desired)}")
        samples["qpt_host_status_known"].append(f"qpt_host_status_known{_labels(host=host)} {int(drift.known)}")
    samples["qpt_hosts_drifted"].append(f"qpt_hosts_drifted {len(report.drifted)}")
    samples["qpt_drift_check_timestamp_seconds"].append(f"qpt_drift_check_timestamp_seconds {report.checked_at!r}")
    lines = []
    for name, help_text in _METRICS:
        lines += [f"# HELP {name} {_escape_help(help_text)}", f"# TYPE {name} gauge", *samples[name]]
    return "\n".join(lines) + "\n"


def write_textfile(report: DriftReport, path: Path | str) -> Path:
    """Write the metrics to `path` atomically: node_exporter never reads half a file. The temporary file sits in
    the same directory (a rename within one filesystem) and does not end in .prom, so the collector skips it."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(textfile(report))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # node_exporter usually runs as a user of its own
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels.items()) + "}"


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")
