"""The hostile-input corpus: broken and malicious files, each beside a known-vulnerable control.

One case is one directory ``<case>/`` holding the hostile input and a control file of the same
format (``control.tf``/``.json``/``.yaml``/``.bicep``) that opens SSH to the internet, so a scan
of the case must still report the control's zt_net_001 finding.

Nothing is committed: ``build_all(root)`` writes the whole corpus at test time (the deep
cases are tens of kilobytes, the big ones sparse or multi-MB).  Files git could not hold anyway
(FIFOs, symlink loops, unreadable files, big files) are the *special* cases, created by a
function.  ``python tests/helpers/hostile_corpus.py --write DIR`` writes the corpus for a
look or a CI run; ``--scan DIR...`` scans each directory as one plan and prints one JSON
summary line per directory (what the tests run in a subprocess under a time and memory cap).
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DEPTH = 20_000  # levels of nesting in the deep-nesting cases

CONTROL_TF = """\
resource "azurerm_network_security_group" "control" {
  name = "control-nsg"
  security_rule {
    name                   = "ssh"
    priority               = 100
    direction              = "Inbound"
    access                 = "Allow"
    protocol               = "Tcp"
    destination_port_range = "22"
    source_address_prefix  = "*"
  }
}
"""

ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"

CONTROL_ARM = json.dumps({
    "$schema": ARM_SCHEMA,
    "contentVersion": "1.0.0.0",
    "resources": [{
        "type": "Microsoft.Network/networkSecurityGroups",
        "apiVersion": "2023-05-01",
        "name": "control-nsg",
        "location": "westeurope",
        "properties": {"securityRules": [{"name": "ssh", "properties": {
            "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourceAddressPrefix": "*", "sourcePortRange": "*",
            "destinationAddressPrefix": "*", "destinationPortRange": "22"}}]},
    }],
}, indent=2) + "\n"

CONTROL_CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  ControlSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: control
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}
"""

CONTROL_BICEP = """\
resource controlNsg 'Microsoft.Network/networkSecurityGroups@2023-05-01' = {
  name: 'control-nsg'
  location: 'westeurope'
  properties: {
    securityRules: [
      {
        name: 'ssh'
        properties: {
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '22'
        }
      }
    ]
  }
}
"""

CONTROLS = {"tf": ("control.tf", CONTROL_TF), "arm": ("control.json", CONTROL_ARM),
            "cfn": ("control.yaml", CONTROL_CFN), "bicep": ("control.bicep", CONTROL_BICEP)}


def arm(resources: list | None = None, **sections) -> str:
    """An ARM template with the schema line the sniffer looks for."""
    document = {"$schema": ARM_SCHEMA, "contentVersion": "1.0.0.0", **sections,
                "resources": resources if resources is not None else []}
    return json.dumps(document, indent=2) + "\n"


def arm_nsg(name: str, **extra) -> dict:
    return {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-05-01",
            "name": name, "location": "westeurope", "properties": {}, **extra}


CFN_HEAD = 'AWSTemplateFormatVersion: "2010-09-09"\n'
PLAN_HEAD = '{"format_version": "1.2", "terraform_version": "1.7.0", "planned_values": '


def _doubling_arm(times: int) -> str:
    variables = {"v0": "ab"}
    for i in range(1, times + 1):
        variables[f"v{i}"] = f"[concat(variables('v{i - 1}'), variables('v{i - 1}'))]"
    return arm([arm_nsg(f"[concat('nsg-', length(variables('v{times}')))]")],
               variables=variables)


def _doubling_tf(times: int) -> str:
    lines = ['locals {', '  v0 = "ab"']
    lines += [f'  v{i} = "${{local.v{i - 1}}}${{local.v{i - 1}}}"' for i in range(1, times + 1)]
    lines += ["}", f'resource "azurerm_network_security_group" "d" {{ name = local.v{times} }}']
    return "\n".join(lines) + "\n"


