"""playbooks/verify.yml with the functional proof on a lab fleet: each outcome is checked against the
host's own database and web front, never only against what the playbook reported."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EMAIL = "roni_cost@example.com"
# One password for the whole fleet, as when the nodes share a shop database; it reaches Ansible only
# through the environment variable.
PASSWORD = "Qa-" + secrets.token_urlsafe(12)

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def lab(lab_factory):
    lab = lab_factory([
        {"name": "web1", "magento": "2.4.6-p3", "qpt": "1.1.55", "mode": "developer"},
        {"name": "web2", "magento": "2.4.6-p3", "qpt": "1.1.55", "mode": "production"},
        {"name": "web3", "magento": "2.4.6-p3", "qpt": "1.1.55", "mode": "developer", "patch": "applied"},
    ])
    for name in lab.names:
        salt = secrets.token_hex(16)
        digest = hashlib.sha256((salt + PASSWORD).encode()).hexdigest()
        lab.sql(name, f"UPDATE customer_entity SET password_hash = '{digest}:{salt}:1' WHERE email = '{EMAIL}'")
    return lab


def magento(lab, name, *argv):
    done = lab.run_as(name, ["php", *argv])
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def throttle_rows(lab, name):
    return lab.sql(name, "SELECT user_name, user_type, failures_count, lock_expires_at FROM oauth_token_request_log")


def front_connections(lab, name) -> int:
    """Connections the host's web front accepted so far (PHP's built-in server logs each one)."""
    return (lab.dir / "hosts" / name / "front.log").read_text().count(" Accepted")


def run_verify(lab, tmp_path, limit, *, check=False, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QPT_VERIFY_CUSTOMER_PASSWORD")}
    env.update({
        "PATH": f"{BIN}:{env.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-local"),
        "ANSIBLE_NOCOLOR": "1",
        "QPT_VERIFY_CUSTOMER_PASSWORD": PASSWORD,
        **(env_extra or {}),
    })
    argv = [str(BIN / "ansible-playbook"), "-i", str(lab.inventory), str(REPO / "playbooks" / "verify.yml"),
            "--limit", limit, "-e", json.dumps({"qpt_verify_functional": True})]
    done = subprocess.run(argv + (["--check"] if check else []), env=env, capture_output=True, text=True, timeout=300)
    assert PASSWORD not in done.stdout and PASSWORD not in done.stderr
    return done, custom_stats(done.stdout)


def custom_stats(stdout: str) -> dict:
    """Per-host result records from the recap's CUSTOM STATS block (one JSON object per host line)."""
    records = {}
    tail = stdout.split("CUSTOM STATS:", 1)[-1] if "CUSTOM STATS:" in stdout else ""
    for line in tail.splitlines():
        found = re.match(r"^\t(\S+): (\{.*\})\s*$", line)
        if found and "qpt_result" in found.group(2):
            records[found.group(1)] = json.loads(found.group(2))["qpt_result"]
    return records


def functional(record):
    assert record["action"] == "verify"
    return record["verify"]["functional"]


