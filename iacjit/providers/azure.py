"""Azure: network security groups and their rules, from azurerm and ARM/Bicep resources.

Inline rules (``security_rule`` blocks, ``properties.securityRules``) and standalone rule
resources (``azurerm_network_security_rule``, ``…/networkSecurityGroups/securityRules``) join
one rule list per NSG, because Azure evaluates them as one list in priority order.
"""

from __future__ import annotations

from typing import Any

from iacjit.model.raw import RawResource
from iacjit.model.semantic import Model, NetworkRule, SecurityGroup
from iacjit.model.values import is_known
from iacjit.providers import fields
from iacjit.providers.fields import unique_key as _unique
from iacjit.providers.guard import guarded
from iacjit.providers.index import azure_resource_id
from iacjit.providers.shape import Opaque, obj

TF_NSG = "azurerm_network_security_group"
TF_RULE = "azurerm_network_security_rule"
ARM_NSG = "microsoft.network/networksecuritygroups"
ARM_RULE = "microsoft.network/networksecuritygroups/securityrules"


def _arm_type(resource: RawResource) -> str:
    return resource.type.lower()


def _group_key(resource: RawResource) -> str:
    return f"azure:{resource.root}:{resource.address}"


def _name(value: Any, fallback: str) -> str:
    return str(value) if value is not None and is_known(value) else fallback


def _rule(
    props: dict[str, Any], name: str, group: str, resource: RawResource, path: tuple
) -> NetworkRule:
    """Build a rule from azurerm snake_case or ARM camelCase properties."""
    def get(snake: str, camel: str) -> Any:
        return fields.first_present(props, snake, camel)

    problems: list[str] = []
    ports = fields.port_ranges(
        fields.values_of(
            props,
            "destination_port_range",
            "destination_port_ranges",
            "destinationPortRange",
            "destinationPortRanges",
        ),
        problems,
    )
    if ports == ():
        problems.append("no destination port")
    sources = fields.sources(
        fields.values_of(
            props,
            "source_address_prefix",
            "source_address_prefixes",
            "sourceAddressPrefix",
            "sourceAddressPrefixes",
        )
    )
    priority = get("priority", "priority")
    return NetworkRule(
        name=name,
        direction=fields.lower_word(get("direction", "direction"), "direction"),
        access=fields.lower_word(get("access", "access"), "access"),
        protocols=fields.protocols(get("protocol", "protocol")),
        ports=ports,
        sources=sources,
        priority=fields.as_int(priority, "priority") if priority is not None else None,
        group=group,
        resource=resource,
        span=resource.span_of(path),
        problems=problems,
    )


def add_groups(model: Model, resources: list[RawResource]) -> None:
    for resource in resources:
        with guarded(model.errors, resource, "reading its security rules"):
            _add_group(model, resource)


def _add_group(model: Model, resource: RawResource) -> None:
    if resource.type == TF_NSG:
        inline = fields.rule_entries(resource.attributes.get("security_rule"))
        path_root: tuple = ("security_rule",)
        rule_items = [(rule, rule) for rule in inline]
    elif _arm_type(resource) == ARM_NSG:
        props = obj(resource.attributes.get("properties"), "properties")
        inline = fields.rule_entries(props.get("securityRules"))
        path_root = ("properties", "securityRules")
        rule_items = [(rule, obj(rule.get("properties"), "the rule's properties"))
                      if isinstance(rule, dict) else (rule, rule) for rule in inline]
    else:
        return
    name = _name(resource.attributes.get("name"), resource.address)
    key = _unique(model, _group_key(resource))
    group = SecurityGroup(key=key, name=name, cloud="azure", resource=resource,
                          scope_id=azure_resource_id(resource))
    for index, (decl, props) in enumerate(rule_items):
        path = (*path_root, index)
        if not isinstance(decl, dict) or isinstance(props, Opaque) or not isinstance(
                props, dict):
            unknown = props.unknown if isinstance(props, Opaque) else decl
            group.rules.append(
                fields.unknown_rule(unknown, f"{name}[{index}]", key, resource, path))
            continue
        rule_name = _name(decl.get("name"), f"{name}[{index}]")
        group.rules.append(_rule(props, rule_name, key, resource, path))
    model.groups[key] = group


def _find_nsg(model: Model, nsg_name: Any, resource: RawResource,
              by_name: dict[str, list[SecurityGroup]] | None = None) -> SecurityGroup | None:
    """The NSG a standalone rule names, preferring one declared in the same root."""
    if not is_known(nsg_name):
        return None
    if by_name is not None:  # the groups indexed by lower-case name (large plans)
        candidates = [g for g in by_name.get(str(nsg_name).lower(), []) if g.cloud == "azure"]
    else:
        candidates = [
            g
            for g in model.groups.values()
            if g.cloud == "azure" and g.name.lower() == str(nsg_name).lower()
        ]
    same_root = [g for g in candidates if g.resource.root == resource.root]
    chosen = same_root or candidates
    return chosen[0] if len(chosen) == 1 else None


def add_standalone_rules(model: Model, resources: list[RawResource]) -> None:
    by_name: dict[str, list[SecurityGroup]] = {}
    for existing in model.groups.values():
        by_name.setdefault(existing.name.lower(), []).append(existing)
    for resource in resources:
        with guarded(model.errors, resource, "reading the security rule"):
            _add_standalone_rule(model, resource, by_name)


def _add_standalone_rule(model: Model, resource: RawResource,
                         by_name: dict[str, list[SecurityGroup]]) -> None:
    attrs = resource.attributes
    if resource.type == TF_RULE:
        nsg_name = attrs.get("network_security_group_name")
        rule_name = _name(attrs.get("name"), resource.address)
        props: Any = attrs
    elif _arm_type(resource) == ARM_RULE:
        full = _name(attrs.get("name"), resource.address)
        nsg_name, _, rule_name = full.rpartition("/")
        rule_name = rule_name or full
        props = obj(attrs.get("properties"), "properties")
    else:
        return
    group = _find_nsg(model, nsg_name, resource, by_name)
    if group is None:
        # The NSG is outside the plan (or its name is unknown): its standalone rules form
        # the only rule list we can see.
        key = (
            f"azure:{resource.root}:external-nsg:{str(nsg_name).lower()}"
            if nsg_name and is_known(nsg_name)
            else _group_key(resource)
        )
        group = model.groups.get(key) or SecurityGroup(
            key=key, name=_name(nsg_name, resource.address), cloud="azure",
            resource=resource, declared=False,
        )
        if key not in model.groups:
            by_name.setdefault(group.name.lower(), []).append(group)
        model.groups[key] = group
    if isinstance(props, Opaque):
        group.rules.append(fields.unknown_rule(props.unknown, rule_name, group.key, resource, ()))
    else:
        group.rules.append(_rule(props, rule_name, group.key, resource, ()))