def _dag_tf(times: int) -> str:
    """Lists of the previous list twice: 2**times strings once flattened or encoded."""
    lines = ['locals {', '  v0 = "ab"']
    lines += [f"  v{i} = [local.v{i - 1}, local.v{i - 1}]" for i in range(1, times + 1)]
    lines += ["}", 'resource "azurerm_network_security_group" "d" {',
              f"  name = jsonencode(local.v{times})", "  security_rule {",
              '    name                    = "r"', "    priority                = 100",
              '    direction               = "Inbound"', '    access                  = "Allow"',
              '    protocol                = "Tcp"', '    destination_port_range  = "22"',
              f"    source_address_prefixes = flatten(local.v{times})", "  }", "}"]
    return "\n".join(lines) + "\n"


def _doubling_bicep(times: int) -> str:
    lines = ["var v0 = 'ab'"]
    lines += [f"var v{i} = '${{v{i - 1}}}${{v{i - 1}}}'" for i in range(1, times + 1)]
    lines += ["resource d 'Microsoft.Network/networkSecurityGroups@2023-05-01' = {",
              f"  name: v{times}", "  location: 'westeurope'", "  properties: {",
              "    securityRules: [", "      {", "        name: 'r'", "        properties: {",
              "          priority: 100", "          direction: 'Inbound'",
              "          access: 'Allow'", "          protocol: 'Tcp'",
              "          destinationPortRange: '22'", f"          sourceAddressPrefix: v{times}",
              "        }", "      }", "    ]", "  }", "}"]
    return "\n".join(lines) + "\n"


def _doubling_cfn(times: int) -> str:
    """Fn::Join of the previous join twice, through YAML aliases: 2**times characters."""
    lines = [CFN_HEAD, "Metadata:\n", '  v0: &v0 "ab"\n']
    lines += [f'  v{i}: &v{i} {{"Fn::Join": ["", [*v{i - 1}, *v{i - 1}]]}}\n'
              for i in range(1, times + 1)]
    lines += ["Resources:\n  D:\n    Type: AWS::EC2::SecurityGroup\n",
              f"    Properties:\n      GroupDescription: *v{times}\n"]
    return "".join(lines)


def _nested_arm(levels: int) -> str:
    """Inline nested deployments *levels* deep, an NSG at the bottom."""
    resource = arm_nsg("deep")
    for _ in range(levels):
        resource = {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
                    "name": "d", "properties": {"mode": "Incremental",
                                                "template": json.loads(arm([resource]))}}
    return arm([resource])


ALIAS_BOMB = CFN_HEAD + """\
Metadata:
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
Resources:
  Bomb:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: *i
"""

PYTHON_TAGS = CFN_HEAD + """\
Resources:
  Evil:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !!python/object/apply:os.system ["touch /tmp/iacjit-pwned"]
      Tags: !!python/object/new:subprocess.Popen [["touch", "/tmp/iacjit-pwned"]]
      Other: !!python/name:os.system
"""


@dataclass(frozen=True)
class Case:
    """A hostile input: its files, the control beside it, what the scan must say about it.

    ``expect`` are substrings of which at least one must appear in an error, unresolved reason
    or resource note of the case (case-insensitive); None when the case may also pass silently
    (an input that is not ours, or one whose behaviour depends on the machine, e.g. root).
    """

    name: str
    control: str  # key of CONTROLS
    files: dict[str, str | bytes]
    expect: tuple[str, ...] | None
    special: Callable[[Path], None] | None = None  # creates what git cannot hold


def _deep(opening: str, closing: str, depth: int = DEPTH, middle: str = "") -> str:
    return opening * depth + middle + closing * depth


def _sparse(path: Path, size: int) -> None:
    """A file of *size* bytes that costs nothing on disk (only its size is ever looked at)."""
    with path.open("wb") as handle:
        handle.truncate(size)


