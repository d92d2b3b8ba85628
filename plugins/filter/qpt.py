# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Jinja filters of the collection: thin names over the rules in plugins/module_utils.

The logic lives in module_utils (qpt_catalog, qpt_versions, qpt_decision, qpt_record) so modules, the
playbooks and the qpt-apply CLI share one copy; this file only exposes it to templates.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.qpt_apply.magento.plugins.module_utils import qpt_batches, qpt_decision, qpt_record
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_qpt import composer_problem
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_catalog import (
    desired_sets, fleet_input_problems, input_problems, patch_list_problems)
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_versions import matches


def knob_sets(hostvars, hosts, names):
    """The distinct sets of knobs (of `names`) the hosts set, each with the hosts that set it: [{hosts, knobs}].
    Each set is validated once, however many hosts share it (most take theirs from group_vars)."""
    sets = {}
    for host in hosts or []:
        values = hostvars[host]
        knobs = dict((name, values[name]) for name in names if name in values)
        key = json.dumps(knobs, sort_keys=True, default=str)
        sets.setdefault(key, {"hosts": [], "knobs": knobs})["hosts"].append(host)
    return list(sets.values())


def knob_errors(results):
    """One line per distinct argument-spec error of a validate_argument_spec loop over knob_sets (an item
    with no hosts stands for the extra vars alone), naming where it was found."""
    found = {}
    for result in results or []:
        where = (result.get("item") or {}).get("hosts") or ["extra vars"]
        for error in result.get("argument_errors") or []:
            found.setdefault(error, []).extend(where)
    return "; ".join("%s (in: %s)" % (error, ", ".join(where)) for error, where in found.items())


def declared_patches(hostvars, hosts, name="qpt_patches"):
    """{host: its `name` variable as a play sees it, None where the host has none} (hostvars in, for the input check)."""
    found = {}
    for host in hosts or []:
        values = hostvars[host]
        found[host] = values[name] if name in values else None
    return found


class FilterModule(object):
    def filters(self):
        return {
            "version_matches": matches,
            "input_errors": input_problems,
            "fleet_input_errors": fleet_input_problems,
            "desired_sets": desired_sets,
            "declared_patches": declared_patches,
            "patch_problems": patch_list_problems,
            "composer_problem": composer_problem,
            "knob_sets": knob_sets,
            "knob_errors": knob_errors,
            "decide": qpt_decision.decide,
            "transaction_plan": qpt_decision.transaction_plan,
            "planned_steps": qpt_decision.planned_steps,
            "controller_identity": qpt_decision.controller_identity,
            "lock_refusals": qpt_decision.lock_refusals,
            "result_record": qpt_record.result_record,
            "cloud_record": qpt_record.cloud_record,
            "batches": qpt_batches.batches,
            "drain_refusals": qpt_batches.drain_refusals,
        }
