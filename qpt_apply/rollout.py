"""status / plan / apply / revert / resume: what each command runs, in which order, and its exit code.

The playbooks own the rolling semantics (serial batches, the cumulative failure cap, unreachable =
failed); this module adds what only a controller-side program can: a preview and a confirmation, the
journal, live progress, Ctrl-C that stops between batches, resume, and reports.
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import catalog, drift as drift_report, report, runner
from .ansible_options import AnsibleOptions
from .console import Progress, Ui, is_interactive
from .inventory import Inventory, no_hosts, target_pattern
from .journal import Lock, Run, new_run_id
from .model import DEFAULT_PATCHES, HostResult, InputError, Plan, batch_hosts
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_batches import (
    LOAD_BALANCER_VARIABLES, rollout_order)
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_catalog import (
    desired_sets, host_patch_problems, unknown_patch_problems)
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_statuses import ABSENT

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_HALTED, EXIT_DRIFT, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
ONPREM_GROUP = "magento"
CLOUD_GROUP = "magento_cloud"

# Playbook inputs qpt-apply sets itself, each with what sets it: `-e` may not override them, or the
# plan, the lock and the journal would describe another rollout than the one that runs.
CLI_VARIABLES = {
    "qpt_patches": "--patch",
    "qpt_serial": "--batches",
    "qpt_rollout_serial": "--batches",
    "qpt_max_failed_hosts": "--max-failed",
    "qpt_hosts": "--limit (or -i HOST1,HOST2,)",
    "qpt_stop_file": "Ctrl-C (qpt-apply stops between batches itself)",
    "magento_maintenance_enabled": "--maintenance",
    "qpt_drain": "--no-drain",
    "qpt_package_restore": "--restore-package",
    "qpt_verify_functional": "--functional",
    "qpt_cloud_dry_run": "--dry-run",
    "qpt_cloud_push": "--no-push",
    "qpt_cloud_revert": "--revert",
    "qpt_cloud_cache_dir": "--state-dir",
    "qpt_run_id": "nothing: each run has its own id",
    "qpt_lock_takeover": "--take-over RUN_ID",
    "qpt_reads": "nothing: the plan's read of each host, reused while the host has not changed",
}


@dataclass
class Options:
    command: str
    inventory: list[str]       # sources, as Ansible reads them (ansible_options.inventory_sources)
    patches: list[str]         # --patch: the set of every host for this run; [] = each host's own qpt_patches
    state_dir: Path
    limit: str | None = None
    serial: list[int | str] = field(default_factory=lambda: [1, "25%", "100%"])
    max_failed: int = 0
    maintenance: bool = False
    drain: bool = True         # take each node out of its load balancer around its change
    rollback_failed: bool = False
    restore_package: bool = False
    functional: bool = False
    yes: bool = False
    json: bool = False
    dry_run: bool = False      # cloud: show the diff and the commit, change nothing
    push: bool = True          # cloud: push the commit to the environment branch
    cloud_revert: bool = False  # cloud: remove the IDs instead of adding them
    take_over: str = ""        # run id of a gone rollout on another controller whose host locks are taken over
    ansible: AnsibleOptions = field(default_factory=AnsibleOptions)
    # The patch catalog the playbooks will use: the shipped one, or `-e qpt_catalog` (set by resolve()).
    catalog: dict[str, Any] | None = field(default=None, repr=False)

    def to_journal(self) -> dict[str, Any]:
        data = asdict(self)
        data["state_dir"] = str(self.state_dir)
        data.pop("catalog")  # read again from the same sources on resume
        return data

    @classmethod
    def from_journal(cls, data: dict[str, Any], **overrides: Any) -> "Options":
        data = {**data, **overrides}
        inventory = data["inventory"]
        data["inventory"] = [inventory] if isinstance(inventory, str) else list(inventory)
        data["state_dir"] = Path(data["state_dir"])
        data["ansible"] = AnsibleOptions.from_journal(data.get("ansible"))
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def extravars(options: Options, run: Run, **more: Any) -> dict[str, Any]:
    """The playbooks' inputs. Never a secret: extra vars appear in runner artifacts and process lists."""
    return cli_variables({
        # Written with each host's lock and transaction: the host knows which run changed it.
        "qpt_run_id": run.run_id, "qpt_lock_takeover": options.take_over,
        # Only a --patch overrides the set each host declares in the inventory.
        **({"qpt_patches": options.patches} if options.patches else {}),
        "qpt_max_failed_hosts": options.max_failed, "qpt_serial": options.serial,
        "qpt_rollout_serial": options.serial,
        "qpt_hosts": hosts_pattern(options), "magento_maintenance_enabled": options.maintenance,
        "qpt_drain": options.drain,
        "qpt_package_restore": options.restore_package, "qpt_verify_functional": options.functional, **more})