def _big_text(path: Path, size: int, head: str) -> None:
    """A text file just over *size* bytes: a real head, then comment-like padding."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(head)
        handle.write(("#" * 1023 + "\n") * (size // 1024 + 1))


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _unreadable(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0)


def _symlink_loop(case_dir: Path) -> None:
    (case_dir / "up").symlink_to("..", target_is_directory=True)  # directory -> its parent
    (case_dir / "self.tf").symlink_to("self.tf")  # a file link to itself
    (case_dir / "a.tf").symlink_to("b.tf")
    (case_dir / "b.tf").symlink_to("a.tf")


def _module_symlink(case_dir: Path) -> None:
    (case_dir / "mod").symlink_to(".", target_is_directory=True)


MB = 1024 * 1024

CASES: list[Case] = [
    # ---- Terraform ---------------------------------------------------------------------
    Case("tf-truncated", "tf", {"main.tf": 'resource "x" "y" {\n  a = [1, 2\n'},
         ("invalid HCL",)),
    Case("tf-bom", "tf", {"main.tf": b"\xef\xbb\xbf# comment\n"}, ("byte-order mark",)),
    Case("tf-latin1", "tf", {"main.tf": b'locals {\n  a = "caf\xe9"\n}\n'}, ("not valid UTF-8",)),
    Case("tf-binary", "tf", {"main.tf": b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256))},
         ("binary file",)),
    Case("tf-empty", "tf", {"main.tf": ""}, None),  # Terraform accepts it: nothing to say
    Case("tf-deep-list", "tf", {"main.tf": "locals {\n  a = " + _deep("[", "]") + "\n}\n"},
         ("nest", "deep")),
    Case("tf-deep-object", "tf",
         {"main.tf": "locals {\n  a = " + _deep("{a = ", "}", middle="1") + "\n}\n"},
         ("nest", "deep")),
    Case("tf-deep-parens", "tf",
         {"main.tf": "locals {\n  a = " + _deep("(", ")", middle="1") + "\n}\n"},
         ("nest", "deep")),
    Case("tf-deep-blocks", "tf", {"main.tf": _deep("b {\n", "}\n")}, ("nest", "deep")),
    Case("tf-recursive-locals", "tf", {"main.tf": """\
locals {
  a = local.b
  b = [local.a, local.c]
  c = local.c
}
variable "v" {
  default = var.v
}
resource "azurerm_network_security_group" "r" {
  name = local.a
  security_rule {
    name                   = var.v
    priority               = 100
    direction              = "Inbound"
    access                 = "Allow"
    protocol               = "Tcp"
    destination_port_range = local.c
    source_address_prefix  = "*"
  }
}
"""}, ("cycle", "refers to itself")),
    Case("tf-module-self", "tf", {"main.tf": 'module "me" {\n  source = "./"\n}\n'
                                 'module "me2" {\n  source = "../tf-module-self"\n}\n'},
         ("module cycle",)),
    Case("tf-module-cycle", "tf", {
        "main.tf": 'module "a" {\n  source = "./a"\n}\n',
        "a/main.tf": 'module "b" {\n  source = "../b"\n}\n',
        "b/main.tf": 'module "a" {\n  source = "../a"\n}\n',
    }, ("module cycle",)),
    Case("tf-count-huge", "tf", {"main.tf": """\
resource "azurerm_network_security_group" "many" {
  count = 100000000
  name  = "nsg-${count.index}"
}
"""}, ("exceeds the limit",)),
    Case("tf-for-each-huge", "tf", {"main.tf": """\
resource "azurerm_network_security_group" "many" {
  for_each = toset([for i in range(100000000) : tostring(i)])
  name     = each.key
}
"""}, ("limit",)),
    Case("tf-dynamic-huge", "tf", {"main.tf": """\
resource "azurerm_network_security_group" "many" {
  name = "many"
  dynamic "security_rule" {
    for_each = range(0, 100000000)
    content {
      name = "r${security_rule.value}"
    }
  }
}
"""}, ("limit",)),
    Case("tf-doubling", "tf", {"main.tf": _doubling_tf(40)}, ("longer", "limit")),
    Case("tf-dag-doubling", "tf", {"main.tf": _dag_tf(40)}, ("more than",)),
    Case("tf-nested-for", "tf", {"main.tf": """\
