"""Defender for Cloud's JIT categorisation of each VM, computed before deployment.

Shared by rule ``zt_vis_010`` and the ``iacjit jit-status`` table: healthy (a JIT policy covers
its management ports and no standing rule bypasses it), unhealthy (it sits behind an NSG and
could use JIT but is not protected), not applicable (no NSG or firewall in front).  AWS has no
JIT resource: an instance is healthy when nothing admits its management ports, or when it has an
access path without standing ingress (Instance Connect Endpoint, Session Manager) and no group
admits the internet on a management port: standing internet ingress bypasses that path exactly
as a standing Allow bypasses Azure JIT.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iacjit.model.ports import ports_in
from iacjit.model.protocols import carries_tcp
from iacjit.model.semantic import JitPolicy, Model, NetworkRule, VirtualMachine
from iacjit.model.values import Unknown
from iacjit.rules.base import Settings
from iacjit.semantics.addresses import internet_families
from iacjit.semantics.evaluation import Undecided
from iacjit.semantics.exposure import vm_exposure

HEALTHY, UNHEALTHY, NOT_APPLICABLE, UNRESOLVED = (
    "healthy", "unhealthy", "not applicable", "unresolved")
OS_PORTS = {"linux": 22, "windows": 3389}


@dataclass
class JitStatus:
    vm: VirtualMachine
    category: str
    reason: str
    groups: list[str] = field(default_factory=list)  # names of the NSGs/SGs in front
    exposed_ports: list[int] = field(default_factory=list)  # open to the internet, standing
    jit_ports: list[int] = field(default_factory=list)
    policies: list[JitPolicy] = field(default_factory=list)
    bypassing: list[tuple[str, NetworkRule]] = field(default_factory=list)


def _relevant_ports(vm: VirtualMachine, settings: Settings) -> frozenset[int]:
    if isinstance(vm.os, Unknown) or vm.os not in OS_PORTS:
        return settings.management_ports & frozenset(OS_PORTS.values()) or \
            settings.management_ports
    return frozenset({OS_PORTS[vm.os]})


def _coverage(vm: VirtualMachine, model: Model) -> tuple[list[JitPolicy], dict[int, str], list]:
    policies, ports, unknown = [], {}, []
    for policy in model.jit_policies:
        for entry in policy.entries:
            if entry.vm == vm.key:
                if policy not in policies:
                    policies.append(policy)
                ports.update(entry.ports)
            elif entry.unknown:
                unknown.append(f"JIT policy {policy.name!r} names a VM whose id is unknown "
                               f"({entry.unknown})")
    tcp_ports = {p: proto for p, proto in ports.items() if carries_tcp(frozenset({proto}))}
    return policies, tcp_ports, unknown


def _azure(vm: VirtualMachine, model: Model, settings: Settings) -> JitStatus:
    group_names = [model.groups[k].name for k in vm.groups if k in model.groups]
    exposures = vm_exposure(model, vm, settings.management_ports, require_reachable=False)
    undecided = [u for e in exposures for u in e.undecided]
    exposed = sorted({p for e in exposures for p in e.ports})
    policies, covered, unknown_entries = _coverage(vm, model)
    status = JitStatus(vm, HEALTHY, "", group_names, exposed, sorted(covered), policies)
    if not group_names:
        unseen = [p.reachable for p in vm.paths if isinstance(p.reachable, Unknown)
                  and not p.layers]
        if unseen:  # a NIC outside the plan or unknown: what sits in front of it is unknown
            status.category = UNRESOLVED
            status.reason = f"whether an NSG sits in front of it is unknown: {unseen[0].reason}"
            return status
        status.category = NOT_APPLICABLE
        status.reason = "no NSG or firewall sits in front of it, so JIT cannot manage access"
        return status
    if not policies:
        status.category = UNRESOLVED if unknown_entries else UNHEALTHY
        status.reason = unknown_entries[0] if unknown_entries else (
            "no JIT policy covers it (it sits behind NSG " + ", ".join(
                repr(n) for n in group_names) + ")")
        return status
    relevant = (_relevant_ports(vm, settings) | set(exposed)) & settings.management_ports
    missing = sorted(p for p in relevant if p not in covered)
    names = ", ".join(repr(p.name) for p in policies)
    if missing:
        status.category = UNHEALTHY
        status.reason = (f"JIT policy {names} covers it but not port(s) "
                         f"{', '.join(map(str, missing))}")
        return status
    bypass = [(key, rule) for e in exposures for port, found in e.rules.items()
              if port in covered for key, rule in found]
    if bypass:
        key, rule = bypass[0]
        status.category = UNHEALTHY
        status.bypassing = bypass
        status.reason = (
            f"standing rule {rule.name!r} of NSG {model.groups[key].name!r} allows port(s) "
            f"{', '.join(map(str, sorted(set(exposed) & set(covered))))} from the internet; "
            "existing rules keep priority over JIT's deny rules, so JIT is bypassed")
        return status
    if undecided:
        status.category = UNRESOLVED
        status.reason = undecided[0]
        return status
    status.reason = f"JIT policy {names} covers port(s) {', '.join(map(str, sorted(covered)))}"
    return status


def _admitting_rules(vm: VirtualMachine, model: Model,
                     ports: frozenset[int]) -> tuple[list[tuple[str, NetworkRule, list[int]]],
                                                     list[str]]:
    """Rules of the instance's groups that admit a management port from any source."""
    found, undecided = [], []
    for key in vm.groups:
        group = model.groups.get(key)
        for rule in group.rules if group else []:
            try:
                values = [rule.direction, rule.access, rule.protocols, rule.ports, rule.sources]
                for value in values:
                    if isinstance(value, Unknown):
                        raise Undecided(value.reason)
                if rule.direction != "inbound" or rule.access != "allow":
                    continue
                if not carries_tcp(rule.protocols) or not rule.sources:
                    continue
                hit = ports_in(rule.ports, ports)
                if hit:
                    found.append((key, rule, hit))
            except Undecided as exc:
                undecided.append(f"rule {rule.name!r} of {group.name!r}: {exc}")
    return found, undecided


