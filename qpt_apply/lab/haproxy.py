"""A shop's load balancer in the lab: one real HAProxy per shop, in front of the shop's web nodes.

Its files live under DIR/shops/<shop>/ (haproxy.cfg, haproxy.sock, haproxy.log). The frontend listens
on a loopback address of the lab's own; the runtime API is a unix socket at admin level, the one the
`haproxy_server` module drives. Health checks ask each node's storefront (`/`) every second and expect
200, so a node answering 500 (e.g. generated code out of date) shows DOWN within about two seconds.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Callable

from .. import paths  # noqa: F401  (puts the collection's module_utils on sys.path)
from ansible_collections.qpt_apply.magento.plugins.module_utils.haproxy_runtime import (  # noqa: E402
    RuntimeApi, RuntimeApiError, parse_stat)
from . import procs  # noqa: E402

MAX_SOCKET_PATH = 107  # sun_path holds 108 bytes with its terminating NUL


def shop_dir(directory: Path, shop: str) -> Path:
    return Path(directory) / "shops" / shop


def socket_path(directory: Path, shop: str) -> Path:
    return shop_dir(directory, shop) / "haproxy.sock"


def config(shop: str, address: str, port: int, sock: Path, nodes: list[tuple[str, str, int]]) -> str:
    """haproxy.cfg of one shop: frontend <shop>_frontend on address:port, backend <shop>, one server a node."""
    lines = [
        f"# Load balancer of lab shop {shop}; started and stopped by the lab (qpt-apply lab up/down).",
        "global",
        f"    stats socket {sock} mode 600 level admin",
        "    stats timeout 30s",
        "    log stdout format raw local0 info",
        "    maxconn 256",
        "    nbthread 1",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option httplog",
        "    timeout connect 2s",
        "    timeout client 30s",
        "    timeout server 30s",
        "    timeout check 2s",
        "",
        f"frontend {shop}_frontend",
        f"    bind {address}:{port}",
        f"    default_backend {shop}",
        "",
        f"backend {shop}",
        "    balance roundrobin",
        "    option httpchk GET /",
        "    http-check expect status 200",
        "    default-server check inter 1s fastinter 500ms downinter 1s rise 2 fall 2",
        *(f"    server {name} {host}:{web_port}" for name, host, web_port in nodes),
        "",
    ]
    return "\n".join(lines)


def start(directory: Path, shop: str, address: str, nodes: list[tuple[str, str, int]], *,
          record: Callable[[int, str], None], timeout: float = 20.0) -> dict:
    """Start the shop's HAProxy (`record` is told its PID first); return once every node is UP in it."""
    here = shop_dir(directory, shop)
    here.mkdir(parents=True, exist_ok=True)
    sock = socket_path(directory, shop)
    port = procs.free_port(address)
    cfg = here / "haproxy.cfg"
    cfg.write_text(config(shop, address, port, sock, nodes))
    binary = shutil.which("haproxy", path="/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin") or "haproxy"
    pid = procs.spawn([binary, "-db", "-f", str(cfg)], log=here / "haproxy.log")
    record(pid, str(cfg))
    procs.wait_for_port(address, port, pid=pid)
    deadline = time.monotonic() + timeout
    seen: dict[str, str] = {}
    while time.monotonic() < deadline:
        try:
            seen = {name: row["status"] for name, row in servers(sock, shop).items()}
        except RuntimeApiError:
            seen = {}
        if seen and all(status == "UP" for status in seen.values()):
            break
        if not procs.alive(pid):
            raise RuntimeError(f"haproxy of shop {shop} exited: {(here / 'haproxy.log').read_text()[-500:]}")
        time.sleep(0.1)
    else:
        raise RuntimeError(f"shop {shop}: not every node came UP in HAProxy within {timeout:.0f}s: {seen}")
    return {"frontend_url": f"http://{address}:{port}", "haproxy_socket": str(sock), "backend": shop,
            "nodes": [name for name, _, _ in nodes], "frontend_address": address, "frontend_port": port,
            "haproxy_config": str(cfg), "haproxy_log": str(here / "haproxy.log"), "haproxy_pid": pid}


def command(sock: str | Path, line: str, timeout: float = 5.0) -> str:
    """Send one runtime API command; return the answer (RuntimeApiError when HAProxy cannot be asked)."""
    return RuntimeApi(sock, timeout).send(line)


def servers(sock: str | Path, backend: str) -> dict[str, dict[str, str]]:
    """Server name -> its `show stat` columns (scur, stot, status, check_status, ...) in one backend,
    parsed as the haproxy_server module parses them."""
    text = command(sock, "show stat -1 4 -1")
    rows = parse_stat(text, backend)
    if rows is None:
        raise RuntimeApiError(f"unexpected answer to show stat: {text.strip()[:200]}")
    return rows
