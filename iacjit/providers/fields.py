"""Small helpers for reading evaluated attributes into model fields."""

from __future__ import annotations

from typing import Any

from iacjit.model.ports import PortSyntaxError, parse_port_spec
from iacjit.model.protocols import normalise_protocol
from iacjit.model.raw import RawResource
from iacjit.model.semantic import NetworkRule
from iacjit.model.values import ResourceRef, Unknown, is_known, unknown_reason


def first_present(attrs: dict[str, Any], *names: str) -> Any:
    """The first attribute among *names* that is set to something other than null/""/[]."""
    for name in names:
        value = attrs.get(name)
        if value not in (None, "", []):
            return value
    return None


def values_of(attrs: dict[str, Any], *names: str) -> list[Any]:
    """Every element of the singular/plural attribute pair (``x`` and ``xs``) that is set."""
    found: list[Any] = []
    for name in names:
        value = attrs.get(name)
        if value in (None, "", []):
            continue
        if isinstance(value, list | tuple):
            found.extend(v for v in value if v not in (None, ""))
        else:
            found.append(value)
    return found


def lower_word(value: Any, what: str) -> str | Unknown:
    """``"Inbound"`` → ``"inbound"``; Unknown when the value is not concrete."""
    if value is None:
        return Unknown(f"{what} is not set")
    if not is_known(value):
        return Unknown(unknown_reason(value) or f"{what} is unknown")
    return str(value).strip().lower()


def protocols(value: Any) -> frozenset[str] | Unknown:
    if value is None:
        return Unknown("protocol is not set")
    if not is_known(value):
        return Unknown(unknown_reason(value) or "protocol is unknown")
    return frozenset({normalise_protocol(value)})


def port_ranges(values: list[Any], problems: list[str]) -> tuple[tuple[int, int], ...] | Unknown:
    """Parse port specs; an invalid one is recorded in *problems* and skipped."""
    ranges: list[tuple[int, int]] = []
    for value in values:
        if not is_known(value):
            return Unknown(unknown_reason(value) or "port is unknown")
        try:
            ranges.extend(parse_port_spec(value))
        except PortSyntaxError as exc:
            problems.append(str(exc))
    return tuple(ranges)


def sources(values: list[Any]) -> tuple[Any, ...]:
    """Source prefixes, keeping Unknown elements so a rule can tell partial knowledge."""
    flat: list[Any] = []
    for value in values:
        if isinstance(value, Unknown | ResourceRef):
            flat.append(value if isinstance(value, Unknown) else Unknown(unknown_reason(value)))
        else:
            flat.append(str(value))
    return tuple(flat)


def as_int(value: Any, what: str) -> int | Unknown:
    if not is_known(value):
        return Unknown(unknown_reason(value) or f"{what} is unknown")
    try:
        return int(str(value).strip())
    except ValueError:
        return Unknown(f"{what} is not a number: {value!r}")


def unique_key(model: Any, key: str) -> str:
    """*key*, or a numbered variant when two declarations share an address (ARM alternatives)."""
    candidate, n = key, 1
    while candidate in model.groups:
        n += 1
        candidate = f"{key}#{n}"
    return candidate


def unknown_rule(value: Any, name: str, group: str, resource: RawResource,
                 path: tuple) -> NetworkRule:
    """A rule whose whole declaration is unknown (e.g. behind an undecidable condition).

    It still takes part in evaluation so that rules report it as unresolved, never as passed.
    """
    unknown = Unknown(unknown_reason(value) or "the rule's declaration is unknown")
    return NetworkRule(
        name=name, direction=unknown, access=unknown, protocols=unknown, ports=unknown,
        sources=unknown, priority=unknown, group=group, resource=resource,
        span=resource.span_of(path),
    )


def rule_entries(value: Any) -> list[Any]:
    """The entries of an inline rule list; an unknown list is one unknown entry."""
    if isinstance(value, list | tuple):
        return list(value)
    if value is None or value == "":
        return []
    return [value if not is_known(value) else Unknown("the rule list is not a list")]
