"""One MariaDB server for a whole lab: one database and one user per simulated host."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import procs

# Initialising a datadir costs ~1 s; copying a pristine one costs ~0.1 s. One template per server version.
TEMPLATE_ROOT = Path("/var/tmp/qpt-lab-cache")


@dataclass
class MariaDB:
    base: Path          # holds data/, the socket, pid and log files; readable by the mysql user
    port: int = 0
    pid: int = 0

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    @property
    def socket(self) -> Path:
        return self.base / "mysqld.sock"

    def start(self) -> int:
        self.base.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.base, "mysql", "mysql")
        template = _ensure_template()
        subprocess.run(["cp", "-a", str(template), str(self.datadir)], check=True)
        self.port = self.port or procs.free_port("127.0.0.1")
        self.pid = procs.spawn(
            ["mariadbd", "--no-defaults", f"--datadir={self.datadir}", "--user=mysql",
             f"--socket={self.socket}", f"--pid-file={self.base / 'mysqld.pid'}", f"--port={self.port}",
             "--bind-address=127.0.0.1", "--skip-name-resolve", f"--log-error={self.base / 'error.log'}",
             "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=2", "--skip-log-bin",
             "--max-connections=500"],
            log=self.base / "stdout.log",
        )
        procs.wait_for_port("127.0.0.1", self.port, pid=self.pid, timeout=30)
        return self.pid

    def execute(self, sql: str, database: str | None = None) -> str:
        """Run SQL as the server's root over the socket; tab-separated rows, no header."""
        argv = ["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot", "--batch", "--skip-column-names"]
        if database:
            argv.append(database)
        done = subprocess.run(argv, input=sql, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"SQL failed: {done.stderr.strip()}")
        return done.stdout

    def create_database(self, name: str, user: str, password: str) -> None:
        grants = "".join(
            f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}';"
            f"GRANT ALL ON `{name}`.* TO '{user}'@'{host}';"
            for host in ("127.0.0.1", "localhost")
        )
        self.execute(f"CREATE DATABASE `{name}`;{grants}")

    def stop(self) -> None:
        if self.pid:
            procs.stop([self.pid], marker="mariadbd", grace=10)


def _ensure_template() -> Path:
    version = subprocess.run(["mariadbd", "--version"], capture_output=True, text=True).stdout.split()
    template = TEMPLATE_ROOT / ("mariadb-datadir-" + (version[2] if len(version) > 2 else "unknown"))
    if (template / "mysql").is_dir():
        return template
    staging = template.with_name(f"{template.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mariadb-install-db", "--no-defaults", f"--datadir={staging}", "--user=mysql",
         "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"],
        capture_output=True, text=True,
    )
    if done.returncode:
        raise RuntimeError(f"mariadb-install-db failed: {done.stderr.strip()[-500:]}")
    try:
        staging.rename(template)
    except OSError:  # another lab made it first
        shutil.rmtree(staging, ignore_errors=True)
    return template
