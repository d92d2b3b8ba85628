# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""The patch catalog and the rollout inputs: the one home of their rules.

- what a patch ID looks like, and a batch size, and the failure cap;
- what a catalog entry may hold (playbooks/vars/patch_catalog.yml documents the keys);
- whether a patch is offered for a given Magento release and edition;
- which magento/quality-patches (QPT) release offers the patches, and whether one installed does
  (a known-bad release may be scoped to editions and a Magento range: it is bad for those hosts only);
- each host's declared patch set (its qpt_patches), and which hosts cannot be in an on-prem run.

The playbooks (filters), the modules (cloud lock) and the qpt-apply CLI all import these functions, so
a catalog entry or a patch ID gets the same answer everywhere. Standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_statuses import ABSENT
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_versions import (
    VersionError, check_constraint, matches, newest, version_key)

PATCH_ID = re.compile(r"^[A-Z][A-Z0-9]*-[0-9]+(-V[0-9]+)?$")
PATCH_ID_EXAMPLE = "ACSD-61103 or MDVA-30265-V2"
SERIAL_ITEM = re.compile(r"^([1-9][0-9]*|([1-9][0-9]?|100)%)$")
EDITIONS = ("community", "enterprise", "b2b")
ENTRY_KEYS = ("title", "magento", "editions", "qpt_min", "qpt_known_bad", "needs_di_compile", "fingerprints")
FINGERPRINT_KEYS = ("path", "contains", "count", "exists")
KNOWN_BAD_KEYS = ("version", "editions", "magento")


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
        # The plain type's name: Ansible hands over its own subclasses of str, dict ...
        kind = next((t.__name__ for t in (bool, str, int, float, dict, tuple, set) if isinstance(patches, t)),
                    type(patches).__name__)
        return ["%s must be a list of patch IDs, e.g. ['ACSD-61103'], not %s %r" % (where, kind, str(patches) if kind == "str" else patches)]
    if not patches:
        return ["%s is empty: name at least one patch ID" % where]
    return [p for p in (patch_id_problem(pid, where) for pid in patches) if p]


def host_patch_problems(declared, where="qpt_patches", cloud_hosts=(), cloud_group="magento_cloud"):
    """Problems of every host's declared patch set, one line per problem naming the hosts that have it.

    `declared` maps each host of the run to the value of its `qpt_patches` (None: it declares none, the
    default set applies); `cloud_hosts` are hosts of the run that are also Adobe Commerce Cloud
    environments (group `cloud_group`): those are patched through git (cloud.yml), never in place.
    """
    found = {}
    for host in declared:
        value = declared[host]
        if value is None:
            continue
        for problem in patch_list_problems(value, where):
            found.setdefault(problem, []).append(str(host))
    lines = ["%s: %s" % (", ".join(hosts), problem) for problem, hosts in found.items()]
    if cloud_hosts:
        lines.append("%s: in group %s (an Adobe Commerce Cloud environment, patched through git with cloud.yml) and "
                     "in the on-prem fleet too: take it out of one of them" % (", ".join(sorted(cloud_hosts)), cloud_group))
    return lines


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


def desired_sets(declared, default):
    """{host: the patch IDs it is to have}: its own qpt_patches, else `default` (no duplicates, order kept)."""
    return dict((host, list(dict.fromkeys(default if value is None else value))) for host, value in declared.items())


def fleet_input_problems(declared, default, serial, max_failed, catalog=None, cloud_hosts=()):
    """input_problems for a run whose hosts each declare their own set: `declared` maps every host of the
    run to its qpt_patches (None: not declared, `default` applies; extra vars reach every host's value)."""
    problems = host_patch_problems(declared, cloud_hosts=cloud_hosts)
    if any(value is None for value in declared.values()) or not declared:
        problems += patch_list_problems(default, "qpt_default_patches")
    problems += serial_problems(serial) + max_failed_problems(max_failed)
    if problems:
        return problems
    requested = list(dict.fromkeys(pid for ids in desired_sets(declared, default).values() for pid in ids))
    return ["patch catalog entry %s: %s" % (pid, problem) for pid, problem in catalog_problems(catalog, requested)]


