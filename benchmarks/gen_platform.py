"""Second benchmark shape, "platform": few repeated files, long files, locals, ``for``, modules.

benchmarks/gen_corpus.py writes short roots (~56 lines a file, 39% of the files repeated): the
figure it gives leans on that shape.  This one looks like a platform team's repository: every
environment root is distinct (its own names, address plans, rule tables), files run to a few
hundred lines, rules live in ``locals`` tables expanded with ``for`` expressions and
``dynamic`` blocks, and the NSGs and security groups come from versions of local modules
called with ``for_each``.  Half the environments are azurerm, half aws.

    python benchmarks/gen_platform.py OUT_DIR N [--seed 1]

Prints the number of files and lines written.  OUT_DIR is emptied first.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

MODULE_VERSIONS = 4  # copies of each module under modules/<kind>-v<N> (a module per release)
PORTS = [22, 3389, 443, 80, 8080, 1433, 5432, 5985, 8443, 9000]
SOURCES = ['"*"', '"Internet"', '"0.0.0.0/0"', '"10.0.0.0/8"', '"VirtualNetwork"',
           '"192.168.10.0/24"', "var.admin_cidr"]


def _rule_table(rng: random.Random, name: str, count: int) -> str:
    rows = []
    for i in range(count):
        port = rng.choice(PORTS)
        rows.append(f"""    {name}_{i:02d} = {{
      priority = {100 + i * 10}
      port     = "{port if rng.random() < 0.8 else f"{port}-{port + 2}"}"
      source   = {rng.choice(SOURCES)}
      access   = "{rng.choice(["Allow", "Allow", "Deny"])}"
      protocol = "{rng.choice(["Tcp", "Tcp", "*", "Udp"])}"
    }}""")
    return "\n".join(rows)


def _variables(rng: random.Random, n: int, cloud: str) -> str:
    third = rng.randint(1, 250)
    return f"""variable "location" {{
  description = "Where environment {n} runs"
  type        = string
  default     = "{rng.choice(["westeurope", "northeurope", "eastus2", "eu-west-1"])}"
}}

variable "admin_cidr" {{
  description = "Administrators' range for environment {n}"
  type        = string
  default     = "{rng.choice(["0.0.0.0/0", f"10.{third}.0.0/16"])}"
}}

variable "address_space" {{
  type    = list(string)
  default = ["10.{third}.0.0/16"]
}}

variable "tiers" {{
  description = "Subnets and their rules, per tier"
  type = map(object({{
    cidr        = string
    public      = optional(bool, false)
    extra_ports = optional(list(number), [])
    owner       = optional(string)
  }}))
  default = {{
    web = {{
      cidr   = "10.{third}.1.0/24"
      public = true
    }}
    app = {{
      cidr        = "10.{third}.2.0/24"
      extra_ports = [{rng.choice(PORTS)}, {rng.choice(PORTS)}]
    }}
    data = {{
      cidr  = "10.{third}.3.0/24"
      owner = "dba-{n}"
    }}
    mgmt = {{
      cidr   = "10.{third}.4.0/24"
      public = {rng.choice(["true", "false"])}
    }}
  }}
}}

variable "tags" {{
  type = map(string)
  default = {{
    environment = "env-{n}"
    cost_center = "cc-{rng.randint(1000, 9999)}"
    cloud       = "{cloud}"
  }}
}}
"""


def _locals(rng: random.Random, n: int) -> str:
    tables = "\n".join(f"""  {tier}_rules = {{
{_rule_table(rng, tier, rng.randint(6, 12))}
  }}
