"""The ledger (`qpt-apply history`), on synthetic journals."""

from __future__ import annotations

import json

import pytest

from qpt_apply import cli, ledger
from qpt_apply.journal import Run
from qpt_apply.model import HostResult, InputError

P = "ACSD-61103"
FIXED = {"outcome": "fixed", "message": "rest fixed: failures_num 0 -> 1 -> 0",
         "rest": {"outcome": "fixed", "failures_at_start": 0, "failures_after_bad": 1, "failures_after_good": 0}}


def record(host: str, at: str, before: str, after: str | None = None, *, outcome: str = "changed",
           action: str = "apply", functional: dict | None = None, **extra) -> HostResult:
    """A result record as the playbooks write it; `at` is the minute (HH:MM) it was written."""
    after = before if after is None else after
    return HostResult(host=host, action=action, outcome=outcome, magento="2.4.6-p3", qpt_before="1.1.55",
                      qpt_after="1.1.58", status_before={P: before}, status_after={P: after},
                      verify={"status": after, "fingerprints": "ok" if after == "Applied" else "n/a",
                              "functional": functional, "patches": {}},
                      timings={"start": f"2026-03-02T{at}:00.000000Z", "end": f"2026-03-02T{at}:30.500000Z",
                               "seconds": 30.5}, extra=extra)


def journal_run(state_dir, command: str, at: str, *records: HostResult, check_mode: bool = False) -> Run:
    run = Run.create(state_dir, command, {"patches": [P], "inventory": "/inv.yml"},
                     run_id=f"20260302T{at.replace(':', '')}00Z-{command}-0000")
    for result in records:
        result.check_mode = check_mode
        run.append_record(result)
    run.finish("completed", 0)
    return run


@pytest.fixture
def history(tmp_path):
    d = tmp_path / "state"
    journal_run(d, "apply", "10:00",
                record("web1", "10:01", "Not applied", "Applied", functional=FIXED),
                record("web2", "10:02", "N/A", "N/A", action="conflict", outcome="failed",
                       reason={"code": "conflict", "message": "QPT status N/A"}),
                record("web3", "10:03", "Applied", action="already-applied", outcome="ok"),
                record("web4", "10:04", "Not applied", "Applied"))
    # The failing batch's hosts reverted afterwards (--rollback-failed): the same record again, with the revert.
    rollback = record("web4", "10:04", "Not applied", "Not applied",
                      rolled_back={"action": "revert", "outcome": "changed", "reason": {"code": None}})
    with open(d / "runs/20260302T100000Z-apply-0000/records.jsonl", "a") as out:
        out.write(json.dumps(rollback.as_json()) + "\n")
    journal_run(d, "status", "11:00", record("web1", "11:00", "Applied", action="already-applied", outcome="ok"),
                record("web3", "11:00", "Not applied", action="apply", outcome="ok"))
    # Somebody ran `composer install` on web1: QPT says Not applied again, twice.
    journal_run(d, "status", "12:00", record("web1", "12:00", "Not applied", action="apply", outcome="ok"))
    journal_run(d, "drift", "12:30", record("web1", "12:30", "Not applied", action="apply", outcome="ok"))
    # A plan changes nothing; its "after" is a wish.
    journal_run(d, "plan", "12:40", record("web1", "12:40", "Not applied", "Applied", outcome="would-change"),
                check_mode=True)
    journal_run(d, "apply", "13:00", record("web1", "13:00", "Not applied", "Applied"))
    journal_run(d, "verify", "13:30", record("web1", "13:30", "Applied", action="verify", outcome="ok",
                                              functional=FIXED))
    journal_run(d, "revert", "14:00", record("web1", "14:00", "Applied", "Not applied", action="revert"))
    return d


def summary(found):
    return [(e.time[11:16], e.host, e.event, e.run_id.split("-")[1], e.proof) for e in found]