def unknown_patch_problems(desired, statuses, catalog=None, where="qpt_patches"):
    """IDs nobody knows, found once the hosts were read: not in the catalog, and without a status row on every
    host that wants it and whose QPT status was read (a typo QPT cannot tell from a patch of another release).
    An ID offered on one host is real: the others skip it as not offered.

    desired: {host: IDs}; statuses: {host: {ID: QPT status or "absent"}} of the hosts whose status was read."""
    catalog = catalog or {}
    problems = []
    for pid in dict.fromkeys(pid for ids in desired.values() for pid in ids):
        hosts = [host for host in desired if pid in desired[host] and host in statuses]
        if pid not in catalog and hosts and all(statuses[host].get(pid, ABSENT) == ABSENT for host in hosts):
            problems.append("%s: %s names %s, which the installed QPT does not offer there and the patch catalog "
                            "does not know (a typo? a patch of another Magento release belongs in the catalog with "
                            "its magento constraint)" % (", ".join(hosts), where, pid))
    return problems


# --------------------------------------------------------------------------- catalog entries


def entry_problems(entry):
    """Problems of one catalog entry (empty list = fine)."""
    if not isinstance(entry, dict):
        return ["must be a mapping"]
    problems = ["unknown key %r (known: %s)" % (key, ", ".join(ENTRY_KEYS)) for key in entry if key not in ENTRY_KEYS]
    bad = entry.get("qpt_known_bad") or []
    if not isinstance(bad, list):
        problems.append("qpt_known_bad must be a list of versions or {version, editions, magento} mappings")
        bad = []
    try:
        if entry.get("magento") is not None:
            check_constraint(entry["magento"])
        if entry.get("qpt_min") is not None:
            version_key(entry["qpt_min"])
    except VersionError as exc:
        problems.append(str(exc))
    for item in bad:
        problems += ["qpt_known_bad: %s" % problem for problem in known_bad_problems(item)]
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


def known_bad_problems(item):
    """Problems of one qpt_known_bad item: a version, or {version, editions, magento} (empty list = fine)."""
    if isinstance(item, dict):
        problems = ["unknown key %r (known: %s)" % (key, ", ".join(KNOWN_BAD_KEYS)) for key in item if key not in KNOWN_BAD_KEYS]
        if item.get("version") is None:
            return problems + ["%r has no version" % (item,)]
        editions = item.get("editions")
        if editions is not None and (not isinstance(editions, list) or not editions or any(e not in EDITIONS for e in editions)):
            problems.append("editions of %s must be a list of %s, not %r" % (item.get("version"), " | ".join(EDITIONS), editions))
        version, constraint = item.get("version"), item.get("magento")
    elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
        problems, version, constraint = [], item, None
    else:
        return ["%r is neither a version nor a {version, editions, magento} mapping" % (item,)]
    try:
        version_key(str(version))
        if constraint is not None:
            check_constraint(constraint)
    except VersionError as exc:
        problems.append(str(exc))
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


def known_bad_for(bad, magento=None, edition=None):
    """The qpt_known_bad releases that are bad on a host of this Magento release and edition, as strings.

    An item is a version (bad everywhere) or {version, editions, magento}: bad only on those editions and
    within that magento/magento2-base constraint. A host whose version or edition is not known gets every
    scoped item that could concern it (the safe side: a release is avoided rather than risked)."""
    found = []
    for item in bad or []:
        if not isinstance(item, dict):
            found.append(str(item))
            continue
        editions, constraint = item.get("editions"), item.get("magento")
        if editions and edition is not None and edition not in editions:
            continue
        if constraint and magento is not None and not matches(magento, constraint):
            continue
        found.append(str(item["version"]))
    return sorted(set(found), key=version_key)


def is_known_bad(version, bad, magento=None, edition=None):
    """The exact release is listed for this host (1.1.56-p1 is not 1.1.56: a patch release is a different one)."""
    return bool(version) and any(same_release(version, b) for b in known_bad_for(bad, magento, edition))


def qpt_satisfies(version, minimum, bad, magento=None, edition=None):
    """An installed or locked QPT offers what the catalog needs: at least `minimum`, not a known-bad release
    for this host."""
    if not version:
        return False
    if minimum and version_key(version) < version_key(minimum):
        return False
    return not is_known_bad(version, bad, magento, edition)


def qpt_requirement(entries, magento=None, edition=None, also_bad=()):
    """(composer constraint, minimum, known-bad list) that satisfies every entry on this host: the highest
    minimum, minus every release known bad there, and minus `also_bad` (e.g. the installed release, seen
    failing on this host)."""
    entries = list(entries)
    minimum = newest(str(e["qpt_min"]) for e in entries if e.get("qpt_min"))
    bad = known_bad_for([b for e in entries for b in (e.get("qpt_known_bad") or [])] + list(also_bad), magento, edition)
    constraint = " ".join(["^%s" % minimum if minimum else "*"] + ["!=%s" % b for b in bad])
    return constraint, minimum, bad
