"""The lab spec: which simulated hosts to build, validated before anything starts."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import yaml

from . import standin

MODES = ("production", "developer", "default")
PATCH_STATES = ("clean", "applied", "conflict")
TOOLS = ("git", "patch")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
# A shop is also an inventory group: letters and digits only, so Ansible takes it as a group name as it is;
# at most 11 of them, so that its node names <shop>-web1..9 are host names (_NAME).
_SHOP_NAME = re.compile(r"^[a-z][a-z0-9]{0,10}$")
_RESERVED_GROUPS = frozenset({"all", "ungrouped", "magento", "localhost"})
MAX_SHOP_NODES = 9


class SpecError(ValueError):
    """A spec the lab cannot build; the message is one line naming the problem."""


@dataclass(frozen=True)
class HostSpec:
    name: str = "web1"
    magento: str = "2.4.6-p3"
    edition: str = "community"
    qpt: str | None = "1.1.53"
    mode: str = "production"
    patch: str = "clean"
    tools: tuple[str, ...] = field(default=TOOLS)
    faults: dict[str, str] = field(default_factory=dict)    # step -> "fail" (standin.FAULT_STEPS)
    delays: dict[str, float] = field(default_factory=dict)  # step -> seconds slept in it (standin.DELAY_STEPS)
    shop: str | None = None  # set on a shop's nodes only (spec key `shops:`), never in a host entry

    def as_dict(self) -> dict:
        return {**asdict(self), "tools": list(self.tools)}


_CHOICES = {
    "magento": standin.MAGENTO_VERSIONS,
    "edition": standin.EDITIONS,
    "qpt": (None, *standin.QPT_VERSIONS),
    "mode": MODES,
    "patch": PATCH_STATES,
}


def default_hosts(count: int) -> list[HostSpec]:
    if not 1 <= count <= 200:
        raise SpecError(f"--hosts must be between 1 and 200, not {count}")
    return [HostSpec(name=f"web{i}") for i in range(1, count + 1)]


def load(path: Path) -> list[HostSpec]:
    try:
        document = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise SpecError(f"cannot read spec {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"spec {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(document, dict) or not {"hosts", "shops"} & set(document) \
            or not set(document) <= {"hosts", "shops", "delays"} \
            or not all(isinstance(document.get(key, []), list) for key in ("hosts", "shops")):
        raise SpecError(f"spec {path} must be a mapping with one key 'hosts' holding a list of hosts and/or "
                        "'shops' holding a list of shops (and optionally 'delays' for every host)")
    return parse_hosts(document.get("hosts", []), delays=document.get("delays"), shops=document.get("shops"))


def parse_hosts(entries: list, delays: dict | None = None, shops: list | None = None) -> list[HostSpec]:
    """Hosts from spec entries, then every shop's nodes; `delays` (the spec's top-level key) applies to
    every host, under its own."""
    if not entries and not shops:
        raise SpecError("the spec lists no hosts")
    default_delays = check_delays("spec", delays)
    hosts = [_parse_host(i, entry, default_delays) for i, entry in enumerate(entries, start=1)]
    shop_names: set[str] = set()
    for index, entry in enumerate(shops or [], start=1):
        nodes = _parse_shop(index, entry, default_delays)
        shop_names.add(nodes[0].shop)
        hosts.extend(nodes)
    seen: set[str] = set()
    for host in hosts:
        if host.name in seen:
            raise SpecError(f"host name {host.name!r} appears twice in the spec")
        if host.name in shop_names:
            raise SpecError(f"host name {host.name!r} is also a shop's name")
        seen.add(host.name)
    return hosts


def shops_of(hosts: list[HostSpec]) -> dict[str, list[HostSpec]]:
    """Shop name -> its nodes, in spec order."""
    shops: dict[str, list[HostSpec]] = {}
    for host in hosts:
        if host.shop:
            shops.setdefault(host.shop, []).append(host)
    return shops


def _parse_shop(index: int, entry, default_delays: dict[str, float]) -> list[HostSpec]:
    """A shop entry: `nodes` web nodes <shop>-web1..N, each built from the shop's host keys."""
    if not isinstance(entry, dict):
        raise SpecError(f"shop #{index} must be a mapping, not {type(entry).__name__}")
    name = entry.get("name", f"shop{index}")
    label = f"shop {name!r}" if isinstance(name, str) else f"shop #{index}"
    known = {"name", "nodes", *(set(HostSpec.__dataclass_fields__) - {"name", "shop"})}
    for key in entry:
        if key not in known:
            raise SpecError(f"{label}: unknown key {key!r} (known: {', '.join(sorted(known))})")
    if not isinstance(name, str) or not _SHOP_NAME.match(name) or name in _RESERVED_GROUPS:
        raise SpecError(f"{label}: name must match {_SHOP_NAME.pattern} (an inventory group of its own; "
                        f"not one of {', '.join(sorted(_RESERVED_GROUPS))})")
    nodes = entry.get("nodes", 3)
    if isinstance(nodes, bool) or not isinstance(nodes, int) or not 1 <= nodes <= MAX_SHOP_NODES:
        raise SpecError(f"{label}: nodes must be a whole number from 1 to {MAX_SHOP_NODES}, not {nodes!r}")
    host_keys = {key: value for key, value in entry.items() if key not in ("name", "nodes")}
    return [replace(_parse_host(index, {**host_keys, "name": f"{name}-web{i}"}, default_delays), shop=name)
            for i in range(1, nodes + 1)]


