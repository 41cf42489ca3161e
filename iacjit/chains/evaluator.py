"""One evaluator for every chain definition.

A chain is an attack path, so it fires per VM: a VM is a target when the trigger findings joined
to it (each the way the definition says) meet the chain's logic (ALL, ANY, ANCHOR+1) and the
internet reaches it.  Findings that no single VM links stay findings: a chain without a target is
never reported.  Each target gets the single cheapest change that breaks it, tried in the
definition's order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from iacjit.chains.definitions import ChainDefinition, Trigger, all_chains
from iacjit.chains.graph import attack_graph
from iacjit.model.raw import CallSite
from iacjit.model.semantic import Model, NetworkRule, SecurityGroup, VirtualMachine
from iacjit.model.values import Unknown
from iacjit.providers.accounts import CURRENT, describe, is_current
from iacjit.rules.base import Finding, Settings
from iacjit.rules.jit_status import jit_status
from iacjit.rules.zt_vis_008 import covers
from iacjit.semantics.exposure import PathExposure, vm_exposure


@dataclass(frozen=True)
class Fix:
    kind: str
    description: str
    file: str | None = None
    line: int | None = None
    via: tuple[CallSite, ...] = ()  # the module calls leading to the resource to change
    scope: str = ""  # add-alert: the subscription/account the one alert must be deployed into


@dataclass
class ChainTarget:
    vm: VirtualMachine
    ports: list[int]
    path: list[str]
    findings: list[Finding]
    fix: Fix
    graph: dict[str, Any] = field(default_factory=dict)  # chains/graph.py: for diagrams
    closing: Fix | None = None  # removes the exposure itself, when the cheapest fix does not


@dataclass
class ChainHit:
    definition: ChainDefinition
    triggers: list[Finding]
    targets: list[ChainTarget] = field(default_factory=list)
    suppressed: bool = False
    suppression: dict[str, Any] | None = None  # iacjit.suppressions: reason, source, expiry
    fingerprint: str = ""  # iacjit.suppressions.fingerprint: chain id + target VMs
    change: str = ""  # iacjit.base_ref: "new" or "existing" with --base-ref, else ""

    @property
    def fixes(self) -> list[Fix]:
        """Each distinct change once: the cheapest fixes, then those closing the exposure.

        One subscription-wide alert is one change however many groups it covers, and one per
        subscription or account: an alert in one deployment unit does not watch the groups of
        another (iacjit.providers.accounts).
        """
        chosen: dict[Any, Fix] = {}
        for fix in [t.fix for t in self.targets] + [t.closing for t in self.targets
                                                     if t.closing is not None]:
            key = (fix.kind, fix.description, fix.scope) if fix.kind == "add-alert" else fix
            chosen.setdefault(key, fix)
        return list(chosen.values())


def _fires(definition: ChainDefinition, by_rule: dict[str, list[Finding]],
           rules: Iterable[str]) -> bool:
    present = [r for r in rules if by_rule.get(r)]
    if definition.logic == "ALL":
        return len(present) == len(definition.triggers)
    if definition.logic == "ANY":
        return bool(present)
    return definition.anchor in present and len(present) >= 2  # ANCHOR+1


class _VmContext:
    """What the joins and fixes need to know about one VM."""

    def __init__(self, model: Model, vm: VirtualMachine, settings: Settings):
        self.vm = vm
        self.exposures: list[PathExposure] = [
            e for e in vm_exposure(model, vm, settings.management_ports) if e.pairs]
        self.rules: dict[tuple[int, int], tuple[str, NetworkRule]] = {
            (id(rule.resource), rule.span.line): (key, rule)
            for e in self.exposures for found in e.rules.values() for key, rule in found}
        self.front = {key for e in self.exposures for layer in e.path.layers for key in layer}


def _describe_rule(model: Model, key: str, rule: NetworkRule) -> str:
    group = model.groups[key]
    kind = "NSG" if group.cloud == "azure" else "security group"
    where = f", priority {rule.priority}" if rule.priority is not None else ""
    return f"rule {rule.name!r}{where} of {kind} {group.name!r}"


def _path(model: Model, ctx: _VmContext) -> tuple[list[int], list[str]]:
    exposure = ctx.exposures[0]
    ports = sorted({p for e in ctx.exposures for p in e.ports})
    steps = ["Internet", exposure.path.via]
    opened: dict[tuple[int, int], tuple[str, NetworkRule, list[int]]] = {}
    for port in exposure.ports:  # each rule once, with every port it opens
        for key, rule in exposure.rules.get(port, []):
            opened.setdefault((id(rule.resource), rule.span.line), (key, rule, []))[2].append(port)
    steps += [f"{_describe_rule(model, key, rule)} allows TCP "
              f"{', '.join(map(str, sorted(set(ports))))}" for key, rule, ports in opened.values()]
    if exposure.path.nic:
        steps.append(f"NIC {exposure.path.nic}")
    steps.append(f"VM {ctx.vm.name}")
    return ports, steps


def _sole_opener(model: Model, ctx: _VmContext) -> tuple[str, NetworkRule] | None:
    """A rule that alone opens some NSG layer on every exposed path, if there is one."""
    candidates: set[tuple[int, int]] | None = None
    for exposure in ctx.exposures:
        sole: set[tuple[int, int]] = set()
        for layer in exposure.path.layers:
            openers = {(id(r.resource), r.span.line) for found in exposure.rules.values()
                       for key, r in found if key in layer}
            if len(openers) == 1:
                sole |= openers
        candidates = sole if candidates is None else candidates & sole
    if not candidates:
        return None
    return ctx.rules[sorted(candidates)[0]]


def _fix(kind: str, model: Model, ctx: _VmContext, settings: Settings) -> Fix | None:
    vm = ctx.vm
    if kind == "close-rule":
        found = _sole_opener(model, ctx)
        if found is None:
            return None
        key, rule = found
        return Fix(kind, f"Remove or restrict {_describe_rule(model, key, rule)}: it alone opens "
                         f"the path to {vm.name!r}", rule.resource.file, rule.span.line,
                   rule.resource.via)
    if kind == "fix-alert":  # an alert that would cover this VM's groups once mended
        for alert in model.alerts:
            if alert.cloud == vm.cloud and alert.problems and any(
                    covers(alert, model.groups[key]) is not False for key in sorted(ctx.front)):
                return Fix(kind, f"Fix {alert.kind} {alert.name!r}: {'; '.join(alert.problems)}",
                           alert.resource.file, alert.resource.span.line, alert.resource.via)
        return None
    if kind == "extend-jit":
        if vm.cloud != "azure" or jit_status(vm, model, settings).bypassing:
            return None
        for policy in model.jit_policies:
            ports = ", ".join(str(p) for p in sorted({p for e in ctx.exposures for p in e.ports}))
            return Fix(kind, f"Add VM {vm.name!r} with port(s) {ports} to JIT policy "
                             f"{policy.name!r}", policy.resource.file, policy.resource.span.line,
                       policy.resource.via)
        return None
    if kind == "add-alert":
        group = model.groups[next(iter(sorted(ctx.front)))]
        text = ("Add an activity-log alert on Microsoft.Network/networkSecurityGroups/"
                "securityRules/write scoped to the subscription, with an action group"
                if vm.cloud == "azure" else
                "Add an EventBridge rule on AuthorizeSecurityGroupIngress/"
                "ModifySecurityGroupRules with a target (or the CIS 4.10 metric filter and alarm)")
        return Fix(kind, f"{text}; one alert covers every group in {_account(model, group)}",
                   group.resource.file, group.resource.span.line, group.resource.via,
                   scope=str(group.account))
    # close-rules: every rule opening the path
    rules = list(ctx.rules.values())
    names = "; ".join(_describe_rule(model, k, r) for k, r in rules)
    first = rules[0][1]
    return Fix(kind, f"Remove or restrict {names}", first.resource.file, first.span.line,
               first.resource.via)


_CLOSING = ("close-rule", "close-rules")  # the fixes that remove the exposure itself


def _account(model: Model, group: SecurityGroup) -> str:
    """Where the one alert goes: "the subscription", or — when the plan's groups live in
    several subscriptions or accounts, so that several alerts are needed — which one."""
    accounts = model.memo(("fix-accounts",), lambda: {str(g.account)
                                                       for g in model.groups.values()})
    kind = "subscription" if group.cloud == "azure" else "account"
    if len(accounts) <= 1:
        return f"the {kind}"
    if is_current(group.account):  # the unit's own: name the unit, as zt_vis_008 does
        unit = str(group.account)[len(CURRENT):-1].replace("|", "/")
        return f"the {kind} of deployment unit {unit}"
    return describe(group.account) if isinstance(group.account, Unknown) else \
        f"{kind} {group.account}"


class _FindingIndex:
    """Findings by rule and join key, in their original order: each VM looks up its own
    instead of scanning every finding (linear, not VMs x findings, on large plans)."""

    def __init__(self, findings: list[Finding]):
        self.by_subject: dict[tuple[str, str], list[tuple[int, Finding]]] = {}
        self.by_place: dict[tuple[str, int, int], list[tuple[int, Finding]]] = {}
        for position, f in enumerate(findings):
            self.by_subject.setdefault((f.rule_id, f.subject), []).append((position, f))
            self.by_place.setdefault((f.rule_id, id(f.resource), f.span.line), []).append(
                (position, f))

    def joined(self, trigger: Trigger, ctx: _VmContext) -> list[Finding]:
        """The trigger's findings that concern this VM: about the VM itself ("vm"), about a group
        on its exposed path ("group-in-front"), or on a rule opening that path ("exposed-rule").
        """
        if trigger.join == "vm":
            found = self.by_subject.get((trigger.rule, ctx.vm.key), [])
        elif trigger.join == "group-in-front":
            found = sorted(p for key in ctx.front
                           for p in self.by_subject.get((trigger.rule, key), []))
        else:
            found = sorted(p for place in ctx.rules
                           for p in self.by_place.get((trigger.rule, *place), []))
        return [f for _, f in found]


def _targets(definition: ChainDefinition, model: Model, findings: list[Finding],
             settings: Settings) -> list[ChainTarget]:
    targets = []
    index = _FindingIndex(findings)
    for vm in model.vms.values():
        ctx = _VmContext(model, vm, settings)
        if not ctx.exposures:
            continue
        joined: dict[str, list[Finding]] = {}
        for trigger in definition.triggers:
            joined[trigger.rule] = index.joined(trigger, ctx)
        if not _fires(definition, joined, joined):
            continue
        fix = next(f for kind in definition.fixes
                   if (f := _fix(kind, model, ctx, settings)) is not None)
        ports, path = _path(model, ctx)
        joined_findings = [f for found in joined.values() for f in found]
        graph = attack_graph(model, vm, ctx.exposures, joined_findings, fix.kind, fix.file,
                             fix.line)
        closing = None if fix.kind in _CLOSING else (
            _fix("close-rule", model, ctx, settings) or _fix("close-rules", model, ctx, settings))
        targets.append(ChainTarget(vm, ports, path, joined_findings, fix, graph, closing))
    return targets


def evaluate_chains(model: Model, findings: list[Finding], settings: Settings,
                    enabled_rules: Iterable[str]) -> list[ChainHit]:
    """Chains whose trigger rules all ran and that have at least one target VM.

    The hit's triggers are the findings joined to its targets, not every finding of the trigger
    rules: a finding elsewhere in the plan is no step of this attack path.
    """
    enabled = set(enabled_rules)
    active = [f for f in findings if not f.suppressed and f.severity != "info"]
    hits = []
    for definition in all_chains():
        rules = [t.rule for t in definition.triggers]
        if not set(rules) <= enabled:
            continue  # a chain cannot be judged when one of its rules was not run
        by_rule = {r: [f for f in active if f.rule_id == r] for r in rules}
        if not _fires(definition, by_rule, rules):
            continue  # cheap early exit: no VM can combine what the plan lacks
        targets = _targets(definition, model, active, settings)
        if not targets:
            continue
        joined = {id(f) for t in targets for f in t.findings}
        hits.append(ChainHit(definition,
                             [f for r in rules for f in by_rule[r] if id(f) in joined],
                             targets))
    return hits