def cli_variables(values: dict[str, Any]) -> dict[str, Any]:
    unlisted = set(values) - set(CLI_VARIABLES)
    if unlisted:
        raise ValueError(f"not in CLI_VARIABLES, so -e could override them: {sorted(unlisted)}")
    return values


def refuse_cli_variables(extra_vars: dict[str, Any]) -> None:
    for name in extra_vars:
        if name in CLI_VARIABLES:
            raise InputError(f"-e {name}: qpt-apply sets this itself; use {CLI_VARIABLES[name]}")


def resolve_hosts(options: Options, group: str = ONPREM_GROUP) -> list[str]:
    return resolve(options, group)[0]


def resolve(options: Options, group: str = ONPREM_GROUP, *, rolling: bool = False
            ) -> tuple[list[str], dict[str, list[str]]]:
    """The hosts a command works on, after --limit, and the patch set each is to have (--patch, else its own
    qpt_patches, else the default). Their variables are read now, so a vault that cannot be opened, a variable
    that cannot be read or a malformed patch set is bad input here rather than a failed run later.

    rolling: the hosts in the order a rollout takes them (one node of each shop in turn), not inventory order."""
    inventory = Inventory(options.inventory, options.ansible)
    refuse_cli_variables(inventory.extra_vars)
    hosts = inventory.hosts(hosts_pattern(options, group), options.limit)
    if not hosts:
        raise no_hosts(group, options.inventory, options.limit)
    declared: dict[str, Any] = {}
    cloud_hosts = []
    load_balancers: dict[str, dict[str, Any]] = {}
    for host in hosts:
        variables = inventory.variables(host)
        declared[host] = list(options.patches) if options.patches else inventory.value(host, "qpt_patches", variables)
        if group == ONPREM_GROUP and CLOUD_GROUP in (variables.get("group_names") or []):
            cloud_hosts.append(host)
        if rolling:
            load_balancers[host] = {name: _rendered_or_raw(inventory, host, name, variables)
                                    for name in LOAD_BALANCER_VARIABLES}
    problems = host_patch_problems(declared, cloud_hosts=cloud_hosts, cloud_group=CLOUD_GROUP)
    if problems:
        raise InputError("; ".join(problems) + " (nothing was touched)")
    if rolling:
        hosts = rollout_order(load_balancers, hosts)
    extra = inventory.extra_vars
    options.catalog = extra["qpt_catalog"] if "qpt_catalog" in extra else catalog.entries()
    return hosts, desired_sets(declared, list(DEFAULT_PATCHES))


def _rendered_or_raw(inventory: Inventory, host: str, name: str, variables: dict[str, Any]) -> Any:
    """A variable as a play renders it, or as written when only a play can (facts, other hosts' vars): the
    order is the better for it, and the playbook's own drain check judges the rendered value."""
    try:
        return inventory.value(host, name, variables)
    except InputError:
        return variables.get(name)


def patches_label(options: Options, desired: dict[str, list[str]] | None = None) -> str:
    """The patches of a run in a title: the --patch set, or what the hosts declare."""
    if options.patches:
        return ", ".join(options.patches)
    union = list(dict.fromkeys(p for ids in (desired or {}).values() for p in ids))
    return ", ".join(union) + " (each host's qpt_patches)" if union else "each host's qpt_patches"


def hosts_pattern(options: Options, group: str = ONPREM_GROUP) -> str:
    """What the playbooks run on: cloud.yml names its group itself; the others take qpt_hosts."""
    return target_pattern(group, options.inventory) if group == ONPREM_GROUP else group


def _run_playbook(options: Options, playbook: str, **kwargs: Any) -> runner.PlaybookRun:
    """Every playbook run: the inventory sources and ansible-playbook options the operator gave."""
    return runner.run_playbook(playbook, inventory=options.inventory, ansible_args=options.ansible.playbook_args(),
                               passwords=options.ansible.runner_passwords(), **kwargs)


