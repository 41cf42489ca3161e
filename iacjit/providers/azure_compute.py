"""Azure VMs and the paths by which internet traffic reaches them.

VM → NICs → (subnet NSG, NIC NSG) and NIC → public IP, load-balancer inbound NAT rules, and
Azure Firewall DNAT rules that translate to the NIC's private address.  Associations may be
separate resources (Terraform) or inline properties (ARM/Bicep); both end in the same paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iacjit.model.raw import RawResource
from iacjit.model.semantic import AccessPath, Model, SecurityGroup, VirtualMachine
from iacjit.model.values import Unknown, is_known, unknown_reason
from iacjit.providers.guard import guarded
from iacjit.providers.index import ResourceIndex
from iacjit.providers.shape import dig as _dig
from iacjit.providers.shape import items, obj

TF_VMS = {
    "azurerm_linux_virtual_machine": "linux",
    "azurerm_windows_virtual_machine": "windows",
    "azurerm_virtual_machine": None,
}
ARM_VM = "microsoft.compute/virtualmachines"
ARM_NIC = "microsoft.network/networkinterfaces"
ARM_SUBNET = "microsoft.network/virtualnetworks/subnets"
ARM_VNET = "microsoft.network/virtualnetworks"
DNAT_TYPES = {
    "azurerm_firewall_nat_rule_collection",
    "azurerm_firewall_policy_rule_collection_group",
    "microsoft.network/azurefirewalls",
    "microsoft.network/firewallpolicies/rulecollectiongroups",
}
WINDOWS_HINTS = ("windows", "microsoftwindows", "sql")
LINUX_HINTS = ("canonical", "ubuntu", "redhat", "rhel", "debian", "suse", "sles", "openlogic",
               "centos", "oracle-linux", "almalinux", "rocky", "linux", "kinvolk", "flatcar")


def _props(resource: RawResource) -> Mapping[str, Any]:
    return obj(resource.attributes.get("properties"), f"the properties of {resource.address}")


def _as_list(value: Any) -> list[Any]:
    """A list attribute; a single value stands for a list of one (ARM accepts both)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _os_from_image(*texts: Any) -> str | None:
    joined = " ".join(str(t).lower() for t in texts if t is not None and is_known(t))
    if any(h in joined for h in WINDOWS_HINTS):
        return "windows"
    if any(h in joined for h in LINUX_HINTS):
        return "linux"
    return None


def vm_os(resource: RawResource) -> str | Unknown:
    """Linux or Windows, from the resource type, the OS profile or the image."""
    attrs = resource.attributes
    if resource.type in TF_VMS:
        if TF_VMS[resource.type]:
            return TF_VMS[resource.type]
        if attrs.get("os_profile_windows_config"):
            return "windows"
        if attrs.get("os_profile_linux_config"):
            return "linux"
        image = obj(_dig(attrs, "storage_image_reference", 0), "storage_image_reference")
        os_type = _dig(attrs, "storage_os_disk", 0, "os_type")
        found = _os_from_image(os_type, image.get("publisher"), image.get("offer"))
    else:
        profile = _props(resource)
        if _dig(profile, "osProfile", "windowsConfiguration"):
            return "windows"
        if _dig(profile, "osProfile", "linuxConfiguration"):
            return "linux"
        image = obj(_dig(profile, "storageProfile", "imageReference"), "imageReference")
        found = _os_from_image(_dig(profile, "storageProfile", "osDisk", "osType"),
                               image.get("publisher"), image.get("offer"))
    if found:
        return found
    unknown = unknown_reason([image.get("publisher"), image.get("offer")])
    return Unknown(f"the operating system of {resource.address} is "
                   + (f"unknown: {unknown}" if unknown else "not declared"))


