"""What watches or denies NSG rule writes in Azure: activity-log alerts and Deny policies.

An alert is effective only when it is enabled, in the Administrative category, on the operation
``Microsoft.Network/networkSecurityGroups/securityRules/write`` (the only one a rule added with
``az network nsg rule create`` logs), not narrowed by level/status/caller filters, and has an
action group.  Each way it falls short is recorded so the finding can say why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from iacjit.model.raw import RawResource
from iacjit.model.semantic import ChangeAlert, Model
from iacjit.model.values import (
    DEPLOYMENT_RESOURCE_GROUP,
    DEPLOYMENT_SUBSCRIPTION,
    ResourceRef,
    Unknown,
    is_known,
    unknown_reason,
)
from iacjit.providers.accounts import describe, is_current, same_account
from iacjit.providers.guard import guarded
from iacjit.providers.index import ResourceIndex, azure_resource_id, parse_arm_id
from iacjit.providers.shape import dig, items, obj

RULE_WRITE = "microsoft.network/networksecuritygroups/securityrules/write"
NSG_WRITE = "microsoft.network/networksecuritygroups/write"
NARROWING = {"level", "levels", "status", "statuses", "sub_status", "sub_statuses", "caller",
             "substatus", "properties.status", "properties.substatus"}
ASSIGNMENT_TYPES = {
    "azurerm_subscription_policy_assignment", "azurerm_resource_group_policy_assignment",
    "azurerm_management_group_policy_assignment", "azurerm_resource_policy_assignment",
    "azurerm_policy_assignment", "microsoft.authorization/policyassignments",
}
ALZ_DENY_MGMT = "deny-mgmtports-from-internet"


def _text(value: Any) -> str | None:
    return str(value).strip().lower() if value is not None and is_known(value) else None


def _scope(value: Any, origin: RawResource, index: ResourceIndex) -> str | Unknown:
    """A scope as a lower-case resource-id prefix."""
    target = index.resolve(value, origin) if isinstance(value, ResourceRef) else None
    if target is not None:
        if target.type == "azurerm_resource_group":
            name = target.attributes.get("name")
            if is_known(name) and name:
                return f"/subscriptions/{DEPLOYMENT_SUBSCRIPTION}/resourcegroups/{name}".lower()
        resource_id = azure_resource_id(target)
        if resource_id is not None:
            return resource_id
    if isinstance(value, str) and is_known(value):
        return value.strip().rstrip("/").lower()
    return Unknown(unknown_reason(value) or f"scope {value} is unknown")


class _Conditions:
    """Field/value pairs of an alert's criteria, normalised across azurerm and ARM."""

    def __init__(self) -> None:
        self.category: list[Any] = []
        self.operations: list[Any] = []
        self.narrowing: list[str] = []
        self.scope_filters: list[Any] = []
        self.undecided: list[str] = []

    def add(self, field: Any, value: Any) -> None:
        if not isinstance(field, str):
            self.undecided.append(unknown_reason(field) or f"a condition field is {field!r}")
            return
        name = field.strip().lower()
        values = value if isinstance(value, list) else [value]
        if name in {"category", "operation_name", "operationname"} and not is_known(values):
            self.undecided.append(unknown_reason(values) or f"its {name} is unknown")
        if name == "category":
            self.category += values
        elif name in {"operation_name", "operationname"}:
            self.operations += values
        elif name in NARROWING:
            if values and values != [None]:
                self.narrowing.append(name)
        elif name in {"resource_id", "resourceid"}:
            self.scope_filters += values
        elif name in {"resource_group", "resourcegroup"}:
            # a resource-group *name*, not an id: make it the id prefix that scopes compare
            self.scope_filters += [
                f"/subscriptions/{DEPLOYMENT_SUBSCRIPTION}/resourcegroups/{v}"
                if isinstance(v, str) and is_known(v) and not v.startswith("/") else v
                for v in values]

    def add_arm(self, condition: Any) -> None:
        """``allOf`` of ``{field, equals}``, ``{field, containsAny}`` or ``{anyOf: [...]}``."""
        for item in items(dig(condition, "allOf"), "condition.allOf"):
            if not isinstance(item, dict):
                self.undecided.append(unknown_reason(item) or "a condition is not an object")
            elif "anyOf" in item:
                fields: dict[str, list[Any]] = {}
                for option in items(item.get("anyOf"), "anyOf"):
                    if isinstance(option, dict) and isinstance(option.get("field"), str):
                        fields.setdefault(option["field"], []).append(option.get("equals"))
                    else:
                        self.undecided.append(unknown_reason(option)
                                              or "an anyOf condition has no field")
                for field, values in fields.items():
                    self.add(field, values)
            elif "field" in item:
                self.add(item["field"], item.get("equals", item.get("containsAny")))


@dataclass
class _Declared:
    """What an alert declaration says, read alike from azurerm and ARM."""

    enabled: Any
    scopes: Any
    conditions: _Conditions
    actions: list[Any]


