"""The HTML report as a browser shows it: headless Chromium renders report.html written from a synthetic journal.

Assertions read the text of Chromium's DOM; the screenshot is kept for a person to look at (in the test's tmp
dir, and in $QPT_TEST_ARTIFACTS when set: make test sets .test-artifacts/).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qpt_apply import report
from qpt_apply.journal import Run
from qpt_apply.model import HostResult

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The browser checks run wherever chromium is installed, and always in CI: there a missing chromium fails.
BROWSER = CHROMIUM is not None or os.environ.get("CI") == "true"
pytestmark = pytest.mark.skipif(not BROWSER, reason="needs Debian's chromium (make deps installs it)")

P = "ACSD-61103"
CONFLICT_OUTPUT = (
    "Error: patch ACSD-61103 can't be applied\n"
    "Magento 2 Community Edition, version 2.4.6.0-patch3\n"
    "Applying patch ACSD-61103 (/var/www/<shop>/vendor/magento/quality-patches/src/../patches/os/"
    "ACSD-61103_2.4.6-p3.patch) failed.\n"
    "error: patch failed: vendor/magento/module-customer/Model/Authentication.php:7\n"
    "error: vendor/magento/module-customer/Model/Authentication.php: patch does not apply"
)


def api(outcome: str, start: int, bad: int, good: int, message: str) -> dict:
    """One protocol's entry of magento_login_check's result."""
    return {"outcome": outcome, "http_status": 200, "failures_at_start": start, "failures_before": start,
            "failures_after_bad": bad, "failures_after_good": good, "message": message,
            "requests": [{"step": "check-password", "http_status": 200}, {"step": "wrong-password", "http_status": 401},
                         {"step": "right-password", "http_status": 200}]}


def functional(rest: dict, graphql: dict) -> dict:
    worst = "bug-present" if "bug-present" in (rest["outcome"], graphql["outcome"]) else "fixed"
    return {"outcome": worst, "customer_email": "qa-login@example.com", "base_url": "http://127.0.0.5",
            "check_mode": False, "limits": {"lockout_failures": 10, "lockout_threshold": 10, "max_failures_count": 6},
            "message": f"rest {rest['outcome']}: {rest['message']}; graphql {graphql['outcome']}: {graphql['message']}",
            "rest": rest, "graphql": graphql}


FIXED = "failures_num 0 -> 1 after one wrong password -> 0 after the right one"
BUG = "failures_num 0 -> 1 after one wrong password -> 1 after the right one: the counter is not reset (ACSD-61103)"


def host(name: str, start: str, seconds: float, outcome: str, *, proof: dict | None = None, **values) -> HostResult:
    minute, second = start.split(":")
    end = float(second) + seconds
    verified = outcome == "changed" or proof is not None  # a failed proof still found the patch applied
    return HostResult(
        host=name, magento="2.4.6-p3", edition="Community", mode="production", qpt_before="1.1.55", qpt_after="1.1.58",
        status_before={P: "Not applied"}, status_after={P: "Applied" if verified else "Not applied"},
        action=values.pop("action", "apply"), outcome=outcome,
        verify={"status": "Applied", "fingerprints": "ok", "functional": proof, "patches": {}} if verified else None,
        timings={"start": f"2026-03-02T10:{minute}:{float(second):09.6f}Z",
                 "end": f"2026-03-02T10:{int(minute) + int(end // 60):02d}:{end % 60:09.6f}Z", "seconds": seconds},
        **values)


@pytest.fixture
def rendered(tmp_path):
    run = Run.create(tmp_path / "state", "apply", {"patches": [P], "inventory": "/etc/ansible/shops.yml",
                                                   "limit": None})
    run.write_plan({"hosts": ["web1", "web2", "web3", "web4", "web5"],
                    "batches": [["web1"], ["web2", "web3"], ["web4", "web5"]]})
    run.append_record(host("web1", "00:00", 31.5, "changed", batch=1,
                           proof=functional(api("fixed", 0, 1, 0, FIXED), api("fixed", 0, 1, 0, FIXED))))
    run.append_record(host("web2", "00:40", 28.25, "changed", batch=2,
                           proof=functional(api("fixed", 0, 1, 0, FIXED), api("fixed", 0, 1, 0, FIXED))))
    run.append_record(host("web3", "00:41", 35.0, "failed", batch=2,
                           reason={"code": "verify-failed", "message": "login check bug-present"},
                           proof=functional(api("fixed", 2, 3, 0, FIXED), api("bug-present", 0, 1, 1, BUG))))
    run.append_record(host("web4", "01:20", 4.0, "failed", batch=3, action="conflict", qpt_output=CONFLICT_OUTPUT,
                           reason={"code": "conflict", "message": "ACSD-61103: QPT status N/A"}))
    run.finish("halted", 3)
    report.write_all(run)
    page = run.directory / "report.html"
    dom = chromium(tmp_path, "--dump-dom", page)
    screenshot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={screenshot}", "--window-size=1280,1900", "--hide-scrollbars", page)
    return Dom(dom), keep_artifact(screenshot, "report-synthetic.png")


def keep_artifact(path: Path, name: str) -> Path:
    """A copy of a test's file in $QPT_TEST_ARTIFACTS (when set), named after the Python running the test
    (every leg keeps its own) and `name`; returns `path`."""
    where = os.environ.get("QPT_TEST_ARTIFACTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(where) / f"py{sys.version_info[0]}.{sys.version_info[1]}-{name}")
    return path


def chromium(tmp_path: Path, action: str, *args) -> str:
    """One headless Chromium call in its own profile and process group (ended whole if it hangs)."""
    assert CHROMIUM, "chromium is not installed (Debian package chromium; make deps installs it)"
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            f"--user-data-dir={tmp_path / 'chromium-profile'}", action, *[str(a) for a in args[:-1]],
            Path(args[-1]).as_uri()]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, env={**os.environ, "HOME": str(tmp_path)})
    try:
        out, err = process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    assert process.returncode == 0, err[-2000:]
    return out


class Dom(HTMLParser):
    """The rendered DOM as text: everything, each <pre>, each table row, each timeline bar's style."""

    def __init__(self, html: str):
        super().__init__()
        self.html = html
        self.parts: list[str] = []
        self.pres: list[str] = []
        self.rows: list[list[str]] = []
        self.bars: dict[str, str] = {}
        self._pre = self._row = self._cell = None
        self.feed(html)
        self.text = " ".join(" ".join(self.parts).split())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "br":
            self.handle_data("\n")
        elif tag == "pre":
            self._pre = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "div" and "bar" in (attrs.get("class") or "").split():
            self.bars[attrs["title"].split(":")[0]] = attrs["style"]

    def handle_endtag(self, tag):
        if tag == "pre" and self._pre is not None:
            self.pres.append("".join(self._pre))
            self._pre = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        self.parts.append(data)
        for sink in (self._pre, self._cell):
            if sink is not None:
                sink.append(data)


