#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Read-only facts about one Magento 2 installation, for qpt-apply."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: magento_facts
short_description: Read what a Magento 2 host runs, and optionally its QPT patch status and fingerprints
description:
  - Reads C(vendor/composer/installed.json) (Magento version and edition, installed
    C(magento/quality-patches) version), C(app/etc/env.php) (deploy mode), the maintenance flag,
    whether C(git) and GNU C(patch) are on the PATH, and whether the project is an Adobe Commerce Cloud one.
  - With O(qpt_status=true) also runs C(<php> vendor/bin/magento-patches status --format=json -n), unless
    O(reuse) holds an earlier read of this host whose token still matches (the C(token) of RV(status)).
  - With O(fingerprints) also checks QPT-independent file fingerprints per patch ID.
  - Never writes anything (QPT itself appends to C(var/log/patch.log)); supports check mode fully.
extends_documentation_fragment:
  - qpt_apply.magento.magento
  - qpt_apply.magento.magento.health
options:
  qpt_status:
    description: Also read QPT's status for O(patches).
    type: bool
    default: false
  patches:
    description: Patch IDs whose status and fingerprints are reported.
    type: list
    elements: str
    default: []
  fingerprints:
    description: Per patch ID, a list of checks C({path, contains, count, exists}) (paths relative to O(root)).
    type: dict
    default: {}
  reuse:
    description:
      - An earlier read of this host, C({token, patches, applied}) from RV(status) (as a plan or preview
        got it). When its C(token) equals the token of the host now - same installed packages, same
        files the patches change - QPT's status is taken from it instead of being run again, and
        C(reused) of RV(status) is true. Anything else (no token, another one) reads QPT again.
    type: dict
    default: {}
  backup_dir:
    description: Where qpt_package keeps composer.json/composer.lock backups, relative to O(root).
    type: str
    default: var/qpt-apply/backup
  health_url:
    description:
      - Also ask this URL once whether the node serves (see O(health_statuses)); empty skips it.
      - Production mode only - in developer and default mode a request generates code under
        C(generated/), and a read writes nothing.
    type: str
    default: ""
  decide:
    description:
      - Also decide what a rollout does on this host, from what was read (RV(decision)). The module's action
        plugin decides on the controller, right after the read - another run's lock is judged against the
        controller's own processes - so a playbook needs one task per host, not a read and a C(set_fact).
      - With it, O(patches) is checked first (a list of QPT patch IDs); when it is bad the task fails with
        C(bad input) and nothing is sent to the host.
      - The rules are C(plugins/module_utils/qpt_decision.py), also the filter C(qpt_apply.magento.decide).
    type: dict
    suboptions:
      mode:
        description: Which playbook the decision is for; C(status) is what apply would do, read-only.
        type: str
        choices: [apply, revert, status]
        required: true
      catalog:
        description: The patch catalog (C(playbooks/vars/patch_catalog.yml), C(qpt_catalog)).
        type: dict
        default: {}
      allow_qpt_update:
        description: May the rollout update magento/quality-patches when the installed one cannot patch.
        type: bool
        default: true
      restore_package:
        description: Revert only; also put the QPT version from before back (newest composer backup).
        type: bool
        default: false
      run_id:
        description: The rollout's run id; another run's lock or transaction on the host is judged against it.
        type: str
        default: ""
      takeover:
        description: Run id of a lock holder on another controller known to be gone (its lock is taken over).
        type: str
        default: ""
      own_transaction:
        description: The host's open transaction is this run's own (a decision made again after a recovery).
        type: bool
        default: false
      fail:
        description: Fail the task when the decision is a failure (C(reason.code) and message as its C(msg)).
        type: bool
        default: true
  expect:
    description:
      - Also verify what was read against a wanted state (RV(verify), RV(verify_failure)), on the controller
        right after the read - the patches' QPT status (O(expect.statuses), else the read's own, so one of
        them is needed), their fingerprints, the node's answer to O(health_url) (unless it is in maintenance
        mode) and a functional proof made before.
      - The rules are C(verify_outcome) in C(plugins/module_utils/qpt_record.py); see roles/qpt_verify.
    type: dict
    suboptions:
      state:
        description: The wanted state of the patches.
        type: str
        choices: [applied, reverted]
        default: applied
      statuses:
        description: The patches' QPT status known moments ago (C({ID, status})); empty judges the read's own.
        type: dict
        default: {}
      functional:
        description: The outcome of a functional proof (role magento_login_check's C({outcome, message})), if one ran.
        type: dict
      fail:
        description: Fail the task on any problem found - a patch not in the wanted state, a node that does not
          serve, a failed proof (RV(verify_failure)'s message as its C(msg)).
        type: bool
        default: true
author: qpt-apply contributors (@qpt-apply)
"""

EXAMPLES = r"""
- name: Read the host
  magento_facts:
    root: /var/www/magento
    php: /usr/bin/php8.2
    qpt_status: true
    patches: [ACSD-61103]
  register: magento_facts_raw

- name: Read the host and decide what apply would do there
  qpt_apply.magento.magento_facts:
    root: /var/www/magento
    qpt_status: true
    patches: [ACSD-61103]
    decide:
      mode: status
      catalog: "{{ qpt_catalog }}"
  register: magento_read

- name: Read the host and verify the patch is applied and the node serves
  qpt_apply.magento.magento_facts:
    root: /var/www/magento
    qpt_status: true
    patches: [ACSD-61103]
    health_url: https://shop.example.com/
    expect:
      state: applied
  register: magento_verified
"""

RETURN = r"""
magento:
  description: C({found, version, edition, mode}); version/edition null when Magento is not found.
  type: dict
  returned: always
qpt:
  description: C({version, installed}) of magento/quality-patches.
  type: dict
  returned: always
tools:
  description: C({git, patch}) availability on the PATH of the module's process.
  type: dict
  returned: always
maintenance:
  description: Whether C(var/.maintenance.flag) exists.
  type: bool
  returned: always
cloud:
  description: Adobe Commerce Cloud project (ece-tools installed or .magento.app.yaml present).
  type: bool
  returned: always
user:
  description: User the module ran as; C(root_owner) is the owner of the Magento root.
  type: str
  returned: always
status:
  description:
    - "C({read, patches: {ID: Applied|Not applied|N/A|absent}, applied, reason, message, output})."
    - C(applied) lists every patch QPT reports Applied on the host, asked for or not (empty when status was
      not read), which a drift check compares with the host's declared set.
    - C(token) is a digest of what that status depends on (the installed packages, the inode, size and
      mtime of every file the patches change), null when it cannot be told or status was not read; pass
      it back with O(reuse). C(reused) says the status came from O(reuse).
  type: dict
  returned: when qpt_status
fingerprints:
  description: "C({ID: {state: present|absent|partial|n/a, checks}})."
  type: dict
  returned: when patches are given
backups:
  description: Unused composer backups made by qpt_package, oldest first.
  type: list
  returned: always
host_state:
  description: The host's lock and transaction (C(var/qpt-apply/state.json), see qpt_transaction), and
    C(in_flight), a step of that transaction still running on the host.
  type: dict
  returned: when the root exists
health:
  description: C({url, status, ok, error, attempts, expected}) of one GET of O(health_url).
  type: dict
  returned: when health_url is given and Magento is found
decision:
  description:
    - What to do on the host (C(action), the predicted C(outcome), C(reason) C({code, message}), and what to
      run - C(update_qpt), C(run_patch), C(run_post), C(restore_qpt), C(run_change), ...), as the filter
      C(qpt_apply.magento.decide) returns it; see roles/qpt_preflight.
  type: dict
  returned: with decide, when the read succeeded
verify:
  description: C({status, fingerprints, functional, patches}), the C(verify) key of the result record.
  type: dict
  returned: with expect, when the read succeeded
verify_failure:
  description: C({code, message, output}) naming every problem found (output - the fingerprint checks that
    disagree with the wanted state), else null.
  type: dict
  returned: with expect, when the read succeeded
started:
  description: When the controller began this task (UTC, C(%Y-%m-%dT%H:%M:%S.%fZ)); also for an unreachable host.
  type: str
  returned: always (set by the action plugin)
"""

import getpass
import os
import pwd

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_health import (
    HEALTH_REQUEST_OPTIONS, asked_in as health_asked_in, check as check_health)
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_decision import DECIDE_OPTIONS
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_host_state import in_flight, read as read_host_state
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_record import EXPECT_OPTIONS
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_qpt import (
    QptRunner, deploy_mode, fingerprint_state, installed_packages, is_cloud, list_backups,
    magento_release, read_token, status_of, QPT_PACKAGE, ABSENT,
)


def _owner(path):
    try:
        return pwd.getpwuid(os.stat(path).st_uid).pw_name
    except (KeyError, OSError):
        return None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", required=True),
            php=dict(type="str", default="php"),
            qpt_status=dict(type="bool", default=False),
            patches=dict(type="list", elements="str", default=[]),
            fingerprints=dict(type="dict", default={}),
            reuse=dict(type="dict", default={}),
            backup_dir=dict(type="str", default="var/qpt-apply/backup"),
            health_url=dict(type="str", default=""),
            # Decided on and judged by the action plugin, on the controller; nothing here reads them.
            decide=dict(type="dict", options=DECIDE_OPTIONS),
            expect=dict(type="dict", options=EXPECT_OPTIONS),
            **HEALTH_REQUEST_OPTIONS
        ),
        supports_check_mode=True,
    )
    if not os.path.isabs(module.params["root"] or ""):
        module.fail_json(msg="magento_root must be the absolute path of the Magento installation, not %r"
                         % (module.params["root"],), reason=dict(code="bad-input", message="magento_root is not absolute"))
    root = os.path.realpath(module.params["root"])
    patches = module.params["patches"]
    found_root = os.path.isdir(root)
    packages = installed_packages(root) if found_root else {}
    version, edition = magento_release(packages)
    qpt_version = packages.get(QPT_PACKAGE)

    result = dict(
        changed=False,
        root=root,
        magento=dict(found=bool(version), version=version, edition=edition,
                     mode=deploy_mode(root) if version else None),
        qpt=dict(version=qpt_version, installed=bool(qpt_version)),
        # QPT finds git/patch through its process PATH only (get_bin_path would also try sbin dirs).
        tools=dict(git=_on_path("git"), patch=_on_path("patch")),
        maintenance=os.path.isfile(os.path.join(root, "var", ".maintenance.flag")),
        cloud=is_cloud(root, packages) if found_root else False,
        user=getpass.getuser(),
        root_owner=_owner(root) if found_root else None,
        backups=[],
    )
    try:
        result["backups"] = list_backups(root, module.params["backup_dir"]) if found_root else []
    except ValueError as exc:
        module.fail_json(msg=str(exc), **result)

    if found_root:
        state = read_host_state(root)
        state["in_flight"] = in_flight(state["transaction"]) if state["transaction"] else None
        result["host_state"] = state
    if module.params["health_url"] and version and health_asked_in(result["magento"]["mode"]):
        # One answer is enough for a read: the gate after a change retries.
        result["health"] = check_health(module.params["health_url"], module.params["health_statuses"],
                                        attempts=1, host_header=module.params["health_host_header"])

    if module.params["qpt_status"]:
        result["status"] = _status(module, root, version, patches)

    if patches and found_root:
        try:
            result["fingerprints"] = dict(
                (pid, fingerprint_state(root, module.params["fingerprints"].get(pid) or [])) for pid in patches)
        except ValueError as exc:
            module.fail_json(msg=str(exc), **result)
    module.exit_json(**result)


def _status(module, root, version, patches):
    """QPT's status of the patches (the `status` return value), or the earlier read in `reuse` when the
    host provably has not changed since."""
    if not version:
        return dict(read=False, patches=dict((p, ABSENT) for p in patches), applied=[], reason="magento-not-found",
                    message="no %s in %s/vendor/composer/installed.json" % ("magento/magento2-base", root),
                    output="", token=None, reused=False)
    token = read_token(root, patches)
    earlier = module.params["reuse"] or {}
    if token and earlier.get("token") == token and isinstance(earlier.get("patches"), dict):
        return dict(read=True, patches=status_of(patches, earlier["patches"]), applied=sorted(earlier.get("applied") or []),
                    reason=None, message="", output="", token=token, reused=True)
    status = QptRunner(module, root, module.params["php"]).status()
    if not status["ok"]:
        return dict(read=False, patches=dict((p, ABSENT) for p in patches), applied=[], reason=status["reason"],
                    message=status["message"], output=status["output"], token=None, reused=False)
    return dict(read=True, patches=status_of(patches, status["patches"]),
                applied=sorted(pid for pid, state in status["patches"].items() if state == "Applied"),
                reason=None, message="", output="", token=token, reused=False)


def _on_path(name):
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return True
    return False


if __name__ == "__main__":
    main()