def _azurerm_declared(attrs: dict[str, Any]) -> _Declared:
    conditions = _Conditions()
    for criteria in items(attrs.get("criteria"), "criteria"):
        if isinstance(criteria, dict):
            for field, value in criteria.items():
                conditions.add(field, value)
        else:
            conditions.undecided.append(unknown_reason(criteria) or "criteria is unknown")
    actions = [obj(a, "action").get("action_group_id")
               for a in items(attrs.get("action"), "action")]
    return _Declared(attrs.get("enabled", True), attrs.get("scopes") or [], conditions, actions)


def _arm_declared(attrs: dict[str, Any]) -> _Declared:
    props = obj(attrs.get("properties"), "the alert's properties")
    conditions = _Conditions()
    conditions.add_arm(obj(props.get("condition"), "the alert's condition"))
    actions = [obj(g, "an action group").get("actionGroupId") for g in items(
        dig(props, "actions", "actionGroups"), "actions.actionGroups")]
    return _Declared(props.get("enabled", True), props.get("scopes") or [], conditions, actions)


def _declared(resource: RawResource) -> _Declared | None:
    """The alert's declaration, or None when *resource* is no activity-log alert."""
    if resource.type == "azurerm_monitor_activity_log_alert":
        return _azurerm_declared(resource.attributes)
    if resource.type.lower() == "microsoft.insights/activitylogalerts":
        return _arm_declared(resource.attributes)
    return None


def _alert(resource: RawResource, index: ResourceIndex) -> ChangeAlert | None:
    declared = _declared(resource)
    if declared is None:
        return None
    name = resource.attributes.get("name")
    alert = ChangeAlert(name=str(name) if is_known(name) and name else resource.address,
                        cloud="azure", kind="activity-log-alert", resource=resource)
    alert.scopes = _alert_scopes(declared, resource, index)
    if not alert.scopes:
        alert.problems.append("it has no scope")
    _judge_enabled(alert, declared.enabled)
    _judge_conditions(alert, declared.conditions)
    if not [a for a in declared.actions if a]:
        alert.problems.append("it has no action group, so nobody is notified")
    return alert


def _alert_scopes(declared: _Declared, resource: RawResource,
                  index: ResourceIndex) -> list[str | Unknown]:
    """The declared scopes, or the resource filters of its condition when it has some."""
    scopes = declared.scopes
    scope_list = scopes if isinstance(scopes, list) else [scopes]
    if declared.conditions.scope_filters:
        scope_list = declared.conditions.scope_filters
    return [_scope(s, resource, index) for s in scope_list]


def _judge_enabled(alert: ChangeAlert, enabled: Any) -> None:
    """A disabled alert is a problem; one not known to be enabled covers nothing known."""
    if not is_known(enabled):
        alert.scopes = [Unknown(f"whether the alert is enabled is unknown: "
                                f"{unknown_reason(enabled)}")]
    elif enabled is False or str(enabled).lower() == "false":
        alert.problems.append("it is disabled")


def _judge_conditions(alert: ChangeAlert, conditions: _Conditions) -> None:
    """What the alert watches: unknown (then so is its coverage), or why it misses writes."""
    if conditions.undecided:
        # What it watches is unknown: neither effective nor ineffective can be told.
        alert.scopes = [Unknown(f"the alert's condition is unknown: {conditions.undecided[0]}")]
    else:
        _condition_problems(alert, conditions)
    if conditions.narrowing:
        alert.problems.append(
            f"it is narrowed by a {', '.join(sorted(set(conditions.narrowing)))} filter")


def _condition_problems(alert: ChangeAlert, conditions: _Conditions) -> None:
    """Why the category and operation make the alert miss NSG rule writes, if they do."""
    categories = [_text(c) for c in conditions.category]
    if "administrative" not in categories:
        shown = ", ".join(str(c) for c in conditions.category) or "none"
        alert.problems.append(f"its category is {shown}, not Administrative")
    operations = [_text(o) for o in conditions.operations]
    if RULE_WRITE not in operations:
        if NSG_WRITE in operations:
            alert.problems.append(
                "it watches networkSecurityGroups/write, which a rule added on its own "
                "(az network nsg rule create) does not log; watch "
                "networkSecurityGroups/securityRules/write")
        else:
            shown = ", ".join(str(o) for o in conditions.operations) or "no operation"
            alert.problems.append(
                f"it watches {shown}, not Microsoft.Network/networkSecurityGroups/"
                "securityRules/write")


def _policy_rule(definition: RawResource | None) -> Any:
    if definition is None:
        return None
    attrs = definition.attributes
    rule = attrs.get("policy_rule")
    if rule is None and isinstance(attrs.get("properties"), dict):
        rule = attrs["properties"].get("policyRule")
    if isinstance(rule, str):
        try:
            return json.loads(rule)
        except ValueError:
            return None
    return rule