def _ip_configurations(nic: RawResource) -> list[tuple[Any, Any, Any, list[Any]]]:
    """(subnet ref, public IP ref, private address, NAT rule refs) per IP configuration."""
    if nic.type.lower() == ARM_NIC:
        configs = [obj(_dig(entry, "properties"), "an IP configuration") for entry in
                   items(_props(nic).get("ipConfigurations"), "ipConfigurations")]
        return [
            (_dig(c, "subnet", "id"), _public_ip(c.get("publicIPAddress")),
             c.get("privateIPAddress"), _as_list(c.get("loadBalancerInboundNatRules")))
            for c in configs
        ]
    return [
        (c.get("subnet_id"), c.get("public_ip_address_id"), c.get("private_ip_address"), [])
        for c in (obj(entry, "ip_configuration") for entry in
                  items(nic.attributes.get("ip_configuration"), "ip_configuration"))
    ]


def _public_ip(value: Any) -> Any:
    """``{"id": ...}`` or the id itself (an object without id still is a public IP)."""
    return (_dig(value, "id") or value) if isinstance(value, dict) else value


class AzureNetwork:
    """The links between NICs, subnets, NSGs and entry points, gathered from every format."""

    def __init__(self, model: Model, resources: list[RawResource], index: ResourceIndex):
        self.model = model
        self.index = index
        self.nsg_key = {id(g.resource): g.key for g in model.groups.values()
                        if g.cloud == "azure" and g.declared}
        self.nic_nsg: dict[int, list[str]] = {}
        self.subnet_nsg: dict[Any, list[str]] = {}
        self.nic_nat: dict[int, list[tuple[str, frozenset[int] | None]]] = {}
        self.dnat: list[tuple[str, str, frozenset[int] | None]] = []  # (address, label, ports)
        # NSGs associated with a subnet whose id is unknown: (association, NSG key, reason)
        self.unknown_subnet_nsg: list[tuple[RawResource, str, str]] = []
        for resource in resources:
            with guarded(model.errors, resource, "linking its network"):
                self._collect(resource)

    def _nsg(self, value: Any, origin: RawResource) -> str | None:
        """The group an NSG reference names; one standing for its unknown rules when the
        reference does not lead to an NSG of the plan (unknown, or outside it)."""
        if value is None:
            return None
        target = self.index.resolve(value, origin)
        key = self.nsg_key.get(id(target)) if target is not None else None
        return key or self._outside_nsg(value, origin)

    def _outside_nsg(self, value: Any, origin: RawResource) -> str:
        text = _dig(value, "id") if isinstance(value, dict) else value
        if isinstance(text, str) and is_known(text):
            key = f"azure:{origin.root}:outside-nsg:{text.lower()}"
            name = text.rstrip("/").rsplit("/", 1)[-1] or text
            why = f"NSG {text} is not part of the scanned plan, so its rules are unknown"
        else:
            key = f"azure:{origin.root}:outside-nsg:{origin.address}"
            name = f"NSG of {origin.address}"
            why = f"which NSG is unknown ({unknown_reason(text) or 'not an id'})"
        if key not in self.model.groups:
            self.model.groups[key] = SecurityGroup(key=key, name=name, cloud="azure",
                                                   resource=origin, declared=False, outside=why)
        return key

    def subnet_key(self, value: Any, origin: RawResource) -> Any:
        target = self.index.resolve(value, origin)
        if target is not None:
            return id(target)
        return self.index.arm_child(value)

    def _collect(self, resource: RawResource) -> None:
        attrs, rtype = resource.attributes, resource.type.lower()
        if rtype == "azurerm_network_interface_security_group_association":
            nic = self.index.resolve(attrs.get("network_interface_id"), resource)
            nsg = self._nsg(attrs.get("network_security_group_id"), resource)
            if nic is not None and nsg:
                self.nic_nsg.setdefault(id(nic), []).append(nsg)
        elif rtype == "azurerm_subnet_network_security_group_association":
            subnet = attrs.get("subnet_id")
            key = self.subnet_key(subnet, resource)
            nsg = self._nsg(attrs.get("network_security_group_id"), resource)
            if key is not None and nsg:
                self.subnet_nsg.setdefault(key, []).append(nsg)
            elif nsg and not is_known(subnet):
                self.unknown_subnet_nsg.append((resource, nsg, unknown_reason(subnet) or ""))
        elif rtype == ARM_NIC:
            nsg = self._nsg(_dig(_props(resource), "networkSecurityGroup", "id"), resource)
            if nsg:
                self.nic_nsg.setdefault(id(resource), []).append(nsg)
        elif rtype == ARM_SUBNET:
            nsg = self._nsg(_dig(_props(resource), "networkSecurityGroup", "id"), resource)
            if nsg:
                self.subnet_nsg.setdefault(id(resource), []).append(nsg)
        elif rtype == ARM_VNET:
            self._vnet_subnets(resource)
        elif rtype == "azurerm_network_interface_nat_rule_association":
            nic = self.index.resolve(attrs.get("network_interface_id"), resource)
            rule = self.index.resolve(attrs.get("nat_rule_id"), resource)
            if nic is not None:
                self.nic_nat.setdefault(id(nic), []).append(self._nat_label(rule))
        elif rtype in DNAT_TYPES:
            self._dnat_rules(resource)

    def _vnet_subnets(self, vnet: RawResource) -> None:
        name = vnet.attributes.get("name")
        for subnet in _as_list(_props(vnet).get("subnets")):
            if not isinstance(subnet, dict):
                continue
            nsg = self._nsg(_dig(subnet, "properties", "networkSecurityGroup", "id"), vnet)
            if nsg and is_known(name) and is_known(subnet.get("name")):
                key = (ARM_SUBNET, f"{name}/{subnet.get('name')}".lower())
                self.subnet_nsg.setdefault(key, []).append(nsg)

    @staticmethod
    def _nat_label(rule: RawResource | None) -> tuple[str, frozenset[int] | None]:
        if rule is None:
            return "load-balancer inbound NAT rule", None
        attrs = rule.attributes
        port = attrs.get("backend_port", _dig(attrs, "properties", "backendPort"))
        ports = frozenset({int(port)}) if is_known(port) and str(port).isdigit() else None
        return f"load-balancer inbound NAT rule {attrs.get('name', rule.address)}", ports

    def _dnat_rules(self, resource: RawResource) -> None:
        """Collect (translated address, label, translated ports) from firewall DNAT rules."""
        def walk(value: Any) -> None:
            if isinstance(value, dict):
                address = value.get("translated_address", value.get("translatedAddress"))
                port = value.get("translated_port", value.get("translatedPort"))
                if address is not None and is_known(address):
                    ports = (frozenset({int(port)}) if is_known(port) and str(port).isdigit()
                             else None)
                    label = f"Azure Firewall DNAT rule {value.get('name', '')}".strip()
                    self.dnat.append((str(address), label, ports))
                for child in value.values():
                    walk(child)
            elif isinstance(value, list):
                for child in value:
                    walk(child)

        walk(resource.attributes)

    def _maybe_subnet_nsgs(self, nic: RawResource) -> list[str]:
        """NSGs of the same root associated with a subnet that cannot be told: each may or may
        not guard this NIC's subnet, so traffic through them is undecided."""
        keys = []
        for association, nsg, reason in self.unknown_subnet_nsg:
            if association.root != nic.root:
                continue
            key = f"{nsg}:maybe-subnet:{association.address}"
            if key not in self.model.groups:
                name = self.model.groups[nsg].name
                self.model.groups[key] = SecurityGroup(
                    key=key, name=name, cloud="azure", resource=association, declared=False,
                    outside=f"whether NSG {name!r} guards this subnet is unknown "
                            f"({association.address}: {reason})")
            keys.append(key)
        return keys

    # ----- per NIC ---------------------------------------------------------------------
    def nic_paths(self, nic: RawResource) -> list[AccessPath]:
        """Entry points of one NIC with the NSG layers in front of it."""
        attrs = nic.attributes
        nic_name = str(attrs.get("name", nic.address))
        nic_layer = list(dict.fromkeys(self.nic_nsg.get(id(nic), [])))
        configs = _ip_configurations(nic)
        paths: list[AccessPath] = []
        for subnet_ref, public, private, nat_rules in configs:
            before = len(paths)
            subnet = self.subnet_key(subnet_ref, nic)
            subnet_layer = list(dict.fromkeys(self.subnet_nsg.get(subnet, []))) if subnet else []
            if not subnet_layer:
                subnet_layer = self._maybe_subnet_nsgs(nic)
            layers = [layer for layer in (subnet_layer, nic_layer) if layer]
            if public is not None:
                ip = self.index.resolve(public, nic)
                sku = ip.attributes.get("sku") if ip else None
                sku = str((_dig(sku, "name") if isinstance(sku, dict) else sku) or "").lower()
                label = f"public IP {ip.attributes.get('name', ip.address)}" if ip else "public IP"
                reachable: bool | Unknown = True
                if ip is None and not is_known(public):
                    reachable = Unknown(unknown_reason(public) or "the public IP is unknown")
                paths.append(AccessPath(via=label, reachable=reachable, layers=layers,
                                        nic=nic_name,
                                        filtered_when_no_group=sku.startswith("standard")))
            for rule in nat_rules:
                label, ports = self._nat_label(self.index.resolve(rule, nic))
                paths.append(AccessPath(via=label, reachable=True, layers=layers, nic=nic_name,
                                        ports=ports))
            for address, label, ports in self.dnat:
                if is_known(private) and private == address:
                    paths.append(AccessPath(via=label, reachable=True, layers=layers,
                                            nic=nic_name, ports=ports))
            if len(paths) == before:
                # No entry point found for this NIC: keep its NSGs in front (for JIT's
                # categorisation) with an unreachable path.
                paths.append(AccessPath(via="no public entry point", reachable=False,
                                        layers=layers, nic=nic_name))
        for label, ports in self.nic_nat.get(id(nic), []):
            layers = paths[0].layers if paths else ([nic_layer] if nic_layer else [])
            paths.append(AccessPath(via=label, reachable=True, layers=layers, nic=nic_name,
                                    ports=ports))
        return paths


