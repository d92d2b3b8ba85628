"""Command line: parse, validate, confirm — then hand over to the module that owns the work."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_HALTED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class BadInput(Exception):
    """Input we refuse before touching any host (exit 2)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qpt-apply", description=__doc__)
    parser.add_argument("--version", action="version", version=f"qpt-apply {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lab = commands.add_parser("lab", help="a simulated Magento fleet on this machine (for trying and testing)")
    lab_commands = lab.add_subparsers(dest="lab_command", required=True, metavar="ACTION")
    lab_up = lab_commands.add_parser("up", help="bring simulated hosts up and return while they run")
    lab_up.add_argument("--dir", required=True, type=Path, help="where the inventory, keys and state go")
    count = lab_up.add_mutually_exclusive_group()
    count.add_argument("--hosts", type=int, default=None, help="N default hosts web1..webN (default 6)")
    count.add_argument("--spec", type=Path, help="YAML spec describing each host")
    lab_down = lab_commands.add_parser("down", help="stop everything the lab started and remove its users")
    lab_down.add_argument("--dir", required=True, type=Path)
    lab_status = lab_commands.add_parser("status", help="show each lab host's `magento-patches status`")
    lab_status.add_argument("--dir", required=True, type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "lab":
            return _lab(args)
    except BadInput as exc:
        print(f"qpt-apply: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    raise AssertionError(f"unhandled command {args.command}")


def _lab(args) -> int:
    from .lab import fleet, spec

    try:
        if args.lab_command == "up":
            hosts = spec.load(args.spec) if args.spec else spec.default_hosts(args.hosts or 6)
            lab = fleet.up(args.dir, hosts)
            print(f"lab {lab.info['lab_id']} is up with {len(lab.names)} host(s)")
            print(f"  inventory: {lab.inventory}")
            print(f"  stop it:   qpt-apply lab down --dir {lab.dir}")
        elif args.lab_command == "down":
            fleet.down(args.dir)
            print(f"lab in {args.dir.resolve()} is down")
        else:
            return _lab_status(fleet.Lab(args.dir))
    except (spec.SpecError, fleet.LabError) as exc:
        raise BadInput(str(exc)) from None
    return EXIT_OK


def _lab_status(lab) -> int:
    for name in lab.names:
        done = lab.run_as(name, [lab.host(name).get("php", "/usr/bin/php"), "vendor/bin/magento-patches", "status", "-n"])
        print(f"== {name} ({lab.host(name)['spec']['magento']}, QPT {lab.host(name)['spec']['qpt']})")
        print((done.stdout + done.stderr).rstrip())
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
