"""No file outside the scanned repository reaches a report (issue 16, the trust boundary).

Each case is an attack a pull request can commit: a symbolic link (variable file, parameters
file, scanned file) or a module source leading to a file of the CI machine whose content
(``SECRET``) would otherwise become a value printed in every report format.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from helpers import OPEN_NSG, write_tree

SECRET = "S3CR3T-CREDENTIAL"
NSG_FROM_VAR = 'variable "nsg_name" {\n  default = "plain"\n}\n' + OPEN_NSG.replace(
    'name = "nsg"', "name = var.nsg_name").replace('name = "ssh"', "name = var.nsg_name")
ARM = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                  "deploymentTemplate.json#", "contentVersion": "1.0.0.0",
       "parameters": {"nsgName": {"type": "string", "defaultValue": "plain"}},
       "resources": [{"type": "Microsoft.Network/networkSecurityGroups",
                      "apiVersion": "2023-05-01", "name": "[parameters('nsgName')]",
                      "location": "westeurope", "properties": {"securityRules": [{
                          "name": "[parameters('nsgName')]", "properties": {
                              "priority": 100, "direction": "Inbound", "access": "Allow",
                              "protocol": "Tcp", "sourceAddressPrefix": "*",
                              "sourcePortRange": "*", "destinationAddressPrefix": "*",
                              "destinationPortRange": "22"}}]}}]}
BICEP = """param nsgName string = 'plain'
resource nsg 'Microsoft.Network/networkSecurityGroups@2023-05-01' = {
  name: nsgName
  location: 'westeurope'
  properties: {
    securityRules: [
      {
        name: nsgName
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
CFN = f"""AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: {SECRET}
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: 0.0.0.0/0
"""
PARAMETERS = json.dumps({"parameters": {"nsgName": {"value": SECRET}}})


def _link(repo: Path, name: str, target: Path) -> None:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).symlink_to(target)


# name -> (files in the repository, files outside it, links: repository name -> outside name,
#          the not_scanned file expected)
CASES = {
    "tfvars-json-link": ({"main.tf": NSG_FROM_VAR},
                         {"config.json": json.dumps({"nsg_name": SECRET})},
                         {"terraform.tfvars.json": "config.json"}, "terraform.tfvars.json"),
    "auto-tfvars-link": ({"main.tf": NSG_FROM_VAR}, {"secrets.hcl": f'nsg_name = "{SECRET}"\n'},
                         {"x.auto.tfvars": "secrets.hcl"}, "x.auto.tfvars"),
    "tf-file-link": ({}, {"other.tf": OPEN_NSG.replace('"nsg"', f'"{SECRET}"')},
                     {"main.tf": "other.tf"}, "main.tf"),
    "module-source-up": ({"main.tf": 'module "m" {\n  source = "../outside/mod"\n}\n'},
                         {"mod/main.tf": OPEN_NSG.replace('"nsg"', f'"{SECRET}"')}, {},
                         "../outside/mod/main.tf"),
    "module-dir-link": ({"main.tf": 'module "m" {\n  source = "./mod"\n}\n'},
                        {"mod/main.tf": OPEN_NSG.replace('"nsg"', f'"{SECRET}"')},
                        {"mod": "mod"}, "mod/main.tf"),
    "arm-parameters-link": ({"t.json": json.dumps(ARM)}, {"p.json": PARAMETERS},
                            {"t.parameters.json": "p.json"}, "t.parameters.json"),
    "bicep-parameters-link": ({"main.bicep": BICEP}, {"p.json": PARAMETERS},
                              {"main.parameters.json": "p.json"}, "main.parameters.json"),
    "cloudformation-link": ({}, {"stack.yaml": CFN}, {"stack.yaml": "stack.yaml"}, "stack.yaml"),
}


def _tree(tmp_path: Path, case: str) -> Path:
    inside, outside, links, _ = CASES[case]
    repo, elsewhere = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    write_tree(repo, inside)
    write_tree(elsewhere, outside)
    for name, target in links.items():
        _link(repo, name, elsewhere / target)
    return repo


def _scan(iacjit_bin: str, repo: Path, *args: str, cache: Path | None = None
          ) -> subprocess.CompletedProcess:
    env = {**os.environ, "IACJIT_CACHE_DIR": str(cache or repo.parent / "cache")}
    return subprocess.run([iacjit_bin, "scan", *args, "--no-config", "--fail-on", "none"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", sorted(CASES))
def test_outside_file_is_not_read_and_listed(iacjit_bin, tmp_path, case):
    repo = _tree(tmp_path, case)
    proc = _scan(iacjit_bin, repo, ".", "--format", "json")
    assert SECRET not in proc.stdout + proc.stderr
    document = json.loads(proc.stdout)
    listed = {n["file"]: n["reason"] for n in document["not_scanned"]}
    assert CASES[case][3] in listed, listed
    assert "outside the scanned repository" in listed[CASES[case][3]]
    assert not any("outside" in e["message"] for e in document["errors"])


@pytest.mark.parametrize("fmt", ["text", "sarif", "markdown", "html"])
def test_no_format_shows_the_outside_value(iacjit_bin, tmp_path, fmt):
    repo = _tree(tmp_path, "tfvars-json-link")
    for cached in (False, True):  # cold, then from the cache
        proc = _scan(iacjit_bin, repo, ".", "--format", fmt)
        assert proc.returncode == 0 and SECRET not in proc.stdout + proc.stderr, cached


def test_many_linked_files_stay_out_of_the_pool_and_the_cache(iacjit_bin, tmp_path):
    """Enough files for the process pool; a second scan answers from the cache."""
    repo, elsewhere = tmp_path / "repo", tmp_path / "outside"
    write_tree(repo, {f"d{i}/main.tf": OPEN_NSG for i in range(30)})
    write_tree(elsewhere, {f"m{i}.tf": OPEN_NSG.replace('"nsg"', f'"{SECRET}{i}"') + "#" * 9000
                           for i in range(30)})
    for i in range(30):
        _link(repo, f"d{i}/linked.tf", elsewhere / f"m{i}.tf")
    for _ in range(2):
        proc = _scan(iacjit_bin, repo, ".", "--format", "json")
        assert SECRET not in proc.stdout
        assert len(json.loads(proc.stdout)["not_scanned"]) == 30


def test_inside_a_git_work_tree_the_whole_work_tree_is_inside(iacjit_bin, tmp_path):
    repo = tmp_path / "repo"
    write_tree(repo, {"envs/prod/main.tf": 'module "m" {\n  source = "../../modules/nsg"\n}\n',
                      "modules/nsg/main.tf": OPEN_NSG})
    (repo / ".git").mkdir()
    proc = _scan(iacjit_bin, repo, "envs/prod", "--format", "json")
    document = json.loads(proc.stdout)
    assert document["not_scanned"] == [] and document["findings"]


def test_outside_a_work_tree_the_scanned_directory_is_the_root(iacjit_bin, tmp_path):
    repo = tmp_path / "repo"
    write_tree(repo, {"envs/prod/main.tf": 'module "m" {\n  source = "../../modules/nsg"\n}\n',
                      "modules/nsg/main.tf": OPEN_NSG})
    inner = json.loads(_scan(iacjit_bin, repo, "envs/prod", "--format", "json").stdout)
    assert [n["file"] for n in inner["not_scanned"]] == ["modules/nsg/main.tf"]
    whole = json.loads(_scan(iacjit_bin, repo, ".", "--format", "json").stdout)
    assert whole["not_scanned"] == [] and whole["findings"]


def test_var_file_named_into_the_repository_must_resolve_inside(iacjit_bin, tmp_path):
    repo = _tree(tmp_path, "auto-tfvars-link")
    (repo / "x.auto.tfvars").unlink()
    _link(repo, "envs/prod.tfvars", tmp_path / "outside" / "secrets.hcl")
    proc = _scan(iacjit_bin, repo, ".", "--format", "json", "--var-file", "envs/prod.tfvars")
    assert SECRET not in proc.stdout
    assert "envs/prod.tfvars" in {n["file"] for n in json.loads(proc.stdout)["not_scanned"]}


def test_var_file_named_outside_the_repository_is_read(iacjit_bin, tmp_path):
    """A file of the CI machine that the CI configuration names deliberately."""
    repo = _tree(tmp_path, "auto-tfvars-link")
    (repo / "x.auto.tfvars").unlink()
    proc = _scan(iacjit_bin, repo, ".", "--format", "json", "--var-file",
                 str(tmp_path / "outside" / "secrets.hcl"))
    assert SECRET in proc.stdout


def test_a_configuration_file_linked_outside_is_refused(iacjit_bin, tmp_path):
    repo = _tree(tmp_path, "tf-file-link")
    (tmp_path / "outside" / "cfg.yaml").write_text(f"exclude: ['{SECRET}']\n")
    _link(repo, ".iacjit.yaml", tmp_path / "outside" / "cfg.yaml")
    proc = subprocess.run([iacjit_bin, "scan", "."], cwd=repo, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and SECRET not in proc.stdout + proc.stderr
    assert "outside the scanned repository" in proc.stderr
