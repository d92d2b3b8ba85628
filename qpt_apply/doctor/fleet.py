"""Every host at once: a pool of threads, each host on a deadline, so no host can stall the run."""

from __future__ import annotations

import queue
import threading
import time

from .known_hosts import KnownHosts
from .report import HostReport
from .ssh_check import HostCheck
from .targets import Target

WORKERS = 16                # hosts checked at once, unless --forks says otherwise


def check_all(targets: list[Target], timeout: float, *, workers: int = WORKERS) -> list[HostReport]:
    """Check every host with at most `workers` at a time; a host over its deadline is cut off."""
    cache: dict[tuple[str, ...], KnownHosts] = {}
    checks = []
    for target in targets:
        files = tuple(target.known_hosts_files)
        if files not in cache:
            cache[files] = KnownHosts.load(list(files))
        checks.append(HostCheck(target, cache[files], timeout))
    pending: queue.SimpleQueue[HostCheck] = queue.SimpleQueue()
    for check in checks:
        pending.put(check)

    def work() -> None:
        while True:
            try:
                check = pending.get_nowait()
            except queue.Empty:
                return
            check.run()

    # Daemon threads: a host stuck beyond its deadline must not hold the process at exit.
    threads = [threading.Thread(target=work, name=f"doctor-{n}", daemon=True)
               for n in range(min(workers, len(checks)) or 0)]
    for thread in threads:
        thread.start()
    abandoned: set[int] = set()
    try:
        while not all(check.done.is_set() or id(check) in abandoned for check in checks):
            now = time.monotonic()
            for check in checks:
                if check.started is None or check.done.is_set() or id(check) in abandoned:
                    continue
                overdue = now - check.started - check.deadline_after
                if overdue > 0 and not check.aborted:
                    check.abort()
                elif overdue > 5:   # closing did not free it: give up on this host, report it
                    abandoned.add(id(check))
                    check.report.problems.append(f"no answer within {check.deadline_after:.0f}s; check abandoned")
            if not any(t.is_alive() for t in threads):
                break
            time.sleep(0.05)
    except KeyboardInterrupt:
        for check in checks:
            check.abort()
        raise
    return [check.report for check in checks]
