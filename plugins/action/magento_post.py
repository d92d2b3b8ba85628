# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Action plugin of the magento_post module: in check mode the steps that would run follow from the options."""

from __future__ import annotations

from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_post_plan import (
    ARGUMENT_SPEC, post_plan, preview)
from ansible_collections.qpt_apply.magento.plugins.plugin_utils.controller_preview import ControllerPreview


class ActionModule(ControllerPreview):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def preview(self, params):
        return preview(post_plan(params, params["root"]))
