"""Real registry modules, called the way platform teams call them (a script, not a test).

    python benchmarks/realworld_modules.py [--corpora /work/corpora] [--workdir DIR]

Needs local copies of the public modules, never committed (extract a git mirror with
``git --git-dir=<mirror> archive HEAD | tar -x -C <corpora>/<owner>+<name>``):

* ``Azure+terraform-azurerm-avm-res-network-networksecuritygroup``
* ``Azure+terraform-azurerm-avm-res-compute-virtualmachine``
* ``terraform-aws-modules+terraform-aws-security-group``

For each case it writes a root that calls the module(s) from the registry with an SSH rule
open to the internet, copies each module where ``terraform init`` would install it
(``.terraform/modules/<key>``) with the ``modules.json`` init writes, runs ``iacjit scan
--format json`` and checks that the open SSH rule is reported with the call site of the root.
A Markdown table goes to stdout; the exit code is 1 when a case misses its finding, 2 when a
module copy is absent.  Missing nested modules (a module's own registry calls) show up as
``not_scanned``: they are counted, not fatal.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

NSG = "Azure+terraform-azurerm-avm-res-network-networksecuritygroup"
VM = "Azure+terraform-azurerm-avm-res-compute-virtualmachine"
AWS_SG = "terraform-aws-modules+terraform-aws-security-group"

SSH_RULE = '''
    ssh = {
      name                       = "allow-ssh-from-anywhere"
      priority                   = 100
      direction                  = "Inbound"
      access                     = "Allow"
      protocol                   = "Tcp"
      source_port_range          = "*"
      destination_port_range     = "22"
      source_address_prefix      = "*"
      destination_address_prefix = "*"
    }
'''

NSG_CALL = f'''
module "nsg" {{
  source              = "Azure/avm-res-network-networksecuritygroup/azurerm"
  version             = "0.5.0"
  name                = "nsg-web"
  location            = "westeurope"
  resource_group_name = "rg-web"
  security_rules = {{{SSH_RULE}  }}
}}
'''

VM_CALL = '''
variable "subnet_id" {
  type    = string
  default = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/vnets/v/subnets/s"
}

module "vm" {
  source              = "Azure/avm-res-compute-virtualmachine/azurerm"
  version             = "0.20.0"
  name                = "vm-web"
  location            = "westeurope"
  resource_group_name = "rg-web"
  zone                = "1"
  os_type             = "Linux"
  network_interfaces = {
    nic1 = {
      name = "nic-web"
      ip_configurations = {
        ipc1 = {
          name                          = "ipc1"
          private_ip_subnet_resource_id = var.subnet_id
          create_public_ip_address      = true
          public_ip_address_name        = "pip-web"
        }
      }
      network_security_groups = {
        web = { network_security_group_resource_id = module.nsg.resource_id }
      }
    }
  }
}
'''

AWS_CALL = '''
module "web_sg" {
  source  = "terraform-aws-modules/security-group/aws"
  version = "5.3.0"
  name    = "web"
  vpc_id  = "vpc-0123456789abcdef0"

  ingress_with_cidr_blocks = [
    { rule = "ssh-tcp", cidr_blocks = "0.0.0.0/0" },
    { rule = "https-443-tcp", cidr_blocks = "0.0.0.0/0" },
  ]
}

module "ssh_sg" {
  source  = "terraform-aws-modules/security-group/aws//modules/ssh"
  version = "5.3.0"
  name    = "ssh"
  vpc_id  = "vpc-0123456789abcdef0"
  ingress_cidr_blocks = ["0.0.0.0/0"]
}
'''


@dataclass
class Case:
    name: str
    main_tf: str
    modules: dict[str, tuple[str, str, str]]  # key -> (corpus, subdirectory, source)
    expect: list[str] = field(default_factory=list)  # call names the SSH finding comes via


CASES = [
    Case("avm-nsg", NSG_CALL, {
        "nsg": (NSG, "", "registry.terraform.io/Azure/avm-res-network-networksecuritygroup/"
                         "azurerm")}, ["module.nsg"]),
    Case("avm-vm+avm-nsg", NSG_CALL + VM_CALL, {
        "nsg": (NSG, "", "registry.terraform.io/Azure/avm-res-network-networksecuritygroup/"
                         "azurerm"),
        "vm": (VM, "", "registry.terraform.io/Azure/avm-res-compute-virtualmachine/azurerm")},
        ["module.nsg"]),
    Case("aws-security-group", AWS_CALL, {
        "web_sg": (AWS_SG, "", "registry.terraform.io/terraform-aws-modules/security-group/aws"),
        "ssh_sg": (AWS_SG, "modules/ssh",
                   "registry.terraform.io/terraform-aws-modules/security-group/aws"),
        "ssh_sg.sg": (AWS_SG, "", "../../")},  # a local call inside the package
        ["module.web_sg", "module.ssh_sg"]),
]


def _install(root: Path, corpora: Path, case: Case) -> None:
    """The layout `terraform init` leaves: each package copied once, `//subdir` inside it."""
    entries = [{"Key": "", "Source": "", "Dir": "."}]
    for key, (corpus, subdirectory, source) in case.modules.items():
        package = root / ".terraform" / "modules" / key.split(".")[0]
        if not package.exists():
            shutil.copytree(corpora / corpus, package,
                            ignore=shutil.ignore_patterns(".git", "examples", "tests"))
        directory = package / subdirectory if subdirectory else package
        entries.append({"Key": key, "Source": source, "Version": "5.3.0",
                        "Dir": directory.relative_to(root).as_posix()})
    (root / ".terraform" / "modules" / "modules.json").write_text(
        json.dumps({"Modules": entries}), encoding="utf-8")


def _run(iacjit: str, root: Path) -> dict:
    proc = subprocess.run([iacjit, "scan", ".", "--format", "json", "--no-cache",
                           "--fail-on", "none"], cwd=root, capture_output=True, text=True,
                          timeout=600)
    if not proc.stdout.strip():
        raise SystemExit(f"iacjit produced no report in {root}: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=Path("/work/corpora"))
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--iacjit", default=str(Path(sys.executable).parent / "iacjit"))
    args = parser.parse_args()
    missing = [c for c in (NSG, VM, AWS_SG) if not (args.corpora / c).is_dir()]
    if missing:
        print(f"missing module copies under {args.corpora}: {', '.join(missing)}",
              file=sys.stderr)
        return 2
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="iacjit-realworld-"))
    print("| case | resources | zt_net_001 (via the root's call) | chains | unresolved "
          "| not scanned | errors | result |")
    print("|---|---|---|---|---|---|---|---|")
    failed = 0
    for case in CASES:
        root = workdir / case.name
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        (root / "main.tf").write_text(case.main_tf, encoding="utf-8")
        _install(root, args.corpora, case)
        document = _run(args.iacjit, root)
        ssh = [f for f in document["findings"] if f["rule_id"] == "zt_net_001"
               and 22 in (f["evidence"].get("ports") or [])]
        found = sorted({f["via"][0]["module"] for f in ssh
                        if f["via"] and f["via"][0]["file"] == "main.tf"})
        ok = all(any(m == e or m.startswith(e + "[") for m in found) for e in case.expect)
        failed += not ok
        s = document["summary"]
        print(f"| {case.name} | {s['resources']} | {len(ssh)} ({', '.join(found) or '-'}) "
              f"| {s['chains']} | {s['unresolved']} | {s['not_scanned']} | {s['errors']} "
              f"| {'ok' if ok else 'MISSED'} |")
        for item in document["errors"] + document["not_scanned"]:
            print(f"  - {item['file']}:{item.get('line')}: "
                  f"{item.get('message') or item.get('what') + ': ' + item['reason']}",
                  file=sys.stderr)
    print(f"\nworkdir: {workdir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
