"""Where the Ansible content lives: next to the package in a checkout, inside it in a wheel."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def content_root() -> Path:
    """Directory holding playbooks/, roles/ and ansible.cfg."""
    bundled = _PACKAGE / "_content"
    return bundled if (bundled / "playbooks").is_dir() else _PACKAGE.parent


LAB_ASSETS = _PACKAGE / "lab" / "assets"
