"""The ansible-playbook options qpt-apply takes, with ansible-playbook's names and meanings.

Parsed once by the CLI, recorded in the journal (so `resume` runs with the same ones), turned back
into ansible-playbook arguments for every playbook run, and read by doctor for its own SSH checks.
A vault password typed at a prompt lives in memory only: in process it becomes a vault secret, and
ansible-playbook gets it by ansible-runner answering its prompt — never a file, never the journal.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from .model import InputError

DEFAULT_VAULT_LABEL = "default"
PROMPT_SOURCES = ("prompt", "prompt_ask_vault_pass")   # Ansible's vault-id sources that mean "ask"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


@dataclass(frozen=True)
class Flag:
    dest: str
    names: tuple[str, ...]        # as ansible-playbook spells them
    kind: str                     # value | list | switch | count
    help: str
    doctor: bool = False          # doctor reads it too, for its own SSH checks
    type: Callable[[str], Any] | None = None
    metavar: str | None = None

    @property
    def passed_as(self) -> str:
        """The spelling handed to ansible-playbook (a count goes as -v, -vv, ...)."""
        return next(name for name in self.names if name.startswith("--"))


FLAGS = (
    Flag("extra_vars", ("-e", "--extra-vars"), "list",
         "set variables: key=value, YAML/JSON, or @FILE; repeatable (the rollout's own inputs have their flags)",
         doctor=True, metavar="VARS"),
    Flag("remote_user", ("-u", "--user"), "value",
         "connect as this user (a host's ansible_user wins, as in Ansible)", doctor=True, metavar="USER"),
    Flag("private_key_file", ("--private-key", "--key-file"), "value",
         "SSH private key file (a host's ansible_ssh_private_key_file wins)", doctor=True, metavar="FILE"),
    Flag("ssh_common_args", ("--ssh-common-args",), "value",
         "arguments added to ssh (a host's ansible_ssh_common_args wins)", doctor=True, metavar="ARGS"),
    Flag("timeout", ("-T", "--timeout"), "value",
         "connection timeout in seconds (doctor: per host for connect and login, default 10)",
         doctor=True, type=_positive_int, metavar="SECONDS"),
    Flag("forks", ("-f", "--forks"), "value",
         "hosts worked on in parallel within a batch (default 20)", doctor=True, type=_positive_int, metavar="N"),
    Flag("become", ("-b", "--become"), "switch", "run operations with become (the playbooks' own become still applies)"),
    Flag("become_user", ("--become-user",), "value", "become this user", metavar="USER"),
    Flag("become_method", ("--become-method",), "value", "privilege escalation method (sudo, su, ...)", metavar="METHOD"),
    Flag("vault_ids", ("--vault-id",), "list", "vault identity: LABEL@FILE, LABEL@prompt or FILE; repeatable",
         doctor=True, metavar="ID"),
    Flag("vault_password_files", ("--vault-password-file", "--vault-pass-file"), "list",
         "file (or script) holding the vault password; repeatable", doctor=True, metavar="FILE"),
    Flag("ask_vault_pass", ("-J", "--ask-vault-password", "--ask-vault-pass"), "switch",
         "ask for the vault password (once per run; never stored)", doctor=True),
    Flag("verbosity", ("-v", "--verbose"), "count",
         "Ansible's verbosity (-v to -vvvv), written to the run's runner artifacts, not the screen"),
)


def add_arguments(parser: argparse.ArgumentParser, *, doctor: bool = False) -> None:
    group = parser.add_argument_group("ansible-playbook options (same names and meanings)")
    group.add_argument("-i", "--inventory", action="append", metavar="SOURCE",
                       help="inventory file, directory, plugin config, script or HOST1,HOST2, list; repeatable "
                            "(default: Ansible's own, from ANSIBLE_INVENTORY or ansible.cfg)")
    for flag in FLAGS:
        if doctor and not flag.doctor:
            continue
        kwargs: dict[str, Any] = {"dest": flag.dest, "help": flag.help}
        if flag.kind == "list":
            kwargs.update(action="append", default=[], metavar=flag.metavar)
        elif flag.kind == "switch":
            kwargs.update(action="store_true")
        elif flag.kind == "count":
            kwargs.update(action="count", default=0)
        else:
            kwargs.update(type=flag.type, metavar=flag.metavar)
        group.add_argument(*flag.names, **kwargs)


@dataclass
class AnsibleOptions:
    """Everything but -i that qpt-apply hands to ansible-playbook; paths made absolute so `resume` finds them."""

    extra_vars: list[str] = field(default_factory=list)
    remote_user: str | None = None
    private_key_file: str | None = None
    ssh_common_args: str | None = None
    timeout: int | None = None
    forks: int | None = None
    become: bool = False
    become_user: str | None = None
    become_method: str | None = None
    vault_ids: list[str] = field(default_factory=list)
    vault_password_files: list[str] = field(default_factory=list)
    ask_vault_pass: bool = False
    verbosity: int = 0

    def __post_init__(self) -> None:
        # Prompt → password, typed this run. An attribute, not a field: asdict() and the journal never see it.
        self._vault_passwords: dict[str, str] = {}

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "AnsibleOptions":
        values = {flag.dest: getattr(args, flag.dest) for flag in FLAGS if hasattr(args, flag.dest)}
        options = cls(**{k: v for k, v in values.items() if v is not None})
        options.extra_vars = [_absolute_extra_vars_file(text) for text in options.extra_vars]
        if options.private_key_file:
            options.private_key_file = _absolute(options.private_key_file)
        options.vault_password_files = [_absolute(path) for path in options.vault_password_files]
        options.vault_ids = [_absolute_vault_id(slug) for slug in options.vault_ids]
        return options

    def to_journal(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_journal(cls, data: Mapping[str, Any] | None) -> "AnsibleOptions":
        return cls(**{k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__})

    def playbook_args(self) -> list[str]:
        """The ansible-playbook arguments these options stand for."""
        args: list[str] = []
        for flag in FLAGS:
            value = getattr(self, flag.dest)
            if flag.kind == "list":
                for item in value:
                    args += [flag.passed_as, item]
            elif flag.kind == "switch":
                args += [flag.passed_as] if value else []
            elif flag.kind == "count":
                args += ["-" + "v" * value] if value else []
            elif value is not None:
                args += [flag.passed_as, str(value)]
        return args

    # -- connection settings, for doctor

    def connection_variables(self, hostvars: Mapping[str, Any]) -> dict[str, Any]:
        """A host's variables with -u/--private-key/--ssh-common-args filled in where the host sets none:
        in Ansible a host variable beats the command line option."""
        merged = dict(hostvars)
        for dest, names in _CONNECTION_VARIABLES.items():
            value = getattr(self, dest)
            if value is not None and not any(name in merged for name in names):
                merged[names[0]] = value
        return merged

    # -- vault

    def vault_prompts(self) -> list[tuple[str, str]]:
        """(label, prompt) for each vault password to ask for, worded as ansible-playbook asks."""
        prompts = []
        for slug in self.vault_ids:
            label, source = split_vault_id(slug)
            if source == "prompt":
                prompts.append((label or DEFAULT_VAULT_LABEL, f"Vault password ({label or DEFAULT_VAULT_LABEL}): "))
            elif source == "prompt_ask_vault_pass":
                prompts.append((label or DEFAULT_VAULT_LABEL, "Vault password: "))
        if self.ask_vault_pass:
            prompts.append((DEFAULT_VAULT_LABEL, "Vault password: "))
        return list(dict.fromkeys(prompts))

    def ask_vault_passwords(self) -> None:
        """Ask once per prompt for this process; resume asks again, nothing is saved."""
        for _label, prompt in self.vault_prompts():
            if prompt in self._vault_passwords:
                continue
            if not sys.stdin.isatty():
                raise InputError("--ask-vault-pass needs a terminal to ask on; use --vault-password-file FILE "
                                 "or --vault-id LABEL@FILE instead")
            password = getpass.getpass(prompt)
            if not password:
                raise InputError("empty vault password")
            self._vault_passwords[prompt] = password

    def vault_secrets(self, loader: Any) -> list[tuple[str, Any]]:
        """The vault secrets ansible-playbook would hold: Ansible's own reading of the files and
        configured identities, plus the passwords typed at our prompts."""
        from ansible import constants as C
        from ansible.cli import CLI
        from ansible.parsing.vault import VaultSecret

        self.ask_vault_passwords()
        from_files = [slug for slug in self.vault_ids if split_vault_id(slug)[1] not in PROMPT_SOURCES]
        secrets = CLI.setup_vault_secrets(loader, vault_ids=list(C.DEFAULT_VAULT_IDENTITY_LIST) + from_files,
                                          vault_password_files=list(self.vault_password_files),
                                          ask_vault_pass=False, auto_prompt=False, initialize_context=False)
        return list(secrets) + [(label, VaultSecret(self._vault_passwords[prompt].encode()))
                                for label, prompt in self.vault_prompts()]

    def runner_passwords(self) -> dict[str, str]:
        """ansible-runner's prompt answers (regex → password) for the vault prompts ansible-playbook shows."""
        return {rf"^{re.escape(prompt.rstrip())}\s*$": password for prompt, password in self._vault_passwords.items()}


