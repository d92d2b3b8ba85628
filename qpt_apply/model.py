"""The nouns of a rollout: hosts, batches, plans, per-host results — and the input rules for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import paths  # noqa: F401  (puts the collection's module_utils on sys.path)
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_catalog import (  # noqa: E402
    SERIAL_ITEM, patch_id_problem)
from ansible_collections.qpt_apply.magento.plugins.module_utils.qpt_batches import batches  # noqa: E402

DEFAULT_PATCHES = ("ACSD-61103",)
DEFAULT_BATCHES = ("1", "25%", "100%")


class InputError(ValueError):
    """Input refused before any host is touched (exit 2). One line, naming the problem."""


def validate_patches(patches: list[str] | None) -> list[str]:
    """--patch IDs, checked; [] when none were given (each host's own qpt_patches, else DEFAULT_PATCHES)."""
    patches = list(patches or [])
    for patch in patches:
        problem = patch_id_problem(patch, "--patch")
        if problem:
            raise InputError(problem)
    return list(dict.fromkeys(patches))


def parse_batches(text: str | None) -> list[int | str]:
    """'1,25%,100%' → [1, '25%', '100%'] (Ansible's `serial` list; the last size repeats)."""
    items = [item.strip() for item in (text or ",".join(DEFAULT_BATCHES)).split(",")]
    parsed: list[int | str] = []
    for item in items:
        if SERIAL_ITEM.match(item):
            parsed.append(item if item.endswith("%") else int(item))
        else:
            raise InputError(f"batch size {item!r} is not a positive count or a percentage like 25% (in {text!r})")
    return parsed


def batch_hosts(hosts: list[str], serial: list[int | str]) -> list[list[str]]:
    """Split hosts into batches exactly as Ansible's `serial` does (the collection's one rule)."""
    return batches(hosts, serial)


@dataclass
class HostResult:
    """One host's result record, as the playbook emitted it (plus the batch the CLI ran it in)."""

    host: str
    action: str = "not-run"
    outcome: str = "not-run"
    magento: str | None = None
    edition: str | None = None
    mode: str | None = None
    qpt_before: str | None = None
    qpt_after: str | None = None
    status_before: dict[str, str] = field(default_factory=dict)
    status_after: dict[str, str] = field(default_factory=dict)
    reason: dict[str, Any] = field(default_factory=lambda: {"code": None, "message": ""})
    verify: dict[str, Any] | None = None
    qpt_output: str = ""
    batch: int | None = None
    check_mode: bool = False
    timings: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_record(cls, record: dict[str, Any], batch: int | None = None) -> "HostResult":
        known = {f for f in cls.__dataclass_fields__ if f not in ("extra", "batch")}
        values = {k: v for k, v in record.items() if k in known}
        extra = {k: v for k, v in record.items() if k not in known and k != "batch"}
        if not isinstance(values.get("reason"), dict):
            values["reason"] = {"code": None, "message": str(values.get("reason") or "")}
        return cls(**values, batch=batch if batch is not None else record.get("batch"), extra=extra)

    @property
    def failed(self) -> bool:
        """The host ended in failure (unreachable included). A conflict seen by status is a finding, not this."""
        return self.outcome == "failed" or self.action == "unreachable"

    @property
    def done(self) -> bool:
        """Ran to an end on the host (success, skip or failure): a resume does not run it again."""
        return self.outcome in ("changed", "ok", "skipped", "failed")

    def as_json(self) -> dict[str, Any]:
        data = {
            "host": self.host, "magento": self.magento, "qpt_before": self.qpt_before,
            "qpt_after": self.qpt_after, "status_before": self.status_before,
            "status_after": self.status_after, "action": self.action, "outcome": self.outcome,
            "reason": self.reason, "batch": self.batch, "verify": self.verify,
            "edition": self.edition, "mode": self.mode, "qpt_output": self.qpt_output,
            "check_mode": self.check_mode, "timings": self.timings,
        }
        data.update(self.extra)
        return data


@dataclass
class Plan:
    patches: list[str]
    hosts: list[str]
    batches: list[list[str]]
    serial: list[int | str]
    results: dict[str, HostResult] = field(default_factory=dict)
    desired: dict[str, list[str]] = field(default_factory=dict)   # host -> the patch set it is to have

    def batch_of(self, host: str) -> int | None:
        for number, members in enumerate(self.batches, start=1):
            if host in members:
                return number
        return None
