"""A bounded stream of customer logins against a lab URL: what customers would see during a rollout.

    load = Load(lab.shop("shop1")["frontend_url"], email, password, threads=4, duration=20)
    load.start(); ...; load.stop(); load.summary()

Each thread sends `POST /rest/V1/integration/customer/token` with the customer's right password (as
a shop's API clients do; a right password never counts toward a lockout), one connection per request,
optionally `interval` seconds apart, and records each answer's HTTP status or connection error.
Bounded three ways: at most MAX_THREADS threads, at most `duration` seconds (it stops by itself), at
most `count` requests. Only loopback addresses (127.0.0.0/8, ::1, localhost) are accepted as targets.

A shop's nodes share the customer row, and on a patched node a right-password login resets its
failures_num: a load running while the functional proof (one wrong login, counter read, one right
login) checks any node of that shop can reset the counter in between and spoil the proof, whichever
node the load reaches. Keep such a load and the proof apart in time.

    python -m qpt_apply.lab.load --dir LAB_DIR --shop SHOP [--duration S] [--threads N]
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

TOKEN_PATH = "/rest/V1/integration/customer/token"
MAX_THREADS = 8
MAX_DURATION = 600.0
ERROR_PAUSE = 0.05


class Load:
    def __init__(self, url: str, email: str, password: str, *, threads: int = 4, duration: float = 30.0,
                 count: int | None = None, timeout: float = 10.0, interval: float = 0.0, path: str = TOKEN_PATH):
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"load target must be an http:// URL, not {url!r}")
        if not _is_loopback(parts.hostname):
            raise ValueError(f"load target {parts.hostname!r} is not a loopback address (127.0.0.0/8, ::1, localhost)")
        if not 1 <= threads <= MAX_THREADS:
            raise ValueError(f"threads must be between 1 and {MAX_THREADS}, not {threads}")
        if not 0 < duration <= MAX_DURATION:
            raise ValueError(f"duration must be more than 0 and at most {MAX_DURATION:.0f} seconds, not {duration}")
        if count is not None and count < 1:
            raise ValueError(f"count must be 1 or more, not {count}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.path = (parts.path.rstrip("/") + path) if parts.path not in ("", "/") else path
        self.body = json.dumps({"username": email, "password": password}).encode()
        self.threads, self.duration, self.count, self.timeout = threads, duration, count, timeout
        self.interval = max(0.0, interval)  # pause of each thread between two requests
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._sent = 0
        self._statuses: Counter = Counter()
        self._errors: Counter = Counter()
        self._answers: list[tuple[float, int | str]] = []
        self._started = self._ended = None

    def start(self) -> "Load":
        if self._workers:
            raise RuntimeError("this load was started already")
        self._started = time.monotonic()
        self._deadline = self._started + self.duration
        self._workers = [threading.Thread(target=self._run, name=f"load-{i}", daemon=True)
                         for i in range(self.threads)]
        for worker in self._workers:
            worker.start()
        return self

    def stop(self) -> dict:
        """Stop sending; wait for the requests in flight (each at most `timeout` s). Returns summary()."""
        self._stop.set()
        for worker in self._workers:
            worker.join(self.timeout + 5)
        return self.summary()

    def wait(self) -> dict:
        """Wait until the load ends by itself (its duration or count); returns summary()."""
        for worker in self._workers:
            worker.join(self.duration + self.timeout + 5)
        return self.summary()

    @property
    def running(self) -> bool:
        return any(worker.is_alive() for worker in self._workers)

    def summary(self) -> dict:
        with self._lock:
            statuses = dict(sorted(self._statuses.items()))
            errors = dict(sorted(self._errors.items()))
            answered = sum(statuses.values())
            end = self._ended if self._ended and not self.running else time.monotonic()
            return {
                "url": f"http://{self.host}:{self.port}{self.path}",
                "requests": answered + sum(errors.values()),
                "statuses": statuses,                       # HTTP status -> answers
                "errors": errors,                           # connection error -> count
                "ok": statuses.get(200, 0),
                "failed": answered - statuses.get(200, 0) + sum(errors.values()),
                "seconds": round(end - self._started, 2) if self._started else 0.0,
                "running": self.running,
            }

    def answers(self) -> list[tuple[float, int | str]]:
        """(seconds since start, HTTP status or error name) of every request, in the order they ended."""
        with self._lock:
            return list(self._answers)

    def _claim(self) -> bool:
        with self._lock:
            if self._stop.is_set() or time.monotonic() >= self._deadline:
                return False
            if self.count is not None and self._sent >= self.count:
                return False
            self._sent += 1
            return True

    def _run(self) -> None:
        try:
            while self._claim():
                outcome = self._request()
                with self._lock:
                    if isinstance(outcome, int):
                        self._statuses[outcome] += 1
                    else:
                        self._errors[outcome] += 1
                    self._answers.append((round(time.monotonic() - self._started, 3), outcome))
                # A refused connection comes back at once: pause so a dead target is not a busy loop.
                pause = self.interval if isinstance(outcome, int) else max(self.interval, ERROR_PAUSE)
                if pause:
                    self._stop.wait(pause)
        finally:
            with self._lock:
                self._ended = time.monotonic()

    def _request(self) -> int | str:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request("POST", self.path, body=self.body,
                         headers={"Content-Type": "application/json", "Connection": "close"})
            answer = conn.getresponse()
            answer.read()
            return answer.status
        except (OSError, http.client.HTTPException) as exc:
            return type(exc).__name__
        finally:
            conn.close()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost: never resolved, never a target


def for_shop(lab_dir: Path, shop: str, **options) -> Load:
    """A load on a lab shop's frontend, with the lab customer's right credentials."""
    info = json.loads((Path(lab_dir) / "lab.json").read_text())
    node = info["hosts"][info["shops"][shop]["nodes"][0]]
    return Load(info["shops"][shop]["frontend_url"], node["customer"]["email"], node["customer"]["password"],
                **options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qpt_apply.lab.load", description=__doc__.split("\n")[0])
    parser.add_argument("--dir", required=True, type=Path, help="the lab's directory")
    parser.add_argument("--shop", required=True)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds (default 30)")
    parser.add_argument("--threads", type=int, default=4, help=f"at most {MAX_THREADS} (default 4)")
    parser.add_argument("--count", type=int, default=None, help="stop after this many requests")
    args = parser.parse_args(argv)
    try:
        load = for_shop(args.dir, args.shop, threads=args.threads, duration=args.duration, count=args.count)
    except (OSError, KeyError, ValueError) as exc:
        print(f"load: {exc}", file=sys.stderr)
        return 2
    load.start()
    try:
        summary = load.wait()
    except KeyboardInterrupt:
        summary = load.stop()
    print(json.dumps(summary, indent=2))
    return 0 if summary["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
