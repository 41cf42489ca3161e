"""Generate a realistic IaC corpus of N files for benchmarks (deterministic for a seed).

Terraform roots of ten files each, alternating azurerm and aws: NSGs / security groups with
inline and standalone rules (some open 22/3389 to the internet), VMs / instances, NICs, public
IPs, subnet and NIC associations, variables, locals with ``for`` expressions, outputs and a
call of a shared local module.  With ``--mix`` a share of the files are ARM templates (with a
parameters file beside some) and CloudFormation templates (YAML and JSON).

    python benchmarks/gen_corpus.py OUT_DIR N [--mix] [--seed 1]

Prints the number of files and lines written.  OUT_DIR is emptied first.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

FILES_PER_ROOT = 10
PORTS = ["22", "3389", "443", "80", "8080", "5985-5986", "3380-3390", "1433", "20-30", "*"]
SOURCES = ['"*"', '"Internet"', '"0.0.0.0/0"', '"10.0.0.0/8"', "var.admin_cidr",
           '"VirtualNetwork"', '"192.168.10.0/24"']


def _azure_rule(rng: random.Random, i: int, inline: bool) -> str:
    port = rng.choice(PORTS)
    ports = (f'destination_port_ranges     = ["{port}", "{rng.choice(PORTS)}"]'
             if rng.random() < 0.3 else f'destination_port_range      = "{port}"')
    body = f"""
    name                        = "rule-{i}-{port.replace('*', 'any')}"
    priority                    = {100 + i * 10}
    direction                   = "{rng.choice(['Inbound', 'Inbound', 'Outbound'])}"
    access                      = "{rng.choice(['Allow', 'Allow', 'Deny'])}"
    protocol                    = "{rng.choice(['Tcp', 'Tcp', '*', 'Udp'])}"
    source_port_range           = "*"
    {ports}
    source_address_prefix       = {rng.choice(SOURCES)}
    destination_address_prefix  = "*"
"""
    if inline:
        return f"  security_rule {{{body}  }}\n"
    return body


def azure_root(rng: random.Random, n: int) -> dict[str, str]:
    p = f"app{n}"
    vms = rng.randint(2, 4)
    files: dict[str, str] = {}
    files["providers.tf"] = f"""terraform {{
  required_version = ">= 1.5"
  required_providers {{
    azurerm = {{
      source  = "hashicorp/azurerm"
      version = "~> 3.100"
    }}
  }}
}}

provider "azurerm" {{
  features {{}}
}}

# Root {n}: an application landing zone with {vms} virtual machines.
"""
    files["variables.tf"] = "".join(f"""
variable "{name}" {{
  description = "{desc}"
  type        = {typ}
  default     = {default}
}}
""" for name, desc, typ, default in [
        ("location", "Azure region", "string", '"westeurope"'),
        ("prefix", "Name prefix", "string", f'"{p}"'),
        ("admin_cidr", "Where administrators connect from",
         "string", rng.choice(['"0.0.0.0/0"', '"10.20.0.0/16"'])),
        ("vm_size", "VM size", "string", '"Standard_B2s"'),
        ("vm_count", "Number of VMs", "number", str(vms)),
        ("address_space", "VNet ranges", "list(string)", '["10.0.0.0/16"]'),
        ("subnets", "Subnets", "map(string)",
         '{\n    app  = "10.0.1.0/24"\n    data = "10.0.2.0/24"\n    mgmt = "10.0.3.0/24"\n  }'),
        ("tags", "Tags", "map(string)", '{\n    env   = "prod"\n    owner = "platform"\n  }'),
    ])
    files["locals.tf"] = f"""locals {{
  name      = "${{var.prefix}}-{n}"
  tags      = merge(var.tags, {{ root = "{n}" }})
  vm_names  = [for i in range(var.vm_count) : "${{local.name}}-vm-${{i}}"]
  subnet_ids = {{ for k, v in azurerm_subnet.this : k => v.id }}
  open_ports = toset(["22", "3389"])
  rule_map = {{
    for idx, port in ["443", "80", "8443"] : "web-${{port}}" => {{
      priority = 300 + idx
      port     = port
    }}
  }}
}}
"""
    files["network.tf"] = """resource "azurerm_resource_group" "rg" {
  name     = "${local.name}-rg"
  location = var.location
  tags     = local.tags
}

