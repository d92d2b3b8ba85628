"""What a simulated Magento host contains: a stand-in Magento 2.4 and a stand-in Quality Patches Tool.

Nothing here fakes an outcome. The hosts run real composer against a local artifact repository, a small
Magento-shaped PHP runtime (object manager, event configuration read through a file config cache, compiled
DI metadata in production mode, maintenance flag, REST and GraphQL token endpoints backed by MariaDB) and a
QPT that computes patch statuses with `git apply --check` / GNU `patch --dry-run` like the real one. The PHP
sources live in assets/standin; this module packages them as composer zips and assembles Magento roots.

Layout of an artifacts directory built here:
    <artifacts>/packages/*.zip     the composer artifact repository (what the roots' composer.json point at)
    <artifacts>/templates/<key>/   one installed root per (magento, edition, qpt, mode, patch), copied per host
    <artifacts>/composer-home/     COMPOSER_HOME and cache per template, used while building as root
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..paths import LAB_ASSETS
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_versions import version_key

SOURCES = LAB_ASSETS / "standin"

QPT_VERSIONS: tuple[str, ...] = ("1.1.53", "1.1.54", "1.1.55", "1.1.56", "1.1.57", "1.1.58")
MAGENTO_VERSIONS: tuple[str, ...] = (
    "2.4.5", *(f"2.4.5-p{n}" for n in range(1, 11)),
    "2.4.6", *(f"2.4.6-p{n}" for n in range(1, 9)),
    "2.4.7", *(f"2.4.7-p{n}" for n in range(1, 5)),
)
EDITIONS: tuple[str, ...] = ("community", "enterprise")
MODES: tuple[str, ...] = ("production", "developer", "default")
PATCH_STATES: tuple[str, ...] = ("clean", "applied", "conflict")

PATCH_ID = "ACSD-61103"
PATCH_FILE = "os/ACSD-61103_2.4.6-p3.patch"
CLOUD_PATCHES_VERSION = "1.1.5"

# The stand-in quality patches, in configuration order (QPT applies in this order).
# "since" is the first QPT release offering the patch; "require_by_release" overrides "require".
QUALITY_PATCHES: dict[str, dict] = {
    "ACSD-51892": {
        "title": "Fixes the issue where customer section data in the browser local storage is not invalidated "
                 "after the customer session expires.",
        "categories": ["Customer"],
        "packages": {"magento/magento2-base": {">=2.4.4 <2.4.8": "os/ACSD-51892_2.4.4.patch"}},
        "since": "1.1.53",
    },
    "ACSD-61103": {
        "title": "Fixes the issue where the failure count in the customer_entity table is not reset to zero after "
                 "a customer successfully logs in through API endpoints.",
        "categories": ["Customer", "Web API"],
        "packages": {"magento/magento2-base": {">=2.4.6 <2.4.7": PATCH_FILE}},
        "since": "1.1.54",
    },
    "ACSD-62332": {
        "title": "Fixes the issue where a customer cannot get a GraphQL token when the email address has leading "
                 "or trailing spaces.",
        "categories": ["Customer", "GraphQL"],
        "packages": {"magento/magento2-base": {">=2.4.6 <2.4.7": "os/ACSD-62332_2.4.6-p5.patch"}},
        "require": ["ACSD-61103"],
        "since": "1.1.55",
    },
    "ACSD-63044": {
        "title": "Fixes the issue where customer section data is not reloaded after the customer session cookie "
                 "is closed.",
        "categories": ["Customer"],
        "packages": {"magento/magento2-base": {">=2.4.4 <2.4.8": "os/ACSD-63044_2.4.4-p9.patch"}},
        "since": "1.1.56",
        # 1.1.56 shipped requiring a patch it does not offer for these versions: every command fails.
        "require_by_release": {"1.1.56": ["ACSD-48070"]},
    },
    "ACSD-48070": {
        "title": "Fixes the issue where the customer grid is not reindexed after a customer is unlocked.",
        "categories": ["Customer", "Admin"],
        # Adobe Commerce only; 1.1.56 requires it without shipping it at all.
        "packages": {"magento/magento2-ee-base": {">=2.4.4 <2.4.7": "commerce/ACSD-48070_2.4.4-p2.patch"}},
        "since": "1.1.57",
    },
    "ACSD-62872": {
        "title": "Fixes the issue where empty customer sections are read from the browser local storage as if "
                 "they held data.",
        "categories": ["Customer"],
        "packages": {"magento/magento2-base": {">=2.4.4 <2.4.7": "os/ACSD-62872_2.4.4.patch"}},
        "since": "1.1.57",
        # 1.1.57 shipped this Open Source patch requiring a patch that exists for Adobe Commerce only: on
        # Magento Open Source 2.4.4 - 2.4.6 every command fails. 1.1.58 dropped the requirement.
        "require_by_release": {"1.1.57": ["ACSD-48070"]},
    },
}

# Packages the stand-in Magento is made of: directory under assets/standin -> composer autoload.
MAGENTO_PACKAGES: dict[str, tuple[str, dict]] = {
    "magento/framework": ("framework", {"files": ["registration.php", "functions.php"],
                                        "psr-4": {"Magento\\Framework\\": ""}}),
    "magento/module-customer": ("module-customer", {"files": ["registration.php"],
                                                    "psr-4": {"Magento\\Customer\\": ""}}),
    "magento/module-integration": ("module-integration", {"files": ["registration.php"],
                                                          "psr-4": {"Magento\\Integration\\": ""}}),
    "magento/module-customer-graph-ql": ("module-customer-graph-ql", {"files": ["registration.php"],
                                                                      "psr-4": {"Magento\\CustomerGraphQl\\": ""}}),
}
MODULES = ("Magento_Customer", "Magento_Integration", "Magento_CustomerGraphQl")

# magento2-base deploys these into the root (what magento-composer-installer's "map" does).
BASE_MAP = [
    ("app/bootstrap.php", "app/bootstrap.php"),
    ("app/etc/di.xml", "app/etc/di.xml"),
    ("bin/magento", "bin/magento"),
    ("pub/index.php", "pub/index.php"),
    ("pub/errors/503.php", "pub/errors/503.php"),
    ("phpserver/router.php", "phpserver/router.php"),
]

# Third-party libraries the tools run on, repackaged from the system's PHP libraries.
SYSTEM_PHP = Path("/usr/share/php")
THIRD_PARTY: dict[str, dict] = {
    "psr/container": {"version": "1.1.2", "dir": "Psr/Container",
                      "autoload": {"psr-4": {"Psr\\Container\\": ""}}},
    "psr/log": {"version": "1.1.4", "dir": "Psr/Log", "autoload": {"psr-4": {"Psr\\Log\\": ""}}},
    "symfony/deprecation-contracts": {"version": "2.5.5", "dir": "Symfony/Contracts/Deprecation",
                                      "autoload": {"files": ["function.php"]}},
    "symfony/service-contracts": {"version": "2.5.5", "dir": "Symfony/Contracts/Service",
                                  "require": {"psr/container": "^1.1"},
                                  "autoload": {"psr-4": {"Symfony\\Contracts\\Service\\": ""}}},
    "symfony/string": {"version": "5.4.53", "dir": "Symfony/Component/String",
                       "autoload": {"files": ["Resources/functions.php"],
                                    "psr-4": {"Symfony\\Component\\String\\": ""}}},
    "symfony/console": {"version": "5.4.53", "dir": "Symfony/Component/Console",
                        "require": {"symfony/deprecation-contracts": "^2.1", "symfony/service-contracts": "^2.5",
                                    "symfony/string": "^5.1"},
                        "autoload": {"psr-4": {"Symfony\\Component\\Console\\": ""}}},
    "symfony/process": {"version": "5.4.53", "dir": "Symfony/Component/Process",
                        "autoload": {"psr-4": {"Symfony\\Component\\Process\\": ""}}},
}

CACHE_TYPES = ("config", "layout", "block_html", "collections", "reflection", "db_ddl", "compiled_config", "eav",
               "customer_notification", "config_integration", "config_integration_api", "full_page",
               "config_webservice", "translate")
AREAS = ("global", "frontend", "adminhtml", "crontab", "webapi_rest", "webapi_soap", "graphql")

# The local change a "conflict" host carries, inside the context of the patch's first Authentication.php hunk.
CONFLICT_FILE = "vendor/magento/module-customer/Model/Authentication.php"
CONFLICT_LINE = "use Magento\\Framework\\Encryption\\EncryptorInterface as Encryptor;\n"
CONFLICT_EDIT = "use Magento\\Framework\\Encryption\\EncryptorInterface as Encryptor; // local customization\n"

# Lab faults and delays a host reads at every stand-in run, from FAULTS_FILE next to its Magento root (outside it, so
# QPT status and digests of the root do not see them); every stand-in run appends to COMMANDS_LOG there.
FAULTS_FILE = "lab-faults.json"
COMMANDS_LOG = "lab-commands.log"
# Step -> the faults it knows: "fail", or for the DI compile "written-meanwhile" (its first 2 runs after the
# fault was set find a directory written into while they delete it, as under traffic: generated/code before the
# command starts, then var/cache; framework/Lab/Host.php).
FAULT_VALUES: dict[str, tuple[str, ...]] = {"di_compile": ("fail", "written-meanwhile"), "cache_clean": ("fail",),
                                            "composer_update": ("fail",), "home_page": ("fail",)}
FAULT_STEPS: tuple[str, ...] = tuple(FAULT_VALUES)
DELAY_STEPS: tuple[str, ...] = ("qpt_status", "qpt_apply", "qpt_revert", "cache_clean", "di_compile", "composer_update")
# `composer update` / `composer require` run this in-process; `composer install` never does.
COMPOSER_SCRIPTS = {"pre-update-cmd": ["Magento\\Framework\\Lab\\ComposerHooks::startUpdate"]}

PHP = shutil.which("php") or "/usr/bin/php"
COMPOSER = shutil.which("composer") or "/usr/bin/composer"
GIT = shutil.which("git") or "/usr/bin/git"

# Fixed zip timestamps: rebuilding a package gives the same bytes, so composer.lock checksums stay valid.
_ZIP_DATE = (2024, 10, 29, 0, 0, 0)


@dataclass
class DbConn:
    host: str
    port: int
    name: str
    user: str
    password: str
    socket: str = ""


class StandinError(RuntimeError):
    """A build step of the stand-in failed; the message carries the failing command's output."""


