"""zt_vis_010, zt_vis_008 and CHAIN-016 on Terraform: one row per reason in domain.md §2."""

from __future__ import annotations

import pytest
from helpers import nsg_tf

from iacjit.rules import ZT_NET_001, ZT_VIS_008, ZT_VIS_010
from iacjit.rules.base import Settings

NSG = '''
resource "azurerm_resource_group" "rg" {
  name     = "rg-web"
  location = "westeurope"
}
''' + nsg_tf(name="web-nsg", source='"%(source)s"',
                before_rule="  resource_group_name = azurerm_resource_group.rg.name\n")
VM = '''
resource "azurerm_subnet" "app" {
  name                 = "app"
  virtual_network_name = "vnet"
  resource_group_name  = azurerm_resource_group.rg.name
}
resource "azurerm_public_ip" "pip" {
  name = "web-pip"
  sku  = "Standard"
}
resource "azurerm_network_interface" "nic" {
  name                = "web-nic"
  resource_group_name = azurerm_resource_group.rg.name
  ip_configuration {
    name                 = "ip"
    subnet_id            = azurerm_subnet.app.id
    %(public)s
  }
}
resource "%(vm_type)s" "vm" {
  name                  = "web-vm"
  resource_group_name   = azurerm_resource_group.rg.name
  network_interface_ids = [azurerm_network_interface.nic.id]
}
'''
NIC_NSG = '''
resource "azurerm_network_interface_security_group_association" "a" {
  network_interface_id      = azurerm_network_interface.nic.id
  network_security_group_id = azurerm_network_security_group.nsg.id
}
'''
SUBNET_NSG = '''
resource "azurerm_subnet_network_security_group_association" "a" {
  subnet_id                 = azurerm_subnet.app.id
  network_security_group_id = azurerm_network_security_group.nsg.id
}
'''
JIT = '''
resource "azapi_resource" "jit" {
  type = "Microsoft.Security/locations/jitNetworkAccessPolicies@2020-01-01"
  name = "jit"
  body = %(body)s
}
'''


def jit_body(vm_ref="azurerm_linux_virtual_machine.vm.id", port=22, protocol="TCP",
             encode=False) -> str:
    inner = (f'{{ properties = {{ virtualMachines = [{{ id = {vm_ref}, ports = [{{ number = '
             f'{port}, protocol = "{protocol}", allowedSourceAddressPrefix = "*", '
             f'maxRequestAccessDuration = "PT3H" }}] }}] }} }}')
    return f"jsonencode({inner})" if encode else inner


ALERT = '''
data "azurerm_subscription" "current" {}
resource "azurerm_monitor_activity_log_alert" "alert" {
  name    = "nsg-write"
  scopes  = [%(scope)s]
  enabled = %(enabled)s
  criteria {
    category       = "%(category)s"
    operation_name = "%(operation)s"
    %(extra)s
  }
  %(action)s
}
'''
RULE_WRITE = "Microsoft.Network/networkSecurityGroups/securityRules/write"


def alert(scope="data.azurerm_subscription.current.id", enabled="true",
          category="Administrative", operation=RULE_WRITE, extra="",
          action='action {\n    action_group_id = "/subscriptions/x/ag"\n  }') -> str:
    return ALERT % {"scope": scope, "enabled": enabled, "category": category,
                    "operation": operation, "extra": extra, "action": action}


def plan(source="*", public=True, vm_type="azurerm_linux_virtual_machine", link=NIC_NSG,
         extra="") -> dict[str, str]:
    public_line = "public_ip_address_id = azurerm_public_ip.pip.id" if public else ""
    return {"main.tf": (NSG % {"source": source})
            + VM % {"public": public_line, "vm_type": vm_type} + link + extra}


def jit_findings(scan_files, files, **kwargs):
    result = scan_files(files, rules=(ZT_VIS_010,), **kwargs)
    assert not result.errors
    return result


VIS_010_CASES = [
    # id, files, expected category ("unhealthy" -> finding, "unresolved", or healthy/NA -> none)
    ("no-policy", plan(), "unhealthy", "no JIT policy covers it"),
    ("covered-no-standing-rule", plan(source="10.0.0.0/8", extra=JIT % {"body": jit_body()}),
     "healthy", None),
    ("covered-jsonencode-body",
     plan(source="10.0.0.0/8", extra=JIT % {"body": jit_body(encode=True)}), "healthy", None),
    ("standing-internet-rule-bypasses-jit", plan(extra=JIT % {"body": jit_body()}),
     "unhealthy", "JIT is bypassed"),
    ("policy-without-os-port",
     plan(source="10.0.0.0/8", extra=JIT % {"body": jit_body(port=3389)}), "unhealthy",
     "not port(s) 22"),
    ("windows-needs-3389",
     plan(source="10.0.0.0/8", vm_type="azurerm_windows_virtual_machine",
          extra=JIT % {"body": jit_body("azurerm_windows_virtual_machine.vm.id")}),
     "unhealthy", "not port(s) 3389"),
    ("udp-only-policy-does-not-cover",
     plan(source="10.0.0.0/8", extra=JIT % {"body": jit_body(protocol="UDP")}), "unhealthy",
     "not port(s) 22"),
    ("policy-names-another-vm",
     plan(source="10.0.0.0/8", extra=JIT % {"body": jit_body('"/subscriptions/x/resourceGroups'
                                                             '/y/providers/Microsoft.Compute/'
                                                             'virtualMachines/other"')}),
     "unhealthy", "no JIT policy covers it"),
    ("unknown-vm-id-is-unresolved",
     plan(source="10.0.0.0/8", extra='variable "vm_id" {}\n'
          + JIT % {"body": jit_body("var.vm_id")}), "unresolved", "vm_id"),
    ("subnet-nsg-counts-as-in-front", plan(link=SUBNET_NSG), "unhealthy",
     "no JIT policy covers it"),
    ("no-nsg-not-applicable", plan(link=""), "not applicable", None),
]