# Command-line connection options, and the host variables that take precedence over each in Ansible.
_CONNECTION_VARIABLES = {
    "remote_user": ("ansible_user", "ansible_ssh_user"),
    "private_key_file": ("ansible_ssh_private_key_file", "ansible_private_key_file"),
    "ssh_common_args": ("ansible_ssh_common_args",),
}

# Parts of a variable name that mark a secret: such a value given inline with -e would sit in process
# lists, ansible-runner's artifacts and the journal.
SECRET_NAME_PARTS = {"pass", "password", "passwd", "passphrase", "secret", "token", "credential", "credentials"}


def refuse_inline_secrets(names: Sequence[str]) -> None:
    for name in names:
        if SECRET_NAME_PARTS & set(str(name).lower().split("_")):
            raise InputError(f"-e {name}: secrets do not go on the command line (process lists, the run's "
                             f"journal); put it in a vault-encrypted file and pass -e @FILE with --vault-id, "
                             f"or in the inventory")


def split_vault_id(slug: str) -> tuple[str | None, str]:
    """'label@source' → (label, source); a bare source has no label (Ansible's own reading)."""
    label, at, source = slug.partition("@")
    return (label, source) if at else (None, slug)


def inventory_sources(given: Sequence[str] | None) -> list[str]:
    """The -i sources as ansible-playbook reads them, paths made absolute; without -i, Ansible's own default
    (ANSIBLE_INVENTORY, else the `inventory` of the ansible.cfg it would read, else /etc/ansible/hosts)."""
    sources = [str(source) for source in given] if given else default_inventory()
    resolved = []
    for source in sources:
        if is_host_list(source):
            resolved.append(source)
            continue
        path = _absolute(source)
        if not os.path.exists(path):
            where = "" if given else " (Ansible's default inventory; pass -i)"
            raise InputError(f"inventory {source} does not exist{where}: give a file, a directory, a plugin config, "
                             f"a script or a comma-separated host list")
        resolved.append(path)
    return list(dict.fromkeys(resolved))


def default_inventory() -> list[str]:
    # A fresh ConfigManager reads the operator's settings, not the ansible.cfg qpt-apply runs playbooks with.
    from ansible.config.manager import ConfigManager

    return [str(source) for source in ConfigManager().get_config_value("DEFAULT_HOST_LIST") or []]


def is_host_list(source: str) -> bool:
    """Ansible's host_list rule: a comma and no such path."""
    return "," in source and not os.path.exists(_absolute(source))


def _absolute(path: str) -> str:
    # As Ansible's unfrackpath(follow=False): a symlinked inventory keeps its own group_vars.
    return os.path.abspath(os.path.expanduser(os.path.expandvars(path)))


def _absolute_extra_vars_file(text: str) -> str:
    if not text.startswith("@"):
        return text
    path = _absolute(text[1:])
    if not os.path.isfile(path):
        raise InputError(f"-e {text}: {path} does not exist or is not a file")
    return "@" + path


def _absolute_vault_id(slug: str) -> str:
    label, source = split_vault_id(slug)
    if source in PROMPT_SOURCES:
        return slug
    return f"{label}@{_absolute(source)}" if label is not None else _absolute(source)
