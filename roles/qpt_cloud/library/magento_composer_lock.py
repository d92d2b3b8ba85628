#!/usr/bin/python
# -*- coding: utf-8 -*-
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
author: qpt-apply
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
        releases that must not be used).
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
import re

MAGENTO_PACKAGES = (
    "magento/magento2-base",
    "magento/product-enterprise-edition",
    "magento/product-community-edition",
    "magento/magento-cloud-metapackage",
)
EDITION_MARKERS = (
    ("magento/magento2-b2b-base", "b2b"),
    ("magento/magento2-ee-base", "enterprise"),
    ("magento/product-enterprise-edition", "enterprise"),
)
QPT_PACKAGE = "magento/quality-patches"
ECE_TOOLS_PACKAGE = "magento/ece-tools"

# Composer's stability order; "patch" (2.4.6-p3) sorts after the release it patches.
STABILITY = {"dev": 0, "alpha": 1, "a": 1, "beta": 2, "b": 2, "rc": 3, "stable": 4, "patch": 5, "pl": 5, "p": 5}
VERSION = re.compile(
    r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?"
    r"(?:[-.]?(dev|alpha|a|beta|b|rc|stable|patch|pl|p)[-.]?(\d+)?)?$",
    re.IGNORECASE,
)


class ConstraintError(ValueError):
    pass


def parse_version(text):
    """Composer-like ordering key: 2.4.6-p3 → ((2, 4, 6, 0), 5, 3)."""
    match = VERSION.match(str(text).strip())
    if not match:
        raise ConstraintError("not a version: %r" % text)
    numbers = tuple(int(part or 0) for part in match.group(1, 2, 3, 4))
    stability = STABILITY[(match.group(5) or "stable").lower()]
    return numbers, stability, int(match.group(6) or 0)


def _has_stability(text):
    return bool(re.search(r"[a-z]", str(text).lstrip("v"), re.IGNORECASE))


def _lowest(numbers):
    """The lowest version with these numbers (what Composer's `<2.4.7` excludes: 2.4.7-dev and up)."""
    return numbers, STABILITY["dev"], 0


def _bump(numbers, position):
    bumped = list(numbers[:position + 1]) + [0] * (3 - position)
    bumped[position] += 1
    return tuple(bumped)


def _significant(text):
    return len([p for p in re.split(r"[-+]", str(text).lstrip("v"))[0].split(".") if p != ""])


def _single(constraint):
    """Return a predicate for one Composer constraint term."""
    constraint = constraint.strip()
    if constraint in ("*", ""):
        return lambda v: True
    for op in (">=", "<=", "!=", "==", ">", "<", "=", "^", "~"):
        if constraint.startswith(op):
            target = constraint[len(op):].strip()
            break
    else:
        op, target = "=", constraint
    if target.endswith(".*") or target.endswith(".x"):
        stem = target[:-2]
        base = parse_version(stem)[0]
        places = _significant(stem)
        low, high = _lowest(base), _lowest(_bump(base, places - 1))
        return lambda v: low <= v < high
    version = parse_version(target)
    # Without a stability suffix Composer widens the bounds to the -dev of that number:
    # `>=2.4.6` admits 2.4.6-beta1, `<2.4.7` refuses 2.4.7-beta1.
    low = version if _has_stability(target) else _lowest(version[0])
    if op == ">=":
        return lambda v: v >= low
    if op == ">":
        return lambda v: v > version
    if op == "<":
        return lambda v: v < low
    if op == "<=":
        return lambda v: v <= version
    if op in ("=", "=="):
        return lambda v: v == version
    if op == "!=":
        return lambda v: v != version
    numbers, places = version[0], _significant(target)
    if op == "^":  # ^1.1.54 → <2.0 ; ^0.3 → <0.4
        first = next((i for i, n in enumerate(numbers[:3]) if n), min(places, 3) - 1)
        high = _lowest(_bump(numbers, first))
    else:  # ~1.2.3 → <1.3 ; ~1.2 → <2.0
        high = _lowest(_bump(numbers, max(places - 2, 0)))
    return lambda v: low <= v < high


