"""What many tests share: the repository, the smallest open-SSH plan, writing and copying trees.

Import from here (``from helpers import OPEN_NSG``); fixtures live in tests/conftest.py.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
AZURE_SAMPLE = REPO / "samples/terraform/azure/vulnerable"


def nsg_tf(label: str = "nsg", *, name: str | None = None, source: str = '"*"',
           access: str = "Allow", rule: str = "ssh", before_rule: str = "",
           after_rule: str = "") -> str:
    """An azurerm NSG whose inline rule allows TCP 22 from *source* (an HCL expression:
    everywhere unless told otherwise), line for line: resource, name, *before_rule* (whole
    lines), the rule's nine lines, *after_rule*, the closing brace.  Tests fill in what they
    vary; the lines they assert stay where they were."""
    return (f'resource "azurerm_network_security_group" "{label}" {{\n'
            f'  name = "{label if name is None else name}"\n'
            f"{before_rule}"
            "  security_rule {\n"
            f'    name = "{rule}"\n'
            "    priority = 100\n"
            '    direction = "Inbound"\n'
            f'    access = "{access}"\n'
            '    protocol = "Tcp"\n'
            '    destination_port_range = "22"\n'
            f"    source_address_prefix = {source}\n"
            "  }\n"
            f"{after_rule}"
            "}\n")


# The smallest plan with a zt_net_001 finding: SSH open to "*" on line 4 (inline rule 4-12).
OPEN_NSG = "\n" + nsg_tf()

# An ARM NSG whose inline rule allows TCP 22 from parameter `src`; `%s` adds to the parameter's
# declaration (`, "defaultValue": "Internet"`, or nothing: unresolved); the NSG is lines 6-14.
ARM_SSH_NSG = """\
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"src": {"type": "string"%s}},
  "resources": [
    {
      "type": "Microsoft.Network/networkSecurityGroups",
      "apiVersion": "2023-04-01",
      "name": "nsg",
      "properties": {"securityRules": [{"name": "ssh", "properties": {
        "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
        "sourceAddressPrefix": "[parameters('src')]", "destinationPortRange": "22"}}]}
    }
  ]
}
"""


# A CloudFormation security group allowing TCP 22 from parameter `Src`; `%s` adds to the
# parameter's declaration (`, Default: 0.0.0.0/0`, or nothing: unresolved).
CFN_SSH_SG = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Src: {Type: String%s}
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: x
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Src}
"""


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


def copy_samples(work: Path, samples: Mapping[str, Path] | Path) -> Path:
    """Copy sample directories into *work*/src (each under its name when a mapping); the
    copy, not the repository, is what cache tests change."""
    target = work / "src"
    if isinstance(samples, Path):
        shutil.copytree(samples, target)
    else:
        for name, source in samples.items():
            shutil.copytree(source, target / name)
    return target
