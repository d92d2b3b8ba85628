#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Reproduce the ACSD-61103 check on a Magento node: one wrong and one right API login per protocol."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: magento_login_check
short_description: Prove that an API login resets a customer's failed-login counter (ACSD-61103)
description:
  - Runs on the Magento node. Per protocol (REST, GraphQL) it reads the customer's C(failures_num),
    sends exactly one token request with a wrong password (expects the authentication error and
    C(failures_num) + 1), then one with the right password (expects a token) and reads
    C(failures_num) again. Back to 0 means C(fixed); still above 0 means C(bug-present).
  - Before the wrong password, one request with the right password checks that the configured
    password works and that the endpoint answers at all, so a stale password or a broken node
    never costs the customer a counted failure.
  - The database is read with the node's own PHP and PDO, with the credentials of
    C(app/etc/env.php) (C(db.connection.default), table prefix honoured); they never leave PHP.
  - Sends nothing (outcome C(unsafe)) when the account is locked, when one more failure would bring
    C(failures_num) within 2 of C(customer/password/lockout_failures), or when the API throttle
    (C(oauth_token_request_log), customers, failures within the live window) is at or within 2 of
    C(oauth/authentication_lock/max_failures_count).
  - Never creates, changes or deletes customers itself; the only writes are Magento's own reactions
    to the two logins.
version_added: "0.1.0"
author: qpt-apply contributors (@qpt-apply)
options:
  magento_root:
    description: Magento root on the node (holds C(app/etc/env.php)).
    type: path
    required: true
  php:
    description: PHP binary used to read C(env.php) and the database (needs C(pdo_mysql), as Magento does).
    type: str
    required: true
  base_url:
    description: URL of this node's web front, bypassing any load balancer, e.g. C(http://10.0.0.5).
    type: str
    required: true
  host_header:
    description: Host header to send when the node serves the shop only under its public name.
    type: str
  store_code:
    description: Store view to log in through (REST path C(/rest/<code>/V1), GraphQL C(Store) header).
    type: str
  customer_email:
    description: Email of an existing customer kept for this check.
    type: str
    required: true
  customer_password:
    description: That customer's password. Never logged or returned.
    type: str
    required: true
  website_id:
    description: Website of the customer, needed only when the email exists on several websites.
    type: int
  protocols:
    description: Protocols to check.
    type: list
    elements: str
    choices: [rest, graphql]
    default: [rest, graphql]
  timeout:
    description: Seconds to wait for each HTTP answer.
    type: int
    default: 30
  validate_certs:
    description: Verify the TLS certificate of an C(https) base URL.
    type: bool
    default: true
notes:
  - Check mode reads the database but sends no request; every protocol is reported C(skipped).
  - The module itself never fails on a failed proof; it reports it in RV(result) for the caller.
"""

EXAMPLES = r"""
- name: Prove the fix
  magento_login_check:
    magento_root: /var/www/magento
    php: /usr/bin/php8.2
    base_url: http://127.0.0.1
    host_header: shop.example.com
    customer_email: qa-login@example.com
    customer_password: "{{ vault_qa_login_password }}"
  no_log: true
  register: login_check
"""

RETURN = r"""
result:
  description: Outcome per protocol and overall.
  type: dict
  returned: always
  sample:
    outcome: fixed
    customer_email: qa-login@example.com
    check_mode: false
    limits: {lockout_failures: 10, lockout_threshold: 10, max_failures_count: 6}
    rest:
      outcome: fixed
      http_status: 200
      failures_at_start: 0
      failures_before: 0
      failures_after_bad: 1
      failures_after_good: 0
      message: failures_num 0 -> 1 after one wrong password -> 0 after the right one
      requests: [{step: check-password, http_status: 200}, {step: wrong-password, http_status: 401},
                 {step: right-password, http_status: 200}]
