#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Update magento/quality-patches with composer (backing up composer.json/lock first), or restore it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: qpt_package
short_description: Make the installed magento/quality-patches offer a patch, or put the previous one back
description:
  - O(state=updated) does nothing when the installed version is at least O(min_version) and not one
    of O(bad_versions). Otherwise it copies C(composer.json) and C(composer.lock) to
    C(<backup_dir>/<UTC timestamp>/) and runs
    C(composer require --update-with-dependencies --no-interaction <package>:<constraint>).
  - O(state=restored) copies back the newest unused backup, runs C(composer install --no-interaction)
    and marks the backup as used (C(.restored) suffix). Without a backup it does nothing.
  - Check mode writes nothing; for O(state=updated) it asks composer (C(--dry-run)) which version it would install.
  - Run it as the Magento file owner.
extends_documentation_fragment:
  - qpt_apply.magento.magento.transaction
options:
  root:
    description: Magento root directory (absolute).
    type: path
    required: true
  state:
    description: Wanted state.
    type: str
    choices: [updated, restored]
    default: updated
  composer:
    description: Composer command as an argv list.
    type: list
    elements: str
    default: [composer]
  package:
    description: Package to update.
    type: str
    default: magento/quality-patches
  constraint:
    description: Composer constraint to require, e.g. C(^1.1.54 !=1.1.56). Required for O(state=updated).
    type: str
  min_version:
    description: Lowest acceptable installed version.
    type: str
  bad_versions:
    description:
      - Installed versions that must be replaced on this host, e.g. the decision's C(qpt_bad) (the catalog's
        known-bad releases for the host's Magento and edition, and a release seen failing there).
    type: list
    elements: str
    default: []
  backup_dir:
    description: Backup directory, relative to O(root).
    type: str
    default: var/qpt-apply/backup
  preview:
    description: In check mode, ask composer (C(require --dry-run)) which version it would install.
      Resolving a full Magento project can take a while; without it the preview names the constraint only.
    type: bool
    default: true
author: qpt-apply contributors (@qpt-apply)
"""

EXAMPLES = r"""
- name: Make QPT offer ACSD-61103
  qpt_package:
    root: /var/www/magento
    constraint: ^1.1.54 !=1.1.56
    min_version: 1.1.54
    bad_versions: [1.1.56]
"""

RETURN = r"""
version_before:
  description: Installed version before (null when not installed).
  type: str
  returned: always
version_after:
  description: Installed version after (in check mode, what composer would install, or null if unknown).
  type: str
  returned: always
backup:
  description: Backup directory written (updated) or used (restored), relative to root.
  type: str
  returned: when a backup was involved
reason:
  description: C({code, message}); code C(qpt-update-failed) or C(qpt-restore-failed) on failure.
  type: dict
  returned: always
output:
  description: Composer's output of the last command.
  type: str
  returned: always