resource "azurerm_virtual_network" "vnet" {
  name                = "${local.name}-vnet"
  address_space       = var.address_space
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  tags                = local.tags
}

resource "azurerm_subnet" "this" {
  for_each             = var.subnets
  name                 = each.key
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = [each.value]
}
"""
    rules = rng.randint(10, 16)
    files["nsg.tf"] = f"""resource "azurerm_network_security_group" "app" {{
  name                = "${{local.name}}-nsg"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  tags                = local.tags

{"".join(_azure_rule(rng, i, True) for i in range(rules))}}}

resource "azurerm_subnet_network_security_group_association" "app" {{
  subnet_id                 = azurerm_subnet.this["app"].id
  network_security_group_id = azurerm_network_security_group.app.id
}}

resource "azurerm_network_security_group" "mgmt" {{
  name                = "${{local.name}}-mgmt-nsg"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  tags                = local.tags

{"".join(_azure_rule(rng, i, True) for i in range(rng.randint(8, 14)))}}}

resource "azurerm_subnet_network_security_group_association" "mgmt" {{
  subnet_id                 = azurerm_subnet.this["mgmt"].id
  network_security_group_id = azurerm_network_security_group.mgmt.id
}}
"""
    standalone = """  resource_group_name         = azurerm_resource_group.rg.name
  network_security_group_name = azurerm_network_security_group.app.name
"""
    files["rules.tf"] = "".join(f"""
resource "azurerm_network_security_rule" "extra_{i}" {{{_azure_rule(rng, i + 20, False)}\
{standalone}}}
""" for i in range(rng.randint(7, 11))) + """
resource "azurerm_network_security_rule" "web" {
  for_each                    = local.rule_map
  name                        = each.key
  priority                    = each.value.priority
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = each.value.port
  source_address_prefix       = "Internet"
  destination_address_prefix  = "*"
  resource_group_name         = azurerm_resource_group.rg.name
  network_security_group_name = azurerm_network_security_group.app.name
}
"""
    files["compute.tf"] = f"""resource "azurerm_public_ip" "vm" {{
  count               = var.vm_count
  name                = "${{local.vm_names[count.index]}}-pip"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}}

resource "azurerm_network_interface" "vm" {{
  count               = var.vm_count
  name                = "${{local.vm_names[count.index]}}-nic"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  ip_configuration {{
    name                          = "internal"
    subnet_id                     = azurerm_subnet.this["app"].id
    private_ip_address_allocation = "Dynamic"
    public_ip_address_id          = azurerm_public_ip.vm[count.index].id
  }}
}}

resource "azurerm_network_interface_security_group_association" "vm" {{
  count                     = var.vm_count
  network_interface_id      = azurerm_network_interface.vm[count.index].id
  network_security_group_id = azurerm_network_security_group.app.id
}}

resource "azurerm_linux_virtual_machine" "vm" {{
  count                 = var.vm_count
  name                  = local.vm_names[count.index]
  resource_group_name   = azurerm_resource_group.rg.name
  location              = azurerm_resource_group.rg.location
  size                  = var.vm_size
  admin_username        = "azureuser"
  network_interface_ids = [azurerm_network_interface.vm[count.index].id]
  tags                  = local.tags

  admin_ssh_key {{
    username   = "azureuser"
    public_key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0example{n}"
  }}

  os_disk {{
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }}

  source_image_reference {{
    publisher = "Canonical"
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts"
    version   = "latest"
  }}
}}
"""
    files["data.tf"] = f"""resource "azurerm_windows_virtual_machine" "jump" {{
  name                  = "${{local.name}}-jump"
  resource_group_name   = azurerm_resource_group.rg.name
  location              = azurerm_resource_group.rg.location
  size                  = "Standard_D2s_v5"
  admin_username        = "jumpadmin"
  admin_password        = "Example-Passw0rd-{n}!"
  network_interface_ids = [azurerm_network_interface.jump.id]

  os_disk {{
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }}

  source_image_reference {{
    publisher = "MicrosoftWindowsServer"
    offer     = "WindowsServer"
    sku       = "2022-datacenter"
    version   = "latest"
  }}
}}

