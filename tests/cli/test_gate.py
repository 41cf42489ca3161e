"""The verdict (iacjit.gate): unresolved checks fail the run at their rule's severity only with
fail-on-unresolved, after severity overrides, never for controls declared external."""

from __future__ import annotations

import pytest
from helpers import OPEN_NSG

from iacjit.gate import Gate
from iacjit.reports.serialize import to_document

# zt_net_001 (high) cannot decide: the source prefix is a variable without a value.
UNKNOWN_SOURCE = '''
variable "admin_source" {}
resource "azurerm_network_security_group" "jump" {
  name = "jump"
  security_rule {
    name = "rdp"
    priority = 100
    direction = "Inbound"
    access = "Allow"
    protocol = "Tcp"
    destination_port_range = "3389"
    source_address_prefix = var.admin_source
  }
}
'''


@pytest.fixture
def unresolved_only(scan_net):
    result = scan_net({"main.tf": UNKNOWN_SOURCE})
    assert [u.rule_id for u in result.unresolved] == ["zt_net_001"] and not result.findings
    return result


@pytest.mark.parametrize(("gate", "code", "severity"), [
    (Gate(), 0, "high"),                                           # reported, passes
    (Gate(fail_on_unresolved=True), 1, "high"),                    # fails as its finding would
    (Gate(fail_on="high", fail_on_unresolved=True), 1, "high"),
    (Gate(fail_on="critical", fail_on_unresolved=True), 0, "high"),  # below the threshold
    (Gate(fail_on="none", fail_on_unresolved=True), 0, "high"),
    (Gate(fail_on="high", fail_on_unresolved=True, severity={"zt_net_001": "medium"}), 0,
     "medium"),                                                    # the override applies
    (Gate(fail_on="low", fail_on_unresolved=True, severity={"zt_net_001": "info"}), 0, "info"),
    (Gate(fail_on_unresolved=True, external_controls=frozenset({"zt_net_001"})), 0, "info"),
])
def test_unresolved_verdict(unresolved_only, gate, code, severity):
    assert gate.exit_code(unresolved_only) == code
    [entry] = gate.annotate(to_document(unresolved_only, code))["unresolved"]
    assert entry["severity"] == severity
    assert entry["failing"] is (code == 1)


@pytest.mark.parametrize(("files", "gate", "code"), [
    ({"main.tf": OPEN_NSG, "broken.tf": 'resource "x" "y" {\n'}, Gate(), 2),  # incomplete
    ({"main.tf": OPEN_NSG}, Gate(fail_on="high"), 1),
    ({"main.tf": OPEN_NSG}, Gate(fail_on="critical"), 0),  # no chain without a VM
])
def test_findings_and_errors_keep_their_meaning(scan_files, files, gate, code):
    assert gate.exit_code(scan_files(files)) == code
