"""How one NSG/security group treats internet TCP traffic to the management ports.

Shared by ``zt_net_001`` (one rule at a time) and by the per-VM exposure analysis (all the
groups on a path), so both apply the same first-match, Deny-shadowing semantics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iacjit.model.ports import ports_in
from iacjit.model.protocols import carries_tcp
from iacjit.model.semantic import NetworkRule, SecurityGroup
from iacjit.model.values import Unknown
from iacjit.semantics.addresses import internet_families

Exposure = frozenset[tuple[int, str]]  # (port, address family)


class Undecided(Exception):
    """A deciding value of a rule is unknown."""


def _known(value, what: str):
    if isinstance(value, Unknown):
        raise Undecided(f"{what}: {value.reason}")
    return value


def matched_traffic(rule: NetworkRule, ports: frozenset[int], access: str) -> Exposure:
    """The (port, family) pairs of internet TCP traffic that *rule* matches with *access*.

    Cheap disqualifiers are tested first so a known "no" wins over an unknown elsewhere;
    raises Undecided when an unknown value decides.
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
            return frozenset()
    sources = rule.sources
    if isinstance(sources, Unknown):
        pending.append(f"source: {sources.reason}")
        families: frozenset[str] = frozenset()
    else:
        families = internet_families(s for s in sources if not isinstance(s, Unknown))
        unknown_sources = [s for s in sources if isinstance(s, Unknown)]
        if not families:
            if not unknown_sources:
                return frozenset()
            pending.append(f"source: {unknown_sources[0].reason}")
    if pending:
        raise Undecided("; ".join(pending))
    return frozenset((p, f) for p in ports_in(rule.ports, ports) for f in families)


@dataclass
class RuleVerdict:
    """What one Allow rule really opens once the Denies evaluated before it are applied."""

    rule: NetworkRule
    exposure: Exposure = frozenset()
    closed_by: list[str] = field(default_factory=list)
    undecided: str | None = None


def evaluate_allow(rule: NetworkRule, group: SecurityGroup, ports: frozenset[int]) -> RuleVerdict:
    """Apply first-match semantics to one Allow rule of *group*."""
    verdict = RuleVerdict(rule)
    try:
        opened = matched_traffic(rule, ports, "allow")
        remaining = set(opened)
        for other in group.rules:
            if not remaining:
                break
            if other is rule or other.priority is None or rule.priority is None:
                continue
            try:
                closed: frozenset | None = matched_traffic(other, ports, "deny")
            except Undecided as exc:
                closed, why = None, str(exc)
            if closed is not None and not closed & remaining:
                continue  # cannot close anything: its priority does not matter
            # Only a rule that could close this traffic needs both priorities known.
            if _known(other.priority, f"priority of rule {other.name!r}") >= _known(
                    rule.priority, "priority"):
                continue
            if closed is None:
                raise Undecided(f"deny rule {other.name!r} may close it ({why})")
            remaining -= closed
            verdict.closed_by.append(other.name)
        verdict.exposure = frozenset(remaining)
    except Undecided as exc:
        verdict.undecided = str(exc)
    return verdict


def group_verdicts(group: SecurityGroup, ports: frozenset[int]) -> list[RuleVerdict]:
    """Verdicts of every rule of *group* that opens something or cannot be decided."""
    verdicts = [evaluate_allow(rule, group, ports) for rule in group.rules]
    return [v for v in verdicts if v.exposure or v.undecided]