""" for tier in ("web", "app", "data", "mgmt"))
    return f"""locals {{
  name = "env-{n}"
  tags = merge(var.tags, {{
    managed_by = "terraform"
    revision   = "{rng.randint(1, 10**6)}"
  }})

{tables}
  rules_by_tier = {{
    web  = local.web_rules
    app  = local.app_rules
    data = local.data_rules
    mgmt = local.mgmt_rules
  }}

  # Every rule of every tier, flattened, keyed "tier/rule".
  all_rules = merge([
    for tier, rules in local.rules_by_tier : {{
      for key, rule in rules : "${{tier}}/${{key}}" => merge(rule, {{ tier = tier }})
    }}
  ]...)

  management_rules = {{
    for key, rule in local.all_rules : key => rule
    if contains(["22", "3389"], rule.port) && rule.access == "Allow"
  }}

  public_tiers = [for tier, cfg in var.tiers : tier if cfg.public]
  extra_ports  = distinct(flatten([for tier, cfg in var.tiers : cfg.extra_ports]))
  owners       = {{ for tier, cfg in var.tiers : tier => coalesce(cfg.owner, "platform") }}
  vm_names     = [for i in range({rng.randint(2, 6)}) : format("%s-vm-%02d", local.name, i)]
  priorities   = [for key, rule in local.all_rules : rule.priority if rule.priority > 150]
  labels       = {{ for k, v in local.tags : lower(k) => upper(v) }}
  suffix       = length(local.vm_names) > 3 ? "large" : "small"
}}
"""


def _azure_network(rng: random.Random, n: int) -> str:
    vms = "\n".join(f"""resource "azurerm_network_interface" "nic_{i}" {{
  name                = "${{local.name}}-nic-{i}"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg.name

  ip_configuration {{
    name                          = "primary"
    subnet_id                     = azurerm_subnet.tier["{tier}"].id
    private_ip_address_allocation = "Dynamic"
    public_ip_address_id          = {"azurerm_public_ip.pip_" + str(i) + ".id" if pub else "null"}
  }}
}}
{f'''
resource "azurerm_public_ip" "pip_{i}" {{
  name                = "${{local.name}}-pip-{i}"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}}
''' if pub else ""}
resource "azurerm_linux_virtual_machine" "vm_{i}" {{
  name                  = local.vm_names[{i} % length(local.vm_names)]
  location              = var.location
  resource_group_name   = azurerm_resource_group.rg.name
  size                  = "Standard_B2s"
  admin_username        = "azureuser"
  network_interface_ids = [azurerm_network_interface.nic_{i}.id]

  os_disk {{
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }}

  source_image_reference {{
    publisher = "Canonical"
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts"
    version   = "latest"
  }}

  tags = merge(local.tags, {{ role = "{tier}" }})
}}

resource "azurerm_network_interface_security_group_association" "nic_{i}" {{
  network_interface_id      = azurerm_network_interface.nic_{i}.id
  network_security_group_id = module.nsg["{tier}"].id
}}
""" for i, tier, pub in ((i, rng.choice(["web", "app", "mgmt"]), rng.random() < 0.5)
                        for i in range(rng.randint(2, 4))))
    return f"""resource "azurerm_resource_group" "rg" {{
  name     = "${{local.name}}-rg"
  location = var.location
  tags     = local.tags
}}

resource "azurerm_virtual_network" "vnet" {{
  name                = "${{local.name}}-vnet"
  address_space       = var.address_space
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  tags                = local.tags
}}

resource "azurerm_subnet" "tier" {{
  for_each             = var.tiers
  name                 = "${{local.name}}-${{each.key}}"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = [each.value.cidr]
}}

module "nsg" {{
  source   = "../modules/azure-nsg-v{n % MODULE_VERSIONS}"
  for_each = local.rules_by_tier

  name                = "${{local.name}}-${{each.key}}-nsg"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg.name
  rules               = each.value
  admin_cidr          = var.admin_cidr
  tags                = merge(local.tags, {{ tier = each.key, owner = local.owners[each.key] }})
}}

resource "azurerm_subnet_network_security_group_association" "tier" {{
  for_each                  = var.tiers
  subnet_id                 = azurerm_subnet.tier[each.key].id
  network_security_group_id = module.nsg[each.key].id
}}

{vms}"""


def _aws_network(rng: random.Random, n: int) -> str:
    instances = "\n".join(f"""resource "aws_instance" "host_{i}" {{
  ami                         = "ami-{rng.randint(10**7, 10**8 - 1):08x}"
  instance_type               = "{rng.choice(["t3.small", "t3.medium", "m6i.large"])}"
  subnet_id                   = aws_subnet.tier["{tier}"].id
  vpc_security_group_ids      = [module.sg["{tier}"].id]
  associate_public_ip_address = {rng.choice(["true", "false"])}

  root_block_device {{
    volume_size = {rng.choice([20, 40, 80])}
    encrypted   = true
  }}

  tags = merge(local.tags, {{ Name = local.vm_names[{i} % length(local.vm_names)] }})
}}
""" for i, tier in ((i, rng.choice(["web", "app", "mgmt"])) for i in range(rng.randint(2, 4))))
    return f"""provider "aws" {{
  region = var.location
}}

resource "aws_vpc" "main" {{
  cidr_block           = var.address_space[0]
  enable_dns_hostnames = true
  tags                 = merge(local.tags, {{ Name = "${{local.name}}-vpc" }})
}}

resource "aws_subnet" "tier" {{
  for_each                = var.tiers
  vpc_id                  = aws_vpc.main.id
  cidr_block              = each.value.cidr
  map_public_ip_on_launch = each.value.public
  tags                    = merge(local.tags, {{ Name = "${{local.name}}-${{each.key}}" }})
}}

module "sg" {{
  source   = "../modules/aws-sg-v{n % MODULE_VERSIONS}"
  for_each = local.rules_by_tier

  name       = "${{local.name}}-${{each.key}}"
  vpc_id     = aws_vpc.main.id
  rules      = each.value
  admin_cidr = var.admin_cidr
}}

