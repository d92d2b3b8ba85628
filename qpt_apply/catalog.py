"""The patch catalog, read from the same file the playbooks load (playbooks/vars/patch_catalog.yml)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from .paths import content_root


@lru_cache(maxsize=1)
def entries() -> dict[str, dict[str, Any]]:
    path = content_root() / "playbooks" / "vars" / "patch_catalog.yml"
    return (yaml.safe_load(path.read_text()) or {}).get("qpt_catalog") or {}


def notes(patches: list[str]) -> list[str]:
    """What an operator should know before a run about the patches they named."""
    return [f"{patch} is not in the patch catalog: only QPT's own status is checked (no version gate, "
            f"no file fingerprints, DI compile by deploy mode alone)"
            for patch in patches if patch not in entries()]


def title(patch: str) -> str | None:
    return (entries().get(patch) or {}).get("title")
