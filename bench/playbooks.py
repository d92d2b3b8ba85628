"""How the read-only playbooks scale on a lab fleet: ratios measured in one run, never asserted.

    python bench/playbooks.py [--hosts 8] [--repeat 2]

Brings up a lab, then times plain ansible-playbook runs of status.yml and apply.yml --check under a
few settings, and prints each time with its ratio to the baseline (status.yml, shipped ansible.cfg).
Absolute seconds depend on the machine; the ratios are what to compare between changes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qpt_apply.lab import fleet, spec  # noqa: E402


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 2):  # 2: some host reported a finding (e.g. a conflict), still a full run
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="qpt-bench-") as scratch:
        lab_dir = Path(scratch) / "lab"
        start = time.perf_counter()
        lab = fleet.up(lab_dir, spec.default_hosts(args.hosts))
        up_seconds = time.perf_counter() - start
        try:
            base_env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}",
                        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
            playbook = [str(bin_dir / "ansible-playbook"), "-i", str(lab.inventory)]
            cases = {
                "status.yml (shipped ansible.cfg)": (playbook + [str(REPO / "playbooks/status.yml")], {}),
                "status.yml, pipelining off": (playbook + [str(REPO / "playbooks/status.yml")],
                                               {"ANSIBLE_PIPELINING": "False"}),
                "status.yml, one host at a time (forks=1)": (playbook + [str(REPO / "playbooks/status.yml")],
                                                             {"ANSIBLE_FORKS": "1"}),
                "apply.yml --check (the plan)": (playbook + [str(REPO / "playbooks/apply.yml"), "--check",
                                                             "-e", '{"qpt_serial": ["100%"]}'], {}),
            }
            results = {}
            for name, (argv, extra) in cases.items():
                results[name] = statistics.median(timed(argv, {**base_env, **extra}) for _ in range(args.repeat))
        finally:
            fleet.down(lab_dir)

    baseline = next(iter(results.values()))
    print(f"lab up: {args.hosts} hosts in {up_seconds:.1f}s ({up_seconds / args.hosts:.2f}s per host)")
    print(f"{'case':48} {'seconds':>8} {'ratio':>7}")
    for name, seconds in results.items():
        print(f"{name:48} {seconds:8.1f} {seconds / baseline:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
