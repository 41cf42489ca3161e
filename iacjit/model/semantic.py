"""The small semantic model that rules reason about.

Providers build it from raw resources of any input format; rules never see the format.
Fields that could not be evaluated hold an :class:`~iacjit.model.values.Unknown`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iacjit.model.raw import RawResource, Span
from iacjit.model.values import Unknown


@dataclass
class NetworkRule:
    """One inbound or outbound rule of an NSG or security group, normalised.

    ``protocols`` holds lower-case names (``tcp``, ``udp``, ``icmp``, ``*`` for any);
    ``ports`` is a list of inclusive ``(low, high)`` ranges; ``sources`` the source prefixes
    exactly as written (service tags, CIDRs, ``*``).  ``priority`` is None where the cloud
    has no ordering (AWS security groups only allow).
    """

    name: str
    direction: str | Unknown  # "inbound" | "outbound"
    access: str | Unknown  # "allow" | "deny"
    protocols: frozenset[str] | Unknown
    ports: tuple[tuple[int, int], ...] | Unknown
    sources: tuple[Any, ...] | Unknown
    priority: int | None | Unknown
    group: str  # key of the owning SecurityGroup
    resource: RawResource  # the resource that declares the rule
    span: Span
    problems: list[str] = field(default_factory=list)  # values present but invalid


@dataclass
class SecurityGroup:
    """An Azure NSG or an AWS security group with every rule that belongs to it.

    Inline rules and standalone rule resources end up in the same ``rules`` list: the cloud
    evaluates them as one.
    """

    key: str
    name: str
    cloud: str  # "azure" | "aws"
    resource: RawResource
    rules: list[NetworkRule] = field(default_factory=list)


@dataclass
class Model:
    """Everything one invocation of iacjit knows about the plan."""

    groups: dict[str, SecurityGroup] = field(default_factory=dict)
    orphan_rules: list[NetworkRule] = field(default_factory=list)