locals {
  r = range(10000)
  a = [for x in local.r : [for y in local.r : [for z in local.r : z]]]
}
resource "azurerm_network_security_group" "n" {
  name = length(flatten(local.a))
}
"""}, ("limit",)),
    Case("tf-replace-bomb", "tf", {"main.tf": """\
locals {
  a = replace(format("%s", join("", [for i in range(10000) : "x"])), "", "yyyyyyyyyyyyyyyyyy")
  b = replace(replace(local.a, "y", local.a), "x", local.a)
}
resource "azurerm_network_security_group" "n" {
  name = local.b
}
"""}, ("limit", "longer")),
    Case("tf-huge-functions", "tf", {"main.tf": """\
locals {
  a = format("%0100000000d", 1)
  b = join(",", range(100000000))
  c = split(",", local.b)
  d = [for x in range(100000000) : x]
  e = formatlist("%s", range(100000000))
  f = cidrsubnets("10.0.0.0/8", [for i in range(100000) : 24]...)
}
resource "azurerm_network_security_group" "f" {
  name = "${local.a}${length(local.c)}${length(local.d)}${length(local.e)}${length(local.f)}"
}
"""}, ("limit", "exceeds", "longer")),
    Case("tf-tfvars-deep", "tf", {"terraform.tfvars": "a = " + _deep("[", "]") + "\n",
                                  "x.auto.tfvars.json": '{"b": ' + _deep("[", "]") + "}\n"},
         ("nest", "deep")),
    Case("tf-tfvars-binary", "tf", {"terraform.tfvars": b"\x00\x01\x02",
                                    "y.auto.tfvars.json": b"\xff\xfe{}"},
         ("binary", "UTF-8", "invalid variable file")),
    Case("tf-remote-module", "tf", {"main.tf": """\