# --------------------------------------------------------------------------- read-only commands


def status(options: Options, ui: Ui) -> int:
    return _read_only(options, ui, command="status", playbook="status.yml", title="Fleet status")


def _read_only(options: Options, ui: Ui, *, command: str, playbook: str, title: str) -> int:
    hosts, desired = resolve(options)
    run = _read_hosts(options, ui, command, playbook, hosts, desired)
    results = run.results()
    code = EXIT_FAILED if any(results[h].failed or not results[h].done for h in hosts) else EXIT_OK
    return _finish(run, ui, "completed", code, title=title)


def _read_hosts(options: Options, ui: Ui, command: str, playbook: str, hosts: list[str],
                desired: dict[str, list[str]]) -> Run:
    """One read-only playbook run over every host at once, journaled; every host ends with a record."""
    run = Run.create(options.state_dir, command, options.to_journal())
    run.write_plan({"hosts": hosts, "batches": [hosts], "serial": ["100%"], "desired": desired})
    outcome = _run_playbook(options, playbook, limit=options.limit, extravars=extravars(options, run),
                            private_data_dir=run.runner_dir(command), on_record=_fleet_only(hosts, run.append_record))
    _report_run_errors(run, ui, hosts, outcome)
    _fill_missing(run, hosts, outcome.results)
    _refuse_unknown_patches(run, options, desired, outcome.results)
    return run


def _refuse_unknown_patches(run: Run, options: Options, desired: dict[str, list[str]],
                            results: dict[str, HostResult]) -> None:
    """Once the hosts were read and before any of them changes: an ID that no host wanting it offers and that
    the catalog does not know is a typo, bad input (exit 2), not a skip on every host."""
    # Judged by the QPT each host keeps: one to be updated first may offer more than it shows now.
    statuses = {host: result.status_before for host, result in results.items() if host in desired
                and result.extra.get("applied") is not None and not result.extra.get("qpt_target")}
    problems = unknown_patch_problems(desired, statuses, options.catalog if options.catalog is not None
                                      else catalog.entries(), where="--patch" if options.patches else "qpt_patches")
    if problems:
        run.finish("refused", EXIT_BAD_INPUT)
        raise InputError("; ".join(problems) + " (no host was patched, reverted or updated)")


def _refuse_held_hosts(run: Run, results: dict[str, HostResult]) -> None:
    """A host another live rollout holds refuses the whole rollout (exit 2) before any host changes. The
    preview finds it in each host's read (reason `locked`); the playbook's own lock read refuses a run
    started without one."""
    held = [f"{host} is {result.reason.get('message')}" for host, result in results.items()
            if result.reason.get("code") == "locked"]
    if held:
        run.finish("refused", EXIT_BAD_INPUT)
        raise InputError("; ".join(held) + ". Wait for that rollout to end; if its controller is gone for good, "
                         "re-run with --take-over RUN_ID (no host was patched, reverted or updated)")


def drift(options: Options, ui: Ui, textfile: Path | None = None) -> int:
    """Read every host (the status playbook), then compare with the set it declares: exit 4 when any host
    drifted (a declared patch not Applied, or an Applied one nobody declared), else 1 when a host could not
    be read, else 0; 2 for bad input (an ID nobody knows among them). --textfile writes the same as
    node_exporter metrics, atomically."""
    if textfile is not None and not (textfile.parent.is_dir() and os.access(textfile.parent, os.W_OK)):
        raise InputError(f"--textfile {textfile}: its directory does not exist or is not writable")
    hosts, desired = resolve(options)
    run = _read_hosts(options, ui, "drift", "status.yml", hosts, desired)
    results = run.results()
    found = drift_report.compute(desired, [results[h] for h in hosts if h in results])
    if textfile is not None:
        drift_report.write_textfile(found, textfile)
    run.update(drift=found.as_json())
    code = EXIT_DRIFT if found.drifted else EXIT_FAILED if found.unknown else EXIT_OK
    if not ui.json_mode:
        for host in hosts:
            entry = found.hosts[host]
            if not entry.known:
                ui.say(f"[yellow]{host}[/]: not read ({entry.reason})")
            elif entry.drifted:
                parts = [f"{p} {entry.states.get(p, ABSENT)} but declared" for p in entry.missing]
                parts += [f"{p} Applied but not declared" for p in entry.undeclared]
                ui.say(f"[bold red]{host}[/] drifted: " + "; ".join(parts))
        ui.say(f"drift: {len(found.drifted)} of {len(hosts)} host(s) drifted"
               + (f", {len(found.unknown)} not read" if found.unknown else "")
               + (f"; metrics in {textfile}" if textfile is not None else ""))
    return _finish(run, ui, "completed", code, title="Drift")