resource "azurerm_network_interface" "jump" {{
  name                = "${{local.name}}-jump-nic"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  ip_configuration {{
    name                          = "internal"
    subnet_id                     = azurerm_subnet.this["mgmt"].id
    private_ip_address_allocation = "Dynamic"
  }}
}}
"""
    files["modules.tf"] = """module "mgmt_rules" {
  source              = "../modules/azure-nsg"
  name                = "${local.name}-mgmt"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg.name
  allowed_cidr        = var.admin_cidr
  ports               = ["22", "3389"]
}
"""
    files["outputs.tf"] = """output "vm_ids" {
  value = azurerm_linux_virtual_machine.vm[*].id
}

output "nsg_id" {
  value = azurerm_network_security_group.app.id
}

output "subnet_ids" {
  value = local.subnet_ids
}
"""
    return files


def _aws_ingress(rng: random.Random, i: int) -> tuple[int, int, str, str]:
    port = rng.choice([22, 3389, 443, 80, 8080, 5432, 0])
    to = port if port else 65535
    proto = rng.choice(["tcp", "tcp", "-1", "udp"]) if port else "-1"
    cidr = rng.choice(['"0.0.0.0/0"', '"10.0.0.0/8"', "var.admin_cidr", '"172.16.0.0/12"'])
    return port, to, proto, cidr


def aws_root(rng: random.Random, n: int) -> dict[str, str]:
    p = f"svc{n}"
    files: dict[str, str] = {}
    files["providers.tf"] = f"""terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }}
  }}
}}

provider "aws" {{
  region = var.region
}}

# Root {n}: a service VPC with bastion and application instances.
"""
    files["variables.tf"] = "".join(f"""
variable "{name}" {{
  description = "{desc}"
  type        = {typ}
  default     = {default}
}}
""" for name, desc, typ, default in [
        ("region", "AWS region", "string", '"eu-west-1"'),
        ("prefix", "Name prefix", "string", f'"{p}"'),
        ("admin_cidr", "Administrator range", "string",
         rng.choice(['"0.0.0.0/0"', '"10.50.0.0/16"'])),
        ("instance_type", "Instance type", "string", '"t3.micro"'),
        ("instance_count", "Instances", "number", str(rng.randint(2, 4))),
        ("vpc_cidr", "VPC range", "string", '"10.0.0.0/16"'),
        ("tags", "Tags", "map(string)", '{\n    env  = "prod"\n    team = "core"\n  }'),
    ])
    files["locals.tf"] = f"""locals {{
  name  = "${{var.prefix}}-{n}"
  tags  = merge(var.tags, {{ Name = local.name }})
  azs   = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  ports = {{ https = 443, http = 80, alt = 8443 }}
  subnet_cidrs = [for i, az in local.azs : cidrsubnet(var.vpc_cidr, 8, i)]
}}
"""
    files["network.tf"] = """resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_hostnames = true
  tags                 = local.tags
}

resource "aws_subnet" "public" {
  count                   = length(local.azs)
  vpc_id                  = aws_vpc.main.id
  cidr_block              = local.subnet_cidrs[count.index]
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = true
  tags                    = local.tags
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
  tags   = local.tags
}
"""
    ingress = ""
    for i in range(rng.randint(10, 16)):
        port, to, proto, cidr = _aws_ingress(rng, i)
        ingress += f"""
  ingress {{
    description = "ingress {i}"
    from_port   = {port}
    to_port     = {to}
    protocol    = "{proto}"
    cidr_blocks = [{cidr}]
  }}
"""
    ingress2 = ""
    for i in range(rng.randint(8, 14)):
        port, to, proto, cidr = _aws_ingress(rng, i)
        ingress2 += f"""
  ingress {{
    description = "data ingress {i}"
    from_port   = {port}
    to_port     = {to}
    protocol    = "{proto}"
    cidr_blocks = [{cidr}]
  }}
