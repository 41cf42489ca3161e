"""Find the resource a reference points at, whatever the format wrote.

Terraform and CloudFormation references arrive as ResourceRef (address within the same root);
ARM/Bicep ones as resource-id strings (``/subscriptions/…/providers/Microsoft.Network/
networkInterfaces/nic1``).  Azure resources of every format are also indexed by (ARM type,
name), so an ARM id inside a Terraform-embedded template still finds a Terraform resource.
"""

from __future__ import annotations

from typing import Any

from iacjit.model.raw import RawResource
from iacjit.model.values import (
    DEPLOYMENT_RESOURCE_GROUP,
    DEPLOYMENT_SUBSCRIPTION,
    ResourceRef,
    Unknown,
    is_known,
)

# azurerm types and the ARM type they create; the name attribute gives the ARM name.
TF_ARM_TYPES = {
    "azurerm_network_security_group": "microsoft.network/networksecuritygroups",
    "azurerm_network_interface": "microsoft.network/networkinterfaces",
    "azurerm_subnet": "microsoft.network/virtualnetworks/subnets",
    "azurerm_virtual_network": "microsoft.network/virtualnetworks",
    "azurerm_public_ip": "microsoft.network/publicipaddresses",
    "azurerm_linux_virtual_machine": "microsoft.compute/virtualmachines",
    "azurerm_windows_virtual_machine": "microsoft.compute/virtualmachines",
    "azurerm_virtual_machine": "microsoft.compute/virtualmachines",
    "azurerm_lb": "microsoft.network/loadbalancers",
    "azurerm_lb_nat_rule": "microsoft.network/loadbalancers/inboundnatrules",
    "azurerm_resource_group": "microsoft.resources/resourcegroups",
    "azurerm_monitor_action_group": "microsoft.insights/actiongroups",
    "azurerm_policy_definition": "microsoft.authorization/policydefinitions",
}


def parse_arm_id(text: str) -> tuple[str | None, str, str] | None:
    """``(resource group, arm type, name)`` of a resource id, lower case; None if not an id.

    Child ids give the composed type and name (``…/virtualnetworks/subnets``, ``vnet/app``).
    """
    parts = [p for p in text.strip().split("/") if p]
    lowered = [p.lower() for p in parts]
    group = None
    if "resourcegroups" in lowered:
        index = lowered.index("resourcegroups")
        group = lowered[index + 1] if index + 1 < len(lowered) else None
    if "providers" not in lowered:
        if group and lowered[-2:-1] == ["resourcegroups"]:
            return group, "microsoft.resources/resourcegroups", group
        return None
    index = len(lowered) - 1 - lowered[::-1].index("providers")
    rest = lowered[index + 1:]
    if len(rest) < 3:
        return None
    namespace, pairs = rest[0], rest[1:]
    types = pairs[0::2]
    names = pairs[1::2]
    if len(types) != len(names):
        return None
    return group, f"{namespace}/{'/'.join(types)}", "/".join(names)


def arm_key(resource: RawResource) -> tuple[str, str] | None:
    """(ARM type, name) of an Azure resource of any format, lower case."""
    attrs = resource.attributes
    if resource.type.lower().startswith("microsoft."):
        name = attrs.get("name")
        return (resource.type.lower(), str(name).lower()) if is_known(name) else None
    arm_type = TF_ARM_TYPES.get(resource.type)
    name = attrs.get("name")
    if arm_type is None or not is_known(name) or name is None:
        return None
    if resource.type == "azurerm_subnet":
        vnet = attrs.get("virtual_network_name")
        if not is_known(vnet) or vnet is None:
            return None
        return arm_type, f"{vnet}/{name}".lower()
    return arm_type, str(name).lower()


def azure_resource_id(resource: RawResource) -> str | Unknown | None:
    """The resource id a deployment gives the resource, lower case (markers for unknowns)."""
    key = arm_key(resource)
    if key is None:
        return None
    attrs = resource.attributes
    if resource.type.lower().startswith("microsoft."):
        group = DEPLOYMENT_RESOURCE_GROUP
    else:
        group = attrs.get("resource_group_name")
        if not is_known(group) or group is None:
            return Unknown(f"the resource group of {resource.address} is unknown")
    arm_type, name = key
    namespace, *types = arm_type.split("/")
    names = name.split("/")
    segments = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=False))
    return (f"/subscriptions/{DEPLOYMENT_SUBSCRIPTION}/resourcegroups/{group}/providers/"
            f"{namespace}/{segments}").lower()


class ResourceIndex:
    """Lookup tables over every raw resource of the plan."""

    def __init__(self, resources: list[RawResource]):
        self.by_address: dict[tuple[str, str], RawResource] = {}
        self.by_arm: dict[tuple[str, str], list[RawResource]] = {}
        for resource in resources:
            self.by_address[(resource.root, resource.address)] = resource
            key = arm_key(resource)
            if key:
                self.by_arm.setdefault(key, []).append(resource)

    def resolve(self, value: Any, origin: RawResource) -> RawResource | None:
        """The resource *value* refers to, seen from *origin*; None when outside the plan."""
        if isinstance(value, dict) and "id" in value:
            value = value["id"]  # ARM's {"id": "[resourceId(...)]"} sub-resource form
        if isinstance(value, ResourceRef):
            return self.by_address.get((origin.root, value.address))
        if isinstance(value, Unknown) and value.pattern and "*" not in value.pattern.rsplit(
                "/providers/", 1)[-1]:
            value = value.pattern  # an id whose type and name are known, its group not
        if isinstance(value, str) and is_known(value):
            parsed = parse_arm_id(value)
            if parsed is None:
                return None
            _, arm_type, name = parsed
            candidates = self.by_arm.get((arm_type, name), [])
            same_root = [c for c in candidates if c.root == origin.root]
            chosen = same_root or candidates
            return chosen[0] if len(chosen) == 1 else None
        return None

    def arm_child(self, value: Any) -> tuple[str, str] | None:
        """(type, name) of an id that names a sub-resource with no resource of its own."""
        if isinstance(value, dict) and "id" in value:
            value = value["id"]
        if isinstance(value, str):
            parsed = parse_arm_id(value)
            if parsed:
                return parsed[1], parsed[2]
        return None
