"""Reachability from the internet (domain.md §2): public IP, load-balancer NAT, firewall DNAT.

A VM is on an attack path only when a path exists *and* every NSG layer on it allows the port.
"""

from __future__ import annotations

import pytest
from helpers import nsg_tf

from iacjit.rules import ZT_NET_001, ZT_VIS_008, ZT_VIS_010

ALL3 = (ZT_NET_001, ZT_VIS_010, ZT_VIS_008)

IN_RG = '  resource_group_name = "rg"\n'
BASE = "\n" + nsg_tf("nic", name="nic-nsg", source='"Internet"', before_rule=IN_RG) + nsg_tf(
    "subnet", name="subnet-nsg", rule="%(subnet_rule)s", access="%(subnet_access)s",
    before_rule=IN_RG) + '''resource "azurerm_subnet" "app" {
  name                 = "app"
  virtual_network_name = "vnet"
  resource_group_name  = "rg"
}
resource "azurerm_subnet_network_security_group_association" "s" {
  subnet_id                 = azurerm_subnet.app.id
  network_security_group_id = azurerm_network_security_group.subnet.id
}
resource "azurerm_network_interface_security_group_association" "n" {
  network_interface_id      = azurerm_network_interface.nic.id
  network_security_group_id = azurerm_network_security_group.nic.id
}
resource "azurerm_network_interface" "nic" {
  name                = "nic"
  resource_group_name = "rg"
  ip_configuration {
    name                          = "ip"
    subnet_id                     = azurerm_subnet.app.id
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.0.1.4"
    %(public)s
  }
}
resource "azurerm_linux_virtual_machine" "vm" {
  name                  = "vm"
  resource_group_name   = "rg"
  network_interface_ids = [azurerm_network_interface.nic.id]
}
resource "azurerm_public_ip" "pip" {
  name = "pip"
  sku  = "Standard"
}
'''
PUBLIC = "public_ip_address_id = azurerm_public_ip.pip.id"
LB_NAT = '''
resource "azurerm_lb_nat_rule" "ssh" {
  name          = "ssh-nat"
  backend_port  = %(port)s
  frontend_port = 50022
  protocol      = "Tcp"
}
resource "azurerm_network_interface_nat_rule_association" "a" {
  network_interface_id  = azurerm_network_interface.nic.id
  ip_configuration_name = "ip"
  nat_rule_id           = azurerm_lb_nat_rule.ssh.id
}
'''
DNAT = '''
resource "azurerm_firewall_nat_rule_collection" "dnat" {
  name                = "dnat"
  azure_firewall_name = "fw"
  resource_group_name = "rg"
  priority            = 100
  action              = "Dnat"
  rule {
    name                  = "ssh-to-vm"
    source_addresses      = ["*"]
    destination_ports     = ["50022"]
    destination_addresses = ["20.1.2.3"]
    translated_address    = "%(address)s"
    translated_port       = "22"
    protocols             = ["TCP"]
  }
}
'''


def tf(public="", subnet_access="Allow", subnet_rule="ssh", extra="") -> dict[str, str]:
    return {"main.tf": BASE % {"public": public, "subnet_access": subnet_access,
                               "subnet_rule": subnet_rule} + extra}


CASES = [
    ("public-ip-both-layers-allow", tf(public=PUBLIC), "public IP pip"),
    ("subnet-nsg-denies", tf(public=PUBLIC, subnet_access="Deny", subnet_rule="deny-ssh"), None),
    ("no-entry-point", tf(), None),
    ("lb-nat-rule-to-22", tf(extra=LB_NAT % {"port": 22}), "load-balancer inbound NAT rule"),
    ("lb-nat-rule-to-other-port", tf(extra=LB_NAT % {"port": 8080}), None),
    ("firewall-dnat-to-vm", tf(extra=DNAT % {"address": "10.0.1.4"}),
     "Azure Firewall DNAT rule"),
    ("firewall-dnat-elsewhere", tf(extra=DNAT % {"address": "10.0.9.9"}), None),
]


@pytest.mark.parametrize(("files", "via"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_attack_path_needs_an_entry_point_and_every_layer(scan_files, files, via):
    result = scan_files(files, rules=ALL3)
    assert not result.errors
    targets = [t for chain in result.chains for t in chain.targets]
    if via is None:
        assert targets == []
    else:
        (target,) = targets
        assert target.vm.name == "vm" and target.ports == [22]
        assert any(step.startswith(via) for step in target.path)


def test_standard_public_ip_without_nsg_is_closed(scan_files):
    """Standard public IPs are closed unless an NSG allows: no NSG means no path."""
    files = {"main.tf": '''
resource "azurerm_public_ip" "pip" {
  name = "pip"
  sku  = "Standard"
}
resource "azurerm_network_interface" "nic" {
  name = "nic"
  ip_configuration {
    name                 = "ip"
    public_ip_address_id = azurerm_public_ip.pip.id
  }
}
resource "azurerm_linux_virtual_machine" "vm" {
  name                  = "vm"
  network_interface_ids = [azurerm_network_interface.nic.id]
}
'''}
    result = scan_files(files, rules=(ZT_VIS_010,))
    assert result.findings == []  # not applicable: no NSG in front
    from iacjit.providers import build_model
    from iacjit.rules.base import Settings
    from iacjit.semantics.exposure import vm_exposure

    model = build_model(result.resources)
    (vm,) = model.vms.values()
    assert vm_exposure(model, vm, Settings().management_ports) == []