def _fleet_only(hosts: list[str], sink):
    """Records of the fleet's hosts only (the input-checking play runs on localhost)."""
    wanted = set(hosts)
    return lambda result: sink(result) if result.host in wanted else None


def _report_run_errors(run: Run, ui: Ui, hosts: list[str], outcome: runner.PlaybookRun) -> None:
    """A failure outside the fleet explains why hosts did not run. When no fleet host was reached at all,
    it was the playbook's input check (on localhost) refusing: bad input, nothing touched (exit 2)."""
    errors = [f"{r.host}: {r.reason.get('message')}" for h, r in outcome.results.items() if h not in hosts]
    if not errors:
        return
    run.update(errors=errors)
    if not any(h in outcome.results for h in hosts):
        run.finish("refused", EXIT_BAD_INPUT)
        raise InputError("the playbook refused its inputs before touching any host: " + "; ".join(errors))
    for error in errors:
        ui.say(f"[bold red]error:[/] {error}")


def verify(options: Options, ui: Ui) -> int:
    """Status + fingerprints, and with --functional the seed's reproduction on each host."""
    return _read_only(options, ui, command="verify", playbook="verify.yml", title="Verification")


def plan(options: Options, ui: Ui) -> int:
    hosts, desired = resolve(options, rolling=True)
    run = Run.create(options.state_dir, "plan", options.to_journal())
    the_plan = _preview(run, options, ui, hosts, playbook="apply.yml", desired=desired)
    # A conflict is what a plan is for finding; a host that could not be read at all fails the plan.
    code = EXIT_FAILED if any(r.action in ("unreachable", "failed") for r in the_plan.results.values()) else EXIT_OK
    return _finish(run, ui, "completed", code, title="Plan (nothing was changed)", show_batch=True)


def _preview(run: Run, options: Options, ui: Ui, hosts: list[str], *, playbook: str,
             desired: dict[str, list[str]]) -> Plan:
    """Check mode over all hosts at once: real probes, no writes; gives each host's would-be action."""
    batches = batch_hosts(hosts, options.serial)
    the_plan = Plan(options.patches, hosts, batches, options.serial, desired=desired)
    with ui.busy(f"reading {len(hosts)} host(s) to plan (check mode, nothing is changed)"):
        preview = _run_playbook(
            options, playbook, limit=options.limit, check=True,
            extravars=extravars(options, run, qpt_serial=["100%"], qpt_max_failed_hosts=len(hosts),
                                qpt_hosts=",".join(hosts)),
            private_data_dir=run.runner_dir("preview"))
    _report_run_errors(run, ui, hosts, preview)
    _refuse_unknown_patches(run, options, desired, preview.results)
    _refuse_held_hosts(run, preview.results)
    for host in hosts:
        result = preview.results.get(host) or HostResult(host=host, action="failed", outcome="failed",
                                                         reason={"code": "no-record", "message": "no result"})
        result.batch = the_plan.batch_of(host)
        the_plan.results[host] = result
        if run.meta["command"] == "plan":
            run.append_record(result)
    run.write_plan({"hosts": hosts, "batches": batches, "serial": options.serial, "desired": desired,
                    "preview": {h: r.as_json() for h, r in the_plan.results.items()}})
    return the_plan


# --------------------------------------------------------------------------- changing commands


