"""A report document with every section filled (findings, a suppressed one, a chain,
unresolved results, errors, modules not scanned) and hostile text in scanned names: what the
renderers and the pull-request comment are tested against."""

from __future__ import annotations

HOSTILE = "web-nsg<script>alert(1)</script>](http://x) @org/team `x` \x1b[31m"


def full_document() -> dict:
    """A report with every section filled, including a chain (the shape the lead produces)."""
    finding = {
        "rule_id": "zt_net_001", "severity": "high",
        "title": "Management port open to the internet",
        "message": f"NSG '{HOSTILE}' rule 'allow-ssh' allows port(s) 22 from 0.0.0.0/0",
        "resource": "azurerm_network_security_group.web",
        "resource_type": "azurerm_network_security_group",
        "file": "infra/main.tf", "line": 55, "end_line": 64,
        "evidence": {"security_group": "web-nsg", "rule": "allow-ssh", "ports": [22]},
        "suppressed": False,
    }
    suppressed = {**finding, "resource": "azurerm_network_security_rule.rdp", "line": 70,
                  "end_line": 80, "evidence": {"rule": "allow-rdp", "ports": [3389]},
                  "suppressed": True,
                  "suppression": {"reason": "break-glass jump host, ticket SEC-12",
                                  "kind": "inline"}}
    low = {**finding, "severity": "medium", "resource": "aws_security_group.b", "line": 3,
           "end_line": 9, "file": "infra/aws dir/main.tf", "evidence": {"rule": "ingress[0]"}}
    trigger = {"rule_id": "zt_net_001", "resource": "azurerm_network_security_group.web",
               "file": "infra/main.tf", "line": 55}
    chain = {
        "chain_id": "CHAIN-016", "severity": "critical", "likelihood": "high",
        "title": "No JIT, open ports, no alert → persistent backdoor", "suppressed": False,
        "triggers": [trigger],
        "steps": [
            {"order": 1, "actor": "attacker", "action": "finds SSH open to the internet",
             "technique": "T1190", "enabled_by": "zt_net_001", "gain": "a login prompt"},
            {"order": 2, "actor": "attacker", "action": "brute-forces the password",
             "technique": "T1110", "enabled_by": None, "gain": "a shell"},
        ],
        "targets": [{"vm": "azurerm_linux_virtual_machine.web", "vm_name": "web-vm",
                     "file": "infra/vm.tf", "line": 12, "ports": [22],
                     "path": ["Internet", "rule allow-ssh", "NSG web-nsg", "NIC web-nic",
                              "VM web-vm"],
                     "findings": [trigger],
                     "fix": {"kind": "jit", "description": "enable JIT", "file": "infra/vm.tf",
                             "line": 12}}],
        "fix": [{"kind": "remove-rule", "description": "remove allow-ssh",
                 "file": "infra/main.tf", "line": 55}],
        "blast_radius": {"vms": 1},
    }
    return {
        "version": 1, "tool": {"name": "iacjit", "version": "0.1.0"},
        "findings": [finding, suppressed, low], "chains": [chain],
        "unresolved": [{"rule_id": "zt_net_001", "resource": "aws_security_group.u",
                        "resource_type": "aws_security_group", "file": "infra/aws dir/main.tf",
                        "line": 20, "end_line": 25,
                        "reason": "source: variable 'v' has no default"}],
        "errors": [{"file": "infra/bad.tf", "line": 2, "column": 7, "message": "invalid HCL"},
                   {"file": "infra/gone.json", "line": None, "column": None,
                    "message": "cannot read"}],
        "not_scanned": [{"file": "infra/main.tf", "line": 12, "what": "module.vnet",
                         "reason": "remote module sources are not fetched"}],
        "summary": {"files_scanned": 4, "resources": 9, "findings": 2,
                    "by_severity": {"critical": 0, "high": 1, "medium": 1, "low": 0},
                    "suppressed": 1, "unresolved": 1, "errors": 2, "not_scanned": 1,
                    "exit_code": 2},
    }
