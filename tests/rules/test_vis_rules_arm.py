"""zt_vis_010 (JIT coverage), zt_vis_008 (NSG-write alerts) and CHAIN-016 on ARM templates.

End to end: each case is an ARM template written here, scanned the way the CLI does
(discovery → ARM parser → providers → rules → chains).  One row per categorisation reason of
domain.md §2 "JIT coverage" and per reason an alert is ineffective ("NSG-write alert"), plus
the links a verdict depends on: OS from the profile or the image, NIC NSG vs subnet NSG (VNet
inline subnets, child subnet resources, nested child declarations), public IP or none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iacjit.parsers.common.options import ParseOptions
from iacjit.providers import build_model
from iacjit.rules.base import Settings
from iacjit.rules.jit_status import jit_status
from iacjit.scan import parse_inputs

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
RULE_WRITE = "Microsoft.Network/networkSecurityGroups/securityRules/write"
NSG_WRITE = "Microsoft.Network/networkSecurityGroups/write"


# ----- template builders ---------------------------------------------------------------------

def rid(kind: str, *names: str) -> str:
    quoted = ", ".join(f"'{n}'" for n in names)
    return f"[resourceId('{kind}', {quoted})]"


def rule(name: str, port: str, source: str = "Internet", priority: int = 100,
         access: str = "Allow") -> dict[str, Any]:
    return {"name": name, "properties": {
        "priority": priority, "direction": "Inbound", "access": access, "protocol": "Tcp",
        "sourcePortRange": "*", "sourceAddressPrefix": source,
        "destinationPortRange": port, "destinationAddressPrefix": "*"}}


def nsg(name: str = "web-nsg", *rules: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01",
            "name": name, "location": "westeurope",
            "properties": {"securityRules": list(rules)}}


def pip(name: str = "web-pip") -> dict[str, Any]:
    return {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01",
            "name": name, "location": "westeurope", "sku": {"name": "Standard"},
            "properties": {"publicIPAllocationMethod": "Static"}}


def nic(name: str = "web-nic", nsg_name: str | None = "web-nsg",
        pip_name: str | None = "web-pip", subnet: tuple[str, str] = ("vnet", "default"),
        ) -> dict[str, Any]:
    config: dict[str, Any] = {
        "privateIPAllocationMethod": "Dynamic",
        "subnet": {"id": rid("Microsoft.Network/virtualNetworks/subnets", *subnet)}}
    if pip_name:
        config["publicIPAddress"] = {"id": rid("Microsoft.Network/publicIPAddresses", pip_name)}
    props: dict[str, Any] = {"ipConfigurations": [{"name": "ipconfig1", "properties": config}]}
    if nsg_name:
        props["networkSecurityGroup"] = {
            "id": rid("Microsoft.Network/networkSecurityGroups", nsg_name)}
    return {"type": "Microsoft.Network/networkInterfaces", "apiVersion": "2023-04-01",
            "name": name, "location": "westeurope", "properties": props}


def vnet(name: str = "vnet", subnets: dict[str, str | None] | None = None,
         children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A VNet with inline subnets {name: NSG name or None} and nested child declarations."""
    inline = []
    for subnet, nsg_name in (subnets if subnets is not None else {"default": None}).items():
        props: dict[str, Any] = {"addressPrefix": "10.0.1.0/24"}
        if nsg_name:
            props["networkSecurityGroup"] = {
                "id": rid("Microsoft.Network/networkSecurityGroups", nsg_name)}
        inline.append({"name": subnet, "properties": props})
    declaration: dict[str, Any] = {
        "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01",
        "name": name, "location": "westeurope",
        "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                       "subnets": inline}}
    if children:
        declaration["resources"] = children
    return declaration


def subnet_resource(vnet_name: str, name: str, nsg_name: str, nested: bool = False,
                    ) -> dict[str, Any]:
    """A subnet declared on its own (``vnet/name``) or nested under its VNet (``name``)."""
    return {"type": "subnets" if nested else "Microsoft.Network/virtualNetworks/subnets",
            "apiVersion": "2023-04-01", "name": name if nested else f"{vnet_name}/{name}",
            "properties": {"addressPrefix": "10.0.2.0/24", "networkSecurityGroup": {
                "id": rid("Microsoft.Network/networkSecurityGroups", nsg_name)}}}


def vm(name: str = "web", nic_name: str = "web-nic", os: str = "linux") -> dict[str, Any]:
    """*os*: linux/windows (OS profile), image-linux/image-windows (image publisher),
    ostype-windows (osDisk.osType with a custom image id), unknown (custom image only)."""
    profile: dict[str, Any] = {"computerName": name, "adminUsername": "azureuser"}
    storage: dict[str, Any] = {"osDisk": {"createOption": "FromImage"}}
    if os == "linux":
        profile["linuxConfiguration"] = {"disablePasswordAuthentication": True}
    elif os == "windows":
        profile["windowsConfiguration"] = {"provisionVMAgent": True}
    if os == "image-linux":
        storage["imageReference"] = {"publisher": "Canonical", "offer": "ubuntu-24_04-lts",
                                     "sku": "server", "version": "latest"}
    elif os == "image-windows":
        storage["imageReference"] = {"publisher": "MicrosoftWindowsServer",
                                     "offer": "WindowsServer", "sku": "2022-datacenter",
                                     "version": "latest"}
    elif os in {"ostype-windows", "unknown"}:
        storage["imageReference"] = {
            "id": "/subscriptions/0000/resourceGroups/img/providers/Microsoft.Compute/"
                  "galleries/g/images/golden/versions/1.0.0"}
        if os == "ostype-windows":
            storage["osDisk"]["osType"] = "Windows"
    else:
        storage.setdefault("imageReference", {"publisher": "Canonical",
                                              "offer": "ubuntu-24_04-lts", "sku": "server",
                                              "version": "latest"})
    return {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-03-01",
            "name": name, "location": "westeurope",
            "properties": {"hardwareProfile": {"vmSize": "Standard_B2s"}, "osProfile": profile,
                           "storageProfile": storage,
                           "networkProfile": {"networkInterfaces": [
                               {"id": rid("Microsoft.Network/networkInterfaces", nic_name)}]}}}


def jit(entries: dict[str, list[int]] | None = None, name: str = "web-jit",
        vm_id: str | None = None) -> dict[str, Any]:
    """A JIT policy; *entries* maps VM name → ports, *vm_id* adds an entry with that id."""
    machines = [{"id": rid("Microsoft.Compute/virtualMachines", machine),
                 "ports": [{"number": port, "protocol": "TCP",
                            "allowedSourceAddressPrefix": "203.0.113.0/24",
                            "maxRequestAccessDuration": "PT3H"} for port in ports]}
                for machine, ports in (entries if entries is not None else {"web": [22]}).items()]
    if vm_id is not None:
        machines.append({"id": vm_id, "ports": [{"number": 22, "protocol": "TCP",
                                                  "allowedSourceAddressPrefix": "*",
                                                  "maxRequestAccessDuration": "PT3H"}]})
    return {"type": "Microsoft.Security/locations/jitNetworkAccessPolicies",
            "apiVersion": "2020-01-01", "kind": "Basic",
            "name": f"[concat(resourceGroup().location, '/{name}')]",
            "properties": {"virtualMachines": machines}}


def action_group() -> dict[str, Any]:
    return {"type": "Microsoft.Insights/actionGroups", "apiVersion": "2023-01-01",
            "name": "secops", "location": "Global",
            "properties": {"groupShortName": "secops", "enabled": True, "emailReceivers": [
                {"name": "secops", "emailAddress": "secops@example.com"}]}}


def leaf(field: str, value: Any) -> dict[str, Any]:
    key = "containsAny" if isinstance(value, list) else "equals"
    return {"field": field, key: value}


STANDARD_CONDITION = [leaf("category", "Administrative"), leaf("operationName", RULE_WRITE)]


def alert(conditions: list[dict[str, Any]] | None = None, enabled: Any = True,
          scopes: list[str] | None = None, actions: bool = True) -> dict[str, Any]:
    props: dict[str, Any] = {
        "enabled": enabled,
        "scopes": scopes if scopes is not None else ["[subscription().id]"],
        "condition": {"allOf": conditions if conditions is not None else STANDARD_CONDITION},
        "actions": {"actionGroups": [
            {"actionGroupId": rid("Microsoft.Insights/actionGroups", "secops")}]
            if actions else []}}
    return {"type": "Microsoft.Insights/activityLogAlerts", "apiVersion": "2020-10-01",
            "name": "nsg-rule-write", "location": "Global", "properties": props}


def policy_definition(effect: str = "[[parameters('effect')]") -> dict[str, Any]:
    """A custom definition denying inbound NSG rules on 22/3389 (``[[`` escapes ARM)."""
    return {"type": "Microsoft.Authorization/policyDefinitions", "apiVersion": "2021-06-01",
            "name": "deny-nsg-mgmt-rules",
            "properties": {
                "policyType": "Custom", "mode": "All",
                "parameters": {"effect": {"type": "String", "defaultValue": "Audit",
                                          "allowedValues": ["Audit", "Deny", "Disabled"]}},
                "policyRule": {
                    "if": {"allOf": [
                        {"field": "type",
                         "equals": "Microsoft.Network/networkSecurityGroups/securityRules"},
                        {"field": "Microsoft.Network/networkSecurityGroups/securityRules/"
                                  "destinationPortRange", "in": ["22", "3389"]}]},
                    "then": {"effect": effect}}}}


def policy_assignment(effect: str | None = "Deny", mode: str = "Default",
                      definition: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "policyDefinitionId": definition or (
            "[subscriptionResourceId('Microsoft.Authorization/policyDefinitions', "
            "'deny-nsg-mgmt-rules')]"),
        "enforcementMode": mode}
    if effect is not None:
        props["parameters"] = {"effect": {"value": effect}}
    return {"type": "Microsoft.Authorization/policyAssignments", "apiVersion": "2022-06-01",
            "name": "deny-nsg-mgmt-rules", "properties": props}


# Declared without a default and supplied by no parameters file: their values are unknown.
UNSET = {"vmId": {"type": "string"}, "scope": {"type": "string"}}


def template(*resources: dict[str, Any]) -> str:
    return json.dumps({"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": UNSET,
                       "resources": list(resources)}, indent=2)


def web(*extra: dict[str, Any], rules: tuple[dict[str, Any], ...] = (), os: str = "linux",
        public: bool = True) -> list[dict[str, Any]]:
    """One VM behind a NIC NSG (with *rules*) in a plain VNet, plus *extra* resources."""
    found = [nsg("web-nsg", *rules), vnet(), nic(pip_name="web-pip" if public else None),
             vm(os=os)]
    if public:
        found.insert(0, pip())
    return [*found, *extra]


WATCHED = (action_group(), alert())  # an effective NSG-write alert


# ----- helpers -------------------------------------------------------------------------------

def statuses(tmp_path: Path) -> dict[str, Any]:
    """VM name → JitStatus for every VM of the plan below *tmp_path*."""
    parsed, _ = parse_inputs([tmp_path], ParseOptions())
    assert not parsed.errors, parsed.errors
    model = build_model(parsed.resources)
    return {vm.name: jit_status(vm, model, Settings()) for vm in model.vms.values()}


def outputs(result, rule_id: str) -> tuple[list, list]:
    return ([f for f in result.findings if f.rule_id == rule_id],
            [u for u in result.unresolved if u.rule_id == rule_id])


def jit_udp() -> dict[str, Any]:
    policy = jit()
    policy["properties"]["virtualMachines"][0]["ports"][0]["protocol"] = "UDP"
    return policy


# ----- zt_vis_010: Defender's categorisation -------------------------------------------------

SSH_ADMIN = rule("ssh-admin", "22", "10.0.0.0/8")
SSH_ANY = rule("ssh-any", "22", "Internet")
RDP_ANY = rule("rdp-any", "3389", "0.0.0.0/0", priority=110)

JIT_CASES = [
    # (id, resources, category, words the reason must contain)
    ("healthy-jit-covers-ssh", web(jit(), *WATCHED, rules=(SSH_ADMIN,)), "healthy",
     "covers port(s) 22"),
    ("healthy-nsg-without-rules", web(jit(), *WATCHED), "healthy", "covers port(s) 22"),
    ("unhealthy-no-policy", web(*WATCHED, rules=(SSH_ADMIN,)), "unhealthy",
     "no JIT policy covers it"),
    ("unhealthy-policy-for-another-vm", web(jit({"other": [22]}), *WATCHED), "unhealthy",
     "no JIT policy covers it"),
    ("unhealthy-windows-policy-without-rdp", web(jit({"web": [22]}), *WATCHED, os="windows"),
     "unhealthy", "but not port(s) 3389"),
    ("unhealthy-linux-policy-only-rdp", web(jit({"web": [3389]}), *WATCHED), "unhealthy",
     "but not port(s) 22"),
    ("unhealthy-exposed-port-outside-policy", web(jit({"web": [22]}), *WATCHED,
                                                  rules=(RDP_ANY,)),
     "unhealthy", "but not port(s) 3389"),
    ("unhealthy-standing-allow-bypasses-jit", web(jit(), *WATCHED, rules=(SSH_ANY,)),
     "unhealthy", "standing rule 'ssh-any' of NSG 'web-nsg' allows port(s) 22 from the internet"),
    ("bypass-even-without-public-ip", web(jit(), *WATCHED, rules=(SSH_ANY,), public=False),
     "unhealthy", "JIT is bypassed"),
    ("healthy-deny-ahead-of-allow-is-no-bypass",
     web(jit(), *WATCHED, rules=(rule("deny-ssh", "22", "*", 90, "Deny"), SSH_ANY)),
     "healthy", "covers port(s) 22"),
    ("unhealthy-policy-port-udp-only", web(jit_udp(), *WATCHED), "unhealthy",
     "but not port(s) 22"),
    ("not-applicable-no-nsg",
     [pip(), vnet(), nic(nsg_name=None), vm(), jit(), *WATCHED], "not applicable",
     "no NSG or firewall"),
    ("not-applicable-no-nsg-no-policy", [pip(), vnet(), nic(nsg_name=None), vm()],
     "not applicable", "no NSG or firewall"),
    ("unresolved-vm-id-unknown", web(jit({}, vm_id="[parameters('vmId')]"), *WATCHED),
     "unresolved", "names a VM whose id is unknown"),
]


@pytest.mark.parametrize(("resources", "category", "reason"),
                         [c[1:] for c in JIT_CASES], ids=[c[0] for c in JIT_CASES])
def test_jit_categorisation(scan_files, tmp_path, resources, category, reason):
    result = scan_files({"main.json": template(*resources)})
    status = statuses(tmp_path)["web"]
    assert status.category == category, status.reason
    assert reason in status.reason
    findings, unresolved = outputs(result, "zt_vis_010")
    assert len(findings) == (category == "unhealthy")
    assert len(unresolved) == (category == "unresolved")
    for output in findings:
        assert reason in output.message
        assert output.evidence["category"] == "unhealthy"
        assert output.resource.type == "Microsoft.Compute/virtualMachines"
        assert output.span == output.resource.span  # located at the VM declaration


def test_jit_unknown_vm_id_does_not_hide_a_policy_that_covers(scan_files, tmp_path):
    """An entry with an unknown id beside one naming the VM: the VM is covered, so healthy."""
    scan_files({"main.json": template(*web(jit({"web": [22]}, vm_id="[parameters('vmId')]")))})
    assert statuses(tmp_path)["web"].category == "healthy"


def test_jit_vm_id_outside_the_plan_is_not_coverage(scan_files, tmp_path):
    """A concrete id of a VM the plan does not declare covers nothing here."""
    other = ("/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/"
             "virtualMachines/elsewhere")
    scan_files({"main.json": template(*web(jit({}, vm_id=other)))})
    assert statuses(tmp_path)["web"].category == "unhealthy"


def test_jit_policies_are_unioned(scan_files, tmp_path):
    """Two policies, one per port: together they cover a VM of unknown OS (22 and 3389)."""
    first, second = jit({"web": [22]}, name="ssh-jit"), jit({"web": [3389]}, name="rdp-jit")
    scan_files({"main.json": template(*web(first, second, os="unknown"))})
    status = statuses(tmp_path)["web"]
    assert status.category == "healthy", status.reason
    assert status.jit_ports == [22, 3389]


def test_jit_policy_in_another_file_of_the_plan(scan_files, tmp_path):
    scan_files({"vm/main.json": template(*web()), "security/jit.json": template(jit())})
    assert statuses(tmp_path)["web"].category == "healthy"


def test_jit_property_copy_loop_covers_every_vm_of_a_resource_loop(scan_files, tmp_path):
    """The form Bicep emits for ``[for i in range(0, n): {id: vms[i].id ...}]``."""
    machines = {"type": "Microsoft.Compute/virtualMachines", "copy": {"name": "vms",
                                                                      "count": 3}}
    base = vm(name="[format('web-{0}', copyIndex())]",
              nic_name="[format('web-{0}-nic', copyIndex())]")
    # resourceId inside the builder quotes names: rebuild the NIC id with the loop index
    base["properties"]["networkProfile"]["networkInterfaces"] = [{"id": (
        "[resourceId('Microsoft.Network/networkInterfaces', format('web-{0}-nic', "
        "copyIndex()))]")}]
    base.update(machines)
    nics = nic(name="[format('web-{0}-nic', copyIndex())]", pip_name=None)
    nics["copy"] = {"name": "nics", "count": 3}
    policy = jit({})
    policy["properties"] = {"copy": [{"name": "virtualMachines", "count": 2, "input": {
        "id": "[resourceId('Microsoft.Compute/virtualMachines', "
              "format('web-{0}', copyIndex('virtualMachines')))]",
        "ports": [{"number": 22, "protocol": "TCP", "allowedSourceAddressPrefix": "*",
                   "maxRequestAccessDuration": "PT1H"}]}}]}
    scan_files({"main.json": template(nsg(), vnet(), nics, base, policy)})
    found = {name: s.category for name, s in statuses(tmp_path).items()}
    assert found == {"web-0": "healthy", "web-1": "healthy", "web-2": "unhealthy"}


# ----- zt_vis_010: what the verdict depends on -----------------------------------------------

OS_CASES = [
    # (id, os form, detected OS): a policy on 22 only is healthy for Linux, not for Windows
    ("linux-configuration", "linux", "linux"),
    ("windows-configuration", "windows", "windows"),
    ("image-publisher-canonical", "image-linux", "linux"),
    ("image-publisher-microsoftwindowsserver", "image-windows", "windows"),
    ("os-disk-ostype", "ostype-windows", "windows"),
]


@pytest.mark.parametrize(("form", "os"), [c[1:] for c in OS_CASES], ids=[c[0] for c in OS_CASES])
def test_os_decides_the_management_port(scan_files, tmp_path, form, os):
    scan_files({"main.json": template(*web(jit({"web": [22]}), os=form))})
    status = statuses(tmp_path)["web"]
    assert status.vm.os == os
    assert status.category == ("healthy" if os == "linux" else "unhealthy"), status.reason


def test_os_unknown_needs_both_ports(scan_files, tmp_path):
    scan_files({"main.json": template(*web(jit({"web": [22]}), os="unknown"))})
    status = statuses(tmp_path)["web"]
    assert not isinstance(status.vm.os, str)
    assert status.category == "unhealthy"
    assert "not port(s) 3389" in status.reason


NSG_PLACEMENT_CASES = [
    # (id, resources placing web-nsg in front of the VM, or not)
    ("nic-nsg-inline", [nsg(), vnet(), nic(pip_name=None), vm()]),
    ("subnet-nsg-vnet-inline-subnet",
     [nsg(), vnet(subnets={"default": "web-nsg"}), nic(nsg_name=None, pip_name=None), vm()]),
    ("subnet-nsg-child-subnet-resource",
     [nsg(), vnet(subnets={}), subnet_resource("vnet", "default", "web-nsg"),
      nic(nsg_name=None, pip_name=None), vm()]),
    ("subnet-nsg-nested-child-declaration",
     [nsg(), vnet(subnets={}, children=[subnet_resource("vnet", "default", "web-nsg", True)]),
      nic(nsg_name=None, pip_name=None), vm()]),
    ("subnet-nsg-in-another-file", [vnet(subnets={"default": "web-nsg"}),
                                    nic(nsg_name=None, pip_name=None), vm()]),
]


@pytest.mark.parametrize("resources", [c[1] for c in NSG_PLACEMENT_CASES],
                         ids=[c[0] for c in NSG_PLACEMENT_CASES])
def test_nsg_in_front_makes_the_vm_eligible(scan_files, tmp_path, resources):
    files = {"main.json": template(*resources)}
    if not any(r["type"].endswith("networkSecurityGroups") for r in resources):
        files["nsg.json"] = template(nsg())
    result = scan_files(files)
    status = statuses(tmp_path)["web"]
    assert status.groups == ["web-nsg"]
    assert status.category == "unhealthy"
    assert len(outputs(result, "zt_vis_010")[0]) == 1


def test_nsg_of_another_subnet_is_not_in_front(scan_files, tmp_path):
    resources = [nsg(), vnet(subnets={"default": None, "other": "web-nsg"}),
                 nic(nsg_name=None, pip_name=None), vm()]
    scan_files({"main.json": template(*resources)})
    assert statuses(tmp_path)["web"].category == "not applicable"


def test_subnet_and_nic_nsg_both_listed(scan_files, tmp_path):
    resources = [nsg("subnet-nsg"), nsg(), vnet(subnets={"default": "subnet-nsg"}),
                 nic(pip_name=None), vm()]
    scan_files({"main.json": template(*resources)})
    assert statuses(tmp_path)["web"].groups == ["subnet-nsg", "web-nsg"]


# ----- zt_vis_008: when an activity-log alert is effective -----------------------------------

def nsg_only(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [nsg(), *extra]


ALERT_CASES = [
    # (id, alert resources, verdict, words the reason must contain)
    ("effective-equals", [action_group(), alert()], "covered", None),
    ("effective-anyof",
     [action_group(), alert([leaf("category", "Administrative"), {"anyOf": [
         leaf("operationName", NSG_WRITE), leaf("operationName", RULE_WRITE)]}])],
     "covered", None),
    ("effective-containsany",
     [action_group(), alert([leaf("category", "Administrative"),
                             leaf("operationName", [RULE_WRITE, NSG_WRITE])])],
     "covered", None),
    ("effective-case-insensitive",
     [action_group(), alert([leaf("Category", "administrative"),
                             leaf("operationname", RULE_WRITE.lower())])],
     "covered", None),
    ("effective-resource-group-scope",
     [action_group(), alert(scopes=["[resourceGroup().id]"])], "covered", None),
    ("effective-enabled-as-string", [action_group(), alert(enabled="true")], "covered", None),
    ("none-found", [], "uncovered", "no activity-log alert"),
    ("disabled", [action_group(), alert(enabled=False)], "uncovered", "it is disabled"),
    ("wrong-category",
     [action_group(), alert([leaf("category", "Security"), leaf("operationName", RULE_WRITE)])],
     "uncovered", "its category is Security, not Administrative"),
    ("nsg-write-only",
     [action_group(), alert([leaf("category", "Administrative"),
                             leaf("operationName", NSG_WRITE)])],
     "uncovered", "it watches networkSecurityGroups/write, which a rule added on its own"),
    ("other-operation",
     [action_group(), alert([leaf("category", "Administrative"),
                             leaf("operationName", "Microsoft.Compute/virtualMachines/write")])],
     "uncovered", "not Microsoft.Network/networkSecurityGroups/securityRules/write"),
    ("narrowing-level-filter",
     [action_group(), alert([*STANDARD_CONDITION, leaf("level", "Critical")])],
     "uncovered", "narrowed by a level filter"),
    ("narrowing-status-anyof",
     [action_group(), alert([*STANDARD_CONDITION, {"anyOf": [leaf("status", "Failed")]}])],
     "uncovered", "narrowed by a status filter"),
    ("narrowing-caller-filter",
     [action_group(), alert([*STANDARD_CONDITION, leaf("caller", "ops@example.com")])],
     "uncovered", "narrowed by a caller filter"),
    ("no-action-group", [alert(actions=False)], "uncovered", "it has no action group"),
    ("scope-another-nsg",
     [nsg("other-nsg"), action_group(),
      alert(scopes=[rid("Microsoft.Network/networkSecurityGroups", "other-nsg")])],
     "uncovered", "does not cover this group"),
    ("scope-named-subscription-unresolved",
     [action_group(), alert(scopes=["/subscriptions/11111111-1111-1111-1111-111111111111"])],
     "unresolved", "depends on where the template is deployed"),
    ("scope-unknown-parameter", [action_group(), alert(scopes=["[parameters('scope')]"])],
     "unresolved", "parameter 'scope' has no value"),
    ("resource-group-filter-depends-on-deployment",
     [action_group(), alert([*STANDARD_CONDITION, leaf("resourceGroup", "web-rg")])],
     "unresolved", "depends on where the template is deployed"),
    ("resource-id-filter-names-another-nsg",
     [action_group(), alert([*STANDARD_CONDITION, leaf(
         "resourceId", rid("Microsoft.Network/networkSecurityGroups", "other-nsg"))])],
     "uncovered", "does not cover this group"),
    ("policy-deny-assignment", [policy_definition(), policy_assignment("Deny")], "covered", None),
    ("policy-deny-by-definition-default",
     [policy_definition("Deny"), policy_assignment(None)], "covered", None),
    ("policy-deny-alz-definition",
     [policy_assignment(None, definition="/providers/Microsoft.Management/managementGroups/"
                        "contoso/providers/Microsoft.Authorization/policyDefinitions/"
                        "Deny-MgmtPorts-From-Internet")], "covered", None),
    ("policy-deny-do-not-enforce",
     [policy_definition(), policy_assignment("Deny", mode="DoNotEnforce")], "uncovered",
     "its enforcement mode is DoNotEnforce"),
    ("policy-audit-does-not-count", [policy_definition(), policy_assignment("Audit")],
     "uncovered", "no activity-log alert"),
]


@pytest.mark.parametrize(("resources", "verdict", "reason"), [c[1:] for c in ALERT_CASES],
                         ids=[c[0] for c in ALERT_CASES])
def test_nsg_write_alert(scan_files, resources, verdict, reason):
    result = scan_files({"main.json": template(*nsg_only(*resources))})
    findings, unresolved = outputs(result, "zt_vis_008")
    findings = [f for f in findings if f.evidence["security_group"] == "web-nsg"]
    unresolved = [u for u in unresolved if u.evidence["security_group"] == "web-nsg"]
    assert not result.errors or verdict == "unresolved", result.errors
    if verdict == "covered":
        assert not findings and not unresolved, [f.message for f in findings + unresolved]
        return
    target = findings if verdict == "uncovered" else unresolved
    other = unresolved if verdict == "uncovered" else findings
    assert len(target) == 1 and not other
    text = target[0].message if verdict == "uncovered" else target[0].reason
    assert reason in text
    assert target[0].resource.type == "Microsoft.Network/networkSecurityGroups"


@pytest.mark.parametrize(("shared", "covered"), [
    ((), False),  # two top-level templates: two deployments, two subscriptions as far as known
    ((("app", "platform"),), True),
], ids=["separate-units", "declared-shared"])
def test_alert_in_another_template_covers_its_nsgs_only_when_shared(scan_files, shared,
                                                                     covered):
    result = scan_files({"app/main.json": template(*web()),
                         "platform/alerts.json": template(action_group(), alert())},
                        settings=Settings(shared_accounts=shared))
    findings, unresolved = outputs(result, "zt_vis_008")
    assert not unresolved
    assert (not findings) is covered


def test_resource_group_filter_is_a_group_name(scan_files):
    """``resourceGroup`` in a condition holds a name: it covers the NSGs of that group only
    (fixed: the name used to be compared as if it were a resource id, covering nothing)."""
    terraform = """
        resource "azurerm_network_security_group" "{0}" {{
          name                = "{0}"
          location            = "westeurope"
          resource_group_name = "{0}-rg"
        }}
    """
    result = scan_files({
        "alerts.json": template(action_group(), alert(
            [*STANDARD_CONDITION, leaf("resourceGroup", "web-rg")])),
        "tf/web.tf": terraform.format("web"), "tf/db.tf": terraform.format("db")},
        settings=Settings(shared_accounts=(("alerts.json", "tf"),)))
    findings, unresolved = outputs(result, "zt_vis_008")
    assert not unresolved
    assert [f.evidence["security_group"] for f in findings] == ["db"]
    assert "its scope (resourcegroups/web-rg in the current subscription of deployment unit " \
           "alerts.json + tf) does not cover this group" in findings[0].message


def test_one_finding_per_uncovered_nsg_with_every_reason(scan_files):
    resources = [nsg("a-nsg"), nsg("b-nsg"), action_group(), alert(enabled=False),
                 alert(actions=False) | {"name": "second"}]
    result = scan_files({"main.json": template(*resources)})
    findings, _ = outputs(result, "zt_vis_008")
    assert sorted(f.evidence["security_group"] for f in findings) == ["a-nsg", "b-nsg"]
    for finding in findings:
        assert len(finding.evidence["reasons"]) == 2


# ----- CHAIN-016 -----------------------------------------------------------------------------

def two_vms(*extra: dict[str, Any], ssh_source: str = "Internet") -> list[dict[str, Any]]:
    """'web' reachable through a public IP; 'app' behind the same NSG without one."""
    return [pip(), nsg("web-nsg", rule("ssh", "22", ssh_source)), vnet(),
            nic(), vm(),
            nic("app-nic", pip_name=None), vm("app", "app-nic"), *extra]


def chain_targets(result) -> list[str] | None:
    chains = [c for c in result.chains if c.definition.id == "CHAIN-016"]
    return sorted(t.vm.name for t in chains[0].targets) if chains else None


def test_chain_fires_per_vm_where_all_three_coincide(scan_files):
    result = scan_files({"main.json": template(*two_vms())})
    assert chain_targets(result) == ["web"]
    (hit,) = result.chains
    (target,) = hit.targets
    assert target.ports == [22]
    assert {f.rule_id for f in target.findings} == {"zt_net_001", "zt_vis_010", "zt_vis_008"}
    assert "public IP web-pip" in target.path
    # both VMs lack JIT, only the reachable one is an attack path
    assert len(outputs(result, "zt_vis_010")[0]) == 2


@pytest.mark.parametrize(("extra", "ssh_source"), [
    ((action_group(), alert()), "Internet"),                       # alert fixed
    ((policy_definition(), policy_assignment("Deny")), "Internet"),  # Deny policy instead
    ((jit({"web": [22], "app": [22]}),), "10.0.0.0/8"),          # rule closed (JIT now holds)
    ((), "10.0.0.0/8"),                                            # rule closed only
], ids=["alert", "deny-policy", "close-rule-and-jit", "close-rule"])
def test_chain_broken_by_fixing_one_step(scan_files, extra, ssh_source):
    result = scan_files({"main.json": template(*two_vms(*extra, ssh_source=ssh_source))})
    assert chain_targets(result) is None


def test_chain_stands_with_a_disabled_alert(scan_files):
    """A disabled alert is no fix: the chain stands (closing the one rule is cheapest)."""
    result = scan_files({"main.json": template(*two_vms(action_group(), alert(enabled=False)))})
    assert chain_targets(result) == ["web"]
    assert result.chains[0].targets[0].fix.kind == "close-rule"


def test_chain_needs_reachability(scan_files):
    resources = [nsg("web-nsg", rule("ssh", "22")), vnet(), nic(pip_name=None), vm()]
    result = scan_files({"main.json": template(*resources)})
    assert {f.rule_id for f in result.findings} == {"zt_net_001", "zt_vis_010", "zt_vis_008"}
    assert chain_targets(result) is None  # no VM links the three: no chain