def add_vms(model: Model, resources: list[RawResource], index: ResourceIndex) -> None:
    network = AzureNetwork(model, resources, index)
    for resource in resources:
        with guarded(model.errors, resource, "finding the paths to the VM"):
            _add_vm(model, resource, index, network)


def _add_vm(model: Model, resource: RawResource, index: ResourceIndex,
            network: AzureNetwork) -> None:
    rtype = resource.type.lower()
    if resource.type in TF_VMS:
        nic_refs = _as_list(resource.attributes.get("network_interface_ids"))
    elif rtype == ARM_VM:
        nic_refs = [_dig(n, "id") if isinstance(n, dict) else n for n in _as_list(
            _dig(_props(resource), "networkProfile", "networkInterfaces"))]
    else:
        return
    name = resource.attributes.get("name")
    vm = VirtualMachine(
        key=f"azure-vm:{resource.root}:{resource.address}",
        name=str(name) if is_known(name) and name else resource.address,
        cloud="azure", os=vm_os(resource), resource=resource,
    )
    for ref in nic_refs:
        nic = index.resolve(ref, resource)
        if nic is None:
            reason = unknown_reason(ref) or f"NIC {ref} is not part of the scanned plan"
            vm.paths.append(AccessPath(via=f"NIC outside the plan ({reason})",
                                       reachable=Unknown(reason), layers=[]))
            continue
        vm.paths.extend(network.nic_paths(nic))
    model.vms[vm.key] = vm
