"""Reading composer.lock for the cloud branch: versions, editions and what the catalog allows."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
import qpt_apply.paths  # noqa: F401,E402  (the collection on sys.path)
from ansible_collections.qpt_apply.magento.plugins.modules import magento_composer_lock as lock_module  # noqa: E402
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_versions import matches  # noqa: E402

CATALOG = yaml.safe_load((REPO / "playbooks" / "vars" / "patch_catalog.yml").read_text())["qpt_catalog"]
ID = "ACSD-61103"


def lock(*packages: tuple[str, str]) -> dict:
    return {"packages": [{"name": name, "version": version} for name, version in packages]}


@pytest.mark.parametrize("version, offered", [
    ("2.4.5-p9", False), ("2.4.6", True), ("2.4.6-p3", True), ("2.4.6-p8", True), ("2.4.6-beta1", True),
    ("2.4.7-beta1", False), ("2.4.7", False), ("2.4.7-p1", False), ("2.4.8", False),
])
def test_magento_constraint_follows_composer(version, offered):
    assert matches(version, ">=2.4.6 <2.4.7") is offered


@pytest.mark.parametrize("version, constraint, expected", [
    ("1.1.54", "^1.1.54", True), ("2.0.0", "^1.1.54", False), ("1.1.53", "^1.1.54", False),
    ("1.2.9", "~1.2.3", True), ("1.3.0", "~1.2.3", False), ("1.9", "~1.2", True), ("2.0", "~1.2", False),
    ("0.3.9", "^0.3", True), ("0.4.0", "^0.3", False),
    ("2.4.6-p3", "2.4.6.*", True), ("2.4.7", "2.4.6.*", False), ("1.1.56", "!=1.1.56", False),
    ("2.4.6-p3", "2.4.6-p3", True), ("2.4.6-p3", ">=2.4.7 || 2.4.6-p3", True), ("2.4.6", ">2.4.6", False),
    ("2.4.6-p1", ">2.4.6", True), ("2.4.6-p1", "<=2.4.6", False), ("1.1.57", ">=1.1.54, !=1.1.56", True),
    ("v2.4.6", "*", True),
])
def test_constraint_operators(version, constraint, expected):
    assert matches(version, constraint) is expected


@pytest.mark.parametrize("packages, magento, package, edition", [
    ((("magento/magento2-base", "2.4.6-p3"), ("magento/product-community-edition", "2.4.6-p3")),
     "2.4.6-p3", "magento/magento2-base", "community"),
    ((("magento/product-enterprise-edition", "2.4.6-p8"),), "2.4.6-p8", "magento/product-enterprise-edition",
     "enterprise"),
    ((("magento/magento-cloud-metapackage", "2.4.6-p2"), ("magento/magento2-ee-base", "2.4.6-p2")),
     "2.4.6-p2", "magento/magento-cloud-metapackage", "enterprise"),
    ((("magento/magento2-base", "2.4.6"), ("magento/magento2-b2b-base", "1.4.0")), "2.4.6",
     "magento/magento2-base", "b2b"),
    ((("acme/other", "1.0.0"),), None, None, None),
])
def test_magento_version_and_edition(packages, magento, package, edition):
    facts = lock_module.read_lock(lock(*packages))
    assert (facts["magento"], facts["magento_package"], facts["edition"]) == (magento, package, edition)


def test_qpt_and_ece_tools_versions_are_read():
    facts = lock_module.read_lock(lock(("magento/magento2-base", "2.4.6-p3"), ("magento/quality-patches", "1.1.53"),
                                       ("magento/ece-tools", "2002.1.19")))
    assert (facts["qpt"], facts["ece_tools"]) == ("1.1.53", "2002.1.19")


@pytest.mark.parametrize("magento, qpt, offered, needs_update", [
    ("2.4.6-p3", "1.1.53", True, True),     # too old: the patch arrived in 1.1.54
    ("2.4.6-p3", "1.1.56", True, True),     # known-bad release
    ("2.4.6-p3", "1.1.55", True, False),
    ("2.4.6-p8", "1.1.57", True, True),     # known-bad on Magento Open Source 2.4.4 - 2.4.6
    ("2.4.6", None, True, True),            # QPT not locked at all
    ("2.4.7", "1.1.57", False, False),      # not offered: no update either
])
def test_decisions_from_the_shared_catalog(magento, qpt, offered, needs_update):
    packages = [("magento/magento2-base", magento)] + ([("magento/quality-patches", qpt)] if qpt else [])
    facts = lock_module.read_lock(lock(*packages))
    decision = lock_module.decide(facts, [ID], CATALOG)
    assert decision["patches"][ID]["offered"] is offered
    assert decision["qpt_update_needed"] is needs_update
    assert (decision["not_offered"] == [ID]) is (not offered)
    if not offered:
        assert "2.4.7" in decision["patches"][ID]["reason"] and ">=2.4.6 <2.4.7" in decision["patches"][ID]["reason"]
    if offered:
        assert decision["qpt_constraint"] == "^1.1.54 !=1.1.56 !=1.1.57"  # the one form qpt_requirement writes


def test_a_known_bad_release_scoped_to_community_keeps_it_on_commerce():
    enterprise = lock_module.read_lock(lock(("magento/magento2-base", "2.4.6-p8"), ("magento/magento2-ee-base", "2.4.6-p8"),
                                            ("magento/quality-patches", "1.1.57")))
    decision = lock_module.decide(enterprise, [ID], CATALOG)
    assert decision["patches"][ID]["qpt_ok"] is True and decision["qpt_update_needed"] is False
    assert decision["qpt_constraint"] == "^1.1.54 !=1.1.56" and decision["patches"][ID]["qpt_bad"] == ["1.1.56"]


def test_unknown_patch_is_reported_not_refused():
    facts = lock_module.read_lock(lock(("magento/magento2-base", "2.4.6-p3"), ("magento/quality-patches", "1.1.55")))
    decision = lock_module.decide(facts, ["MDVA-99999"], CATALOG)
    assert decision["unknown"] == ["MDVA-99999"] and decision["not_offered"] == []
    assert decision["qpt_update_needed"] is False


def test_editions_limit_the_offer():
    catalog = {"MDVA-1": {"magento": ">=2.4.6", "editions": ["enterprise"]}}
    facts = lock_module.read_lock(lock(("magento/magento2-base", "2.4.6-p3")))
    assert lock_module.decide(facts, ["MDVA-1"], catalog)["not_offered"] == ["MDVA-1"]


@pytest.mark.parametrize("root, expected", [
    (None, "^1.1.54,!=1.1.56"),
    ("*", "^1.1.54,!=1.1.56"),
    ("~1.1.53", "~1.1.53,^1.1.54,!=1.1.56"),
    ("^1.1 || ^2.0", "^1.1.54,!=1.1.56"),
])
def test_update_constraint_keeps_the_project_requirement(root, expected):
    assert lock_module.update_constraint("^1.1.54,!=1.1.56", root) == expected