def artifact_repo_url(artifacts: Path) -> Path:
    """The directory composer's artifact repository points at."""
    return Path(artifacts) / "packages"


def templates_dir(artifacts: Path) -> Path:
    return Path(artifacts) / "templates"


def edition_packages(edition: str) -> tuple[str, str]:
    """(project name, product metapackage) of an edition."""
    if edition == "enterprise":
        return "magento/project-enterprise-edition", "magento/product-enterprise-edition"
    return "magento/project-community-edition", "magento/product-community-edition"


def ships_fix(magento: str) -> bool:
    """2.4.7 and later ship ACSD-61103's change in the code itself."""
    return version_key(magento) >= version_key("2.4.7")


def offers_patch(magento: str, qpt: str | None) -> bool:
    """Whether QPT `qpt` lists ACSD-61103 on Magento `magento` (constraint >=2.4.6 <2.4.7, QPT >= 1.1.54)."""
    return (qpt is not None and version_key(qpt) >= version_key("1.1.54")
            and version_key("2.4.6") <= version_key(magento) < version_key("2.4.7"))


# --------------------------------------------------------------------------------------------------- packages

def build_artifact_repo(dest: Path, releases: Iterable[tuple[str, str]]) -> None:
    """Composer zips for every stand-in QPT release, the tool, its libraries and each (magento, edition)."""
    repo = artifact_repo_url(dest)
    repo.mkdir(parents=True, exist_ok=True)
    Path(dest).chmod(0o755)
    repo.chmod(0o755)
    for name, spec in THIRD_PARTY.items():
        meta = {"name": name, "version": spec["version"], "type": "library", "license": "MIT",
                "require": {"php": ">=7.2.5", **spec.get("require", {})}, "autoload": spec["autoload"]}
        _write_package(repo, meta, _tree_files(SYSTEM_PHP / spec["dir"], skip=("autoload.php",)))
    _write_package(repo, {
        "name": "magento/magento-cloud-patches", "version": CLOUD_PATCHES_VERSION, "type": "library",
        "description": "Provides critical fixes for Magento 2 Enterprise Edition", "license": "OSL-3.0",
        "require": {"php": "^7.2 || ^8.0", "ext-json": "*", "symfony/console": "^4.4 || ^5.1 || ^6.4",
                    "symfony/process": "^4.4 || ^5.1 || ^6.4"},
        "bin": ["bin/magento-patches"],
        "autoload": {"psr-4": {"Magento\\CloudPatches\\": "src/"}},
    }, _tree_files(SOURCES / "magento-cloud-patches"))
    for release in QPT_VERSIONS:
        config, files = _quality_patches_release(release)
        files["support-patches.json"] = (json.dumps(config, indent=4) + "\n").encode()
        _write_package(repo, {
            "name": "magento/quality-patches", "version": release, "type": "library",
            "description": "Provides quality patches for AdobeCommerce & Magento OpenSource", "license": "proprietary",
            "require": {"php": "^7.2 || ^8.0", "ext-json": "*", "magento/magento-cloud-patches": "^1.1"},
            "autoload": {"psr-4": {"Magento\\QualityPatches\\": "src/"}},
        }, files)
    for magento, edition in sorted(set(releases)):
        if magento not in MAGENTO_VERSIONS or edition not in EDITIONS:
            raise ValueError(f"unknown Magento release {magento!r} / edition {edition!r}")
        _build_magento_packages(repo, magento, edition)