def _denies_rule_writes(definition: RawResource | None, definition_id: Any,
                        assignment_parameters: Any) -> bool | None:
    """True/False when known; None when the definition is outside the plan and not known."""
    if isinstance(definition_id, str) and definition_id.lower().rstrip("/").endswith(
            ALZ_DENY_MGMT):
        return True
    rule = _policy_rule(definition)
    if rule is None:
        return None
    text = json.dumps(rule, default=str).lower()
    if "networksecuritygroups/securityrules" not in text:
        return False
    effect = dig(rule, "then", "effect")
    if isinstance(effect, str) and "parameters(" in effect.lower():
        effect = _effect_parameter(definition, effect, assignment_parameters)
    return isinstance(effect, str) and effect.strip().lower() == "deny"


def _effect_parameter(definition: RawResource, expression: str, assigned: Any) -> Any:
    name = expression.split("parameters(", 1)[1].split(")", 1)[0].strip(" '\"")
    if isinstance(assigned, str):
        try:
            assigned = json.loads(assigned)
        except ValueError:
            assigned = None
    if isinstance(assigned, dict) and name in assigned:
        value = assigned[name]
        return value.get("value") if isinstance(value, dict) else value
    declared = definition.attributes.get("parameters")
    if declared is None and isinstance(definition.attributes.get("properties"), dict):
        declared = definition.attributes["properties"].get("parameters")
    if isinstance(declared, str):
        try:
            declared = json.loads(declared)
        except ValueError:
            declared = None
    if isinstance(declared, dict) and isinstance(declared.get(name), dict):
        return declared[name].get("defaultValue")
    return None


def _assignment(resource: RawResource, index: ResourceIndex) -> ChangeAlert | None:
    rtype = resource.type.lower()
    if rtype not in ASSIGNMENT_TYPES:
        return None
    attrs = resource.attributes
    props = attrs.get("properties") if isinstance(attrs.get("properties"), dict) else attrs
    definition_id = props.get("policy_definition_id", props.get("policyDefinitionId"))
    definition = index.resolve(definition_id, resource)
    denies = _denies_rule_writes(definition, definition_id,
                                 props.get("parameters"))
    if not denies:
        return None
    name = attrs.get("name")
    alert = ChangeAlert(name=str(name) if is_known(name) and name else resource.address,
                        cloud="azure", kind="policy-deny", resource=resource)
    enforce = props.get("enforce", True)
    mode = props.get("enforcementMode", props.get("enforcement_mode"))
    if enforce is False or _text(mode) == "donotenforce":
        alert.problems.append("its enforcement mode is DoNotEnforce")
    scope = (props.get("subscription_id") or props.get("resource_group_id")
             or props.get("resource_id") or props.get("scope"))
    if props.get("management_group_id") is not None:
        alert.scopes = ["/"]
    elif scope is not None:
        alert.scopes = [_scope(scope, resource, index)]
    else:
        alert.scopes = [f"/subscriptions/{DEPLOYMENT_SUBSCRIPTION}"]
    return alert


def add_alerts(model: Model, resources: list[RawResource], index: ResourceIndex) -> None:
    for resource in resources:
        with guarded(model.errors, resource, "reading the alert or policy"):
            found = _alert(resource, index) or _assignment(resource, index)
            if found is not None:
                model.alerts.append(found)


def scope_covers(scope: str | Unknown, target: str | Unknown | None) -> bool | Unknown:
    """Does an alert *scope* (id prefix) cover the resource id *target*?"""
    if isinstance(scope, Unknown):
        return scope
    if target is None:
        return Unknown("the NSG's resource id is unknown")
    if isinstance(target, Unknown):
        return target
    if scope == "/":
        return True
    scope_parts = [p for p in scope.split("/") if p]
    target_parts = [p for p in target.split("/") if p]
    if len(scope_parts) > len(target_parts):
        return False
    undecided: Unknown | None = None
    for position, (ours, theirs) in enumerate(zip(scope_parts, target_parts, strict=False)):
        if ours == theirs:
            continue
        if position == 1 and scope_parts[0] == target_parts[0] == "subscriptions":
            same = same_account(ours, theirs)  # two units, or a unit and a literal id
            if same is False:
                return False
            undecided = undecided or (same if isinstance(same, Unknown) else None)
            continue
        if DEPLOYMENT_RESOURCE_GROUP in (ours, theirs):
            # the marker may or may not be this group: keep looking for a clash
            undecided = undecided or Unknown(
                f"whether {describe_scope(scope)} covers {describe_scope(target)} depends on "
                "where the template is deployed (its resource group)")
            continue
        return False
    return undecided or True


def describe_scope(scope: str | Unknown) -> str:
    """A scope or id for messages: a unit's current subscription is said in words."""
    if isinstance(scope, Unknown):
        return str(scope)
    parts = scope.split("/")
    if len(parts) > 2 and parts[1] == "subscriptions" and is_current(parts[2]):
        unit = describe(parts[2]).replace("account", "subscription")
        return unit if len(parts) == 3 else f"{'/'.join(parts[3:])} in {unit}"
    if parse_arm_id(scope) is None and DEPLOYMENT_SUBSCRIPTION in scope:
        return "the deploying subscription"
    return scope
