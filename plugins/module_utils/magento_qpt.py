# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Reading a Magento 2 host: composer metadata, app/etc/env.php, QPT output, patch fingerprints.

This is the only code of qpt-apply that parses what Magento, Composer and the Quality Patches Tool
(QPT) write or print. The modules (magento_facts, qpt_patch, qpt_package) import it; nothing else
re-parses tool output. Runs on the target with the standard library only (Python >= 3.6).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import hashlib
import json
import os
import re
import shutil

from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_statuses import ABSENT

QPT_PACKAGE = "magento/quality-patches"
QPT_BIN = "vendor/bin/magento-patches"
QPT_PATCHES_DIR = "vendor/magento/quality-patches/patches"  # os/*.patch, commerce/*.patch
MAGENTO_BASE = "magento/magento2-base"
# Where the Magento version is read, first found wins: a cloud project's lock may lack the base package.
MAGENTO_PACKAGES = (
    MAGENTO_BASE,
    "magento/product-enterprise-edition",
    "magento/product-community-edition",
    "magento/magento-cloud-metapackage",
)
EDITION_PACKAGES = (
    # First match wins: a B2B install also carries the Commerce (ee) base package.
    ("magento/magento2-b2b-base", "b2b"),
    ("magento/magento2-ee-base", "enterprise"),
    ("magento/product-enterprise-edition", "enterprise"),
)
ECE_TOOLS_PACKAGE = "magento/ece-tools"
CLOUD_PACKAGES = ("magento/ece-tools", "magento/magento-cloud-metapackage")
STATUSES = ("Applied", "Not applied", "N/A")

# QPT messages (stdout for handled errors, stderr for Symfony/uncaught ones), see QPT.md section 4.
_NO_TOOLS = "GIT or PATCH is required to perform this operation."
_BROKEN = ("In OptionalPool.php", "Configuration error")
_NOT_FOUND = "weren't found"
_DEPENDENCY = re.compile(r"is a dependency for (\S+?)\.? Please, revert")
_CONFLICT = (
    re.compile(r"can't be applied"),
    re.compile(r"^Applying patch .* failed\.", re.M),
    re.compile(r"^Reverting patch .* failed\.", re.M),
    re.compile(r"finished with errors"),
)
# Symfony Console's error block: "In File.php line 76:", then the message boxed in indented lines.
_CONSOLE_ERROR = re.compile(r"^In \S+ line \d+:\s*\n((?:[ \t]*\n)*(?:[ \t]+\S.*\n?)+)", re.M)
# Magento's Filesystem driver when a directory it empties gains an entry meanwhile (a request or cron
# job generating a class into generated/code or writing var/cache while setup:di:compile deletes them):
# transient, the same command succeeds again. Matched without whitespace: Symfony wraps the boxed
# message at the terminal width, mid-word too.
_WRITTEN_MEANWHILE = ("cannotbedeleted", "Directorynotempty")
_MAGE_MODE = re.compile(r"""['"]MAGE_MODE['"]\s*=>\s*['"]([A-Za-z]+)['"]""")
_COMPOSER_OP = re.compile(
    r"^\s*-\s+(Installing|Upgrading|Downgrading|Removing|Updating)\s+(\S+)\s+\(([^)]*)\)", re.M)


# --------------------------------------------------------------------------- composer metadata


def _packages_of(document):
    """Composer 2 installed.json is {"packages": [...]}, Composer 1 a bare list; composer.lock has both keys."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        return list(document.get("packages") or []) + list(document.get("packages-dev") or [])
    return []


def read_json(path):
    with open(path, "rb") as handle:
        return json.loads(handle.read().decode("utf-8"))


def packages_in(document):
    """{package name: pretty version} of a parsed installed.json or composer.lock."""
    versions = {}
    for package in _packages_of(document):
        if isinstance(package, dict) and package.get("name"):
            versions[package["name"].lower()] = str(package.get("version") or "").lstrip("v") or None
    return versions


def package_versions(path):
    """{package name: pretty version} from vendor/composer/installed.json or composer.lock; {} if absent."""
    return packages_in(read_json(path)) if os.path.isfile(path) else {}


def installed_packages(root):
    return package_versions(os.path.join(root, "vendor", "composer", "installed.json"))


def locked_packages(root):
    return package_versions(os.path.join(root, "composer.lock"))


def magento_package(packages):
    """The package the Magento version is read from, or None."""
    return next((name for name in MAGENTO_PACKAGES if packages.get(name)), None)


def magento_release(packages):
    """(version, edition) of the installed (or locked) Magento, or (None, None)."""
    name = magento_package(packages)
    if not name:
        return None, None
    version = packages[name]
    edition = "community"
    for name, label in EDITION_PACKAGES:
        if name in packages:
            edition = label
            break
    return version, edition


def deploy_mode(root):
    """MAGE_MODE from app/etc/env.php; Magento's own default when unset."""
    path = os.path.join(root, "app", "etc", "env.php")
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
    except (IOError, OSError):
        return "default"
    match = _MAGE_MODE.search(text)
    return match.group(1).lower() if match else "default"


