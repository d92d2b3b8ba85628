"""Lab faults, delays and the command log: injected failures look like the real ones, and so do the real ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import tree_digest
from qpt_apply.lab import spec

pytestmark = pytest.mark.lab

TOKEN = "/rest/V1/integration/customer/token"
GENERATED_DENIED = ("Command line user does not have read and write permissions on generated directory. "
                    "Please address this issue before using Magento command line.\n")
QPT = "magento/quality-patches"


@pytest.fixture(scope="module")
def lab(lab_factory):
    return lab_factory([
        {"name": "prod", "qpt": "1.1.55", "mode": "production"},
        {"name": "dev", "qpt": "1.1.53", "mode": "developer",
         "faults": {"composer_update": "fail"}, "delays": {"composer_update": 0.3}},
    ])


def magento(lab, name: str, *args: str) -> subprocess.CompletedProcess:
    return lab.run_as(name, ["php", "bin/magento", *args])


def login(lab, name: str) -> int:
    customer = lab.host(name)["customer"]
    return lab.http(name, "POST", TOKEN, {"username": customer["email"], "password": customer["password"]})[0]


def cache_entries(lab, name: str) -> list[str]:
    return sorted(p.name for p in (lab.root(name) / "var/cache").glob("mage--*/mage---*"))


def versions(path: Path) -> dict[str, str]:
    return {p["name"]: p["version"] for p in json.loads(path.read_text())["packages"]}


def runs(lab, name: str, cmd: str) -> list[tuple[dict, dict]]:
    """(start, end) pairs of `cmd` in the host's command log."""
    entries = lab.commands(name)
    ends = {e["pid"]: e for e in entries if e["event"] == "end" and e["cmd"] == cmd}
    return [(e, ends.get(e["pid"])) for e in entries if e["event"] == "start" and e["cmd"] == cmd]


@pytest.fixture
def chmod():
    """chmod paths for one test; their modes are put back after it."""
    changed: list[tuple[Path, int]] = []

    def change(path: Path, mode: int) -> None:
        changed.append((path, path.stat().st_mode & 0o7777))
        path.chmod(mode)

    yield change
    for path, mode in reversed(changed):
        path.chmod(mode)


# ------------------------------------------------------------------------------------------------------- spec

