#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Read a Magento project's composer.lock and decide what listing Quality Patches needs."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: magento_composer_lock
short_description: Read Magento and Quality Patches Tool versions from a project's C(composer.lock)
description:
  - Reads the locked Magento version (C(magento/magento2-base), else the edition or cloud
    metapackage), the edition, and the locked C(magento/quality-patches) and C(magento/ece-tools)
    versions of a project, without needing C(vendor/).
  - With O(catalog), decides for each patch whether it is offered for that Magento version and
    whether the locked QPT offers it (minimum version, known-bad releases).
  - Read only; supports check mode.
version_added: "0.1.0"
author: qpt-apply contributors (@qpt-apply)
options:
  path:
    description: The project directory or its C(composer.lock).
    type: path
    required: true
  patches:
    description: Patch IDs to decide about.
    type: list
    elements: str
    default: []
  catalog:
    description:
      - Patch catalog (C(playbooks/vars/patch_catalog.yml)), keyed by patch ID. Read from each entry
        C(magento) (a Composer constraint on C(magento/magento2-base)), C(editions) (editions the
        patch exists for), C(qpt_min) (first QPT release offering it) and C(qpt_known_bad) (QPT
        releases that must not be used; an item C({version, editions, magento}) only for the projects of
        those editions and that Magento range).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Read the locked versions
  magento_composer_lock:
    path: /srv/project
    patches: [ACSD-61103]
    catalog: "{{ qpt_catalog }}"
  register: lock
"""

RETURN = r"""
magento:
  description: Locked Magento version (e.g. C(2.4.6-p3)), or null.
  type: str
  returned: always
magento_package:
  description: Package the Magento version was read from.
  type: str
  returned: always
edition:
  description: C(community), C(enterprise) or C(b2b); null when Magento is not in the lock.
  type: str
  returned: always
qpt:
  description: Locked C(magento/quality-patches) version, or null.
  type: str
  returned: always
ece_tools:
  description: Locked C(magento/ece-tools) version, or null.
  type: str
  returned: always
patches:
  description: Per patch ID, C(known), C(offered), C(qpt_ok) and C(reason).
  type: dict
  returned: always
not_offered:
  description: IDs the catalog says are not offered for this Magento version.
  type: list
  returned: always
unknown:
  description: IDs missing from the catalog (not checked).
  type: list
  returned: always
qpt_update_needed:
  description: Whether the locked QPT must move for every offered patch to be available.
  type: bool
  returned: always
qpt_constraint:
  description: Composer constraint a QPT update must satisfy (e.g. C(^1.1.54,!=1.1.56)), or null.
  type: str
  returned: always
qpt_update_constraint:
  description:
    - Temporary constraint to give C(composer update --with); the project's own requirement on
      C(magento/quality-patches) in C(composer.json), if any, is kept in it (Composer refuses a
      temporary constraint that is not a subset of the root one).
  type: str
  returned: always
qpt_root_requirement:
  description: The project's C(composer.json) requirement on C(magento/quality-patches), or null.
  type: str
  returned: always
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_qpt import (
    ECE_TOOLS_PACKAGE, MAGENTO_PACKAGES, QPT_PACKAGE, magento_package, magento_release, packages_in)
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_catalog import (
    entries_of, is_known_bad, known_bad_for, offered, qpt_requirement, qpt_satisfies)
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_versions import VersionError


def read_lock(lock):
    """Magento release, edition, QPT and ece-tools versions locked in a parsed composer.lock."""
    packages = packages_in(lock)
    magento, edition = magento_release(packages)
    return {
        "magento": magento,
        "magento_package": magento_package(packages),
        "edition": edition,
        "qpt": packages.get(QPT_PACKAGE),
        "ece_tools": packages.get(ECE_TOOLS_PACKAGE),
    }


