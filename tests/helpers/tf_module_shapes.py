"""Small modules written for these tests in the shapes real registry modules use.

* ``AVM_NSG``: the Azure Verified Modules style: a ``map(object({...}))`` input with
  ``optional()`` attributes, ``for_each`` over it, a ``dynamic`` block, ``try``/``lookup``
  defaults, ``nullable = false``.
* ``AWS_SG``: the terraform-aws-modules security-group style: a rule table
  (``ssh-tcp = [22, 22, "tcp", "SSH"]``), ``ingress_rules`` + ``ingress_cidr_blocks``, and
  ``ingress_with_cidr_blocks`` (a list of maps naming a rule or giving ports), read with
  ``lookup`` and ``var.rules[...][n]``.

``fake_init`` writes the layout ``terraform init`` leaves behind (``.terraform/modules/<key>``
and ``modules.json``) without running Terraform: nothing here was downloaded.
"""

from __future__ import annotations

import json
from pathlib import Path

AVM_NSG = {
    "variables.tf": '''
        variable "name" { type = string }
        variable "location" { type = string }
        variable "resource_group_name" { type = string }
        variable "security_rules" {
          type = map(object({
            access                       = string
            direction                    = string
            name                         = string
            priority                     = number
            protocol                     = string
            destination_port_range       = optional(string)
            destination_port_ranges      = optional(set(string))
            source_address_prefix        = optional(string)
            source_address_prefixes      = optional(set(string))
            source_port_range            = optional(string, "*")
            destination_address_prefix   = optional(string, "*")
            timeouts = optional(object({
              create = optional(string)
            }))
          }))
          default  = {}
          nullable = false
        }
        variable "tags" {
          type    = map(string)
          default = null
        }
    ''',
    "main.tf": '''
        resource "azurerm_network_security_group" "this" {
          name                = var.name
          location            = var.location
          resource_group_name = var.resource_group_name
          tags                = var.tags
          lifecycle { ignore_changes = [security_rule] }
        }
    ''',
    "main.rules.tf": '''
        resource "azurerm_network_security_rule" "this" {
          for_each = var.security_rules

          access                       = each.value.access
          direction                    = each.value.direction
          name                         = each.value.name
          priority                     = each.value.priority
          protocol                     = each.value.protocol
          network_security_group_name  = azurerm_network_security_group.this.name
          resource_group_name          = azurerm_network_security_group.this.resource_group_name
          destination_port_range       = each.value.destination_port_range
          destination_port_ranges      = each.value.destination_port_ranges
          source_address_prefix        = try(each.value.source_address_prefix, null)
          source_address_prefixes      = each.value.source_address_prefixes
          source_port_range            = lookup(each.value, "source_port_range", "*")
          destination_address_prefix   = each.value.destination_address_prefix

          dynamic "timeouts" {
            for_each = each.value.timeouts == null ? [] : [each.value.timeouts]
            content {
              create = timeouts.value.create
            }
          }
        }
    ''',
    "outputs.tf": '''
        output "resource_id" { value = azurerm_network_security_group.this.id }
    ''',
}

AWS_SG = {
    "variables.tf": '''
        variable "name" { type = string }
        variable "vpc_id" {
          type    = string
          default = null
        }
        variable "rules" {
          type = map(list(any))
          default = {
            ssh-tcp   = [22, 22, "tcp", "SSH"]
            rdp-tcp   = [3389, 3389, "tcp", "Remote Desktop"]
            https-443-tcp = [443, 443, "tcp", "HTTPS"]
            all-all   = [-1, -1, "-1", "All protocols"]
            _         = ["", "", ""]
          }
        }
        variable "ingress_rules" {
          type    = list(string)
          default = []
        }
        variable "ingress_cidr_blocks" {
          type    = list(string)
          default = []
        }
        variable "ingress_with_cidr_blocks" {
          type    = list(map(string))
          default = []
        }
    ''',
    "main.tf": '''
        resource "aws_security_group" "this" {
          name   = var.name
          vpc_id = var.vpc_id
        }

        resource "aws_security_group_rule" "ingress_rules" {
          count = length(var.ingress_rules)

          security_group_id = aws_security_group.this.id
          type              = "ingress"
          cidr_blocks       = var.ingress_cidr_blocks
          description       = var.rules[var.ingress_rules[count.index]][3]
          from_port         = var.rules[var.ingress_rules[count.index]][0]
          to_port           = var.rules[var.ingress_rules[count.index]][1]
          protocol          = var.rules[var.ingress_rules[count.index]][2]
        }

        resource "aws_security_group_rule" "ingress_with_cidr_blocks" {
          count = length(var.ingress_with_cidr_blocks)

          security_group_id = aws_security_group.this.id
          type              = "ingress"
          cidr_blocks = compact(split(",", lookup(var.ingress_with_cidr_blocks[count.index],
            "cidr_blocks", join(",", var.ingress_cidr_blocks))))
          from_port = lookup(var.ingress_with_cidr_blocks[count.index], "from_port",
            var.rules[lookup(var.ingress_with_cidr_blocks[count.index], "rule", "_")][0])
          to_port = lookup(var.ingress_with_cidr_blocks[count.index], "to_port",
            var.rules[lookup(var.ingress_with_cidr_blocks[count.index], "rule", "_")][1])
          protocol = lookup(var.ingress_with_cidr_blocks[count.index], "protocol",
            var.rules[lookup(var.ingress_with_cidr_blocks[count.index], "rule", "_")][2])
        }
    ''',
}


def module_files(directory: str, module: dict[str, str]) -> dict[str, str]:
    """*module*'s files placed under *directory* (for ``write_tree``)."""
    return {f"{directory}/{name}": text for name, text in module.items()}


def fake_init(root: Path, modules: dict[str, tuple[str, str]]) -> None:
    """The manifest ``terraform init`` would write for *modules*: key -> (source, dir)."""
    entries = [{"Key": "", "Source": "", "Dir": "."}]
    entries += [{"Key": key, "Source": source, "Version": "1.0.0", "Dir": directory}
                for key, (source, directory) in modules.items()]
    manifest = root / ".terraform" / "modules" / "modules.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps({"Modules": entries}), encoding="utf-8")