def test_unpatched_then_patched_then_config_cache_cleaned(lab, tmp_path):
    assert lab.failures_num("web1") == 0

    done, records = run_verify(lab, tmp_path, "web1")
    result = functional(records["web1"])
    assert done.returncode != 0 and records["web1"]["outcome"] == "failed"
    assert records["web1"]["reason"]["code"] == "verify-failed"
    assert "login check bug-present" in records["web1"]["reason"]["message"]
    assert result["outcome"] == "bug-present"
    assert result["rest"]["outcome"] == "bug-present" and result["graphql"]["outcome"] == "bug-present"
    assert (result["rest"]["failures_before"], result["rest"]["failures_after_bad"],
            result["rest"]["failures_after_good"]) == (0, 1, 1)
    assert (result["graphql"]["failures_before"], result["graphql"]["failures_after_good"]) == (1, 2)
    assert lab.failures_num("web1") == 2  # one counted failure per protocol, never reset
    assert throttle_rows(lab, "web1") == []  # the right password cleared the API throttle

    # QPT patches the files, but the running shop still reads its event config from the config cache.
    assert "Patch ACSD-61103 has been applied" in magento(lab, "web1", "vendor/bin/magento-patches", "apply",
                                                            "ACSD-61103", "-n")
    done, records = run_verify(lab, tmp_path, "web1")
    result = functional(records["web1"])
    assert records["web1"]["verify"]["status"] == "Applied"
    assert result["outcome"] == "bug-present", result["message"]
    assert records["web1"]["outcome"] == "failed" and done.returncode != 0
    assert lab.failures_num("web1") == 4

    magento(lab, "web1", "bin/magento", "cache:clean")
    done, records = run_verify(lab, tmp_path, "web1")
    result = functional(records["web1"])
    assert done.returncode == 0, done.stdout[-3000:]
    assert records["web1"]["outcome"] == "ok"
    assert result["outcome"] == "fixed"
    assert result["rest"]["failures_at_start"] == 4
    for protocol in ("rest", "graphql"):
        assert (result[protocol]["failures_after_bad"], result[protocol]["failures_after_good"]) == (1, 0)
    assert lab.failures_num("web1") == 0
    assert throttle_rows(lab, "web1") == []


def test_production_patched_without_di_compile_is_an_error_500(lab, tmp_path):
    magento(lab, "web2", "vendor/bin/magento-patches", "apply", "ACSD-61103", "-n")
    magento(lab, "web2", "bin/magento", "cache:clean")
    status, _ = lab.http("web2", "POST", "/rest/V1/integration/customer/token",
                         {"username": EMAIL, "password": "x"})
    assert status == 500  # what a shopper gets too: stale generated/ code, new constructor

    done, records = run_verify(lab, tmp_path, "web2")
    result = functional(records["web2"])
    assert done.returncode != 0 and records["web2"]["outcome"] == "failed"
    assert records["web2"]["verify"]["status"] == "Applied"  # QPT alone would call this host done
    assert "login check error" in records["web2"]["reason"]["message"]
    assert result["outcome"] == "error"
    for protocol in ("rest", "graphql"):
        assert result[protocol]["outcome"] == "error"
        assert result[protocol]["http_status"] == 500
        assert "HTTP 500" in result[protocol]["message"]
        # The node answered 500 to the password check, so no wrong password was ever sent.
        assert [r["step"] for r in result[protocol]["requests"]] == ["check-password"]
    assert lab.failures_num("web2") == 0
    assert throttle_rows(lab, "web2") == []


def test_maintenance_mode_is_an_error_503(lab, tmp_path):
    magento(lab, "web3", "bin/magento", "maintenance:enable")
    try:
        done, records = run_verify(lab, tmp_path, "web3")
    finally:
        magento(lab, "web3", "bin/magento", "maintenance:disable")
    result = functional(records["web3"])
    assert done.returncode != 0
    assert result["outcome"] == "error"
    assert result["rest"]["http_status"] == 503 and result["graphql"]["http_status"] == 503
    assert "HTTP 503" in result["rest"]["message"]
    assert lab.failures_num("web3") == 0


def test_customer_near_the_lockout_is_unsafe_and_no_request_is_sent(lab, tmp_path):
    lab.sql("web3", f"UPDATE customer_entity SET failures_num = 7, first_failure = UTC_TIMESTAMP() WHERE email = '{EMAIL}'")
    throttle_before = throttle_rows(lab, "web3")
    connections_before = front_connections(lab, "web3")
    try:
        done, records = run_verify(lab, tmp_path, "web3")
        result = functional(records["web3"])
        assert done.returncode != 0 and records["web3"]["outcome"] == "failed"
        assert result["outcome"] == "unsafe"
        for protocol in ("rest", "graphql"):
            assert result[protocol]["outcome"] == "unsafe"
            assert result[protocol]["failures_at_start"] == 7 and result[protocol]["requests"] == []
        assert lab.failures_num("web3") == 7
        assert throttle_rows(lab, "web3") == throttle_before
        assert front_connections(lab, "web3") == connections_before
    finally:
        lab.sql("web3", f"UPDATE customer_entity SET failures_num = 0, first_failure = NULL WHERE email = '{EMAIL}'")