def _aws(vm: VirtualMachine, model: Model, settings: Settings) -> JitStatus:
    group_names = [model.groups[k].name for k in vm.groups if k in model.groups]
    admitting, undecided = _admitting_rules(vm, model, settings.management_ports)
    ports = sorted({p for _, _, hit in admitting for p in hit})
    status = JitStatus(vm, HEALTHY, "", group_names, ports)
    if not admitting:
        if undecided:
            status.category, status.reason = UNRESOLVED, undecided[0]
        else:
            status.reason = "no security group admits a management port (no standing ingress)"
        return status
    internet = [(k, r, hit) for k, r, hit in admitting if internet_families(r.sources)]
    if internet and vm.alternatives:
        key, rule, hit = internet[0]
        status.category = UNHEALTHY
        status.bypassing = [(k, r) for k, r, _ in internet]
        status.reason = (
            f"security group {model.groups[key].name!r} rule {rule.name!r} admits port(s) "
            f"{', '.join(map(str, hit))} from the internet as standing ingress, which bypasses "
            f"{' and '.join(vm.alternatives)}: remove the rule and connect through that path")
        return status
    if vm.alternatives:
        status.reason = (f"administrators can use {' or '.join(vm.alternatives)} instead of the "
                         "standing ingress, which does not admit the internet")
        return status
    if vm.alternative_problems and not internet:  # internet ingress: unprotected either way
        status.category, status.reason = UNRESOLVED, vm.alternative_problems[0]
        return status
    key, rule, hit = admitting[0]
    status.category = UNHEALTHY
    status.bypassing = [(k, r) for k, r, _ in admitting]
    status.reason = (
        f"security group {model.groups[key].name!r} rule {rule.name!r} admits port(s) "
        f"{', '.join(map(str, hit))} as standing ingress and no access path avoids it: use an "
        "EC2 Instance Connect Endpoint in its VPC or Session Manager (an instance profile with "
        "AmazonSSMManagedInstanceCore), then remove the rule")
    return status


def jit_status(vm: VirtualMachine, model: Model, settings: Settings) -> JitStatus:
    judge = _azure if vm.cloud == "azure" else _aws
    return model.memo(("jit-status", vm.key, settings), lambda: judge(vm, model, settings))