def cloud(options: Options, ui: Ui) -> int:
    """Adobe Commerce Cloud: list the IDs in each environment's .magento.env.yaml, commit, push.

    Without --yes (and without --dry-run) the same playbook first runs as a dry run, the diffs are
    shown, and nothing is committed until the operator says so.
    """
    if not (options.yes or options.dry_run) and not is_interactive():
        raise InputError("refusing to prompt: stdin is not a terminal; pass --yes (or --dry-run) to proceed")
    hosts, desired = resolve(options, CLOUD_GROUP)
    lock = None if options.dry_run else Lock(options.state_dir, options.inventory)
    run = Run.create(options.state_dir, "cloud", options.to_journal())
    run.write_plan({"hosts": hosts, "batches": [hosts], "serial": ["100%"], "desired": desired})
    if lock:
        lock.acquire(run.run_id)
    try:
        def play(dry_run: bool, step: str, on_record=None) -> runner.PlaybookRun:
            return _run_playbook(
                options, "cloud.yml", limit=options.limit, private_data_dir=run.runner_dir(step),
                extravars=cli_variables({
                    **({"qpt_patches": options.patches} if options.patches else {}),
                    "qpt_cloud_dry_run": dry_run, "qpt_cloud_push": options.push,
                    "qpt_cloud_revert": options.cloud_revert,
                    # Clones live beside the journals, one per environment branch.
                    "qpt_cloud_cache_dir": str((options.state_dir / "cloud-clones").resolve())}),
                on_record=on_record)

        if not options.dry_run and not options.yes:
            preview = play(True, "preview")
            _show_cloud_diffs(ui, preview.results.values())
            pending = [r.host for r in preview.results.values() if r.outcome == "would-change"]
            if not pending:
                for result in preview.results.values():
                    run.append_record(result)
                return _finish(run, ui, "completed", _exit_code(run, hosts, halted=False), title="Cloud")
            if not ui.confirm(f"commit{' and push' if options.push else ''} to {len(pending)} environment(s)?"):
                run.finish("cancelled", EXIT_BAD_INPUT)
                return EXIT_BAD_INPUT
        outcome = play(options.dry_run, "cloud", on_record=run.append_record)
        if options.dry_run:
            _show_cloud_diffs(ui, outcome.results.values())
        _fill_missing(run, hosts, outcome.results)
        return _finish(run, ui, "completed", _exit_code(run, hosts, halted=False),
                       title="Cloud (dry run: nothing committed)" if options.dry_run else "Cloud")
    finally:
        if lock:
            lock.release()


def _show_cloud_diffs(ui: Ui, results) -> None:
    for result in results:
        details = result.extra.get("cloud") or {}
        if details.get("diff"):
            ui.say(f"[bold]{result.host}[/] ({details.get('branch')}): {details.get('commit_message') or ''}")
            ui.out.print(details["diff"], markup=False, highlight=False)


def apply(options: Options, ui: Ui) -> int:
    return _rollout(options, ui, playbook="apply.yml")


def revert(options: Options, ui: Ui) -> int:
    return _rollout(options, ui, playbook="revert.yml")


def resume(state_dir: Path, run_id: str, yes: bool, ui: Ui, json_mode: bool) -> int:
    run = Run.open(state_dir, run_id)
    meta = run.meta
    if meta["command"] not in ("apply", "revert"):
        raise InputError(f"run {run_id} is a {meta['command']}: only apply and revert runs can be resumed")
    if meta["state"] == "completed":
        raise InputError(f"run {run_id} already completed (exit {meta['exit_code']}); nothing to resume")
    if run.plan is None:
        raise InputError(f"run {run_id} stopped before its plan was made, so no host was touched; "
                         f"start a new {meta['command']} instead")
    options = Options.from_journal(meta["options"], yes=yes, json=json_mode, state_dir=state_dir)
    return _rollout(options, ui, playbook=f"{meta['command']}.yml", resumed=run)


def _rollout(options: Options, ui: Ui, *, playbook: str, resumed: Run | None = None) -> int:
    if not options.yes and not is_interactive():
        raise InputError("refusing to prompt: stdin is not a terminal; pass --yes to proceed")
    hosts, desired = resolve(options, rolling=True)
    lock = Lock(options.state_dir, options.inventory)
    lock.acquire(resumed.run_id if resumed else (run_id := new_run_id(options.command)))
    try:
        run = resumed or Run.create(options.state_dir, options.command, options.to_journal(), run_id=run_id)
        try:
            return _plan_confirm_execute(run, options, ui, playbook, hosts, lock, resumed=resumed is not None,
                                         desired=desired)
        except KeyboardInterrupt:
            # Before any batch started (preview, prompt): nothing was changed on any host.
            run.finish("interrupted", EXIT_INTERRUPTED)
            ui.say("interrupted before the rollout started: no host was changed")
            return EXIT_INTERRUPTED
    finally:
        lock.release()


