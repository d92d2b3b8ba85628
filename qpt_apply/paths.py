"""Where the Ansible content lives, and how the CLI reaches the collection's shared rules.

The content is the collection qpt_apply.magento: the repository root in a checkout (linked under
.collections/ansible_collections/qpt_apply/magento), a copy inside the wheel once installed
(qpt_apply/_content/ansible_collections/qpt_apply/magento). Either way `collections_dir()` is the
directory Ansible's collections path and Python's sys.path need, so that ansible-playbook and this
package import the very same plugins/module_utils files.
"""

import sys
from pathlib import Path

NAMESPACE, NAME = "qpt_apply", "magento"
FQCN = f"{NAMESPACE}.{NAME}"

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_content"
_CHECKOUT = _PACKAGE.parent / ".collections"


def collections_dir() -> Path:
    """The directory holding ansible_collections/qpt_apply/magento."""
    return _BUNDLED if (_BUNDLED / "ansible_collections").is_dir() else _CHECKOUT


def content_root() -> Path:
    """The collection root: playbooks/, roles/, plugins/, ansible.cfg."""
    return collections_dir() / "ansible_collections" / NAMESPACE / NAME


def playbook(name: str) -> Path:
    return content_root() / "playbooks" / f"{name}.yml"


def _importable() -> None:
    """Put the collection on sys.path: `ansible_collections.qpt_apply.magento.plugins.module_utils.*` then
    imports as plain Python, the modules the playbooks use (never a copy)."""
    where = str(collections_dir())
    if where not in sys.path:
        sys.path.append(where)


_importable()
LAB_ASSETS = _PACKAGE / "lab" / "assets"