"""
    files["sg.tf"] = f"""resource "aws_security_group" "app" {{
  name        = "${{local.name}}-app"
  description = "application servers"
  vpc_id      = aws_vpc.main.id
{ingress}
  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}

  tags = local.tags
}}

resource "aws_security_group" "data" {{
  name        = "${{local.name}}-data"
  description = "data tier"
  vpc_id      = aws_vpc.main.id
{ingress2}
  tags = local.tags
}}
"""
    rules = ""
    for i in range(rng.randint(8, 12)):
        port, to, proto, cidr = _aws_ingress(rng, i)
        rules += f"""
resource "aws_security_group_rule" "extra_{i}" {{
  type              = "ingress"
  from_port         = {port}
  to_port           = {to}
  protocol          = "{proto}"
  cidr_blocks       = [{cidr}]
  security_group_id = aws_security_group.app.id
}}
"""
    files["rules.tf"] = rules + """
resource "aws_vpc_security_group_ingress_rule" "web" {
  for_each          = local.ports
  security_group_id = aws_security_group.app.id
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = each.value
  to_port           = each.value
  ip_protocol       = "tcp"
  description       = "web ${each.key}"
}
"""
    files["compute.tf"] = """data "aws_ami" "linux" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-*-x86_64"]
  }
}

resource "aws_network_interface" "app" {
  count           = var.instance_count
  subnet_id       = aws_subnet.public[count.index % length(local.azs)].id
  security_groups = [aws_security_group.app.id]
  tags            = local.tags
}

resource "aws_instance" "app" {
  count         = var.instance_count
  ami           = data.aws_ami.linux.id
  instance_type = var.instance_type

  network_interface {
    network_interface_id = aws_network_interface.app[count.index].id
    device_index         = 0
  }

  root_block_device {
    volume_size = 20
    encrypted   = true
  }

  tags = merge(local.tags, { Role = "app-${count.index}" })
}
"""
    files["bastion.tf"] = """resource "aws_security_group" "bastion" {
  name        = "${local.name}-bastion"
  description = "bastion"
  vpc_id      = aws_vpc.main.id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "bastion_ssh" {
  security_group_id = aws_security_group.bastion.id
  cidr_ipv4         = var.admin_cidr
  from_port         = 22
  to_port           = 22
  ip_protocol       = "tcp"
}

resource "aws_instance" "bastion" {
  ami                         = data.aws_ami.linux.id
  instance_type               = "t3.nano"
  subnet_id                   = aws_subnet.public[0].id
  vpc_security_group_ids      = [aws_security_group.bastion.id]
  associate_public_ip_address = true
  tags                        = merge(local.tags, { Role = "bastion" })
}
"""
    files["modules.tf"] = """module "db_sg" {
  source     = "../modules/aws-sg"
  name       = "${local.name}-db"
  vpc_id     = aws_vpc.main.id
  admin_cidr = var.admin_cidr
}
"""
    files["outputs.tf"] = """output "instance_ids" {
  value = aws_instance.app[*].id
}

output "sg_id" {
  value = aws_security_group.app.id
}
"""
    return files


MODULES = {
    "azure-nsg": {
        "main.tf": """variable "name" {}
variable "location" {}
variable "resource_group_name" {}
variable "allowed_cidr" {}
variable "ports" {
  type = list(string)
}

resource "azurerm_network_security_group" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
}

resource "azurerm_network_security_rule" "mgmt" {
  count                       = length(var.ports)
  name                        = "mgmt-${var.ports[count.index]}"
  priority                    = 200 + count.index
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = var.ports[count.index]
  source_address_prefix       = var.allowed_cidr
  destination_address_prefix  = "*"
  resource_group_name         = var.resource_group_name
  network_security_group_name = azurerm_network_security_group.this.name
}

output "id" {
  value = azurerm_network_security_group.this.id
}
""",
    },
    "aws-sg": {
        "main.tf": """variable "name" {}
variable "vpc_id" {}
variable "admin_cidr" {}

resource "aws_security_group" "this" {
  name   = var.name
  vpc_id = var.vpc_id

  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }

  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = [var.admin_cidr]
  }
}

