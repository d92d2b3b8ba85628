"""Test helper: write each host's result records (set_stats and the echoed task result) to a JSON file."""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: qpt_records
type: aggregate
short_description: collect qpt_result records for the tests
description: Writes {"stats", "echoed", "failed_tasks"} to $QPT_RECORDS_FILE at the end of the run.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "qpt_records"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.echoed = {}
        self.failed = {}

    def v2_runner_on_ok(self, result):
        record = result._result.get("qpt_result")
        if isinstance(record, dict):
            self.echoed[result._host.get_name()] = record

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors:
            self.failed.setdefault(result._host.get_name(), []).append(result._task.get_name())

    def v2_playbook_on_stats(self, stats):
        custom = {host: data.get("qpt_result") for host, data in (stats.custom or {}).items()
                  if isinstance(data, dict) and "qpt_result" in data}
        with open(os.environ["QPT_RECORDS_FILE"], "w", encoding="utf-8") as handle:
            json.dump({"stats": custom, "echoed": self.echoed, "failed_tasks": self.failed}, handle, default=str)