def test_report_in_a_browser(rendered):
    dom, screenshot = rendered
    assert "Rollout halted by the failure cap: 2 host(s) failed; 1 host(s) were not touched." in dom.text

    # Hosts: each one's duration; the Verify column is words, not a JSON dump.
    hosts = {row[1]: row for row in dom.rows if len(row) == 11}
    assert hosts["Host"][8] == "Duration"
    assert [hosts[h][8] for h in ("web1", "web2", "web3", "web4", "web5")] == ["31.5 s", "28.2 s", "35.0 s", "4.0 s",
                                                                                "—"]
    assert hosts["web1"][10] == "QPT Applied fingerprints ok proof fixed"
    assert hosts["web3"][10] == "QPT Applied fingerprints ok proof bug-present"
    assert "\\u003e" not in dom.html and '{"' not in dom.text and "failures_after_bad" not in dom.text

    # Proof: one small table per host, failures_num at start → after the wrong password → after the right one.
    proofs = [row for row in dom.rows if len(row) == 3 and row[0] in ("REST", "GraphQL")]
    assert proofs == [["REST", "0 → 1 → 0", "fixed"], ["GraphQL", "0 → 1 → 0", "fixed"],
                      ["REST", "0 → 1 → 0", "fixed"], ["GraphQL", "0 → 1 → 0", "fixed"],
                      ["REST", "2 → 3 → 0", "fixed"], ["GraphQL", "0 → 1 → 1", "bug-present"]]
    assert [BUG] in dom.rows  # a proof that failed says why, under its row
    assert "web1 fixed" in dom.text and "web3 bug-present" in dom.text

    # Timeline: the batches in order, each host a bar placed by its own start and length on one axis.
    assert "Timeline 2026-03-02 10:00:00 UTC +1 min 24 s" in dom.text
    for label in ("Batch 1 (canary) · 1 host(s) · 31.5 s", "Batch 2 · 2 host(s) · 36.0 s",
                  "Batch 3 · 2 host(s) · 4.0 s"):
        assert label in dom.text
    assert dom.bars["web1"] == "left: 0.0%; width: 37.5%"
    assert dom.bars["web3"] == "left: 48.81%; width: 41.67%"
    assert dom.bars["web4"] == "left: 95.24%; width: 4.76%"
    assert "web5" not in dom.bars and "web5 no timing" in dom.text

    # Failures keep QPT's own words, markup characters and all.
    assert dom.pres == [CONFLICT_OUTPUT]
    assert "web4 — conflict (conflict)" in dom.text

    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000