def decide(facts, patches, catalog):
    """Per patch: is it offered for this Magento, and does the locked QPT offer it?"""
    per_patch, not_offered, unknown = {}, [], []
    qpt = facts["qpt"]
    entries = entries_of(catalog, patches)
    for patch in patches:
        entry = entries.get(patch)
        if entry is None:
            unknown.append(patch)
            per_patch[patch] = {"known": False, "offered": None, "qpt_ok": None,
                                "reason": "not in the patch catalog; not checked"}
            continue
        qpt_min = entry.get("qpt_min")
        # Known-bad releases of this entry for this project's Magento and edition (qpt_catalog's one rule).
        qpt_bad = known_bad_for(entry.get("qpt_known_bad"), facts["magento"], facts["edition"])
        if facts["magento"] is None:
            is_offered, reason = False, "composer.lock has no Magento package (%s)" % ", ".join(MAGENTO_PACKAGES)
        else:
            is_offered, why = offered(entry, facts["magento"], facts["edition"])
            reason = "" if is_offered else "%s is not offered for Magento %s %s (%s)" % (
                patch, facts["edition"], facts["magento"], why)
        qpt_ok = qpt_satisfies(qpt, qpt_min, qpt_bad)
        if is_offered and not qpt_ok:
            reason = ("magento/quality-patches is not locked" if qpt is None else
                      "locked magento/quality-patches %s is known-bad" % qpt if is_known_bad(qpt, qpt_bad) else
                      "locked magento/quality-patches %s predates %s (added in %s)" % (qpt, patch, qpt_min))
        if not is_offered:
            not_offered.append(patch)
        per_patch[patch] = {"known": True, "offered": is_offered, "qpt_ok": qpt_ok, "reason": reason,
                            "magento_constraint": entry.get("magento"), "qpt_min": qpt_min, "qpt_bad": qpt_bad}
    needs_update = any(p["offered"] and not p["qpt_ok"] for p in per_patch.values())
    constraint = qpt_requirement((e for pid, e in entries.items() if per_patch[pid]["offered"]),
                                 facts["magento"], facts["edition"])[0]
    return {
        "patches": per_patch,
        "not_offered": not_offered,
        "unknown": unknown,
        "qpt_update_needed": needs_update,
        "qpt_constraint": None if constraint == "*" else constraint,
    }


def update_constraint(ours, root_requirement):
    """`ours` narrowed by the root requirement, so Composer accepts it as a temporary constraint."""
    if not ours:
        return None
    if not root_requirement or root_requirement.strip() == "*" or "|" in root_requirement:
        return ours
    return root_requirement.strip() + "," + ours


def read_root_requirement(project_dir):
    try:
        with open(os.path.join(project_dir, "composer.json"), "rb") as handle:
            root = json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    for section in ("require", "require-dev"):
        requirement = (root.get(section) or {}).get(QPT_PACKAGE) if isinstance(root, dict) else None
        if isinstance(requirement, str):
            return requirement
    return None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            patches=dict(type="list", elements="str", default=[]),
            catalog=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    path = module.params["path"]
    lock_path = os.path.join(path, "composer.lock") if os.path.isdir(path) else path
    if not os.path.isfile(lock_path):
        module.fail_json(msg="%s not found: the project must commit its composer.lock" % lock_path,
                         reason_code="no-composer-lock")
    try:
        with open(lock_path, "rb") as handle:
            lock = json.loads(handle.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        module.fail_json(msg="%s is not valid JSON: %s" % (lock_path, exc), reason_code="bad-composer-lock")
    if not isinstance(lock, dict):
        module.fail_json(msg="%s is not a composer lock file" % lock_path, reason_code="bad-composer-lock")
    facts = read_lock(lock)
    try:
        decision = decide(facts, module.params["patches"], module.params["catalog"] or {})
    except VersionError as exc:
        module.fail_json(msg="cannot compare versions: %s" % exc, reason_code="bad-catalog", **facts)
    root_requirement = read_root_requirement(os.path.dirname(lock_path))
    module.exit_json(changed=False, lock_path=lock_path, qpt_root_requirement=root_requirement,
                     qpt_update_constraint=update_constraint(decision["qpt_constraint"], root_requirement),
                     **facts, **decision)


if __name__ == "__main__":
    main()
