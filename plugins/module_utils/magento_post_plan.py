# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""The options of the magento_post module and the post-steps they ask for: shared by the module and by
its action plugin, which says on the controller what check mode would run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ARGUMENT_SPEC = dict(
    root=dict(type="path", required=True),
    php=dict(type="str", default="php"),
    di_compile=dict(type="bool", default=False),
    cache_action=dict(type="str", choices=["clean", "flush", "none"], default="clean"),
    cache_types=dict(type="list", elements="str", default=[]),
    reload_command=dict(type="list", elements="str", default=[]),
    run_id=dict(type="str", default=""),
    compile_attempts=dict(type="int", default=3),
)


def post_plan(params, root):
    """The steps, in order, as (name, label, argv, cwd): DI compile, cache step, reload."""
    php = params["php"]
    plan = []
    if params["di_compile"]:
        plan.append(("di-compile", "bin/magento setup:di:compile", [php, "bin/magento", "setup:di:compile"], root))
    if params["cache_action"] != "none":
        command = ["bin/magento", "cache:" + params["cache_action"]] + list(params["cache_types"])
        plan.append(("cache-clean", " ".join(command), [php] + command, root))
    if params["reload_command"]:
        plan.append(("reload", "reload: " + " ".join(params["reload_command"]), list(params["reload_command"]), None))
    return plan


def preview(plan):
    """What check mode returns: nothing runs, the steps say what would."""
    return dict(changed=bool(plan), steps=["would run " + step[1] for step in plan], reason=dict(code=None, message=""))