module "remote" {
  source = "git::https://example.com/evil.git"
}
module "registry" {
  source  = "hashicorp/consul/aws"
  version = "0.1.0"
}
"""}, None),
    # ---- ARM ---------------------------------------------------------------------------
    Case("arm-truncated", "arm", {"main.json": arm([arm_nsg("a")])[:-40]}, ("invalid JSON",
                                                                            "JSON")),
    # Azure and AWS tooling accept a UTF-8 BOM in JSON/YAML templates: read, no complaint.
    Case("arm-bom", "arm", {"main.json": b"\xef\xbb\xbf" + arm([]).encode()}, None),
    Case("arm-latin1", "arm", {"main.json": arm([arm_nsg("caf\u00e9")]).replace(
        "\\u00e9", "\xe9").encode("latin-1")}, ("UTF-8",)),
    Case("arm-binary", "arm", {"main.json": b'{"$schema": "' + ARM_SCHEMA.encode()
                               + b'", "resources": [\x00\x01\x02\xff'}, ("binary",)),
    Case("arm-deep", "arm", {"main.json": arm()[:-3] + ', "x": ' + _deep("[", "]") + "}\n"},
         ("nest", "deep")),
    Case("arm-deep-expression", "arm", {"main.json": arm([arm_nsg(
        "[" + _deep("concat(", ")") + "]")])}, ("nest", "deep")),
    Case("arm-copy-huge", "arm", {"main.json": arm([arm_nsg(
        "[concat('nsg-', copyIndex())]", copy={"name": "many", "count": 100000000})])},
         ("exceeds the limit",)),
    Case("arm-property-copy-huge", "arm", {"main.json": arm([arm_nsg("p", properties={
        "copy": [{"name": "securityRules", "count": 100000000,
                  "input": {"name": "[concat('r', copyIndex('securityRules'))]"}}]})])},
         ("exceeds the limit",)),
    Case("arm-variable-copy-huge", "arm", {"main.json": arm(
        [arm_nsg("[string(length(variables('many')))]")],
        variables={"copy": [{"name": "many", "count": 100000000, "input": "x"}]})},
         ("exceeds the limit",)),
    Case("arm-doubling", "arm", {"main.json": _doubling_arm(40)}, ("longer", "limit", "budget")),
    Case("arm-huge-functions", "arm", {"main.json": arm([arm_nsg(
        "[concat(padLeft('a', 100000000, 'x'), string(range(0, 100000000)), "
        "string(length(split(padLeft('a', 5000000, ','), ','))))]")])},
         ("limit", "longer", "exceeds")),
    Case("arm-nested-deep", "arm", {"main.json": _nested_arm(20)}, ("deeper than",)),
    Case("arm-linked-template", "arm", {"main.json": arm([{
        "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "linked",
        "properties": {"mode": "Incremental",
                       "templateLink": {"uri": "https://evil.example.com/t.json"}}}])}, None),
    Case("arm-parameters-hostile", "arm", {
        "main.json": arm([arm_nsg("[parameters('p')]")],
                         parameters={"p": {"type": "string"}}),
        "main.parameters.json": '{"parameters": {"p": {"value": ' + _deep("[", "]") + "}}}\n",
    }, ("nest", "deep", "parameters")),
    # ---- CloudFormation ----------------------------------------------------------------
    Case("cfn-truncated-yaml", "cfn", {"main.yaml": CFN_HEAD + "Resources:\n  A:\n    Type: ["},
         ("YAML", "invalid", "parse")),
    Case("cfn-truncated-json", "cfn", {"main.json": '{"AWSTemplateFormatVersion": "2010-09-09",'
                                                    ' "Resources": {"A": {"Type": "AWS::EC2::'},
         ("JSON", "YAML", "invalid", "parse")),
    Case("cfn-bom", "cfn", {"main.yaml": b"\xef\xbb\xbf" + CFN_HEAD.encode()
                            + b"Resources: {}\n"}, None),
    Case("cfn-latin1", "cfn", {"main.yaml": CFN_HEAD.encode() + b"Description: caf\xe9\n"
                               + b"Resources: {}\n"}, ("UTF-8",)),
    Case("cfn-binary", "cfn", {"main.yaml": CFN_HEAD.encode() + b"\x00\x01\x02\xff\xfe"},
         ("binary",)),
    Case("cfn-deep-flow", "cfn", {"main.yaml": CFN_HEAD + "Metadata: " + _deep("[", "]")
                                  + "\nResources: {}\n"}, ("nest", "deep")),
    Case("cfn-deep-block", "cfn", {"main.yaml": CFN_HEAD + "Metadata:\n" + "".join(
        " " * i + f"k{i}:\n" for i in range(1, 3000)) + "Resources: {}\n"}, ("nest", "deep")),
    Case("cfn-deep-json", "cfn", {"main.json": '{"AWSTemplateFormatVersion": "2010-09-09", '
                                  '"Metadata": ' + _deep("[", "]") + ', "Resources": {}}\n'},
         ("nest", "deep")),
    Case("cfn-deep-intrinsic", "cfn", {"main.yaml": CFN_HEAD + "Resources:\n  A:\n    Type: "
                                       "AWS::EC2::SecurityGroup\n    Properties:\n"
                                       "      GroupDescription: "
                                       + _deep('{"Fn::Base64": ', "}", 5000) + "\n"},
         ("nest", "deep")),
    Case("cfn-alias-bomb", "cfn", {"main.yaml": ALIAS_BOMB}, ("alias",)),
    Case("cfn-python-tags", "cfn", {"main.yaml": PYTHON_TAGS}, ("tag", "python")),
    Case("cfn-huge-intrinsics", "cfn", {"main.yaml": CFN_HEAD + """\
Resources:
  Huge:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Select [0, !Cidr [10.0.0.0/8, 100000000, 8]]
      Tags:
        - Key: a
          Value: !Select [0, !Cidr ["::/0", 100000000, 64]]
        - Key: b
          Value: !Join ["", !Split [",", !Join [",", !Cidr [10.0.0.0/8, 256, 0]]]]
        - Key: c
          Value: !Select [99999999, !Split ["", !Sub "${AWS::StackName}"]]
        - Key: d
          Value: !Join [",", !GetAZs ""]
