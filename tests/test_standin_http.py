"""The stand-in shop over HTTP with a real MariaDB: the ACSD-61103 bug and its fix are observable only through
Magento's mechanisms (event config read from the config cache, compiled DI in production, maintenance flag)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from qpt_apply.lab import procs, standin
from qpt_apply.lab.mariadb import MariaDB

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mariadbd"),
                                reason="needs root and MariaDB")

EMAIL = "roni_cost@example.com"
PASSWORD = "Lab-Secret-1"
TOKEN = "/rest/V1/integration/customer/token"
LOCKED = ("The account sign-in was incorrect or your account is disabled temporarily. "
          "Please wait and try again later.")
GENERATE = 'mutation { generateCustomerToken(email: "%s", password: "%s") { token } }'


@pytest.fixture(scope="module")
def server():
    # Not under pytest's private tmp dir: mariadbd runs as the mysql user and must reach its datadir.
    base = Path(tempfile.mkdtemp(prefix="standin-mariadb-"))
    base.chmod(0o755)
    db = MariaDB(base)
    try:
        db.start()
        yield db
    finally:
        db.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("artifacts")
    standin.build_artifact_repo(path, [("2.4.6-p3", "community")])
    return path


class Shop:
    def __init__(self, root: Path, db: MariaDB, name: str, port: int, pid: int):
        self.root, self.db, self.name, self.port, self.pid = root, db, name, port, pid

    def request(self, path: str, body: dict) -> tuple[int, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=json.dumps(body).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def rest_login(self, password: str) -> tuple[int, str]:
        return self.request(TOKEN, {"username": EMAIL, "password": password})

    def graphql_login(self, password: str) -> tuple[int, dict]:
        code, body = self.request("/graphql", {"query": GENERATE % (EMAIL, password)})
        return code, json.loads(body)

    def sql(self, query: str) -> list[list[str]]:
        return [line.split("\t") for line in self.db.execute(query, database=self.name).splitlines()]

    def failures(self) -> int:
        return int(self.sql(f"SELECT failures_num FROM customer_entity WHERE email = '{EMAIL}'")[0][0])

    def run(self, *argv: str) -> subprocess.CompletedProcess:
        done = subprocess.run([shutil.which("php"), str(self.root / argv[0]), *argv[1:]], cwd="/",
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return done


@pytest.fixture
def shop(server, artifacts, tmp_path):
    started: list[int] = []

    def make(name: str, mode: str) -> Shop:
        database = f"standin_{name}"
        server.create_database(database, f"u_{name}", "pw")
        server.execute(standin.database_sql(EMAIL, PASSWORD), database=database)
        root = tmp_path / name / "magento"
        conn = standin.DbConn("127.0.0.1", server.port, database, f"u_{name}", "pw", str(server.socket))
        port = procs.free_port("127.0.0.1")
        standin.build_magento_root(root, magento="2.4.6-p3", edition="community", qpt="1.1.58", mode=mode,
                                   patch="clean", artifacts=artifacts, db=conn, base_url=f"http://127.0.0.1:{port}")
        pid = procs.spawn(standin.front_command(root, "127.0.0.1", port), cwd=root, log=tmp_path / f"{name}.log")
        started.append(pid)
        procs.wait_for_port("127.0.0.1", port, pid=pid)
        return Shop(root, server, database, port, pid)

    yield make
    procs.stop(started, marker="-S")
    for name in [p.name for p in tmp_path.iterdir() if p.is_dir()]:
        server.execute(f"DROP DATABASE IF EXISTS `standin_{name}`; DROP USER IF EXISTS 'u_{name}'@'127.0.0.1';"
                       f"DROP USER IF EXISTS 'u_{name}'@'localhost';")


def test_rest_login_bug_fixed_only_after_cache_clean(shop):
    web = shop("rest", "default")
    assert web.rest_login("wrong") == (401, json.dumps({"message": LOCKED}, separators=(",", ":")))
    assert web.failures() == 1
    code, token = web.rest_login(PASSWORD)
    assert code == 200 and len(json.loads(token)) == 32
    assert web.failures() == 1  # the bug: API logins keep the failure
    assert web.sql("SELECT COUNT(*) FROM oauth_token_request_log") == [["0"]]

    web.run("vendor/bin/magento-patches", "apply", "ACSD-61103", "-n")
    assert web.rest_login(PASSWORD)[0] == 200
    assert web.failures() == 1  # the new observer is not in the cached event configuration yet

    web.run("bin/magento", "cache:clean")
    assert web.rest_login(PASSWORD)[0] == 200
    assert web.failures() == 0
    assert web.sql(f"SELECT first_failure, lock_expires FROM customer_entity WHERE email = '{EMAIL}'") == [
        ["NULL", "NULL"]]

    web.run("vendor/bin/magento-patches", "revert", "ACSD-61103", "-n")
    web.run("bin/magento", "cache:clean", "config")
    assert web.rest_login("wrong")[0] == 401
    assert web.rest_login(PASSWORD)[0] == 200
    assert web.failures() == 1


def test_rest_errors_and_throttle(shop):
    web = shop("errors", "default")
    assert web.request(TOKEN, {"username": EMAIL, "password": ""}) == (
        400, '{"message":"\\"%fieldName\\" is required. Enter and try again.","parameters":{"fieldName":"password"}}')
    assert web.request("/rest/V1/nothing", {})[0] == 404
    for _ in range(6):
        assert web.rest_login("wrong")[0] == 401
    assert web.sql(f"SELECT failures_count FROM oauth_token_request_log WHERE user_name = '{EMAIL}'") == [["6"]]
    # Throttled: even the right password is refused, without touching customer_entity.
    assert web.rest_login(PASSWORD) == (401, json.dumps({"message": LOCKED}, separators=(",", ":")))
    assert web.failures() == 6
    web.sql("UPDATE oauth_token_request_log SET lock_expires_at = NOW() - INTERVAL 1 SECOND")
    assert web.rest_login(PASSWORD)[0] == 200
    assert web.sql("SELECT COUNT(*) FROM oauth_token_request_log") == [["0"]]


def test_graphql_login_bug_fixed_only_after_cache_clean(shop):
    web = shop("graphql", "developer")
    code, body = web.graphql_login("wrong")
    assert code == 200
    assert body == {"errors": [{"message": LOCKED, "extensions": {"category": "graphql-authentication"},
                                "locations": [{"line": 1, "column": 12}], "path": ["generateCustomerToken"]}],
                    "data": {"generateCustomerToken": None}}
    assert web.failures() == 1
    code, body = web.graphql_login(PASSWORD)
    assert code == 200 and len(body["data"]["generateCustomerToken"]["token"]) == 32
    assert web.failures() == 1

    web.run("vendor/bin/magento-patches", "apply", "ACSD-61103", "-n")
    variables = {"query": "mutation Login($e: String!, $p: String!) {\n  generateCustomerToken(email: $e, "
                          "password: $p) { token }\n}", "variables": {"e": EMAIL, "p": PASSWORD}}
    assert web.request("/graphql", variables)[0] == 200
    assert web.failures() == 1

    web.run("bin/magento", "cache:clean", "config")
    code, body = web.request("/graphql", variables)
    assert code == 200 and "token" in json.loads(body)["data"]["generateCustomerToken"]
    assert web.failures() == 0


def test_production_needs_di_compile_after_patch(shop):
    web = shop("prod", "production")
    assert web.rest_login("wrong")[0] == 401
    assert web.rest_login(PASSWORD)[0] == 200
    assert web.failures() == 1

    web.run("vendor/bin/magento-patches", "apply", "ACSD-61103", "-n")
    web.run("bin/magento", "cache:clean")
    for attempt in (lambda: web.rest_login(PASSWORD), lambda: web.request("/graphql", {
            "query": GENERATE % (EMAIL, PASSWORD)})):
        code, body = attempt()
        assert code == 500
        assert body == "An error has happened during application run. See exception log for details.\n"
    assert "ArgumentCountError" in (web.root / "var/log/exception.log").read_text()
    assert web.failures() == 1

    web.run("bin/magento", "setup:di:compile")
    assert web.rest_login(PASSWORD)[0] == 200
    assert web.failures() == 0


def test_maintenance_and_unknown_paths(shop):
    web = shop("maint", "default")
    web.run("bin/magento", "maintenance:enable")
    code, body = web.rest_login(PASSWORD)
    assert code == 503 and "Service Temporarily Unavailable" in body
    assert web.request("/graphql", {"query": GENERATE % (EMAIL, PASSWORD)})[0] == 503
    assert web.failures() == 0
    web.run("bin/magento", "maintenance:disable")
    assert web.rest_login(PASSWORD)[0] == 200
    assert web.request("/customer/account/login", {})[0] == 404
