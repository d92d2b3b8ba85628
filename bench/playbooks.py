"""How the read-only playbooks scale on a lab fleet: ratios measured in one run, never asserted.

    python bench/playbooks.py [--hosts 8] [--repeat 2]

Brings up a lab, then times plain ansible-playbook runs of status.yml and apply.yml --check under a
few settings, and prints each time with its ratio to the baseline (status.yml, shipped ansible.cfg).
Absolute seconds depend on the machine; the ratios are what to compare between changes.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from benchlib import BIN, REPO, Meter, ansible_env, running_lab
from qpt_apply.lab import spec


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    with running_lab(spec.default_hosts(args.hosts)) as (lab, scratch, up_seconds):
        meter = Meter(scratch)
        playbook = [str(BIN / "ansible-playbook"), "-i", str(lab.inventory)]
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
            # rc 2: some host reported a finding (e.g. a conflict), still a full run
            results[name] = statistics.median(meter.run([argv], ansible_env(**extra), ok=(0, 2)).wall
                                              for _ in range(args.repeat))

    baseline = next(iter(results.values()))
    print(f"lab up: {args.hosts} hosts in {up_seconds:.1f}s ({up_seconds / args.hosts:.2f}s per host)")
    print(f"{'case':48} {'seconds':>8} {'ratio':>7}")
    for name, seconds in results.items():
        print(f"{name:48} {seconds:8.1f} {seconds / baseline:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
