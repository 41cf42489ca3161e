"""zt_net_001 on Terraform: each row a case from domain.md §2 or a peer's known mistake (§4)."""

from __future__ import annotations

import pytest


def nsg(*rules: str, extra: str = "") -> str:
    body = "\n".join(f"  security_rule {{\n{r}\n  }}" for r in rules)
    return (
        'resource "azurerm_network_security_group" "nsg" {\n  name = "nsg"\n'
        f"{body}\n}}\n{extra}"
    )


def rule(name="r", priority=100, access="Allow", protocol="Tcp", port='"22"',
         source='"*"', direction="Inbound", port_attr="destination_port_range",
         source_attr="source_address_prefix") -> str:
    return (
        f'    name = "{name}"\n    priority = {priority}\n    direction = "{direction}"\n'
        f'    access = "{access}"\n    protocol = "{protocol}"\n'
        f"    {port_attr} = {port}\n    {source_attr} = {source}"
    )


AZURE_CASES = [
    # (id, hcl, expected exposed ports or None for no finding)
    ("ssh-star", nsg(rule()), [22]),
    ("rdp-internet-tag", nsg(rule(port='"3389"', source='"Internet"')), [3389]),
    ("internet-lowercase", nsg(rule(source='"internet"')), [22]),
    ("zero-cidr", nsg(rule(source='"0.0.0.0/0"')), [22]),  # checkov misses
    ("ipv6-zero", nsg(rule(source='"::/0"')), [22]),  # checkov misses
    ("nonzero-bits-slash-0", nsg(rule(source='"192.168.1.0/0"')), [22]),
    ("port-star", nsg(rule(port='"*"')), [22, 3389]),  # KICS misses in Terraform
    ("range-covers-both", nsg(rule(port='"1-4000"')), [22, 3389]),
    ("port-list", nsg(rule(port='["80", "3389"]', port_attr="destination_port_ranges")),
     [3389]),
    ("protocol-star", nsg(rule(protocol="*")), [22]),
    ("protocol-udp", nsg(rule(protocol="Udp")), None),
    ("protocol-icmp", nsg(rule(protocol="Icmp", port='"*"')), None),
    ("private-source", nsg(rule(source='"10.0.0.0/8"')), None),
    ("vnet-tag", nsg(rule(source='"VirtualNetwork"')), None),
    ("outbound", nsg(rule(direction="Outbound")), None),
    ("deny", nsg(rule(access="Deny")), None),
    ("https-only", nsg(rule(port='"443"')), None),
    ("source-union",
     nsg(rule(source='["0.0.0.0/1", "128.0.0.0/1"]', source_attr="source_address_prefixes")),
     [22]),
    # Priority: a Deny evaluated first closes the Allow (checkov flags it anyway).
    ("deny-before-allow",
     nsg(rule("deny", 100, access="Deny", source='"*"'), rule("allow", 200)), None),
    ("deny-after-allow",
     nsg(rule("deny", 300, access="Deny"), rule("allow", 200)), [22]),
    ("deny-other-port",
     nsg(rule("deny", 100, access="Deny", port='"3389"'), rule("allow", 200)), [22]),
    ("deny-partial-port",
     nsg(rule("deny", 100, access="Deny"), rule("allow", 200, port='"*"')), [3389]),
    ("deny-udp-only",
     nsg(rule("deny", 100, access="Deny", protocol="Udp"), rule("allow", 200)), [22]),
    ("deny-private-source",
     nsg(rule("deny", 100, access="Deny", source='"10.0.0.0/8"'), rule("allow", 200)), [22]),
    ("deny-ipv4-only-leaves-ipv6",
     nsg(rule("deny", 100, access="Deny", source='"0.0.0.0/0"'), rule("allow", 200)), [22]),
    ("deny-internet-closes-star",
     nsg(rule("deny", 100, access="Deny", source='"Internet"'), rule("allow", 200)), None),
    # A standalone Deny resource shadows an inline Allow of the same NSG.
    ("standalone-deny-merged",
     nsg(rule("allow", 200), extra='''
resource "azurerm_network_security_rule" "deny" {
  name = "deny"
  priority = 100
  direction = "Inbound"
  access = "Deny"
  protocol = "*"
  destination_port_range = "*"
  source_address_prefix = "*"
  network_security_group_name = azurerm_network_security_group.nsg.name
  resource_group_name = "rg"
}
'''), None),
]




def sg(ingress: str, extra: str = "") -> str:
    return f'resource "aws_security_group" "sg" {{\n  name = "sg"\n{ingress}\n}}\n{extra}'


def ingress(from_port="22", to_port="22", protocol='"tcp"', cidrs='["0.0.0.0/0"]',
            v6=None) -> str:
    v6_line = f"    ipv6_cidr_blocks = {v6}\n" if v6 else ""
    return (f"  ingress {{\n    from_port = {from_port}\n    to_port = {to_port}\n"
            f"    protocol = {protocol}\n    cidr_blocks = {cidrs}\n{v6_line}  }}")


