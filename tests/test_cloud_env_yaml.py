"""The .magento.env.yaml edit: only QUALITY_PATCHES changes, and add-then-remove restores the bytes."""

from __future__ import annotations

import importlib.util
import json
import os
import difflib
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
LIBRARY = REPO / "plugins" / "modules"
DATA = Path(__file__).resolve().parent / "data" / "cloud"
ID = "ACSD-61103"


def _load_module(name):
    spec = importlib.util.spec_from_file_location("qpt_cloud_" + name, LIBRARY / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


env_yaml = _load_module("magento_env_yaml")


def data(text):
    return YAML(typ="safe", pure=True).load(text)


def patches_of(text):
    loaded = data(text) or {}
    return ((loaded.get("stage") or {}).get("build") or {}).get("QUALITY_PATCHES")


def added_lines(before, after):
    diff = env_yaml.unified_diff(before, after, "f").splitlines()
    return [line for line in diff[2:] if line.startswith(("+", "-"))]


# --------------------------------------------------------------------------- the rich file

def test_rich_file_gets_one_added_line_and_revert_restores_every_byte():
    original = (DATA / "rich.magento.env.yaml").read_text()
    applied = env_yaml.add_patches(original, [ID])
    assert applied.changed
    # Only one line is added: the new item, indented and quoted like its neighbours would be.
    assert added_lines(original, applied.after) == ["+            - " + ID]
    assert applied.after.replace("            - " + ID + "\n", "", 1) == original
    assert patches_of(applied.after) == ["MDVA-30265", "MDVA-43395", ID]
    # The rest of the data is unchanged too (anchors still resolve, other stages intact).
    expected = data(original)
    expected["stage"]["build"]["QUALITY_PATCHES"].append(ID)
    assert data(applied.after) == expected
    reverted = env_yaml.remove_patches(applied.after, [ID])
    assert reverted.after == original
    assert reverted.removed == [ID]


def test_rich_file_second_apply_is_a_no_op():
    original = (DATA / "rich.magento.env.yaml").read_text()
    once = env_yaml.add_patches(original, [ID]).after
    twice = env_yaml.add_patches(once, [ID])
    assert not twice.changed and twice.after == once and twice.added == []


# --------------------------------------------------------------------------- exact results

EXACT = {
    "missing file": ("", "stage:\n  build:\n    QUALITY_PATCHES:\n      - ACSD-61103\n"),
    "stage missing": (
        "# env\nlog:\n  gelf:\n    min_level: info\n",
        "# env\nlog:\n  gelf:\n    min_level: info\nstage:\n  build:\n    QUALITY_PATCHES:\n      - ACSD-61103\n",
    ),
    "build missing": (
        "stage:\n  deploy:\n    MYSQL_USE_SLAVE_CONNECTION: true\n",
        "stage:\n  deploy:\n    MYSQL_USE_SLAVE_CONNECTION: true\n  build:\n    QUALITY_PATCHES:\n      - ACSD-61103\n",
    ),
    "QUALITY_PATCHES missing": (
        "stage:\n    build:\n        SCD_THREADS: 4   # cores\n    deploy: {}\n",
        "stage:\n    build:\n        SCD_THREADS: 4   # cores\n        QUALITY_PATCHES:\n"
        "            - ACSD-61103\n    deploy: {}\n",
    ),
    "empty flow list": (
        "stage:\n  build:\n    QUALITY_PATCHES: []  # none yet\n",
        "stage:\n  build:\n    QUALITY_PATCHES: [ACSD-61103]  # none yet\n",
    ),
    "flow list": (
        "stage:\n  build:\n    QUALITY_PATCHES: ['MDVA-1', 'MDVA-2']\n",
        "stage:\n  build:\n    QUALITY_PATCHES: ['MDVA-1', 'MDVA-2', 'ACSD-61103']\n",
    ),
    "indentless block list": (
        "stage:\n  build:\n    QUALITY_PATCHES:\n    - MDVA-1\n",
        "stage:\n  build:\n    QUALITY_PATCHES:\n    - MDVA-1\n    - ACSD-61103\n",
    ),
    "flow build mapping": (
        "stage:\n  build: {SCD_THREADS: 2}\n",
        "stage:\n  build: {SCD_THREADS: 2, QUALITY_PATCHES: [ACSD-61103]}\n",
    ),
    "no newline at end of file": (
        "stage:\n  build:\n    QUALITY_PATCHES:\n      - MDVA-1",
        "stage:\n  build:\n    QUALITY_PATCHES:\n      - MDVA-1\n      - ACSD-61103",
    ),
    "windows line ends": (
        "stage:\r\n  deploy:\r\n    X: 1\r\n",
        "stage:\r\n  deploy:\r\n    X: 1\r\n  build:\r\n    QUALITY_PATCHES:\r\n      - ACSD-61103\r\n",
    ),
    "comment-only file": (
        "# nothing configured yet\n",
        "# nothing configured yet\nstage:\n  build:\n    QUALITY_PATCHES:\n      - ACSD-61103\n",
    ),
}


@pytest.mark.parametrize("name", sorted(EXACT))
def test_apply_writes_exactly_and_revert_restores(name):
    before, after = EXACT[name]
    applied = env_yaml.add_patches(before, [ID])
    assert applied.after == after
    assert applied.added == [ID]
    reverted = env_yaml.remove_patches(after, [ID])
    assert reverted.after == before


@pytest.mark.parametrize("text", [
    "stage:\n  build:\n    QUALITY_PATCHES:\n      - ACSD-61103\n",
    "stage:\n  build:\n    QUALITY_PATCHES: [MDVA-1, 'ACSD-61103']\n",
    "stage:\n  build:\n    QUALITY_PATCHES: ['*']\n",  # '*' already means every patch
])
def test_already_listed_is_a_no_op(text):
    result = env_yaml.add_patches(text, [ID])
    assert not result.changed and result.after == text and result.added == []


def test_wildcard_is_reported():
    result = env_yaml.add_patches("stage:\n  build:\n    QUALITY_PATCHES: ['*']\n", [ID])
    assert result.wildcard


@pytest.mark.parametrize("text", ["", "stage:\n  build:\n    QUALITY_PATCHES: [MDVA-1]\n", "stage: {}\n"])
def test_revert_when_not_listed_is_a_no_op(text):
    result = env_yaml.remove_patches(text, [ID])
    assert not result.changed and result.after == text and result.removed == []


def test_revert_removes_only_the_id_and_keeps_neighbours_and_comments():
    text = ("stage:\n  build:\n    QUALITY_PATCHES:\n      - MDVA-1  # first\n      - ACSD-61103  # lockout\n"
            "      - MDVA-2\n    SKIP_SCD: true\n")
    result = env_yaml.remove_patches(text, [ID])
    assert result.after == "stage:\n  build:\n    QUALITY_PATCHES:\n      - MDVA-1  # first\n      - MDVA-2\n    SKIP_SCD: true\n"


def test_revert_removes_duplicates():
    text = "stage:\n  build:\n    QUALITY_PATCHES: [ACSD-61103, MDVA-1, ACSD-61103]\n"
    result = env_yaml.remove_patches(text, [ID])
    assert result.after == "stage:\n  build:\n    QUALITY_PATCHES: [MDVA-1]\n"
    assert result.removed == [ID, ID]


def test_revert_of_a_list_the_person_wrote_keeps_their_comments():
    text = "stage:\n  build:\n    # lockout fix, remove after 2.4.7\n    QUALITY_PATCHES:\n      - ACSD-61103\n"
    result = env_yaml.remove_patches(text, [ID])
    assert result.after == "stage:\n  build:\n    # lockout fix, remove after 2.4.7\n    QUALITY_PATCHES: []\n"
    assert patches_of(result.after) == []


def test_revert_keeps_a_commented_stage_key():
    text = "stage: # all stages\n  build:\n    QUALITY_PATCHES:\n      - ACSD-61103\n"
    result = env_yaml.remove_patches(text, [ID])
    assert result.after == "stage: # all stages\n  build:\n    QUALITY_PATCHES: []\n"


def test_several_ids_in_one_edit():
    text = "stage:\n  build:\n    QUALITY_PATCHES:\n      - MDVA-1\n"
    applied = env_yaml.add_patches(text, [ID, "MDVA-1", "ACSD-62332"])
    assert applied.added == [ID, "ACSD-62332"]
    assert patches_of(applied.after) == ["MDVA-1", ID, "ACSD-62332"]
    assert env_yaml.remove_patches(applied.after, [ID, "ACSD-62332"]).after == text


def test_byte_order_mark_is_kept_and_ignored_for_indentation():
    text = "\ufeffstage:\n  deploy: {}\n"
    applied = env_yaml.add_patches(text, [ID])
    assert applied.after == "\ufeffstage:\n  deploy: {}\n  build:\n    QUALITY_PATCHES:\n      - ACSD-61103\n"
    assert env_yaml.remove_patches(applied.after, [ID]).after == text


def test_merge_keys_elsewhere_are_fine():
    text = "x: &defaults\n  SCD_THREADS: 2\nstage:\n  build:\n    <<: *defaults\n    SKIP_SCD: true\n"
    applied = env_yaml.add_patches(text, [ID])
    assert data(applied.after)["stage"]["build"] == {"SCD_THREADS": 2, "SKIP_SCD": True, "QUALITY_PATCHES": [ID]}
    assert env_yaml.remove_patches(applied.after, [ID]).after == text


# --------------------------------------------------------------------------- refusals

@pytest.mark.parametrize("text, code, words", [
    ("stage:\n  build:\n    QUALITY_PATCHES: [MDVA-1\n", "malformed-env-yaml", "not valid YAML"),
    ("stage:\n\tbuild: {}\n", "malformed-env-yaml", "not valid YAML"),
    ("stage:\n  build: {}\n  build: {}\n", "malformed-env-yaml", "duplicate key"),
    ("a: 1\n---\nb: 2\n", "malformed-env-yaml", "2 YAML documents"),
    ("stage:\n  build:\n    QUALITY_PATCHES: ACSD-61103\n", "env-yaml-not-editable", "not a list"),
    ("stage:\n  build:\n    QUALITY_PATCHES: {ACSD-61103: true}\n", "env-yaml-not-editable", "not a list"),
    ("stage:\n  build:\n    QUALITY_PATCHES:\n      - {id: MDVA-1}\n", "env-yaml-not-editable", "not patch IDs"),
    ("stage: [build]\n", "env-yaml-not-editable", "stage is not a mapping"),
    ("stage:\n  build: 4\n", "env-yaml-not-editable", "stage.build is not a mapping"),
    ("- stage\n", "env-yaml-not-editable", "document is not a mapping"),
    ("x: &p [MDVA-1]\nstage:\n  build:\n    QUALITY_PATCHES: *p\n", "env-yaml-not-editable", "alias"),
    ("x: &b {SKIP_SCD: true}\nstage:\n  build: *b\n", "env-yaml-not-editable", "alias"),
    ("stage:\n  build:\n    QUALITY_PATCHES: &p [MDVA-1]\n  deploy:\n    X: *p\n", "env-yaml-not-editable", "reused"),
    ("x: &b\n  QUALITY_PATCHES: [MDVA-1]\nstage:\n  build:\n    <<: *b\n", "env-yaml-not-editable", "merge key"),
    ("x: &s\n  build: {SKIP_SCD: true}\nstage:\n  <<: *s\n", "env-yaml-not-editable", "merge key"),
])
def test_refusals_name_the_problem(text, code, words):
    for edit in (env_yaml.add_patches, env_yaml.remove_patches):
        if edit is env_yaml.remove_patches and code == "env-yaml-not-editable" and "QUALITY" not in text:
            continue  # nothing to remove: a revert has no reason to refuse these
        with pytest.raises(env_yaml.EnvYamlError) as caught:
            edit(text, [ID] if "MDVA-1" not in text else [ID, "MDVA-1"])
        assert caught.value.code == code
        assert words in str(caught.value)


def test_revert_refuses_to_pretend_with_a_wildcard():
    with pytest.raises(env_yaml.EnvYamlError, match=r"'\*'"):
        env_yaml.remove_patches("stage:\n  build:\n    QUALITY_PATCHES: ['*', ACSD-61103]\n", [ID])


@pytest.mark.parametrize("bad", [[], ["acsd-61103"], ["ACSD-61103;id"], ["ACSD"], ["*"]])
def test_patch_ids_are_checked(bad):
    with pytest.raises(env_yaml.EnvYamlError) as caught:
        env_yaml.add_patches("", bad)
    assert caught.value.code == "bad-input"


# --------------------------------------------------------------------------- many generated files

FLOW_ITEM = re.compile(r"(, |,)?['\"]?" + ID + r"['\"]?")
FLOW_ENTRY = re.compile(r"(, |,)?QUALITY_PATCHES: \[" + ID + r"\]")


def _scalar(rng, value):
    return rng.choice([value, f"'{value}'", f'"{value}"']) if not value[:1].isdigit() else value


def _comment(rng):
    return rng.choice(["", "", "", "  # note", "   # why: vendor asked"])


def _generate(rng):
    """A random but plausible .magento.env.yaml, with the build stage in one of many shapes."""
    indent = rng.choice([2, 4])
    seq_offset = rng.choice([0, 2, indent])
    nl = rng.choice(["\n"] * 5 + ["\r\n"])
    pad = " " * indent
    lines = []
    if rng.random() < 0.5:
        lines += ["# Adobe Commerce Cloud environment configuration", ""]
    if rng.random() < 0.3:
        lines += ["x-redis: &redis", f"{pad}host: {_scalar(rng, 'redis.internal')}", f"{pad}port: 6379"]
    sections = []

    def stage_lines():
        out = ["stage:" + _comment(rng)]
        stages = []
        if rng.random() < 0.5:
            stages.append([f"{pad}global:", f"{pad * 2}SCD_ON_DEMAND: {rng.choice(['true', 'false'])}"])
        shape = rng.choice(["absent", "no-qp", "block", "flow", "empty-flow", "flow-build"])
        if shape != "absent":
            build = [f"{pad}build:" + _comment(rng)]
            if shape == "flow-build":
                build = [f"{pad}build: {{SCD_THREADS: {rng.randint(1, 8)}, SKIP_SCD: false}}"]
            else:
                if rng.random() < 0.6:
                    build.append(f"{pad * 2}SCD_THREADS: {rng.randint(1, 8)}" + _comment(rng))
                if rng.random() < 0.3:
                    build.append(f"{pad * 2}SCD_MATRIX:")
                    build.append(f"{pad * 3}{_scalar(rng, 'Magento/backend')}: {{language: [en_US]}}")
                ids = rng.sample(["MDVA-30265", "MDVA-43395", "ACSD-50165", "MDVA-12345"], rng.randint(1, 3))
                if shape == "block":
                    build.append(f"{pad * 2}QUALITY_PATCHES:" + _comment(rng))
                    for patch in ids:
                        build.append(" " * (indent * 2 + seq_offset) + "- " + _scalar(rng, patch) + _comment(rng))
                    if rng.random() < 0.3:
                        build.append(" " * (indent * 2 + seq_offset) + "# - MDVA-99999 disabled")
                elif shape == "flow":
                    build.append(f"{pad * 2}QUALITY_PATCHES: [" + ", ".join(_scalar(rng, p) for p in ids) + "]"
                                 + _comment(rng))
                elif shape == "empty-flow":
                    build.append(f"{pad * 2}QUALITY_PATCHES: []" + _comment(rng))
                if rng.random() < 0.4:
                    build.append(f"{pad * 2}SKIP_SCD: false")
                if len(build) == 1:
                    build.append(f"{pad * 2}SCD_STRATEGY: compact")
            stages.append(build)
        if rng.random() < 0.7:
            deploy = [f"{pad}deploy:", f"{pad * 2}MYSQL_USE_SLAVE_CONNECTION: true"]
            if rng.random() < 0.5:
                deploy.append(f"{pad * 2}CRON_CONSUMERS_RUNNER: {{cron_run: true, max_messages: 1000}}")
            if rng.random() < 0.3:
                deploy += [f"{pad * 2}SEARCH_CONFIGURATION: |", f"{pad * 3}engine: opensearch", ""]
            stages.append(deploy)
        if not stages:
            stages.append([f"{pad}deploy:", f"{pad * 2}X: 1"])
        rng.shuffle(stages)
        for block in stages:
            if rng.random() < 0.3:
                out.append("")
            out += block
        return out

    if rng.random() < 0.85:
        sections.append(stage_lines())
    if rng.random() < 0.5:
        sections.append(["log:", f"{pad}gelf:", f"{pad * 2}min_level: {_scalar(rng, 'info')}"])
    rng.shuffle(sections)
    for section in sections:
        lines += section
    if rng.random() < 0.3:
        lines.append("# end")
    text = nl.join(lines)
    if lines and rng.random() < 0.85:
        text += nl
    return text


@pytest.mark.parametrize("seed", range(400))
def test_generated_files_round_trip(seed):
    rng = random.Random(seed)
    original = _generate(rng)
    before = data(original)
    applied = env_yaml.add_patches(original, [ID])
    listed = patches_of(applied.after)
    assert listed is not None and ID in listed
    # Data outside QUALITY_PATCHES did not move.
    after = data(applied.after)
    for value in (before, after):
        if value and isinstance(value.get("stage"), dict) and isinstance(value["stage"].get("build"), dict):
            value["stage"]["build"].pop("QUALITY_PATCHES", None)
            if not value["stage"]["build"]:
                value["stage"].pop("build")
            if not value["stage"]:
                value.pop("stage")
    assert after == (before or {}) or (before is None and after == {})
    # Every original line is still there, in order; new lines are the only difference, except a flow
    # collection that changes on its own line by the new entry alone.
    old_lines, new_lines = original.splitlines(), applied.after.splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag in ("equal", "insert"):
            continue
        assert tag == "replace" and i2 - i1 == 1, (tag, old_lines[i1:i2])
        assert old_lines[i1] in (FLOW_ITEM.sub("", new_lines[j1], count=1), FLOW_ENTRY.sub("", new_lines[j1], count=1))
    # Idempotent, and the revert gives back every byte.
    assert not env_yaml.add_patches(applied.after, [ID]).changed
    assert env_yaml.remove_patches(applied.after, [ID]).after == original


# --------------------------------------------------------------------------- the module itself

def _run_module(args, check=False, tmp_path=None):
    argv = [str(Path(sys.executable).parent / "ansible"), "localhost", "-c", "local", "-i", "localhost,",
            "-M", str(LIBRARY), "-m", "magento_env_yaml", "-a", json.dumps(args), "-o"]
    if check:
        argv.append("--check")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"))
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    out = proc.stdout
    return proc.returncode, json.loads(out[out.index("{"):])


def test_module_writes_keeps_mode_and_check_mode_writes_nothing(tmp_path):
    path = tmp_path / ".magento.env.yaml"
    path.write_text("stage:\n  deploy: {}\n")
    path.chmod(0o640)
    rc, result = _run_module({"path": str(path), "patches": [ID]}, check=True, tmp_path=tmp_path)
    assert rc == 0 and result["changed"] and "+      - ACSD-61103" in result["unified_diff"]
    assert path.read_text() == "stage:\n  deploy: {}\n"
    rc, result = _run_module({"path": str(path), "patches": [ID]}, tmp_path=tmp_path)
    assert rc == 0 and result["changed"] and result["listed_after"] == [ID]
    assert patches_of(path.read_text()) == [ID]
    assert path.stat().st_mode & 0o777 == 0o640
    rc, result = _run_module({"path": str(path), "patches": [ID], "state": "absent"}, tmp_path=tmp_path)
    assert rc == 0 and path.read_text() == "stage:\n  deploy: {}\n"


def test_module_creates_and_deletes_the_file(tmp_path):
    path = tmp_path / ".magento.env.yaml"
    rc, result = _run_module({"path": str(path), "patches": [ID]}, tmp_path=tmp_path)
    assert rc == 0 and result["created"] and patches_of(path.read_text()) == [ID]
    rc, result = _run_module({"path": str(path), "patches": [ID], "state": "absent"}, tmp_path=tmp_path)
    assert rc == 0 and result["deleted"] and not path.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "ansible-tmp"]


def test_module_leaves_a_malformed_file_untouched(tmp_path):
    path = tmp_path / ".magento.env.yaml"
    original = b"stage:\n  build:\n    QUALITY_PATCHES: [MDVA-1\n"
    path.write_bytes(original)
    rc, result = _run_module({"path": str(path), "patches": [ID]}, tmp_path=tmp_path)
    assert rc != 0 and result["reason_code"] == "malformed-env-yaml"
    assert "not valid YAML" in result["msg"]
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == [".magento.env.yaml", "ansible-tmp"]
