# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_qpt import (
    console_error, patch_failed, patch_preview, patch_result, patch_targets, read_token, written_meanwhile)

# What setup:di:compile printed when a request wrote var/cache while it deleted it (Symfony boxes at 80 columns).
COMPILE_RACE = (
    "Compilation was started.\n"
    "%message% 0/9 [>---------------------------]   0% < 1 sec 4.0 MiBProxies code generation...\n"
    "In File.php line 76:\n"
    "                                                                               \n"
    "  The directory \"/srv/magento/var/cache\" cannot be deleted                    \n"
    "  Warning!rmdir(/srv/magento/var/cache): Directory not empt                     \n"
    "  y                                                                            \n"
    "                                                                               \n"
    "\n"
    "setup:di:compile [--exclude-modules EXCLUDE-MODULES]\n")
QPT_BROKEN = ("\nIn OptionalPool.php line 267:\n\n"
              "  Configuration error - Next patches weren't found: ACSD-48070. Please, check with \"status\" command  \n"
              "  availability of these patches for the current Magento version.                                      \n"
              "\nstatus [-f|--format FORMAT]\n")


def test_console_error_is_the_boxed_message_on_one_line():
    assert console_error(COMPILE_RACE, "") == ('The directory "/srv/magento/var/cache" cannot be deleted '
                                               'Warning!rmdir(/srv/magento/var/cache): Directory not empt y')
    assert console_error("", QPT_BROKEN) == (
        "Configuration error - Next patches weren't found: ACSD-48070. Please, check with \"status\" command "
        "availability of these patches for the current Magento version.")
    assert console_error("Compilation was started.\nGenerated code and dependency injection configuration "
                         "successfully.\n", "") == ""


def test_only_a_directory_written_meanwhile_counts_as_transient():
    assert written_meanwhile(COMPILE_RACE, "")
    assert written_meanwhile("", COMPILE_RACE)
    denied = COMPILE_RACE.replace("Directory not empt", "Permission denied ").replace("  y   ", "      ")
    assert not written_meanwhile(denied, "")
    assert not written_meanwhile("", QPT_BROKEN)
    # bin/magento empties generated/ before setup:di:compile starts and fails with the message alone.
    factories = "/srv/magento/generated/code/Magento/Customer"
    preparation = 'The directory "%s" cannot be deleted Warning!rmdir(%s): Directory not empty\n' % (factories, factories)
    assert written_meanwhile(preparation, "")
    assert not written_meanwhile(preparation.replace("Directory not empty", "Permission denied"), "")
    # A line that merely mentions it among other output is no such failure.
    assert not written_meanwhile("Compilation was started.\n" + preparation + "Fatal error: out of memory\n", "")


def _host(tmp_path):
    """A Magento root with composer's metadata and a QPT that ships two releases' files of one patch."""
    root = tmp_path / "magento"
    (root / "vendor/composer").mkdir(parents=True)
    (root / "vendor/composer/installed.json").write_text('{"packages": []}')
    (root / "composer.lock").write_text('{"packages": []}')
    patches = root / "vendor/magento/quality-patches/patches/os"
    patches.mkdir(parents=True)
    (patches / "ACSD-61103_2.4.6-p3.patch").write_text(
        "diff --git a/vendor/magento/module-customer/Model/Authentication.php "
        "b/vendor/magento/module-customer/Model/Authentication.php\n--- a/x\n+++ b/x\n")
    (patches / "ACSD-61103_2.4.6.patch").write_text(
        "diff --git a/vendor/magento/framework/New.php b/vendor/magento/framework/New.php\n")
    target = root / "vendor/magento/module-customer/Model/Authentication.php"
    target.parent.mkdir(parents=True)
    target.write_text("<?php // shipped\n")
    return root, target


def test_the_read_token_changes_with_what_qpt_status_depends_on(tmp_path):
    root, target = _host(tmp_path)
    assert patch_targets(str(root), "ACSD-61103") == [
        "vendor/magento/framework/New.php", "vendor/magento/module-customer/Model/Authentication.php"]
    token = read_token(str(root), ["ACSD-61103"])
    assert token and read_token(str(root), ["ACSD-61103"]) == token  # nothing changed, nothing differs
    assert read_token(str(root), ["ACSD-61103", "ACSD-61103"]) == token
    assert read_token(str(root), ["ACSD-61103", "ACSD-51892"]) is None  # QPT ships no file for that one

    seen = {token}
    os.utime(str(target), ns=(1, 1))  # a patch applied or reverted rewrites the file
    seen.add(read_token(str(root), ["ACSD-61103"]))
    (root / "vendor/magento/framework").mkdir()
    (root / "vendor/magento/framework/New.php").write_text("<?php\n")  # a file the patch adds
    seen.add(read_token(str(root), ["ACSD-61103"]))
    (root / "composer.lock").write_text('{"packages": [{"name": "magento/quality-patches"}]}')  # another QPT
    seen.add(read_token(str(root), ["ACSD-61103"]))
    os.utime(str(root / "vendor/composer/installed.json"), ns=(2, 2))  # composer install
    seen.add(read_token(str(root), ["ACSD-61103"]))
    assert len(seen) == 5 and None not in seen


def test_patch_preview_says_what_qpt_would_change_or_why_it_would_fail():
    assert patch_preview(["ACSD-61103"], "applied", {"ACSD-61103": "Not applied"}) == dict(
        changed=True, status_before={"ACSD-61103": "Not applied"}, status_after={"ACSD-61103": "Applied"},
        ids_changed=["ACSD-61103"], reason=dict(code=None, message=""), output="", commands=[])
    done = patch_preview(["ACSD-61103"], "applied", {"ACSD-61103": "Applied"})
    assert (done["changed"], done["ids_changed"], "failed" in done) == (False, [], False)
    conflict = patch_preview(["ACSD-61103", "ACSD-1"], "applied", {"ACSD-61103": "N/A", "ACSD-1": "Not applied"})
    assert conflict["failed"] and conflict["reason"]["code"] == "conflict"
    assert "ACSD-61103: status N/A" in conflict["msg"] and conflict["msg"] == conflict["reason"]["message"]
    assert conflict["status_after"] == conflict["status_before"] and conflict["ids_changed"] == []
    assert patch_preview(["ACSD-1"], "applied", {"ACSD-1": "absent"})["reason"]["code"] == "not-offered"
    # Not offered cannot have been applied: nothing to revert.
    assert "failed" not in patch_preview(["ACSD-1"], "reverted", {"ACSD-1": "absent"})


def test_a_patch_result_keeps_the_runners_command_list():
    commands = []
    result = patch_result(commands=commands)
    commands.append("php vendor/bin/magento-patches status --format=json")
    assert result["commands"] == ["php vendor/bin/magento-patches status --format=json"]
    assert patch_failed(result, "broken-qpt", "QPT status failed", "out")["reason"] == dict(
        code="broken-qpt", message="QPT status failed")
    assert (result["failed"], result["msg"], result["output"]) == (True, "QPT status failed", "out")