@pytest.mark.parametrize(("files", "category", "text"), [c[1:] for c in VIS_010_CASES],
                         ids=[c[0] for c in VIS_010_CASES])
def test_zt_vis_010(scan_files, files, category, text):
    result = jit_findings(scan_files, files)
    if category == "unhealthy":
        (finding,) = result.findings
        assert finding.resource.address.endswith(".vm")
        assert text in finding.message
        assert finding.evidence["category"] == "unhealthy"
    elif category == "unresolved":
        (item,) = result.unresolved
        assert text in item.reason
        assert result.findings == []
    else:
        assert result.findings == [] and result.unresolved == []


VIS_008_CASES = [
    ("no-alert", "", "no activity-log alert"),
    ("effective", alert(), None),
    ("disabled", alert(enabled="false"), "disabled"),
    ("wrong-category", alert(category="Security"), "not Administrative"),
    ("nsg-write-only", alert(operation="Microsoft.Network/networkSecurityGroups/write"),
     "does not log"),
    ("other-operation", alert(operation="Microsoft.Compute/virtualMachines/write"),
     "not Microsoft.Network/networkSecurityGroups/securityRules/write"),
    ("narrowed-by-level", alert(extra='level = "Critical"'), "narrowed by a level filter"),
    ("narrowed-by-caller", alert(extra='caller = "someone@example.com"'), "caller"),
    ("no-action-group", alert(action=""), "no action group"),
    ("rg-scope-covers", alert(scope="azurerm_resource_group.rg.id"), None),
    ("other-rg-scope", alert(scope='"/subscriptions/x/resourceGroups/other"'),
     "does not cover"),
]


@pytest.mark.parametrize(("extra", "text"), [c[1:] for c in VIS_008_CASES],
                         ids=[c[0] for c in VIS_008_CASES])
def test_zt_vis_008(scan_files, extra, text):
    result = scan_files(plan(extra=extra), rules=(ZT_VIS_008,))
    assert not result.errors
    if text is None:
        assert result.findings == [] and result.unresolved == []
    else:
        (finding,) = result.findings
        assert finding.resource.address == "azurerm_network_security_group.nsg"
        assert text in finding.message


def test_literal_subscription_scope_is_unresolved(scan_files):
    """The deploying subscription is unknown before deployment: a literal id may be it."""
    result = scan_files(plan(extra=alert(scope='"/subscriptions/1111"')), rules=(ZT_VIS_008,))
    assert result.findings == []
    (item,) = result.unresolved
    assert "depends on where the template is deployed" in item.reason


def test_deny_policy_satisfies_zt_vis_008(scan_files):
    policy = '''
resource "azurerm_policy_definition" "deny" {
  name        = "deny-nsg-mgmt"
  policy_type = "Custom"
  mode        = "All"
  policy_rule = jsonencode({
    if = { field = "type", equals = "Microsoft.Network/networkSecurityGroups/securityRules" }
    then = { effect = "Deny" }
  })
}
resource "azurerm_subscription_policy_assignment" "deny" {
  name                 = "deny-nsg-mgmt"
  policy_definition_id = azurerm_policy_definition.deny.id
  subscription_id      = data.azurerm_subscription.current.id
  enforce              = %s
}
data "azurerm_subscription" "current" {}
'''
    enforced = scan_files(plan(extra=policy % "true"), rules=(ZT_VIS_008,))
    assert enforced.findings == []
    not_enforced = scan_files(plan(extra=policy % "false"), rules=(ZT_VIS_008,))
    (finding,) = not_enforced.findings
    assert "DoNotEnforce" in finding.message


def test_external_control_is_a_note_not_a_pass(scan_files):
    result = scan_files(plan(), rules=(ZT_VIS_008,),
                        settings=Settings(external_controls=frozenset({"zt_vis_008"})))
    (note,) = result.findings
    assert note.severity == "info" and "outside the scanned plan" in note.message


ALL3 = (ZT_NET_001, ZT_VIS_010, ZT_VIS_008)


