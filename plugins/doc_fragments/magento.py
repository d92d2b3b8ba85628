# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Options shared by the modules that work in a Magento root (documented once, here)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # root and php: the modules of the action group qpt_apply.magento.magento (meta/runtime.yml).
    DOCUMENTATION = r"""
options:
  root:
    description:
      - Absolute path of the Magento installation (the directory holding C(app/etc/env.php) and C(vendor/)).
      - "Set it once for every module of the group with
        C(module_defaults: {group/qpt_apply.magento.magento: {root: ...}})."
    type: path
    required: true
  php:
    description:
      - PHP binary that runs QPT (C(vendor/bin/magento-patches)) and C(bin/magento).
    type: str
    default: php
"""

    # run_id: the modules whose steps are recorded in the host's transaction (var/qpt-apply/state.json).
    TRANSACTION = r"""
options:
  run_id:
    description:
      - Run id of the host's transaction (see M(qpt_apply.magento.qpt_transaction)) this step is recorded in.
      - Empty records nothing.
    type: str
    default: ""
"""

    # How the node's health is asked (magento_health in module_utils; argument spec HEALTH_REQUEST_OPTIONS).
    HEALTH = r"""
options:
  health_host_header:
    description: Host header the node needs for the shop; empty sends none.
    type: str
    default: ""
  health_statuses:
    description: HTTP statuses that count as serving.
    type: list
    elements: int
    default: [200]
"""