def _plan_confirm_execute(run: Run, options: Options, ui: Ui, playbook: str, hosts: list[str], lock: Lock, *,
                          resumed: bool, desired: dict[str, list[str]]) -> int:
    if lock.stale_from and lock.stale_from != run.run_id:
        ui.say(f"note: run {lock.stale_from} ended without releasing its lock (its process is gone)")
    if resumed:
        the_plan = _resume_plan(run, hosts)
        run.update(state="running")
    else:
        the_plan = _preview(run, options, ui, hosts, playbook=playbook, desired=desired)
    results = run.results()
    remaining = [h for h in hosts if not (h in results and results[h].done)]
    ui.results_table(f"{options.command} {patches_label(options, desired)} — run {run.run_id}",
                     [the_plan.results[h] for h in hosts if h in the_plan.results], show_batch=True)
    if not remaining:
        return _finish(run, ui, "completed", _exit_code(run, hosts, halted=False), title="Result")
    if not _confirm(options, ui, remaining, the_plan):
        run.finish("cancelled", EXIT_BAD_INPUT)
        return EXIT_BAD_INPUT
    return _execute(run, options, ui, playbook, hosts, the_plan, remaining)


def _resume_plan(run: Run, hosts: list[str]) -> Plan:
    saved = run.plan or {}
    options = run.meta["options"]
    the_plan = Plan(options["patches"], saved.get("hosts", hosts), saved.get("batches", [hosts]),
                    saved.get("serial", []), desired=saved.get("desired") or {})
    the_plan.results = {h: HostResult.from_record(r) for h, r in (saved.get("preview") or {}).items()}
    return the_plan


def _confirm(options: Options, ui: Ui, remaining: list[str], the_plan: Plan) -> bool:
    if options.yes:
        return True
    batches = [[h for h in b if h in remaining] for b in the_plan.batches]
    sizes = " → ".join(str(len(b)) for b in batches if b)
    return ui.confirm(f"{options.command} on {len(remaining)} host(s) in batches {sizes}?")


class _StopRequest:
    """First Ctrl-C: finish the running batch, then stop (no host is left mid-patch). Second: abort now."""

    def __init__(self, stop_file: Path, ui: Ui):
        self.stop_file = stop_file
        self.ui = ui
        self.interrupted = False
        self.abort = threading.Event()
        self.previous: dict = {}

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # Ctrl-C, a kill, a dropped SSH session

    def __enter__(self) -> "_StopRequest":
        self.previous = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}
        return self

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        self.stop_file.unlink(missing_ok=True)

    def _handle(self, signum, frame) -> None:
        if not self.interrupted:
            self.interrupted = True
            self.stop_file.touch()
            self.ui.say("[yellow]interrupt: finishing the running batch, then stopping (Ctrl-C again to abort now)[/]")
        else:
            self.abort.set()


def _execute(run: Run, options: Options, ui: Ui, playbook: str, hosts: list[str], the_plan: Plan,
             remaining: list[str]) -> int:
    batches = [[h for h in b if h in remaining] for b in the_plan.batches]
    batches = [b for b in batches if b]
    earlier = run.results()
    failed_before = sum(1 for h in hosts if h in earlier and earlier[h].failed)
    stop_file = run.directory / "stop-requested"

    with _StopRequest(stop_file, ui) as stop, Progress(ui, batches) as progress:
        def on_record(result: HostResult) -> None:
            result.batch = the_plan.batch_of(result.host)
            run.append_record(result)
            progress.on_record(result)

        outcome = _run_playbook(
            options, playbook, limit=",".join(remaining),
            # The hosts named in batch order: Ansible keeps a play's hosts in the order its pattern names them.
            extravars=extravars(options, run, qpt_serial=[len(b) for b in batches],
                                qpt_hosts=",".join(h for batch in batches for h in batch),
                                qpt_max_failed_hosts=max(options.max_failed - failed_before, 0),
                                qpt_stop_file=str(stop_file), qpt_reads=plan_reads(the_plan, remaining)),
            private_data_dir=run.runner_dir(options.command), on_record=_fleet_only(hosts, on_record),
            on_event=progress.on_event, cancel=stop.abort)
    _report_run_errors(run, ui, hosts, outcome)
    if options.rollback_failed and playbook == "apply.yml":
        _rollback_failing_batches(run, options, ui, batches)
    if stop.interrupted:
        return _finish(run, ui, "interrupted", EXIT_INTERRUPTED, title="Interrupted",
                       hint=f"resume with: qpt-apply resume {run.run_id} --state-dir {options.state_dir}")
    if outcome.halted:
        _fill_missing(run, hosts, run.results(), reason="not run: the rollout halted before this batch")
        return _finish(run, ui, "halted", EXIT_HALTED, title="Result")
    # Hosts the playbook never reached without a halt or an interrupt mean the run itself failed.
    _fill_missing(run, hosts, run.results(), reason="not run: the playbook ended before this host")
    results = run.results()
    if any(not results[h].done for h in hosts):
        return _finish(run, ui, "failed", EXIT_FAILED, title="Result")
    return _finish(run, ui, "completed", _exit_code(run, hosts, halted=False), title="Result")


