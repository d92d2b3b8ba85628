# -*- coding: utf-8 -*-
"""Version ordering and Composer constraints (plugins/module_utils/qpt_versions.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_versions import (
    VersionError, check_constraint, matches, newest, version_key)


def test_order_follows_composer():
    ordered = ["2.4.5-p9", "2.4.6-dev", "2.4.6-alpha1", "2.4.6-beta2", "2.4.6-rc1", "2.4.6", "2.4.6-p1", "2.4.6-p2",
               "2.4.6-p10", "2.4.7-beta1", "2.4.7", "2.4.7-p1", "2.4.10"]
    assert sorted(reversed(ordered), key=version_key) == ordered
    assert version_key("v2.4.6") == version_key("2.4.6.0")
    assert newest(["1.1.54", "1.1.56-p1", None, "1.1.56"]) == "1.1.56-p1"


@pytest.mark.parametrize("constraint, inside, outside", [
    ("*", ["0.1", "2.4.6-p3"], []),
    ("2.4.6-p3", ["2.4.6-p3"], ["2.4.6-p4", "2.4.6"]),
    (">=2.4.6 <2.4.7", ["2.4.6", "2.4.6-beta1", "2.4.6-p8"], ["2.4.5-p9", "2.4.7-beta1", "2.4.7"]),
    (">=2.4.6,<2.4.7", ["2.4.6-p3"], ["2.4.7"]),
    (">= 2.4.6 < 2.4.7", ["2.4.6-p3"], ["2.4.7"]),
    ("~2.4.6", ["2.4.6", "2.4.6-p3", "2.4.9"], ["2.5.0", "2.4.5"]),
    ("~2.4", ["2.4.0", "2.9.1"], ["3.0.0", "2.3.9"]),
    ("^2.4", ["2.4.0", "2.9.1"], ["3.0.0"]),
    ("^1.1.54", ["1.1.54", "1.9.0"], ["1.1.53", "2.0.0"]),
    ("^0.3", ["0.3.1"], ["0.4.0"]),
    ("2.4.6.*", ["2.4.6", "2.4.6-p3"], ["2.4.7", "2.4.5"]),
    ("2.4.x", ["2.4.0", "2.4.8"], ["2.5.0"]),
    ("2.4.4 - 2.4.6", ["2.4.4", "2.4.6"], ["2.4.3", "2.4.7"]),
    ("2.4 - 2.5", ["2.4.0", "2.5.9"], ["2.6.0"]),
    ("!=1.1.56", ["1.1.55", "1.1.56-p1"], ["1.1.56"]),
    (">=2.4.6 <2.4.7 || >=2.4.5 <2.4.6", ["2.4.5-p1", "2.4.6"], ["2.4.4", "2.4.7"]),
    ("2.4.5 | 2.4.6", ["2.4.5", "2.4.6"], ["2.4.7"]),
])
def test_constraints(constraint, inside, outside):
    assert all(matches(v, constraint) for v in inside)
    assert not any(matches(v, constraint) for v in outside)


@pytest.mark.parametrize("text", ["latest", "2.4.6-foo", "", "x.y"])
def test_not_a_version(text):
    with pytest.raises(VersionError):
        version_key(text)


@pytest.mark.parametrize("constraint", ["~", ">=", "dev-main", "2.4.6@stable", "latest", ">=2.4.6 ||", ">=*.4"])
def test_one_refusal_for_what_cannot_be_read(constraint):
    with pytest.raises(VersionError):
        check_constraint(constraint)


def test_unknown_version_matches_nothing():
    assert matches(None, "*") is False
