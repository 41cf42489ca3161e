"""zt_net_001 — an inbound rule opens TCP 22/3389 to the internet.

Exact semantics (domain.md §2): internet sources include every /0 and unions covering a whole
address family; only TCP or "any" carries SSH/RDP; inside one Azure NSG the first matching
rule by priority decides, so a Deny ahead of an Allow closes what it covers.
"""

from __future__ import annotations

from collections.abc import Iterator

from iacjit.model.ports import format_ranges
from iacjit.model.semantic import Model, NetworkRule, SecurityGroup
from iacjit.rules.base import Finding, Rule, RuleOutput, Settings, Unresolved
from iacjit.semantics.evaluation import Exposure, RuleVerdict, evaluate_allow

RULE_ID = "zt_net_001"
SEVERITY = "high"
TITLE = "Management port open to the internet"

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


def _evaluate(verdict: RuleVerdict, group: SecurityGroup) -> RuleOutput | None:
    rule = verdict.rule
    if verdict.undecided:
        return Unresolved(RULE_ID, rule.resource, rule.span,
                          f"rule {rule.name!r} of {group.name!r}: {verdict.undecided}",
                          {"security_group": group.name, "rule": rule.name})
    if not verdict.exposure:
        return None
    message, evidence = _describe(rule, group, verdict.exposure)
    if verdict.closed_by:
        evidence["partly_closed_by"] = verdict.closed_by
    return Finding(RULE_ID, SEVERITY, TITLE, message, rule.resource, rule.span, evidence,
                   subject=group.key)


def _invalid(rule: NetworkRule) -> Unresolved:
    return Unresolved(RULE_ID, rule.resource, rule.span,
                      f"rule {rule.name!r} has invalid values: " + "; ".join(rule.problems))


def check(model: Model, settings: Settings) -> Iterator[RuleOutput]:
    for group in model.groups.values():
        for rule in group.rules:
            verdict = evaluate_allow(rule, group, settings.management_ports)
            result = _evaluate(verdict, group)
            if result is None and rule.problems:
                result = _invalid(rule)
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
    technique="T1190",
    semantics="""\
- **Internet source**: `*`, `Any`, `Internet` (any case), any CIDR with prefix length 0 whatever
  its address bits (`0.0.0.0/0`, `::/0`, `192.168.1.0/0`), bare `0.0.0.0`, and several prefixes
  of one rule whose union is all of IPv4 or IPv6 (`0.0.0.0/1` + `128.0.0.0/1`). Other service
  tags, private ranges, security-group and prefix-list references are not internet.
- **Ports**: `N`, `A-B`, `*`, lists, numbers or strings; AWS `from_port`..`to_port`, where
  protocol `-1`/`all` means every port whatever the port fields say and `tcp` 0..0 is port 0.
- **Protocol**: TCP, `*`, `Any`, `-1`, `all`, `6`. UDP alone never counts (RDP over UDP needs
  the TCP connection); ICMP, ESP, AH, GRE never count.
- **Azure priority**: the rules of one NSG (inline and standalone rule resources together) run
  by priority, lower first. A Deny with a lower number that covers the same port, TCP and the
  whole internet range of an address family closes it; a Deny covering only part (one port of
  two, IPv4 of `*`) leaves the rest reported, with `partly_closed_by` in the evidence.
- **Location**: the finding sits on the resource that declares the rule (the NSG/security group
  for an inline rule, the rule resource otherwise), at the rule's own lines.
- **Unknown values**: when a deciding value is unknown (a variable without default), the rule is
  reported as unresolved, not passed.""",
    peer_mistakes="""\
checkov misses `0.0.0.0/0`, `::/0` and lists from variables, flags Deny-before-Allow, flags UDP
22 and security-group references, misses protocol `-1` without ports and IPv6 on
`aws_vpc_security_group_ingress_rule`, and drops static ingress blocks next to dynamic ones; its
ARM variant is case-sensitive (`Internet` missed) and skips `languageVersion 2.0` templates. KICS
misses port `*` in Terraform and protocol `*` in ARM; trivy once flagged ICMP as SSH.""",
)