output "id" {
  value = aws_security_group.this.id
}
""",
    },
}


def arm_template(rng: random.Random, n: int) -> tuple[dict, dict | None]:
    rules = []
    for i in range(rng.randint(3, 6)):
        port = rng.choice(["22", "3389", "443", "80", "*", "3380-3390"])
        rules.append({
            "name": f"rule-{i}",
            "properties": {
                "priority": 100 + i * 10, "direction": "Inbound",
                "access": rng.choice(["Allow", "Allow", "Deny"]),
                "protocol": rng.choice(["Tcp", "*"]), "sourcePortRange": "*",
                "destinationPortRange": port,
                "sourceAddressPrefix": rng.choice(
                    ["*", "Internet", "10.0.0.0/8", "[parameters('adminSource')]"]),
                "destinationAddressPrefix": "*",
            },
        })
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                   "deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "prefix": {"type": "string", "defaultValue": f"arm{n}"},
            "location": {"type": "string", "defaultValue": "[resourceGroup().location]"},
            "adminSource": {"type": "string", "defaultValue": "0.0.0.0/0"},
            "vmCount": {"type": "int", "defaultValue": rng.randint(1, 3)},
        },
        "variables": {
            "nsgName": "[concat(parameters('prefix'), '-nsg')]",
            "vnetName": "[concat(parameters('prefix'), '-vnet')]",
            "subnetId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', "
                        "variables('vnetName'), 'app')]",
        },
        "resources": [
            {
                "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01",
                "name": "[variables('nsgName')]", "location": "[parameters('location')]",
                "properties": {"securityRules": rules},
            },
            {
                "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01",
                "name": "[variables('vnetName')]", "location": "[parameters('location')]",
                "dependsOn": ["[resourceId('Microsoft.Network/networkSecurityGroups', "
                              "variables('nsgName'))]"],
                "properties": {
                    "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                    "subnets": [{"name": "app", "properties": {
                        "addressPrefix": "10.0.1.0/24",
                        "networkSecurityGroup": {"id": "[resourceId('Microsoft.Network/"
                                                       "networkSecurityGroups', "
                                                       "variables('nsgName'))]"}}}],
                },
            },
            {
                "type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01",
                "name": "[concat(parameters('prefix'), '-pip-', copyIndex())]",
                "location": "[parameters('location')]",
                "copy": {"name": "pips", "count": "[parameters('vmCount')]"},
                "sku": {"name": "Standard"},
                "properties": {"publicIPAllocationMethod": "Static"},
            },
            {
                "type": "Microsoft.Network/networkInterfaces", "apiVersion": "2023-04-01",
                "name": "[concat(parameters('prefix'), '-nic-', copyIndex())]",
                "location": "[parameters('location')]",
                "copy": {"name": "nics", "count": "[parameters('vmCount')]"},
                "dependsOn": ["[variables('vnetName')]"],
                "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
                    "subnet": {"id": "[variables('subnetId')]"},
                    "privateIPAllocationMethod": "Dynamic",
                    "publicIPAddress": {"id": "[resourceId('Microsoft.Network/"
                                              "publicIPAddresses', concat(parameters('prefix'),"
                                              " '-pip-', copyIndex()))]"}}}]},
            },
            {
                "type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-03-01",
                "name": "[concat(parameters('prefix'), '-vm-', copyIndex())]",
                "location": "[parameters('location')]",
                "copy": {"name": "vms", "count": "[parameters('vmCount')]"},
                "properties": {
                    "hardwareProfile": {"vmSize": "Standard_B2s"},
                    "osProfile": {"computerName": "[concat('vm', copyIndex())]",
                                  "adminUsername": "azureuser",
                                  "linuxConfiguration": {"disablePasswordAuthentication": True}},
                    "networkProfile": {"networkInterfaces": [{
                        "id": "[resourceId('Microsoft.Network/networkInterfaces', "
                              "concat(parameters('prefix'), '-nic-', copyIndex()))]"}]},
                },
            },
        ],
    }
    params = None
    if rng.random() < 0.3:
        params = {
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                       "deploymentParameters.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {"adminSource": {"value": rng.choice(["10.1.0.0/16", "*"])}},
        }
    return template, params


def cfn_yaml(rng: random.Random, n: int) -> str:
    ingress = "".join(f"""        - IpProtocol: tcp
          FromPort: {port}
          ToPort: {port}
          CidrIp: {cidr}