def test_history_applied_reverted_drifted_verified(history):
    found = ledger.events(history)
    assert summary(found) == [
        ("10:01", "web1", "applied", "apply", "fixed"),
        ("10:04", "web4", "applied", "apply", "fingerprints ok"),
        ("10:04", "web4", "reverted", "apply", None),
        ("12:00", "web1", "drifted", "status", None),
        ("13:00", "web1", "applied", "apply", "fingerprints ok"),
        ("13:30", "web1", "verified", "verify", "fixed"),
        ("14:00", "web1", "reverted", "revert", None),
    ]
    applied = found[0]
    assert (applied.run_id, applied.command, applied.qpt, applied.status, applied.time) == (
        "20260302T100000Z-apply-0000", "apply", "1.1.58", "Applied", "2026-03-02T10:01:30Z")
    assert found[2].detail == "rolled back: its batch failed"
    assert found[3].status == "Not applied"
    assert found[3].detail == "applied by run 20260302T100000Z-apply-0000; QPT now says Not applied"


def test_history_filters_and_refuses_bad_patch_ids(history):
    assert {e.host for e in ledger.events(history, host="web4")} == {"web4"}
    assert {e.host for e in ledger.events(history, host="web*")} == {"web1", "web4"}
    assert ledger.events(history, patch="MDVA-30265") == []
    with pytest.raises(InputError, match="not a QPT patch ID"):
        ledger.events(history, patch="acsd-61103")
    assert ledger.events(history.parent / "nothing-here") == []


def test_history_command_json_and_table(history, capsys):
    assert cli.main(["history", "--state-dir", str(history), "--host", "web1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["host"] == "web1" and doc["patch"] is None
    assert [e["event"] for e in doc["events"]] == ["applied", "drifted", "applied", "verified", "reverted"]
    assert set(doc["events"][0]) == {"time", "host", "patch", "event", "run_id", "command", "qpt", "status",
                                     "proof", "detail"}

    assert cli.main(["history", "--state-dir", str(history), "--patch", P]) == 0
    out = capsys.readouterr().out
    assert "7 event(s)" in out and "drifted" in out and "20260302T120000Z-status-0000" in out
    assert cli.main(["history", "--state-dir", str(history), "--host", "db*"]) == 0
    assert "nothing applied, reverted or drifted" in capsys.readouterr().out
    assert cli.main(["history", "--state-dir", str(history), "--patch", "nope"]) == 2


def test_history_refuses_a_newer_journal_format(tmp_path, capsys):
    run = journal_run(tmp_path, "apply", "10:00", record("web1", "10:01", "Not applied", "Applied"))
    meta = run.meta
    del meta["format"]  # written before the field existed: format 1.0
    run.write_meta(meta)
    assert [e.event for e in ledger.events(tmp_path)] == ["applied"]
    run.write_meta({**meta, "format": "2.0"})
    with pytest.raises(InputError, match=f"run {run.run_id} was written in journal format 2.0 by a newer qpt-apply"):
        ledger.events(tmp_path)
    assert cli.main(["history", "--state-dir", str(tmp_path)]) == 2
    assert "journal format 2.0" in capsys.readouterr().err


def test_history_absent_tells_nothing_and_an_apply_run_finds_drift_too(tmp_path):
    journal_run(tmp_path, "apply", "10:00", record("web9", "10:00", "Not applied", "Applied"))
    # QPT cannot run (a broken release): every patch reads absent and the host fails. Neither drift nor revert.
    journal_run(tmp_path, "status", "10:30", record("web9", "10:30", "absent", outcome="failed",
                                                    reason={"code": "broken-qpt", "message": "QPT fails"}))
    journal_run(tmp_path, "revert", "10:40", record("web9", "10:40", "absent", "absent", action="failed",
                                                    outcome="failed"))
    # The next apply's own read finds it undone: drift, then applied again.
    journal_run(tmp_path, "apply", "11:00", record("web9", "11:00", "Not applied", "Applied"))
    # A revert that also put the older QPT back (--restore-package): no row afterwards, still a revert.
    journal_run(tmp_path, "revert", "12:00", record("web9", "12:00", "Applied", "absent", action="revert"))
    assert [(e.time[11:16], e.event, e.command) for e in ledger.events(tmp_path)] == [
        ("10:00", "applied", "apply"), ("11:00", "drifted", "apply"), ("11:00", "applied", "apply"),
        ("12:00", "reverted", "revert")]