"""

import json
import re
import secrets
import ssl
import subprocess
import urllib.error
import urllib.request

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_login_outcomes import OUTCOME_ORDER

PROTOCOLS = ("rest", "graphql")
AUTH_ERROR = ("The account sign-in was incorrect or your account is disabled temporarily. "
              "Please wait and try again later.")
DEFAULT_LIMITS = {
    "customer/password/lockout_failures": 10,
    "customer/password/lockout_threshold": 10,
    "oauth/authentication_lock/max_failures_count": 6,
}
LIMIT_NAMES = {
    "customer/password/lockout_failures": "lockout_failures",
    "customer/password/lockout_threshold": "lockout_threshold",
    "oauth/authentication_lock/max_failures_count": "max_failures_count",
}
# How close to a lock a counter may get through this check.
LOCK_MARGIN = 2
EXCERPT = 300

# Reads env.php, config.php and the database; prints JSON; the DB credentials never leave PHP.
# Host handling mirrors Magento's PDO adapter: a '/' makes it a socket path, a ':' splits off the port.
READ_PHP = r"""
$in = json_decode(stream_get_contents(STDIN), true);
$say = function ($data, $code = 0) { echo json_encode($data); exit($code); };
$envFile = $in['root'] . '/app/etc/env.php';
if (!is_file($envFile) || !is_readable($envFile)) { $say(['error' => "cannot read $envFile"], 2); }
$env = include $envFile;
if (!is_array($env) || !isset($env['db']['connection']['default']) || !is_array($env['db']['connection']['default'])) {
    $say(['error' => "$envFile has no db.connection.default"], 2);
}
$c = $env['db']['connection']['default'];
$user = isset($c['username']) ? (string)$c['username'] : '';
$secret = isset($c['password']) ? (string)$c['password'] : '';
$clean = function ($text) use ($user, $secret) {
    foreach ([$secret, $user] as $s) { if ($s !== '') { $text = str_replace($s, '********', $text); } }
    return $text;
};
$prefix = isset($env['db']['table_prefix']) ? (string)$env['db']['table_prefix'] : '';
$host = isset($c['host']) && $c['host'] !== '' ? (string)$c['host'] : 'localhost';
$port = isset($c['port']) && $c['port'] !== '' ? (string)$c['port'] : null;
$socket = null;
if (strpos($host, '/') !== false) { $socket = $host; $host = null; }
elseif (strpos($host, ':') !== false) { list($host, $port) = explode(':', $host, 2); }
$dsn = 'mysql:' . ($socket !== null ? 'unix_socket=' . $socket : 'host=' . $host . ($port !== null ? ';port=' . (int)$port : ''))
     . ';dbname=' . (isset($c['dbname']) ? $c['dbname'] : '') . ';charset=utf8';