def test_chain_fires_with_attack_path_and_fix(scan_files):
    result = scan_files(plan(), rules=ALL3)
    (chain,) = result.chains
    assert chain.definition.id == "CHAIN-016"
    (target,) = chain.targets
    assert target.vm.name == "web-vm" and target.ports == [22]
    assert target.path[0] == "Internet" and target.path[-1] == "VM web-vm"
    assert sorted(f.rule_id for f in target.findings) == ["zt_net_001", "zt_vis_008",
                                                          "zt_vis_010"]
    # One rule opens the only NSG layer: closing it is the cheapest fix.
    assert target.fix.kind == "close-rule" and target.fix.line == 9


@pytest.mark.parametrize(
    ("files", "why"),
    [
        (plan(source="10.0.0.0/8"), "no open port"),
        (plan(extra=alert()), "the alert watches rule writes"),
        (plan(source="10.0.0.0/8", extra=JIT % {"body": jit_body()}), "JIT and no open port"),
    ],
    ids=["net-fixed", "alert-fixed", "jit-and-net-fixed"],
)
def test_chain_breaks_when_one_step_is_fixed(scan_files, files, why):
    assert scan_files(files, rules=ALL3).chains == [], why


DENY_NIC_NSG = '''
resource "azurerm_network_security_group" "nic" {
  name                = "nic-nsg"
  resource_group_name = azurerm_resource_group.rg.name
  security_rule {
    name                   = "deny-ssh"
    priority               = 100
    direction              = "Inbound"
    access                 = "Deny"
    protocol               = "*"
    destination_port_range = "*"
    source_address_prefix  = "*"
  }
}
resource "azurerm_network_interface_security_group_association" "a" {
  network_interface_id      = azurerm_network_interface.nic.id
  network_security_group_id = azurerm_network_security_group.nic.id
}
'''
UNLINKED_VM = '''
resource "azurerm_network_interface" "other" {
  name                = "other-nic"
  resource_group_name = azurerm_resource_group.rg.name
  ip_configuration {
    name                 = "ip"
    public_ip_address_id = azurerm_public_ip.pip.id
  }
}
resource "azurerm_linux_virtual_machine" "other" {
  name                  = "other-vm"
  resource_group_name   = azurerm_resource_group.rg.name
  network_interface_ids = [azurerm_network_interface.other.id]
}
'''
# All three rules have findings in each plan, but no single VM combines them: no chain.
UNLINKED_CASES = [
    ("no-public-ip", plan(public=False)),
    ("subnet-open-nic-denies", plan(link=SUBNET_NSG + DENY_NIC_NSG)),
    ("open-nsg-on-no-vm", plan(link=DENY_NIC_NSG.replace('"Deny"', '"Allow"').replace(
        '"*"', '"10.0.0.0/8"'))),
]


@pytest.mark.parametrize("files", [c[1] for c in UNLINKED_CASES],
                         ids=[c[0] for c in UNLINKED_CASES])
def test_no_chain_when_no_vm_links_the_findings(scan_files, files):
    result = scan_files(files, rules=ALL3)
    assert not result.errors
    assert {f.rule_id for f in result.findings} == {"zt_net_001", "zt_vis_008", "zt_vis_010"}
    assert result.chains == []


def test_chain_lists_only_the_linked_vm_and_its_findings(scan_files):
    """An exposed VM and an unreachable one: one target, and the unreachable VM's zt_vis_010
    finding is no trigger of the chain."""
    files = plan(extra=UNLINKED_VM + '''
resource "azurerm_network_security_group" "closed" {
  name                = "closed-nsg"
  resource_group_name = azurerm_resource_group.rg.name
}
resource "azurerm_network_interface_security_group_association" "other" {
  network_interface_id      = azurerm_network_interface.other.id
  network_security_group_id = azurerm_network_security_group.closed.id
}
''')
    result = scan_files(files, rules=ALL3)
    (chain,) = result.chains
    assert [t.vm.name for t in chain.targets] == ["web-vm"]
    jit = [f for f in result.findings if f.rule_id == "zt_vis_010"]
    assert len(jit) == 2
    assert [f.subject for f in chain.triggers if f.rule_id == "zt_vis_010"] == [
        chain.targets[0].vm.key]


def test_chain_across_units_needs_shared_accounts(scan_files):
    """An alert in the root platform/ covers the NSG of the root workloads/ only when the
    configuration says both deploy into one subscription (docs/deployment-units.md)."""
    files = {f"workloads/{k}": v for k, v in plan().items()}
    files["platform/alert.tf"] = alert()
    apart = scan_files(files, rules=ALL3, paths=["workloads", "platform"])
    assert [t.vm.name for c in apart.chains for t in c.targets] == ["web-vm"]
    shared = Settings(shared_accounts=(("platform", "workloads"),))
    together = scan_files({}, rules=ALL3, paths=["workloads", "platform"], settings=shared)
    assert together.chains == []
    alone = scan_files({}, rules=ALL3, paths=["workloads"], settings=shared)
    assert len(alone.chains) == 1
