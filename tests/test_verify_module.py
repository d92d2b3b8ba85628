"""The login-check module: its pure rules, and its host side against a real MariaDB and a small
token endpoint that follows Magento's lockout rules (bug or fix switchable)."""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from qpt_apply import paths

REPO = Path(__file__).resolve().parent.parent
MODULE_PATH = REPO / "plugins" / "modules" / "magento_login_check.py"


def _load():
    spec = importlib.util.spec_from_file_location("magento_login_check", MODULE_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mlc = _load()
LIMITS = {"lockout_failures": 10, "lockout_threshold": 10, "max_failures_count": 6}


def customer(failures=0, locked=False):
    return {"entity_id": 1, "website_id": 1, "failures_num": failures, "lock_expires": None, "locked": locked}


def throttle(count=0):
    return {"failures_count": count, "window_expires_at": "2026-01-01 00:30:00" if count else None}


# --------------------------------------------------------------------------- pure rules


def test_limits_default_when_nothing_is_configured():
    assert mlc.effective_limits([], []) == LIMITS


def test_limits_precedence_env_php_over_config_php_over_database():
    rows = [{"scope": "default", "scope_id": "0", "path": "customer/password/lockout_failures", "value": "7"}]
    assert mlc.effective_limits(rows, [])["lockout_failures"] == 7
    overrides = [
        {"source": "config.php", "scope": "default", "code": "", "path": "customer/password/lockout_failures", "value": "8"},
        {"source": "env.php", "scope": "default", "code": "", "path": "customer/password/lockout_failures", "value": "9"},
    ]
    assert mlc.effective_limits(rows, overrides)["lockout_failures"] == 9
    assert mlc.effective_limits(rows, overrides[:1])["lockout_failures"] == 8


def test_limits_a_stricter_scope_wins_and_zero_means_off():
    rows = [
        {"scope": "default", "scope_id": "0", "path": "oauth/authentication_lock/max_failures_count", "value": "6"},
        {"scope": "websites", "scope_id": "2", "path": "oauth/authentication_lock/max_failures_count", "value": "4"},
        {"scope": "default", "scope_id": "0", "path": "customer/password/lockout_failures", "value": "0"},
    ]
    limits = mlc.effective_limits(rows, [])
    assert limits["max_failures_count"] == 4
    assert limits["lockout_failures"] == 0
    assert mlc.counting_disabled(limits)


@pytest.mark.parametrize("failures, refused", [(0, False), (6, False), (7, True), (12, True)])
def test_refuses_when_one_more_failure_comes_within_two_of_the_lockout(failures, refused):
    assert (mlc.refusal(customer(failures), throttle(), LIMITS) is not None) is refused


@pytest.mark.parametrize("count, refused", [(0, False), (3, False), (4, True)])
def test_refuses_when_the_api_throttle_is_within_two_of_its_lock(count, refused):
    assert (mlc.refusal(customer(), throttle(count), LIMITS) is not None) is refused


def test_refuses_locked_account_and_locked_throttle():
    assert "locked" in mlc.refusal(customer(locked=True), throttle(), LIMITS)
    assert "refuses" in mlc.refusal(customer(), throttle(6), LIMITS)


def test_throttle_counts_only_inside_its_live_window():
    # Magento sets lock_expires_at on every failure; once it passed, the count no longer matters.
    assert mlc.throttle_state([{"failures_count": "5", "lock_expires_at": "x", "live": "1"}])["failures_count"] == 5
    assert mlc.throttle_state([{"failures_count": "5", "lock_expires_at": "x", "live": "0"}])["failures_count"] == 0
    assert mlc.throttle_state([])["failures_count"] == 0


def test_pick_customer_needs_exactly_one_row():
    with pytest.raises(mlc.CheckError, match="no customer"):
        mlc.pick_customer([])
    rows = [{"entity_id": "1", "website_id": "1", "failures_num": "2", "locked": "0"},
            {"entity_id": "2", "website_id": "2", "failures_num": None, "locked": "0"}]
    with pytest.raises(mlc.CheckError, match="2 customers"):
        mlc.pick_customer(rows)
    assert mlc.pick_customer(rows, website_id=2)["failures_num"] == 0
    assert mlc.pick_customer(rows[:1])["failures_num"] == 2


@pytest.mark.parametrize("before, after_bad, after_good, outcome", [
    (0, 1, 0, "fixed"),
    (3, 4, 0, "fixed"),
    (3, 1, 0, "fixed"),          # Magento restarted the count: the old failure was outside the window
    (0, 1, 1, "bug-present"),
    (2, 3, 3, "bug-present"),
    (2, 2, 2, "error"),          # the wrong password was not counted at all
    (0, 0, 0, "error"),
])
def test_judge(before, after_bad, after_good, outcome):
    assert mlc.judge(before, after_bad, after_good)[0] == outcome


def test_overall_is_the_worst_protocol():
    def of(*outcomes):
        return mlc.overall({str(i): {"outcome": o} for i, o in enumerate(outcomes)})
    assert of("fixed", "fixed") == "fixed"
    assert of("fixed", "skipped") == "fixed"
    assert of("skipped", "skipped") == "skipped"
    assert of("fixed", "unsafe") == "unsafe"
    assert of("unsafe", "error") == "error"
    assert of("error", "bug-present") == "bug-present"


def test_answers_are_recognised_exactly():
    auth = json.dumps({"message": mlc.AUTH_ERROR})
    assert mlc.got_auth_error("rest", 401, auth)
    assert not mlc.got_auth_error("rest", 401, json.dumps({"message": "The consumer isn't authorized"}))
    assert not mlc.got_auth_error("rest", 500, auth)
    gql_error = json.dumps({"errors": [{"message": mlc.AUTH_ERROR, "extensions": {"category": "graphql-authentication"}}],
                            "data": {"generateCustomerToken": None}})
    assert mlc.got_auth_error("graphql", 200, gql_error)
    assert not mlc.got_token("graphql", 200, gql_error)
    assert mlc.got_token("rest", 200, json.dumps("abc123"))
    assert not mlc.got_token("rest", 200, "<html>ok</html>")
    assert mlc.got_token("graphql", 200, json.dumps({"data": {"generateCustomerToken": {"token": "t"}}}))


def test_graphql_request_escapes_the_password_and_matches_the_documented_mutation():
    path, body, headers = mlc.request_parts("graphql", "a@example.com", 'p"a\\ss\u00e9')
    query = json.loads(body)["query"]
    assert path == "/graphql" and headers == {}
    assert query.startswith('mutation { generateCustomerToken(email:"a@example.com", password:')
    assert query.index("generateCustomerToken") == 11   # column 12, as in Magento's error locations
    assert 'password:"p\\"a\\\\ss\u00e9"' in query
    path, body, headers = mlc.request_parts("rest", "a@example.com", "pw", store_code="de")
    assert path == "/rest/de/V1/integration/customer/token"
    assert json.loads(body) == {"username": "a@example.com", "password": "pw"}
    assert mlc.request_parts("graphql", "a", "b", store_code="de")[2] == {"Store": "de"}


def test_redact_masks_raw_and_escaped_spellings():
    secret = 'Se"cr\\et'
    data = {"a": f"x {secret} y", "b": [json.dumps({"p": secret})], "c": 3}
    masked = mlc.redact(data, [secret])
    assert secret not in json.dumps(masked) and json.dumps(secret)[1:-1] not in json.dumps(masked)
    assert masked["c"] == 3


def test_excerpt_strips_markup_and_truncates():
    html = "<html><head><style>p{}</style></head><body><h1>Service Temporarily Unavailable</h1>" + "x" * 500
    text = mlc.excerpt(html)
    assert text.startswith("Service Temporarily Unavailable") and len(text) <= mlc.EXCERPT + 3


# --------------------------------------------------------------------------- host side: real DB, real HTTP

SCHEMA = """
CREATE TABLE {p}customer_entity (entity_id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  website_id SMALLINT UNSIGNED, email VARCHAR(255), failures_num SMALLINT DEFAULT 0,
  first_failure TIMESTAMP NULL DEFAULT NULL, lock_expires TIMESTAMP NULL DEFAULT NULL);
CREATE TABLE {p}core_config_data (config_id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  scope VARCHAR(8) NOT NULL DEFAULT 'default', scope_id INT NOT NULL DEFAULT 0, path VARCHAR(255) NOT NULL,
  value TEXT);
CREATE TABLE {p}oauth_token_request_log (log_id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_name VARCHAR(255) NOT NULL, user_type SMALLINT UNSIGNED NOT NULL, failures_count SMALLINT UNSIGNED DEFAULT 0,
  lock_expires_at TIMESTAMP NULL DEFAULT NULL, UNIQUE KEY (user_name, user_type));
INSERT INTO {p}customer_entity (website_id, email) VALUES (1, 'roni_cost@example.com');
INSERT INTO {p}core_config_data (path, value) VALUES ('customer/password/lockout_failures', '10'),
  ('customer/password/lockout_threshold', '10');
"""
EMAIL = "roni_cost@example.com"


class Shop:
    """A token endpoint with Magento 2.4.6's lockout rules; `state` picks bug, fix or a broken node."""

    def __init__(self, db, database, prefix, password):
        self.db, self.database, self.prefix, self.password = db, database, prefix, password
        self.state = "bug"
        self.requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def sql(self, query):
        out = self.db.execute("SET time_zone = '+00:00';" + query.replace("{p}", self.prefix), database=self.database)
        return [line.split("\t") for line in out.splitlines()]

    def login(self, email, password):
        p = self.prefix
        rows = self.sql(f"SELECT failures_count FROM {{p}}oauth_token_request_log "
                        f"WHERE user_name = '{email}' AND user_type = 2 AND lock_expires_at > UTC_TIMESTAMP()")
        if rows and int(rows[0][0]) >= 6:
            return False
        row = self.sql(f"SELECT failures_num, first_failure IS NULL, COALESCE(lock_expires > UTC_TIMESTAMP(), 0) "
                       f"FROM {{p}}customer_entity WHERE email = '{email}'")
        if row and row[0][2] != "1" and password == self.password:
            if self.state == "fixed":
                self.sql(f"UPDATE {{p}}customer_entity SET failures_num = 0, first_failure = NULL, "
                         f"lock_expires = NULL WHERE email = '{email}'")
            self.sql(f"DELETE FROM {{p}}oauth_token_request_log WHERE user_name = '{email}' AND user_type = 2")
            return True
        if row and row[0][2] != "1":
            n = int(row[0][0]) + 1
            if n == 1 or row[0][1] == "1":
                self.sql(f"UPDATE {{p}}customer_entity SET failures_num = 1, first_failure = UTC_TIMESTAMP(), "
                         f"lock_expires = NULL WHERE email = '{email}'")
            else:
                lock = "UTC_TIMESTAMP() + INTERVAL 10 MINUTE" if n >= 10 else "lock_expires"
                self.sql(f"UPDATE {{p}}customer_entity SET failures_num = {n}, lock_expires = {lock} WHERE email = '{email}'")
        # As Magento's RequestLog: every failure counts and moves the window's end.
        self.sql(f"INSERT INTO {p}oauth_token_request_log (user_name, user_type, failures_count, lock_expires_at) "
                 f"VALUES ('{email}', 2, 1, UTC_TIMESTAMP() + INTERVAL 30 MINUTE) ON DUPLICATE KEY UPDATE "
                 f"failures_count = failures_count + 1, lock_expires_at = UTC_TIMESTAMP() + INTERVAL 30 MINUTE")
        return False

    def _handler(shop):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                shop.requests += 1
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if shop.state in ("500", "503"):
                    return self.answer(int(shop.state), f"<html><h1>Error {shop.state}</h1> {json.dumps(body)}</html>")
                if self.path.startswith("/rest/"):
                    if shop.login(body["username"], body["password"]):
                        return self.answer(200, json.dumps("token-" + secrets.token_hex(8)))
                    return self.answer(401, json.dumps({"message": mlc.AUTH_ERROR}))
                # Only the documented mutation shape: two string arguments.
                query = body["query"]
                inner = query[query.index("(") + 1:query.rindex(")")]
                email_part, password_part = inner.split(", password:")
                email, password = json.loads(email_part.split("email:", 1)[1]), json.loads(password_part)
                if shop.login(email, password):
                    return self.answer(200, json.dumps({"data": {"generateCustomerToken": {"token": "t"}}}))
                return self.answer(200, json.dumps({"errors": [{"message": mlc.AUTH_ERROR, "extensions": {
                    "category": "graphql-authentication"}}], "data": {"generateCustomerToken": None}}))

            def answer(self, status, text):
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
        return Handler

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def mariadb():
    if os.geteuid() != 0:
        pytest.skip("a private MariaDB server needs root")
    from qpt_apply.lab.mariadb import MariaDB

    base = Path("/var/tmp") / f"qpt-test-login-{secrets.token_hex(3)}"
    db = MariaDB(base / "db")
    try:
        db.start()
        yield db
    finally:
        db.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def node(mariadb, tmp_path_factory):
    """A Magento root whose env.php points at a prefixed database, and a shop answering for it."""
    prefix = "m2_"
    user, db_password, password = "shop", "Db-" + secrets.token_hex(6), "Cust-" + secrets.token_hex(6)
    mariadb.create_database("shop", user, db_password)
    mariadb.execute(SCHEMA.replace("{p}", prefix), database="shop")
    root = tmp_path_factory.mktemp("magento")
    (root / "app" / "etc").mkdir(parents=True)
    shop = Shop(mariadb, "shop", prefix, password)
    info = SimpleNamespace(root=root, shop=shop, password=password, db_password=db_password, user=user,
                           db=mariadb, prefix=prefix)
    write_env(info, f"127.0.0.1:{mariadb.port}")
    yield info
    shop.close()


def write_env(node, host, extra=""):
    (node.root / "app" / "etc" / "env.php").write_text(
        "<?php\nreturn ['db' => ['table_prefix' => '" + node.prefix + "', 'connection' => ['default' => ["
        f"'host' => '{host}', 'dbname' => 'shop', 'username' => '{node.user}', "
        f"'password' => '{node.db_password}', 'active' => '1']]]{extra}];\n")


@pytest.fixture
def fresh(node):
    node.shop.sql("UPDATE {p}customer_entity SET failures_num = 0, first_failure = NULL, lock_expires = NULL;"
                  "DELETE FROM {p}oauth_token_request_log; DELETE FROM {p}core_config_data "
                  "WHERE path LIKE 'oauth/%';")
    write_env(node, f"127.0.0.1:{node.db.port}")
    node.shop.state = "bug"
    node.shop.requests = 0
    return node


def run_check(node, *, check_mode=False, password=None, **params):
    module = SimpleNamespace(check_mode=check_mode, params={
        "magento_root": str(node.root), "php": shutil.which("php"), "base_url": node.shop.url,
        "host_header": None, "store_code": None, "customer_email": EMAIL,
        "customer_password": node.password if password is None else password, "website_id": None,
        "protocols": ["rest", "graphql"], "timeout": 10, "validate_certs": True, **params})
    changed, result = mlc.run(module)
    assert node.db_password not in json.dumps(result) and node.password not in json.dumps(result)
    return changed, result


def failures(node):
    return int(node.shop.sql(f"SELECT failures_num FROM {{p}}customer_entity WHERE email = '{EMAIL}'")[0][0])


def test_bug_present_leaves_one_failure_per_protocol(fresh):
    changed, result = run_check(fresh)
    assert result["outcome"] == "bug-present" and changed
    assert result["rest"]["outcome"] == "bug-present" and result["graphql"]["outcome"] == "bug-present"
    assert (result["rest"]["failures_before"], result["rest"]["failures_after_bad"],
            result["rest"]["failures_after_good"]) == (0, 1, 1)
    assert (result["graphql"]["failures_before"], result["graphql"]["failures_after_good"]) == (1, 2)
    assert [r["step"] for r in result["rest"]["requests"]] == ["check-password", "wrong-password", "right-password"]
    assert failures(fresh) == 2
    assert fresh.shop.sql("SELECT COUNT(*) FROM {p}oauth_token_request_log")[0][0] == "0"


def test_fixed_returns_the_counter_to_zero(fresh):
    fresh.shop.sql(f"UPDATE {{p}}customer_entity SET failures_num = 3, first_failure = UTC_TIMESTAMP() WHERE email = '{EMAIL}'")
    fresh.shop.state = "fixed"
    changed, result = run_check(fresh)
    assert result["outcome"] == "fixed"
    assert result["rest"]["failures_at_start"] == 3 and result["rest"]["failures_before"] == 0
    assert (result["graphql"]["failures_after_bad"], result["graphql"]["failures_after_good"]) == (1, 0)
    assert result["limits"] == LIMITS
    assert failures(fresh) == 0 and changed


@pytest.mark.parametrize("state", ["500", "503"])
def test_broken_node_is_an_error_and_costs_no_failure(fresh, state):
    fresh.shop.state = state
    _, result = run_check(fresh)
    assert result["outcome"] == "error"
    for proto in ("rest", "graphql"):
        assert result[proto]["http_status"] == int(state)
        assert f"HTTP {state}: Error {state}" in result[proto]["message"]
        assert [r["step"] for r in result[proto]["requests"]] == ["check-password"]
    assert "********" in result["rest"]["message"]  # the echoed password is masked
    assert failures(fresh) == 0


def test_near_the_lockout_is_unsafe_and_sends_nothing(fresh):
    fresh.shop.sql(f"UPDATE {{p}}customer_entity SET failures_num = 7, first_failure = UTC_TIMESTAMP() WHERE email = '{EMAIL}'")
    changed, result = run_check(fresh)
    assert result["outcome"] == "unsafe" and not changed
    assert result["rest"]["failures_at_start"] == 7 and "within 2" in result["rest"]["message"]
    assert fresh.shop.requests == 0 and failures(fresh) == 7


def test_throttle_near_its_lock_is_unsafe(fresh):
    fresh.shop.sql(f"INSERT INTO {{p}}oauth_token_request_log (user_name, user_type, failures_count, lock_expires_at) "
                   f"VALUES ('{EMAIL}', 2, 4, UTC_TIMESTAMP() + INTERVAL 10 MINUTE)")
    _, result = run_check(fresh)
    assert result["rest"]["outcome"] == "unsafe" and "throttle" in result["rest"]["message"]
    assert fresh.shop.requests == 0


def test_an_expired_throttle_window_does_not_count(fresh):
    fresh.shop.sql(f"INSERT INTO {{p}}oauth_token_request_log (user_name, user_type, failures_count, lock_expires_at) "
                   f"VALUES ('{EMAIL}', 2, 5, UTC_TIMESTAMP() - INTERVAL 1 MINUTE)")
    _, result = run_check(fresh)
    assert result["outcome"] == "bug-present"
    assert fresh.shop.sql("SELECT COUNT(*) FROM {p}oauth_token_request_log")[0][0] == "0"


def test_a_stricter_configured_throttle_is_respected(fresh):
    fresh.shop.sql("INSERT INTO {p}core_config_data (path, value) VALUES ('oauth/authentication_lock/max_failures_count', '2')")
    _, result = run_check(fresh)
    assert result["outcome"] == "unsafe" and result["limits"]["max_failures_count"] == 2
    assert fresh.shop.requests == 0


def test_wrong_configured_password_costs_one_failure_at_most(fresh):
    _, result = run_check(fresh, password="not-the-password")
    assert result["outcome"] == "error"
    assert "rejected" in result["rest"]["message"]
    assert result["graphql"]["outcome"] == "skipped" and not result["graphql"]["requests"]
    assert fresh.shop.requests == 1 and failures(fresh) == 1


def test_empty_password_sends_nothing(fresh):
    _, result = run_check(fresh, password="")
    assert result["outcome"] == "error" and "no password" in result["rest"]["message"]
    assert fresh.shop.requests == 0


def test_check_mode_reads_but_sends_nothing(fresh):
    fresh.shop.sql(f"UPDATE {{p}}customer_entity SET failures_num = 8 WHERE email = '{EMAIL}'")
    changed, result = run_check(fresh, check_mode=True)
    assert result["outcome"] == "skipped" and not changed
    assert result["rest"]["failures_at_start"] == 8 and "would refuse" in result["rest"]["message"]
    assert fresh.shop.requests == 0


def test_only_requested_protocols_are_checked(fresh):
    _, result = run_check(fresh, protocols=["graphql"])
    assert result["rest"]["outcome"] == "skipped" and result["graphql"]["outcome"] == "bug-present"
    assert failures(fresh) == 1


@pytest.mark.parametrize("host", ["socket", "localhost-socket-ini"])
def test_env_php_socket_hosts(fresh, host):
    socket = str(fresh.db.socket)
    if host == "socket":
        write_env(fresh, socket)
        _, result = run_check(fresh, check_mode=True)
    else:
        # 'localhost' means the client's default socket, as for Magento itself.
        write_env(fresh, "localhost")
        module_php = shutil.which("php")
        wrapper = fresh.root / "php-with-socket"
        wrapper.write_text(f"#!/bin/sh\nexec {module_php} -d pdo_mysql.default_socket={socket} \"$@\"\n")
        wrapper.chmod(0o755)
        _, result = run_check(fresh, check_mode=True, php=str(wrapper))
    assert result["rest"]["failures_at_start"] == 0, result


def test_env_php_system_override_is_read(fresh):
    write_env(fresh, f"127.0.0.1:{fresh.db.port}",
              ", 'system' => ['default' => ['customer' => ['password' => ['lockout_failures' => '4']]]]")
    _, result = run_check(fresh)
    assert result["limits"]["lockout_failures"] == 4
    assert result["rest"]["outcome"] == "bug-present"
    # REST left 1 failure: 1 + 1 is within 2 of 4, so GraphQL refuses.
    assert result["graphql"]["outcome"] == "unsafe"
    assert failures(fresh) == 1


def test_database_errors_never_show_credentials(fresh):
    write_env(fresh, "127.0.0.1:1")
    _, result = run_check(fresh)
    assert result["outcome"] == "error" and "database" in result["rest"]["message"]
    write_env(fresh, f"127.0.0.1:{fresh.db.port}")
    fresh.shop.sql("")  # still reachable
    (fresh.root / "app" / "etc" / "env.php").write_text(
        (fresh.root / "app" / "etc" / "env.php").read_text().replace(fresh.db_password, fresh.db_password + "x"))
    _, result = run_check(fresh)
    assert "Access denied" in result["rest"]["message"] and fresh.user not in result["rest"]["message"]
    assert fresh.shop.requests == 0


def test_missing_env_php_is_an_error(fresh, tmp_path):
    module = SimpleNamespace(check_mode=False, params={
        "magento_root": str(tmp_path), "php": shutil.which("php"), "base_url": fresh.shop.url, "host_header": None,
        "store_code": None, "customer_email": EMAIL, "customer_password": "x", "website_id": None,
        "protocols": ["rest", "graphql"], "timeout": 5, "validate_certs": True})
    _, result = mlc.run(module)
    assert result["outcome"] == "error" and "env.php" in result["rest"]["message"]


def test_unreachable_front_is_an_error(fresh):
    _, result = run_check(fresh, base_url="http://127.0.0.1:1")
    assert result["outcome"] == "error" and result["rest"]["http_status"] is None
    assert "no HTTP answer" in result["rest"]["message"]
    assert failures(fresh) == 0


def test_module_runs_under_ansible_with_no_log(fresh, tmp_path):
    """Through ansible's own module runner: check mode, and the password masked by the argument spec."""
    args = {"ANSIBLE_MODULE_ARGS": {"magento_root": str(fresh.root), "php": shutil.which("php"),
                                    "base_url": fresh.shop.url, "customer_email": EMAIL,
                                    "customer_password": fresh.password, "_ansible_check_mode": True}}
    # Its module_utils come from the collection, as AnsiballZ would bundle them.
    done = subprocess.run([sys.executable, str(MODULE_PATH)], input=json.dumps(args), capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(paths.collections_dir())})
    out = json.loads(done.stdout)
    assert out["result"]["outcome"] == "skipped" and out["changed"] is False
    assert fresh.password not in done.stdout