def _quality_patches_release(release: str) -> tuple[dict, dict[str, bytes]]:
    config: dict = {}
    files: dict[str, bytes] = {"src/Info.php": (SOURCES / "quality-patches/src/Info.php").read_bytes()}
    for patch_id, patch in QUALITY_PATCHES.items():
        if version_key(release) < version_key(patch["since"]):
            continue
        require = patch.get("require_by_release", {}).get(release, patch.get("require", []))
        packages: dict = {}
        for package, constraints in patch["packages"].items():
            packages[package] = {}
            for constraint, file in constraints.items():
                item = {"file": file}
                if require:
                    item["require"] = require
                packages[package][constraint] = item
                files[f"patches/{file}"] = (SOURCES / "patches" / Path(file).name).read_bytes()
        config[patch_id] = {"categories": patch["categories"], "title": patch["title"], "packages": packages}
    return config, files


def _build_magento_packages(repo: Path, magento: str, edition: str) -> None:
    requires = {}
    fixed = _fixed_sources() if ships_fix(magento) else None
    for name, (directory, autoload) in MAGENTO_PACKAGES.items():
        files = _tree_files(SOURCES / directory)
        if fixed is not None:
            files = fixed[directory]
        _write_package(repo, {
            "name": name, "version": magento, "type": "library", "license": ["OSL-3.0", "AFL-3.0"],
            "require": {"php": "~8.1.0 || ~8.2.0 || ~8.3.0", "psr/log": "^1.1", "symfony/console": "^5.4"},
            "autoload": autoload,
        }, files)
        requires[name] = magento
    _write_package(repo, {
        "name": "magento/magento2-base", "version": magento, "type": "library",
        "description": "Magento 2 (Open Source)", "license": ["OSL-3.0", "AFL-3.0"],
        "require": {"magento/framework": magento},
        "extra": {"map": [[source, target] for source, target in BASE_MAP]},
    }, _tree_files(SOURCES / "magento2-base"))
    requires["magento/magento2-base"] = magento
    _write_package(repo, {
        "name": "magento/product-community-edition", "version": magento, "type": "metapackage",
        "description": "eCommerce Platform for Growth (Community Edition)", "license": ["OSL-3.0", "AFL-3.0"],
        "require": dict(sorted(requires.items())),
    }, None)
    if edition == "enterprise":
        _write_package(repo, {
            "name": "magento/magento2-ee-base", "version": magento, "type": "library",
            "description": "Magento 2 (Commerce)", "license": "proprietary",
            "require": {"magento/magento2-base": magento},
        }, _tree_files(SOURCES / "magento2-ee-base"))
        _write_package(repo, {
            "name": "magento/product-enterprise-edition", "version": magento, "type": "metapackage",
            "description": "eCommerce Platform for Growth (Enterprise Edition)", "license": "proprietary",
            "require": {"magento/product-community-edition": magento, "magento/magento2-ee-base": magento},
        }, None)


