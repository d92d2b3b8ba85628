"""Bring a simulated Magento fleet up and down: Unix users, sshd, MariaDB and a web front per host,
and one HAProxy in front of each shop's nodes.

Everything the lab starts is recorded in DIR/lab.state.json as it starts, so `down` (or a failed
`up` cleaning after itself) stops exactly those PIDs and removes exactly those users.
"""

from __future__ import annotations

import json
import os
import pwd
import random
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from . import haproxy, procs, standin
from .mariadb import MariaDB
from .spec import TOOLS, HostSpec, check_delays, check_faults, shops_of

STATE = "lab.state.json"
LAB_JSON = "lab.json"
INVENTORY = "inventory.yml"
SHARED_ROOT = Path("/var/tmp/qpt-lab")   # must be traversable by every host user (artifact repo)
CUSTOMER_EMAIL = "roni_cost@example.com"

# What a fresh Debian machine needs, as (what we look for, the package that brings it).
_REQUIRED_COMMANDS = {
    "sshd": "openssh-server", "ssh": "openssh-client", "ssh-keygen": "openssh-client",
    "mariadbd": "mariadb-server", "mariadb-install-db": "mariadb-server", "mariadb": "mariadb-client",
    "php": "php-cli", "composer": "composer", "git": "git", "patch": "patch", "unzip": "unzip",
    "unshare": "util-linux", "useradd": "passwd", "userdel": "passwd",
}
_REQUIRED_PHP_MODULES = {"pdo_mysql": "php-mysql", "zip": "php-zip", "SimpleXML": "php-xml"}


class LabError(RuntimeError):
    """Bad input or environment: one line naming the problem; nothing is left half-started."""


# --------------------------------------------------------------------------- up / down


def up(directory: Path, hosts: list[HostSpec]) -> "Lab":
    directory = directory.resolve()
    _check_environment(directory, shops=bool(shops_of(hosts)))
    state = _State(directory / STATE, lab_id=_new_lab_id())
    try:
        _build(directory, hosts, state)
    except BaseException as exc:
        _teardown(directory, state.data)
        if isinstance(exc, LabError) or not isinstance(exc, Exception):
            raise  # ours already, or Ctrl-C / exit: rolled back, and the interrupt goes on
        raise LabError(f"lab up failed and was rolled back: {exc}") from exc
    return Lab(directory)


def down(directory: Path) -> None:
    directory = directory.resolve()
    state_file = directory / STATE
    if not state_file.exists():
        raise LabError(f"no lab is up in {directory} (no {STATE})")
    _teardown(directory, json.loads(state_file.read_text()))


def _check_environment(directory: Path, *, shops: bool) -> None:
    if os.geteuid() != 0:
        raise LabError("the lab must run as root: it creates a Unix user and an sshd per simulated host")
    required = {**_REQUIRED_COMMANDS, **({"haproxy": "haproxy"} if shops else {})}
    missing = sorted({pkg for cmd, pkg in required.items() if not _which(cmd)})
    if not missing and (php := _which("php")):
        modules = subprocess.run([php, "-m"], capture_output=True, text=True).stdout.split()
        missing = sorted({pkg for mod, pkg in _REQUIRED_PHP_MODULES.items() if mod not in modules})
    if missing:
        raise LabError(f"missing system package(s): {' '.join(missing)} (apt-get install {' '.join(missing)})")
    if (directory / STATE).exists():
        lab_id = json.loads((directory / STATE).read_text()).get("lab_id", "?")
        raise LabError(f"a lab (id {lab_id}) is already up in {directory}; run `qpt-apply lab down --dir {directory}` first")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise LabError(f"lab directory {directory} is not writable: {exc.strerror}") from None
    if shops and len(str(haproxy.socket_path(directory, "x" * 11))) > haproxy.MAX_SOCKET_PATH:
        raise LabError(f"lab directory {directory} is too long a path for a shop's HAProxy socket "
                       f"(a unix socket path holds at most {haproxy.MAX_SOCKET_PATH} bytes)")


def _which(command: str) -> str | None:
    return shutil.which(command, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


def _new_lab_id() -> str:
    taken = {p.pw_name for p in pwd.getpwall()}
    while True:
        lab_id = secrets.token_hex(2)
        if not any(name.startswith(f"ql{lab_id}-") for name in taken):
            return lab_id


class _State:
    """The lab's own record of what it started; written after every step so a crash can be undone."""

    def __init__(self, path: Path, lab_id: str):
        self.path = path
        self.lock = threading.Lock()
        self.data = {"lab_id": lab_id, "users": [], "pids": [], "addresses": [], "shared": None,
                     "mariadb": None}
        self.save()

    def add(self, key: str, value) -> None:
        with self.lock:
            self.data[key].append(value)
            self.save()

    def set(self, key: str, value) -> None:
        with self.lock:
            self.data[key] = value
            self.save()

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=2))
        tmp.replace(self.path)


