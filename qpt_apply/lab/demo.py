"""The main job on a simulated fleet, narrated: what `make demo` runs.

    python -m qpt_apply.lab.demo --dir .lab [--keep]

Brings up the demo fleet (demo.yml: one host per situation a rollout meets), then runs qpt-apply as
an operator would — doctor, status, plan, apply canary first, verify with the functional proof,
revert — and tears the fleet down again unless --keep.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

from rich.console import Console

SPEC = Path(__file__).with_name("demo.yml")
console = Console(highlight=False)


class Unexpected(RuntimeError):
    pass


def step(title: str, *args: str, expect: int = 0, env: dict[str, str] | None = None) -> None:
    """Run one qpt-apply command; the demo fails if its exit code is not the one this fleet calls for."""
    command = ["qpt-apply", *args]
    console.rule(f"[bold]{title}")
    console.print(f"[dim]$ {shlex.join(command)}[/]")
    done = subprocess.run([sys.executable, "-m", "qpt_apply.cli", *args], env=env, stdin=subprocess.DEVNULL)
    console.print(f"[dim]exit code {done.returncode}{'' if done.returncode == expect else f', expected {expect}'}[/]\n")
    if done.returncode != expect:
        raise Unexpected(f"`{shlex.join(command)}` exited {done.returncode}, expected {expect}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qpt_apply.lab.demo")
    parser.add_argument("--dir", type=Path, default=Path(".lab"))
    parser.add_argument("--keep", action="store_true", help="leave the fleet running afterwards")
    args = parser.parse_args(argv)
    lab_dir = args.dir.resolve()
    state = str(lab_dir / "state")

    step("A simulated fleet of six Magento hosts", "lab", "up", "--dir", str(lab_dir), "--spec", str(SPEC))
    try:
        import json

        inventory = str(lab_dir / "inventory.yml")
        # The proof's customer password: from the host vars (e.g. Vault) in a real fleet, or this variable.
        password = json.loads((lab_dir / "lab.json").read_text())["customer_password"]
        env = {**os.environ, "QPT_VERIFY_CUSTOMER_PASSWORD": password}
        step("Can every host be reached and patched?", "doctor", "-i", inventory)
        step("Where the fleet stands", "status", "-i", inventory, "--state-dir", state)
        step("What a rollout would do (changes nothing)", "plan", "-i", inventory, "--state-dir", state)
        step("Roll ACSD-61103 out: canary first, then 25%, then the rest; each batch proves the fix "
             "(web6's local edit makes QPT refuse: exit 1)",
             "apply", "-i", inventory, "--yes", "--functional", "--state-dir", state, expect=1, env=env)
        step("Prove the fix on every host: a bad then a good login, failures_num back to 0 "
             "(web6 still has the bug: exit 1)",
             "verify", "-i", inventory, "--functional", "--state-dir", state, expect=1, env=env)
        step("Where the fleet stands now", "status", "-i", inventory, "--state-dir", state)
        step("And back again, QPT versions included (web6 cannot be reverted either: exit 1)",
             "revert", "-i", inventory, "--yes", "--restore-package", "--state-dir", state, expect=1)
        console.print(f"Journals and reports of every run: [bold]{state}/runs/[/]")
    except Unexpected as exc:
        console.print(f"[bold red]demo failed:[/] {exc}")
        return 1
    finally:
        if not args.keep:
            step("Stop the fleet", "lab", "down", "--dir", str(lab_dir))
        else:
            console.print(f"The fleet keeps running; stop it with: qpt-apply lab down --dir {lab_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