# --------------------------------------------------------------------------- the role, on this machine

ANSIBLE_BIN = Path(sys.executable).parent


def play_role(node, tmp_path, *, env_password=None, host_password=None, password_file=None, extra=None,
              verbose=False):
    inventory = {"all": {"hosts": {"shop": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
        "magento_root": str(node.root), "magento_php": shutil.which("php"), "magento_base_url": node.shop.url,
        "qpt_verify_customer_email": EMAIL, **({"qpt_verify_customer_password": host_password} if host_password else {}),
        **(extra or {})}}}}
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    (tmp_path / "play.yml").write_text(
        "- hosts: shop\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.include_role:\n        name: magento_login_check\n"
        "    - ansible.builtin.copy:\n        content: '{{ magento_login_check_result | to_json }}'\n"
        f"        dest: {tmp_path / 'result.json'}\n      delegate_to: localhost\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QPT_VERIFY_CUSTOMER_PASSWORD")}
    env.update({"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
                "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
                "PATH": f"{ANSIBLE_BIN}:{env.get('PATH', '')}"})
    if env_password is not None:
        env["QPT_VERIFY_CUSTOMER_PASSWORD"] = env_password
    if password_file is not None:
        env["QPT_VERIFY_CUSTOMER_PASSWORD_FILE"] = str(password_file)
    argv = [str(ANSIBLE_BIN / "ansible-playbook"), "-i", str(tmp_path / "inventory.json"), str(tmp_path / "play.yml")]
    done = subprocess.run(argv + (["-vvv"] if verbose else []), env=env, capture_output=True, text=True, timeout=300)
    result_file = tmp_path / "result.json"
    return done, json.loads(result_file.read_text()) if result_file.exists() else None