def _build(directory: Path, hosts: list[HostSpec], state: _State) -> None:
    if 11 + len(hosts) + len(shops_of(hosts)) > 254:  # one 127.a.b.0/24 per lab, from .11 on
        raise LabError(f"{len(hosts)} hosts and their shops' load balancers do not fit one lab's addresses")
    lab_id = state.data["lab_id"]
    shared = SHARED_ROOT / lab_id
    shared.mkdir(parents=True, mode=0o755)
    SHARED_ROOT.chmod(0o755)
    state.set("shared", str(shared))
    artifacts = shared / "artifacts"
    standin.build_artifact_repo(artifacts, sorted({(h.magento, h.edition) for h in hosts}))
    _chmod_readable(shared)

    key = directory / "id_ed25519"
    for stale in (key, key.with_suffix(".pub")):
        stale.unlink(missing_ok=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"qpt-lab-{lab_id}", "-f", str(key)],
                   check=True)

    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    db = MariaDB(shared / "mariadb")
    state.set("mariadb", {"base": str(db.base)})
    db.start()
    state.add("pids", {"pid": db.pid, "marker": "mariadbd"})
    state.set("mariadb", {"base": str(db.base), "port": db.port, "socket": str(db.socket)})

    subnet = _free_subnet()
    # One verification customer password for the whole lab, as a fleet would keep one in its vault.
    customer_password = "Lab-" + secrets.token_urlsafe(9)
    # A shop's nodes share one database (one customer row), as web nodes of one shop do.
    shop_dbs = {shop: _create_database(db, f"shop_{shop}", f"ql{lab_id}-{shop}", customer_password)
                for shop in shops_of(hosts)}
    jobs = [(index, host) for index, host in enumerate(hosts, start=11)]
    with ThreadPoolExecutor(max_workers=min(4, len(jobs))) as pool:
        built = list(pool.map(lambda job: _build_host(directory, lab_id, f"{subnet}.{job[0]}", job[1],
                                                      key, artifacts, db, state, customer_password,
                                                      shop_dbs.get(job[1].shop)), jobs))
    by_name = {host["spec"].name: host for host in built}
    shops = {}
    for index, (shop, nodes) in enumerate(shops_of(hosts).items(), start=11 + len(hosts)):
        address = f"{subnet}.{index}"
        state.add("addresses", address)
        servers = [(node.name, by_name[node.name]["address"], by_name[node.name]["web_port"]) for node in nodes]
        shops[shop] = haproxy.start(directory, shop, address, servers,
                                    record=lambda pid, marker: state.add("pids", {"pid": pid, "marker": marker}))
    _write_outputs(directory, lab_id, key, artifacts, db, built, shops)


def _create_database(db: MariaDB, name: str, user: str, customer_password: str) -> standin.DbConn:
    """A database with the lab's schema and its one customer, and a user of its own."""
    conn = standin.DbConn(host="127.0.0.1", port=db.port, name=name, user=user,
                          password=secrets.token_urlsafe(12), socket=str(db.socket))
    db.create_database(name, user, conn.password)
    db.execute(standin.database_sql(CUSTOMER_EMAIL, customer_password), database=name)
    return conn


def _free_subnet() -> str:
    """A 127.a.b.0/24 no one listens on, so two labs (or a lab and the machine's own services) never collide."""
    busy = {line.split()[1].split(":")[0] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]}
    while True:
        a, b = random.randint(16, 250), random.randint(1, 250)
        prefix = f"{b:02X}{a:02X}7F"  # /proc/net/tcp prints addresses little-endian in hex
        if not any(addr.endswith(prefix) for addr in busy):
            return f"127.{a}.{b}"