def is_cloud(root, packages):
    return any(name in packages for name in CLOUD_PACKAGES) or os.path.isfile(os.path.join(root, ".magento.app.yaml"))


def composer_operations(text):
    """[(operation, package, detail)] from composer's `- Upgrading a/b (1 => 2)` lines."""
    return [(m.group(1).lower(), m.group(2).lower(), m.group(3)) for m in _COMPOSER_OP.finditer(text or "")]


def upgraded_to(text, package):
    """The version composer says it installs/upgrades `package` to, or None."""
    for operation, name, detail in composer_operations(text):
        if name == package and operation in ("installing", "upgrading", "downgrading", "updating"):
            return detail.split("=>")[-1].strip().split(" ")[0].lstrip("v") or None
    return None


_COMPOSER_NOISE = re.compile(r"^(In [^ ]+ line [0-9]+:|update \[|require \[|Loading composer|Updating dependencies|"
                             r"Running composer update|Info from https?://|\./composer\.json has been)")


def composer_problem(text, lines=4):
    """What a failed composer run said, in one line: its first meaningful error lines, without the
    Symfony location headers and the progress chatter."""
    kept = [line.strip() for line in (text or "").splitlines()
            if line.strip() and not _COMPOSER_NOISE.match(line.strip())]
    return " ".join(kept[:lines])


# --------------------------------------------------------------------------- QPT output


def parse_status_json(stdout):
    """{Id: Status} from `magento-patches status --format=json`.

    PHP may print notices before the JSON document; the document is the first line that opens the
    array. Never reads Title (hard-wrapped).
    """
    text = stdout or ""
    start = None
    if text.lstrip().startswith("["):
        start = text.index("[")
    else:
        match = re.search(r"^\[", text, re.M)
        start = match.start() if match else None
    if start is None:
        raise ValueError("no JSON array in QPT status output")
    end = text.rfind("]")
    rows = json.loads(text[start:end + 1])
    if not isinstance(rows, list):
        raise ValueError("QPT status JSON is not a list")
    statuses = {}
    for row in rows:
        if isinstance(row, dict) and "Id" in row:
            statuses[str(row["Id"])] = str(row.get("Status", ""))
    return statuses


def classify_failure(stdout, stderr):
    """Machine-readable reason code for a failed QPT command."""
    text = "%s\n%s" % (stdout or "", stderr or "")
    if _NO_TOOLS in text:
        return "no-git-or-patch"
    if any(marker in (stderr or "") for marker in _BROKEN) or "Configuration error" in text:
        return "broken-qpt"
    if _DEPENDENCY.search(text):
        return "dependency-applied"
    if any(pattern.search(text) for pattern in _CONFLICT):
        return "conflict"
    if _NOT_FOUND in text:
        return "not-offered"
    return "qpt-error"


def dependants(stdout):
    """IDs QPT says must be reverted first."""
    return [m.group(1) for m in _DEPENDENCY.finditer(stdout or "")]


def output_text(stdout, stderr, limit=8000):
    """QPT's own words for a report: stdout then stderr, trimmed at the end."""
    parts = [p.strip("\n") for p in (stdout or "", stderr or "") if p and p.strip()]
    text = "\n".join(parts)
    return text if len(text) <= limit else text[:limit] + "\n[... truncated]"


class QptRunner:
    """Runs `<php> vendor/bin/magento-patches ... -n` in the Magento root through AnsibleModule."""

    def __init__(self, module, root, php, qpt_bin=QPT_BIN):
        self.module = module
        self.root = root
        self.php = php
        self.qpt_bin = qpt_bin
        self.commands = []

    @property
    def installed(self):
        return os.path.isfile(os.path.join(self.root, self.qpt_bin))

    @property
    def php_found(self):
        return bool(shutil.which(self.php))

    def run(self, *args):
        if not self.php_found:
            return 127, "", "PHP binary %s not found (check magento_php)" % self.php
        argv = [self.php, self.qpt_bin] + list(args) + ["-n"]
        self.commands.append(" ".join(argv))
        rc, out, err = self.module.run_command(
            argv, cwd=self.root, environ_update={"LANG": "C", "LC_ALL": "C", "COLUMNS": "200"})
        return rc, out, err

    def status(self):
        """dict(ok, patches, reason, message, output); never raises on tool failure."""
        if not self.installed:
            return {"ok": False, "patches": {}, "reason": "qpt-missing",
                    "message": "%s is not installed (no %s)" % (QPT_PACKAGE, self.qpt_bin), "output": ""}
        if not self.php_found:
            return {"ok": False, "patches": {}, "reason": "php-missing",
                    "message": "PHP binary %s not found (check magento_php)" % self.php, "output": ""}
        rc, out, err = self.run("status", "--format=json")
        if rc == 0:
            try:
                return {"ok": True, "patches": parse_status_json(out), "reason": None, "message": "", "output": ""}
            except ValueError as exc:
                return {"ok": False, "patches": {}, "reason": "qpt-error",
                        "message": "unreadable QPT status output: %s" % exc, "output": output_text(out, err)}
        reason = classify_failure(out, err)
        return {"ok": False, "patches": {}, "reason": reason, "message": first_line(out, err),
                "output": output_text(out, err)}


