# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.qpt_apply.magento.plugins.module_utils.magento_post_plan import post_plan, preview

OPTIONS = dict(php="php8.2", di_compile=True, cache_action="clean", cache_types=[], reload_command=[])


def test_the_steps_come_in_order_and_check_mode_names_them():
    plan = post_plan(dict(OPTIONS, cache_types=["config"], reload_command=["sudo", "systemctl", "reload", "php-fpm"]),
                     "/srv/magento")
    assert [(name, argv, cwd) for name, dummy, argv, cwd in plan] == [
        ("di-compile", ["php8.2", "bin/magento", "setup:di:compile"], "/srv/magento"),
        ("cache-clean", ["php8.2", "bin/magento", "cache:clean", "config"], "/srv/magento"),
        ("reload", ["sudo", "systemctl", "reload", "php-fpm"], None)]
    assert preview(plan)["steps"] == ["would run bin/magento setup:di:compile", "would run bin/magento cache:clean config",
                                      "would run reload: sudo systemctl reload php-fpm"]
    nothing = preview(post_plan(dict(OPTIONS, di_compile=False, cache_action="none"), "/srv/magento"))
    assert (nothing["changed"], nothing["steps"]) == (False, [])