def test_role_fails_on_the_bug_and_never_shows_the_password(fresh, tmp_path):
    done, _ = play_role(fresh, tmp_path, env_password=fresh.password, verbose=True)
    assert done.returncode == 2, done.stdout
    assert "ACSD-61103 login check bug-present" in done.stdout
    assert fresh.password not in done.stdout + done.stderr
    assert failures(fresh) == 2


def test_role_reports_without_failing_when_asked(fresh, tmp_path):
    fresh.shop.state = "fixed"
    done, result = play_role(fresh, tmp_path, env_password=fresh.password,
                             extra={"magento_login_check_fail_on_bug": False})
    assert done.returncode == 0, done.stdout
    assert result["outcome"] == "fixed" and result["rest"]["failures_after_good"] == 0


def test_role_password_sources_host_variable_then_env_then_file(fresh, tmp_path):
    fresh.shop.state = "fixed"
    # The host variable wins over the environment.
    done, result = play_role(fresh, tmp_path / "a", env_password="wrong-one", host_password=fresh.password,
                             extra={"magento_login_check_fail_on_bug": False}, verbose=True)
    assert result["outcome"] == "fixed", done.stdout
    assert fresh.password not in done.stdout + done.stderr
    secret_file = tmp_path / "secret"
    secret_file.write_text(fresh.password + "\n")
    secret_file.chmod(0o600)
    done, result = play_role(fresh, tmp_path / "b", password_file=secret_file,
                             extra={"magento_login_check_fail_on_bug": False})
    assert result["outcome"] == "fixed", done.stdout
    done, result = play_role(fresh, tmp_path / "c", extra={"magento_login_check_fail_on_bug": False})
    assert result["outcome"] == "error" and "no password" in result["rest"]["message"]
    assert fresh.shop.requests == 12  # two runs, 3 requests per protocol, none in the third


@pytest.mark.parametrize("password", ["[1, 2]", "{{ lookup('env', 'HOME') }}", " 007 "])
def test_role_passes_odd_passwords_through_unchanged(fresh, tmp_path, password):
    fresh.shop.password = password
    fresh.shop.state = "fixed"
    try:
        done, result = play_role(fresh, tmp_path, env_password=password, extra={"magento_login_check_fail_on_bug": False})
    finally:
        fresh.shop.password = fresh.password
    assert result["outcome"] == "fixed", (done.stdout, result)