""" for port, cidr in ((rng.choice([22, 3389, 443, 80]),
                        rng.choice(["0.0.0.0/0", "!Ref AdminCidr", "10.0.0.0/8"]))
                       for _ in range(rng.randint(2, 5))))
    return f"""AWSTemplateFormatVersion: "2010-09-09"
Description: Service stack {n}
Parameters:
  AdminCidr:
    Type: String
    Default: {rng.choice(["0.0.0.0/0", "10.9.0.0/16"])}
  VpcId:
    Type: AWS::EC2::VPC::Id
  SubnetId:
    Type: AWS::EC2::Subnet::Id
  ImageId:
    Type: AWS::EC2::Image::Id
Resources:
  AppSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub "app servers of stack {n}"
      VpcId: !Ref VpcId
      SecurityGroupIngress:
{ingress}  ExtraIngress:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !GetAtt AppSecurityGroup.GroupId
      IpProtocol: tcp
      FromPort: {rng.choice([22, 3389, 8443])}
      ToPort: {rng.choice([22, 3389, 8443])}
      CidrIp: !Ref AdminCidr
  AppInstance:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: !Ref ImageId
      InstanceType: t3.micro
      NetworkInterfaces:
        - DeviceIndex: "0"
          SubnetId: !Ref SubnetId
          AssociatePublicIpAddress: true
          GroupSet:
            - !Ref AppSecurityGroup
      Tags:
        - Key: Name
          Value: !Sub "${{AWS::StackName}}-app"
Outputs:
  GroupId:
    Value: !Ref AppSecurityGroup
"""


def cfn_json(rng: random.Random, n: int) -> dict:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"VpcId": {"Type": "AWS::EC2::VPC::Id"}},
        "Resources": {
            "WebSG": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
                "GroupDescription": f"web {n}", "VpcId": {"Ref": "VpcId"},
                "SecurityGroupIngress": [
                    {"IpProtocol": "tcp", "FromPort": p, "ToPort": p,
                     "CidrIp": rng.choice(["0.0.0.0/0", "10.0.0.0/8"])}
                    for p in rng.sample([22, 80, 443, 3389, 5985], 3)]}},
            "Web": {"Type": "AWS::EC2::Instance", "Properties": {
                "ImageId": "ami-12345678", "InstanceType": "t3.small",
                "SecurityGroupIds": [{"Fn::GetAtt": ["WebSG", "GroupId"]}]}},
        },
    }


def generate(out: Path, total: int, mix: bool = False, seed: int = 1) -> tuple[int, int]:
    """Write *total* files below *out*; returns (files, lines)."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written: dict[Path, str] = {}
    for name, files in MODULES.items():
        for fname, text in files.items():
            written[out / "modules" / name / fname] = text
    other = total // 5 if mix else 0  # a fifth ARM/CloudFormation when mixed
    n = 0
    while len(written) < total - other:
        root = (azure_root if n % 2 == 0 else aws_root)(rng, n)
        room = total - other - len(written)
        for fname, text in list(root.items())[:room]:
            written[out / f"root-{n:05d}" / fname] = text
        n += 1
    i = 0
    while len(written) < total:
        kind = i % 3
        directory = out / "templates" / f"stack-{i // 50:03d}"
        if kind == 0:
            template, params = arm_template(rng, i)
            written[directory / f"arm-{i}.json"] = json.dumps(template, indent=2)
            if params and len(written) < total:
                written[directory / f"arm-{i}.parameters.json"] = json.dumps(params, indent=2)
        elif kind == 1:
            written[directory / f"cfn-{i}.yaml"] = cfn_yaml(rng, i)
        else:
            written[directory / f"cfn-{i}.json"] = json.dumps(cfn_json(rng, i), indent=2)
        i += 1
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
    parser.add_argument("--mix", action="store_true",
                        help="a fifth of the files are ARM and CloudFormation templates")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    files, lines = generate(args.out, args.files, args.mix, args.seed)
    print(f"{files} files, {lines} lines in {args.out}")


if __name__ == "__main__":
    main()