_FIXED_CACHE: dict[str, dict[str, bytes]] | None = None


def _fixed_sources() -> dict[str, dict[str, bytes]]:
    """The module sources with ACSD-61103's change in them: what 2.4.7 ships."""
    global _FIXED_CACHE
    if _FIXED_CACHE is None:
        with tempfile.TemporaryDirectory(prefix="standin-fixed-") as tmp:
            root = Path(tmp)
            for directory, _ in MAGENTO_PACKAGES.values():
                shutil.copytree(SOURCES / directory, root / "vendor/magento" / directory)
            _git_apply(root, (SOURCES / "patches" / Path(PATCH_FILE).name).read_text())
            _FIXED_CACHE = {directory: _tree_files(root / "vendor/magento" / directory)
                            for directory, _ in MAGENTO_PACKAGES.values()}
    return _FIXED_CACHE


def _tree_files(base: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    files = {}
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(base).as_posix()
        if path.is_file() and relative not in skip and "/Tests/" not in f"/{relative}" \
                and "__pycache__" not in relative:
            files[relative] = path.read_bytes()
    return files


def _write_package(repo: Path, meta: dict, files: dict[str, bytes] | None) -> Path:
    """One zip with composer.json at its root; rewritten only when its content changed."""
    target = repo / f"{meta['name'].replace('/', '-')}-{meta['version']}.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = {"composer.json": (json.dumps(meta, indent=4) + "\n").encode(), **(files or {})}
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            executable = name.startswith("bin/")
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name])
    data = buffer.getvalue()
    if not target.exists() or target.read_bytes() != data:
        tmp = target.with_suffix(".zip.tmp")
        tmp.write_bytes(data)
        tmp.chmod(0o644)
        tmp.replace(target)
    return target


