# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""The word for a patch QPT's status has no row for: one home, small enough for every module to ship."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# QPT lists what it offers for the installed Magento; a requested ID without a row is "absent".
ABSENT = "absent"
