"""zt_net_001 — an inbound rule opens TCP 22/3389 to the internet.

Exact semantics (domain.md §2): internet sources include every /0 and unions covering a whole
address family; only TCP or "any" carries SSH/RDP; inside one Azure NSG the first matching
rule by priority decides, so a Deny ahead of an Allow closes what it covers.
"""

from __future__ import annotations

from collections.abc import Iterator

from iacjit.model.semantic import Model, NetworkRule, SecurityGroup
from iacjit.model.values import Unknown
from iacjit.rules.base import Finding, Rule, RuleOutput, Settings, Unresolved
from iacjit.semantics.addresses import internet_families
from iacjit.semantics.ports import format_ranges, ports_in
from iacjit.semantics.protocols import carries_tcp

RULE_ID = "zt_net_001"
SEVERITY = "high"
TITLE = "Management port open to the internet"

Exposure = set[tuple[int, str]]  # (port, address family)


class _Undecided(Exception):
    """A deciding value of a rule is unknown."""


def _known(value, what: str):
    if isinstance(value, Unknown):
        raise _Undecided(f"{what}: {value.reason}")
    return value


def _exposure(rule: NetworkRule, ports: frozenset[int], access: str) -> Exposure:
    """The (port, family) pairs a rule matches for internet TCP traffic; raises when unknown.

    Cheap disqualifiers are tested first so a known "no" wins over an unknown elsewhere.
    """
    facts = {
        "direction": (rule.direction, lambda d: d == "inbound"),
        "access": (rule.access, lambda a: a == access),
        "protocol": (rule.protocols, carries_tcp),
        "ports": (rule.ports, lambda r: bool(ports_in(r, ports))),
    }
    pending: list[str] = []
    for what, (value, test) in facts.items():
        if isinstance(value, Unknown):
            pending.append(f"{what}: {value.reason}")
        elif not test(value):
            return set()
    sources = rule.sources
    if isinstance(sources, Unknown):
        pending.append(f"source: {sources.reason}")
        families: frozenset[str] = frozenset()
    else:
        families = internet_families(s for s in sources if not isinstance(s, Unknown))
        unknown_sources = [s for s in sources if isinstance(s, Unknown)]
        if not families:
            if not unknown_sources:
                return set()
            pending.append(f"source: {unknown_sources[0].reason}")
    if pending:
        raise _Undecided("; ".join(pending))
    return {(p, f) for p in ports_in(rule.ports, ports) for f in families}


def _shadowed(rule: NetworkRule, group: SecurityGroup, exposure: Exposure,
              ports: frozenset[int]) -> tuple[Exposure, list[str]]:
    """Remove the pairs closed by a Deny that Azure evaluates before *rule*."""
    if rule.priority is None:
        return exposure, []
    priority = _known(rule.priority, "priority")
    remaining = set(exposure)
    by: list[str] = []
    for other in group.rules:
        if other is rule or other.priority is None:
            continue
        other_priority = _known(other.priority, f"priority of rule {other.name!r}")
        if other_priority >= priority:
            continue
        try:
            closed = _exposure(other, ports, "deny")
        except _Undecided as exc:
            raise _Undecided(f"deny rule {other.name!r} may close it ({exc})") from None
        if closed & remaining:
            remaining -= closed
            by.append(other.name)
    return remaining, by


def _describe(rule: NetworkRule, group: SecurityGroup, exposure: Exposure) -> tuple[str, dict]:
    ports = sorted({p for p, _ in exposure})
    families = sorted({f for _, f in exposure})
    protocol = "/".join(sorted(rule.protocols)).upper().replace("*", "any protocol")
    sources = ", ".join(str(s) for s in rule.sources)
    kind = "NSG" if group.cloud == "azure" else "security group"
    where = f"priority {rule.priority}, " if rule.priority is not None else ""
    message = (
        f"{kind} {group.name!r} rule {rule.name!r} ({where}{protocol}) allows port(s) "
        f"{', '.join(map(str, ports))} from {sources} (the internet)"
    )
    evidence = {
        "security_group": group.name,
        "rule": rule.name,
        "ports": ports,
        "port_ranges": format_ranges(rule.ports),
        "protocol": sorted(rule.protocols),
        "sources": [str(s) for s in rule.sources],
        "address_families": families,
        "priority": rule.priority,
    }
    return message, evidence


def _evaluate(rule: NetworkRule, group: SecurityGroup, settings: Settings) -> RuleOutput | None:
    ports = settings.management_ports
    try:
        exposure = _exposure(rule, ports, "allow")
        if not exposure:
            if rule.problems:
                return Unresolved(RULE_ID, rule.resource, rule.span,
                                  f"rule {rule.name!r} has invalid values: "
                                  + "; ".join(rule.problems))
            return None
        exposure, shadowed_by = _shadowed(rule, group, exposure, ports)
    except _Undecided as exc:
        return Unresolved(RULE_ID, rule.resource, rule.span,
                          f"rule {rule.name!r} of {group.name!r}: {exc}",
                          {"security_group": group.name, "rule": rule.name})
    if not exposure:
        return None
    message, evidence = _describe(rule, group, exposure)
    if shadowed_by:
        evidence["partly_closed_by"] = shadowed_by
    return Finding(RULE_ID, SEVERITY, TITLE, message, rule.resource, rule.span, evidence)


def check(model: Model, settings: Settings) -> Iterator[RuleOutput]:
    for group in model.groups.values():
        for rule in group.rules:
            result = _evaluate(rule, group, settings)
            if result is not None:
                yield result


RULE = Rule(
    id=RULE_ID,
    severity=SEVERITY,
    title=TITLE,
    description=(
        "An inbound Allow rule of an Azure NSG or an AWS security group lets the whole "
        "internet reach TCP port 22 (SSH) or 3389 (RDP), and no Deny evaluated before it "
        "closes that traffic."
    ),
    rationale=(
        "A management port that is permanently reachable from the internet is brute-forced "
        "within minutes of deployment and is the initial-access step (ATT&CK T1190) of "
        "CHAIN-016. Just-in-time access or a bastion keeps the port closed until someone "
        "approved needs it."
    ),
    fix=(
        "Remove the rule and use Defender for Cloud just-in-time access, Azure Bastion, "
        "EC2 Instance Connect Endpoint or Session Manager; or restrict the source to a "
        "known administrative range."
    ),
    example=(
        "security_rule {\n"
        '  name                       = "ssh"\n'
        "  priority                   = 100\n"
        '  direction                  = "Inbound"\n'
        '  access                     = "Allow"\n'
        '  protocol                   = "Tcp"\n'
        '  source_port_range          = "*"\n'
        '  destination_port_range     = "22"\n'
        '  source_address_prefix      = "0.0.0.0/0"\n'
        '  destination_address_prefix = "*"\n'
        "}"
    ),
    references=(
        "https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview",
        "https://learn.microsoft.com/azure/defender-for-cloud/just-in-time-access-overview",
        "https://attack.mitre.org/techniques/T1190/",
    ),
    check=check,
)
