"""AWS: security groups and their ingress rules, from Terraform aws_* and CloudFormation.

A security group only allows; its inline rules and the standalone rule resources that point
at it (by reference or by id) form one rule list.
"""

from __future__ import annotations

from typing import Any

from iacjit.model.ports import ALL_PORTS, PortSyntaxError, port_range
from iacjit.model.protocols import means_all_ports, normalise_protocol
from iacjit.model.raw import RawResource
from iacjit.model.semantic import Model, NetworkRule, SecurityGroup
from iacjit.model.values import ResourceRef, Unknown, is_known, unknown_reason
from iacjit.providers import fields
from iacjit.providers.fields import unique_key as _unique
from iacjit.providers.guard import guarded
from iacjit.providers.shape import Opaque, obj

TF_SG = "aws_security_group"
TF_SG_RULE = "aws_security_group_rule"
TF_INGRESS_RULE = "aws_vpc_security_group_ingress_rule"
CFN_SG = "AWS::EC2::SecurityGroup"
CFN_INGRESS = "AWS::EC2::SecurityGroupIngress"


def _group_key(root: str, address: str) -> str:
    return f"aws:{root}:{address}"


def _ports(protocol: Any, from_port: Any, to_port: Any, problems: list[str]):
    """Port set of one AWS rule: protocol ``-1`` opens every port whatever the fields say."""
    if not is_known(protocol):
        return Unknown(unknown_reason(protocol) or "protocol is unknown")
    if protocol is not None and means_all_ports(normalise_protocol(protocol)):
        return ALL_PORTS
    if from_port is None and to_port is None:
        problems.append("no port range for a protocol that needs one")
        return ()
    if not (is_known(from_port) and is_known(to_port)):
        return Unknown(unknown_reason([from_port, to_port]) or "port is unknown")
    try:
        return port_range(
            from_port if from_port is not None else to_port,
            to_port if to_port is not None else from_port,
        )
    except (PortSyntaxError, ValueError) as exc:
        problems.append(str(exc))
        return ()


def _rule(
    *,
    name: str,
    protocol: Any,
    from_port: Any,
    to_port: Any,
    source_values: list[Any],
    peers: tuple[tuple[str, Any], ...] | list[tuple[str, Any]] = (),
    group: str,
    resource: RawResource,
    path: tuple,
) -> NetworkRule:
    problems: list[str] = []
    return NetworkRule(
        name=name,
        direction="inbound",
        access="allow",
        protocols=fields.protocols(protocol),
        ports=_ports(protocol, from_port, to_port, problems),
        sources=fields.sources(source_values) + _peer_labels(peers),
        priority=None,
        group=group,
        resource=resource,
        span=resource.span_of(path),
        problems=problems,
    )


def _peer_labels(peers: Any) -> tuple[str, ...]:
    """Non-CIDR sources (groups, prefix lists, self) as labels: never internet, never unknown.

    They matter to "admits the port from any source" (zt_vis_010), not to internet exposure.
    """
    labels = []
    for kind, value in peers:
        if value is True:
            labels.append(f"{kind}:self")
        elif value not in (None, False, "", []):
            for item in value if isinstance(value, list) else [value]:
                labels.append(f"{kind}:{item}")
    return tuple(labels)


def _tf_inline(entry: dict[str, Any], **common: Any) -> NetworkRule:
    return _rule(
        protocol=entry.get("protocol"),
        from_port=entry.get("from_port"),
        to_port=entry.get("to_port"),
        source_values=fields.values_of(entry, "cidr_blocks", "ipv6_cidr_blocks"),
        peers=[("security-group", entry.get("security_groups")),
               ("security-group", entry.get("source_security_group_id")),
               ("prefix-list", entry.get("prefix_list_ids")),
               ("security-group", entry.get("self"))],
        **common,
    )


def _cfn_entry(entry: dict[str, Any], **common: Any) -> NetworkRule:
    return _rule(
        protocol=entry.get("IpProtocol"),
        from_port=entry.get("FromPort"),
        to_port=entry.get("ToPort"),
        source_values=fields.values_of(entry, "CidrIp", "CidrIpv6"),
        peers=[("security-group", entry.get("SourceSecurityGroupId")),
               ("security-group", entry.get("SourceSecurityGroupName")),
               ("prefix-list", entry.get("SourcePrefixListId"))],
        **common,
    )


