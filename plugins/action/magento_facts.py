# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Action plugin of the magento_facts module: the read, and with `decide` the decision on what it found,
or with `expect` the verification of what it found.

The decision judges another run's lock against this controller's own processes, so it is made here, on
the controller, as soon as the module returns: one task per host instead of a read, a set_fact and a
check. With `decide` the patch set is checked first, and nothing is sent to a host when it is bad.
With `expect` the read is judged against the wanted state the same way (qpt_record.verify_outcome).
The result always carries `started`, when this controller began with the host (the record's start).
"""

from __future__ import annotations

from datetime import datetime, timezone

from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_catalog import patch_list_problems
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_decision import DECIDE_OPTIONS, decide_with
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_record import EXPECT_OPTIONS, TIME_FORMAT, verify_outcome


class ActionModule(ActionBase):
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        result["started"] = datetime.now(timezone.utc).strftime(TIME_FORMAT)
        args = dict(self._task.args)
        decide = args.pop("decide", None) or None
        expect = args.pop("expect", None) or None
        options = expected = None
        if decide is not None:
            validated = ArgumentSpecValidator(DECIDE_OPTIONS).validate(decide)
            problems = list(validated.error_messages) + patch_list_problems(args.get("patches"), "qpt_patches")
            if problems:
                result.update(failed=True, msg="bad input: %s: %s"
                              % ((task_vars or {}).get("inventory_hostname"), "; ".join(problems)))
                return result
            options = validated.validated_parameters
        if expect is not None:
            validated = ArgumentSpecValidator(EXPECT_OPTIONS).validate(expect)
            problems = list(validated.error_messages)
            # qpt_status as the module will take it: a string "false" reads no status either.
            if (not problems and not validated.validated_parameters["statuses"]
                    and not boolean(args.get("qpt_status", False), strict=False)):
                problems.append("nothing to judge the patches by: give statuses, or qpt_status: true")
            if problems:
                result.update(failed=True, msg="expect: %s" % "; ".join(problems))
                return result
            expected = validated.validated_parameters
        try:
            read = self._execute_module(module_name="qpt_apply.magento.magento_facts", module_args=args,
                                        task_vars=task_vars)
        except AnsibleConnectionFailure as exc:
            # What Ansible makes of it too, with `started` kept: the record of an unreachable host has it.
            result.update(unreachable=True, msg=str(exc))
            return result
        self._remove_tmp_path(self._connection._shell.tmpdir)
        result.update(read)
        if read.get("failed"):
            return result
        if expected is not None:
            result["verify"], result["verify_failure"] = verify_outcome(
                read, expected["state"], expected["statuses"], expected["functional"])
            if expected["fail"] and result["verify_failure"]:
                result.update(failed=True, msg=result["verify_failure"]["message"])
        if options is None:
            return result
        decision = decide_with(read, args["patches"], options)
        result["decision"] = decision
        if options["fail"] and decision.get("fail"):
            result.update(failed=True, msg="%s: %s" % (decision["reason"]["code"], decision["reason"]["message"]))
        return result