def _build_host(directory: Path, lab_id: str, address: str, spec: HostSpec, key: Path,
                artifacts: Path, db: MariaDB, state: _State, customer_password: str,
                shared_db: standin.DbConn | None = None) -> dict:
    user = f"ql{lab_id}-{spec.name}"
    home = Path("/home") / user
    subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash",
                    "--password", "*", user], check=True, capture_output=True)
    state.add("users", user)
    state.add("addresses", address)

    host_dir = directory / "hosts" / spec.name
    host_dir.mkdir(parents=True, exist_ok=True)
    conn = shared_db or _create_database(db, f"magento_{spec.name.replace('-', '_')}", user, customer_password)

    ssh_port = procs.free_port(address)
    web_port = procs.free_port(address)
    base_url = f"http://{address}:{web_port}"
    root = home / "magento"
    standin.build_magento_root(root, magento=spec.magento, edition=spec.edition, qpt=spec.qpt, mode=spec.mode,
                               patch=spec.patch, artifacts=artifacts, db=conn, base_url=base_url)
    _set_up_login(home, user, key, spec.tools)
    _write_faults(home / standin.FAULTS_FILE, spec.faults, spec.delays)
    # Created now so that it belongs to the host user even if root runs a stand-in there first.
    (home / standin.COMMANDS_LOG).touch(mode=0o644)
    subprocess.run(["chown", "-R", f"{user}:{user}", str(home)], check=True)

    host_key = host_dir / "ssh_host_ed25519_key"
    host_key.unlink(missing_ok=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
    config = host_dir / "sshd_config"
    config.write_text(_sshd_config(address, ssh_port, host_key, user))
    sshd = procs.spawn(["unshare", "--uts", "sh", "-c", f'hostname "$0" && exec "$1" -D -e -f "$2"',
                        spec.name, _which("sshd"), str(config)], log=host_dir / "sshd.log")
    state.add("pids", {"pid": sshd, "marker": str(config)})
    front = procs.spawn(standin.front_command(root, address, web_port), cwd=root, user=user,
                        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home)}, log=host_dir / "front.log")
    state.add("pids", {"pid": front, "marker": f"{address}:{web_port}"})
    procs.wait_for_port(address, ssh_port, pid=sshd)
    procs.wait_for_port(address, web_port, pid=front)
    return {"spec": spec, "user": user, "home": str(home), "root": str(root), "address": address,
            "ssh_port": ssh_port, "web_port": web_port, "base_url": base_url, "db": conn,
            "customer": {"email": CUSTOMER_EMAIL, "password": customer_password},
            "host_key": str(host_key), "sshd_pid": sshd, "front_pid": front}


