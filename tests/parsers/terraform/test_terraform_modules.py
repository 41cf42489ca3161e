"""Terraform as repositories write it: downloaded modules, typed inputs, call-site locations.

The modules are small ones written for these tests in the shapes of Azure Verified Modules and
terraform-aws-modules (tests/helpers/tf_module_shapes.py); ``fake_init`` writes the layout that
``terraform init`` leaves, so nothing is downloaded.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
from helpers import write_tree
from helpers.tf_module_shapes import AVM_NSG, AWS_SG, fake_init, module_files

AVM_SOURCE = "Azure/avm-res-network-networksecuritygroup/azurerm"
AVM_DIR = ".terraform/modules/nsg"

SSH_RULES = '''
  security_rules = {
    ssh = {
      name                   = "allow-ssh"
      priority               = 100
      direction              = "Inbound"
      access                 = "Allow"
      protocol               = "Tcp"
      destination_port_range = "22"
      source_address_prefix  = "*"
    }
  }
'''

AVM_CALL = f'''
module "nsg" {{
  source              = "{AVM_SOURCE}"
  version             = "0.5.0"
  name                = "web-nsg"
  location            = "westeurope"
  resource_group_name = "rg"
{SSH_RULES}}}
'''


def _avm_root(tmp_path: Path, call: str = AVM_CALL, root: str = "envs/prod") -> Path:
    write_tree(tmp_path, {f"{root}/main.tf": call,
                          **module_files(f"{root}/{AVM_DIR}", AVM_NSG)})
    fake_init(tmp_path / root, {"nsg": (f"registry.terraform.io/{AVM_SOURCE}", AVM_DIR)})
    return tmp_path / root


def _net(result):
    return [f for f in result.findings if f.rule_id == "zt_net_001"]


def test_downloaded_registry_module_is_evaluated_with_the_callers_inputs(scan_net, tmp_path):
    _avm_root(tmp_path)
    result = scan_net({}, paths=["envs/prod"])
    (finding,) = _net(result)
    assert finding.resource.address == 'module.nsg.azurerm_network_security_rule.this["ssh"]'
    assert finding.resource.file == f"envs/prod/{AVM_DIR}/main.rules.tf"
    assert [(s.module, s.file, s.line) for s in finding.resource.via] == [
        ("module.nsg", "envs/prod/main.tf", 2)]
    assert not result.errors and not result.not_scanned and not result.unresolved


def test_omitted_optional_attributes_are_null_not_missing(scan_net, tmp_path):
    """Without the type, each.value.destination_port_ranges would not exist (unresolved)."""
    _avm_root(tmp_path)
    result = scan_net({}, paths=["envs/prod"])
    (rule,) = [r for r in result.resources if r.type == "azurerm_network_security_rule"]
    assert rule.attributes["destination_port_ranges"] is None
    assert rule.attributes["source_port_range"] == "*"  # optional(string, "*")
    assert rule.attributes["destination_address_prefix"] == "*"
    assert "timeouts" not in rule.attributes  # dynamic over [] when timeouts is null


def test_input_that_does_not_match_the_type_is_an_error_at_the_caller(scan_net, tmp_path):
    _avm_root(tmp_path, AVM_CALL.replace("priority               = 100",
                                         'priority               = "first"'))
    result = scan_net({}, paths=["envs/prod"])
    (error,) = result.errors
    assert (error.file, error.line) == ("envs/prod/main.tf", 9)  # the security_rules argument
    assert "module.nsg" in error.message and "Terraform would refuse the plan" in error.message
    assert 'element "ssh": attribute "priority": a number is required' in error.message
    # never a silent pass: the rule that read the value is undecided, at the call site too
    assert not _net(result) and not result.findings
    (undecided,) = result.unresolved
    assert "does not match its type" in undecided.reason
    assert [s.module for s in undecided.resource.via] == ["module.nsg"]
    assert result.resources  # the rest of the module is still evaluated


def test_nested_downloaded_modules_keyed_outer_dot_inner(scan_net, tmp_path):
    write_tree(tmp_path, {
        "root/main.tf": '''
            module "app" {
              source = "git::https://example.com/app.git?ref=v1"
              ssh_from = "0.0.0.0/0"
            }
        ''',
        "root/.terraform/modules/app/main.tf": '''
            variable "ssh_from" { type = string }
            module "nsg" {
              source              = "Azure/avm-res-network-networksecuritygroup/azurerm"
              name                = "app-nsg"
              location            = "westeurope"
              resource_group_name = "rg"
              security_rules = {
                ssh = {
                  name = "ssh", priority = 100, direction = "Inbound", access = "Allow"
                  protocol = "Tcp", destination_port_ranges = ["22", "22"]
                  source_address_prefix = var.ssh_from
                }
              }
            }
        ''',
        **module_files("root/.terraform/modules/app.nsg", AVM_NSG),
    })
    fake_init(tmp_path / "root", {
        "app": ("git::https://example.com/app.git?ref=v1", ".terraform/modules/app"),
        "app.nsg": (f"registry.terraform.io/{AVM_SOURCE}", ".terraform/modules/app.nsg"),
    })
    result = scan_net({}, paths=["root"])
    (finding,) = _net(result)
    assert finding.resource.address.startswith("module.app.module.nsg.")
    assert [(s.module, s.file, s.line) for s in finding.resource.via] == [
        ("module.app", "root/main.tf", 2),
        ("module.nsg", "root/.terraform/modules/app/main.tf", 3)]
    (rule,) = [r for r in result.resources if r.type == "azurerm_network_security_rule"]
    assert rule.attributes["destination_port_ranges"] == ["22"]  # set(string): no duplicates


@pytest.mark.parametrize(("manifest", "reason"), [
    (None, "run `terraform init -backend=false`"),
    ({}, "not in .terraform/modules/modules.json"),
])
def test_remote_call_without_installed_code_stays_not_scanned(scan_net, tmp_path, manifest,
                                                              reason):
    write_tree(tmp_path, {"root/main.tf": AVM_CALL})
    if manifest is not None:
        fake_init(tmp_path / "root", manifest)
    result = scan_net({}, paths=["root"])
    (skipped,) = result.not_scanned
    assert (skipped.file, skipped.line) == ("root/main.tf", 2)
    assert skipped.what == f"module.nsg ({AVM_SOURCE})"
    assert reason in skipped.reason and "terraform init" in skipped.reason
    assert not result.findings and not result.errors


def test_manifest_dir_outside_the_root_is_not_read(scan_net, tmp_path):
    write_tree(tmp_path, {"root/main.tf": AVM_CALL, **module_files("elsewhere", AVM_NSG)})
    fake_init(tmp_path / "root", {"nsg": (AVM_SOURCE, "../elsewhere")})
    result = scan_net({}, paths=["root"])
    (error,) = result.errors
    assert error.file == "root/main.tf" and "outside the root" in error.message
    assert not result.findings and not result.resources


def test_broken_manifest_is_a_located_error(scan_net, tmp_path):
    write_tree(tmp_path, {"root/main.tf": AVM_CALL,
                          "root/.terraform/modules/modules.json": "{not json"})
    result = scan_net({}, paths=["root"])
    assert [e.file for e in result.errors] == ["root/.terraform/modules/modules.json"]
    assert "invalid module manifest" in result.errors[0].message
    assert len(result.not_scanned) == 1  # the call itself: nothing usable was installed


def test_dot_terraform_is_never_a_root_of_its_own(scan_files, tmp_path):
    _avm_root(tmp_path, root=".")
    result = scan_files({})
    assert {r.address for r in result.resources} == {
        "module.nsg.azurerm_network_security_group.this",
        'module.nsg.azurerm_network_security_rule.this["ssh"]'}


def test_required_and_undeclared_arguments_are_errors_at_the_call(scan_net, tmp_path):
    call = AVM_CALL.replace('  location            = "westeurope"\n', "") \
        .replace('  version             = "0.5.0"\n', '  version = "0.5.0"\n  colour = "red"\n')
    _avm_root(tmp_path, call)
    result = scan_net({}, paths=["envs/prod"])
    messages = sorted((e.line, e.message) for e in result.errors)
    assert messages[0][0] == 2 and "required variable(s) 'location' not given" in messages[0][1]
    assert messages[1][0] == 5 and "argument 'colour' is not a variable" in messages[1][1]
    assert len(_net(result)) == 1  # the rest is still evaluated


def test_root_variable_type_error_is_located_in_the_variable_file(scan_files):
    result = scan_files({
        "main.tf": 'variable "ports" { type = list(number) }\n'
                   'resource "x_thing" "t" { v = var.ports }\n',
        "terraform.tfvars": 'region = "x"\nports = ["22", "ssh"]\n',
    })
    (error,) = result.errors
    assert (error.file, error.line) == ("terraform.tfvars", 2)
    assert "element 1: a number is required, got 'ssh'" in error.message


def test_variable_defaults_get_their_types_too(scan_files):
    result = scan_files({"main.tf": '''
        variable "rules" {
          type = list(object({ port = number, cidr = optional(string, "10.0.0.0/8") }))
          default = [{ port = "22" }]
        }
        variable "open" {
          type     = string
          default  = "*"
          nullable = false
        }
        resource "x_thing" "t" {
          rules = var.rules
          open  = var.open
        }
    '''}, )
    (thing,) = result.resources
    assert thing.attributes["rules"] == [{"port": 22, "cidr": "10.0.0.0/8"}]
    assert thing.attributes["open"] == "*"


def test_null_for_a_non_nullable_variable_takes_the_default(scan_net, tmp_path):
    _avm_root(tmp_path, AVM_CALL.replace("  security_rules = {", "  tags = null\n  x = {"))
    result = scan_net({}, paths=["envs/prod"])
    assert not _net(result)  # security_rules not given: its default {}
    write_tree(tmp_path, {"envs/prod/main.tf": AVM_CALL.replace(
        "  security_rules = {", "  security_rules = null\n  unused = {")})
    result = scan_net({}, paths=["envs/prod"])
    assert not _net(result)  # null to nullable = false: the default {}, no error for it
    assert not [e for e in result.errors if "security_rules" in e.message]


@pytest.mark.parametrize(("arguments", "count"), [
    ('ingress_rules = ["ssh-tcp", "https-443-tcp"]\n  ingress_cidr_blocks = ["0.0.0.0/0"]', 1),
    ('ingress_with_cidr_blocks = [{ rule = "ssh-tcp", cidr_blocks = "0.0.0.0/0" }]', 1),
    ('ingress_with_cidr_blocks = [{ from_port = 3389, to_port = 3389, protocol = "tcp",\n'
     '    cidr_blocks = "10.0.0.0/8,0.0.0.0/0" }]', 1),
    ('ingress_rules = ["ssh-tcp"]\n  ingress_cidr_blocks = ["10.0.0.0/8"]', 0),
    ('ingress_with_cidr_blocks = [{ rule = "all-all", cidr_blocks = "0.0.0.0/0" }]', 1),
])
def test_terraform_aws_modules_security_group_shapes(scan_net, tmp_path, arguments, count):
    write_tree(tmp_path, {
        "main.tf": f'''
            module "web_sg" {{
              source = "terraform-aws-modules/security-group/aws"
              name   = "web"
              {arguments}
            }}
        ''',
        **module_files(".terraform/modules/web_sg", AWS_SG),
    })
    fake_init(tmp_path, {"web_sg": ("registry.terraform.io/terraform-aws-modules/"
                                    "security-group/aws", ".terraform/modules/web_sg")})
    result = scan_net({})
    assert not result.errors and not result.unresolved, (result.errors, result.unresolved)
    assert len(_net(result)) == count
    for finding in _net(result):
        assert [s.module for s in finding.resource.via] == ["module.web_sg"]


def test_for_each_module_instances_each_have_their_call_site(scan_net, tmp_path):
    write_tree(tmp_path, {
        "main.tf": '''
            locals {
              nsgs = {
                web = { from = "*" }
                db  = { from = "10.0.0.0/8" }
              }
            }
            module "nsg" {
              source   = "./modules/nsg"
              for_each = local.nsgs
              name                = each.key
              location            = "westeurope"
              resource_group_name = "rg"
              security_rules = {
                ssh = {
                  name = "ssh", priority = 100, direction = "Inbound", access = "Allow"
                  protocol = "Tcp", destination_port_range = "22"
                  source_address_prefix = each.value.from
                }
              }
            }
        ''',
        **module_files("modules/nsg", AVM_NSG),
    })
    result = scan_net({})
    (finding,) = _net(result)
    assert finding.resource.address.startswith('module.nsg["web"].')
    assert [(s.module, s.line) for s in finding.resource.via] == [('module.nsg["web"]', 8)]


def test_suppression_on_the_module_block_covers_findings_inside(scan_net, tmp_path):
    review = (dt.date.today() + dt.timedelta(days=180)).isoformat()  # no far-expiry warning
    _avm_root(tmp_path, '# iacjit:ignore zt_net_001 reason="jump host, SEC-7" '
                        f'expires={review}\n' + AVM_CALL.lstrip())
    result = scan_net({}, paths=["envs/prod"])
    (finding,) = _net(result)
    assert finding.suppressed
    assert finding.suppression["file"] == "envs/prod/main.tf"
    assert finding.suppression["line"] == 1
    assert not result.warnings


# ----- reports ---------------------------------------------------------------------------

def _scan_cli(iacjit_bin: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([iacjit_bin, *args, "--no-cache"], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_reports_name_the_call_site(iacjit_bin, tmp_path):
    _avm_root(tmp_path)
    text = _scan_cli(iacjit_bin, tmp_path, "scan", "envs/prod", "--rule", "zt_net_001")
    assert "via module.nsg at envs/prod/main.tf:2" in text.stdout

    proc = _scan_cli(iacjit_bin, tmp_path, "scan", "envs/prod", "--rule", "zt_net_001",
                     "--format", "json")
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["via"] == [{"module": "module.nsg", "file": "envs/prod/main.tf",
                               "line": 2, "end_line": 20}]

    proc = _scan_cli(iacjit_bin, tmp_path, "scan", "envs/prod", "--rule", "zt_net_001",
                     "--format", "sarif")
    (result,) = json.loads(proc.stdout)["runs"][0]["results"]
    primary = result["locations"][0]["physicalLocation"]
    # downloaded code is not in the repository: shown at the module block that can change it
    assert primary["artifactLocation"]["uri"] == "envs/prod/main.tf"
    assert primary["region"]["startLine"] == 2
    related = [(r["physicalLocation"]["artifactLocation"]["uri"], r["message"]["text"])
               for r in result["relatedLocations"]]
    assert related[0] == ("envs/prod/main.tf", "via module.nsg")
    assert related[1][0] == f"envs/prod/{AVM_DIR}/main.rules.tf"

    proc = _scan_cli(iacjit_bin, tmp_path, "scan", "envs/prod", "--rule", "zt_net_001",
                     "--format", "markdown")
    assert "envs/prod/main.tf:2 module.nsg" in proc.stdout.replace("\\", "")
    assert "via module.nsg at envs/prod/main.tf:2" in proc.stdout.replace("\\", "")

    proc = _scan_cli(iacjit_bin, tmp_path, "scan", "envs/prod", "--rule", "zt_net_001",
                     "--format", "html")
    assert ('via module.nsg at</span> <code class="loc"><span>envs/</span><wbr><span>prod/'
            '</span><wbr><span>main.tf:2</span></code>') in proc.stdout  # breaks only at "/"


def test_hook_places_a_downloaded_module_finding_at_the_changed_call(iacjit_bin, tmp_path):
    root = _avm_root(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    proc = subprocess.run([iacjit_bin, "hook", "--format", "json", "--no-cache",
                           str(root / "main.tf")], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    findings = json.loads(proc.stdout)["findings"]
    ssh = [f for f in findings if f["rule_id"] == "zt_net_001"]
    assert [(f["file"], f["line"]) for f in ssh] == [("envs/prod/main.tf", 2)]
    assert ssh[0]["declared"]["file"] == f"envs/prod/{AVM_DIR}/main.rules.tf"
    assert proc.returncode == 1


VM_BEHIND_MODULE_NSG = '''
resource "azurerm_public_ip" "vm" {
  name              = "vm-pip"
  allocation_method = "Static"
  sku               = "Standard"
}
resource "azurerm_network_interface" "vm" {
  name = "vm-nic"
  ip_configuration {
    name                 = "internal"
    public_ip_address_id = azurerm_public_ip.vm.id
  }
}
resource "azurerm_network_interface_security_group_association" "vm" {
  network_interface_id      = azurerm_network_interface.vm.id
  network_security_group_id = module.nsg.resource_id
}
resource "azurerm_linux_virtual_machine" "vm" {
  name                  = "web-vm"
  network_interface_ids = [azurerm_network_interface.vm.id]
}
'''


def test_chain_fix_in_a_downloaded_module_points_at_the_call(iacjit_bin, tmp_path):
    _avm_root(tmp_path, AVM_CALL + VM_BEHIND_MODULE_NSG)
    proc = _scan_cli(iacjit_bin, tmp_path, "scan", "envs/prod", "--format", "json")
    (chain,) = json.loads(proc.stdout)["chains"]
    (target,) = chain["targets"]
    assert target["via"] == []  # the VM is the root's own
    assert target["fix"]["file"] == f"envs/prod/{AVM_DIR}/main.rules.tf"
    assert [hop["module"] for hop in target["fix"]["via"]] == ["module.nsg"]
    text = _scan_cli(iacjit_bin, tmp_path, "scan", "envs/prod").stdout
    assert "it alone opens the path to 'web-vm' (via module.nsg at envs/prod/main.tf:2)" in text
