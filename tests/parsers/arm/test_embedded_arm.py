"""ARM templates embedded in Terraform (``azurerm_*_template_deployment.template_content``).

The JIT policy is the common case (Terraform has no azurerm resource for it, domain.md §2):
the resources inside the template join the plan, located at the deployment block, and a
Terraform reference inside ``jsonencode`` still links them to the Terraform VM.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import REPO

from iacjit.parsers.common.options import ParseOptions
from iacjit.providers import build_model
from iacjit.rules.base import Settings
from iacjit.rules.jit_status import jit_status
from iacjit.scan import parse_inputs

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"

VM = """\
resource "azurerm_resource_group" "rg" {
  name     = "rg-web"
  location = "westeurope"
}

resource "azurerm_network_security_group" "nsg" {
  name                = "web-nsg"
  location            = "westeurope"
  resource_group_name = "rg-web"
}

resource "azurerm_network_interface" "nic" {
  name                = "web-nic"
  location            = "westeurope"
  resource_group_name = "rg-web"
  ip_configuration {
    name                          = "internal"
    subnet_id = join("/", ["/subscriptions/0000/resourceGroups/rg-web/providers",
                           "Microsoft.Network/virtualNetworks/vnet/subnets/default"])
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_network_interface_security_group_association" "nic" {
  network_interface_id      = azurerm_network_interface.nic.id
  network_security_group_id = azurerm_network_security_group.nsg.id
}

resource "azurerm_linux_virtual_machine" "vm" {
  name                  = "web"
  resource_group_name   = "rg-web"
  location              = "westeurope"
  size                  = "Standard_B2s"
  admin_username        = "azureuser"
  network_interface_ids = [azurerm_network_interface.nic.id]
  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }
  source_image_reference {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }
}
"""

JSONENCODE_WITH_REFERENCE = """\
resource "azurerm_resource_group_template_deployment" "jit" {
  name                = "web-jit"
  resource_group_name = azurerm_resource_group.rg.name
  deployment_mode     = "Incremental"
  template_content = jsonencode({
    "$schema"      = "%s"
    contentVersion = "1.0.0.0"
    resources = [{
      type       = "Microsoft.Security/locations/jitNetworkAccessPolicies"
      apiVersion = "2020-01-01"
      name       = "westeurope/web-jit"
      kind       = "Basic"
      properties = {
        virtualMachines = [{
          id = azurerm_linux_virtual_machine.vm.id
          ports = [{
            number                     = %s
            protocol                   = "TCP"
            allowedSourceAddressPrefix = "203.0.113.0/24"
            maxRequestAccessDuration   = "PT3H"
          }]
        }]
      }
    }]
  })
}
"""


def jsonencoded(port: int = 22) -> str:
    return JSONENCODE_WITH_REFERENCE % (SCHEMA, port)


def heredoc(template: dict, parameters: str | None = None,
            kind: str = "azurerm_resource_group_template_deployment") -> str:
    group = '  resource_group_name = "rg-web"\n' if "resource_group" in kind else \
        '  location = "westeurope"\n'
    text = (f'resource "{kind}" "arm" {{\n  name = "arm"\n{group}'
            f'  deployment_mode = "Incremental"\n'
            f"  template_content = <<-JSON\n{json.dumps(template, indent=2)}\n  JSON\n")
    if parameters is not None:
        text += f"  parameters_content = {parameters}\n"
    return text + "}\n"


def jit_template(vm_id: str, parameters: dict | None = None) -> dict:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters or {},
            "resources": [{
                "type": "Microsoft.Security/locations/jitNetworkAccessPolicies",
                "apiVersion": "2020-01-01", "kind": "Basic",
                "name": "[concat('westeurope', '/web-jit')]",
                "properties": {"virtualMachines": [{"id": vm_id, "ports": [
                    {"number": 22, "protocol": "TCP", "allowedSourceAddressPrefix": "*",
                     "maxRequestAccessDuration": "PT1H"}]}]}}]}


def alert_template(scope: str = "[subscription().id]") -> dict:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [
        {"type": "Microsoft.Insights/actionGroups", "apiVersion": "2023-01-01",
         "name": "secops", "location": "Global",
         "properties": {"groupShortName": "secops", "enabled": True}},
        {"type": "Microsoft.Insights/activityLogAlerts", "apiVersion": "2020-10-01",
         "name": "nsg-rule-write", "location": "Global", "properties": {
             "enabled": True, "scopes": [scope],
             "condition": {"allOf": [
                 {"field": "category", "equals": "Administrative"},
                 {"field": "operationName", "equals":
                  "Microsoft.Network/networkSecurityGroups/securityRules/write"}]},
             "actions": {"actionGroups": [{"actionGroupId":
                                           "[resourceId('Microsoft.Insights/actionGroups', "
                                           "'secops')]"}]}}}]}


def status(tmp_path: Path, name: str = "web"):
    parsed, _ = parse_inputs([tmp_path], ParseOptions())
    model = build_model(parsed.resources)
    found = {vm.name: jit_status(vm, model, Settings()) for vm in model.vms.values()}
    return found[name], parsed


def test_jit_in_jsonencode_with_a_reference_covers_the_terraform_vm(scan_files, tmp_path):
    result = scan_files({"main.tf": VM + jsonencoded()})
    vm_status, parsed = status(tmp_path)
    assert vm_status.category == "healthy", vm_status.reason
    assert vm_status.jit_ports == [22]
    assert not [f for f in result.findings if f.rule_id == "zt_vis_010"]
    assert not result.errors and not result.not_scanned
    (policy,) = [r for r in parsed.resources if r.type.endswith("jitNetworkAccessPolicies")]
    deployment = next(r for r in parsed.resources
                      if r.type == "azurerm_resource_group_template_deployment")
    assert policy.address == ("azurerm_resource_group_template_deployment.jit/"
                              "Microsoft.Security/locations/jitNetworkAccessPolicies/"
                              "westeurope/web-jit")
    assert (policy.root, policy.file, policy.span) == (
        deployment.root, deployment.file, deployment.span)
    assert policy.file == "main.tf"
    assert policy.source_format == "arm"


def test_jit_without_the_os_port_is_read_from_the_template(scan_files, tmp_path):
    result = scan_files({"main.tf": VM + jsonencoded(3389)})
    vm_status, _ = status(tmp_path)
    assert vm_status.category == "unhealthy"
    assert "covers it but not port(s) 22" in vm_status.reason
    (finding,) = [f for f in result.findings if f.rule_id == "zt_vis_010"]
    assert finding.resource.address == "azurerm_linux_virtual_machine.vm"


def test_control_without_the_deployment_the_vm_is_unhealthy(scan_files, tmp_path):
    scan_files({"main.tf": VM})
    assert status(tmp_path)[0].category == "unhealthy"


@pytest.mark.parametrize(("template", "parameters"), [
    # an ARM id built by resourceId() finds the Terraform VM by (type, name)
    (jit_template("[resourceId('Microsoft.Compute/virtualMachines', 'web')]"), None),
    # a parameter fed from Terraform: the reference survives parameters_content's jsonencode
    (jit_template("[parameters('vmId')]", {"vmId": {"type": "string"}}),
     "jsonencode({ vmId = { value = azurerm_linux_virtual_machine.vm.id } })"),
    # a literal parameters document in a JSON string
    (jit_template("[parameters('vmId')]", {"vmId": {"type": "string"}}),
     json.dumps(json.dumps({"vmId": {"value": "/subscriptions/0000/resourceGroups/rg-web/"
                                              "providers/Microsoft.Compute/virtualMachines/"
                                              "web"}}))),
], ids=["heredoc-resourceid", "parameters-jsonencode-reference", "parameters-json-string"])
def test_heredoc_template_forms(scan_files, tmp_path, template, parameters):
    result = scan_files({"main.tf": VM, "jit.tf": heredoc(template, parameters)})
    assert not result.errors, result.errors
    vm_status, _ = status(tmp_path)
    assert vm_status.category == "healthy", vm_status.reason


def test_unknown_vm_parameter_is_unresolved(scan_files, tmp_path):
    template = jit_template("[parameters('vmId')]", {"vmId": {"type": "string"}})
    scan_files({"main.tf": VM, "jit.tf": heredoc(template)})
    vm_status, _ = status(tmp_path)
    assert vm_status.category == "unresolved"
    assert "names a VM whose id is unknown" in vm_status.reason


def test_subscription_deployment_alert_covers_terraform_nsgs(scan_files):
    files = {"main.tf": VM, "alert.tf": heredoc(
        alert_template(), kind="azurerm_subscription_template_deployment")}
    result = scan_files(files)
    assert not [f for f in result.findings if f.rule_id == "zt_vis_008"]
    assert not [u for u in result.unresolved if u.rule_id == "zt_vis_008"]


def test_resource_group_of_the_deployment_is_resource_group_function(scan_files):
    """``resourceGroup().id`` inside names the deployment's group: it covers rg-web only."""
    other = VM.replace('"web-nsg"', '"db-nsg"').replace(
        'resource "azurerm_network_security_group" "nsg" {\n  name                = "db-nsg"\n'
        '  location            = "westeurope"\n  resource_group_name = "rg-web"',
        'resource "azurerm_network_security_group" "nsg" {\n  name                = "db-nsg"\n'
        '  location            = "westeurope"\n  resource_group_name = "rg-db"')
    files = {"web/main.tf": VM, "db/main.tf": other,
             "web/alert.tf": heredoc(alert_template("[resourceGroup().id]"))}
    result = scan_files(files)
    uncovered = [f.evidence["security_group"] for f in result.findings
                 if f.rule_id == "zt_vis_008"]
    assert uncovered == ["db-nsg"]