def _write_faults(path: Path, faults: dict, delays: dict, owner: str | None = None) -> None:
    """Replace the host's faults file in one rename, so a stand-in reads either the old or the new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # `set`: when, so a fault that counts runs ("written-meanwhile") counts from here.
    tmp.write_text(json.dumps({"faults": faults, "delays": delays, "set": time.time()}, indent=2) + "\n")
    tmp.chmod(0o644)
    if owner:
        shutil.chown(tmp, owner, owner)
    tmp.replace(path)


def _set_up_login(home: Path, user: str, key: Path, tools: tuple[str, ...]) -> None:
    ssh_dir = home / ".ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    (ssh_dir / "authorized_keys").write_text(key.with_suffix(".pub").read_text())
    (ssh_dir / "authorized_keys").chmod(0o600)
    path = "/usr/local/bin:/usr/bin:/bin"
    hidden = [t for t in TOOLS if t not in tools]
    if hidden:
        # A PATH made of symlinks to everything but the hidden tools, like a host where they are not installed.
        bin_dir = home / ".lab-bin"
        bin_dir.mkdir()
        for source in ("/usr/local/bin", "/usr/bin", "/usr/sbin"):
            for entry in os.scandir(source):
                if entry.name not in hidden and not (bin_dir / entry.name).exists():
                    (bin_dir / entry.name).symlink_to(entry.path)
        path = str(bin_dir)
    (ssh_dir / "environment").write_text(f"PATH={path}\n")


def _sshd_config(address: str, port: int, host_key: Path, user: str) -> str:
    return "\n".join([
        f"ListenAddress {address}:{port}",
        f"HostKey {host_key}",
        "PidFile none",
        "UsePAM no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "AuthorizedKeysFile .ssh/authorized_keys",
        f"AllowUsers {user}",
        "PermitUserEnvironment PATH",
        "StrictModes yes",
        "MaxStartups 200:30:400",
        "MaxSessions 100",
        "Subsystem sftp internal-sftp",
        "LogLevel ERROR",
        "",
    ])


def _chmod_readable(path: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(path):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)


def _write_outputs(directory: Path, lab_id: str, key: Path, artifacts: Path, db: MariaDB, built: list[dict],
                   shops: dict[str, dict]) -> None:
    inventory_hosts = {}
    info_hosts = {}
    for host in built:
        spec: HostSpec = host["spec"]
        inventory_hosts[spec.name] = {
            "ansible_host": host["address"],
            "ansible_port": host["ssh_port"],
            "ansible_user": host["user"],
            "ansible_ssh_private_key_file": str(key),
            # Lab hosts get fresh host keys on every `up`; checking stays on for everything else.
            "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
            "ansible_python_interpreter": "/usr/bin/python3",
            "magento_root": host["root"],
            "magento_php": "/usr/bin/php",
            "magento_user": host["user"],
            "magento_base_url": host["base_url"],
            "qpt_verify_customer_email": host["customer"]["email"],
        }
        if spec.shop:
            # Where this node sits in its shop's load balancer (inventory/README.md, "Load balancer").
            inventory_hosts[spec.name].update({
                "haproxy_host": "localhost",
                "haproxy_socket": shops[spec.shop]["haproxy_socket"],
                "haproxy_backend": shops[spec.shop]["backend"],
                "haproxy_server": spec.name,
            })
        conn: standin.DbConn = host["db"]
        info_hosts[spec.name] = {
            "user": host["user"], "home": host["home"], "magento_root": host["root"],
            "address": host["address"], "ssh_port": host["ssh_port"], "web_port": host["web_port"],
            "base_url": host["base_url"], "host_key": host["host_key"],
            "customer": host["customer"],
            "faults_file": str(Path(host["home"]) / standin.FAULTS_FILE),
            "commands_log": str(Path(host["home"]) / standin.COMMANDS_LOG),
            "db": {"socket": conn.socket, "host": conn.host, "port": conn.port, "name": conn.name,
                   "user": conn.user, "password": conn.password},
            "spec": spec.as_dict(),
        }
        if spec.shop:
            info_hosts[spec.name]["shop"] = spec.shop
    magento = {"hosts": inventory_hosts}
    if shops:
        magento["children"] = {shop: {"hosts": {node: {} for node in lb["nodes"]}} for shop, lb in shops.items()}
    inventory = {"all": {"children": {"magento": magento}}}
    (directory / INVENTORY).write_text(
        f"# Simulated fleet of lab {lab_id}; stop it with: qpt-apply lab down --dir {directory}\n"
        + yaml.safe_dump(inventory, sort_keys=False)
    )
    info = {"lab_id": lab_id, "artifacts": str(artifacts), "ssh_private_key": str(key),
            "customer_password": built[0]["customer"]["password"],
            "mariadb": {"socket": str(db.socket), "host": "127.0.0.1", "port": db.port},
            "hosts": info_hosts, "shops": shops}
    (directory / LAB_JSON).write_text(json.dumps(info, indent=2) + "\n")
    (directory / LAB_JSON).chmod(0o600)  # holds the customers' passwords


def _teardown(directory: Path, state: dict) -> None:
    """Stop everything `state` records, by PID; remove its users and files. Safe to run twice."""
    pids = state.get("pids", [])
    mariadb = [p for p in pids if p["marker"] == "mariadbd"]
    for entry in pids:
        if entry not in mariadb:
            procs.stop([entry["pid"]], marker=entry["marker"])
    # ssh clients still connected to lab hosts (e.g. ControlPersist masters) would outlive the lab.
    addresses = set(state.get("addresses", []))
    if addresses:
        procs.stop(procs.pids_connected_to(addresses))
    for user in state.get("users", []):
        try:
            uid = pwd.getpwnam(user).pw_uid
        except KeyError:
            continue
        procs.stop(procs.pids_of_uid(uid))
        subprocess.run(["userdel", "--remove", user], capture_output=True)
        shutil.rmtree(Path("/home") / user, ignore_errors=True)
    for entry in mariadb:
        procs.stop([entry["pid"]], marker=entry["marker"], grace=15)
    if state.get("shared"):
        shutil.rmtree(state["shared"], ignore_errors=True)
    for name in (INVENTORY, LAB_JSON, "id_ed25519", "id_ed25519.pub", STATE):
        (directory / name).unlink(missing_ok=True)
    shutil.rmtree(directory / "hosts", ignore_errors=True)
    shutil.rmtree(directory / "shops", ignore_errors=True)


# --------------------------------------------------------------------------- a running lab


class Lab:
    """A handle on a lab that is up: what tests and the demo use to look at hosts independently."""

    def __init__(self, directory: Path):
        self.dir = Path(directory).resolve()
        self.inventory = self.dir / INVENTORY
        self.info = json.loads((self.dir / LAB_JSON).read_text())

    @property
    def names(self) -> list[str]:
        return list(self.info["hosts"])

    @property
    def shops(self) -> list[str]:
        return list(self.info.get("shops", {}))

    def shop(self, name: str) -> dict:
        """frontend_url, haproxy_socket, backend, nodes (their host names) and where HAProxy keeps its files."""
        return self.info["shops"][name]

    def haproxy(self, shop: str, command: str) -> str:
        """One command on the shop's HAProxy runtime API (admin level); its answer."""
        return haproxy.command(self.shop(shop)["haproxy_socket"], command)

    def servers(self, shop: str) -> dict[str, dict[str, str]]:
        """The shop's servers as HAProxy's `show stat` reports them: node name -> its CSV columns."""
        info = self.shop(shop)
        return haproxy.servers(info["haproxy_socket"], info["backend"])

    def host(self, name: str) -> dict:
        return self.info["hosts"][name]

    def root(self, name: str) -> Path:
        return Path(self.host(name)["magento_root"])

    def sql(self, name: str, query: str) -> list[tuple[str, ...]]:
        db = self.host(name)["db"]
        done = subprocess.run(
            ["mariadb", "--no-defaults", f"--socket={db['socket']}", f"-u{db['user']}", f"-p{db['password']}",
             "--batch", "--skip-column-names", db["name"], "-e", query],
            capture_output=True, text=True, check=True)
        return [tuple(line.split("\t")) for line in done.stdout.splitlines()]

    def run_as(self, name: str, argv: list[str], *, check: bool = False) -> subprocess.CompletedProcess:
        """Run a command on the host as its user in its Magento root, with the PATH its SSH logins get."""
        host = self.host(name)
        env_line = (Path(host["home"]) / ".ssh" / "environment").read_text().strip()
        env = {"HOME": host["home"], "USER": host["user"], "PATH": env_line.split("=", 1)[1], "LANG": "C.UTF-8"}
        return subprocess.run(argv, cwd=host["magento_root"], user=host["user"], group=host["user"],
                              extra_groups=[], env=env, capture_output=True, text=True, check=check)

    def http(self, name: str, method: str, path: str, body: dict | None = None,
             headers: dict | None = None, timeout: float = 20) -> tuple[int, str]:
        request = urllib.request.Request(
            self.host(name)["base_url"] + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def failures_num(self, name: str) -> int:
        email = self.host(name)["customer"]["email"]
        rows = self.sql(name, f"SELECT failures_num FROM customer_entity WHERE email = '{email}'")
        return int(rows[0][0])

    def faults(self, name: str) -> dict:
        """The host's faults file as the stand-ins read it: {"faults": {...}, "delays": {...}}."""
        path = self._faults_file(name)
        data = json.loads(path.read_text()) if path.exists() else {}
        return {"faults": data.get("faults", {}), "delays": data.get("delays", {})}

    def set_faults(self, name: str, faults: dict | None = None, delays: dict | None = None) -> None:
        """Set the host's faults and/or delays (each replaced as a whole; None keeps what is there).

        The stand-ins read the file at every run, so this applies from the next command on.
        """
        label = f"host {name!r}"
        current = self.faults(name)
        _write_faults(self._faults_file(name),
                      current.get("faults", {}) if faults is None else check_faults(label, faults),
                      current.get("delays", {}) if delays is None else check_delays(label, delays),
                      owner=self.host(name)["user"])

    def clear_faults(self, name: str) -> None:
        """No step fails any more; the delays stay (set_faults(name, delays={}) drops them)."""
        self.set_faults(name, faults={})

    def commands(self, name: str) -> list[dict]:
        """Every start/end line the host's stand-ins logged, oldest first."""
        log = Path(self.host(name)["home"]) / standin.COMMANDS_LOG
        if not log.exists():
            return []
        # Only lines with their newline: one being appended right now is not complete yet.
        complete = log.read_text().split("\n")[:-1]
        return [json.loads(line) for line in complete if line.strip()]

    def _faults_file(self, name: str) -> Path:
        return Path(self.host(name)["home"]) / standin.FAULTS_FILE

    def stop_sshd(self, name: str) -> None:
        """Take a host off the network: its sshd and every SSH session to it end."""
        host = self.host(name)
        state = json.loads((self.dir / STATE).read_text())
        marker = str(self.dir / "hosts" / name / "sshd_config")
        procs.stop([p["pid"] for p in state["pids"] if p["marker"] == marker], marker=marker)
        procs.stop(procs.pids_connected_to({host["address"]}))
