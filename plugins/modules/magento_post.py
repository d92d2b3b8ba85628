#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Ansible module: make a changed patch live - DI compile, cache clean or flush, PHP reload."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: magento_post
short_description: Run Magento's post-steps after a patch changed, each one recorded on the host
description:
  - Runs, as the Magento file owner and in this order, C(bin/magento setup:di:compile) (when asked),
    C(bin/magento cache:clean) or C(cache:flush), and a reload command (PHP-FPM / OPcache), stopping at
    the first failure.
  - With I(run_id), each step is recorded in the host's transaction (C(var/qpt-apply/state.json)) as
    started, then done or failed, so a later run knows what a dead one left undone.
  - A C(setup:di:compile) that failed only because something wrote into C(var/cache) or
    C(generated/) while the compile was deleting it (Magento's C(cannot be deleted ... Directory not
    empty), after a request or a cron job on a node still in service) is run again, at most
    I(compile_attempts) times in all; I(steps) says so. Any other failure stops at once.
  - In check mode nothing runs and the host is not contacted (the action plugin answers on the
    controller); I(steps) says what would run.
extends_documentation_fragment:
  - qpt_apply.magento.magento
  - qpt_apply.magento.magento.transaction
options:
  di_compile:
    description: Run setup:di:compile (production mode serves the code the last compile generated).
    type: bool
    default: false
  cache_action:
    description: Cache step.
    type: str
    choices: [clean, flush, none]
    default: clean
  cache_types:
    description: Cache types to clean or flush; empty = all.
    type: list
    elements: str
    default: []
  reload_command:
    description: Command (argv) that reloads PHP-FPM or resets OPcache; empty = none.
    type: list
    elements: str
    default: []
  compile_attempts:
    description: How many times setup:di:compile may run when it fails only because its directories were written meanwhile.
    type: int
    default: 3
author: qpt-apply contributors (@qpt-apply)
"""

EXAMPLES = r"""
- name: Make the patch live
  magento_post:
    root: /var/www/magento
    di_compile: true
    run_id: "{{ qpt_run_id }}"
"""

RETURN = r"""
steps:
  description: "What ran (C(ran ...)), or would run in check mode (C(would run ...)); after a failure the
    steps not run are C(planned: ...)."
  returned: always
  type: list
  elements: str
reason:
  description: C({code, message}); code post-step-failed on failure, else null.
  returned: always
  type: dict
output:
  description: stdout and stderr of the failed step (of its last attempt).
  returned: on failure
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_post_plan import (
    ARGUMENT_SPEC, post_plan, preview)
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_qpt import (
    console_error, output_text, written_meanwhile)
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_host_state import step as recorded_step


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    p = module.params
    root = os.path.realpath(p["root"])
    plan = post_plan(p, root)
    if module.check_mode:  # the action plugin answers check mode on the controller; this serves a direct call
        module.exit_json(**preview(plan))
    result = dict(changed=False, steps=[], reason=dict(code=None, message=""))

    # One line per message: Symfony boxes errors at the terminal width.
    environ = {"LANG": "C", "LC_ALL": "C", "COLUMNS": "300"}
    for index, (name, label, argv, cwd) in enumerate(plan):
        attempts = max(1, p["compile_attempts"]) if name == "di-compile" else 1
        try:
            with recorded_step(root, p["run_id"], name):
                for attempt in range(1, attempts + 1):
                    rc, out, err = module.run_command(argv, cwd=cwd, environ_update=environ)
                    if rc == 0:
                        break
                    if attempt == attempts or not written_meanwhile(out, err):
                        raise _StepFailed(rc, out, err)
                    result["steps"].append("again %s: its directories were written while it deleted them" % label)
        except _StepFailed as failed:
            rc, out, err = failed.args
            result["steps"] += ["planned: " + step[1] for step in plan[index:]]
            result["output"] = output_text(out, err)
            message = "%s failed (rc %d): %s" % (label, rc, console_error(out, err) or _last_lines(out, err))
            result["reason"] = dict(code="post-step-failed", message=message)
            module.fail_json(msg=message, **result)
        result["changed"] = True
        result["steps"].append("ran " + label)
    module.exit_json(**result)


class _StepFailed(Exception):
    """A post-step ended with rc != 0 (args: rc, stdout, stderr): recorded as failed by recorded_step."""


def _last_lines(out, err):
    """Magento prints the reason last: its last non-empty line, from stderr first."""
    for text in (err, out):
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return ""


if __name__ == "__main__":
    main()
