# -*- coding: utf-8 -*-
# Copyright: qpt-apply contributors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""An action plugin base for modules whose check mode can be told from their options alone: the preview is
computed on the controller, with the module's own argument spec and module_utils, and the host is not
contacted; everything else runs the module as usual."""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase


class ControllerPreview(ActionBase):
    """Subclasses set ARGUMENT_SPEC (the module's) and define preview(params)."""

    ARGUMENT_SPEC: dict = {}

    def preview(self, params: dict) -> dict | None:
        """The module's check-mode result for these validated options, or None when only the host can tell."""
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if self._task.check_mode:
            validated = ArgumentSpecValidator(self.ARGUMENT_SPEC).validate(self._task.args)
            if validated.error_messages:
                result.update(failed=True, msg="; ".join(validated.error_messages))
                return result
            answer = self.preview(validated.validated_parameters)
            if answer is not None:
                result.update(answer)
                return result
        result.update(self._execute_module(task_vars=task_vars))
        return result
