"""The stand-in QPT, composer packaging and bin/magento behave like the real ones (strings per QPT.md)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from qpt_apply.lab import standin

RELEASES = [("2.4.6-p3", "community"), ("2.4.6-p3", "enterprise"), ("2.4.7", "community"),
            ("2.4.5-p8", "community")]
DB = standin.DbConn(host="127.0.0.1", port=3306, name="magento", user="magento", password="unused")
PATCH_REL = "vendor/magento/quality-patches/src/../patches/os/ACSD-61103_2.4.6-p3.patch"
TITLE = ("Fixes the issue where the failure count in the customer_entity table is not reset to zero after a "
         "customer successfully logs in through API endpoints.")
COMPONENTS = "magento/framework magento/module-customer magento/module-customer-graph-ql magento/module-integration"
PATCHED_FILES = (
    "vendor/magento/framework/ObjectManager/ResetAfterRequestInterface.php",
    "vendor/magento/module-customer/Model/Authentication.php",
    "vendor/magento/module-customer/Model/CustomerAuthUpdate.php",
    "vendor/magento/module-customer/Model/Customer.php",
    "vendor/magento/module-customer-graph-ql/etc/graphql/events.xml",
    "vendor/magento/module-integration/etc/webapi_rest/events.xml",
    "vendor/magento/module-integration/etc/webapi_soap/events.xml",
)
EVENT_FILES = PATCHED_FILES[4:]
VERSION_LINE = "Magento 2 Community Edition, version 2.4.6.0-patch3"


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("artifacts")
    standin.build_artifact_repo(path, RELEASES)
    return path


@pytest.fixture
def make_root(artifacts, tmp_path):
    def make(name="web", *, magento="2.4.6-p3", edition="community", qpt="1.1.58", mode="developer",
             patch="clean") -> Path:
        root = tmp_path / name / "magento"
        standin.build_magento_root(root, magento=magento, edition=edition, qpt=qpt, mode=mode, patch=patch,
                                   artifacts=artifacts, db=DB, base_url="http://127.0.0.1:8080")
        return root
    return make


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    return cwd


def php(script: Path, *args: str, cwd: Path, path: str | None = None,
        columns: int | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": path or os.environ["PATH"], "HOME": str(cwd), "LANG": "C.UTF-8"}
    if columns:
        env["COLUMNS"] = str(columns)  # Symfony wraps error blocks to the terminal width
    return subprocess.run([shutil.which("php"), str(script), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


def qpt(root: Path, *args: str, cwd: Path, path: str | None = None,
        columns: int | None = None) -> subprocess.CompletedProcess:
    return php(root / "vendor/bin/magento-patches", *args, cwd=cwd, path=path, columns=columns)


def statuses(root: Path, cwd: Path, path: str | None = None) -> dict[str, str]:
    done = qpt(root, "status", "--format=json", "-n", cwd=cwd, path=path)
    assert done.returncode == 0, done.stderr
    return {row["Id"]: row["Status"] for row in json.loads(done.stdout)}


def digest(root: Path) -> dict[str, str]:
    result = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith("var/"):
            result[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


def bin_dir_with(tmp_path: Path, *tools: str) -> str:
    """A PATH holding php and only the given tools, like a host where the others are not installed."""
    directory = tmp_path / ("bin-" + "-".join(tools or ("none",)))
    directory.mkdir()
    for tool in ("php", *tools):
        (directory / tool).symlink_to(shutil.which(tool))
    return str(directory)


# ------------------------------------------------------------------------------------------------------ status

def test_status_json_row_and_order(make_root, elsewhere):
    root = make_root(patch="applied")
    done = qpt(root, "status", "-f", "json", "-n", cwd=elsewhere)
    assert done.returncode == 0 and done.stderr == ""
    expected_row = (
        '    {\n'
        '        "Id": "ACSD-61103",\n'
        '        "Title": "Fixes the issue where the failure count in the customer_enti\\nty table is not reset to '
        'zero after a customer successfully \\nlogs in through API endpoints.\\n",\n'
        '        "Category": "Customer\\nWeb API",\n'
        '        "Origin": "Adobe Commerce Support",\n'
        '        "Status": "Applied",\n'
        '        "Details": "Patch type: Optional\\nAffected components:\\n - magento\\/framework\\n - '
        'magento\\/module-customer\\n - magento\\/module-customer-graph-ql\\n - magento\\/module-integration"\n'
        '    }'
    )
    assert done.stdout.startswith("[\n" + expected_row + ",\n")
    rows = json.loads(done.stdout)
    assert [list(row) for row in rows] == [["Id", "Title", "Category", "Origin", "Status", "Details"]] * len(rows)
    assert [row["Status"] for row in rows] == sorted(row["Status"] for row in rows)
    assert len(rows) >= 3
    dependent = next(row for row in rows if row["Id"] == "ACSD-62332")
    assert "Required patches:\n - ACSD-61103\n" in dependent["Details"]


def test_status_table(make_root, elsewhere):
    root = make_root()
    done = qpt(root, "status", "-n", cwd=elsewhere)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0] == ("Patch details you can find on https://experienceleague.adobe.com/tools/"
                        "commerce-quality-patches/index.html (search for patch id, ex. MDVA-30265)")
    assert lines[1] == ("Release notes https://experienceleague.adobe.com/docs/commerce-operations/tools/"
                        "quality-patches-tool/release-notes.html")
    assert lines[2].startswith("╔═") and "╤" in lines[2] and lines[2].endswith("╗")
    assert re.match(r"^║ Id +│ Title +│ Category │ Origin +│ Status +│ Details +║$", lines[3])
    assert lines[4].startswith("╠═") and "╪" in lines[4]
    assert any(line.startswith("╟─") and "┼" in line for line in lines)
    assert lines[-2].startswith("╚═") and "╧" in lines[-2]
    assert lines[-1] == VERSION_LINE
    assert any(line.startswith("║ ACSD-61103 │ Fixes the issue where the failure count in the customer_enti │")
               for line in lines)


# ------------------------------------------------------------------------------------------------ apply/revert

def test_apply_revert_round_trip(make_root, elsewhere):
    root = make_root()
    before = digest(root)
    assert statuses(root, elsewhere)["ACSD-61103"] == "Not applied"

    done = qpt(root, "apply", "ACSD-61103", "-n", cwd=elsewhere)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (f"Patch ACSD-61103 has been applied\nTitle: {TITLE}\n"
                           f"File: os/ACSD-61103_2.4.6-p3.patch\nAffected components: {COMPONENTS}\n\n")
    assert statuses(root, elsewhere)["ACSD-61103"] == "Applied"
    for rel in EVENT_FILES:
        assert (root / rel).read_text().count('name="customer_unlock"') == 1
    assert (root / PATCHED_FILES[0]).is_file()
    assert "CustomerFactory $customerFactory" in (root / PATCHED_FILES[2]).read_text()
    assert "implements ResetAfterRequestInterface" in (root / PATCHED_FILES[3]).read_text()
    changed = {rel for rel, sha in digest(root).items() if before.get(rel) != sha}
    assert changed == set(PATCHED_FILES)

    again = qpt(root, "apply", "ACSD-61103", "-n", cwd=elsewhere)
    assert (again.returncode, again.stdout) == (0, "Patch ACSD-61103 (os/ACSD-61103_2.4.6-p3.patch) was already applied\n\n")

    done = qpt(root, "revert", "ACSD-61103", "-n", cwd=elsewhere)
    assert done.returncode == 0
    assert done.stdout == (f"Patch ACSD-61103 has been reverted\nTitle: {TITLE}\n"
                           f"File: os/ACSD-61103_2.4.6-p3.patch\nAffected components: {COMPONENTS}\n\n")
    assert statuses(root, elsewhere)["ACSD-61103"] == "Not applied"
    assert digest(root) == before

    again = qpt(root, "revert", "ACSD-61103", "-n", cwd=elsewhere)
    assert (again.returncode, again.stdout) == (0, "Patch ACSD-61103 (os/ACSD-61103_2.4.6-p3.patch) is not applied\n")

    log = (root / "var/log/patch.log").read_text().splitlines()
    stamp = r"\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00\] "
    assert re.fullmatch(stamp + re.escape(f"INFO: {VERSION_LINE}") + " *", log[0])
    assert re.fullmatch(stamp + "NOTICE: Start of applying optional patches *", log[1])
    assert re.fullmatch(stamp + "INFO: Command argument: ACSD-61103 *", log[2])
    assert re.fullmatch(stamp + re.escape('INFO: Patch ACSD-61103 has been applied {"file":"'
                                          f'{root.resolve()}/{PATCH_REL}"' + "}") + " *", log[3])
    assert re.fullmatch(stamp + "NOTICE: End of applying optional patches *", log[4])


def test_apply_and_revert_arguments(make_root, elsewhere):
    root = make_root()
    done = qpt(root, "apply", "-n", cwd=elsewhere)
    assert done.returncode == 1 and done.stdout == ""
    assert 'Not enough arguments (missing: "list-of-patches").' in done.stderr
    done = qpt(root, "revert", "-n", cwd=elsewhere)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    done = qpt(root, "--version", cwd=elsewhere)
    assert done.stdout == "magento/project-community-edition 2.4.6-p3\n"


@pytest.mark.parametrize("magento, release, version_line", [
    ("2.4.7", "1.1.57", "Magento 2 Community Edition, version 2.4.7.0"),
    ("2.4.6-p3", "1.1.53", VERSION_LINE),
    ("2.4.5-p8", "1.1.58", "Magento 2 Community Edition, version 2.4.5.0-patch8"),
])
def test_not_offered(make_root, elsewhere, magento, release, version_line):
    root = make_root(magento=magento, qpt=release)
    before = digest(root)
    assert "ACSD-61103" not in statuses(root, elsewhere)
    done = qpt(root, "apply", "ACSD-61103", "-n", cwd=elsewhere)
    assert done.returncode == 1
    assert done.stdout == (f"{version_line}\nNext patches weren't found: ACSD-61103. Please, check with \"status\" "
                           "command availability of these patches for the current Magento version.\n")
    assert digest(root) == before


def test_fixed_release_and_applied_build_carry_the_fingerprints(make_root, elsewhere):
    for root in (make_root("new", magento="2.4.7"), make_root("applied", qpt="1.1.53", patch="applied")):
        for rel in EVENT_FILES:
            assert (root / rel).read_text().count('name="customer_unlock"') == 1
        assert (root / PATCHED_FILES[0]).is_file()
        assert "CustomerFactory $customerFactory" in (root / PATCHED_FILES[2]).read_text()
    old = make_root("old", magento="2.4.5-p8")
    assert all('customer_unlock' not in (old / rel).read_text() for rel in EVENT_FILES)
    assert not (old / PATCHED_FILES[0]).exists()


def test_conflict_is_na_and_apply_changes_nothing(make_root, elsewhere):
    root = make_root(patch="conflict")
    before = digest(root)
    assert statuses(root, elsewhere)["ACSD-61103"] == "N/A"

    done = qpt(root, "apply", "ACSD-61103", "-n", cwd=elsewhere)
    assert done.returncode == 1
    assert done.stdout == (
        "Error: patch ACSD-61103 can't be applied\n"
        f"{VERSION_LINE}\n"
        f"Applying patch ACSD-61103 ({root.resolve()}/{PATCH_REL}) failed.\n"
        "error: patch failed: vendor/magento/module-customer/Model/Authentication.php:7\n"
        "error: vendor/magento/module-customer/Model/Authentication.php: patch does not apply\n"
    )
    assert digest(root) == before

    # A patch applied earlier in the same run is rolled back.
    done = qpt(root, "apply", "ACSD-51892", "ACSD-61103", "-n", cwd=elsewhere)
    assert done.returncode == 1
    assert ("Error: patch ACSD-61103 can't be applied\nStart of rollback\nPatch ACSD-51892 has been reverted\n"
            f"End of rollback\n{VERSION_LINE}\n") in done.stdout
    assert digest(root) == before

    done = qpt(root, "revert", "ACSD-61103", "-n", cwd=elsewhere)
    assert done.returncode == 1
    assert done.stdout.startswith(f"Reverting patch ACSD-61103 ({root.resolve()}/{PATCH_REL}) failed.\nerror: ")
    assert done.stdout.endswith(f"{VERSION_LINE}\nRevert operation for ACSD-61103 finished with errors.\n")
    assert digest(root) == before


def test_dependent_patch(make_root, elsewhere):
    root = make_root()
    done = qpt(root, "apply", "ACSD-62332", "-n", cwd=elsewhere)
    assert done.returncode == 0
    assert done.stdout.index("Patch ACSD-61103 has been applied") < done.stdout.index(
        "Patch ACSD-62332 has been applied")
    assert statuses(root, elsewhere)["ACSD-62332"] == "Applied"

    done = qpt(root, "revert", "ACSD-61103", "-n", cwd=elsewhere)
    assert done.returncode == 1
    assert done.stdout == (f"{VERSION_LINE}\n"
                           "Patch ACSD-61103 is a dependency for ACSD-62332. Please, revert ACSD-62332 first\n")
    assert statuses(root, elsewhere)["ACSD-61103"] == "Applied"

    done = qpt(root, "revert", "--all", "-n", cwd=elsewhere)
    assert done.returncode == 0
    assert done.stdout.index("Patch ACSD-62332 has been reverted") < done.stdout.index(
        "Patch ACSD-61103 has been reverted")
    assert set(statuses(root, elsewhere).values()) == {"Not applied"}


INTEGRITY_MESSAGE = ("Configuration error - Next patches weren't found: ACSD-48070. Please, check with \"status\" "
                     "command availability of these patches for the current Magento version.")
SYNOPSIS = {"status": "status [-f|--format [FORMAT]]", "apply": "apply <list-of-patches>...",
            "revert": "revert [-a|--all] [--] [<list-of-patches>...]"}


def assert_integrity_failure(done: subprocess.CompletedProcess, command: str) -> None:
    """The unhandled PatchIntegrityException as Symfony prints it: header, padded message block, synopsis."""
    assert (done.returncode, done.stdout) == (1, ""), done.stderr
    lines = done.stderr.split("\n")
    assert lines[:2] == ["", "In OptionalPool.php line 267:"]
    assert lines[2].strip() == "" and lines[3].strip() == INTEGRITY_MESSAGE and lines[4].strip() == ""
    assert len(lines[2]) == len(lines[3]) == len(lines[4])  # the block is padded to its widest line
    assert lines[5:] == ["", SYNOPSIS[command], "", ""]


@pytest.mark.parametrize("release", ["1.1.56", "1.1.57"])
def test_broken_release_fails_every_command(make_root, elsewhere, release):
    root = make_root(qpt=release)
    before = digest(root)
    for args in (["status", "--format=json"], ["status"], ["apply", "ACSD-61103"], ["revert", "ACSD-61103"]):
        # Wide enough for the message to stay on one line, as on a wide terminal.
        assert_integrity_failure(qpt(root, *args, "-n", cwd=elsewhere, columns=400), args[0])
    # At the default 80 columns Symfony cuts the message into pieces of the block's width.
    done = qpt(root, "status", "--format=json", "-n", cwd=elsewhere)
    assert done.returncode == 1 and done.stderr.splitlines()[1] == "In OptionalPool.php line 267:"
    pieces = [line[2:-2] for line in done.stderr.split("\n")[3:6]]
    assert all(len(line) == 79 for line in done.stderr.split("\n")[2:7])
    assert "".join(pieces).rstrip() == INTEGRITY_MESSAGE
    assert digest(root) == before
    assert qpt(root, "--version", cwd=elsewhere).returncode == 0


def test_release_1_1_57_breaks_open_source_2_4_4_to_2_4_6_only(make_root, elsewhere):
    assert_integrity_failure(qpt(make_root("old", magento="2.4.5-p8", qpt="1.1.57"), "status", "-n",
                                 cwd=elsewhere, columns=400), "status")
    # Not on 2.4.7 (the patch needing ACSD-48070 is not offered there), not on Adobe Commerce (it ships ACSD-48070).
    assert "ACSD-62872" not in statuses(make_root("new", magento="2.4.7", qpt="1.1.57"), elsewhere)
    commerce = make_root("commerce", edition="enterprise", qpt="1.1.57")
    done = qpt(commerce, "status", "--format=json", "-n", cwd=elsewhere)
    assert (done.returncode, done.stderr) == (0, "")
    rows = {row["Id"]: row for row in json.loads(done.stdout)}
    assert rows["ACSD-48070"]["Status"] == rows["ACSD-62872"]["Status"] == "Not applied"
    assert "Required patches:\n - ACSD-48070\n" in rows["ACSD-62872"]["Details"]
    done = qpt(commerce, "apply", "ACSD-61103", "-n", cwd=elsewhere)
    assert (done.returncode, done.stdout.splitlines()[0]) == (0, "Patch ACSD-61103 has been applied")
    # Applying the Open Source patch brings the Commerce one it requires along, first.
    done = qpt(commerce, "apply", "ACSD-62872", "-n", cwd=elsewhere)
    assert done.returncode == 0
    assert done.stdout.index("Patch ACSD-48070 has been applied") < done.stdout.index(
        "Patch ACSD-62872 has been applied")


def test_release_1_1_58_works_everywhere(make_root, elsewhere):
    for name, magento, edition in (("os246", "2.4.6-p3", "community"), ("os245", "2.4.5-p8", "community"),
                                   ("ac246", "2.4.6-p3", "enterprise")):
        root = make_root(name, magento=magento, edition=edition, qpt="1.1.58")
        done = qpt(root, "status", "--format=json", "-n", cwd=elsewhere)
        assert (done.returncode, done.stderr) == (0, ""), name
        rows = {row["Id"]: row for row in json.loads(done.stdout)}
        assert rows["ACSD-62872"]["Status"] == "Not applied" and "Required" not in rows["ACSD-62872"]["Details"]
        assert ("ACSD-48070" in rows) == (edition == "enterprise")
        done = qpt(root, "apply", "ACSD-62872", "-n", cwd=elsewhere)
        assert (done.returncode, done.stdout.splitlines()[0]) == (0, "Patch ACSD-62872 has been applied"), name


def test_needs_git_or_patch(make_root, elsewhere, tmp_path):
    root = make_root()
    nothing = bin_dir_with(tmp_path)
    for args in (["status", "--format=json"], ["apply", "ACSD-61103"]):
        done = qpt(root, *args, "-n", cwd=elsewhere, path=nothing)
        assert (done.returncode, done.stdout) == (1, "")
        assert "GIT or PATCH is required to perform this operation." in done.stderr

    only_patch = bin_dir_with(tmp_path, "patch")
    before = digest(root)
    assert statuses(root, elsewhere, path=only_patch)["ACSD-61103"] == "Not applied"
    assert qpt(root, "apply", "ACSD-61103", "-n", cwd=elsewhere, path=only_patch).returncode == 0
    assert statuses(root, elsewhere, path=only_patch)["ACSD-61103"] == "Applied"
    assert statuses(root, elsewhere)["ACSD-61103"] == "Applied"
    assert qpt(root, "revert", "ACSD-61103", "-n", cwd=elsewhere, path=only_patch).returncode == 0
    assert digest(root) == before

    conflict = make_root("conflict", patch="conflict")
    before = digest(conflict)
    assert statuses(conflict, elsewhere, path=only_patch)["ACSD-61103"] == "N/A"
    assert qpt(conflict, "apply", "ACSD-61103", "-n", cwd=elsewhere, path=only_patch).returncode == 1
    assert digest(conflict) == before


def test_enterprise_edition_line(make_root, elsewhere):
    root = make_root(edition="enterprise", qpt="1.1.54")
    done = qpt(root, "status", "-n", cwd=elsewhere)
    assert done.stdout.splitlines()[-1] == "Magento 2 Enterprise Edition, version 2.4.6.0-patch3"
    assert qpt(root, "--version", cwd=elsewhere).stdout == "magento/project-enterprise-edition 2.4.6-p3\n"


# ---------------------------------------------------------------------------------------------------- composer

def test_composer_update_moves_qpt_forward(make_root, elsewhere):
    root = make_root(qpt="1.1.53")
    lock = json.loads((root / "composer.lock").read_text())
    assert {p["name"]: p["version"] for p in lock["packages"]}["magento/quality-patches"] == "1.1.53"
    assert "ACSD-61103" not in statuses(root, elsewhere)

    env = {"PATH": os.environ["PATH"], "HOME": str(elsewhere), "COMPOSER_HOME": str(elsewhere / "composer"),
           "COMPOSER_ALLOW_SUPERUSER": "1"}
    done = subprocess.run(["composer", "update", "magento/quality-patches", "--no-interaction"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lock = json.loads((root / "composer.lock").read_text())
    assert {p["name"]: p["version"] for p in lock["packages"]}["magento/quality-patches"] == "1.1.58"
    installed = json.loads((root / "vendor/composer/installed.json").read_text())
    assert {p["name"]: p["version"] for p in installed["packages"]}["magento/quality-patches"] == "1.1.58"
    assert statuses(root, elsewhere)["ACSD-61103"] == "Not applied"


def test_root_layout(make_root):
    root = make_root(mode="production")
    manifest = json.loads((root / "composer.json").read_text())
    assert manifest["name"] == "magento/project-community-edition" and manifest["version"] == "2.4.6-p3"
    assert manifest["repositories"][0] == {"packagist.org": False}
    assert manifest["require"]["magento/quality-patches"] == "^1.1"
    env = (root / "app/etc/env.php").read_text()
    assert "'MAGE_MODE' => 'production'" in env and "'host' => '127.0.0.1:3306'" in env
    assert (root / "generated/metadata/global.php").is_file()
    assert list((root / "var/cache").glob("mage--*/mage---*EVENT_CONFIG_CACHE"))
    assert standin.front_command(root, "127.0.0.1", 8080)[-5:] == [
        "-S", "127.0.0.1:8080", "-t", str(root / "pub"), str(root / "phpserver/router.php")]


# ------------------------------------------------------------------------------------------------- bin/magento

def test_bin_magento(make_root, elsewhere):
    root = make_root(mode="production")
    magento = root / "bin/magento"
    assert php(magento, "--version", cwd=elsewhere).stdout == "Magento CLI 2.4.6-p3\n"
    assert php(magento, "deploy:mode:show", cwd=elsewhere).stdout == (
        "Current application mode: production. (Note: Environment variables may override this value.)\n")

    status = php(magento, "cache:status", cwd=elsewhere).stdout.splitlines()
    assert status[0] == "Current status:"
    assert status[1] == "                        config: 1"
    assert len(status) == 1 + len(standin.CACHE_TYPES)

    done = php(magento, "cache:clean", "config", "full_page", cwd=elsewhere)
    assert (done.returncode, done.stdout) == (0, "Cleaned cache types:\nconfig\nfull_page\n")
    assert not list((root / "var/cache").glob("mage--*/mage---*EVENT_CONFIG_CACHE"))
    done = php(magento, "cache:flush", cwd=elsewhere)
    assert done.stdout == "Flushed cache types:\n" + "\n".join(standin.CACHE_TYPES) + "\n"
    done = php(magento, "cache:clean", "nonsense", cwd=elsewhere)
    assert done.returncode == 1
    assert "The following requested cache types are not supported: 'nonsense'." in done.stderr

    assert php(magento, "maintenance:enable", cwd=elsewhere).stdout == "Enabled maintenance mode\n"
    assert (root / "var/.maintenance.flag").is_file()
    assert php(magento, "maintenance:status", cwd=elsewhere).stdout == (
        "Status: maintenance mode is enabled\nList of exempt IP-addresses: none\n")
    assert php(magento, "maintenance:disable", cwd=elsewhere).stdout == "Disabled maintenance mode\n"
    assert not (root / "var/.maintenance.flag").exists()

    done = php(magento, "setup:di:compile", cwd=elsewhere)
    assert done.returncode == 0
    assert done.stdout == ("Compilation was started.\n\n"
                           "Generated code and dependency injection configuration successfully.\n")
    assert (root / "generated/code/Magento/Customer/Model/CustomerFactory.php").is_file()

    done = php(magento, "nonsense", cwd=elsewhere)
    assert done.returncode == 1 and 'Command "nonsense" is not defined.' in done.stderr

    default = make_root("default", mode="default")
    assert php(default / "bin/magento", "deploy:mode:show", cwd=elsewhere).stdout.startswith(
        "Current application mode: default.")


def test_parallel_builds_share_templates(artifacts, tmp_path, elsewhere):
    from concurrent.futures import ThreadPoolExecutor

    specs = [("a", "developer"), ("b", "developer"), ("c", "default")]

    def build(spec):
        name, mode = spec
        root = tmp_path / name / "magento"
        standin.build_magento_root(root, magento="2.4.6-p3", edition="community", qpt="1.1.55", mode=mode,
                                   patch="clean", artifacts=artifacts, db=DB, base_url="http://127.0.0.1:1")
        return root

    with ThreadPoolExecutor(max_workers=3) as pool:
        roots = list(pool.map(build, specs))
    for root in roots:
        assert statuses(root, elsewhere)["ACSD-61103"] == "Not applied"
    first, second = digest(roots[0]), digest(roots[1])
    assert first.pop("app/etc/env.php") != second.pop("app/etc/env.php")  # own crypt key per host
    assert first == second
