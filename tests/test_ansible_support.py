"""Helpers for the end-to-end tests of the playbooks: run plain ansible-playbook, read what the hosts hold.

The ansible-playbook next to the running Python is used (the 2.19 venv or the 2.21 one); set
QPT_TEST_ANSIBLE_PLAYBOOK to run another one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PATCH = "ACSD-61103"
FIXED_EVENTS = (
    "vendor/magento/module-integration/etc/webapi_rest/events.xml",
    "vendor/magento/module-integration/etc/webapi_soap/events.xml",
    "vendor/magento/module-customer-graph-ql/etc/graphql/events.xml",
)
NEW_INTERFACE = "vendor/magento/framework/ObjectManager/ResetAfterRequestInterface.php"
AUTH_UPDATE = "vendor/magento/module-customer/Model/CustomerAuthUpdate.php"
TOKEN = "/rest/V1/integration/customer/token"
GENERATE = 'mutation { generateCustomerToken(email: "%s", password: "%s") { token } }'


def ansible_playbook() -> str:
    return os.environ.get("QPT_TEST_ANSIBLE_PLAYBOOK") or str(Path(sys.executable).parent / "ansible-playbook")


@dataclass
class PlaybookRun:
    rc: int
    output: str
    records: dict[str, dict] = field(default_factory=dict)       # per-host set_stats qpt_result
    echoed: dict[str, dict] = field(default_factory=dict)        # the "qpt result" task results
    run_stats: dict = field(default_factory=dict)                 # global set_stats (qpt_halted)
    recap: dict[str, dict[str, int]] = field(default_factory=dict)
    result_batches: list[list[str]] = field(default_factory=list)  # hosts per "qpt result" task, in order

    def action(self, host: str) -> str:
        return self.records[host]["action"]


def run_playbook(name: str, inventory: Path, workdir: Path, extra: dict | None = None,
                 check: bool = False, limit: str | None = None, env_extra: dict | None = None) -> PlaybookRun:
    """Run playbooks/NAME of the checkout, or the collection playbook NAME when it is a FQCN (no .yml)."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update({
        "PATH": f"{Path(ansible_playbook()).parent}:{env.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"),
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(workdir / "cp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_SHOW_CUSTOM_STATS": "1",
        **(env_extra or {}),
    })
    argv = [ansible_playbook(), "-i", str(inventory), name if not name.endswith(".yml") else str(REPO / "playbooks" / name)]
    if extra is not None:
        argv += ["-e", json.dumps(extra)]
    if check:
        argv.append("--check")
    if limit:
        argv += ["--limit", limit]
    done = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, timeout=900)
    output = done.stdout + done.stderr
    (workdir / f"{name}.{'check.' if check else ''}log").write_text(output)
    return parse(done.returncode, output)


def parse(rc: int, output: str) -> PlaybookRun:
    run = PlaybookRun(rc=rc, output=output)
    decoder = json.JSONDecoder()
    stats_at = output.rfind("CUSTOM STATS:")
    if stats_at >= 0:
        for line in output[stats_at:].splitlines()[1:]:
            match = re.match(r"^\t(\S+): (\{.*\})\s*$", line)
            if not match:
                continue
            data = json.loads(match.group(2))
            if match.group(1) == "RUN":
                run.run_stats = data
            else:
                run.records[match.group(1)] = data["qpt_result"]
    for section in re.split(r"^TASK \[", output, flags=re.M)[1:]:
        # ansible-playbook names a role's task after the role: TASK [qpt_apply.magento.qpt_record : qpt result]
        if not section.startswith(("qpt result]", "qpt_apply.magento.qpt_record : qpt result]")):
            continue
        batch = []
        for match in re.finditer(r"^ok: \[([^\]]+)\] => ", section, flags=re.M):
            value, _ = decoder.raw_decode(section[match.end():])
            run.echoed[match.group(1)] = value["qpt_result"]
            batch.append(match.group(1))
        run.result_batches.append(batch)
    recap_at = output.rfind("PLAY RECAP")
    if recap_at >= 0:
        for line in output[recap_at:].splitlines()[1:]:
            match = re.match(r"^(\S+)\s+:\s+(.*)$", line)
            if match:
                run.recap[match.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(2))}
    return run


# --------------------------------------------------------------------------- what is on a host


def composer_version(root: Path, package: str = "magento/quality-patches", lock: str = "composer.lock") -> str | None:
    for pkg in json.loads((root / lock).read_text()).get("packages", []):
        if pkg["name"] == package:
            return pkg["version"]
    return None


def installed_version(root: Path, package: str = "magento/quality-patches") -> str | None:
    return composer_version(root, package, lock="vendor/composer/installed.json")


def fingerprints_present(root: Path) -> dict[str, bool]:
    """The QPT-independent marks of ACSD-61103, read straight from the files."""
    marks = {path: (root / path).is_file() and (root / path).read_text().count('name="customer_unlock"') == 1
             for path in FIXED_EVENTS}
    marks[NEW_INTERFACE] = (root / NEW_INTERFACE).is_file()
    marks[AUTH_UPDATE] = "CustomerFactory $customerFactory" in (root / AUTH_UPDATE).read_text()
    return marks


def qpt_status(lab, host: str, patch: str = PATCH) -> str:
    """A patch's status as the host's own QPT reports it ('absent' when it has no row)."""
    done = lab.run_as(host, ["php", "vendor/bin/magento-patches", "status", "--format=json", "-n"])
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {row["Id"]: row["Status"] for row in json.loads(done.stdout)}
    return rows.get(patch, "absent")


def patch_log_times(root: Path, after_lines: int = 0) -> list[datetime]:
    path = root / "var/log/patch.log"
    if not path.exists():
        return []
    lines = path.read_text().splitlines()[after_lines:]
    return [datetime.fromisoformat(m.group(1)) for m in (re.match(r"^\[([^\]]+)\]", line) for line in lines) if m]


def patch_log_length(root: Path) -> int:
    path = root / "var/log/patch.log"
    return len(path.read_text().splitlines()) if path.exists() else 0


def api_login_resets_failures(lab, host: str) -> tuple[int, int, int]:
    """One bad then one good REST login; (HTTP status of the good one, failures_num after bad, after good)."""
    customer = lab.host(host)["customer"]
    lab.http(host, "POST", TOKEN, {"username": customer["email"], "password": customer["password"] + "-wrong"})
    after_bad = lab.failures_num(host)
    status, _ = lab.http(host, "POST", TOKEN, {"username": customer["email"], "password": customer["password"]})
    return status, after_bad, lab.failures_num(host)


def graphql_login_resets_failures(lab, host: str) -> tuple[int, int, int]:
    customer = lab.host(host)["customer"]
    lab.http(host, "POST", "/graphql", {"query": GENERATE % (customer["email"], customer["password"] + "-wrong")})
    after_bad = lab.failures_num(host)
    status, _ = lab.http(host, "POST", "/graphql", {"query": GENERATE % (customer["email"], customer["password"])})
    return status, after_bad, lab.failures_num(host)


def reset_failures(lab, host: str) -> None:
    email = lab.host(host)["customer"]["email"]
    lab.sql(host, "UPDATE customer_entity SET failures_num = 0, first_failure = NULL, lock_expires = NULL "
                  f"WHERE email = '{email}'")
    lab.sql(host, "DELETE FROM oauth_token_request_log")
