"""One rule, one answer: the controller, the hosts, the cloud branch and the CLI decide alike.

Each rule lives once in plugins/module_utils; these tests pin that every path that uses a rule gets the
same answer from it, where copies used to disagree.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import qpt_apply.paths  # noqa: F401  (the collection on sys.path)
from ansible_collections.qpt_apply.magento.plugins.filter.qpt import FilterModule
from ansible_collections.qpt_apply.magento.plugins.module_utils import qpt_catalog
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_decision import decide
from ansible_collections.qpt_apply.magento.plugins.modules import magento_composer_lock, magento_env_yaml, qpt_package
from qpt_apply import model

REPO = Path(__file__).resolve().parent.parent
PATCH = "ACSD-61103"
CATALOG = yaml.safe_load((REPO / "playbooks/vars/patch_catalog.yml").read_text())["qpt_catalog"]
FILTERS = FilterModule().filters()


def host(magento, qpt="1.1.55", status="Not applied", edition="community"):
    return {"root": "/srv/magento",
            "magento": {"found": True, "version": magento, "edition": edition, "mode": "production"},
            "qpt": {"version": qpt, "installed": bool(qpt)}, "tools": {"git": True, "patch": True},
            "cloud": False, "user": "web", "root_owner": "web", "maintenance": False,
            "status": {"read": True, "patches": {PATCH: status}, "reason": None, "message": "", "output": ""},
            "backups": []}


def lock(magento, qpt="1.1.55", edition="community"):
    packages = [{"name": "magento/magento2-base", "version": magento}, {"name": "magento/quality-patches",
                                                                          "version": qpt}]
    if edition == "enterprise":
        packages.append({"name": "magento/magento2-ee-base", "version": magento})
    return magento_composer_lock.read_lock({"packages": packages})


@pytest.mark.parametrize("constraint", ["~2.4.6", "^2.4", "2.4.6.*", ">=2.4.6 <2.4.7", "2.4.6 - 2.4.6-p9",
                                        ">=2.4.4 <2.4.6 || ~2.4.6.0"])
@pytest.mark.parametrize("magento", ["2.4.5-p9", "2.4.6", "2.4.6-p3", "2.4.7", "2.5.0"])
def test_a_catalog_constraint_gives_one_answer_on_prem_and_in_cloud(constraint, magento):
    catalog = {PATCH: dict(CATALOG[PATCH], magento=constraint)}
    assert FILTERS["input_errors"]([PATCH], [1], 0, catalog) == []  # the playbooks' input check accepts it
    on_prem = decide(host(magento), "apply", [PATCH], catalog)["action"] != "skip-incompatible"
    cloud = magento_composer_lock.decide(lock(magento), [PATCH], catalog)["patches"][PATCH]["offered"]
    assert on_prem is cloud


def test_a_constraint_nobody_can_read_is_refused_alike():
    catalog = {PATCH: dict(CATALOG[PATCH], magento="latest")}
    refusal = FILTERS["input_errors"]([PATCH], [1], 0, catalog)
    assert refusal == ["patch catalog entry ACSD-61103: not a version: 'latest'"]


@pytest.mark.parametrize("qpt, edition, magento, good", [
    ("1.1.53", "community", "2.4.6-p3", False), ("1.1.55", "community", "2.4.6-p3", True),
    ("1.1.56", "community", "2.4.6-p3", False), ("1.1.56-p1", "community", "2.4.6-p3", True),
    # 1.1.57: known bad on Community 2.4.4 - 2.4.6 only (catalog item scoped by edition and Magento range).
    ("1.1.57", "community", "2.4.6-p3", False), ("1.1.57", "enterprise", "2.4.6-p3", True),
    ("1.1.58", "community", "2.4.6-p3", True)])
def test_one_known_bad_answer_on_controller_host_and_cloud(qpt, edition, magento, good):
    entry = CATALOG[PATCH]
    controller = not decide(host(magento, qpt=qpt, edition=edition), "apply", [PATCH], CATALOG)["update_qpt"]
    cloud = magento_composer_lock.decide(lock(magento, qpt=qpt, edition=edition), [PATCH], CATALOG)["patches"][PATCH]["qpt_ok"]
    # The host-side module (qpt_package) decides with the very same function.
    assert qpt_package.qpt_satisfies is qpt_catalog.qpt_satisfies
    assert qpt_package.qpt_satisfies(qpt, entry["qpt_min"], entry["qpt_known_bad"], magento, edition) is good
    assert controller is cloud is good


@pytest.mark.parametrize("value", ["ACSD-61103", "MDVA-30265-V2", "acsd-61103", "ACSD-61103;id", "ACSD 61103",
                                   "ACSD-", "-1", "ACSD-61103-v2"])
def test_one_patch_id_rule_for_cli_playbooks_and_cloud(value):
    valid = qpt_catalog.is_patch_id(value)
    playbooks = FILTERS["input_errors"]([value], [1], 0, {}) == []
    cloud_role = FILTERS["patch_problems"]([value]) == []
    try:
        model.validate_patches([value])
        cli = True
    except model.InputError:
        cli = False
    try:
        magento_env_yaml.add_patches("stage:\n  build:\n    QUALITY_PATCHES: []\n", [value])
        env_yaml = True
    except magento_env_yaml.EnvYamlError:
        env_yaml = False
    assert playbooks is cloud_role is cli is env_yaml is valid


def test_each_rule_is_written_once_in_the_product_code():
    product = [path for top in ("plugins", "roles", "playbooks", "qpt_apply") for path in (REPO / top).rglob("*")
               if path.suffix in (".py", ".yml", ".j2") and "__pycache__" not in path.parts]
    texts = {str(path.relative_to(REPO)): path.read_text() for path in product
             if not path.is_relative_to(REPO / "qpt_apply" / "lab")}
    rules = {
        "the patch-ID pattern": r"\[A-Z\]\[A-Z0-9\]\*-\[0-9\]\+",
        "a version parser": r"(?:dev\|alpha|_PHASES|_STABILITY\s*=)",
        "a QPT status JSON parser": r"json\.loads\([^)]*(?:stdout|text\[)",
        "a composer operation parser": r"Installing\|Upgrading",
        "a result record builder": r"['\"]qpt_before['\"]\s*:",
        "a process-liveness check": r"/proc/(?:%d|\{pid\}|\{int\(pid\)\})/stat",
        "the wording of a health answer": r"no answer from|\"nothing \(%s\)\"",
        "the verification's judgement": r"QPT status is not",
        "the outcomes of a failed proof": r"bug-present['\"],\s*['\"]error",
    }
    readers = {"qpt_apply/model.py"}  # HostResult reads records back; it builds none
    for rule, pattern in rules.items():
        homes = sorted(path for path, text in texts.items() if re.search(pattern, text) and path not in readers)
        assert len(homes) == 1, f"{rule} is written in {homes}"
