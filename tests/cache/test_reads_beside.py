"""Files a parse reads beside the scanned ones (tfvars, ARM parameters files) are part of the
cache keys: a scan given files reports after such a file changes exactly what --no-cache does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import nsg_tf, write_tree

from iacjit.cache.store import Cache
from iacjit.cli import main
from iacjit.parsers.common.options import ParseOptions
from iacjit.reports.serialize import to_document
from iacjit.scan import run_scan

TF = '\nvariable "src" {\n  default = "10.0.0.0/8"\n}\n\n' + nsg_tf(source="var.src")

ARM = json.dumps({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"src": {"type": "string", "defaultValue": "10.0.0.0/8"}},
    "resources": [{
        "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01",
        "name": "nsg", "location": "westeurope",
        "properties": {"securityRules": [{"name": "ssh", "properties": {
            "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourcePortRange": "*", "destinationPortRange": "22",
            "sourceAddressPrefix": "[parameters('src')]", "destinationAddressPrefix": "*"}}]},
    }],
}, indent=2)


def _arm_parameters(source: str) -> str:
    return json.dumps({"parameters": {"src": {"value": source}}})


# (files before, the scanned file, files written afterwards)
CASES = {
    "new terraform.tfvars": ({"main.tf": TF}, "main.tf", {"terraform.tfvars": 'src = "*"\n'}),
    "new auto.tfvars": ({"main.tf": TF}, "main.tf", {"open.auto.tfvars": 'src = "*"\n'}),
    "edited tfvars.json": ({"main.tf": TF, "terraform.tfvars.json": '{"src": "10.1.0.0/16"}'},
                           "main.tf", {"terraform.tfvars.json": '{"src": "*"}'}),
    "new ARM parameters file": ({"nsg.json": ARM}, "nsg.json",
                                {"nsg.parameters.json": _arm_parameters("*")}),
    "edited ARM parameters file": ({"nsg.json": ARM,
                                    "nsg.parameters.json": _arm_parameters("10.1.0.0/16")},
                                   "nsg.json", {"nsg.parameters.json": _arm_parameters("*")}),
}


def _open_ports(path: Path, cache: Cache | None) -> list[tuple[str, int]]:
    """The zt_net_001 findings of a scan of *path* (the rule the changed values decide)."""
    document = to_document(run_scan([path], ParseOptions(), cache=cache), 0)
    return [(f["file"], f["line"]) for f in document["findings"] if f["rule_id"] == "zt_net_001"]


@pytest.mark.parametrize("case", CASES)
def test_a_file_read_beside_a_scanned_file_invalidates_the_cache(case, tmp_path, monkeypatch):
    before, scanned, after = CASES[case]
    monkeypatch.chdir(tmp_path)
    write_tree(tmp_path / "src", before)
    path = Path("src") / scanned
    assert _open_ports(path, Cache(tmp_path / "cache")) == _open_ports(path, None) == []
    write_tree(tmp_path / "src", after)
    uncached = _open_ports(path, None)
    assert uncached  # the change opens SSH to the internet
    assert _open_ports(path, Cache(tmp_path / "cache")) == uncached


def test_hook_sees_a_new_tfvars_file(tmp_path, monkeypatch):
    """pre-commit passes the changed file: a new terraform.tfvars must fail the commit."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IACJIT_CACHE_DIR", str(tmp_path / "cache"))
    write_tree(tmp_path, {"infra/main.tf": TF})
    runner = CliRunner()

    def hook(*args: str) -> tuple[int, list[str]]:
        result = runner.invoke(main, ["hook", "--format", "json", *args])
        return result.exit_code, [f["rule_id"] for f in json.loads(result.output)["findings"]]

    assert "zt_net_001" not in hook("infra/main.tf")[1]
    write_tree(tmp_path, {"infra/terraform.tfvars": 'src = "*"\n'})
    uncached = hook("--no-cache", "infra/terraform.tfvars")
    assert "zt_net_001" in uncached[1]
    assert hook("infra/terraform.tfvars") == uncached
