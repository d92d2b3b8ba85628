"""Drift against the declared patch set, and its node_exporter textfile, from synthetic status records."""

from __future__ import annotations

import os
import stat

import pytest

from qpt_apply import drift
from qpt_apply.model import HostResult

A, B, C = "ACSD-61103", "ACSD-62332", "MDVA-30265"


def status_record(host: str, **states: str) -> dict:
    """A status run's record as records.jsonl holds it (before and after are the same read)."""
    statuses = {k.replace("_", "-"): v for k, v in states.items()}
    return {"host": host, "action": "apply", "outcome": "ok", "status_before": statuses, "status_after": statuses,
            "patches": list(statuses), "playbook": "status", "check_mode": False}


RECORDS = [
    status_record("web1", ACSD_61103="Applied", ACSD_62332="Not applied"),
    status_record("web2", ACSD_61103="Not applied"),
    status_record("web3", ACSD_61103="Applied", ACSD_62332="Applied"),
    status_record("web4", ACSD_61103="N/A"),
    HostResult(host="web5", action="unreachable", outcome="failed",
               reason={"code": "unreachable", "message": "ssh: connect to host web5 port 22: Connection refused"},
               status_before={A: "absent"}),
    status_record("web6", ACSD_61103="absent"),
]
DESIRED = {"web1": [A], "web2": [A], "web3": [A], "web4": [A], "web5": [A], "web6": [A], "web7": [A, C]}


def test_compute_missing_undeclared_unknown():
    report = drift.compute(DESIRED, RECORDS, now=1767225600.25)
    hosts = report.hosts
    assert list(hosts) == [f"web{n}" for n in range(1, 8)]
    assert (hosts["web1"].missing, hosts["web1"].undeclared, hosts["web1"].drifted) == ([], [], False)
    assert hosts["web2"].missing == [A] and hosts["web4"].missing == [A] and hosts["web6"].missing == [A]
    assert (hosts["web3"].missing, hosts["web3"].undeclared) == ([], [B])
    assert not hosts["web5"].known and "Connection refused" in hosts["web5"].reason and not hosts["web5"].drifted
    assert not hosts["web7"].known and hosts["web7"].reason == "no record: the host was not read"
    assert report.drifted == ["web2", "web3", "web4", "web6"]
    assert report.unknown == ["web5", "web7"]
    doc = report.as_json()
    assert doc["checked_at"] == 1767225600.25 and doc["hosts"][2]["undeclared"] == [B]

    # The last record of a host wins (a resumed run appends); a host with a record but nothing declared: all
    # its Applied patches are undeclared.
    later = drift.compute({"web2": [A]}, [RECORDS[1], status_record("web2", ACSD_61103="Applied"),
                                          status_record("db1", ACSD_61103="Applied")], now=0)
    assert later.drifted == ["db1"] and later.hosts["db1"].undeclared == [A]
    # A preview's "after" is a wish: where the host stands is its "before".
    preview = dict(status_record("web2", ACSD_61103="Not applied"), status_after={A: "Applied"}, check_mode=True)
    assert drift.compute({"web2": [A]}, [preview], now=0).drifted == ["web2"]


def test_textfile_format():
    text = drift.textfile(drift.compute(DESIRED, RECORDS, now=1767225600.25))
    lines = text.splitlines()
    assert text.endswith("\n")
    # Every metric: HELP, then TYPE gauge, then its samples.
    for name in ("qpt_patch_applied", "qpt_patch_desired", "qpt_host_status_known", "qpt_hosts_drifted",
                 "qpt_drift_check_timestamp_seconds"):
        at = lines.index(next(line for line in lines if line.startswith(f"# HELP {name} ")))
        assert lines[at + 1] == f"# TYPE {name} gauge"
        assert lines[at + 2].startswith(name)
    samples = {line.rsplit(" ", 1)[0]: line.rsplit(" ", 1)[1] for line in lines if not line.startswith("#")}
    assert samples['qpt_patch_applied{host="web1",patch="ACSD-61103"}'] == "1"
    assert samples['qpt_patch_applied{host="web1",patch="ACSD-62332"}'] == "0"
    assert samples['qpt_patch_desired{host="web1",patch="ACSD-62332"}'] == "0"
    assert samples['qpt_patch_applied{host="web3",patch="ACSD-62332"}'] == "1"
    assert samples['qpt_patch_desired{host="web7",patch="MDVA-30265"}'] == "1"
    # Unknown hosts: desired, but no applied sample (absent is not 0).
    assert 'qpt_patch_applied{host="web5",patch="ACSD-61103"}' not in samples
    assert samples['qpt_host_status_known{host="web5"}'] == "0" and samples['qpt_host_status_known{host="web1"}'] == "1"
    assert samples["qpt_hosts_drifted"] == "4"
    assert samples["qpt_drift_check_timestamp_seconds"] == "1767225600.25"


def test_label_values_escaped():
    odd = 'we"b\\1\nx'
    text = drift.textfile(drift.compute({odd: [A]}, [], now=0))
    assert 'qpt_patch_desired{host="we\\"b\\\\1\\nx",patch="ACSD-61103"} 1' in text.splitlines()


def test_write_textfile_atomic(tmp_path, monkeypatch):
    path = tmp_path / "qpt.prom"
    path.write_text("old\n")
    report = drift.compute(DESIRED, RECORDS, now=1)
    assert drift.write_textfile(report, str(path)) == path
    assert path.read_text() == drift.textfile(report)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["qpt.prom"]

    # A failure while writing leaves the previous file whole and no temporary file behind.
    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError, match="disk full"):
        drift.write_textfile(drift.compute({}, [], now=2), path)
    assert path.read_text() == drift.textfile(report)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["qpt.prom"]

    # The temporary file is a sibling that the textfile collector ignores (it reads *.prom only).
    seen = []
    real_replace = os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    monkeypatch.setattr(os, "replace", lambda src, dst: (seen.append(src), real_replace(src, dst)))
    drift.write_textfile(report, path)
    assert os.path.dirname(seen[0]) == str(tmp_path) and not seen[0].endswith(".prom")


def test_records_and_reports_show_desired_against_actual():
    """A record's `applied` (every patch QPT said Applied) feeds drift and the reports, next to the host's set."""
    from qpt_apply import report

    record = dict(status_record("web2", ACSD_61103="Applied"), applied=[A, B])
    found = drift.compute({"web2": [A]}, [record], now=0)
    assert (found.hosts["web2"].missing, found.hosts["web2"].undeclared) == ([], [B])
    host = HostResult.from_record(record)
    doc = {"run_id": "r", "command": "drift", "patches": [A], "desired": {"web2": [A]}, "titles": {},
           "state": "completed", "started": "", "finished": "", "killed_found": None, "inventory": [], "limit": None,
           "batches": [["web2"]], "hosts": [host.as_json()], "exit_code": 4,
           "summary": report.summarize([host], halted=False, interrupted=False, killed=False)}
    assert f"Applied, not declared: {B}" in report.render(doc, "html")