def plan_reads(the_plan: Plan, hosts: list[str]) -> dict[str, dict[str, Any]]:
    """Each host's read in the plan, {token, patches, applied}, for the playbook to reuse while the host has
    not changed since (magento_facts compares the token): the plan shown is the status the rollout starts
    from, without a second QPT status per host."""
    reads = {}
    for host in hosts:
        result = the_plan.results.get(host)
        read = (result.extra.get("read") or {}) if result else {}
        if read.get("token") and result.extra.get("applied") is not None:
            reads[host] = {"token": read["token"], "patches": dict(result.status_before),
                           "applied": list(result.extra["applied"])}
    return reads


def _rollback_failing_batches(run: Run, options: Options, ui: Ui, batches: list[list[str]]) -> None:
    """Revert every host of each batch of this run that had a failure; the records say so."""
    results = run.results()
    failing = [b for b in batches if any(h in results and results[h].failed for h in b)]
    targets = [h for b in failing for h in b
               if h in results and results[h].done and results[h].action != "unreachable"]
    if not targets:
        return
    ui.say(f"rolling back the failing batch: {', '.join(targets)}")
    reverted = _run_playbook(
        options, "revert.yml", limit=",".join(targets),
        extravars=extravars(options, run, qpt_serial=["100%"], qpt_max_failed_hosts=len(targets)),
        private_data_dir=run.runner_dir("rollback"))
    for host in targets:
        back = reverted.results.get(host)
        original = results[host]
        original.extra["rolled_back"] = {
            "action": back.action if back else "failed", "outcome": back.outcome if back else "failed",
            "reason": back.reason if back else {"code": "no-record", "message": "the revert left no record"}}
        if back:
            original.status_after, original.qpt_after = back.status_after, back.qpt_after
        run.append_record(original)
    run.update(rolled_back=targets)


def _exit_code(run: Run, hosts: list[str], *, halted: bool) -> int:
    if halted:
        return EXIT_HALTED
    results = run.results()
    return EXIT_FAILED if any(results.get(h) and results[h].failed for h in hosts) else EXIT_OK


def _fill_missing(run: Run, hosts: list[str], results: dict[str, HostResult], reason: str = "no result") -> None:
    known = run.results()
    for host in hosts:
        if host not in known and host not in results:
            run.append_record(HostResult(host=host, reason={"code": "not-run", "message": reason}))


def _finish(run: Run, ui: Ui, state: str, code: int, *, title: str, show_batch: bool = False,
            hint: str | None = None) -> int:
    run.finish(state, code)
    doc = report.write_all(run)
    if ui.json_mode:
        print(report.render(doc, "json"), end="")
        return code
    results = [HostResult.from_record(h) for h in doc["hosts"]]
    ui.results_table(f"{title} — run {run.run_id}", results, show_batch=show_batch or doc["command"] in ("plan", "apply", "revert"))
    s = doc["summary"]
    ui.say(f"{s['hosts']} host(s): {s['changed']} changed, {s['ok']} ok, {s['skipped']} skipped, "
           f"{s['failed']} failed" + (f", {s['not_run']} not run" if s["not_run"] else "")
           + (f", {s['would_change']} would change" if s["would_change"] else ""))
    if hint:
        ui.say(hint)
    ui.say(f"report: {run.directory / 'report.html'}")
    return code