resource "aws_vpc_security_group_ingress_rule" "extra" {{
  for_each          = toset([for p in local.extra_ports : tostring(p)])
  security_group_id = module.sg["app"].id
  cidr_ipv4         = "10.0.0.0/8"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  ip_protocol       = "tcp"
}}

{instances}"""


def _outputs(n: int, cloud: str) -> str:
    nsg = "module.nsg" if cloud == "azure" else "module.sg"
    return f"""output "environment" {{
  value = "env-{n}"
}}

output "security_groups" {{
  value = {{ for tier, m in {nsg} : tier => m.id }}
}}

output "management_rules" {{
  description = "Rules that open a management port, by tier"
  value = {{
    for key, rule in local.management_rules : key => "${{rule.source}}:${{rule.port}}"
  }}
}}

output "public_tiers" {{
  value = local.public_tiers
}}

output "rule_count" {{
  value = length(local.all_rules)
}}
"""


def _modules(version: int) -> dict[str, dict[str, str]]:
    azure = f"""# azure-nsg module, release {version}
variable "name" {{ type = string }}
variable "location" {{ type = string }}
variable "resource_group_name" {{ type = string }}
variable "admin_cidr" {{ type = string }}
variable "tags" {{
  type    = map(string)
  default = {{}}
}}
variable "rules" {{
  type = map(object({{
    priority = number
    port     = string
    source   = string
    access   = optional(string, "Allow")
    protocol = optional(string, "Tcp")
  }}))
}}

resource "azurerm_network_security_group" "this" {{
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags

  dynamic "security_rule" {{
    for_each = var.rules
    content {{
      name                       = security_rule.key
      priority                   = security_rule.value.priority
      direction                  = "Inbound"
      access                     = security_rule.value.access
      protocol                   = security_rule.value.protocol
      source_port_range          = "*"
      destination_port_range     = security_rule.value.port
      source_address_prefix      = security_rule.value.source
      destination_address_prefix = "*"
    }}
  }}
}}

output "id" {{
  value = azurerm_network_security_group.this.id
}}
"""
    aws = f"""# aws-sg module, release {version}
variable "name" {{ type = string }}
variable "vpc_id" {{ type = string }}
variable "admin_cidr" {{ type = string }}
variable "rules" {{
  type = map(object({{
    priority = number
    port     = string
    source   = string
    access   = optional(string, "Allow")
    protocol = optional(string, "Tcp")
  }}))
}}

locals {{
  ingress = {{
    for key, rule in var.rules : key => {{
      from = tonumber(split("-", rule.port)[0])
      to   = tonumber(reverse(split("-", rule.port))[0])
      cidr = contains(["*", "Internet"], rule.source) ? "0.0.0.0/0" : (
        rule.source == "VirtualNetwork" ? "10.0.0.0/8" : rule.source
      )
      protocol = lower(rule.protocol) == "*" ? "-1" : lower(rule.protocol)
    }}
    if rule.access == "Allow"
  }}
}}

resource "aws_security_group" "this" {{
  name   = var.name
  vpc_id = var.vpc_id

  dynamic "ingress" {{
    for_each = local.ingress
    content {{
      description = ingress.key
      from_port   = ingress.value.from
      to_port     = ingress.value.to
      protocol    = ingress.value.protocol
      cidr_blocks = [ingress.value.cidr]
    }}
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

output "id" {{
  value = aws_security_group.this.id
}}
"""
    return {f"azure-nsg-v{version}": {"main.tf": azure}, f"aws-sg-v{version}": {"main.tf": aws}}


def environment(rng: random.Random, n: int) -> dict[str, str]:
    """The files of environment *n* (azurerm when even, aws when odd)."""
    cloud = "azure" if n % 2 == 0 else "aws"
    network = _azure_network(rng, n) if cloud == "azure" else _aws_network(rng, n)
    return {"variables.tf": _variables(rng, n, cloud), "locals.tf": _locals(rng, n),
            "network.tf": network, "outputs.tf": _outputs(n, cloud)}


def generate(out: Path, total: int, seed: int = 1) -> tuple[int, int]:
    """Write *total* files below *out*; returns (files, lines)."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written: dict[Path, str] = {}
    for version in range(MODULE_VERSIONS):
        for name, files in _modules(version).items():
            for fname, text in files.items():
                written[out / "modules" / name / fname] = text
    n = 0
    while len(written) < total:
        files = environment(rng, n)
        for fname, text in list(files.items())[: total - len(written)]:
            written[out / f"env-{n:05d}" / fname] = text
        n += 1
    lines = 0
    for path, text in written.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        lines += text.count("\n")
    return len(written), lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("files", type=int)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    files, lines = generate(args.out, args.files, args.seed)
    print(f"{files} files, {lines} lines in {args.out}")


if __name__ == "__main__":
    main()