def test_check_mode_sends_nothing(lab, tmp_path):
    connections_before = front_connections(lab, "web3")
    done, records = run_verify(lab, tmp_path, "web3", check=True)
    result = functional(records["web3"])
    assert done.returncode == 0, done.stdout[-3000:]
    assert records["web3"]["check_mode"] is True
    assert result["outcome"] == "skipped"
    assert result["rest"]["outcome"] == "skipped" and result["graphql"]["outcome"] == "skipped"
    assert front_connections(lab, "web3") == connections_before
    assert lab.failures_num("web3") == 0


def test_patched_host_is_fixed_through_ansible_runner_and_the_password_stays_out_of_its_files(lab, tmp_path):
    """Through ansible-runner as the CLI drives it; the runner's files are grepped for the password.

    ansible-runner writes its whole environment to artifacts/<id>/command, so the password goes in a
    0600 file named by QPT_VERIFY_CUSTOMER_PASSWORD_FILE and the variable itself is blanked.
    """
    import ansible_runner

    secret_dir = tmp_path / "secret"
    secret_dir.mkdir(mode=0o700)
    secret = secret_dir / "password"
    secret.write_text(PASSWORD)
    secret.chmod(0o600)
    private = tmp_path / "runner"
    private.mkdir()
    assert PASSWORD not in json.dumps(dict(os.environ))
    runner = ansible_runner.run(
        private_data_dir=str(private), project_dir=str(REPO), playbook=str(REPO / "playbooks" / "verify.yml"),
        inventory=str(lab.inventory), limit="web3", extravars={"qpt_verify_functional": True},
        envvars={"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
                 "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
                 "QPT_VERIFY_CUSTOMER_PASSWORD": "", "QPT_VERIFY_CUSTOMER_PASSWORD_FILE": str(secret)},
        quiet=True, suppress_env_files=True)
    records = [e["event_data"]["res"]["qpt_result"] for e in runner.events
               if e.get("event") == "runner_on_ok" and "qpt_result" in (e["event_data"].get("res") or {})]
    assert runner.status == "successful", runner.stdout.read()[-3000:]
    assert functional(records[-1])["outcome"] == "fixed"
    assert lab.failures_num("web3") == 0
    leaked = [str(p) for p in private.rglob("*") if p.is_file() and PASSWORD.encode() in p.read_bytes()]
    assert leaked == []


def test_cli_verify_functional_keeps_the_password_out_of_the_state_dir(lab, tmp_path):
    state = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QPT_VERIFY_CUSTOMER_PASSWORD")}
    env.update({"PATH": f"{BIN}:{env.get('PATH', '')}", "QPT_VERIFY_CUSTOMER_PASSWORD": PASSWORD})
    done = subprocess.run([str(BIN / "qpt-apply"), "verify", "-i", str(lab.inventory), "--functional",
                           "--limit", "web3", "--json", "--state-dir", str(state)],
                          env=env, capture_output=True, text=True, timeout=300)
    leaked = [str(p.relative_to(state)) for p in state.rglob("*") if p.is_file() and PASSWORD.encode() in p.read_bytes()]
    assert leaked == [] and PASSWORD not in done.stdout + done.stderr
    host = json.loads(done.stdout)["hosts"][0]
    assert done.returncode == 0 and host["verify"]["functional"]["outcome"] == "fixed"
    assert lab.failures_num("web3") == 0
