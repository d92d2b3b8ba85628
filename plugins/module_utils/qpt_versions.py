# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Versions and Composer constraints: the one home of how qpt-apply orders and matches versions.

Used on the controller (the decision filter, the CLI's input checks) and on hosts (modules), so it
sticks to the standard library and Python 3.6 syntax.

Ordering follows Composer: 2.4.6-beta1 < 2.4.6 < 2.4.6-p1 < 2.4.6-p10 < 2.4.7-dev < 2.4.7.
Constraints take what a patch catalog or composer.json may say: ``*``, ``2.4.6``, ``>=2.4.4 <2.4.7``,
``>=2.4.4,<2.4.7``, ``2.4.4 - 2.4.6``, ``~2.4.6``, ``^2.4``, ``2.4.6.*``, ``2.4.x``, ``!=1.1.56``, OR
groups with ``||`` (or ``|``), and stability suffixes (``2.4.7-beta1``, ``2.4.6-p3``, ``@stable``
flags are refused). Anything else raises VersionError with a message that names the text.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Composer's stability order; "patch" (2.4.6-p3) sorts after the release it patches.
_STABILITY = {"dev": 0, "alpha": 1, "a": 1, "beta": 2, "b": 2, "rc": 3, "stable": 4, "patch": 5, "pl": 5, "p": 5}
_VERSION = re.compile(
    r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?"
    r"(?:[-.]?(dev|alpha|a|beta|b|rc|stable|patch|pl|p)[-.]?(\d+)?)?$",
    re.IGNORECASE,
)
_OPERATORS = (">=", "<=", "!=", "==", "<>", ">", "<", "=", "^", "~")
_HYPHEN_RANGE = re.compile(r"^(\S+)\s+-\s+(\S+)$")


class VersionError(ValueError):
    """Text that is not a version or a constraint this module understands."""


def version_key(text):
    """Sortable key of a version: '2.4.6-p3' -> ((2, 4, 6, 0), 5, 3). Raises VersionError."""
    match = _VERSION.match(str(text).strip())
    if not match:
        raise VersionError("not a version: %r" % (text,))
    numbers = tuple(int(part or 0) for part in match.group(1, 2, 3, 4))
    stability = _STABILITY[(match.group(5) or "stable").lower()]
    return numbers, stability, int(match.group(6) or 0)


def is_version(text):
    try:
        version_key(text)
    except VersionError:
        return False
    return True


def newest(versions):
    """The highest of the given versions (None for none)."""
    versions = [v for v in versions if v]
    return max(versions, key=version_key) if versions else None


def _has_stability(text):
    return bool(re.search(r"[a-z]", str(text).lstrip("vV"), re.IGNORECASE))


def _lowest(numbers):
    """The lowest version with these numbers (what Composer's `<2.4.7` excludes: 2.4.7-dev and up)."""
    return numbers, _STABILITY["dev"], 0


def _bump(numbers, position):
    bumped = list(numbers[:position + 1]) + [0] * (3 - position)
    bumped[position] += 1
    return tuple(bumped)


def _significant(text):
    """How many numeric parts the text names: '2.4' -> 2, '2.4.6-p3' -> 3."""
    return len([p for p in re.split(r"[-+]", str(text).lstrip("vV"))[0].split(".") if p != ""])


def _term(term):
    """A predicate over version keys for one constraint term."""
    if term in ("*", "x", "X"):
        return lambda key: True
    if "@" in term:
        raise VersionError("stability flags such as %r are not supported in a constraint" % (term,))
    for op in _OPERATORS:
        if term.startswith(op):
            target = term[len(op):].strip()
            break
    else:
        op, target = "=", term
    if not target:
        raise VersionError("constraint term %r has no version" % (term,))
    if target.endswith((".*", ".x", ".X")):
        if op != "=":
            raise VersionError("wildcard %r cannot follow an operator" % (term,))
        stem = target[:-2]
        base = version_key(stem)[0]
        low, high = _lowest(base), _lowest(_bump(base, _significant(stem) - 1))
        return lambda key: low <= key < high
    version = version_key(target)
    # Without a stability suffix Composer widens a bound to the -dev of that number:
    # `>=2.4.6` admits 2.4.6-beta1, `<2.4.7` refuses 2.4.7-beta1.
    low = version if _has_stability(target) else _lowest(version[0])
    if op == ">=":
        return lambda key: key >= low
    if op == ">":
        return lambda key: key > version
    if op == "<":
        return lambda key: key < low
    if op == "<=":
        return lambda key: key <= version
    if op in ("=", "=="):
        return lambda key: key == version
    if op in ("!=", "<>"):
        return lambda key: key != version
    numbers, places = version[0], _significant(target)
    if op == "^":  # ^1.1.54 -> <2.0 ; ^0.3 -> <0.4
        first = next((i for i, n in enumerate(numbers[:3]) if n), min(places, 3) - 1)
        high = _lowest(_bump(numbers, first))
    else:  # ~1.2.3 -> <1.3 ; ~1.2 -> <2.0
        high = _lowest(_bump(numbers, max(places - 2, 0)))
    return lambda key: low <= key < high


def _alternatives(constraint):
    """[[predicate, ...], ...]: OR groups of AND-ed terms. Raises VersionError."""
    text = str(constraint if constraint is not None else "").strip()
    if not text:
        return [[]]  # no constraint: any version
    groups = []
    for alternative in re.split(r"\s*\|\|?\s*", text):
        alternative = alternative.strip()
        if not alternative:
            raise VersionError("empty alternative in constraint %r" % (text,))
        hyphen = _HYPHEN_RANGE.match(alternative)
        if hyphen:
            # `2.4.4 - 2.4.6` is >=2.4.4 and <=2.4.6 (a partial upper bound covers its whole range).
            upper = hyphen.group(2)
            top = "<" + ".".join(str(n) for n in _bump(version_key(upper)[0], _significant(upper) - 1)[:3]) \
                if _significant(upper) < 3 else "<=" + upper
            groups.append([_term(">=" + hyphen.group(1)), _term(top)])
            continue
        alternative = re.sub(r"(>=|<=|!=|==|<>|>|<|=|\^|~)\s+", r"\1", alternative)
        groups.append([_term(t) for t in re.split(r"[\s,]+", alternative) if t])
    return groups


def check_constraint(constraint):
    """Raise VersionError when the constraint cannot be read; return it unchanged otherwise."""
    _alternatives(constraint)
    return constraint


def matches(version, constraint):
    """Whether `version` satisfies the Composer `constraint`. An unknown version (None) matches nothing."""
    groups = _alternatives(constraint)
    if version is None:
        return False
    key = version_key(version)
    return any(all(term(key) for term in group) for group in groups)
