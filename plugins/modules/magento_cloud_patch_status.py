#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Read the patch status of a deployed Adobe Commerce Cloud environment over SSH (read-only)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: magento_cloud_patch_status
short_description: Read-only C(magento-patches status) of a cloud environment over SSH
description:
  - Runs C(magento-patches status --format=json) on the environment through SSH and returns the
    status of each requested patch. Never applies or reverts anything (vendor/ is read-only on
    cloud environments; the build applies patches).
  - Read only; supports check mode.
version_added: "0.1.0"
author: qpt-apply contributors (@qpt-apply)
options:
  ssh:
    description: C(user@host) of the environment (the SSH login lands in the project root).
    type: str
    required: true
  patches:
    description: Patch IDs to report.
    type: list
    elements: str
    required: true
  ssh_command:
    description: SSH client argv placed before O(ssh).
    type: list
    elements: str
    default: [ssh, -o, BatchMode=yes]
  remote_command:
    description: Command run on the environment.
    type: str
    default: php vendor/bin/magento-patches status --format=json --no-interaction
"""

EXAMPLES = r"""
- name: Read the deployed status
  magento_cloud_patch_status:
    ssh: abcdef-staging-5ojmyuq@ssh.eu-3.magento.cloud
    patches: [ACSD-61103]
"""

RETURN = r"""
status:
  description: Per patch ID, the status QPT reports (C(Applied), C(Not applied), C(N/A)) or C(absent).
  type: dict
  returned: success
rows:
  description: Number of rows QPT reported.
  type: int
  returned: success
reason_code:
  description: C(status-check-failed) on failure.
  type: str
  returned: failure
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_qpt import parse_status_json, status_of


def parse_status(stdout, patches):
    """Status per ID from `status --format=json` (rows matched on Id, never on Title), and the row count."""
    found = parse_status_json(stdout)
    return status_of(patches, found), len(found)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ssh=dict(type="str", required=True),
            patches=dict(type="list", elements="str", required=True),
            ssh_command=dict(type="list", elements="str", default=["ssh", "-o", "BatchMode=yes"]),
            remote_command=dict(type="str", default="php vendor/bin/magento-patches status --format=json --no-interaction"),
        ),
        supports_check_mode=True,
    )
    if module.params["ssh"].startswith("-"):
        module.fail_json(msg="cloud_ssh must be user@host", reason_code="bad-input")
    argv = module.params["ssh_command"] + [module.params["ssh"], module.params["remote_command"]]
    rc, out, err = module.run_command(argv)
    if rc != 0:
        module.fail_json(msg="status over SSH failed (rc %d): %s" % (rc, (err or out).strip()[-2000:]),
                         reason_code="status-check-failed", stdout=out, stderr=err)
    try:
        status, rows = parse_status(out, module.params["patches"])
    except ValueError as exc:
        module.fail_json(msg="unreadable status output: %s" % exc, reason_code="status-check-failed", stdout=out)
    module.exit_json(changed=False, status=status, rows=rows)


if __name__ == "__main__":
    main()
