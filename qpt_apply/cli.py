"""Command line: parse, validate, confirm — then hand over to the module that owns the work."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__, ansible_options
from .report import FORMATS

from .rollout import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK


class BadInput(Exception):
    """Input we refuse before touching any host (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        # One line, still argparse's exit code 2 (bad input); the usage is one --help away.
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qpt-apply", description="Roll Adobe Commerce Quality Patches Tool patches out across Magento 2 fleets, canary first.")
    parser.add_argument("--version", action="version", version=f"qpt-apply {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def limit(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("-l", "--limit", metavar="PATTERN", help="Ansible host pattern to narrow the inventory")

    def common(sub: argparse.ArgumentParser, *, inventory: bool = True) -> None:
        if inventory:
            sub.add_argument("--patch", dest="patches", action="append", metavar="ID",
                             help="QPT patch ID for every host, this run only; repeat for several (default: each "
                                  "host's qpt_patches from the inventory, else ACSD-61103)")
            limit(sub)
            ansible_options.add_arguments(sub)
        sub.add_argument("--json", action="store_true", help="print one JSON document on stdout, nothing else")
        sub.add_argument("--state-dir", type=Path, default=Path(".qpt-apply"), help="where run journals live")

    def changing(sub: argparse.ArgumentParser) -> None:
        """Options of the commands that change hosts."""
        sub.add_argument("--no-drain", action="store_true",
                         help="change nodes while in their load balancer's rotation (default: drain each node "
                              "first, put it back once it serves)")
        sub.add_argument("--take-over", metavar="RUN_ID",
                         help="take over the host locks of RUN_ID, a rollout from another controller that is gone "
                              "(a lock whose holder died on this controller is taken over by itself)")
        sub.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    sub = commands.add_parser("status", help="where each host stands (read-only)")
    common(sub)
    sub = commands.add_parser("plan", help="preview a rollout: each host's action, the batches (changes nothing)")
    common(sub)
    sub.add_argument("--batches", default="1,25%,100%", help="batch sizes, canary first (default 1,25%%,100%%)")
    sub.add_argument("--no-drain", action="store_true", help="plan a rollout that does not drain nodes")
    sub = commands.add_parser("apply", help="roll the patch(es) out, canary first")
    common(sub)
    sub.add_argument("--batches", default="1,25%,100%", help="batch sizes, canary first (default 1,25%%,100%%)")
    sub.add_argument("--max-failed", type=int, default=0, metavar="N",
                     help="halt once more than N hosts failed in all (default 0: stop after a failing batch)")
    sub.add_argument("--maintenance", action="store_true", help="maintenance mode around each host's change")
    sub.add_argument("--rollback-failed", action="store_true", help="revert the hosts of the batch that failed")
    sub.add_argument("--functional", action="store_true",
                     help="after each batch, prove the fix on its hosts (see `verify --functional`); "
                          "a failed proof fails the host")
    changing(sub)
    sub = commands.add_parser("revert", help="take the patch(es) back out")
    common(sub)
    sub.add_argument("--restore-package", action="store_true",
                     help="also put back the magento/quality-patches version from before the apply")
    changing(sub)
    sub = commands.add_parser("verify", help="prove the patch on each host: status, file fingerprints, and --functional")
    common(sub)
    sub.add_argument("--functional", action="store_true",
                     help="also run the seed's reproduction: one bad then one good token request per API, "
                          "failures_num must return to 0 (password from QPT_VERIFY_CUSTOMER_PASSWORD or the "
                          "host variable qpt_verify_customer_password)")
    sub = commands.add_parser("drift", help="where hosts differ from the patch set they declare (qpt_patches): "
                                            "exit 4 when any host drifted (read-only)")
    common(sub)
    sub.add_argument("--textfile", type=Path, metavar="FILE",
                     help="also write the result as node_exporter textfile metrics to FILE (atomically)")
    sub = commands.add_parser("cloud", help="Adobe Commerce Cloud: list the patch in .magento.env.yaml, commit, push")
    sub.add_argument("--patch", dest="patches", action="append", metavar="ID")
    limit(sub)
    ansible_options.add_arguments(sub)
    sub.add_argument("--dry-run", action="store_true", help="print each diff and commit; change nothing")
    sub.add_argument("--no-push", action="store_true", help="commit in the clone cache, do not push")
    sub.add_argument("--revert", action="store_true", help="remove the patch ID(s) instead of adding them")
    sub.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    sub.add_argument("--json", action="store_true", help="print one JSON document on stdout, nothing else")
    sub.add_argument("--state-dir", type=Path, default=Path(".qpt-apply"))
    sub = commands.add_parser("report", help="show a run's report")
    sub.add_argument("run_id", metavar="RUN_ID")
    sub.add_argument("--format", choices=FORMATS, default="table")
    sub.add_argument("--state-dir", type=Path, default=Path(".qpt-apply"))
    sub = commands.add_parser("history", help="the ledger: where each patch was applied, reverted or found drifted, "
                                              "by which run, with which QPT and proof (from the journals)")
    sub.add_argument("--host", metavar="HOST", help="only this host (a name or a glob pattern, e.g. 'web*')")
    sub.add_argument("--patch", metavar="ID", help="only this patch ID")
    sub.add_argument("--json", action="store_true", help="print one JSON document on stdout, nothing else")
    sub.add_argument("--state-dir", type=Path, default=Path(".qpt-apply"), help="where run journals live")
    sub = commands.add_parser("resume", help="continue an interrupted, halted or killed apply/revert run, with the inventory "
                                             "sources and ansible-playbook options it started with")
    sub.add_argument("run_id", metavar="RUN_ID")
    sub.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    common(sub, inventory=False)

    sub = commands.add_parser("doctor", help="check each host can be reached and patched (SSH, host key, tools)")
    limit(sub)
    sub.add_argument("--json", action="store_true", help="print one JSON document on stdout, nothing else")
    sub.add_argument("--state-dir", type=Path, default=Path(".qpt-apply"))
    sub.add_argument("--known-hosts", type=Path, default=None,
                     help="known_hosts file to check host keys against (default ~/.ssh/known_hosts)")
    ansible_options.add_arguments(sub, doctor=True)

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
    from .model import InputError

    try:
        if args.command == "lab":
            return _lab(args)
        return _run(args)
    except (BadInput, InputError) as exc:
        print(f"qpt-apply: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _run(args) -> int:
    from . import catalog, model, report, rollout
    from .console import Ui
    from .journal import Run

    _clear_dead_runs(args.state_dir)
    ui = Ui(json_mode=getattr(args, "json", False))
    if args.command == "report":
        doc = report.document(Run.open(args.state_dir, args.run_id))
        if args.format == "table":
            ui.results_table(f"{doc['command']} {', '.join(doc['patches'])} — run {doc['run_id']} ({doc['state']})",
                             [model.HostResult.from_record(h) for h in doc["hosts"]], show_batch=True)
        else:
            sys.stdout.write(report.render(doc, args.format))
        return EXIT_OK
    if args.command == "history":
        from . import ledger

        return ledger.main(args.state_dir, host=args.host, patch=args.patch, ui=ui)
    if args.command == "resume":
        return rollout.resume(args.state_dir, args.run_id, args.yes, ui, args.json)
    sources = ansible_options.inventory_sources(args.inventory)
    ansible = ansible_options.AnsibleOptions.from_args(args)
    if args.command == "doctor":
        from . import doctor

        return doctor.main(sources, args.limit, json_mode=args.json, known_hosts=args.known_hosts, ansible=ansible)
    if getattr(args, "max_failed", 0) < 0:
        raise BadInput("--max-failed must be 0 or more")
    options = rollout.Options(
        command=args.command, inventory=sources, ansible=ansible, patches=model.validate_patches(args.patches),
        state_dir=args.state_dir, limit=args.limit, serial=model.parse_batches(getattr(args, "batches", None)),
        max_failed=getattr(args, "max_failed", 0), maintenance=getattr(args, "maintenance", False),
        drain=not getattr(args, "no_drain", False),
        rollback_failed=getattr(args, "rollback_failed", False), take_over=getattr(args, "take_over", None) or "",
        restore_package=getattr(args, "restore_package", False), functional=getattr(args, "functional", False),
        yes=getattr(args, "yes", False), json=args.json, dry_run=getattr(args, "dry_run", False),
        push=not getattr(args, "no_push", False), cloud_revert=getattr(args, "revert", False))
    for note in catalog.notes(options.patches):
        ui.say(f"[yellow]note:[/] {note}")
    if args.command == "drift":
        return rollout.drift(options, ui, args.textfile)
    return {"status": rollout.status, "plan": rollout.plan, "apply": rollout.apply,
            "revert": rollout.revert, "verify": rollout.verify, "cloud": rollout.cloud}[args.command](options, ui)


def _clear_dead_runs(state_dir: Path) -> None:
    """Before anything reads the journal: runs whose process died say so, and nothing secret it left stays."""
    from . import report, runner
    from .journal import mark_dead_runs

    for killed in mark_dead_runs(state_dir):
        report.write_all(killed)
    runner.remove_abandoned_secret_dirs()


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