"""

import hashlib
import json
import os
import shutil
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_catalog import qpt_satisfies
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_host_state import mark_step
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_qpt import (
    BACKUP_FILES, RESTORED_SUFFIX, composer_problem, installed_packages, list_backups, output_text,
    safe_join, upgraded_to,
)

# Magento projects exceed PHP's default memory_limit while resolving; Adobe's docs run composer unlimited.
_ENV = {"COMPOSER_NO_INTERACTION": "1", "COMPOSER_MEMORY_LIMIT": "-1", "LANG": "C", "LC_ALL": "C"}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", required=True),
            state=dict(type="str", choices=["updated", "restored"], default="updated"),
            composer=dict(type="list", elements="str", default=["composer"]),
            package=dict(type="str", default="magento/quality-patches"),
            constraint=dict(type="str"),
            min_version=dict(type="str"),
            bad_versions=dict(type="list", elements="str", default=[]),
            backup_dir=dict(type="str", default="var/qpt-apply/backup"),
            preview=dict(type="bool", default=True),
            run_id=dict(type="str", default=""),
        ),
        required_if=[("state", "updated", ["constraint"])],
        supports_check_mode=True,
    )
    p = module.params
    root = os.path.realpath(p["root"])
    package = p["package"].lower()
    before = installed_packages(root).get(package)
    result = dict(changed=False, version_before=before, version_after=before, output="",
                  reason=dict(code=None, message=""), commands=[])

    def fail(code, message):
        result["reason"] = dict(code=code, message=message)
        module.fail_json(msg=message, **result)

    def composer(*args):
        argv = list(p["composer"]) + list(args) + ["--no-interaction", "--no-progress"]
        result["commands"].append(" ".join(argv))
        rc, out, err = module.run_command(argv, cwd=root, environ_update=_ENV)
        result["output"] = output_text(out, err)
        return rc, out, err

    if p["state"] == "updated":
        if qpt_satisfies(before, p["min_version"], p["bad_versions"]):
            module.exit_json(**result)
        requirement = "%s:%s" % (package, p["constraint"])
        if module.check_mode:
            result["changed"] = True
            if not p["preview"]:
                result["version_after"] = None
                module.exit_json(**result)
            # composer require --dry-run resolves without writing composer.json, the lock or vendor/.
            rc, out, err = composer("require", "--dry-run", "--update-with-dependencies", requirement)
            result["version_after"] = upgraded_to(out + "\n" + err, package) if rc == 0 else None
            result["changed"] = True
            if rc != 0:
                result["reason"] = dict(code="qpt-update-failed",
                                        message="composer cannot resolve %s (dry run)" % requirement)
            module.exit_json(**result)
        backup = _backup(root, p["backup_dir"])
        result["backup"] = backup
        # The backup is on record before composer starts: a run killed mid-update is put back from it.
        mark_step(root, p["run_id"], "qpt-update", "started", qpt_backup=backup)
        rc, out, err = composer("require", "--update-with-dependencies", requirement)
        after = installed_packages(root).get(package)
        result["version_after"] = after
        result["changed"] = after != before or rc == 0
        if rc != 0:
            _put_back(root, backup)
            # Dependencies may have moved even when QPT did not: vendor/ back in line with the lock.
            failure_output = result["output"]
            rc_install = composer("install")[0]
            result["output"] = failure_output
            result["version_after"] = installed_packages(root).get(package)
            if rc_install != 0:
                # Left in progress on purpose: the next run puts the backup back and installs again.
                fail("qpt-update-failed", "composer require %s failed (rc %d), and composer install after putting "
                     "composer.json/composer.lock back failed too (rc %d)" % (requirement, rc, rc_install))
            mark_step(root, p["run_id"], "qpt-update", "failed")
            fail("qpt-update-failed", "composer require %s failed (rc %d); composer.json and composer.lock put back: %s"
                 % (requirement, rc, composer_problem(err or out)))
        if not qpt_satisfies(after, p["min_version"], p["bad_versions"]):
            fail("qpt-update-failed", "%s is %s after composer require %s" % (package, after, requirement))
        # What the files look like right after our update: a restore must not undo what came later.
        with open(os.path.join(safe_join(root, backup), AFTER_FILE), "w") as out:
            json.dump(_fingerprint(root), out)
        mark_step(root, p["run_id"], "qpt-update", "done")
        module.exit_json(**result)

    # state == restored
    backups = list_backups(root, p["backup_dir"])
    if not backups:
        result["msg"] = "no unused backup under %s" % p["backup_dir"]
        module.exit_json(**result)
    latest = backups[-1]
    result["backup"] = latest["dir"]
    result["changed"] = True
    result["version_after"] = latest["qpt_version"]
    recorded = os.path.join(safe_join(root, latest["dir"]), AFTER_FILE)
    if os.path.isfile(recorded):
        with open(recorded) as saved:
            now = _fingerprint(root)
            # The files as the update left them, or already put back by a restore that was stopped.
            if json.load(saved) != now and _fingerprint(safe_join(root, latest["dir"])) != now:
                fail("qpt-restore-refused",
                     "composer.json/composer.lock changed since the QPT update of %s (another composer change?): "
                     "restoring that backup would undo it; put %s %s back by hand"
                     % (latest["dir"], package, latest["qpt_version"]))
    if module.check_mode:
        module.exit_json(**result)
    mark_step(root, p["run_id"], "qpt-restore", "started")
    _put_back(root, latest["dir"])
    rc, out, err = composer("install")
    result["version_after"] = installed_packages(root).get(package)
    if rc != 0:
        fail("qpt-restore-failed", "composer install after restoring %s failed (rc %d)" % (latest["dir"], rc))
    source = safe_join(root, latest["dir"])
    os.rename(source, source + RESTORED_SUFFIX)
    mark_step(root, p["run_id"], "qpt-restore", "done")
    module.exit_json(**result)


AFTER_FILE = "after-update.sha256.json"


def _fingerprint(root):
    digests = {}
    for filename in BACKUP_FILES:
        path = os.path.join(root, filename)
        if os.path.isfile(path):
            with open(path, "rb") as data:
                digests[filename] = hashlib.sha256(data.read()).hexdigest()
    return digests


def _backup(root, backup_dir):
    """Copy composer.json/lock to backup_dir/<UTC timestamp>[-n]/ and return that path relative to root."""
    base = safe_join(root, backup_dir)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    name, n = stamp, 1
    while os.path.exists(os.path.join(base, name)) or os.path.exists(os.path.join(base, name + RESTORED_SUFFIX)):
        n += 1
        name = "%s-%d" % (stamp, n)
    target = os.path.join(base, name)
    os.makedirs(target)
    for filename in BACKUP_FILES:
        source = os.path.join(root, filename)
        if os.path.isfile(source):
            shutil.copy2(source, os.path.join(target, filename))
    return os.path.join(backup_dir, name)


def _put_back(root, backup):
    source = safe_join(root, backup)
    for filename in BACKUP_FILES:
        saved = os.path.join(source, filename)
        if os.path.isfile(saved):
            shutil.copy2(saved, os.path.join(root, filename))


if __name__ == "__main__":
    main()
