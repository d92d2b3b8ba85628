"""Journal, rollout lock and reports, without hosts."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from qpt_apply import cli, journal, report
from qpt_apply.journal import Lock, Run
from qpt_apply.model import HostResult, InputError


def _run_with_records(tmp_path):
    run = Run.create(tmp_path, "apply", {"patches": ["ACSD-61103"], "inventory": "/inv.yml", "limit": None})
    run.write_plan({"hosts": ["web1", "web2", "web3"], "batches": [["web1"], ["web2", "web3"]]})
    run.append_record(HostResult(host="web1", action="update-qpt-then-apply", outcome="changed",
                                 magento="2.4.6-p3", qpt_before="1.1.53", qpt_after="1.1.57",
                                 status_before={"ACSD-61103": "absent"}, status_after={"ACSD-61103": "Applied"}))
    run.append_record(HostResult(host="web2", action="conflict", outcome="failed",
                                 reason={"code": "conflict", "message": "QPT could not apply <ACSD-61103> & more"},
                                 qpt_output="Error: patch ACSD-61103 can't be applied\nerror: patch failed: a.php:7"))
    run.finish("halted", 3)
    return run


def test_journal_keeps_latest_record_per_host(tmp_path):
    run = _run_with_records(tmp_path)
    run.append_record(HostResult(host="web2", action="apply", outcome="changed"))
    assert run.results()["web2"].outcome == "changed"
    assert Run.open(tmp_path, run.run_id).meta["exit_code"] == 3
    with pytest.raises(InputError, match="no run"):
        Run.open(tmp_path, "nope")


def test_document_and_formats(tmp_path):
    run = _run_with_records(tmp_path)
    doc = report.write_all(run)
    assert [h["host"] for h in doc["hosts"]] == ["web1", "web2", "web3"]
    assert [h["batch"] for h in doc["hosts"]] == [1, 2, 2]
    assert doc["hosts"][2]["outcome"] == "not-run"
    assert doc["summary"]["failed"] == 1 and doc["summary"]["halted"] and doc["exit_code"] == 3
    assert json.loads((run.directory / "report.json").read_text()) == doc
    suite = ET.parse(run.directory / "junit.xml").getroot().find("testsuite")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert cases["web2"].find("failure") is not None and "can't be applied" in cases["web2"].find("failure").text
    assert cases["web3"].find("skipped") is not None and cases["web1"].find("failure") is None
    html = (run.directory / "report.html").read_text()
    assert "halted by the failure cap" in html and "&lt;ACSD-61103&gt; &amp; more" in html


def test_lock_refuses_second_run_and_frees_with_its_process(tmp_path):
    inventory = tmp_path / "inv.yml"
    inventory.write_text("all: {}\n")
    first = Lock(tmp_path, inventory)
    first.acquire("run-1")
    with pytest.raises(InputError, match="run-1"):
        Lock(tmp_path, inventory).acquire("run-2")
    # Another process holding the lock: refused while it lives, free (and named stale) once it is killed.
    first.release()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from qpt_apply.journal import Lock; "
        f"Lock(Path({str(tmp_path)!r}), Path({str(inventory)!r})).acquire('run-dead'); "
        "print('held', flush=True); time.sleep(60)")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(InputError, match="run-dead"):
            Lock(tmp_path, inventory).acquire("run-3")
    finally:
        holder.kill()
        holder.wait()
    again = Lock(tmp_path, inventory)
    again.acquire("run-4")
    assert again.stale_from == "run-dead"
    again.release()
    assert not again.held_elsewhere


def test_journal_format_written_old_runs_read_newer_refused(tmp_path, capsys):
    run = _run_with_records(tmp_path)
    assert run.meta["format"] == journal.FORMAT == "1.0"
    assert journal.journal_format({"format": "1.7"}) == (1, 7)

    # A run written before the field existed is format 1.0 and reads as before.
    meta = run.meta
    del meta["format"]
    run.write_meta(meta)
    assert journal.journal_format(Run.open(tmp_path, run.run_id).meta) == (1, 0)
    assert report.document(run)["run_id"] == run.run_id

    # A newer minor only adds fields; a newer major is refused, by name, and never rewritten.
    run.write_meta({**meta, "format": "1.3", "new_field": True})
    assert Run.open(tmp_path, run.run_id).meta["new_field"] is True
    run.write_meta({**meta, "format": "2.0"})
    written = (run.directory / "run.json").read_text()
    message = f"run {run.run_id} was written in journal format 2.0 by a newer qpt-apply; this one reads format 1.x"
    with pytest.raises(InputError, match=message):
        Run.open(tmp_path, run.run_id)
    with pytest.raises(InputError, match=message):
        run.update(state="running")
    assert cli.main(["report", run.run_id, "--state-dir", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert (run.directory / "run.json").read_text() == written
    run.write_meta({**meta, "format": "one"})
    with pytest.raises(InputError, match="is not MAJOR.MINOR"):
        Run.open(tmp_path, run.run_id)
