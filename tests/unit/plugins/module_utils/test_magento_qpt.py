# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_qpt import console_error, written_meanwhile

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
    assert not written_meanwhile('The directory "/srv/magento/var/cache" cannot be deleted Directory not empty', "")
