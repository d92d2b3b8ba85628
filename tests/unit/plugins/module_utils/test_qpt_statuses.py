# -*- coding: utf-8 -*-
"""The word for a patch without a QPT status row (plugins/module_utils/qpt_statuses.py), as its users apply it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.qpt_apply.magento.plugins.module_utils import qpt_decision, qpt_record
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_qpt import patch_work, status_of
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_catalog import unknown_patch_problems
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_statuses import ABSENT


def test_the_word_is_absent_and_has_one_home():
    assert ABSENT == "absent"
    assert qpt_decision.ABSENT is ABSENT and qpt_record.ABSENT is ABSENT


def test_a_requested_id_without_a_row_reads_absent():
    statuses = {"ACSD-1": "Applied", "ACSD-2": "N/A", "ACSD-9": "Not applied"}
    assert status_of(["ACSD-1", "ACSD-2", "ACSD-3"], statuses) == {"ACSD-1": "Applied", "ACSD-2": "N/A", "ACSD-3": ABSENT}


def test_an_absent_patch_cannot_be_applied_and_needs_no_revert():
    before = {"ACSD-1": "Not applied", "ACSD-3": ABSENT}
    apply = patch_work(["ACSD-1", "ACSD-3"], "applied", before)
    assert apply["todo"] == ["ACSD-1"]
    assert apply["failure"][0] == "not-offered" and "ACSD-3" in apply["failure"][1]
    revert = patch_work(["ACSD-1", "ACSD-3"], "reverted", dict(before, **{"ACSD-1": "Applied"}))
    assert (revert["todo"], revert["failure"]) == (["ACSD-1"], None)


def test_an_id_absent_on_every_host_and_unknown_to_the_catalog_is_a_problem():
    desired = {"web1": ["ACSD-1", "ACSD-TYPO"], "web2": ["ACSD-1", "ACSD-TYPO"]}
    statuses = {"web1": {"ACSD-1": "Applied", "ACSD-TYPO": ABSENT}, "web2": {"ACSD-1": "Not applied"}}
    problems = unknown_patch_problems(desired, statuses)
    assert len(problems) == 1 and problems[0].startswith("web1, web2: qpt_patches names ACSD-TYPO")
    # Offered on one host: a real patch the other skips; in the catalog: known, whatever the hosts say.
    assert unknown_patch_problems(desired, dict(statuses, web2={"ACSD-TYPO": "Not applied"})) == []
    assert unknown_patch_problems(desired, statuses, catalog={"ACSD-TYPO": {}}) == []


def test_the_record_reads_a_missing_row_as_absent():
    facts = {"status": {"read": True, "patches": {"ACSD-1": "Applied"}}}
    record = qpt_record.result_record({"mode": "status", "patches": ["ACSD-1", "ACSD-2"], "facts": facts})
    assert record["status_before"] == {"ACSD-1": "Applied", "ACSD-2": ABSENT}