def check_faults(label: str, faults) -> dict[str, str]:
    """A `faults:` mapping checked against what the stand-ins know; returned as a new dict."""
    known = sorted({value for values in standin.FAULT_VALUES.values() for value in values})
    checked = _check_steps(label, "fault", faults, standin.FAULT_STEPS, lambda value: value in known,
                           " or ".join(repr(v) for v in known))
    for step, value in checked.items():
        if value not in standin.FAULT_VALUES[step]:
            raise SpecError(f"{label}: fault {step} {value!r} must be "
                            + " or ".join(repr(v) for v in standin.FAULT_VALUES[step]))
    return checked


def check_delays(label: str, delays) -> dict[str, float]:
    """A `delays:` mapping of step to seconds slept in it; returned as a new dict."""
    def is_seconds(value) -> bool:
        return not isinstance(value, bool) and isinstance(value, (int, float)) and 0 <= value < float("inf")

    return _check_steps(label, "delay", delays, standin.DELAY_STEPS, is_seconds, "a number of seconds >= 0")


def _check_steps(label: str, kind: str, mapping, steps: tuple[str, ...], valid, expected: str) -> dict:
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        raise SpecError(f"{label}: {kind}s must be a mapping of step to {expected}, not {mapping!r}")
    for step, value in mapping.items():
        if step not in steps:
            raise SpecError(f"{label}: unknown {kind} {step!r} (known: {', '.join(steps)})")
        if not valid(value):
            raise SpecError(f"{label}: {kind} {step} {value!r} must be {expected}")
    return dict(mapping)


def _parse_host(index: int, entry, default_delays: dict[str, float]) -> HostSpec:
    if entry is None:
        entry = {}
    if not isinstance(entry, dict):
        raise SpecError(f"host #{index} must be a mapping, not {type(entry).__name__}")
    values = {"name": f"web{index}", **entry}
    label = f"host {values['name']!r}" if isinstance(values["name"], str) else f"host #{index}"
    known = set(HostSpec.__dataclass_fields__) - {"shop"}
    for key in values:
        if key not in known:
            raise SpecError(f"{label}: unknown key {key!r} (known: {', '.join(sorted(known))})")
    if not isinstance(values["name"], str) or not _NAME.match(values["name"]):
        raise SpecError(f"{label}: name must match {_NAME.pattern} (lowercase, at most 16 characters)")
    for key, allowed in _CHOICES.items():
        if key in values:
            value = values[key]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)  # YAML reads an unquoted 1.1 as a number
            if value not in allowed:
                shown = ", ".join("null" if a is None else str(a) for a in allowed)
                raise SpecError(f"{label}: {key} {values[key]!r} is not one of: {shown}")
            values[key] = value
    tools = values.get("tools", list(TOOLS))
    if not isinstance(tools, list) or any(t not in TOOLS for t in tools) or len(set(tools)) != len(tools):
        raise SpecError(f"{label}: tools must be a list drawn from {list(TOOLS)}, not {tools!r}")
    values["tools"] = tuple(t for t in TOOLS if t in tools)
    values["faults"] = check_faults(label, values.get("faults"))
    values["delays"] = {**default_delays, **check_delays(label, values.get("delays"))}
    return HostSpec(**values)
