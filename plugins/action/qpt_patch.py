# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Action plugin of the qpt_patch module: in check mode, a known status of every patch says what would change."""

from __future__ import annotations

from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_qpt import PATCH_ARGUMENT_SPEC, patch_preview
from ansible_collections.qpt_apply.magento.plugins.plugin_utils.controller_preview import ControllerPreview


class ActionModule(ControllerPreview):
    ARGUMENT_SPEC = PATCH_ARGUMENT_SPEC

    def preview(self, params):
        patches, known = params["patches"], params["known_status"]
        if not patches or not all(pid in known for pid in patches):
            return None  # the module reads QPT's status on the host, or names the bad input
        return patch_preview(patches, params["state"], dict((pid, known[pid]) for pid in patches))