AWS_CASES = [
    ("inline-ssh", sg(ingress()), [22]),
    ("inline-udp-22", sg(ingress(protocol='"udp"')), None),  # checkov CKV_AWS_24 flags it
    ("inline-all-protocols-ports-ignored", sg(ingress("0", "0", '"-1"')), [22, 3389]),
    ("inline-tcp-port-0-only", sg(ingress("0", "0")), None),
    ("inline-protocol-6", sg(ingress(protocol='"6"')), [22]),
    ("inline-ipv6", sg(ingress(cidrs="[]", v6='["::/0"]')), [22]),
    ("inline-private", sg(ingress(cidrs='["10.0.0.0/8"]')), None),
    ("inline-icmp", sg(ingress("-1", "-1", '"icmp"')), None),
    ("sg-rule-ingress", sg("", '''
resource "aws_security_group_rule" "r" {
  type = "ingress"
  from_port = 3389
  to_port = 3389
  protocol = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
  security_group_id = aws_security_group.sg.id
}'''), [3389]),
    ("sg-rule-egress-ignored", sg("", '''
resource "aws_security_group_rule" "r" {
  type = "egress"
  from_port = 22
  to_port = 22
  protocol = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
  security_group_id = aws_security_group.sg.id
}'''), None),
    ("sg-rule-source-sg-not-internet", sg("", '''
resource "aws_security_group_rule" "r" {
  type = "ingress"
  from_port = 22
  to_port = 22
  protocol = "tcp"
  source_security_group_id = "sg-123"
  security_group_id = aws_security_group.sg.id
}'''), None),
    # checkov misses protocol -1 without ports and IPv6 on the newer rule resource.
    ("vpc-rule-minus-one-no-ports", sg("", '''
resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = aws_security_group.sg.id
  cidr_ipv4 = "0.0.0.0/0"
  ip_protocol = "-1"
}'''), [22, 3389]),
    ("vpc-rule-ipv6", sg("", '''
resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = aws_security_group.sg.id
  cidr_ipv6 = "::/0"
  ip_protocol = "tcp"
  from_port = 22
  to_port = 22
}'''), [22]),
    ("vpc-rule-prefix-list", sg("", '''
resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = aws_security_group.sg.id
  prefix_list_id = "pl-123"
  ip_protocol = "tcp"
  from_port = 22
  to_port = 22
}'''), None),
]


@pytest.mark.parametrize(("hcl", "ports"), [c[1:] for c in AZURE_CASES + AWS_CASES],
                         ids=[c[0] for c in AZURE_CASES + AWS_CASES])
def test_rule_table(scan_net, hcl, ports):
    """Azure NSG and AWS security-group rows: the exposed ports, or no finding at all."""
    result = scan_net({"main.tf": hcl})
    assert not result.errors
    assert not result.unresolved
    if ports is None:
        assert result.findings == []
    else:
        (finding,) = result.findings
        assert finding.rule_id == "zt_net_001"
        assert finding.evidence["ports"] == ports


def test_dynamic_blocks_keep_static_ones(scan_net):
    """checkov drops static ingress blocks when a dynamic one is present."""
    result = scan_net({"main.tf": '''
        variable "ports" { default = [3389] }
        resource "aws_security_group" "sg" {
          ingress {
            from_port = 22
            to_port = 22
            protocol = "tcp"
            cidr_blocks = ["0.0.0.0/0"]
          }
          dynamic "ingress" {
            for_each = var.ports
            content {
              from_port = ingress.value
              to_port = ingress.value
              protocol = "tcp"
              cidr_blocks = ["0.0.0.0/0"]
            }
          }
        }
    '''})
    assert sorted(f.evidence["ports"][0] for f in result.findings) == [22, 3389]
    assert sorted(f.span.line for f in result.findings) == [4, 12]  # ingress, content


def test_finding_location_and_message(scan_net):
    result = scan_net({"net/main.tf": nsg(rule("ssh-open", 110))})
    (finding,) = result.findings
    assert finding.resource.address == "azurerm_network_security_group.nsg"
    assert finding.resource.file == "net/main.tf"
    assert (finding.span.line, finding.span.end_line) == (3, 11)
    for text in ("ssh-open", "22", "priority 110", "*"):
        assert text in finding.message


def test_unknown_source_is_unresolved_not_passed(scan_net):
    result = scan_net({"main.tf": 'variable "src" {}\n' + nsg(rule(source="var.src"))})
    assert result.findings == []
    (item,) = result.unresolved
    assert "src" in item.reason and "no default" in item.reason


def test_known_no_beats_unknown(scan_net):
    """An unknown source does not matter when the port is known not to be a management port."""
    result = scan_net({"main.tf": 'variable "src" {}\n' + nsg(rule(source="var.src",
                                                                     port='"443"'))})
    assert result.findings == [] and result.unresolved == []


def test_unknown_deny_priority_makes_allow_unresolved(scan_net):
    result = scan_net({"main.tf": 'variable "p" {}\n' + nsg(
        rule("deny", "var.p", access="Deny"), rule("allow", 200))})
    assert result.findings == []
    assert len(result.unresolved) == 1


def test_unknown_allow_priority_without_any_deny_still_decides(scan_net):
    """Priority only matters when a Deny could close the traffic."""
    result = scan_net({"main.tf": 'variable "p" {}\n' + nsg(
        rule("allow", "var.p"), rule("other", 300, port='"443"', access="Deny"))})
    assert result.unresolved == []
    (finding,) = result.findings
    assert finding.evidence["ports"] == [22]