"""}, ("limit", "exceeds", "Cidr", "count")),
    Case("cfn-doubling", "cfn", {"main.yaml": _doubling_cfn(40)}, ("alias", "longer", "limit")),
    Case("cfn-not-a-template", "cfn", {"main.yaml": CFN_HEAD + "- a\n- b\n",
                                       "other.yaml": CFN_HEAD + "Resources: 7\n",
                                       "third.json": '["AWS::EC2::SecurityGroup", 1]\n'},
         ("mapping", "object", "Resources")),
    Case("cfn-nested-stack", "cfn", {"main.yaml": CFN_HEAD + """\
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://evil.example.com/child.yaml
"""}, None),
    # ---- Bicep -------------------------------------------------------------------------
    Case("bicep-truncated", "bicep", {"main.bicep": "resource a 'X@1' = {\n  name: 'a"},
         ("invalid", "unterminated", "parse", "Bicep")),
    Case("bicep-bom", "bicep", {"main.bicep": b"\xef\xbb\xbfvar a = 1\n"}, ("byte-order",)),
    Case("bicep-latin1", "bicep", {"main.bicep": b"var a = 'caf\xe9'\n"}, ("UTF-8",)),
    Case("bicep-binary", "bicep", {"main.bicep": b"\x7fELF\x00\x01\x02\xff"}, ("binary",)),
    Case("bicep-empty", "bicep", {"main.bicep": ""}, None),
    Case("bicep-deep", "bicep", {"main.bicep": "var a = " + _deep("[", "]") + "\n"},
         ("nest", "deep")),
    Case("bicep-deep-parens", "bicep", {"main.bicep": "var a = " + _deep("(", ")") + "\n"},
         ("nest", "deep")),
    Case("bicep-deep-objects", "bicep", {"main.bicep": "var a = " + _deep("{\n a: ", "\n}")
                                         + "\n"}, ("nest", "deep")),
    Case("bicep-range-huge", "bicep", {"main.bicep": """\
