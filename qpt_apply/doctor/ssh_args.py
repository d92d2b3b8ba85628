"""OpenSSH options read from Ansible's ssh arg strings (`-o`, `-i`, `-J`, `-p`, `-l`) the way ssh reads them.

ssh's own rule (the first value given wins, identity files add up) lives here once; targets asks it of all
of a host's arg strings together, and of ansible_ssh_args alone to place Ansible's own StrictHostKeyChecking.
"""

from __future__ import annotations

import shlex
from typing import Any


def ssh_options(*arg_strings: str | None) -> dict[str, Any]:
    """The ssh options set in Ansible's ssh arg strings; first value wins, as with ssh itself.

    Returns lower-cased option names → value, plus 'identityfile' as a list (it accumulates).
    """
    options: dict[str, Any] = {"identityfile": []}
    tokens: list[str] = []
    for text in arg_strings:
        if text:
            tokens += shlex.split(str(text))
    i = 0
    while i < len(tokens):
        token = tokens[i]
        value: str | None = None
        if token in ("-o", "-i", "-J", "-p", "-l") and i + 1 < len(tokens):
            value, i = tokens[i + 1], i + 2
        elif token[:2] in ("-o", "-i", "-J", "-p", "-l") and len(token) > 2:
            value, i = token[2:], i + 1
        else:
            i += 1
            continue
        flag = token[:2]
        if flag == "-o":
            name, _, rest = value.replace("=", " ", 1).partition(" ")
            name, rest = name.strip().lower(), rest.strip().strip('"')
            if name == "identityfile":
                options["identityfile"].append(rest)
            elif name and name not in options:
                options[name] = rest
        elif flag == "-i":
            options["identityfile"].append(value)
        else:
            name = {"-J": "proxyjump", "-p": "port", "-l": "user"}[flag]
            options.setdefault(name, value)
    return options
