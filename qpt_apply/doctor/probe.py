"""What doctor looks for on a host: the one shell script it runs there, and what the script's answers mean."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .targets import Target

CHECKS = ("magento_root", "php", "composer", "git_or_patch", "python3", "var_writable")
_MARK = "qpt-doctor:"  # prefix of the probe's own output lines; anything else (motd, .bashrc noise) is ignored


_PROBE = r"""
root=@ROOT@
php=@PHP@
python=@PYTHON@
say() { printf '@MARK@%s\t%s\n' "$1" "$(printf '%s' "$2" | tr '\t\r\n' '  \034' | cut -c1-600)"; }
made=
trap '[ -z "$made" ] || rm -f "$made"' EXIT
trap '[ -z "$made" ] || rm -f "$made"; exit 129' HUP INT TERM
say user "$(id -un 2>/dev/null)"
case $root in "~/"*) root="$HOME/${root#\~/}" ;; esac
if [ -n "$root" ]; then
  if [ -d "$root" ]; then say root dir; elif [ -e "$root" ]; then say root notdir; else say root missing; fi
  if [ -d "$root/vendor" ]; then say vendor yes; else say vendor no; fi
  if [ -f "$root/app/etc/env.php" ]; then say env_php yes; else say env_php no; fi
  if [ -d "$root/var" ]; then
    if made=$(mktemp "$root/var/.qpt-doctor.XXXXXX" 2>/dev/null); then
      rm -f "$made" && made= && say var writable
    else
      say var readonly
    fi
  elif [ -d "$root" ]; then say var missing; fi
fi
if where=$(command -v "$php" 2>/dev/null); then
  say php_path "$where"
  out=$("$php" -r 'echo PHP_VERSION, PHP_EOL;' </dev/null 2>&1); say php_rc $?; say php_out "$out"
fi
for tool in composer git patch; do
  if where=$(command -v $tool 2>/dev/null); then
    say ${tool}_path "$where"
    out=$($tool --version </dev/null 2>&1); say ${tool}_rc $?; say ${tool}_out "$out"
  fi
done
if [ -z "$python" ]; then python=python3; command -v python3 >/dev/null 2>&1 || python=/usr/bin/python3; fi
if where=$(command -v "$python" 2>/dev/null); then
  say python_path "$where"
  out=$("$python" -c 'import sys; print(sys.version.split()[0])' </dev/null 2>&1); say python_rc $?; say python_out "$out"
fi
say done yes
"""


def probe_script(target: Target) -> str:
    """The shell script run once per host (POSIX sh, fed on stdin so nothing is written to run it)."""
    return (_PROBE.replace("@ROOT@", shlex.quote(target.magento_root or ""))
            .replace("@PHP@", shlex.quote(target.magento_php))
            .replace("@PYTHON@", shlex.quote(target.python or ""))
            .replace("@MARK@", _MARK))


def parse_probe(output: str) -> dict[str, str]:
    """The probe's own answers, whatever else the login shell printed around them."""
    facts = {}
    for line in output.splitlines():
        if line.startswith(_MARK) and "\t" in line:
            key, _, value = line[len(_MARK):].partition("\t")
            facts[key] = value.replace("\x1c", "\n").strip()
    return facts


def probe_noise(output: str) -> str:
    """The first line the host printed that is not the probe's (a shell refusing commands, a motd), to quote."""
    return _first_line("\n".join(line for line in output.splitlines() if not line.startswith(_MARK)))


@dataclass
class Check:
    """One readiness check on a host, with the detail shown beside it."""

    ok: bool | None = None           # None: not checked (host not reached)
    detail: str = "not checked"

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail}


def _first_line(text: str, containing: str = "") -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    wanted = [line for line in lines if containing.lower() in line.lower()] if containing else lines
    return (wanted or lines or [""])[0][:200]


def _tool_check(facts: dict[str, str], tool: str, problems: list[str], *, missing: str, missing_problem: str,
                broken_problem: Callable[[str, str], str], works: Callable[[str], str]) -> Check:
    """A tool the probe ran (its `<tool>_path`, `_rc`, `_out`): not found, found but failing, or working.

    php, composer and python are judged alike and told apart only by their words, which the caller gives;
    `broken_problem` gets the tool's path and first line of output, `works` its output.
    """
    path, out = facts.get(f"{tool}_path"), facts.get(f"{tool}_out", "")
    if not path:
        problems.append(missing_problem)
        return Check(False, missing)
    if facts.get(f"{tool}_rc") != "0":
        first = _first_line(out)
        problems.append(broken_problem(path, first))
        return Check(False, f"{path} fails: {first}")
    return Check(True, f"{works(out)} ({path})")