resource many 'Microsoft.Network/networkSecurityGroups@2023-05-01' = [
  for i in range(0, 100000000): {
  name: 'nsg-${i}'
  location: 'westeurope'
}]
"""}, ("limit",)),
    Case("bicep-doubling", "bicep", {"main.bicep": _doubling_bicep(40)}, ("longer", "limit")),
    Case("bicep-module-self", "bicep", {"main.bicep": "module me 'main.bicep' = {\n"
                                                     "  name: 'me'\n}\n"},
         ("module", "itself", "cycle", "deeper")),
    Case("bicep-module-cycle", "bicep", {"main.bicep": "module a 'a.bicep' = {\n  name: 'a'\n}\n",
                                         "a.bicep": "module b 'b.bicep' = {\n  name: 'b'\n}\n",
                                         "b.bicep": "module a 'a.bicep' = {\n  name: 'a'\n}\n"},
         ("module", "itself", "cycle", "deeper")),
    Case("bicep-remote-module", "bicep", {"main.bicep": "module r 'br:evil.azurecr.io/m:v1' = {\n"
                                                       "  name: 'r'\n}\n"}, None),
    # ---- Terraform plan JSON -----------------------------------------------------------
    Case("plan-truncated", "tf", {"plan.json": PLAN_HEAD + '{"root_module": {"resources": ['},
         ("JSON", "invalid")),
    Case("plan-deep", "tf", {"plan.json": PLAN_HEAD + '{"root_module": {"resources": [{'
                             '"address": "a.b", "mode": "managed", "type": "a", "name": "b", '
                             '"values": {"x": ' + _deep("[", "]") + "}}]}}}\n"},
         ("nest", "deep")),
    Case("plan-deep-modules", "tf", {"plan.json": PLAN_HEAD + '{"root_module": '
                                     + _deep('{"child_modules": [', "]}", 5000) + "}}\n"},
         ("nest", "deep")),
    Case("plan-wrong-shapes", "tf", {"plan.json": PLAN_HEAD + '{"root_module": {"resources": '
                                     '[1, "x", null, {"values": 7}, {"address": []}]}}, '
                                     '"resource_changes": 5, "configuration": [[]]}\n'}, None),
    # ---- files, links and sizes (special: created at test time) ------------------------
    Case("big-files", "tf", {}, ("--max-file-bytes",), special=lambda d: (
        _sparse(d / "sparse.tf", 20 * MB),
        _big_text(d / "big.json", 11 * MB, '{"$schema": "' + ARM_SCHEMA + '", "resources": [],'
                  '\n"x": "'),
        _big_text(d / "big.yaml", 11 * MB, CFN_HEAD + "Resources: {}\n"),
        _sparse(d / "big.bicep", 20 * MB))),
    Case("fifo", "tf", {}, None, special=lambda d: (_fifo(d / "pipe.tf"),
                                                   _fifo(d / "pipe.bicep"),
                                                   _fifo(d / "pipe.json"))),
    Case("dir-named-tf", "tf", {}, None, special=lambda d: (
        (d / "dir.tf").mkdir(), (d / "dir.bicep").mkdir(), (d / "dir.yaml").mkdir())),
    Case("unreadable", "tf", {}, None, special=lambda d: (
        _unreadable(d / "secret.tf", "locals {}\n"),
        _unreadable(d / "secret.json", arm([])),
        _unreadable(d / "secret.bicep", "var a = 1\n"))),
    Case("symlink-loop", "tf", {}, None, special=_symlink_loop),
    Case("tf-module-symlink", "tf", {"main.tf": 'module "m" {\n  source = "./mod"\n}\n'},
         ("module cycle",), special=_module_symlink),
]

BY_NAME = {case.name: case for case in CASES}


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="\n")


def write_files(root: Path) -> None:
    """Write every case's plain files (not the special ones) with its control under *root*."""
    for case in CASES:
        directory = root / case.name
        name, text = CONTROLS[case.control]
        _write(directory / name, text)
        for relative, content in case.files.items():
            _write(directory / relative, content)


def build_special(root: Path) -> None:
    """Create the special cases (big files, FIFOs, links, unreadable files) under *root*."""
    for case in CASES:
        if case.special is None:
            continue
        directory = root / case.name
        directory.mkdir(parents=True, exist_ok=True)
        name, text = CONTROLS[case.control]
        _write(directory / name, text)
        case.special(directory)


def build_all(root: Path) -> None:
    """The whole corpus under *root*: every case directory with its control."""
    write_files(root)
    build_special(root)


def make_removable(root: Path) -> None:
    """Give back the permissions the unreadable cases took away, so *root* can be deleted."""
    for current, _dirs, files in os.walk(root):
        for name in files:
            path = Path(current) / name
            if not path.is_symlink() and path.is_file():
                path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def summarize(directory: Path) -> dict:
    """Scan *directory* as one plan; what the tests look at, as JSON-able data."""
    from iacjit.scan import run_scan

    result = run_scan([directory])
    return {
        "errors": [{"file": e.file, "line": e.line, "message": e.message}
                   for e in result.errors],
        "unresolved": [u.reason for u in result.unresolved],
        "notes": [note for r in result.resources for note in r.notes],
        "not_scanned": [{"file": n.file, "what": n.what, "reason": n.reason}
                        for n in result.not_scanned],
        "findings": [{"rule": f.rule_id, "file": f.resource.file, "address": f.resource.address}
                     for f in result.findings],
    }


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--write":
        build_all(Path(argv[1]))
        return 0
    if len(argv) >= 2 and argv[0] == "--scan":
        for directory in argv[1:]:  # one JSON line per directory, flushed: a hang is located
            start = time.monotonic()
            summary = summarize(Path(directory))
            summary.update(case=Path(directory).name, seconds=time.monotonic() - start)
            print(json.dumps(summary), flush=True)
        return 0
    sys.stderr.write("usage: hostile_corpus.py --write DIR | --scan DIR...\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
