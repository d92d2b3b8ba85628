#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Apply or revert Quality Patches Tool patches on one Magento host, idempotently."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: qpt_patch
short_description: Apply or revert QPT patches, changing only what differs from the wanted state
description:
  - Reads C(<php> vendor/bin/magento-patches status --format=json -n), runs C(apply -n) or C(revert -n)
    for the patches whose status differs from O(state), then reads the status again.
  - Fails with a machine-readable RV(reason) code C(not-offered), C(conflict), C(broken-qpt),
    C(no-git-or-patch), C(dependency-applied), C(qpt-missing) or C(qpt-error), and QPT's own output.
  - In check mode nothing changes and the result says what would be done. With I(known_status) covering
    every patch the host is not even contacted (the action plugin answers on the controller); otherwise
    only the status is read.
  - Run it as the Magento file owner.
extends_documentation_fragment:
  - qpt_apply.magento.magento
  - qpt_apply.magento.magento.transaction
options:
  patches:
    description: Patch IDs, e.g. C(ACSD-61103).
    type: list
    elements: str
    required: true
  state:
    description: Wanted state of every patch.
    type: str
    choices: [applied, reverted]
    default: applied
  known_status:
    description:
      - "Status read moments ago by magento_facts (C({ID: status})); saves one QPT status run.
        Leave empty whenever anything may have changed since."
    type: dict
    default: {}
author: qpt-apply contributors (@qpt-apply)
"""

EXAMPLES = r"""
- name: Apply ACSD-61103
  qpt_patch:
    root: /var/www/magento
    php: /usr/bin/php8.2
    patches: [ACSD-61103]
    state: applied
  register: qpt_patch_result
"""

RETURN = r"""
status_before:
  description: "C({ID: Applied|Not applied|N/A|absent}) before."
  type: dict
  returned: always
status_after:
  description: Status after (in check mode, the predicted status).
  type: dict
  returned: always
ids_changed:
  description: IDs applied or reverted (would be, in check mode).
  type: list
  returned: always
reason:
  description: C({code, message}); code is null on success.
  type: dict
  returned: always
output:
  description: QPT's stdout and stderr of the last apply/revert (or failing status) run.
  type: str
  returned: always
commands:
  description: QPT command lines run.
  type: list
  returned: always
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_host_state import mark_step
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_qpt import (
    PATCH_ARGUMENT_SPEC, PATCH_VERB, QptRunner, classify_failure, dependants, first_line, output_text, patch_failed,
    patch_preview, patch_result, patch_work, status_of,
)


def main():
    module = AnsibleModule(argument_spec=PATCH_ARGUMENT_SPEC, supports_check_mode=True)
    root = os.path.realpath(module.params["root"])
    patches = module.params["patches"]
    state = module.params["state"]
    qpt = QptRunner(module, root, module.params["php"])
    result = patch_result(commands=qpt.commands)

    def fail(code, message, output=""):
        module.fail_json(**patch_failed(result, code, message, output))

    if not patches:
        fail("bad-input", "no patch IDs given")
    known = module.params["known_status"]
    if known and all(pid in known for pid in patches):
        before = dict((pid, known[pid]) for pid in patches)
    else:
        read = qpt.status()
        if not read["ok"]:
            fail(read["reason"], read["message"] or "QPT status failed", read["output"])
        before = status_of(patches, read["patches"])
    result["status_before"] = before
    result["status_after"] = dict(before)

    work = patch_work(patches, state, before)
    if work["failure"]:
        fail(*work["failure"])
    todo, conflicts = work["todo"], work["conflicts"]
    if not todo and not conflicts:
        module.exit_json(**result)

    if module.check_mode:  # the action plugin answers this on the controller when the status is known
        preview = patch_preview(patches, state, before)
        preview["commands"] = qpt.commands
        (module.fail_json if preview.get("failed") else module.exit_json)(**preview)

    # N/A patches go to QPT too: its own message says which file does not apply. QPT rolls back the
    # patches of a run when one fails, so the host is left as it was.
    step = "patch" if state == "applied" else "patch-revert"
    mark_step(root, module.params["run_id"], step, "started")
    rc, out, err = qpt.run(PATCH_VERB[state], *(todo + conflicts))
    mark_step(root, module.params["run_id"], step, "done" if rc == 0 else "failed")
    result["output"] = output_text(out, err)
    after_read = qpt.status()
    if after_read["ok"]:
        result["status_after"] = status_of(patches, after_read["patches"])
    result["changed"] = any(result["status_after"].get(pid) != before[pid] for pid in patches)
    result["ids_changed"] = [pid for pid in patches if result["status_after"].get(pid) != before[pid]]
    if rc != 0:
        code = "php-missing" if rc == 127 and not qpt.php_found else classify_failure(out, err)
        message = first_line(out, err)
        if code == "dependency-applied":
            message = "revert %s first (QPT: %s)" % (", ".join(dependants(out)), message)
        fail(code, message, result["output"])
    if not after_read["ok"]:
        fail(after_read["reason"], "status after %s: %s" % (PATCH_VERB[state], after_read["message"]),
             after_read["output"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