def add_groups(model: Model, resources: list[RawResource]) -> None:
    for resource in resources:
        with guarded(model.errors, resource, "reading its security rules"):
            _add_group(model, resource)


def _add_group(model: Model, resource: RawResource) -> None:
    attrs = resource.attributes
    if resource.type == TF_SG:
        entries, path_root, build = attrs.get("ingress"), ("ingress",), _tf_inline
        label = "ingress"
        name = attrs.get("name") or resource.address
    elif resource.type == CFN_SG:
        props = obj(attrs.get("Properties"), "Properties")
        entries = props.get("SecurityGroupIngress")
        path_root, build = ("Properties", "SecurityGroupIngress"), _cfn_entry
        label = "SecurityGroupIngress"
        name = props.get("GroupName") or resource.address
    else:
        return
    key = _unique(model, _group_key(resource.root, resource.address))
    group_name = str(name) if is_known(name) else resource.address
    group = SecurityGroup(key=key, name=group_name, cloud="aws", resource=resource)
    for index, entry in enumerate(fields.rule_entries(entries)):
        common = {"name": f"{label}[{index}]", "group": key, "resource": resource,
                  "path": (*path_root, index)}
        if isinstance(entry, dict):
            group.rules.append(build(entry, **common))
        else:
            group.rules.append(fields.unknown_rule(entry, **common))
    model.groups[key] = group


def _owning_group(model: Model, resource: RawResource, target: Any) -> SecurityGroup:
    """The group a standalone rule attaches to; a synthetic one when it is outside the plan."""
    if isinstance(target, ResourceRef):
        key = _group_key(resource.root, target.address)
        if key in model.groups:
            return model.groups[key]
    label = str(target) if target is not None and is_known(target) else None
    key = _group_key(resource.root, f"external:{label}" if label else resource.address)
    if key not in model.groups:
        model.groups[key] = SecurityGroup(
            key=key, name=label or resource.address, cloud="aws", resource=resource,
            declared=False,
        )
    return model.groups[key]


def add_standalone_rules(model: Model, resources: list[RawResource]) -> None:
    for resource in resources:
        with guarded(model.errors, resource, "reading the security-group rule"):
            _add_standalone_rule(model, resource)


def _add_standalone_rule(model: Model, resource: RawResource) -> None:
    attrs = resource.attributes
    if resource.type == TF_SG_RULE:
        kind = attrs.get("type")
        if is_known(kind) and str(kind).lower() != "ingress":
            return
        group = _owning_group(model, resource, attrs.get("security_group_id"))
        rule = _tf_inline(
            attrs, name=resource.address, group=group.key, resource=resource, path=()
        )
        if not is_known(kind):
            rule.direction = Unknown(unknown_reason(kind) or "rule type is unknown")
    elif resource.type == TF_INGRESS_RULE:
        group = _owning_group(model, resource, attrs.get("security_group_id"))
        rule = _rule(
            name=resource.address,
            protocol=attrs.get("ip_protocol"),
            from_port=attrs.get("from_port"),
            to_port=attrs.get("to_port"),
            source_values=fields.values_of(attrs, "cidr_ipv4", "cidr_ipv6"),
            peers=[("security-group", attrs.get("referenced_security_group_id")),
                   ("prefix-list", attrs.get("prefix_list_id"))],
            group=group.key,
            resource=resource,
            path=(),
        )
    elif resource.type == CFN_INGRESS:
        props = obj(attrs.get("Properties"), "Properties")
        group = _owning_group(
            model, resource, props.get("GroupId") or props.get("GroupName")
        )
        if isinstance(props, Opaque):
            rule = fields.unknown_rule(props.unknown, resource.address, group.key, resource, ())
        else:
            rule = _cfn_entry(dict(props), name=resource.address, group=group.key,
                              resource=resource, path=())
    else:
        return
    group.rules.append(rule)