def console_error(stdout, stderr):
    """The message of the last Symfony Console error block (bin/magento, QPT) on one line; "" if none."""
    blocks = _CONSOLE_ERROR.findall("%s\n%s" % (stderr or "", stdout or ""))
    return " ".join(" ".join(line.split()) for line in blocks[-1].splitlines() if line.strip()) if blocks else ""


def written_meanwhile(stdout, stderr):
    """Did a Magento command fail only because something wrote into a directory it was deleting?

    The command's own errors come boxed; what bin/magento does before the command (emptying generated/
    for setup:di:compile) fails with the message alone, as the only line printed.
    """
    lines = [line for line in ("%s\n%s" % (stdout or "", stderr or "")).splitlines() if line.strip()]
    message = "".join((console_error(stdout, stderr) or (lines[0] if len(lines) == 1 else "")).split())
    return all(marker in message for marker in _WRITTEN_MEANWHILE)


def first_line(stdout, stderr):
    for text in (stderr, stdout):
        for line in (text or "").splitlines():
            line = line.strip()
            if line:
                return line
    return ""


def status_of(patches, statuses):
    """{ID: Applied | Not applied | N/A | absent} for the requested IDs."""
    return dict((pid, statuses.get(pid, ABSENT)) for pid in patches)


# The qpt_patch module's options, also validated by its action plugin for a check-mode answer.
PATCH_ARGUMENT_SPEC = dict(
    root=dict(type="path", required=True),
    php=dict(type="str", default="php"),
    patches=dict(type="list", elements="str", required=True),
    state=dict(type="str", choices=["applied", "reverted"], default="applied"),
    known_status=dict(type="dict", default={}),
    run_id=dict(type="str", default=""),
)
PATCH_VERB = {"applied": "apply", "reverted": "revert"}
PATCH_DONE = {"applied": "Applied", "reverted": "Not applied"}


def patch_work(patches, state, before):
    """What bringing the patches to state ("applied" | "reverted") means, from their QPT status before:
    {todo, conflicts (N/A), failure: (code, message) or None}."""
    wanted = PATCH_DONE[state]
    # Not offered means QPT cannot have applied it: nothing to revert.
    absent = [] if state == "reverted" else [pid for pid in patches if before[pid] == ABSENT]
    work = dict(todo=[pid for pid in patches if before[pid] not in (wanted, ABSENT, "N/A")],
                conflicts=[pid for pid in patches if before[pid] == "N/A"], failure=None)
    if absent:
        work["failure"] = ("not-offered", "%s not offered by the installed QPT for this Magento version "
                                          "(no status row)" % ", ".join(absent))
    return work


def patch_result(before=None, commands=None):
    """The qpt_patch module's result before it changed anything: every key it returns, none set yet.

    commands is kept as given (the runner's own list), so the commands run later are in it too."""
    before = dict(before or {})
    return dict(changed=False, status_before=before, status_after=dict(before), ids_changed=[],
                reason=dict(code=None, message=""), output="", commands=[] if commands is None else commands)


def patch_failed(result, code, message, output=""):
    """The result as a failure: msg and reason say why, output keeps QPT's own words."""
    result.update(failed=True, msg=message, reason=dict(code=code, message=message), output=output)
    return result


def patch_preview(patches, state, before):
    """The qpt_patch module's check-mode result from a known status: the changes it would make, or why it
    would fail (failed, msg and reason set)."""
    work = patch_work(patches, state, before)
    result = patch_result(before)
    failure = work["failure"]
    if failure is None and work["conflicts"]:
        failure = ("conflict", "%s: status N/A (the patch neither applies nor reverts cleanly: local edits, "
                               "a conflicting patch, or missing files); %s would fail"
                   % (", ".join(work["conflicts"]), PATCH_VERB[state]))
    if failure:
        return patch_failed(result, *failure)
    result["status_after"].update((pid, PATCH_DONE[state]) for pid in work["todo"])
    result.update(changed=bool(work["todo"]), ids_changed=list(work["todo"]))
    return result