# ------------------------------------------------------------------------------------------------ Magento root

def build_magento_root(root: Path, *, magento: str, edition: str, qpt: str | None, mode: str, patch: str,
                       artifacts: Path, db: DbConn, base_url: str, db_via_socket: bool = False) -> None:
    """An installed Magento root at `root` (which must not exist yet), as root; the caller chowns it.

    The first root of a kind is built for real (composer install, setup:di:compile in production mode, config
    cache warmed by loading the configuration); later ones copy it and get their own app/etc/env.php.
    """
    _check_choice("magento", magento, MAGENTO_VERSIONS)
    _check_choice("edition", edition, EDITIONS)
    _check_choice("qpt", qpt, (None, *QPT_VERSIONS))
    _check_choice("mode", mode, MODES)
    _check_choice("patch", patch, PATCH_STATES)
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise StandinError(f"{root} already exists and is not empty")
    template = _template(Path(artifacts), magento=magento, edition=edition, qpt=qpt, mode=mode, patch=patch)
    root.parent.mkdir(parents=True, exist_ok=True)
    if root.exists():
        root.rmdir()
    subprocess.run(["cp", "-a", str(template), str(root)], check=True)
    _write_env(root, db=db, mode=mode, base_url=base_url, cache_prefix=_cache_prefix(template.name),
               db_via_socket=db_via_socket)


