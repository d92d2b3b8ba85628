# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Jinja tests of the collection: thin names over the rules in plugins/module_utils."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_record import proof_failed


class TestModule(object):
    def tests(self):
        return {
            # `result is qpt_apply.magento.proof_failed`: a magento_login_check result that does not prove the fix.
            "proof_failed": proof_failed,
        }