def test_spec_faults_and_delays_are_checked(tmp_path):
    hosts = spec.parse_hosts([{"faults": {"cache_clean": "fail"}, "delays": {"qpt_status": 3}}, {}],
                             delays={"qpt_status": 1, "di_compile": 0.5})
    assert hosts[0].faults == {"cache_clean": "fail"}
    assert hosts[0].delays == {"qpt_status": 3, "di_compile": 0.5}
    assert hosts[1].faults == {} and hosts[1].delays == {"qpt_status": 1, "di_compile": 0.5}
    for entry, message in [
        ({"faults": {"setup_upgrade": "fail"}}, "unknown fault 'setup_upgrade'"),
        ({"faults": {"di_compile": "slow"}}, "fault di_compile 'slow' must be 'fail'"),
        ({"faults": ["di_compile"]}, "faults must be a mapping"),
        ({"delays": {"qpt_status": -1}}, "delay qpt_status -1 must be a number of seconds >= 0"),
        ({"delays": {"qpt_status": True}}, "delay qpt_status True must be"),
        ({"delays": {"static_deploy": 1}}, "unknown delay 'static_deploy'"),
    ]:
        with pytest.raises(spec.SpecError, match=message):
            spec.parse_hosts([entry])

    spec_file = tmp_path / "spec.yml"
    spec_file.write_text(yaml.safe_dump({"hosts": [{}], "delays": {"cache_clean": "2s"}}))
    done = subprocess.run([sys.executable, "-m", "qpt_apply.cli", "lab", "up", "--dir", str(tmp_path / "lab"),
                           "--spec", str(spec_file)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "delay cache_clean '2s' must be a number" in done.stderr
    assert not (tmp_path / "lab" / "lab.state.json").exists()


def test_lab_up_writes_the_faults_file_for_the_host_user(lab):
    home = Path(lab.host("dev")["home"])
    assert lab.faults("dev") == {"faults": {"composer_update": "fail"}, "delays": {"composer_update": 0.3}}
    assert lab.faults("prod") == {"faults": {}, "delays": {}}
    uid = lab.run_as("dev", ["id", "-u"]).stdout.strip()
    for name in ("lab-faults.json", "lab-commands.log"):
        assert str((home / name).stat().st_uid) == uid
    assert lab.host("dev")["faults_file"] == str(home / "lab-faults.json")
    lab.set_faults("dev", delays={"qpt_status": 0.1})
    assert lab.faults("dev") == {"faults": {"composer_update": "fail"}, "delays": {"qpt_status": 0.1}}
    assert str((home / "lab-faults.json").stat().st_uid) == uid
    with pytest.raises(spec.SpecError, match="unknown fault"):
        lab.set_faults("dev", faults={"reindex": "fail"})
    lab.set_faults("dev", delays={"composer_update": 0.3})


# ------------------------------------------------------------------------------------------- setup:di:compile

def test_di_compile_fault_looks_like_an_unwritable_generated_dir(lab, chmod):
    root = lab.root("prod")
    assert lab.run_as("prod", ["php", "vendor/bin/magento-patches", "apply", "ACSD-61103", "-n"]).returncode == 0
    assert magento(lab, "prod", "cache:clean").returncode == 0
    assert login(lab, "prod") == 500  # compiled DI still passes the old constructor arguments
    before = tree_digest(root / "generated")

    lab.set_faults("prod", faults={"di_compile": "fail"})
    done = magento(lab, "prod", "setup:di:compile")
    assert (done.returncode, done.stdout) == (1, GENERATED_DENIED)
    assert tree_digest(root / "generated") == before
    assert login(lab, "prod") == 500

    lab.clear_faults("prod")
    chmod(root / "generated", 0o555)
    done = magento(lab, "prod", "setup:di:compile")
    assert (done.returncode, done.stdout) == (1, GENERATED_DENIED)
    assert tree_digest(root / "generated") == before

    (root / "generated").chmod(0o775)
    factory_dir = root / "generated/code/Magento/Customer/Model"
    chmod(factory_dir.parent, 0o555)
    done = magento(lab, "prod", "setup:di:compile")
    assert done.returncode == 1
    assert done.stdout == (f'The directory "{factory_dir}" cannot be deleted '
                           f"Warning!rmdir({factory_dir}): Permission denied\n")
    factory_dir.parent.chmod(0o775)

    done = magento(lab, "prod", "setup:di:compile")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "generated/metadata/global.php").is_file()
    assert login(lab, "prod") == 200
    assert [end["rc"] for _, end in runs(lab, "prod", "magento setup:di:compile")] == [1, 1, 1, 0]


def test_written_meanwhile_fault_looks_like_requests_writing_during_the_compile(lab):
    """Run 1: a request generates a factory while bin/magento empties generated/code; run 2: one saves var/cache."""
    root = lab.root("prod")
    assert login(lab, "prod") == 200  # the storefront generates its factories into generated/code
    lab.set_faults("prod", faults={"di_compile": "written-meanwhile"})
    done = magento(lab, "prod", "setup:di:compile")
    assert done.returncode == 1, done.stdout + done.stderr
    # Magento's own preparation message, alone on stdout: it fails before the command starts.
    line, = done.stdout.splitlines()
    written = line.split('"')[1]
    assert written.startswith(f"{root}/generated/code"), line
    assert line == f'The directory "{written}" cannot be deleted Warning!rmdir({written}): Directory not empty'
    assert [p.name for p in Path(written).iterdir()] == ["LabWrittenMeanwhileFactory.php"]

    cache = root / "var/cache"
    done = magento(lab, "prod", "setup:di:compile")
    assert done.returncode == 1, done.stdout + done.stderr
    # Compared without whitespace: Symfony boxes the message at the terminal width, mid-word too.
    printed = "".join((done.stdout + done.stderr).split())
    for words in ("In File.php line", f'The directory "{cache}" cannot be deleted',
                  f"Warning!rmdir({cache}): Directory not empty"):
        assert "".join(words.split()) in printed, done.stdout + done.stderr
    done = magento(lab, "prod", "setup:di:compile")
    assert done.returncode == 0, done.stdout + done.stderr
    assert not Path(written).exists() or "LabWrittenMeanwhileFactory.php" not in os.listdir(written)
    assert login(lab, "prod") == 200
    lab.clear_faults("prod")


# -------------------------------------------------------------------------------------------------- cache

def test_cache_clean_fault_looks_like_an_unwritable_cache_dir(lab, chmod):
    root = lab.root("prod")
    assert login(lab, "prod") == 200  # loads the configuration into var/cache
    entries = cache_entries(lab, "prod")
    assert entries
    message = f'cache_dir "{root}/var/cache/" is not writable'

    lab.set_faults("prod", faults={"cache_clean": "fail"})
    for command in ("cache:clean", "cache:flush"):
        done = magento(lab, "prod", command)
        assert done.returncode == 1 and message in done.stderr and done.stdout == ""
        assert cache_entries(lab, "prod") == entries
    assert magento(lab, "prod", "cache:status").returncode == 0  # only cleaning is faulted

    lab.clear_faults("prod")
    chmod(root / "var/cache", 0o555)
    done = magento(lab, "prod", "cache:clean", "config")
    assert done.returncode == 1 and message in done.stderr
    assert cache_entries(lab, "prod") == entries
    (root / "var/cache").chmod(0o775)

    done = magento(lab, "prod", "cache:flush")
    assert (done.returncode, done.stdout.splitlines()[0]) == (0, "Flushed cache types:")
    assert cache_entries(lab, "prod") == []


# ------------------------------------------------------------------------------------------------ composer

def test_composer_update_fault_leaves_the_lock_ahead_of_vendor(lab):
    root = lab.root("dev")
    composer = ["composer", "update", QPT, "--no-interaction", "--no-progress"]
    done = lab.run_as("dev", composer)
    assert done.returncode == 1
    assert "Lab fault composer_update" in done.stderr
    assert versions(root / "composer.lock")[QPT] == "1.1.58"
    assert versions(root / "vendor/composer/installed.json")[QPT] == "1.1.53"
    assert json.loads((root / "vendor/magento/quality-patches/composer.json").read_text())["version"] == "1.1.53"
    status = lab.run_as("dev", ["php", "vendor/bin/magento-patches", "status", "--format=json", "-n"])
    assert "ACSD-61103" not in {row["Id"] for row in json.loads(status.stdout)}
    (start, end), = runs(lab, "dev", "composer update")
    assert start["argv"][1:4] == ["update", QPT, "--no-interaction"]
    assert end["rc"] == 1 and end["time"] - start["time"] >= 0.3

    # The fault is still set: installing from the lock is not an update, so it goes through.
    done = lab.run_as("dev", ["composer", "install", "--no-interaction", "--no-progress"])
    assert done.returncode == 0, done.stderr
    assert versions(root / "vendor/composer/installed.json")[QPT] == "1.1.58"
    assert len(runs(lab, "dev", "composer update")) == 1

    lab.clear_faults("dev")
    done = lab.run_as("dev", ["composer", "require", f"{QPT}:1.1.55", "--no-interaction", "--no-progress"])
    assert done.returncode == 0, done.stderr
    assert versions(root / "vendor/composer/installed.json")[QPT] == "1.1.55"
    start, end = runs(lab, "dev", "composer update")[-1]
    assert start["argv"][1] == "require" and end["rc"] == 0 and end["time"] - start["time"] >= 0.3


# ---------------------------------------------------------------------------------------------- command log

def test_delays_are_sleeps_seen_in_the_command_log(lab):
    delays = {"qpt_status": 0.4, "qpt_revert": 0.2, "cache_clean": 0.3, "di_compile": 0.3}
    lab.set_faults("dev", delays=delays)
    seen = len(lab.commands("dev"))
    qpt = ["php", "vendor/bin/magento-patches"]
    assert lab.run_as("dev", [*qpt, "status", "-n"]).returncode == 0
    assert lab.run_as("dev", [*qpt, "revert", "-n"]).returncode == 0  # no ID: nothing to do
    assert lab.run_as("dev", [*qpt, "apply", "-n"]).returncode == 1  # no ID: Symfony refuses it
    for command in ("cache:clean", "c:f", "setup:di:compile", "maintenance:enable", "maintenance:disable"):
        assert magento(lab, "dev", command).returncode == 0
    lab.set_faults("dev", delays={})

    entries = lab.commands("dev")[seen:]
    assert [(e["event"], e["cmd"]) for e in entries[:6]] == [
        ("start", "qpt status"), ("end", "qpt status"), ("start", "qpt revert"), ("end", "qpt revert"),
        ("start", "qpt apply"), ("end", "qpt apply")]
    assert [e["cmd"] for e in entries[6::2]] == [
        "magento cache:clean", "magento cache:flush", "magento setup:di:compile", "magento maintenance:enable",
        "magento maintenance:disable"]
    assert entries[0]["argv"][1:] == ["status", "-n"] and entries[8]["argv"][1:] == ["c:f"]
    for start, end in zip(entries[::2], entries[1::2]):
        assert start["event"] == "start" and end["event"] == "end" and start["pid"] == end["pid"]
        assert set(start) == {"event", "cmd", "argv", "pid", "time"} and set(end) == {"event", "cmd", "pid", "time",
                                                                                          "rc"}
        step = {"qpt status": "qpt_status", "qpt revert": "qpt_revert", "magento cache:clean": "cache_clean",
                "magento cache:flush": "cache_clean", "magento setup:di:compile": "di_compile"}.get(start["cmd"])
        assert end["time"] - start["time"] >= delays.get(step, 0), start["cmd"]
        assert end["rc"] == (1 if start["cmd"] == "qpt apply" else 0)
    assert os.getpid() not in {e["pid"] for e in entries}