def matches(version, constraint):
    """Whether `version` satisfies the Composer `constraint` (`||`/`|` = or, space/comma = and)."""
    key = parse_version(version)
    for alternative in re.split(r"\s*\|\|?\s*", str(constraint).strip()):
        alternative = re.sub(r"(>=|<=|!=|==|>|<|=|\^|~)\s+", r"\1", alternative)
        terms = [t for t in re.split(r"[\s,]+", alternative) if t]
        if all(_single(term)(key) for term in terms):
            return True
    return False


def read_lock(lock):
    packages = {}
    for section in ("packages", "packages-dev"):
        for package in lock.get(section) or []:
            if isinstance(package, dict) and "name" in package:
                packages[package["name"].lower()] = str(package.get("version", "")).lstrip("v") or None
    magento = magento_package = edition = None
    for name in MAGENTO_PACKAGES:
        if packages.get(name):
            magento, magento_package = packages[name], name
            break
    if magento is not None:
        edition = next((ed for name, ed in EDITION_MARKERS if name in packages), "community")
    return {
        "magento": magento,
        "magento_package": magento_package,
        "edition": edition,
        "qpt": packages.get(QPT_PACKAGE),
        "ece_tools": packages.get(ECE_TOOLS_PACKAGE),
    }


def decide(facts, patches, catalog):
    """Per patch: is it offered for this Magento, and does the locked QPT offer it?"""
    per_patch, not_offered, unknown = {}, [], []
    mins, bad = [], set()
    qpt = facts["qpt"]
    for patch in patches:
        entry = catalog.get(patch)
        if not isinstance(entry, dict):
            unknown.append(patch)
            per_patch[patch] = {"known": False, "offered": None, "qpt_ok": None,
                                "reason": "not in the patch catalog; not checked"}
            continue
        constraint = entry.get("magento")
        qpt_min = entry.get("qpt_min")
        qpt_bad = [str(v) for v in entry.get("qpt_known_bad") or []]
        editions = entry.get("editions") or []
        if facts["magento"] is None:
            offered, reason = False, "composer.lock has no Magento package (%s)" % ", ".join(MAGENTO_PACKAGES)
        elif constraint and not matches(facts["magento"], constraint):
            offered, reason = False, "%s is not offered for Magento %s (needs %s)" % (patch, facts["magento"], constraint)
        elif editions and facts["edition"] not in editions:
            offered, reason = False, "%s is not offered for the %s edition" % (patch, facts["edition"])
        else:
            offered, reason = True, ""
        qpt_ok = qpt is not None and (not qpt_min or parse_version(qpt) >= parse_version(qpt_min)) \
            and not any(parse_version(qpt) == parse_version(b) for b in qpt_bad)
        if offered and not qpt_ok:
            reason = ("magento/quality-patches is not locked" if qpt is None else
                      "locked magento/quality-patches %s is known-bad" % qpt
                      if any(parse_version(qpt) == parse_version(b) for b in qpt_bad) else
                      "locked magento/quality-patches %s predates %s (added in %s)" % (qpt, patch, qpt_min))
        if not offered:
            not_offered.append(patch)
        else:
            if qpt_min:
                mins.append(str(qpt_min))
            bad.update(qpt_bad)
        per_patch[patch] = {"known": True, "offered": offered, "qpt_ok": qpt_ok, "reason": reason,
                            "magento_constraint": constraint, "qpt_min": qpt_min, "qpt_bad": qpt_bad}
    needs_update = any(p["offered"] and not p["qpt_ok"] for p in per_patch.values())
    terms = []
    if mins:
        terms.append("^" + max(mins, key=parse_version))
    terms.extend("!=" + b for b in sorted(bad, key=parse_version))
    return {
        "patches": per_patch,
        "not_offered": not_offered,
        "unknown": unknown,
        "qpt_update_needed": needs_update,
        "qpt_constraint": ",".join(terms) or None,
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
    from ansible.module_utils.basic import AnsibleModule

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
    except ConstraintError as exc:
        module.fail_json(msg="cannot compare versions: %s" % exc, reason_code="bad-catalog", **facts)
    root_requirement = read_root_requirement(os.path.dirname(lock_path))
    module.exit_json(changed=False, lock_path=lock_path, qpt_root_requirement=root_requirement,
                     qpt_update_constraint=update_constraint(decision["qpt_constraint"], root_requirement),
                     **facts, **decision)


if __name__ == "__main__":
    main()