def interpret(target: Target, facts: dict[str, str]) -> tuple[dict[str, Check], list[str], list[str]]:
    """Probe facts → per-check results, problems (one line each) and notes."""
    checks = {name: Check() for name in CHECKS}
    problems: list[str] = []
    notes: list[str] = []
    user = facts.get("user") or target.user
    root = target.magento_root

    if not root:
        checks["magento_root"] = Check(False, "magento_root not set")
        checks["var_writable"] = Check(False, "magento_root not set")
    elif facts.get("root") != "dir":
        why = "is not a directory" if facts.get("root") == "notdir" else "does not exist"
        checks["magento_root"] = Check(False, f"{root} {why}")
        problems.append(f"magento_root {root} {why} (check magento_root in the inventory)")
        checks["var_writable"] = Check(False, "no Magento root")
    else:
        missing = [part for part, fact in (("vendor/", "vendor"), ("app/etc/env.php", "env_php"))
                   if facts.get(fact) != "yes"]
        if missing:
            checks["magento_root"] = Check(False, f"{root} has no {' and no '.join(missing)}")
            problems.append(f"magento_root {root} does not look like an installed Magento: no {' and no '.join(missing)}")
        else:
            checks["magento_root"] = Check(True, root)
        var = facts.get("var")
        if var == "writable":
            checks["var_writable"] = Check(True, f"{root}/var writable by {user}")
        elif var == "missing":
            checks["var_writable"] = Check(False, f"{root}/var missing")
            problems.append(f"{root}/var does not exist (QPT and Magento write there)")
        else:
            checks["var_writable"] = Check(False, f"{root}/var not writable by {user}")
            problems.append(f"{root}/var is not writable by {user} (QPT writes var/log/patch.log there)")

    php = target.magento_php
    checks["php"] = _tool_check(
        facts, "php", problems, missing=f"{php} not found",
        missing_problem=f"magento_php {php!r} not found on the host (not on the SSH session's PATH)",
        broken_problem=lambda path, first: (f"magento_php {path} does not run: "
                                            f"{first or 'exit ' + facts.get('php_rc', '?')}"),
        works=lambda out: f"PHP {(out.strip().splitlines() or [''])[-1]}")   # the version follows any startup warnings
    checks["composer"] = _tool_check(
        facts, "composer", problems, missing="not found",
        missing_problem="composer not found on the SSH session's PATH (the playbooks install and update QPT with it)",
        broken_problem=lambda path, first: f"composer at {path} does not run: {first}",
        works=lambda out: _first_line(out, "composer version"))

    git_ok = bool(facts.get("git_path")) and facts.get("git_rc") == "0"
    patch_line = _first_line(facts.get("patch_out", ""))
    gnu_patch = bool(facts.get("patch_path")) and facts.get("patch_rc") == "0" and "gnu patch" in patch_line.lower()
    if git_ok:
        detail = _first_line(facts.get("git_out", ""))
        if gnu_patch:
            detail += f", {patch_line}"
        checks["git_or_patch"] = Check(True, detail)
    elif gnu_patch:
        checks["git_or_patch"] = Check(True, patch_line)
    else:
        found = f" ({facts['patch_path']} is not GNU patch: {patch_line or 'no version'})" if facts.get("patch_path") else ""
        checks["git_or_patch"] = Check(False, "neither git nor GNU patch" + found)
        problems.append(f"neither git nor GNU patch found{found}: QPT needs git or patch to apply patches")

    python = target.python or "python3"
    what = f"ansible_python_interpreter {python}" if target.python else "python3"
    checks["python3"] = _tool_check(
        facts, "python", problems, missing=f"{python} not found",
        missing_problem=f"{what} not found on the host (Ansible needs Python there)",
        broken_problem=lambda path, first: f"{path} does not run: {first} (Ansible needs Python there)",
        works=lambda out: f"Python {_first_line(out)}")

    if target.magento_user and user and target.magento_user != user:
        notes.append(f"connects as {user}; magento_user is {target.magento_user} (checks ran as {user})")
    return checks, problems, notes