def test_template_from_a_file_function_is_listed_as_not_scanned(scan_files, tmp_path):
    deployment = """\
        resource "azurerm_resource_group_template_deployment" "jit" {
          name                = "web-jit"
          resource_group_name = "rg-web"
          deployment_mode     = "Incremental"
          template_content    = file("${path.module}/jit.json")
        }
    """
    result = scan_files({"main.tf": VM, "jit.tf": deployment,
                         "templates/jit.json": "{}"})
    (entry,) = result.not_scanned
    assert entry.what == "template_content of azurerm_resource_group_template_deployment.jit"
    assert "not known before apply" in entry.reason
    assert entry.file == "jit.tf" and entry.line == 1
    assert status(tmp_path)[0].category == "unhealthy"


def test_invalid_json_is_an_input_error(scan_files):
    deployment = heredoc({"x": 1}).replace('"x": 1', '"x": ')
    result = scan_files({"main.tf": VM, "jit.tf": deployment})
    (error,) = result.errors
    assert "template_content is not valid JSON" in error.message
    assert error.file == "jit.tf"


def test_not_a_template_is_an_input_error(scan_files):
    result = scan_files({"main.tf": VM, "jit.tf": heredoc({"resources": []})})
    (error,) = result.errors
    assert "is not an ARM template" in error.message


