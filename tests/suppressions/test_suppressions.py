"""Inline and configured suppressions: every comment form, metadata, expiry, reasons, chains."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
from helpers import REPO, nsg_tf

from iacjit.config import parse
from iacjit.rules import ZT_NET_001
from iacjit.suppressions import Policy
from iacjit.suppressions.inline import parse_directive

TODAY = dt.date(2026, 6, 1)
VULNERABLE_TF = (REPO / "samples/terraform/azure/vulnerable/main.tf").read_text(encoding="utf-8")

TF_TWO_RULES = "\n" + nsg_tf(after_rule='''  security_rule {
    name = "rdp"
    priority = 110
    direction = "Inbound"
    access = "Allow"
    protocol = "Tcp"
    destination_port_range = "3389"
    source_address_prefix = "*"
  }
''')

BICEP = '''
{comment}
resource nsg 'Microsoft.Network/networkSecurityGroups@2023-04-01' = {{
  name: 'nsg2'
  location: 'westeurope'
  properties: {{
    securityRules: [
      {{
        name: 'ssh'
        properties: {{
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '22'
        }}
      }}
    ]
  }}
}}
'''

CFN_YAML = '''
AWSTemplateFormatVersion: "2010-09-09"
Resources:
{comment}
  WebSG:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: 0.0.0.0/0
'''

CFN_METADATA = '''
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  WebSG:
    Type: AWS::EC2::SecurityGroup
    Metadata:
      iacjit:
        ignore:
          - id: zt_net_001
            reason: bastion subnet, reviewed in SEC-12
            expires: 2027-03-31
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: 0.0.0.0/0
'''

ARM = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [{
        "type": "Microsoft.Network/networkSecurityGroups",
        "apiVersion": "2023-04-01",
        "name": "nsg1",
        "location": "westeurope",
        "metadata": {"iacjit": {"ignore": [
            {"id": "zt_net_001", "reason": "jump host", "expires": "2027-03-31"}]}},
        "properties": {"securityRules": [{"name": "ssh", "properties": {
            "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourceAddressPrefix": "*", "sourcePortRange": "*",
            "destinationAddressPrefix": "*", "destinationPortRange": "22"}}]},
    }],
}


def policy(**kwargs) -> Policy:
    return Policy(today=TODAY, **kwargs)


def net(result):
    return [f for f in result.findings if f.rule_id == "zt_net_001"]


def kinds(result):
    return sorted(w.kind for w in result.warnings)


def tf_nsg(comment_above: str = "", comment_inside: str = "") -> str:
    return f"{comment_above}\n" + nsg_tf(before_rule=f"{comment_inside}\n")


@pytest.mark.parametrize("comment", [
    '# iacjit:ignore zt_net_001 reason="bastion" expires=2027-03-31',
    '// iacjit:ignore zt_net_001 reason="bastion" expires=2027-03-31',
    '/* iacjit:ignore zt_net_001 reason="bastion" expires=2027-03-31 */',
    '/*\n * iacjit:ignore zt_net_001 reason="bastion" expires=2027-03-31\n */',
    '# owned by the platform team\n# iacjit:ignore zt_net_001 reason="bastion" '
    'expires=2027-03-31',
])
def test_hcl_comment_above(scan_files, comment):
    result = scan_files({"main.tf": tf_nsg(comment_above=comment)}, rules=(ZT_NET_001,),
                        policy=policy())
    (finding,) = net(result)
    assert finding.suppressed
    assert finding.suppression["reason"] == "bastion"
    assert finding.suppression["expires"] == "2027-03-31"
    assert finding.suppression["source"] == "inline"
    assert finding.suppression["file"] == "main.tf"
    assert result.warnings == []


def test_hcl_comment_inside_resource(scan_files):
    result = scan_files({"main.tf": tf_nsg(
        comment_inside='  # iacjit:ignore zt_net_001 reason="legacy"')}, rules=(ZT_NET_001,),
        policy=policy())
    assert [f.suppressed for f in net(result)] == [True]


def test_comment_separated_by_code_is_not_attached(scan_files):
    text = ('# iacjit:ignore zt_net_001 reason="x"\nlocals {\n  a = 1\n}\n'
            + tf_nsg())
    result = scan_files({"main.tf": text}, rules=(ZT_NET_001,), policy=policy())
    assert [f.suppressed for f in net(result)] == [False]
    assert kinds(result) == ["stale"]


def test_marker_in_a_string_is_not_a_comment(scan_files):
    text = tf_nsg().replace('name = "nsg"', 'name = "nsg iacjit:ignore zt_net_001"')
    result = scan_files({"main.tf": text}, rules=(ZT_NET_001,), policy=policy())
    assert [f.suppressed for f in net(result)] == [False]


def test_comment_on_one_inline_rule_suppresses_only_that_rule(scan_files):
    text = TF_TWO_RULES.replace('  security_rule {\n    name = "rdp"',
                                '  # iacjit:ignore zt_net_001 reason="rdp gateway"\n'
                                '  security_rule {\n    name = "rdp"')
    result = scan_files({"main.tf": text}, rules=(ZT_NET_001,), policy=policy())
    assert {f.evidence["rule"]: f.suppressed for f in net(result)} == {"ssh": False,
                                                                      "rdp": True}


def test_bicep_comment(scan_files):
    text = BICEP.format(comment="// iacjit:ignore zt_net_001 reason=\"jump host\"")
    result = scan_files({"main.bicep": text}, rules=(ZT_NET_001,), policy=policy())
    (finding,) = net(result)
    assert finding.suppressed and finding.suppression["reason"] == "jump host"
    assert finding.suppression["line"] == 2


def test_bicep_comment_above_decorator(scan_files):
    text = BICEP.format(comment="// iacjit:ignore zt_net_001 reason='jump host'\n"
                                "@description('the web NSG')")
    result = scan_files({"main.bicep": text}, rules=(ZT_NET_001,), policy=policy())
    assert [f.suppressed for f in net(result)] == [True]


def test_yaml_comment(scan_files):
    text = CFN_YAML.format(comment="  # iacjit:ignore zt_net_001 reason=\"bastion\"")
    result = scan_files({"stack.yaml": text}, rules=(ZT_NET_001,), policy=policy())
    (finding,) = net(result)
    assert finding.suppressed and finding.suppression["line"] == 4


def test_cloudformation_metadata(scan_files):
    result = scan_files({"stack.yaml": CFN_METADATA}, rules=(ZT_NET_001,), policy=policy())
    (finding,) = net(result)
    assert finding.suppressed
    assert finding.suppression == {"reason": "bastion subnet, reviewed in SEC-12",
                                   "expires": "2027-03-31", "source": "inline",
                                   "file": "stack.yaml", "line": 9}


def test_arm_metadata(scan_files):
    result = scan_files({"azuredeploy.json": json.dumps(ARM, indent=2)}, rules=(ZT_NET_001,),
                        policy=policy())
    (finding,) = net(result)
    assert finding.suppressed and finding.suppression["reason"] == "jump host"
    assert finding.suppression["expires"] == "2027-03-31"


def test_several_ids_in_one_comment(scan_files):
    result = scan_files({"main.tf": tf_nsg(
        comment_above='# iacjit:ignore zt_net_001, zt_vis_008 reason="lab"')},
        policy=policy())
    by_rule = {f.rule_id: f.suppressed for f in result.findings}
    assert by_rule == {"zt_net_001": True, "zt_vis_008": True}


def test_parse_directive():
    ids, fields, problems = parse_directive(
        " zt_net_001 CHAIN-016 reason='a b' expires=2027-03-31 */")
    assert ids == ["zt_net_001", "CHAIN-016"]
    assert fields == {"reason": "a b", "expires": "2027-03-31"}
    assert problems == []
    assert parse_directive("zt_net_001 colour=red")[2]


def test_expired_suppression_is_active_again_with_a_note(scan_files):
    result = scan_files({"main.tf": tf_nsg(
        comment_above='# iacjit:ignore zt_net_001 reason="x" expires=2026-05-31')},
        rules=(ZT_NET_001,), policy=policy())
    (finding,) = net(result)
    assert not finding.suppressed
    assert finding.suppression["expired"] is True
    assert finding.suppression["expires"] == "2026-05-31"
    assert kinds(result) == ["expired"]


def test_expiry_day_itself_is_still_active(scan_files):
    result = scan_files({"main.tf": tf_nsg(
        comment_above='# iacjit:ignore zt_net_001 reason="x" expires=2026-06-01')},
        rules=(ZT_NET_001,), policy=policy())
    assert [f.suppressed for f in net(result)] == [True]


def test_invalid_expiry_is_not_applied(scan_files):
    result = scan_files({"main.tf": tf_nsg(
        comment_above='# iacjit:ignore zt_net_001 reason="x" expires=someday')},
        rules=(ZT_NET_001,), policy=policy())
    assert [f.suppressed for f in net(result)] == [False]
    assert kinds(result) == ["invalid"]


def test_missing_reason_is_a_warning(scan_files):
    result = scan_files({"main.tf": tf_nsg(comment_above="# iacjit:ignore zt_net_001")},
                        rules=(ZT_NET_001,), policy=policy())
    assert [f.suppressed for f in net(result)] == [True]
    assert kinds(result) == ["missing-reason"]
    assert result.errors == []


def test_missing_reason_is_an_error_when_required(scan_files):
    result = scan_files({"main.tf": tf_nsg(comment_above="# iacjit:ignore zt_net_001")},
                        rules=(ZT_NET_001,), policy=policy(require_reason=True))
    assert [f.suppressed for f in net(result)] == [False]
    (error,) = result.errors
    assert "no reason" in error.message and error.file == "main.tf"


def test_stale_suppression(scan_files):
    text = tf_nsg(comment_above='# iacjit:ignore zt_net_001 reason="x"')
    result = scan_files({"main.tf": text.replace('"*"', '"10.0.0.0/8"')},
                        rules=(ZT_NET_001,), policy=policy())
    assert net(result) == []
    (warning,) = result.warnings
    assert warning.kind == "stale" and warning.id == "zt_net_001" and warning.line == 1


def test_suppression_of_a_rule_not_run_is_not_stale(scan_files):
    result = scan_files({"main.tf": tf_nsg(comment_above='# iacjit:ignore zt_vis_008 '
                                                         'reason="x"')},
                        rules=(ZT_NET_001,), policy=policy())
    assert result.warnings == []


def test_unknown_id_is_reported(scan_files):
    result = scan_files({"main.tf": tf_nsg(comment_above='# iacjit:ignore zt_net_999 '
                                                         'reason="x"')},
                        rules=(ZT_NET_001,), policy=policy())
    assert kinds(result) == ["invalid"]


def test_config_suppression_by_address_glob(scan_files, tmp_path):
    config = parse(tmp_path / ".iacjit.yaml", {"suppressions": [
        {"id": "zt_net_001", "resource": "azurerm_network_security_group.*",
         "reason": "lab", "expires": dt.date(2027, 1, 1)}]})
    result = scan_files({"main.tf": tf_nsg()}, rules=(ZT_NET_001,),
                        policy=policy(suppressions=config.suppressions))
    (finding,) = net(result)
    assert finding.suppressed and finding.suppression["source"] == "config"
    assert finding.suppression["file"].endswith(".iacjit.yaml")


def test_config_suppression_file_glob_does_not_absorb_other_files(scan_files, tmp_path):
    config = parse(tmp_path / ".iacjit.yaml", {"suppressions": [
        {"id": "zt_net_001", "resource": "azurerm_network_security_group.nsg",
         "file": "legacy/*", "reason": "old"}]})
    result = scan_files({"legacy/main.tf": tf_nsg(), "new/main.tf": tf_nsg()},
                        rules=(ZT_NET_001,), policy=policy(suppressions=config.suppressions))
    assert {f.resource.file: f.suppressed for f in net(result)} == {
        "legacy/main.tf": True, "new/main.tf": False}


# --- chains ---------------------------------------------------------------------------------

def _vm_comment(text: str) -> str:
    return VULNERABLE_TF.replace('resource "azurerm_linux_virtual_machine" "vm"',
                                 f'{text}\nresource "azurerm_linux_virtual_machine" "vm"')


def test_chain_fires_without_suppressions(scan_files):
    result = scan_files({"main.tf": VULNERABLE_TF}, policy=policy())
    (chain,) = result.chains
    assert not chain.suppressed and chain.fingerprint


def test_chain_suppressed_on_its_vm(scan_files):
    result = scan_files({"main.tf": _vm_comment(
        '# iacjit:ignore CHAIN-016 reason="isolated lab VM" expires=2027-03-31')},
        policy=policy())
    (chain,) = result.chains
    assert chain.suppressed
    assert chain.suppression["reason"] == "isolated lab VM"
    assert all(not f.suppressed for f in result.findings)
    assert result.warnings == []


def test_suppressed_trigger_finding_does_not_fire_the_chain(scan_files):
    result = scan_files({"main.tf": _vm_comment(
        '# iacjit:ignore zt_vis_010 reason="JIT configured by the landing zone"')},
        policy=policy())
    assert result.chains == []
    assert [f.suppressed for f in result.findings if f.rule_id == "zt_vis_010"] == [True]


def test_chain_suppressed_in_config(scan_files, tmp_path):
    config = parse(tmp_path / ".iacjit.yaml", {"suppressions": [
        {"id": "CHAIN-016", "resource": "azurerm_linux_virtual_machine.*", "reason": "lab"}]})
    result = scan_files({"main.tf": VULNERABLE_TF},
                        policy=policy(suppressions=config.suppressions))
    (chain,) = result.chains
    assert chain.suppressed and chain.suppression["source"] == "config"


def test_expired_chain_suppression_fires_again(scan_files):
    result = scan_files({"main.tf": _vm_comment(
        '# iacjit:ignore CHAIN-016 reason="lab" expires=2026-01-01')}, policy=policy())
    (chain,) = result.chains
    assert not chain.suppressed and chain.suppression["expired"] is True
    assert kinds(result) == ["expired"]


# --- reports and the installed CLI ----------------------------------------------------------

def test_cli_json_and_sarif(iacjit_bin, tmp_path):
    (tmp_path / "main.tf").write_text(
        _vm_comment('# iacjit:ignore CHAIN-016 reason="lab" expires=2027-03-31'),
        encoding="utf-8")
    env = {"IACJIT_TODAY": "2026-06-01", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([iacjit_bin, "scan", "--format", "json", "--no-config", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    document = json.loads(proc.stdout)
    (chain,) = document["chains"]
    assert chain["suppressed"] is True
    assert chain["suppression"] == {"reason": "lab", "expires": "2027-03-31",
                                    "source": "inline", "file": "main.tf", "line": 108}
    assert all(len(f["fingerprint"]) == 64 for f in document["findings"])
    assert document["warnings"] == []
    assert proc.returncode == 1  # the findings themselves are not suppressed

    proc = subprocess.run([iacjit_bin, "scan", "--format", "sarif", "--no-config", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    results = json.loads(proc.stdout)["runs"][0]["results"]
    (chain_result,) = [r for r in results if r["ruleId"] == "CHAIN-016"]
    assert chain_result["suppressions"][0]["kind"] == "inSource"
    assert chain_result["suppressions"][0]["justification"] == "lab"
    assert chain_result["partialFingerprints"]["iacjitFindingHash/v1"] == chain["fingerprint"]


def test_cli_expiry_through_environment(iacjit_bin, tmp_path):
    (tmp_path / "main.tf").write_text(tf_nsg(
        comment_above='# iacjit:ignore zt_net_001 reason="x" expires=2027-03-31'),
        encoding="utf-8")
    codes = {}
    for today in ("2027-03-31", "2027-04-01"):
        proc = subprocess.run([iacjit_bin, "scan", "--rule", "zt_net_001", "--no-config",
                               "--format", "json", "."], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120, env={"IACJIT_TODAY": today})
        codes[today] = (proc.returncode, [w["kind"] for w in json.loads(proc.stdout)["warnings"]])
    assert codes == {"2027-03-31": (0, []), "2027-04-01": (1, ["expired"])}


def test_text_report_lists_warnings(iacjit_bin, tmp_path):
    (tmp_path / "main.tf").write_text(tf_nsg(comment_above="# iacjit:ignore zt_net_001"),
                                      encoding="utf-8")
    proc = subprocess.run([iacjit_bin, "scan", "--rule", "zt_net_001", "--no-config", "."],
                          cwd=Path(tmp_path), capture_output=True, text=True, timeout=120)
    assert "missing-reason" in proc.stdout and proc.returncode == 0