def _check_choice(key: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{key}: {value!r} is not one of {', '.join(str(a) for a in allowed)}")


def _template_key(magento: str, edition: str, qpt: str | None, mode: str, patch: str) -> str:
    return f"{magento}-{edition}-qpt{qpt or 'none'}-{mode}-{patch}"


def _cache_prefix(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:3] + "_"


def _template(artifacts: Path, **spec) -> Path:
    key = _template_key(**spec)
    templates = templates_dir(artifacts)
    templates.mkdir(parents=True, exist_ok=True)
    final = templates / key
    with open(templates / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (final / "vendor/autoload.php").is_file():
            shutil.rmtree(final, ignore_errors=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=templates))
            try:
                _build_template(staging, artifacts, key, **spec)
                staging.rename(final)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    return final


def _build_template(root: Path, artifacts: Path, key: str, *, magento: str, edition: str, qpt: str | None,
                    mode: str, patch: str) -> None:
    project, product = edition_packages(edition)
    require = {product: magento}
    if qpt is not None:
        require["magento/quality-patches"] = "^1.1"
    (root / "composer.json").write_text(json.dumps({
        "name": project,
        "description": f"eCommerce Platform for Growth ({edition.capitalize()} Edition)",
        "type": "project",
        "version": magento,
        "license": ["OSL-3.0", "AFL-3.0"],
        "config": {"preferred-install": "dist", "sort-packages": True},
        "require": require,
        "repositories": [{"packagist.org": False}, {"type": "artifact", "url": str(artifact_repo_url(artifacts))}],
        "minimum-stability": "stable",
        "prefer-stable": True,
        "scripts": COMPOSER_SCRIPTS,
    }, indent=4) + "\n")
    # --no-scripts: the hook's class is not installed yet.
    argv = [COMPOSER, "update", "--no-interaction", "--no-progress", "--no-audit", "--no-scripts"]
    if qpt is not None:
        # The project allows any 1.x (as `composer require magento/quality-patches` writes it) but is locked
        # at the requested release, so a later `composer update magento/quality-patches` moves it forward.
        argv += ["--with", f"magento/quality-patches:{qpt}"]
    _run(argv, cwd=root, env=_composer_env(artifacts, key))

    base = root / "vendor/magento/magento2-base"
    for source, target in BASE_MAP:
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(base / source, root / target)
    (root / "bin/magento").chmod(0o755)
    for directory in ("var/log", "var/cache", "generated/code", "generated/metadata", "pub/static", "pub/media"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    (root / "app/etc/config.php").write_text(
        "<?php\nreturn " + php_export({"modules": {name: 1 for name in MODULES}}) + ";\n")
    _write_env(root, db=DbConn("localhost", 3306, "magento", "magento", "magento"), mode=mode,
               base_url="http://localhost/", cache_prefix=_cache_prefix(key))

    if patch == "applied":
        _git_apply(root, (SOURCES / "patches" / Path(PATCH_FILE).name).read_text())
    elif patch == "conflict":
        target = root / CONFLICT_FILE
        text = target.read_text()
        if CONFLICT_LINE not in text:
            raise StandinError(f"{CONFLICT_FILE} lacks the line a conflict edit changes")
        target.write_text(text.replace(CONFLICT_LINE, CONFLICT_EDIT, 1))

    if mode == "production":
        _run([PHP, "bin/magento", "setup:di:compile"], cwd=root)
    _warm_config_cache(root)


def _warm_config_cache(root: Path) -> None:
    """Load the configuration of every area once, as traffic on a live shop would, so it sits in var/cache."""
    script = (
        "require 'app/bootstrap.php';"
        "$om = \\Magento\\Framework\\App\\ObjectManagerFactory::create(BP);"
        "$compiled = is_file(BP . '/generated/metadata/global.php');"
        f"foreach ({php_export(list(AREAS))} as $area) {{"
        "  if (!$compiled) { $om->get(\\Magento\\Framework\\ObjectManager\\DiConfig::class)->get($area); }"
        "  $om->get(\\Magento\\Framework\\Event\\Config::class)->get($area);"
        "}"
        "$om->get(\\Magento\\Framework\\Webapi\\Config::class)->getRoutes();"
        "$om->get(\\Magento\\Framework\\GraphQl\\Schema::class)->get('global');"
    )
    _run([PHP, "-r", script], cwd=root)


def _write_env(root: Path, *, db: DbConn, mode: str, base_url: str, cache_prefix: str,
               db_via_socket: bool = False) -> None:
    if db_via_socket and db.socket:
        host = db.socket
    else:
        host = f"{db.host}:{db.port}" if db.port else db.host
    base_url = base_url.rstrip("/") + "/"
    env = {
        "backend": {"frontName": "admin"},
        "cache": {
            "graphql": {"id_salt": secrets.token_hex(16)},
            "frontend": {"default": {"id_prefix": cache_prefix}, "page_cache": {"id_prefix": cache_prefix}},
            "allow_parallel_generation": False,
        },
        "remote_storage": {"driver": "file"},
        "queue": {"consumers_wait_for_messages": 1},
        "crypt": {"key": secrets.token_hex(16)},
        "db": {
            "table_prefix": "",
            "connection": {"default": {
                "host": host, "dbname": db.name, "username": db.user, "password": db.password,
                "model": "mysql4", "engine": "innodb", "initStatements": "SET NAMES utf8;", "active": "1",
                "driver_options": {1014: False},
            }},
        },
        "resource": {"default_setup": {"connection": "default"}},
        "x-frame-options": "SAMEORIGIN",
        "MAGE_MODE": mode,
        "session": {"save": "files"},
        "lock": {"provider": "db"},
        "directories": {"document_root_is_pub": True},
        "cache_types": {name: 1 for name in CACHE_TYPES},
        "downloadable_domains": [base_url.split("://", 1)[-1].split("/", 1)[0].split(":")[0]],
        "install": {"date": "Tue, 28 Nov 2023 10:00:00 +0000"},
        "system": {"default": {"web": {"unsecure": {"base_url": base_url}, "secure": {"base_url": base_url}}}},
    }
    env_file = root / "app/etc/env.php"
    env_file.write_text("<?php\nreturn " + php_export(env) + ";\n")
    env_file.chmod(0o640)


def php_export(value, indent: int = 0) -> str:
    """A PHP literal (short array syntax, 4-space indent) for JSON-like Python data."""
    pad = "    " * indent
    if isinstance(value, dict):
        if not value:
            return "[]"
        items = [f"{pad}    {php_export(k)} => {php_export(v, indent + 1)}" for k, v in value.items()]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        items = [f"{pad}    {php_export(v, indent + 1)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _composer_env(artifacts: Path, key: str) -> dict[str, str]:
    # One home (and cache) per template: templates build in parallel and composer's cache is not meant to be
    # written by two processes at once.
    home = Path(artifacts) / "composer-home" / key
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(home),
        "COMPOSER_HOME": str(home),
        "COMPOSER_CACHE_DIR": str(home / "cache"),
        "COMPOSER_ALLOW_SUPERUSER": "1",
        "COMPOSER_NO_INTERACTION": "1",
    }


def _git_apply(root: Path, patch_text: str) -> None:
    """Apply a patch in `root` the way QPT does: git headers made plain, patch on stdin, outside any repo."""
    content = "".join(
        "diff -Nuar" + line[len("diff --git"):] if line.startswith("diff --git") else line
        for line in patch_text.splitlines(keepends=True)
    )
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_CEILING_DIRECTORIES": str(Path(root).parent)}
    _run([GIT, "apply"], cwd=root, env=env, input=content)


def _run(argv: list[str], *, cwd: Path, env: dict[str, str] | None = None, input: str | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, input=input, capture_output=True, text=True)
    if done.returncode:
        raise StandinError(f"{' '.join(argv[:3])} failed in {cwd} (rc {done.returncode}):\n"
                           f"{done.stdout}{done.stderr}".rstrip())
    return done.stdout


# ------------------------------------------------------------------------------------------------ database, front

def database_sql(customer_email: str, customer_password: str) -> str:
    """Schema of the tables the login paths use, the lockout configuration and one customer."""
    salt = secrets.token_hex(16)
    password_hash = hashlib.sha256((salt + customer_password).encode()).hexdigest() + f":{salt}:1"
    return f"""
CREATE TABLE customer_entity (
  entity_id int unsigned NOT NULL AUTO_INCREMENT,
  website_id smallint unsigned DEFAULT NULL,
  email varchar(255) DEFAULT NULL,
  group_id smallint unsigned NOT NULL DEFAULT 0,
  store_id smallint unsigned DEFAULT 0,
  created_at timestamp NOT NULL DEFAULT current_timestamp(),
  updated_at timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  is_active smallint unsigned NOT NULL DEFAULT 1,
  firstname varchar(255) DEFAULT NULL,
  lastname varchar(255) DEFAULT NULL,
  password_hash varchar(128) DEFAULT NULL,
  rp_token varchar(128) DEFAULT NULL,
  rp_token_created_at datetime DEFAULT NULL,
  confirmation varchar(64) DEFAULT NULL,
  failures_num smallint DEFAULT 0,
  first_failure timestamp NULL DEFAULT NULL,
  lock_expires timestamp NULL DEFAULT NULL,
  PRIMARY KEY (entity_id),
  UNIQUE KEY CUSTOMER_ENTITY_EMAIL_WEBSITE_ID (email, website_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COMMENT='Customer Entity';

CREATE TABLE oauth_token_request_log (
  log_id int unsigned NOT NULL AUTO_INCREMENT COMMENT 'Log ID',
  user_name varchar(255) NOT NULL COMMENT 'Customer email or admin login',
  user_type smallint unsigned NOT NULL COMMENT 'User type (admin or customer)',
  failures_count smallint unsigned DEFAULT 0 COMMENT 'Number of failed authentication attempts in a row',
  lock_expires_at timestamp NULL DEFAULT NULL COMMENT 'Lock expiration time',
  PRIMARY KEY (log_id),
  UNIQUE KEY OAUTH_TOKEN_REQUEST_LOG_USER_NAME_USER_TYPE (user_name, user_type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COMMENT='Log of token request authentication failures.';

CREATE TABLE oauth_token (
  entity_id int unsigned NOT NULL AUTO_INCREMENT COMMENT 'Entity ID',
  consumer_id int unsigned DEFAULT NULL COMMENT 'Oauth Consumer ID',
  admin_id int unsigned DEFAULT NULL COMMENT 'Admin user ID',
  customer_id int unsigned DEFAULT NULL COMMENT 'Customer user ID',
  type varchar(16) NOT NULL COMMENT 'Token Type',
  token varchar(32) NOT NULL COMMENT 'Token',
  secret varchar(128) NOT NULL COMMENT 'Token Secret',
  verifier varchar(32) DEFAULT NULL COMMENT 'Token Verifier',
  callback_url text DEFAULT NULL COMMENT 'Token Callback URL',
  revoked smallint unsigned NOT NULL DEFAULT 0 COMMENT 'Is Token revoked',
  authorized smallint unsigned NOT NULL DEFAULT 0 COMMENT 'Is Token authorized',
  user_type int DEFAULT NULL COMMENT 'User type',
  created_at timestamp NOT NULL DEFAULT current_timestamp() COMMENT 'Token creation timestamp',
  PRIMARY KEY (entity_id),
  UNIQUE KEY OAUTH_TOKEN_TOKEN (token)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COMMENT='OAuth Tokens';

CREATE TABLE core_config_data (
  config_id int unsigned NOT NULL AUTO_INCREMENT COMMENT 'Config ID',
  scope varchar(8) NOT NULL DEFAULT 'default' COMMENT 'Config Scope',
  scope_id int NOT NULL DEFAULT 0 COMMENT 'Config Scope ID',
  path varchar(255) NOT NULL DEFAULT 'general' COMMENT 'Config Path',
  value text DEFAULT NULL COMMENT 'Config Value',
  updated_at timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp() COMMENT 'Updated At',
  PRIMARY KEY (config_id),
  UNIQUE KEY CORE_CONFIG_DATA_SCOPE_SCOPE_ID_PATH (scope, scope_id, path)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COMMENT='Config Data';

INSERT INTO core_config_data (scope, scope_id, path, value) VALUES
  ('default', 0, 'customer/password/lockout_failures', '10'),
  ('default', 0, 'customer/password/lockout_threshold', '10'),
  ('default', 0, 'oauth/authentication_lock/max_failures_count', '6'),
  ('default', 0, 'oauth/authentication_lock/timeout', '1800');

INSERT INTO customer_entity (website_id, email, group_id, store_id, firstname, lastname, password_hash)
  VALUES (1, {_sql_string(customer_email)}, 1, 1, 'Veronica', 'Costello', {_sql_string(password_hash)});
"""


def _sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def front_command(root: Path, address: str, port: int) -> list[str]:
    """argv of the host's web front: PHP's built-in server with Magento's router (run it with cwd = root).

    The built-in server runs with OPcache on; it checks file timestamps on every request (revalidate_freq=0)
    so a patched file is live at the next request, as on a PHP-FPM host with timestamp validation.
    """
    root = Path(root)
    return [PHP, "-d", "opcache.validate_timestamps=1", "-d", "opcache.revalidate_freq=0",
            "-S", f"{address}:{port}", "-t", str(root / "pub"), str(root / "phpserver" / "router.php")]
