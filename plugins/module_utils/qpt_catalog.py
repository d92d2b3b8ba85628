# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""The patch catalog and the rollout inputs: the one home of their rules.

- what a patch ID looks like, and a batch size, and the failure cap;
- what a catalog entry may hold (playbooks/vars/patch_catalog.yml documents the keys);
- whether a patch is offered for a given Magento release and edition;
- which magento/quality-patches (QPT) release offers the patches, and whether one installed does.

The playbooks (filters), the modules (cloud lock) and the qpt-apply CLI all import these functions, so
a catalog entry or a patch ID gets the same answer everywhere. Standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_versions import (
    VersionError, check_constraint, matches, newest, version_key)

PATCH_ID = re.compile(r"^[A-Z][A-Z0-9]*-[0-9]+(-V[0-9]+)?$")
PATCH_ID_EXAMPLE = "ACSD-61103 or MDVA-30265-V2"
SERIAL_ITEM = re.compile(r"^([1-9][0-9]*|([1-9][0-9]?|100)%)$")
EDITIONS = ("community", "enterprise", "b2b")
ENTRY_KEYS = ("title", "magento", "editions", "qpt_min", "qpt_known_bad", "needs_di_compile", "fingerprints")
FINGERPRINT_KEYS = ("path", "contains", "count", "exists")


# --------------------------------------------------------------------------- inputs


def is_patch_id(value):
    return isinstance(value, str) and bool(PATCH_ID.match(value))


def patch_id_problem(value, where="qpt_patches"):
    """None for a valid patch ID, else a one-line message naming where the value came from."""
    if is_patch_id(value):
        return None
    return "%s: %r is not a QPT patch ID (expected e.g. %s)" % (where, value, PATCH_ID_EXAMPLE)


def patch_list_problems(patches, where="qpt_patches"):
    """Every problem with a list of patch IDs (empty list = fine)."""
    if not isinstance(patches, list):
        return ["%s must be a list of patch IDs, e.g. ['ACSD-61103'], not %s %r"
                % (where, type(patches).__name__, patches)]
    if not patches:
        return ["%s is empty: name at least one patch ID" % where]
    return [p for p in (patch_id_problem(pid, where) for pid in patches) if p]


def serial_problems(serial):
    items = serial if isinstance(serial, list) else [serial]
    if not items:
        return ["qpt_serial is empty: give batch sizes such as [1, '25%', '100%']"]
    return ["qpt_serial: %r is not a positive host count or a percentage such as '25%%'" % (item,)
            for item in items
            if isinstance(item, (bool, float)) or not SERIAL_ITEM.match(str(item))]


def max_failed_problems(max_failed):
    if isinstance(max_failed, bool) or not re.match(r"^[0-9]+$", str(max_failed)):
        return ["qpt_max_failed_hosts must be a whole number >= 0, not %r" % (max_failed,)]
    return []


def input_problems(patches, serial, max_failed, catalog=None):
    """Every problem with a rollout's inputs, as one-line messages (empty list = fine)."""
    problems = patch_list_problems(patches) + serial_problems(serial) + max_failed_problems(max_failed)
    requested = patches if isinstance(patches, list) else []
    problems += ["patch catalog entry %s: %s" % (pid, problem) for pid, problem in catalog_problems(catalog, requested)]
    return problems


# --------------------------------------------------------------------------- catalog entries


def entry_problems(entry):
    """Problems of one catalog entry (empty list = fine)."""
    if not isinstance(entry, dict):
        return ["must be a mapping"]
    problems = ["unknown key %r (known: %s)" % (key, ", ".join(ENTRY_KEYS)) for key in entry if key not in ENTRY_KEYS]
    try:
        if entry.get("magento") is not None:
            check_constraint(entry["magento"])
        bad = entry.get("qpt_known_bad") or []
        if not isinstance(bad, list):
            problems.append("qpt_known_bad must be a list of versions")
            bad = []
        for version in [entry.get("qpt_min")] + bad:
            if version is not None:
                version_key(version)
    except VersionError as exc:
        problems.append(str(exc))
    editions = entry.get("editions")
    if editions is not None and (not isinstance(editions, list) or any(e not in EDITIONS for e in editions)):
        problems.append("editions must be a list of %s, not %r" % (" | ".join(EDITIONS), editions))
    fingerprints = entry.get("fingerprints") or []
    if not isinstance(fingerprints, list):
        problems.append("fingerprints must be a list")
        fingerprints = []
    for spec in fingerprints:
        path = spec.get("path") if isinstance(spec, dict) else None
        if not isinstance(path, str) or not path or path.startswith("/") or ".." in path.split("/"):
            problems.append("fingerprint path %r must be relative to the Magento root" % (path,))
    return problems


def catalog_problems(catalog, patches):
    """[(patch ID, problem)] for the catalog entries of the requested patches."""
    if catalog is None:
        return []
    if not isinstance(catalog, dict):
        return [("*", "qpt_catalog must be a mapping of patch ID to entry")]
    return [(pid, problem) for pid in patches if isinstance(pid, str) and pid in catalog
            for problem in entry_problems(catalog[pid])]


def entries_of(catalog, patches):
    """{ID: entry} for the requested patches the catalog knows."""
    catalog = catalog if isinstance(catalog, dict) else {}
    return dict((pid, catalog[pid]) for pid in patches if isinstance(catalog.get(pid), dict))


def offered(entry, magento, edition):
    """(True, '') when the patch is offered for this Magento release and edition, else (False, why)."""
    constraint = entry.get("magento")
    if magento is None:
        return False, "no Magento version is known"
    if constraint and not matches(magento, constraint):
        return False, "needs Magento %s" % constraint
    editions = entry.get("editions") or []
    if editions and edition not in editions:
        return False, "is for %s editions only" % "/".join(editions)
    return True, ""


# --------------------------------------------------------------------------- the QPT release


def same_release(a, b):
    return version_key(a) == version_key(b)


def is_known_bad(version, bad):
    """The exact release is listed (1.1.56-p1 is not 1.1.56: a patch release is a different one)."""
    return bool(version) and any(same_release(version, b) for b in (bad or []))


def qpt_satisfies(version, minimum, bad):
    """An installed or locked QPT offers what the catalog needs: at least `minimum`, not a known-bad release."""
    if not version:
        return False
    if minimum and version_key(version) < version_key(minimum):
        return False
    return not is_known_bad(version, bad)


def qpt_requirement(entries):
    """(composer constraint, minimum, known-bad list) that satisfies every entry: the highest minimum,
    minus every known-bad release."""
    entries = list(entries)
    minimum = newest(str(e["qpt_min"]) for e in entries if e.get("qpt_min"))
    bad = sorted(set(str(b) for e in entries for b in (e.get("qpt_known_bad") or [])), key=version_key)
    constraint = " ".join(["^%s" % minimum if minimum else "*"] + ["!=%s" % b for b in bad])
    return constraint, minimum, bad
