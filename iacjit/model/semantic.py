"""The small semantic model that rules reason about.

Providers build it from raw resources of any input format; rules never see the format.
Fields that could not be evaluated hold an :class:`~iacjit.model.values.Unknown`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from iacjit.model.raw import InputError, RawResource, Span
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
    declared: bool = True  # False: only standalone rules of a group outside the plan are seen
    # Why the group's rules cannot be seen at all (an NSG a NIC names by an id outside the plan,
    # or by an unknown id): traffic through it is undecided, never open nor closed.
    outside: str | None = None
    scope_id: str | Unknown | None = None  # Azure resource id, lower case, for alert scopes
    account: str | Unknown = ""  # iacjit.providers.accounts: the subscription/account it is in


@dataclass
class AccessPath:
    """One way internet traffic can reach a VM, and the groups it must pass.

    ``layers`` are passed in order and each must allow (Azure: subnet NSG, then NIC NSG); inside
    one layer any group allowing is enough (AWS: the security groups of an instance).  An empty
    ``layers`` list means nothing filters the traffic.  ``ports`` limits the path to the ports it
    forwards (a NAT or DNAT rule), None means every port.
    """

    via: str
    reachable: bool | Unknown
    layers: list[list[str]]
    nic: str = ""
    ports: frozenset[int] | None = None
    filtered_when_no_group: bool = False  # Standard public IPs are closed unless an NSG allows


@dataclass
class VirtualMachine:
    key: str
    name: str
    cloud: str
    os: str | Unknown  # "linux" | "windows"
    resource: RawResource
    paths: list[AccessPath] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)  # AWS access without standing ingress
    alternative_problems: list[str] = field(default_factory=list)  # why one could not be decided

    @property
    def groups(self) -> list[str]:
        """Every group in front of the VM, on any path, in order of first appearance."""
        seen: dict[str, None] = {}
        for path in self.paths:
            for layer in path.layers:
                seen.update(dict.fromkeys(layer))
        return list(seen)


@dataclass
class JitEntry:
    """One ``virtualMachines[]`` entry of a JIT policy."""

    vm: str | None  # key of the VM it resolves to
    ports: dict[int, str]  # port -> protocol ("tcp", "udp", "*")
    span: Span
    unknown: str | None = None  # why the entry could not be resolved


@dataclass
class JitPolicy:
    name: str
    resource: RawResource
    entries: list[JitEntry] = field(default_factory=list)


@dataclass
class ChangeAlert:
    """Something that watches (or denies) NSG/security-group rule writes.

    ``problems`` says why it is not effective (empty when it is); ``scopes`` are lower-case
    resource-id prefixes it covers (Azure) or ``["*"]`` for an account-wide control (AWS).
    """

    name: str
    cloud: str
    kind: str  # "activity-log-alert" | "policy-deny" | "metric-filter-alarm" | "eventbridge-rule"
    resource: RawResource
    scopes: list[str | Unknown] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    account: str | Unknown = ""  # iacjit.providers.accounts: where it is deployed


@dataclass
class Model:
    """Everything one invocation of iacjit knows about the plan."""

    groups: dict[str, SecurityGroup] = field(default_factory=dict)
    vms: dict[str, VirtualMachine] = field(default_factory=dict)
    jit_policies: list[JitPolicy] = field(default_factory=list)
    alerts: list[ChangeAlert] = field(default_factory=list)
    # Internal errors met while building the model, one per resource (iacjit.providers.guard)
    errors: list[InputError] = field(default_factory=list)
    # Facts derived from the finished model (group verdicts, VM exposure, JIT status): several
    # rules, the chains and the JIT table ask for the same ones, so each is computed once.
    derived: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False, compare=False)

    def memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        if key not in self.derived:
            self.derived[key] = compute()
        return self.derived[key]