if (!extension_loaded('pdo_mysql')) { $say(['error' => PHP_BINARY . ' has no pdo_mysql extension'], 2); }
$options = isset($c['driver_options']) && is_array($c['driver_options']) ? $c['driver_options'] : [];
$options[PDO::ATTR_ERRMODE] = PDO::ERRMODE_EXCEPTION;
$options[PDO::ATTR_DEFAULT_FETCH_MODE] = PDO::FETCH_ASSOC;
$paths = $in['paths'];
$overrides = [];
foreach (['env.php' => $env, 'config.php' => @include($in['root'] . '/app/etc/config.php')] as $source => $file) {
    if (!is_array($file) || !isset($file['system']) || !is_array($file['system'])) { continue; }
    foreach ($file['system'] as $scope => $scoped) {
        $sets = $scope === 'default' ? ['' => $scoped] : (is_array($scoped) ? $scoped : []);
        foreach ($sets as $code => $tree) {
            foreach ($paths as $path) {
                $node = $tree;
                foreach (explode('/', $path) as $key) { $node = is_array($node) && isset($node[$key]) ? $node[$key] : null; }
                if ($node !== null && !is_array($node)) {
                    $overrides[] = ['source' => $source, 'scope' => $scope, 'code' => (string)$code, 'path' => $path, 'value' => (string)$node];
                }
            }
        }
    }
}
try {
    $db = new PDO($dsn, $user, $secret, $options);
    // Magento's adapter stores and compares timestamps in UTC.
    $db->exec("SET time_zone = '+00:00'");
    $q = $db->prepare("SELECT entity_id, website_id, failures_num, first_failure, lock_expires,
                              (lock_expires IS NOT NULL AND lock_expires > UTC_TIMESTAMP()) AS locked
                       FROM `{$prefix}customer_entity` WHERE email = ? ORDER BY entity_id");
    $q->execute([$in['email']]);
    $customers = $q->fetchAll();
    $marks = implode(',', array_fill(0, count($paths), '?'));
    $q = $db->prepare("SELECT scope, scope_id, path, value FROM `{$prefix}core_config_data` WHERE path IN ($marks)");
    $q->execute($paths);
    $config = $q->fetchAll();
    $q = $db->prepare("SELECT failures_count, lock_expires_at,
                              (lock_expires_at IS NOT NULL AND lock_expires_at > UTC_TIMESTAMP()) AS live
                       FROM `{$prefix}oauth_token_request_log` WHERE user_name = ? AND user_type = 2");
    $q->execute([$in['email']]);
    $throttle = $q->fetchAll();
} catch (Throwable $e) {
    $say(['error' => $clean('database ' . $dsn . ': ' . $e->getMessage())], 3);
}
$say(['customers' => $customers, 'config' => $config, 'overrides' => $overrides,
      'throttle' => $throttle]);
"""


class CheckError(Exception):
    """A problem that ends the check for every protocol before any request is sent."""


# --------------------------------------------------------------------------- pure logic


def _int(value, fallback=None):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return fallback


def effective_limits(config_rows, overrides):
    """Lockout thresholds as Magento would apply them, tightened by any stricter scope.

    Default scope: env.php system > config.php system > core_config_data > Magento's default.
    A positive value configured at any other scope that is lower wins (conservative); 0 means the
    feature is off, which only holds if no scope turns it on.
    """
    limits = {}
    for path, builtin in DEFAULT_LIMITS.items():
        default_value = None
        for source in ("env.php", "config.php"):
            for row in overrides:
                if row["source"] == source and row["scope"] == "default" and row["path"] == path:
                    default_value = _int(row["value"])
                    break
            if default_value is not None:
                break
        if default_value is None:
            for row in config_rows:
                if row["path"] == path and row["scope"] == "default" and _int(row["scope_id"], 0) == 0:
                    default_value = _int(row["value"])
        if default_value is None:
            default_value = builtin
        others = [_int(row["value"]) for row in list(config_rows) + list(overrides)
                  if row["path"] == path and row["scope"] != "default"]
        positive = [v for v in [default_value] + others if v is not None and v > 0]
        limits[LIMIT_NAMES[path]] = min(positive) if positive else 0
    return limits


def pick_customer(customers, website_id=None):
    """The one customer row the check is about; raises CheckError if there is not exactly one."""
    rows = [c for c in customers if website_id is None or _int(c.get("website_id")) == website_id]
    if not rows:
        where = "" if website_id is None else f" on website {website_id}"
        raise CheckError(f"no customer with that email{where}; create one for this check (the check never creates customers)")
    if len(rows) > 1:
        raise CheckError(f"{len(rows)} customers share that email (one per website); set the website id to choose one")
    row = rows[0]
    return {
        "entity_id": _int(row.get("entity_id")),
        "website_id": _int(row.get("website_id")),
        "failures_num": _int(row.get("failures_num"), 0) or 0,
        "lock_expires": row.get("lock_expires"),
        "locked": bool(_int(row.get("locked"), 0)),
    }


def throttle_state(rows):
    """The API throttle as Magento's RequestThrottler sees it.

    Every failure sets lock_expires_at to now + timeout: it bounds the window in which failures_count
    counts, it is not a lock by itself. The throttle refuses logins once the count in a live window
    reaches max_failures_count.
    """
    if not rows:
        return {"failures_count": 0, "window_expires_at": None}
    row = rows[0]
    live = bool(_int(row.get("live"), 0))
    return {"failures_count": (_int(row.get("failures_count"), 0) or 0) if live else 0,
            "window_expires_at": row.get("lock_expires_at") if live else None}


def refusal(customer, throttle, limits):
    """Why sending one wrong password now could lock the customer out (None when it cannot)."""
    if customer["locked"]:
        return f"the account is locked until {customer['lock_expires']} UTC; no request sent"
    failures = customer["failures_num"]
    lockout = limits["lockout_failures"]
    if failures + 1 >= lockout - LOCK_MARGIN:
        return (f"failures_num is {failures}: one more failure would bring it within {LOCK_MARGIN} of the "
                f"lockout at {lockout} (customer/password/lockout_failures); no request sent")
    limit = limits["max_failures_count"]
    if throttle["failures_count"] >= limit:
        return (f"the API token throttle refuses this customer ({throttle['failures_count']} failures, lock at "
                f"{limit}) until {throttle['window_expires_at']} UTC; no request sent")
    if throttle["failures_count"] >= limit - LOCK_MARGIN:
        return (f"the API throttle counts {throttle['failures_count']} failures, within {LOCK_MARGIN} of its lock at "
                f"{limit} (oauth/authentication_lock/max_failures_count); no request sent")
    return None


def counting_disabled(limits):
    return limits["lockout_failures"] <= 0 or limits["lockout_threshold"] <= 0


def graphql_string(value):
    # JSON string escapes are valid GraphQL string escapes.
    return json.dumps(value, ensure_ascii=False)


def request_parts(protocol, email, password, store_code=None):
    """(path, body, extra headers) of one token request."""
    if protocol == "rest":
        path = f"/rest/{store_code}/V1/integration/customer/token" if store_code else "/rest/V1/integration/customer/token"
        return path, json.dumps({"username": email, "password": password}), {}
    query = "mutation { generateCustomerToken(email:%s, password:%s) { token } }" % (
        graphql_string(email), graphql_string(password))
    return "/graphql", json.dumps({"query": query}), ({"Store": store_code} if store_code else {})


def _json(body):
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        return None


def got_token(protocol, status, body):
    if status != 200:
        return False
    data = _json(body)
    if protocol == "rest":
        return isinstance(data, str) and data != ""
    token = ((data or {}).get("data") or {}).get("generateCustomerToken") if isinstance(data, dict) else None
    return isinstance(token, dict) and isinstance(token.get("token"), str) and token["token"] != ""


def got_auth_error(protocol, status, body):
    data = _json(body)
    if not isinstance(data, dict):
        return False
    if protocol == "rest":
        return status == 401 and data.get("message") == AUTH_ERROR
    errors = data.get("errors")
    # 2.4.6 answers HTTP 200; later releases may send 401 for this category.
    return status in (200, 401) and isinstance(errors, list) and any(
        isinstance(e, dict) and e.get("message") == AUTH_ERROR for e in errors)


def excerpt(body, limit=EXCERPT):
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", body or "")
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit] + ("..." if len(text) > limit else "")


def describe(answer):
    status, body, failure = answer
    if status is None:
        return failure
    return f"HTTP {status}: {excerpt(body) or '(empty body)'}"


def redact(value, secrets_):
    """Mask every spelling of a secret that could come back in a body: raw, JSON- or GraphQL-escaped."""
    if isinstance(value, dict):
        return {k: redact(v, secrets_) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secrets_) for v in value]
    if not isinstance(value, str):
        return value
    for secret in secrets_:
        if not secret:
            continue
        forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
        for form in sorted(forms, key=len, reverse=True):
            value = value.replace(form, "********")
    return value


def judge(before, after_bad, after_good):
    """Outcome of a protocol once both logins were answered as expected."""
    if after_bad not in (before + 1, 1):
        # Magento restarts the count at 1 when the previous failure is outside the lockout window.
        return "error", (f"the wrong password was not counted: failures_num {before} -> {after_bad} "
                         f"(expected {before + 1}); cannot tell whether the login resets it")
    if after_good == 0:
        return "fixed", (f"failures_num {before} -> {after_bad} after one wrong password -> 0 after the "
                         f"right one: an API login resets the counter")
    return "bug-present", (f"failures_num {before} -> {after_bad} after one wrong password, still "
                           f"{after_good} after a successful API login: the counter is not reset (ACSD-61103)")


def overall(results):
    outcomes = [r["outcome"] for r in results.values()]
    for outcome in OUTCOME_ORDER:
        if outcome in outcomes and outcome != "skipped":
            return outcome
    return "skipped"


def blank(outcome="skipped", message="", **values):
    entry = {"outcome": outcome, "http_status": None, "failures_at_start": None, "failures_before": None,
             "failures_after_bad": None, "failures_after_good": None, "message": message, "requests": []}
    entry.update(values)
    return entry


# --------------------------------------------------------------------------- the host side


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect means base_url is not the node's own front (or the wrong scheme): report, never follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Node:
    def __init__(self, module):
        p = module.params
        self.module = module
        self.root = p["magento_root"]
        self.php = p["php"]
        self.base_url = p["base_url"].rstrip("/")
        self.host_header = p["host_header"]
        self.store_code = p["store_code"]
        self.timeout = p["timeout"]
        context = ssl.create_default_context()
        if not p["validate_certs"]:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _NoRedirect(), urllib.request.HTTPSHandler(context=context))

    def read(self, email):
        payload = json.dumps({"root": self.root, "email": email, "paths": list(DEFAULT_LIMITS)})
        try:
            # Not module.run_command: it has no timeout, and a PHP stuck on the database must not hang the check.
            argv = [self.php, "-d", "display_errors=stderr", "-r", READ_PHP]
            done = subprocess.run(argv, input=payload, capture_output=True, text=True,  # pylint: disable=ansible-bad-function
                                  timeout=120, cwd=self.root, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CheckError(f"cannot run {self.php}: {exc}") from None
        data = _json(done.stdout)
        if not isinstance(data, dict):
            raise CheckError(f"reading the database with {self.php} failed (rc {done.returncode}): "
                             f"{excerpt(done.stderr or done.stdout) or 'no output'}")
        if data.get("error"):
            raise CheckError(data["error"])
        return data

    def send(self, protocol, email, password):
        """(status, body, failure): status None when no HTTP answer came back."""
        path, body, extra = request_parts(protocol, email, password, self.store_code)
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "User-Agent": "qpt-apply-login-check", **extra}
        if self.host_header:
            headers["Host"] = self.host_header
        request = urllib.request.Request(self.base_url + path, data=body.encode(), headers=headers, method="POST")
        try:
            with self.opener.open(request, timeout=self.timeout) as answer:
                return answer.status, answer.read(65536).decode("utf-8", "replace"), None
        except urllib.error.HTTPError as error:
            text = error.read(65536).decode("utf-8", "replace") if error.fp else ""
            if 300 <= error.code < 400:
                text = f"redirect to {error.headers.get('Location')} (base URL must be the node's own front)"
            return error.code, text, None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return None, "", f"no HTTP answer from {self.base_url}: {reason}"


def snapshot(node, email, website_id):
    data = node.read(email)
    limits = effective_limits(data.get("config") or [], data.get("overrides") or [])
    return pick_customer(data.get("customers") or [], website_id), throttle_state(data.get("throttle") or []), limits


def check_protocol(node, protocol, email, password, website_id):
    """One protocol: refuse or send check-password, wrong-password, right-password. Returns (entry, password_rejected)."""
    customer, throttle, limits = snapshot(node, email, website_id)
    start = customer["failures_num"]
    if counting_disabled(limits):
        return blank("skipped", "customer lockout is off on this host (lockout_failures or lockout_threshold is 0): "
                                "failed logins are not counted, so the bug cannot occur; no request sent",
                     failures_at_start=start), False
    reason = refusal(customer, throttle, limits)
    if reason:
        return blank("unsafe", reason, failures_at_start=start), False

    entry = blank("error", failures_at_start=start)
    steps = entry["requests"]

    def call(step, secret):
        answer = node.send(protocol, email, secret)
        steps.append({"step": step, "http_status": answer[0]})
        entry["http_status"] = answer[0]
        return answer

    answer = call("check-password", password)
    if not got_token(protocol, answer[0], answer[1]):
        if got_auth_error(protocol, answer[0], answer[1]):
            entry["message"] = ("the configured password was rejected (that counts as one failed login); "
                                "fix qpt_verify_customer_password; no wrong password sent")
            return entry, True
        entry["message"] = f"the login endpoint did not return a token: {describe(answer)}"
        return entry, False

    before = snapshot(node, email, website_id)[0]["failures_num"]
    entry["failures_before"] = before
    wrong = "qpt-apply-wrong-" + secrets.token_hex(8)
    while wrong == password:
        wrong = "qpt-apply-wrong-" + secrets.token_hex(8)
    bad = call("wrong-password", wrong)
    after_bad = snapshot(node, email, website_id)[0]["failures_num"]
    entry["failures_after_bad"] = after_bad
    # Always log in again: it clears the API throttle row and, on a fixed node, the counter.
    good = call("right-password", password)
    after_good = snapshot(node, email, website_id)[0]["failures_num"]
    entry["failures_after_good"] = after_good
    if not got_auth_error(protocol, bad[0], bad[1]):
        entry["http_status"] = bad[0]
        entry["message"] = f"unexpected answer to a wrong password: {describe(bad)}"
        return entry, False
    if not got_token(protocol, good[0], good[1]):
        entry["message"] = f"the right password got no token after the wrong one: {describe(good)}"
        return entry, False
    entry["outcome"], entry["message"] = judge(before, after_bad, after_good)
    return entry, False


def run(module):
    p = module.params
    email = p["customer_email"]
    password = p["customer_password"] or ""
    wanted = [proto for proto in PROTOCOLS if proto in p["protocols"]]
    result = {"outcome": "skipped", "customer_email": email, "base_url": p["base_url"],
              "check_mode": module.check_mode, "limits": None, "message": ""}
    entries = {proto: blank("skipped", "not requested") for proto in PROTOCOLS}
    node = Node(module)
    changed = False
    try:
        customer, throttle, limits = snapshot(node, email, p["website_id"])
    except CheckError as exc:
        customer = None
        for proto in wanted:
            entries[proto] = blank("skipped", f"check mode: no request sent; {exc}") if module.check_mode \
                else blank("error", f"{exc}; no request sent")
    if customer is not None:
        result["limits"] = limits
        start = customer["failures_num"]
        if module.check_mode:
            reason = refusal(customer, throttle, limits)
            note = f"; a real run would refuse: {reason}" if reason else ""
            for proto in wanted:
                entries[proto] = blank("skipped", f"check mode: no request sent{note}", failures_at_start=start)
        elif not password:
            for proto in wanted:
                entries[proto] = blank("error", "no password for the verification customer: set "
                                       "qpt_verify_customer_password or QPT_VERIFY_CUSTOMER_PASSWORD on the "
                                       "controller; no request sent", failures_at_start=start)
        else:
            rejected = None
            for proto in wanted:
                if rejected:
                    entries[proto] = blank("skipped", f"not tried: the password was rejected on {rejected}")
                    continue
                try:
                    entries[proto], was_rejected = check_protocol(node, proto, email, password, p["website_id"])
                except CheckError as exc:
                    entries[proto], was_rejected = blank("error", str(exc)), False
                if was_rejected:
                    rejected = proto
            try:
                customer_end, throttle_end = snapshot(node, email, p["website_id"])[:2]
                changed = (customer_end["failures_num"], throttle_end) != (start, throttle)
            except CheckError:
                changed = any(entries[proto]["requests"] for proto in wanted)
    result.update(entries)
    result["outcome"] = overall(entries)
    result["message"] = "; ".join(f"{proto} {entries[proto]['outcome']}: {entries[proto]['message']}" for proto in wanted)
    # The module's no_log masks the raw password; escaped spellings echoed in bodies are masked here.
    return changed, redact(result, [password])


def main():
    module = AnsibleModule(
        argument_spec={
            "magento_root": {"type": "path", "required": True},
            "php": {"type": "str", "required": True},
            "base_url": {"type": "str", "required": True},
            "host_header": {"type": "str"},
            "store_code": {"type": "str"},
            "customer_email": {"type": "str", "required": True},
            "customer_password": {"type": "str", "required": True, "no_log": True},
            "website_id": {"type": "int"},
            "protocols": {"type": "list", "elements": "str", "choices": list(PROTOCOLS),
                          "default": list(PROTOCOLS)},
            "timeout": {"type": "int", "default": 30},
            "validate_certs": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    changed, result = run(module)
    module.exit_json(changed=changed, result=result)


if __name__ == "__main__":
    main()
