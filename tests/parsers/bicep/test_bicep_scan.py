"""zt_net_001 end to end on Bicep source, and Bicep/ARM twins giving the same findings."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPO

from iacjit.rules import ZT_NET_001
from iacjit.scan import run_scan

SAMPLES = REPO / "samples"


def findings(path: Path) -> list[tuple[str, str, tuple[int, ...]]]:
    result = run_scan([path], rules=(ZT_NET_001,))
    assert not result.errors, result.errors
    return sorted(
        (f.resource.address, f.evidence["rule"], tuple(f.evidence["ports"]))
        for f in result.findings
        if f.rule_id == "zt_net_001"
    )


def test_vulnerable_sample_findings_and_lines():
    result = run_scan([SAMPLES / "bicep/vulnerable/main.bicep"], rules=(ZT_NET_001,))
    assert not result.errors and not result.unresolved
    got = sorted(
        (
            f.resource.address,
            f.evidence["rule"],
            tuple(f.evidence["ports"]),
            Path(f.resource.file).name,
            f.span.line,
        )
        for f in result.findings
    )
    assert got == [
        # the for-loop element: its body starts on the `[for ...: {` line
        (
            "Microsoft.Network/networkSecurityGroups/jump-nsg",
            "allow-ssh",
            (22,),
            "jumpbox.bicep",
            13,
        ),
        (
            "Microsoft.Network/networkSecurityGroups/securityRules/web-nsg/allow-rdp",
            "allow-rdp",
            (3389,),
            "main.bicep",
            47,
        ),
        ("Microsoft.Network/networkSecurityGroups/web-nsg", "allow-ssh", (22,), "main.bicep", 31),
    ]
    jump = next(f for f in result.findings if "jump-nsg" in f.resource.address)
    assert jump.resource.root.endswith("main.bicep")  # evaluated with the caller's params


def test_fixed_sample_passes():
    result = run_scan([SAMPLES / "bicep/fixed/main.bicep"], rules=(ZT_NET_001,))
    assert not result.errors
    assert not result.findings
    assert not result.unresolved


@pytest.mark.parametrize("variant", ["vulnerable", "fixed"])
def test_bicep_source_and_compiled_arm_twin_agree(variant):
    bicep = findings(SAMPLES / f"bicep/{variant}/symbolic-vm.bicep")
    arm = findings(SAMPLES / f"arm/{variant}/symbolic-vm.json")
    assert bicep == arm
    if variant == "vulnerable":
        assert bicep == [
            ("Microsoft.Network/networkSecurityGroups/jump-nsg", "allow-ssh", (22,)),
            (
                "Microsoft.Network/networkSecurityGroups/securityRules/jump-nsg/allow-rdp",
                "allow-rdp",
                (3389,),
            ),
        ]
    else:
        assert bicep == []


def test_unknown_source_is_unresolved_not_passed(scan_net):
    result = scan_net(
        {
            "main.bicep": """
            param source string
            resource nsg 'Microsoft.Network/networkSecurityGroups@2023-05-01' = {
              name: 'n'
              properties: {
                securityRules: [
                  {
                    name: 'ssh'
                    properties: {
                      priority: 100
                      direction: 'Inbound'
                      access: 'Allow'
                      protocol: 'Tcp'
                      destinationPortRange: '22'
                      sourceAddressPrefix: source
                    }
                  }
                ]
              }
            }
            """
        }
    )
    assert not result.findings
    (unresolved,) = result.unresolved
    assert "no default value" in unresolved.reason
    assert unresolved.span.line == 7


def test_deny_before_allow_in_a_loop(scan_net):
    result = scan_net(
        {
            "main.bicep": """
            var rules = [
              {
                name: 'deny-ssh'
                access: 'Deny'
              }
              {
                name: 'allow-ssh'
                access: 'Allow'
              }
            ]
            resource nsg 'Microsoft.Network/networkSecurityGroups@2023-05-01' = {
              name: 'n'
              properties: {
                securityRules: [for (r, i) in rules: {
                  name: r.name
                  properties: {
                    priority: 100 + i
                    direction: 'Inbound'
                    access: r.access
                    protocol: 'Tcp'
                    destinationPortRange: '22'
                    sourceAddressPrefix: 'Internet'
                  }
                }]
              }
            }
            """
        }
    )
    assert not result.findings and not result.unresolved


def test_module_file_is_not_scanned_again_as_a_root(monkeypatch):
    """Scanning the directory finds the module file too: it is evaluated through its caller."""
    monkeypatch.chdir(SAMPLES.parent)
    result = run_scan([SAMPLES / "bicep" / "vulnerable"])
    addresses = {r.address for r in result.resources}
    assert "Microsoft.Network/networkSecurityGroups/jump-nsg" in addresses  # via main.bicep
    assert "Microsoft.Network/networkSecurityGroups/jumpNsg" not in addresses  # default name
    assert not [u for u in result.unresolved if "sshSource" in u.reason]


def test_modules_calling_only_each_other_are_still_scanned(scan_net, tmp_path):
    nsg = ("resource nsg 'Microsoft.Network/networkSecurityGroups@2023-05-01' = {{\n"
           "  name: '{name}'\n  location: 'westeurope'\n}}\n"
           "module other '{other}' = {{\n  name: 'x'\n}}\n")
    result = scan_net({"a.bicep": nsg.format(name="a-nsg", other="b.bicep"),
                       "b.bicep": nsg.format(name="b-nsg", other="a.bicep")})
    addresses = {r.address for r in result.resources}
    assert "Microsoft.Network/networkSecurityGroups/a-nsg" in addresses
    assert "Microsoft.Network/networkSecurityGroups/b-nsg" in addresses