# --------------------------------------------------------------------------- fingerprints


def safe_join(root, relative):
    """root/relative, refusing absolute paths and any escape from the root."""
    if not relative or os.path.isabs(relative):
        raise ValueError("fingerprint path must be relative to the Magento root: %r" % (relative,))
    joined = os.path.normpath(os.path.join(root, relative))
    if joined != root and not joined.startswith(root.rstrip(os.sep) + os.sep):
        raise ValueError("fingerprint path leaves the Magento root: %r" % (relative,))
    return joined


def check_fingerprint(root, spec):
    """One fingerprint: does the file show the patched state? -> dict(path, ok, detail)."""
    path = safe_join(root, spec.get("path"))
    exists = os.path.isfile(path)
    if "contains" not in spec:
        want = bool(spec.get("exists", True))
        return {"path": spec["path"], "ok": exists == want,
                "detail": "exists" if exists else "missing"}
    if not exists:
        return {"path": spec["path"], "ok": False, "detail": "missing"}
    with open(path, "rb") as handle:
        text = handle.read().decode("utf-8", "replace")
    found = text.count(spec["contains"])
    if spec.get("count") is not None:
        ok = found == int(spec["count"])
    else:
        ok = found > 0
    return {"path": spec["path"], "ok": ok, "detail": "%d occurrence(s) of %r" % (found, spec["contains"])}


def fingerprint_state(root, specs):
    """present (all checks show the patch) | absent (none do) | partial | n/a (no fingerprints)."""
    if not specs:
        return {"state": "n/a", "checks": []}
    checks = [check_fingerprint(root, spec) for spec in specs]
    hits = sum(1 for c in checks if c["ok"])
    state = "present" if hits == len(checks) else "absent" if hits == 0 else "partial"
    return {"state": state, "checks": checks}


# --------------------------------------------------------------------------- has the host changed since a read?

_PATCH_TARGET = re.compile(r"^diff --git a/\S+ b/(\S+)$", re.M)
# What decides QPT's status of a patch besides its target files: which QPT and which packages are installed.
_STATUS_INPUTS = ("vendor/composer/installed.json", "composer.lock")


def patch_targets(root, patch_id):
    """Files the QPT patch files of one ID change, relative to the root: those of every Magento release QPT
    ships one for (a superset of what the host's applies). None when the installed QPT ships no file for it."""
    pattern = os.path.join(root, QPT_PATCHES_DIR, "*", glob.escape(patch_id) + "_*.patch")
    files = sorted(glob.glob(pattern))
    if not files:
        return None
    targets = set()
    for path in files:
        with open(path, "rb") as handle:
            targets.update(_PATCH_TARGET.findall(handle.read().decode("utf-8", "replace")))
    return sorted(targets)


def _stat_line(root, relative):
    try:
        info = os.stat(safe_join(root, relative))
    except (OSError, ValueError):  # gone, or a path outside the root
        return "%s missing" % relative
    return "%s %d %d %d" % (relative, info.st_ino, info.st_size, info.st_mtime_ns)


def read_token(root, patches):
    """A cheap digest of everything QPT's status of `patches` depends on: the installed packages (composer's
    metadata, QPT itself among them) and the files the patches change (inode, size, mtime). An equal token
    later means QPT would report the same; None when that cannot be told (QPT ships no file for a patch)."""
    lines = ["patches %s" % " ".join(sorted(set(patches)))]
    lines += [_stat_line(root, relative) for relative in _STATUS_INPUTS]
    for patch_id in sorted(set(patches)):
        targets = patch_targets(root, patch_id)
        if targets is None:
            return None
        lines += [_stat_line(root, relative) for relative in targets]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- package backups


BACKUP_FILES = ("composer.json", "composer.lock")
RESTORED_SUFFIX = ".restored"


def list_backups(root, backup_dir):
    """Unused backups, oldest first: [{dir, created, qpt_version}]."""
    base = safe_join(root, backup_dir)
    if not os.path.isdir(base):
        return []
    backups = []
    for name in sorted(os.listdir(base)):
        path = os.path.join(base, name)
        if name.endswith(RESTORED_SUFFIX) or not os.path.isdir(path):
            continue
        if not os.path.isfile(os.path.join(path, "composer.lock")):
            continue
        backups.append({"dir": os.path.join(backup_dir, name), "created": name,
                        "qpt_version": package_versions(os.path.join(path, "composer.lock")).get(QPT_PACKAGE)})
    return backups
