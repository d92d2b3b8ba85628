# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""The outcomes of the functional proof (magento_login_check): their order and which fail it.

Kept apart from qpt_record so the module carries only this to the host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Worst first: the overall outcome of a host is the worst of its protocols.
OUTCOME_ORDER = ("bug-present", "error", "unsafe", "fixed", "skipped")

# The outcomes that leave the fix not proven.
FUNCTIONAL_FAILURES = OUTCOME_ORDER[:3]
