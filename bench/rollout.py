"""What a rollout costs next to the commands it runs: measured side by side in one run on one lab, never asserted.

    python bench/rollout.py [--hosts 10] [--growth 5,10,20,40] [--growth-forks 50]
                            [--realistic] [--realistic-hosts 20] [--delay-scale 1.0]
    python bench/rollout.py --against CHECKOUT [--hosts 10] [--rounds 3]

Brings up a lab (every host on QPT 1.1.55, which offers ACSD-61103, production mode, the patch not
applied), then measures each case's wall seconds and the controller's CPU seconds (benchlib.Meter):

- the floor, `ansible magento -m ping`;
- the change done by hand: one ad-hoc `ansible -m shell` chain per host (QPT apply, cache:clean,
  setup:di:compile in the Magento root, as the Magento user), on all hosts and on each canary batch
  alone, and the same chain as a plain ssh loop, host after host;
- `qpt-apply status`, `plan`, `apply --batches 100%`, `apply` (canary first: 1,25%,100%) and `revert`;

and from the hosts' command logs how many QPT runs each host saw, and for how long at least one host was
running a stand-in command ("host-busy": what is left of the wall is the cost of getting there). Between
cases the hosts are put back (QPT revert, cache:clean, setup:di:compile as the host user), so each case
starts from the same clean fleet.

--growth N,N,...  status and apply at several fleet sizes (forks --growth-forks), a least-squares line
                  through each, and its value at --extrapolate hosts (1000).
--realistic       the stand-ins sleep as slow real hosts do (qpt_status 3 s, cache_clean 2 s,
                  di_compile 60 s; times --delay-scale): a canary-first rollout of --realistic-hosts
                  against the serial ssh loop and the ad-hoc chain.

--against DIR     a change judged against the code before it: status, plan, apply and revert of this
                  checkout and of DIR (a git worktree of another commit), interleaved on one fleet.

The lab's hosts share this machine's cores with the controller: absolute seconds, and the extrapolation
most of all, describe this lab on this machine; the ratios are what to compare between changes.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

from benchlib import BIN, QPT_APPLY, CaseFailed, Measured, Meter, ansible_env, running_lab
from qpt_apply.lab import fleet, spec, standin
from qpt_apply.model import batch_hosts

PATCH = standin.PATCH_ID
# Offers the patch on the lab's 2.4.6-p3: the chain and qpt-apply make the same change, no QPT update.
QPT_VERSION = "1.1.55"
CANARY = [1, "25%", "100%"]
REALISTIC_DELAYS = {"qpt_status": 3.0, "cache_clean": 2.0, "di_compile": 60.0}
# The stand-ins' command-log names, and the lab delay each one sleeps (standin.DELAY_STEPS).
STEP_OF = {"qpt status": "qpt_status", "qpt apply": "qpt_apply", "qpt revert": "qpt_revert",
           "magento cache:clean": "cache_clean", "magento cache:flush": "cache_clean",
           "magento setup:di:compile": "di_compile", "composer update": "composer_update"}
# What the chain does on a host, and so what any rollout has to wait for there.
CHAIN_STEPS = ("qpt_apply", "cache_clean", "di_compile")


@dataclass
class Case:
    name: str
    hosts: list[str]
    measured: Measured | None           # None: a part of another case (a batch), timed from its events
    wall: float
    runs: dict[str, Counter] = field(default_factory=dict)   # host -> stand-in command -> runs
    busy: float = 0.0                    # seconds in which at least one host ran a stand-in command
    batches: list["Case"] = field(default_factory=list)

    @property
    def cpu(self) -> float | None:
        return self.measured.cpu if self.measured else None

    def per_host(self, cmd: str) -> tuple[int, int]:
        counts = [self.runs.get(h, Counter())[cmd] for h in self.hosts]
        return (min(counts), max(counts)) if counts else (0, 0)


class Bench:
    """The lab and everything a case needs: inventories of any subset of hosts, commands, resets."""

    def __init__(self, lab: fleet.Lab, scratch: Path):
        self.lab = lab
        self.scratch = scratch
        self.state_dir = scratch / "state"
        self.hostvars = yaml.safe_load(lab.inventory.read_text())["all"]["children"]["magento"]["hosts"]
        self.delays: dict[str, float] = {}
        self.delayed: list[str] = []
        self.meter = Meter(scratch)

    # ------------------------------------------------------------------ inventories and commands

    def inventory(self, names: list[str]) -> Path:
        """An inventory of just these hosts, with the lab's variables: each fleet size sees only itself."""
        path = self.scratch / f"inventory-{len(names)}-{names[0]}.yml"
        if not path.exists():
            hosts = {name: self.hostvars[name] for name in names}
            path.write_text(yaml.safe_dump({"all": {"children": {"magento": {"hosts": hosts}}}}, sort_keys=False))
        return path

    @staticmethod
    def ping(inventory: Path, forks: int | None = None) -> list[str]:
        return [str(BIN / "ansible"), "magento", "-i", str(inventory), "-m", "ansible.builtin.ping",
                *(["-f", str(forks)] if forks else [])]

    @staticmethod
    def chain(inventory: Path, limit: list[str] | None = None) -> list[str]:
        php = "{{ magento_php }}"
        return [str(BIN / "ansible"), "magento", "-i", str(inventory), "-m", "ansible.builtin.shell",
                "-a", f"chdir={{{{ magento_root }}}} {_chain(php)}",
                *(["-l", ",".join(limit)] if limit else [])]

    def ssh_loop(self, names: list[str]) -> list[list[str]]:
        """One plain ssh per host, each after the other, with the inventory's address, port, user and key."""
        commands = []
        for name in names:
            v = self.hostvars[name]
            commands.append([
                "ssh", "-i", v["ansible_ssh_private_key_file"], "-p", str(v["ansible_port"]),
                *shlex.split(v.get("ansible_ssh_common_args", "")), "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
                f"{v['ansible_user']}@{v['ansible_host']}",
                f"cd {shlex.quote(v['magento_root'])} && {_chain(shlex.quote(v['magento_php']))}"])
        return commands

    def qpt(self, command: str, inventory: Path, *args: str, checkout: Path | None = None) -> list[str]:
        """qpt-apply of this checkout, or of another one (--against): its own code, playbooks and collection."""
        program = QPT_APPLY if checkout is None else [
            QPT_APPLY[0], "-c", f"import sys; sys.path.insert(0, {str(checkout)!r}); "
                                "from qpt_apply.cli import main; sys.exit(main())"]
        return [*program, command, "-i", str(inventory), "--state-dir", str(self.state_dir), *args]

    # ------------------------------------------------------------------ measuring

    def measure(self, name: str, hosts: list[str], commands: list[list[str]], *, ok=(0,),
                batches_of: str | None = None) -> Case:
        """Run one case, then read what the hosts logged meanwhile; `batches_of` ("apply"/"revert") also
        times each batch from the run's events."""
        runs_before = set(self._runs())
        measured = self.meter.run(commands, ansible_env(), ok=ok)
        case = Case(name, hosts, measured, measured.wall)
        case.runs, case.busy = self._activity(hosts, measured.started, measured.ended)
        if batches_of:
            new = [run for run in self._runs() if run not in runs_before]
            case.batches = [self._batch_case(case, hosts_, wall, i)
                            for i, (hosts_, wall) in enumerate(_batch_walls(new[-1], batches_of), start=1)]
        return case

    def _runs(self) -> list[Path]:
        return sorted((self.state_dir / "runs").glob("*")) if (self.state_dir / "runs").is_dir() else []

    def _batch_case(self, whole: Case, hosts: list[str], wall: float, index: int) -> Case:
        return Case(f"  batch {index} ({len(hosts)} host{'s' if len(hosts) != 1 else ''})", hosts, None, wall,
                    runs={h: whole.runs.get(h, Counter()) for h in hosts})

    def _activity(self, hosts: list[str], started: float, ended: float) -> tuple[dict[str, Counter], float]:
        runs: dict[str, Counter] = {}
        intervals = []
        for host in hosts:
            runs[host] = Counter()
            open_since: dict[int, float] = {}
            for entry in self.lab.commands(host):
                if not started <= entry["time"] <= ended:
                    continue
                if entry["event"] == "start":
                    runs[host][entry["cmd"]] += 1
                    open_since[entry["pid"]] = entry["time"]
                elif entry["event"] == "end" and entry["pid"] in open_since:
                    intervals.append((open_since.pop(entry["pid"]), entry["time"]))
            intervals += [(since, ended) for since in open_since.values()]
        return runs, _union(intervals)

    # ------------------------------------------------------------------ putting hosts back

    def set_delays(self, names: list[str], delays: dict[str, float]) -> None:
        for name in names:
            self.lab.set_faults(name, delays=delays)
        self.delays, self.delayed = dict(delays), list(names) if delays else []

    def reset(self, names: list[str]) -> None:
        """QPT revert + cache:clean + setup:di:compile on each host, directly as its user (no delays), and
        check the patch is `Not applied` again: every case starts from the same fleet."""
        delayed = [n for n in names if n in self.delayed]
        for name in delayed:
            self.lab.set_faults(name, delays={})
        try:
            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(self._reset_host, names))
        finally:
            for name in delayed:
                self.lab.set_faults(name, delays=self.delays)

    def _reset_host(self, name: str) -> None:
        php = self.hostvars[name]["magento_php"]
        for argv in ([php, "vendor/bin/magento-patches", "revert", PATCH, "-n"], [php, "bin/magento", "cache:clean"],
                     [php, "bin/magento", "setup:di:compile"]):
            done = self.lab.run_as(name, argv)
            if done.returncode:
                raise CaseFailed(f"{name}: putting the host back failed at {' '.join(argv[1:])}:\n"
                                 f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
        done = self.lab.run_as(name, [php, "vendor/bin/magento-patches", "status", "--format=json", "-n"])
        status = {row["Id"]: row["Status"] for row in json.loads(done.stdout or "[]")}.get(PATCH)
        if status != "Not applied":
            raise CaseFailed(f"{name}: {PATCH} is {status!r} after putting the host back, not 'Not applied'")


def _chain(php: str) -> str:
    return (f"{php} vendor/bin/magento-patches apply {PATCH} -n && {php} bin/magento cache:clean"
            f" && {php} bin/magento setup:di:compile")


def _union(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def _batch_walls(run_dir: Path, step: str) -> list[tuple[list[str], float]]:
    """(hosts, seconds) of each batch of a run's `step` playbook: from the start of the per-host play for
    that batch (Ansible starts the play again for every `serial` batch) to the start of whatever came next."""
    events = []
    for path in run_dir.glob(f"runner/*-{step}/artifacts/*/job_events/*.json"):
        if not path.name.endswith("-partial.json"):
            events.append(json.loads(path.read_text()))
    events.sort(key=lambda e: e["counter"])
    # Each batch runs a copy of the play (a uuid of its own): the per-host play is known by its name.
    per_host_play = next(e["event_data"].get("play") for e in events if e["event_data"].get("task") == "qpt result")
    marks = [e for e in events if e["event"] in ("playbook_on_play_start", "playbook_on_stats")]
    starts = []
    for i, mark in enumerate(marks[:-1]):
        if mark["event"] == "playbook_on_play_start" and mark["event_data"].get("play") == per_host_play:
            starts.append(_seconds(marks[i + 1]["created"]) - _seconds(mark["created"]))
    batches = json.loads((run_dir / "plan.json").read_text())["batches"]
    return list(zip(batches, starts))


def _seconds(created: str) -> float:
    return datetime.fromisoformat(created).timestamp()


def fit(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """Least squares y = a + b·x; None with fewer than two distinct x."""
    xs = [x for x, _ in points]
    if len(set(xs)) < 2:
        return None
    mx = sum(xs) / len(xs)
    my = sum(y for _, y in points) / len(points)
    b = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs)
    return my - b * mx, b


# ---------------------------------------------------------------------- the three parts


def side_by_side(bench: Bench, names: list[str]) -> list[Case]:
    inventory = bench.inventory(names)
    batches = batch_hosts(names, CANARY)
    cases = [bench.measure("ansible -m ping (the floor)", names, [bench.ping(inventory)])]
    cases.append(bench.measure("ad-hoc shell chain, all hosts", names, [bench.chain(inventory)]))
    bench.reset(names)
    # The chain rolled out in the canary's batches: each batch a chain of its own, on hosts still clean.
    for i, batch in enumerate(batches, start=1):
        cases.append(bench.measure(f"  chain on canary batch {i} ({len(batch)})", batch,
                                   [bench.chain(inventory, limit=batch)]))
    bench.reset(names)
    cases.append(bench.measure("ssh loop, host after host", names, bench.ssh_loop(names)))
    bench.reset(names)
    cases.append(bench.measure("qpt-apply status", names, [bench.qpt("status", inventory)]))
    cases.append(bench.measure("qpt-apply plan", names, [bench.qpt("plan", inventory)]))
    cases.append(bench.measure("qpt-apply apply --batches 100%", names,
                               [bench.qpt("apply", inventory, "--yes", "--batches", "100%")], batches_of="apply"))
    cases.append(bench.measure("qpt-apply revert", names, [bench.qpt("revert", inventory, "--yes")],
                               batches_of="revert"))
    cases.append(bench.measure("qpt-apply apply (1,25%,100%)", names, [bench.qpt("apply", inventory, "--yes")],
                               batches_of="apply"))
    cases.append(bench.measure("qpt-apply revert (1,25%,100%)", names, [bench.qpt("revert", inventory, "--yes")],
                               batches_of="revert"))
    bench.reset(names)
    return cases


# The commands an A/B comparison (--against) runs with both checkouts; apply and revert alternate, so each
# starts from where the other left the fleet.
AGAINST_CASES = (("status", ("status",)), ("plan", ("plan",)),
                 ("apply --batches 100%", ("apply", "--yes", "--batches", "100%")),
                 ("revert", ("revert", "--yes")))


def against(bench: Bench, names: list[str], other: Path, rounds: int) -> dict[str, dict[str, list[Case]]]:
    """Each case with this checkout and with `other`, interleaved on one fleet, the order swapped every
    round, so both see the same machine load: {case: {"this": [...], "other": [...]}}."""
    inventory = bench.inventory(names)
    found: dict[str, dict[str, list[Case]]] = {name: {"this": [], "other": []} for name, _ in AGAINST_CASES}
    for round_ in range(rounds):
        order = (("this", None), ("other", other)) if round_ % 2 == 0 else (("other", other), ("this", None))
        for side, checkout in order:
            for name, args in AGAINST_CASES:
                found[name][side].append(bench.measure(f"{name} ({side})", names,
                                                       [bench.qpt(*args[:1], inventory, *args[1:], checkout=checkout)]))
    return found


def print_against(found: dict[str, dict[str, list[Case]]], other: Path) -> None:
    print(f"\nthis checkout against {other}: medians of {len(next(iter(found.values()))['this'])} interleaved runs")
    print(f"{'case':24} {'other wall':>10} {'this wall':>10} {'this/other':>10} {'other CPU':>10} {'this CPU':>9}"
          f" {'this/other':>10}")
    for name, sides in found.items():
        wall = {side: statistics.median(c.wall for c in cases) for side, cases in sides.items()}
        cpu = {side: statistics.median(c.cpu for c in cases) for side, cases in sides.items()}
        print(f"{name:24} {wall['other']:10.2f} {wall['this']:10.2f} {wall['this'] / wall['other']:10.2f}"
              f" {cpu['other']:10.2f} {cpu['this']:9.2f} {cpu['this'] / cpu['other']:10.2f}")


def growth(bench: Bench, names: list[str], sizes: list[int], forks: int) -> dict[int, dict[str, Case]]:
    rows = {}
    for size in sizes:
        fleet_ = names[:size]
        inventory = bench.inventory(fleet_)
        rows[size] = {
            "ping": bench.measure("ping", fleet_, [bench.ping(inventory, forks)]),
            "status": bench.measure("status", fleet_, [bench.qpt("status", inventory, "-f", str(forks))]),
            "apply": bench.measure("apply", fleet_, [bench.qpt("apply", inventory, "--yes", "--batches", "100%",
                                                               "-f", str(forks))]),
        }
        bench.reset(fleet_)
    return rows


def realistic(bench: Bench, names: list[str], delays: dict[str, float]) -> list[Case]:
    inventory = bench.inventory(names)
    bench.set_delays(names, delays)
    try:
        cases = [bench.measure("ssh loop, host after host", names, bench.ssh_loop(names))]
        bench.reset(names)
        cases.append(bench.measure("ad-hoc shell chain, all hosts", names, [bench.chain(inventory)]))
        bench.reset(names)
        cases.append(bench.measure("qpt-apply apply (1,25%,100%)", names, [bench.qpt("apply", inventory, "--yes")],
                                   batches_of="apply"))
        bench.reset(names)
    finally:
        bench.set_delays(names, {})
    return cases


# ---------------------------------------------------------------------- printing


def _runs(case: Case, *cmds: str) -> str:
    parts = []
    for cmd in cmds:
        low, high = case.per_host(cmd)
        parts.append(str(low) if low == high else f"{low}-{high}")
    return "/".join(parts)


def _num(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def print_side_by_side(cases: list[Case]) -> None:
    floor = cases[0]
    print(f"{'case':36} {'hosts':>5} {'wall s':>7} {'×floor':>7} {'CPU s':>7} {'CPU/host':>8} {'busy s':>7}"
          f" {'QPT st/ap/rv per host':>22} {'masters':>7}")
    for case in cases:
        for row in [case, *case.batches]:
            print(f"{row.name:36} {len(row.hosts):5} {row.wall:7.2f} {row.wall / floor.wall:7.2f}"
                  f" {_num(row.cpu, 2):>7} {_num(row.cpu / len(row.hosts) if row.cpu is not None else None, 3):>8}"
                  f" {_num(row.busy if row.measured else None, 2):>7}"
                  f" {_runs(row, 'qpt status', 'qpt apply', 'qpt revert'):>22}"
                  f" {row.measured.ssh_masters if row.measured else '':>7}")
    print("busy s: seconds in which at least one host was running a stand-in QPT or bin/magento command;"
          " batch rows: from the start of the batch's play to the next play (Ansible's events)")
    print("masters: SSH ControlPersist masters the case left behind, closed and counted in its CPU")

    by_name = {c.name.strip(): c for c in cases}
    chain = by_name["ad-hoc shell chain, all hosts"]
    one_batch = by_name["qpt-apply apply --batches 100%"]
    canary = by_name["qpt-apply apply (1,25%,100%)"]
    batch_chains = [c for c in cases if c.name.strip().startswith("chain on canary batch")]
    print("\nratios (wall, then controller CPU where both are whole runs)")
    rows = [("status / floor", by_name["qpt-apply status"], floor),
            ("plan / floor", by_name["qpt-apply plan"], floor),
            ("apply one batch / chain", one_batch, chain),
            ("apply one batch, the batch alone / chain", one_batch.batches[0], chain),
            ("ssh loop / chain", by_name["ssh loop, host after host"], chain)]
    for i, (batch, chain_batch) in enumerate(zip(canary.batches, batch_chains), start=1):
        rows.append((f"canary batch {i} / chain on that batch", batch, chain_batch))
    rows.append(("canary apply / chains in the same batches", canary,
                 Case("sum", canary.hosts, None, sum(c.wall for c in batch_chains))))
    for label, a, b in rows:
        cpu = f"{a.cpu / b.cpu:7.2f}" if a.cpu is not None and b.cpu else ""
        print(f"  {label:44} {a.wall / b.wall:7.2f} {cpu}")
    print("\ncontroller CPU per host (CPU-s):")
    for case in cases:
        if case.cpu is not None and len(case.hosts) == len(floor.hosts):
            print(f"  {case.name.strip():36} {case.cpu / len(case.hosts):7.3f}")
    print("\nQPT runs per host per apply (hosts' command logs: `qpt status`, `qpt apply`):")
    for case in (one_batch, canary):
        print(f"  {case.name:36} qpt status {_runs(case, 'qpt status')}, qpt apply {_runs(case, 'qpt apply')}")


def print_growth(rows: dict[int, dict[str, Case]], forks: int, target: int) -> None:
    print(f"\ngrowth at forks {forks} (the first n hosts of the lab; apply in one batch, then put back)")
    print(f"{'hosts':>5} " + " ".join(f"{k + ' wall':>12} {k + ' CPU':>11}" for k in ("ping", "status", "apply")))
    for size, cases in rows.items():
        print(f"{size:5} " + " ".join(f"{cases[k].wall:12.2f} {cases[k].cpu:11.2f}" for k in ("ping", "status", "apply")))
    cores = os.cpu_count() or 1
    print(f"least squares y = a + b·n, and y at {target} hosts:")
    for kind in ("ping", "status", "apply"):
        for metric in ("wall", "cpu"):
            line = fit([(size, getattr(cases[kind], metric)) for size, cases in rows.items()])
            if line is None:
                print(f"  {kind} {metric}: needs two fleet sizes")
                continue
            a, b = line
            at = a + b * target
            extra = (f"  (the controller alone needs >= {at / cores:.0f} s of wall on this machine's {cores} cores)"
                     if metric == "cpu" else "")
            if b < 0:
                extra = "  (falls with n: noise over these sizes; measure sizes further apart)"
            unit = "CPU-s" if metric == "cpu" else "s"
            print(f"  {kind:6} {metric:4}  a = {a:7.2f} {unit:5} b = {b:6.3f} {unit}/host  ->  {at:8.0f} {unit}{extra}")


def print_realistic(cases: list[Case], delays: dict[str, float]) -> None:
    essential = sum(delays.get(step, 0.0) for step in CHAIN_STEPS)
    print(f"\nrealistic: {len(cases[0].hosts)} hosts, the stand-ins sleep "
          + ", ".join(f"{k} {v:g} s" for k, v in delays.items())
          + f"; the chain's own sleeps {essential:g} s a host")
    print(f"{'case':36} {'wall s':>8} {'CPU s':>7} {'busy s':>8} {'slept/host':>10} {'sleep floor':>11}"
          f" {'wall/floor':>10} {'QPT st/ap':>9}")
    floors = {"ssh loop, host after host": essential * len(cases[0].hosts),
              "ad-hoc shell chain, all hosts": essential}
    for case in cases:
        floor = floors.get(case.name, essential * max(len(case.batches), 1))
        slept = [sum(n * delays.get(STEP_OF.get(cmd, ""), 0.0) for cmd, n in case.runs.get(h, Counter()).items())
                 for h in case.hosts]
        for row in [case, *case.batches]:
            row_floor = floor if row is case else essential
            print(f"{row.name:36} {row.wall:8.1f} {_num(row.cpu, 2):>7} {_num(row.busy if row.measured else None):>8}"
                  f" {(f'{max(slept):.1f}' if row is case else ''):>10} {row_floor:11.1f}"
                  f" {(row.wall / row_floor if row_floor else 0):10.2f} {_runs(row, 'qpt status', 'qpt apply'):>9}")
    loop, canary = cases[0], cases[-1]
    print(f"canary rollout / serial ssh loop: wall {canary.wall / loop.wall:.2f}, controller CPU "
          f"{canary.cpu / loop.cpu:.2f}")
    print("sleep floor: what the chain's sleeps alone force (loop: every host in turn; chain: one host;"
          " canary: one host per batch)")


# ---------------------------------------------------------------------- main


def _sizes(text: str) -> list[int]:
    sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("fleet sizes are whole numbers >= 1, e.g. 5,10,20,40")
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=10, help="hosts of the side-by-side table (default 10)")
    parser.add_argument("--growth", type=_sizes, metavar="N,N,...", help="fleet sizes for status/apply growth")
    parser.add_argument("--growth-forks", type=int, default=50, help="forks of the growth runs (default 50)")
    parser.add_argument("--extrapolate", type=int, default=1000, help="fleet size the growth lines are read at")
    parser.add_argument("--realistic", action="store_true", help="canary rollout vs serial ssh loop, slow stand-ins")
    parser.add_argument("--realistic-hosts", type=int, default=20)
    parser.add_argument("--delay-scale", type=float, default=1.0,
                        help="multiply the realistic delays (e.g. 0.05 for a quick try)")
    parser.add_argument("--against", type=Path, metavar="CHECKOUT",
                        help="instead of the table: status, plan, apply and revert of this checkout against another"
                             " (e.g. a git worktree of an older commit), interleaved on the --hosts fleet")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs of each side with --against")
    args = parser.parse_args()
    if args.against and not (args.against / "qpt_apply" / "cli.py").is_file():
        parser.error(f"--against {args.against}: not a qpt-apply checkout")
    if args.hosts < 1 or args.realistic_hosts < 1 or args.delay_scale < 0:
        parser.error("--hosts and --realistic-hosts must be >= 1, --delay-scale >= 0")

    size = max([args.hosts, *(args.growth or []), *([args.realistic_hosts] if args.realistic else [])])
    hosts = [spec.HostSpec(name=f"web{i}", qpt=QPT_VERSION) for i in range(1, size + 1)]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    try:
        with running_lab(hosts, prefix="qpt-bench-rollout-") as (lab, scratch, up_seconds):
            print(f"lab: {size} hosts (Magento 2.4.6-p3, QPT {QPT_VERSION}, production mode) up in"
                  f" {up_seconds:.1f}s in {lab.dir}; load average {load:.1f} at the start")
            run(args, Bench(lab, scratch))
    except CaseFailed as failure:
        print(f"\nbench stopped (the lab is down): {failure}")
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: the lab is down")
        return 130
    print(f"\n{time.perf_counter() - started:.0f}s in all; load average {os.getloadavg()[0]:.1f} at the end"
          " (other work on this machine distorts every figure)")
    return 0


def run(args: argparse.Namespace, bench: Bench) -> None:
    names = bench.lab.names
    if not bench.meter.counts_ssh_masters:
        print("note: cannot reap SSH ControlPersist masters here (no PR_SET_CHILD_SUBREAPER): their CPU is not counted")
    if args.against:
        print_against(against(bench, names[:args.hosts], args.against.resolve(), args.rounds), args.against)
        return
    print(f"\nside by side on {args.hosts} hosts (forks: shipped ansible.cfg)")
    print_side_by_side(side_by_side(bench, names[:args.hosts]))
    if args.growth:
        print_growth(growth(bench, names, args.growth, args.growth_forks), args.growth_forks, args.extrapolate)
    if args.realistic:
        delays = {step: seconds * args.delay_scale for step, seconds in REALISTIC_DELAYS.items()}
        print_realistic(realistic(bench, names[:args.realistic_hosts], delays), delays)


if __name__ == "__main__":
    raise SystemExit(main())
