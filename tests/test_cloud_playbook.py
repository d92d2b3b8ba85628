"""playbooks/cloud.yml end to end: local bare repositories as the cloud remotes, real git, real composer
(offline, artifact repository), real ansible-playbook. Assertions read the remotes themselves."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATA = Path(__file__).resolve().parent / "data" / "cloud"
ID = "ACSD-61103"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}

pytestmark = pytest.mark.skipif(shutil.which("composer") is None or shutil.which("git") is None,
                                reason="needs git and composer")


# --------------------------------------------------------------------------- the composer artifact repository

def _zip_package(dest: Path, name: str, version: str, require: dict[str, str]) -> None:
    with zipfile.ZipFile(dest / f"{name.replace('/', '-')}-{version}.zip", "w") as archive:
        archive.writestr("composer.json", json.dumps(
            {"name": name, "version": version, "type": "library", "require": require}))


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    from qpt_apply.lab.standin import artifact_repo_url, build_artifact_repo

    root = tmp_path_factory.mktemp("artifacts")
    build_artifact_repo(root, [("2.4.6-p3", "community"), ("2.4.7", "community")])
    dest = artifact_repo_url(root)
    # ece-tools as on Cloud: QPT comes in through it; the newer release needs a QPT that has ACSD-61103.
    _zip_package(dest, "magento/ece-tools", "2002.1.19", {"magento/quality-patches": "^1.1"})
    _zip_package(dest, "magento/ece-tools", "2002.1.20", {"magento/quality-patches": "^1.1.54"})
    return dest


# --------------------------------------------------------------------------- projects

def git(cwd: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {proc.stderr}")
    return proc.stdout


def composer(cwd: Path, *args: str, home: Path) -> None:
    subprocess.run(["composer", *args, "--no-interaction", "--no-progress", "--ignore-platform-reqs"],
                   cwd=cwd, env={**os.environ, "COMPOSER_HOME": str(home), "COMPOSER_ALLOW_SUPERUSER": "1"},
                   capture_output=True, text=True, check=True)


class Project:
    """A cloud project: a bare repository (the remote) and a developer clone to push other changes from."""

    def __init__(self, root: Path, name: str):
        self.remote = root / f"{name}.git"
        self.dev = root / f"{name}-dev"

    def show(self, branch: str, path: str) -> bytes | None:
        proc = subprocess.run(["git", "--git-dir", str(self.remote), "show", f"{branch}:{path}"],
                              capture_output=True, check=False)
        return proc.stdout if proc.returncode == 0 else None

    def head(self, branch: str) -> str:
        return git(self.remote, "rev-parse", f"refs/heads/{branch}").strip()

    def refs(self) -> str:
        return git(self.remote, "for-each-ref", "--format=%(refname) %(objectname)")

    def log(self, branch: str) -> list[str]:
        return git(self.remote, "log", "--format=%s", branch).splitlines()

    def count(self, branch: str) -> int:
        return int(git(self.remote, "rev-list", "--count", branch))

    def message(self, branch: str) -> str:
        return git(self.remote, "log", "-1", "--format=%B", branch).rstrip("\n")

    def changed_files(self, branch: str) -> list[str]:
        return git(self.remote, "diff-tree", "--no-commit-id", "--name-only", "-r", branch).split()

    def locked(self, branch: str, package: str) -> str | None:
        lock = json.loads(self.show(branch, "composer.lock"))
        return next((p["version"] for p in lock["packages"] if p["name"] == package), None)

    def push_from_dev(self, branch: str, path: str, content: str, message: str) -> str:
        git(self.dev, "fetch", "-q", "origin")
        git(self.dev, "checkout", "-q", "-B", branch, f"origin/{branch}")
        target = self.dev / path
        target.write_text(content)
        git(self.dev, "add", path)
        git(self.dev, "commit", "-q", "-m", message)
        git(self.dev, "push", "-q", "origin", f"HEAD:refs/heads/{branch}")
        return git(self.dev, "rev-parse", "HEAD").strip()


@pytest.fixture
def make_project(tmp_path, artifacts):
    home = tmp_path / "composer-home"

    def make(name: str = "shop", *, env_yaml: str | bytes | None = None, magento: str = "2.4.6-p3",
             qpt: str = "1.1.55", branches: tuple[str, ...] = ("production",), ece_tools: str | None = None,
             qpt_requirement: str = "^1.1") -> Project:
        project = Project(tmp_path, name)
        seed = tmp_path / f"{name}-seed"
        seed.mkdir()
        git(seed, "init", "-q", "-b", branches[0])
        require = {"magento/product-community-edition": magento}
        pins = ["--with", f"magento/quality-patches:{qpt}"]
        if ece_tools:
            require["magento/ece-tools"] = "^2002.1"
            pins += ["--with", f"magento/ece-tools:{ece_tools}"]
        else:
            require["magento/quality-patches"] = qpt_requirement
        (seed / "composer.json").write_text(json.dumps({
            "name": f"acme/{name}", "type": "project", "license": "proprietary", "require": require,
            "repositories": [{"packagist.org": False}, {"type": "artifact", "url": str(artifacts)}],
            "config": {"allow-plugins": False},
        }, indent=4) + "\n")
        composer(seed, "update", "--no-install", *pins, home=home)
        (seed / ".magento.app.yaml").write_text("name: mymagento\ntype: php:8.2\n")
        if env_yaml is not None:
            (seed / ".magento.env.yaml").write_bytes(env_yaml.encode() if isinstance(env_yaml, str) else env_yaml)
        git(seed, "add", "-A")
        git(seed, "commit", "-q", "-m", "Initial project")
        git(tmp_path, "init", "-q", "--bare", str(project.remote))
        for branch in branches:
            git(seed, "push", "-q", str(project.remote), f"HEAD:refs/heads/{branch}")
        git(tmp_path, "clone", "-q", str(project.remote), str(project.dev))
        return project

    return make


# --------------------------------------------------------------------------- running the playbook

@pytest.fixture
def run_cloud(tmp_path):
    cache = tmp_path / "clone-cache"

    def run(hosts: dict[str, dict], *, extra: dict | None = None, check: bool = False, env: dict | None = None):
        inventory = tmp_path / "inventory.yml"
        inventory.write_text(json.dumps({"all": {"children": {"magento_cloud": {"hosts": hosts}}}}))
        variables = {"qpt_cloud_cache_dir": str(cache), **(extra or {})}
        extra_file = tmp_path / "extra.json"
        extra_file.write_text(json.dumps(variables))
        records = tmp_path / "records.json"
        records.unlink(missing_ok=True)
        (tmp_path / "home").mkdir(exist_ok=True)
        argv = [str(BIN / "ansible-playbook"), "-i", str(inventory), str(REPO / "playbooks" / "cloud.yml"),
                "-e", f"@{extra_file}"]
        if check:
            argv.append("--check")
        proc = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=tmp_path, env={
            **os.environ,
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_CALLBACK_PLUGINS": str(DATA / "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "qpt_records",
            "QPT_RECORDS_FILE": str(records),
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-local"),
            "ANSIBLE_NOCOLOR": "1",
            "COMPOSER_HOME": str(tmp_path / "composer-home"),
            "COMPOSER_ALLOW_SUPERUSER": "1",
            "HOME": str(tmp_path / "home"),
            **(env or {}),
        })
        return Result(proc, records)

    run.cache = cache
    return run


class Result:
    def __init__(self, proc: subprocess.CompletedProcess, records: Path):
        self.proc = proc
        self.rc = proc.returncode
        if not records.exists():
            raise AssertionError(f"the play did not finish (rc {proc.returncode}):\n"
                                 f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        collected = json.loads(records.read_text())
        self.records: dict[str, dict] = collected["stats"]
        self.echoed: dict[str, dict] = collected["echoed"]
        self.failed_tasks: dict[str, list[str]] = collected["failed_tasks"]

    def __getitem__(self, host: str) -> dict:
        assert host in self.records, self
        return self.records[host]

    def __repr__(self) -> str:
        return f"rc={self.rc}\n{self.proc.stdout[-6000:]}\n{self.proc.stderr[-3000:]}"


def host(project: Project, branch: str = "production", **more) -> dict:
    return {"cloud_git_url": str(project.remote), "cloud_branch": branch, **more}


def yaml_patches(content: bytes | None):
    loaded = YAML(typ="safe", pure=True).load(content) if content else None
    return (((loaded or {}).get("stage") or {}).get("build") or {}).get("QUALITY_PATCHES")


# --------------------------------------------------------------------------- must show

def test_rich_file_apply_adds_one_line_and_revert_restores_every_byte(make_project, run_cloud):
    original = (DATA / "rich.magento.env.yaml").read_bytes()
    project = make_project(env_yaml=original)
    start = project.head("production")

    applied = run_cloud({"shop-production": host(project)})
    assert applied.rc == 0, applied
    record = applied["shop-production"]
    assert (record["action"], record["outcome"]) == ("add-to-env-yaml", "changed")
    assert record["reason"]["code"] is None
    assert record == applied.echoed["shop-production"]
    # The remote got exactly one commit on top of where it was, touching only .magento.env.yaml.
    assert git(project.remote, "rev-parse", "production~1").strip() == start
    assert project.head("production") == record["cloud"]["commit"]
    assert record["cloud"]["pushed"] is True
    assert project.changed_files("production") == [".magento.env.yaml"]
    diff = git(project.remote, "show", "--format=", "production")
    changes = [line for line in diff.splitlines()[4:] if line.startswith(("+", "-")) and line[:3] not in ("+++", "---")]
    assert changes == ["+            - " + ID]
    assert project.show("production", ".magento.env.yaml") == original.replace(
        b"            - 'MDVA-43395'\n", b"            - 'MDVA-43395'\n            - " + ID.encode() + b"\n")
    assert project.message("production") == (
        f"Add quality patch {ID} to QUALITY_PATCHES (qpt-apply)\n\n"
        f"ece-tools applies {ID} during the build stage of production.")
    assert git(project.remote, "log", "-1", "--format=%an <%ae>", "production").strip() == \
        "qpt-apply <qpt-apply@localhost>"

    reverted = run_cloud({"shop-production": host(project)}, extra={"qpt_cloud_revert": True})
    assert reverted.rc == 0, reverted
    assert (reverted["shop-production"]["action"], reverted["shop-production"]["outcome"]) == \
        ("remove-from-env-yaml", "changed")
    assert project.show("production", ".magento.env.yaml") == original
    assert project.count("production") == 3
    assert "Remove" in project.message("production") and ID in project.message("production")


MISSING_PIECES = {
    "file-missing": None,
    "stage-missing": "log:\n  gelf:\n    min_level: info\n",
    "build-missing": "stage:\n  deploy:\n    MYSQL_USE_SLAVE_CONNECTION: true\n",
    "empty-list": "stage:\n  build:\n    QUALITY_PATCHES: []\n",
}


def test_missing_pieces_are_created_and_revert_returns_the_original(make_project, run_cloud):
    # One project per shape, all in one run (parallel forks).
    projects = {name: make_project(name, env_yaml=before) for name, before in MISSING_PIECES.items()}
    hosts = {name: host(project) for name, project in projects.items()}
    applied = run_cloud(hosts)
    assert applied.rc == 0, applied
    for name, project in projects.items():
        assert (applied[name]["action"], applied[name]["outcome"]) == ("add-to-env-yaml", "changed"), name
        assert yaml_patches(project.show("production", ".magento.env.yaml")) == [ID], name
        assert project.count("production") == 2
    # A second run finds it listed everywhere: no commit, nothing pushed.
    again = run_cloud(hosts)
    for name, project in projects.items():
        assert (again[name]["action"], again[name]["outcome"]) == ("already-listed", "ok"), name
        assert again[name]["cloud"]["commit"] is None
        assert project.count("production") == 2
    reverted = run_cloud(hosts, extra={"qpt_cloud_revert": True})
    for name, project in projects.items():
        before = MISSING_PIECES[name]
        assert reverted[name]["action"] == "remove-from-env-yaml", name
        assert project.show("production", ".magento.env.yaml") == (before.encode() if before else None), name
        assert project.count("production") == 3
    # Reverting again finds nothing to remove: no empty commit.
    again = run_cloud(hosts, extra={"qpt_cloud_revert": True})
    for name, project in projects.items():
        assert (again[name]["action"], again[name]["outcome"]) == ("not-listed", "ok"), name
        assert project.count("production") == 3
    assert "changed=0" in again.proc.stdout


def test_id_already_present_makes_no_commit(make_project, run_cloud):
    project = make_project(env_yaml=f"stage:\n  build:\n    QUALITY_PATCHES:\n      - {ID}\n")
    refs = project.refs()
    result = run_cloud({"shop": host(project)})
    assert result.rc == 0, result
    record = result["shop"]
    assert (record["action"], record["outcome"]) == ("already-listed", "ok")
    assert record["cloud"]["listed_before"] == [ID] and record["cloud"]["diff"] == ""
    assert project.refs() == refs


def test_old_qpt_lock_is_moved_and_committed_with_the_edit(make_project, run_cloud):
    project = make_project(qpt="1.1.53", env_yaml="stage:\n  deploy: {}\n")
    # A project that requires QPT itself, with a narrower constraint: composer keeps within it.
    narrow = make_project("narrow", qpt="1.1.53", qpt_requirement="~1.1.53", env_yaml=None)
    result = run_cloud({"shop": host(project), "narrow": host(narrow)})
    assert result.rc == 0, result
    record = result["shop"]
    assert (record["action"], record["outcome"]) == ("update-qpt-then-add", "changed")
    assert (record["qpt_before"], record["qpt_after"]) == ("1.1.53", "1.1.58")
    assert project.locked("production", "magento/quality-patches") == "1.1.58"
    assert sorted(project.changed_files("production")) == [".magento.env.yaml", "composer.lock"]
    assert yaml_patches(project.show("production", ".magento.env.yaml")) == [ID]
    assert "magento/quality-patches 1.1.53 -> 1.1.58 in composer.lock" in project.message("production")
    # Magento itself did not move, nor did composer.json.
    assert project.locked("production", "magento/product-community-edition") == "2.4.6-p3"
    assert result["narrow"]["action"] == "update-qpt-then-add"
    assert narrow.locked("production", "magento/quality-patches") == "1.1.58"
    assert sorted(narrow.changed_files("production")) == [".magento.env.yaml", "composer.lock"]


def test_known_bad_qpt_is_replaced_and_ece_tools_moves_with_it(make_project, run_cloud):
    project = make_project(qpt="1.1.56", ece_tools="2002.1.19",
                           env_yaml=f"stage:\n  build:\n    QUALITY_PATCHES:\n      - {ID}\n")
    result = run_cloud({"shop": host(project)})
    assert result.rc == 0, result
    record = result["shop"]
    # Already listed, but the build would fail on 1.1.56: only the lock moves.
    assert (record["action"], record["outcome"]) == ("update-qpt", "changed")
    assert project.locked("production", "magento/quality-patches") == "1.1.58"
    assert project.locked("production", "magento/ece-tools") == "2002.1.20"
    assert project.changed_files("production") == ["composer.lock"]


def test_not_offered_for_247_is_skipped_with_reason_and_nothing_changes(make_project, run_cloud):
    project = make_project(magento="2.4.7", env_yaml="stage:\n  deploy: {}\n")
    refs = project.refs()
    result = run_cloud({"shop": host(project)})
    assert result.rc == 0, result
    record = result["shop"]
    assert (record["action"], record["outcome"]) == ("skip-incompatible", "skipped")
    assert record["reason"]["code"] == "not-offered"
    assert "2.4.7" in record["reason"]["message"] and ">=2.4.6 <2.4.7" in record["reason"]["message"]
    assert record["magento"] == "2.4.7"
    assert project.refs() == refs


def test_revert_works_on_a_project_that_moved_off_246(make_project, run_cloud):
    project = make_project(magento="2.4.7", env_yaml=f"stage:\n  build:\n    QUALITY_PATCHES: [{ID}, MDVA-1]\n")
    result = run_cloud({"shop": host(project)}, extra={"qpt_cloud_revert": True})
    assert result.rc == 0, result
    assert result["shop"]["action"] == "remove-from-env-yaml"
    assert project.show("production", ".magento.env.yaml") == b"stage:\n  build:\n    QUALITY_PATCHES: [MDVA-1]\n"


def test_malformed_yaml_fails_clearly_and_leaves_the_repo_untouched(make_project, run_cloud):
    broken = "stage:\n  build:\n    QUALITY_PATCHES: [MDVA-1\n"
    project = make_project(qpt="1.1.53", env_yaml=broken)
    refs = project.refs()
    result = run_cloud({"shop": host(project)})
    assert result.rc != 0
    record = result["shop"]
    assert (record["action"], record["outcome"]) == ("failed", "failed")
    assert record["reason"]["code"] == "malformed-env-yaml"
    assert "not valid YAML" in record["reason"]["message"]
    assert project.refs() == refs
    # The clone in the cache is back at the remote branch: no stray lock update or edit left in it.
    clone = Path(record["cloud"]["clone"])
    assert git(clone, "status", "--porcelain") == ""
    assert git(clone, "rev-parse", "HEAD").strip() == project.head("production")


def test_quality_patches_not_a_list_fails_and_changes_nothing(make_project, run_cloud):
    project = make_project(env_yaml=f"stage:\n  build:\n    QUALITY_PATCHES: {ID}\n")
    refs = project.refs()
    result = run_cloud({"shop": host(project)})
    assert result["shop"]["reason"]["code"] == "env-yaml-not-editable"
    assert "not a list" in result["shop"]["reason"]["message"]
    assert project.refs() == refs


def _install_post_commit_hook(clone: Path, project: Project, branch: str, path: str, content: str) -> None:
    """Someone else pushes right after our commit, before our push: the remote moves under us."""
    marker = clone / ".git" / "someone-else-pushed"
    script = (
        "#!/bin/sh\n"
        f"[ -e '{marker}' ] && exit 0\n"
        f"touch '{marker}'\n"
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n"
        f"cd '{project.dev}' && git fetch -q origin && git checkout -q -B {branch} origin/{branch} && "
        f"printf '%s' '{content}' > '{path}' && git add '{path}' && "
        f"git -c user.name=Other -c user.email=other@example.com commit -q -m 'Someone else' && "
        f"git push -q origin HEAD:refs/heads/{branch}\n"
    )
    hook = clone / ".git" / "hooks" / "post-commit"
    hook.write_text(script)
    hook.chmod(0o755)


def test_remote_moved_ahead_is_rebased_once_and_pushed(make_project, run_cloud):
    project = make_project(env_yaml="stage:\n  deploy: {}\n")
    preview = run_cloud({"shop": host(project)}, extra={"qpt_cloud_dry_run": True})  # fills the clone cache
    clone = Path(preview["shop"]["cloud"]["clone"])
    _install_post_commit_hook(clone, project, "production", ".magento.app.yaml", "name: mymagento\ntype: php:8.3\n")
    result = run_cloud({"shop": host(project)})
    assert result.rc == 0, result
    record = result["shop"]
    assert record["cloud"]["rebased"] is True and record["cloud"]["pushed"] is True
    assert project.log("production")[:3] == [project.log("production")[0], "Someone else", "Initial project"]
    assert ID in project.log("production")[0]
    assert project.head("production") == record["cloud"]["commit"]
    assert project.show("production", ".magento.app.yaml") == b"name: mymagento\ntype: php:8.3\n"
    assert yaml_patches(project.show("production", ".magento.env.yaml")) == [ID]


def test_real_conflict_fails_clearly_and_the_remote_keeps_the_other_change(make_project, run_cloud):
    project = make_project(env_yaml="stage:\n  deploy: {}\n")
    preview = run_cloud({"shop": host(project)}, extra={"qpt_cloud_dry_run": True})
    clone = Path(preview["shop"]["cloud"]["clone"])
    theirs = "stage:\n  deploy: {}\n  build:\n    SKIP_SCD: true\n"
    _install_post_commit_hook(clone, project, "production", ".magento.env.yaml", theirs)
    result = run_cloud({"shop": host(project)})
    assert result.rc != 0
    record = result["shop"]
    assert (record["action"], record["outcome"]) == ("failed", "failed")
    assert record["reason"]["code"] == "push-conflict"
    assert "conflict" in record["reason"]["message"] and "nothing was pushed" in record["reason"]["message"]
    # The remote holds exactly the other person's commit; ours never landed.
    assert project.log("production") == ["Someone else", "Initial project"]
    assert project.show("production", ".magento.env.yaml") == theirs.encode()
    # The clone is reset to the remote branch, no rebase left half-done.
    assert git(clone, "status", "--porcelain") == ""
    assert git(clone, "rev-parse", "HEAD").strip() == project.head("production")
    assert not (clone / ".git" / "rebase-merge").exists() and not (clone / ".git" / "rebase-apply").exists()


def test_dry_run_leaves_every_remote_ref_unchanged_and_shows_the_change(make_project, run_cloud):
    first = make_project("shop", qpt="1.1.53", env_yaml="stage:\n  deploy: {}\n", branches=("production", "staging"))
    second = make_project("outlet", magento="2.4.7")
    refs = (first.refs(), second.refs())
    result = run_cloud({"shop-production": host(first), "shop-staging": host(first, "staging"),
                        "outlet": host(second)}, extra={"qpt_cloud_dry_run": True})
    assert result.rc == 0, result
    assert (first.refs(), second.refs()) == refs
    for name in ("shop-production", "shop-staging"):
        record = result[name]
        assert (record["action"], record["outcome"], record["check_mode"]) == \
            ("update-qpt-then-add", "would-change", True)
        assert record["cloud"]["commit"] is None and record["cloud"]["pushed"] is False
        assert "+      - " + ID in record["cloud"]["diff"]
        assert '"version": "1.1.58"' in record["cloud"]["diff"]
        assert ID in record["cloud"]["commit_message"]
        assert record["qpt_after"] == "1.1.58"
        clone = Path(record["cloud"]["clone"])
        assert git(clone, "status", "--porcelain") == ""
    assert result["outlet"]["outcome"] == "skipped"


def test_dry_run_prints_the_diff_and_the_commit(make_project, run_cloud):
    project = make_project(env_yaml="stage:\n  deploy: {}\n")
    refs = project.refs()
    result = run_cloud({"shop": host(project)}, extra={"qpt_cloud_dry_run": True})
    assert result.rc == 0, result
    out = result.proc.stdout
    assert "Would commit to production" in out
    assert f"Add quality patch {ID} to QUALITY_PATCHES (qpt-apply)" in out
    assert "+++ b/.magento.env.yaml" in out and f"+      - {ID}" in out
    assert project.refs() == refs


def test_check_mode_is_a_preview_too(make_project, run_cloud):
    project = make_project(env_yaml="stage:\n  deploy: {}\n")
    refs = project.refs()
    result = run_cloud({"shop": host(project)}, check=True)
    assert result.rc == 0, result
    assert (result["shop"]["outcome"], result["shop"]["check_mode"]) == ("would-change", True)
    assert project.refs() == refs


def test_no_push_commits_in_the_clone_only(make_project, run_cloud):
    project = make_project(env_yaml="stage:\n  deploy: {}\n")
    refs = project.refs()
    result = run_cloud({"shop": host(project)}, extra={"qpt_cloud_push": False})
    assert result.rc == 0, result
    record = result["shop"]
    assert (record["outcome"], record["cloud"]["pushed"]) == ("changed", False)
    assert "not pushed" in record["reason"]["message"]
    assert project.refs() == refs
    clone = Path(record["cloud"]["clone"])
    assert git(clone, "rev-parse", "HEAD").strip() == record["cloud"]["commit"]
    assert yaml_patches((clone / ".magento.env.yaml").read_bytes()) == [ID]


def test_composer_failure_stops_the_project_and_changes_nothing(make_project, run_cloud):
    # The project pins QPT exactly: composer cannot move it, and must not be forced to.
    project = make_project(qpt="1.1.53", qpt_requirement="1.1.53", env_yaml="stage:\n  deploy: {}\n")
    refs = project.refs()
    result = run_cloud({"shop": host(project)})
    assert result.rc != 0
    record = result["shop"]
    assert (record["action"], record["reason"]["code"]) == ("failed", "qpt-update-failed")
    assert "1.1.53" in record["reason"]["message"]
    assert record["qpt_output"]
    assert record["qpt_after"] == "1.1.53"
    assert project.refs() == refs
    clone = Path(record["cloud"]["clone"])
    assert git(clone, "status", "--porcelain") == ""


def test_several_environments_of_one_repository_run_in_parallel(make_project, run_cloud):
    project = make_project(env_yaml="stage:\n  deploy: {}\n", branches=("production", "staging", "integration"))
    other = make_project("outlet", env_yaml=None)
    hosts = {f"shop-{b}": host(project, b) for b in ("production", "staging", "integration")}
    hosts["outlet"] = host(other)
    result = run_cloud(hosts, extra={"ansible_forks": 4})
    assert result.rc == 0, result
    for branch in ("production", "staging", "integration"):
        assert result[f"shop-{branch}"]["outcome"] == "changed"
        assert yaml_patches(project.show(branch, ".magento.env.yaml")) == [ID]
        assert project.count(branch) == 2
    assert yaml_patches(other.show("production", ".magento.env.yaml")) == [ID]
    clones = {result[h]["cloud"]["clone"] for h in hosts}
    assert len(clones) == 4


def test_an_environment_listed_twice_is_refused(make_project, run_cloud):
    project = make_project(env_yaml="stage:\n  deploy: {}\n")
    refs = project.refs()
    result = run_cloud({"a": host(project), "b": host(project)})
    assert result.rc != 0
    for name in ("a", "b"):
        assert result[name]["reason"]["code"] == "bad-input"
        assert "same repository" in result[name]["reason"]["message"]
    assert project.refs() == refs


def test_unknown_branch_and_bad_ids_fail_with_reasons(make_project, run_cloud):
    project = make_project(env_yaml="stage:\n  deploy: {}\n")
    refs = project.refs()
    result = run_cloud({"shop": host(project, "no-such-branch")})
    assert result["shop"]["reason"]["code"] == "branch-not-found"
    result = run_cloud({"shop": host(project)}, extra={"qpt_patches": ["ACSD-61103;id"]})
    assert result["shop"]["reason"]["code"] == "bad-input"
    assert project.refs() == refs


def test_status_check_over_ssh_is_skipped_without_cloud_ssh_and_read_with_it(make_project, run_cloud, tmp_path):
    project = make_project(env_yaml=f"stage:\n  build:\n    QUALITY_PATCHES: [{ID}]\n")
    result = run_cloud({"shop": host(project)})
    assert result["shop"]["verify"] is None and result["shop"]["status_after"] == {}
    # A stand-in SSH client that answers like `magento-patches status --format=json` on the environment.
    fake_ssh = tmp_path / "fake-ssh"
    calls = tmp_path / "ssh-calls"
    rows = [{"Id": ID, "Title": "x", "Category": "Customer", "Origin": "Adobe Commerce Support",
             "Status": "Applied", "Details": "Patch type: Optional"}]
    fake_ssh.write_text("#!/bin/sh\n" f"echo \"$@\" >> '{calls}'\n" f"cat <<'EOF'\n{json.dumps(rows, indent=4)}\nEOF\n")
    fake_ssh.chmod(0o755)
    result = run_cloud({"shop": host(project, cloud_ssh="abc-production@ssh.example.test")},
                       extra={"qpt_cloud_ssh_command": [str(fake_ssh)]})
    assert result.rc == 0, result
    assert result["shop"]["status_after"] == {ID: "Applied"}
    assert result["shop"]["verify"]["status"] == {ID: "Applied"}
    assert calls.read_text().split() == ["abc-production@ssh.example.test", "php", "vendor/bin/magento-patches",
                                         "status", "--format=json", "--no-interaction"]
    # An unreachable environment is noted in the record; the git change itself stands.
    fake_ssh.write_text("#!/bin/sh\necho 'ssh: connect to host ssh.example.test port 22: Connection refused' >&2\n"
                        "exit 255\n")
    result = run_cloud({"shop": host(project, cloud_ssh="abc-production@ssh.example.test")},
                       extra={"qpt_cloud_ssh_command": [str(fake_ssh)]})
    assert result.rc == 0, result
    assert (result["shop"]["outcome"], result["shop"]["verify"]) == ("ok", None)
    assert "status check" in result["shop"]["reason"]["message"]
    assert "Connection refused" in result["shop"]["reason"]["message"]


def test_push_refused_by_the_remote_fails_and_resets_the_clone(make_project, run_cloud):
    project = make_project(env_yaml="stage:\n  deploy: {}\n")
    hook = project.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'protected branch: pushes need a review' >&2\nexit 1\n")
    hook.chmod(0o755)
    refs = project.refs()
    result = run_cloud({"shop": host(project)})
    assert result.rc != 0
    record = result["shop"]
    assert (record["action"], record["reason"]["code"]) == ("failed", "push-failed")
    assert "protected branch" in record["reason"]["message"]
    assert project.refs() == refs
    clone = Path(record["cloud"]["clone"])
    assert git(clone, "rev-parse", "HEAD").strip() == project.head("production")
    assert git(clone, "status", "--porcelain") == ""


def test_patch_missing_from_the_catalog_is_listed_with_a_note(make_project, run_cloud):
    project = make_project(env_yaml="stage:\n  build:\n    QUALITY_PATCHES: ['MDVA-1']\n")
    result = run_cloud({"shop": host(project)}, extra={"qpt_patches": [ID, "MDVA-99999"]})
    assert result.rc == 0, result
    record = result["shop"]
    assert record["action"] == "add-to-env-yaml"
    assert "MDVA-99999" in record["reason"]["message"] and "not in the patch catalog" in record["reason"]["message"]
    assert project.show("production", ".magento.env.yaml") == \
        b"stage:\n  build:\n    QUALITY_PATCHES: ['MDVA-1', 'ACSD-61103', 'MDVA-99999']\n"
    assert project.message("production").splitlines()[0] == \
        "Add quality patch ACSD-61103, MDVA-99999 to QUALITY_PATCHES (qpt-apply)"


def test_credentials_in_the_url_stay_out_of_the_record(run_cloud):
    # Nothing listens on the discard port: the fetch fails at once, and the token must not be reported.
    url = "http://deploy:s3cr3t-token@127.0.0.1:9/acme/shop.git"
    result = run_cloud({"shop": {"cloud_git_url": url, "cloud_branch": "production"}})
    assert result.rc != 0
    record = result["shop"]
    assert record["reason"]["code"] == "git-fetch-failed"
    assert record["cloud"]["repo"] == "http://127.0.0.1:9/acme/shop.git"
    assert "s3cr3t" not in json.dumps(record)
