"""Hosts and host variables, read by Ansible's own inventory code in this process.

InventoryManager and VariableManager are what ansible-playbook and ansible-inventory use themselves,
so every source `-i` accepts works (files, directories, plugin configs, scripts, host lists), --limit
follows Ansible's pattern rules, and a host's variables come merged exactly as `ansible-inventory
--list` shows them: group_vars, host_vars, vars plugins, vault, extra vars.

In process rather than `ansible-inventory --list` through ansible-runner: decrypted variables never
pass through a file (ansible-runner writes a command's output to its artifacts), one parse serves the
host list and the variables, and a password typed at our prompt is simply a vault secret here.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

from .ansible_options import AnsibleOptions, is_host_list, refuse_inline_secrets
from .model import InputError


def listed_hosts(sources: Sequence[str]) -> list[str]:
    """Hosts named in comma-separated host lists, parsed as Ansible's host_list plugin does."""
    _use_playbook_settings()
    from ansible.errors import AnsibleError
    from ansible.parsing.utils.addresses import parse_address

    names = []
    for source in sources:
        if not is_host_list(source):
            continue
        for entry in (part.strip() for part in source.split(",")):
            if not entry:
                continue
            try:
                names.append(parse_address(entry, allow_ranges=False)[0])
            except AnsibleError:
                names.append(entry)
    return list(dict.fromkeys(names))


def target_pattern(group: str, sources: Sequence[str]) -> str:
    """What a command works on: the group, plus hosts named in a host list (they can be in no group).
    Host lists alone have no groups at all: then the hosts they name."""
    listed = listed_hosts(sources)
    groups = [group] if not listed or not all(is_host_list(source) for source in sources) else []
    return ",".join(groups + listed)


def no_hosts(group: str, sources: Sequence[str], limit: str | None) -> InputError:
    where = f" matching --limit {limit!r}" if limit else ""
    return InputError(f"no host in group '{group}' of {', '.join(sources)}{where}")


class Inventory:
    def __init__(self, sources: Sequence[str], options: AnsibleOptions):
        _use_playbook_settings()
        from ansible.errors import AnsibleError
        from ansible.parsing.dataloader import DataLoader

        self.sources = list(sources)
        self._loader = DataLoader()
        try:
            self._loader.set_vault_secrets(options.vault_secrets(self._loader))
            self.extra_vars, inline = _load_extra_vars(self._loader, options.extra_vars)
        except AnsibleError as exc:
            raise InputError(one_line(exc)) from None
        refuse_inline_secrets(inline)

    @functools.cached_property
    def _managers(self) -> tuple[Any, Any]:
        from ansible.errors import AnsibleError
        from ansible.inventory.manager import InventoryManager
        from ansible.vars.manager import VariableManager

        try:
            hosts = InventoryManager(loader=self._loader, sources=self.sources)
            return hosts, VariableManager(loader=self._loader, inventory=hosts)
        except AnsibleError as exc:
            raise InputError(f"inventory: {one_line(exc)}") from None

    def hosts(self, pattern: str, limit: str | None) -> list[str]:
        """Hosts matching `pattern` after --limit, in inventory order (as `ansible PATTERN --list-hosts`)."""
        from ansible.errors import AnsibleError

        manager = self._managers[0]
        try:
            manager.subset(limit)
            return [host.name for host in manager.list_hosts(pattern)]
        except AnsibleError as exc:
            raise InputError(one_line(exc)) from None
        finally:
            manager.subset(None)

    def variables(self, host: str) -> dict[str, Any]:
        """One host's variables, unrendered, as ansible-inventory --list gives them (plus Ansible's magic ones)."""
        from ansible.errors import AnsibleError

        manager, variables = self._managers
        try:
            return dict(variables.get_vars(host=manager.get_host(host), include_hostvars=False, stage="all"))
        except AnsibleError as exc:
            raise InputError(f"variables of {host}: {one_line(exc)}") from None

    def value(self, host: str, name: str, variables: dict[str, Any] | None = None) -> Any:
        """One variable of a host as a play would see it (Jinja rendered with the host's variables); None when
        the host does not have it."""
        from ansible.errors import AnsibleError
        from ansible.template import Templar

        variables = self.variables(host) if variables is None else variables
        if name not in variables:
            return None
        try:
            return Templar(loader=self._loader, variables=variables).template(variables[name])
        except AnsibleError as exc:
            raise InputError(f"{host}: {name}: {one_line(exc)}") from None


def one_line(exc: BaseException) -> str:
    """Ansible's messages span lines (cause, origin); the CLI says one."""
    from ansible.parsing.vault import AnsibleVaultError

    message = " ".join(str(getattr(exc, "message", None) or exc).split())
    chain = [exc]
    while (chain[-1].__cause__ or chain[-1].__context__) is not None and len(chain) < 10:
        chain.append(chain[-1].__cause__ or chain[-1].__context__)
    if any(isinstance(link, AnsibleVaultError) for link in chain):
        message += " (give the vault password with --vault-id, --vault-password-file or --ask-vault-pass)"
    return message


def _use_playbook_settings() -> None:
    """Run Ansible in this process with the settings its playbook runs get, so both read inventories alike."""
    from .runner import _environment

    os.environ.update(_environment())
    from ansible.plugins.loader import init_plugin_loader
    from ansible.utils.collection_loader import AnsibleCollectionConfig

    if AnsibleCollectionConfig.collection_finder is None:
        init_plugin_loader([])


def _load_extra_vars(loader: Any, arguments: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """Ansible's own -e parsing: the merged variables, and the names given inline (not from an @file)."""
    inline = []
    for argument in arguments:
        if not argument.startswith("@"):
            inline += list(_ansible_extra_vars(loader, [argument]))
    # Left in Ansible's context last: VariableManager reads the extra vars from there.
    return _ansible_extra_vars(loader, arguments), inline


def _ansible_extra_vars(loader: Any, arguments: Sequence[str]) -> dict[str, Any]:
    from ansible import context
    from ansible.module_utils.common.collections import ImmutableDict
    from ansible.utils import vars as ansible_vars

    context.CLIARGS = ImmutableDict(extra_vars=tuple(arguments))
    ansible_vars.load_extra_vars.extra_vars = None   # Ansible caches them for its one-command processes
    return dict(ansible_vars.load_extra_vars(loader))