def test_count_expands_each_instance(scan_files, tmp_path):
    deployment = jsonencoded().replace('  name                = "web-jit"\n',
                                       '  count               = 2\n'
                                       '  name                = "web-jit-${count.index}"\n')
    scan_files({"main.tf": VM + deployment})
    parsed, _ = parse_inputs([tmp_path], ParseOptions())
    addresses = sorted(r.address for r in parsed.resources
                       if r.type.endswith("jitNetworkAccessPolicies"))
    assert [a.split("/")[0] for a in addresses] == [
        "azurerm_resource_group_template_deployment.jit[0]",
        "azurerm_resource_group_template_deployment.jit[1]"]


def test_plan_json_with_a_known_template_content(tmp_path, monkeypatch):
    """A plan carries ``template_content`` as the JSON string Terraform computed."""
    plan = json.loads((REPO / "samples/terraform-plan/azure/plan.json").read_text())
    template = json.dumps(jit_template(
        "[resourceId('Microsoft.Compute/virtualMachines', 'web-vm')]"))
    values = {"name": "web-jit", "resource_group_name": "web-rg",
              "deployment_mode": "Incremental", "template_content": template,
              "parameters_content": "{}", "debug_level": None, "tags": None,
              "template_spec_version_id": None, "timeouts": None}
    address = "azurerm_resource_group_template_deployment.jit"
    plan["planned_values"]["root_module"]["resources"].append({
        "address": address, "mode": "managed",
        "type": "azurerm_resource_group_template_deployment", "name": "jit",
        "provider_name": "registry.terraform.io/hashicorp/azurerm", "schema_version": 0,
        "values": values, "sensitive_values": {}})
    plan["resource_changes"].append({
        "address": address, "mode": "managed",
        "type": "azurerm_resource_group_template_deployment", "name": "jit",
        "provider_name": "registry.terraform.io/hashicorp/azurerm",
        "change": {"actions": ["create"], "before": None, "after": values,
                   "after_unknown": {"id": True, "output_content": True},
                   "before_sensitive": False, "after_sensitive": {}}})
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=2))
    monkeypatch.chdir(tmp_path)
    vm_status, parsed = status(tmp_path, "web-vm")
    assert not parsed.errors, parsed.errors
    # the vulnerable sample also opens RDP, which the policy (22 only) leaves out
    assert vm_status.category == "unhealthy"
    assert "JIT policy 'westeurope/web-jit' covers it but not port(s) 3389" in vm_status.reason
