"""Project configuration: discovery, validation, and precedence (flag > file > default)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers import write_tree

from iacjit.config import ConfigError, discover, find_config, load

NSG = '''resource "azurerm_network_security_group" "nsg" {{
  name = "nsg"
  security_rule {{
    name = "mgmt"
    priority = 100
    direction = "Inbound"
    access = "Allow"
    protocol = "Tcp"
    destination_port_range = "{port}"
    {sources}
  }}
}}
'''


def nsg(port: str = "22", sources: str = 'source_address_prefix = "*"') -> str:
    return NSG.format(port=port, sources=sources)


def scan(iacjit_bin, cwd, *args, env=None):
    proc = subprocess.run([iacjit_bin, "scan", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)
    return proc


def findings(proc):
    return json.loads(proc.stdout)["findings"]


# --- discovery and loading ------------------------------------------------------------------

def test_discovered_upward_from_the_scanned_path(tmp_path):
    write_tree(tmp_path, {".iacjit.yaml": "fail_on: high\n", "infra/prod/main.tf": nsg()})
    assert discover(tmp_path / "infra/prod") == tmp_path / ".iacjit.yaml"
    assert discover(tmp_path / "infra/prod/main.tf") == tmp_path / ".iacjit.yaml"
    assert find_config([tmp_path / "infra/prod"]).fail_on == "high"


def test_pyproject_tool_table(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n\n[tool.iacjit]\n'
                                            'fail_on = "critical"\nexternal_controls = '
                                            '["zt_vis_008"]\n'})
    config = find_config([tmp_path])
    assert config.path == tmp_path / "pyproject.toml"
    assert config.fail_on == "critical" and config.external_controls == ("zt_vis_008",)


def test_pyproject_without_table_is_skipped(tmp_path):
    write_tree(tmp_path, {".iacjit.yaml": "format: json\n",
                          "sub/pyproject.toml": '[project]\nname = "x"\n'})
    assert discover(tmp_path / "sub") == tmp_path / ".iacjit.yaml"


def test_every_key(tmp_path):
    write_tree(tmp_path, {".iacjit.yaml": '''
        enable: [zt_net_001, zt_vis_008]
        disable: [zt_vis_008]
        severity: {zt_net_001: critical}
        management_ports: [22, 3389, 5985, 5986]
        trusted_sources: [198.51.100.0/24]
        external_controls: [zt_vis_008]
        shared_accounts:
          - [platform, envs/prod]
          - ["regions/*"]
        exclude: [legacy]
        format: sarif
        fail_on: medium
        require_reason: true
        baseline: .iacjit-baseline.json
        suppressions:
          - id: [zt_net_001, CHAIN-016]
            resource: "azurerm_network_security_group.bastion*"
            file: "infra/*"
            reason: reviewed in SEC-12
            expires: 2027-03-31
        '''})
    config = load(tmp_path / ".iacjit.yaml")
    assert config.management_ports == frozenset({22, 3389, 5985, 5986})
    assert config.severity == {"zt_net_001": "critical"}
    assert config.baseline == tmp_path / ".iacjit-baseline.json"
    assert config.shared_accounts == (("platform", "envs/prod"), ("regions/*",))
    (suppression,) = config.suppressions
    assert suppression.ids == ("zt_net_001", "CHAIN-016")
    assert suppression.expires.isoformat() == "2027-03-31"


@pytest.mark.parametrize(("text", "key", "expected"), [
    ("colour: red\n", "colour", "unknown key"),
    ("management_ports: [22, ssh]\n", "management_ports[1]", "port number"),
    ("management_ports: [0]\n", "management_ports[0]", "port number"),
    ("severity: {zt_net_001: urgent}\n", "severity.zt_net_001", "one of critical"),
    ("severity: {zt_nope: high}\n", "severity.zt_nope", "rule id"),
    ("disable: [zt_nope]\n", "disable[0]", "rule id"),
    ("enable: zt_net_001, zt_vis_008\n", "enable[0]", "rule id"),
    ("trusted_sources: [corp]\n", "trusted_sources[0]", "IP prefix"),
    ("trusted_sources: [0.0.0.0/0]\n", "trusted_sources[0]", "narrower than /0"),
    ("format: xml\n", "format", "one of text"),
    ("fail_on: always\n", "fail_on", "one of critical"),
    ("require_reason: maybe\n", "require_reason", "true or false"),
    ("exclude: ['a\\\\b']\n", "exclude[0]", "path pattern"),
    ("suppressions: [{id: zt_net_001, expires: soon}]\n", "suppressions[0].expires", "date"),
    ("suppressions: [{id: zt_nope}]\n", "suppressions[0].id", "rule or chain id"),
    ("suppressions: [{reason: x}]\n", "suppressions[0].id", "rule or chain id"),
    ("suppressions: [{id: zt_net_001, why: x}]\n", "suppressions[0].why", "one of the keys"),
    ("shared_accounts: platform\n", "shared_accounts", "list of groups"),
    ("shared_accounts: [platform, envs/prod]\n", "shared_accounts[0]", "at least two"),
    ("shared_accounts: [[platform]]\n", "shared_accounts[0]", "at least two"),
    ("shared_accounts: [[platform, 3]]\n", "shared_accounts[0][1]", "unit path or glob"),
    ("shared_accounts: [[platform, /abs]]\n", "shared_accounts[0][1]", "relative to the"),
    ("shared_accounts: [[a, ../b]]\n", "shared_accounts[0][1]", "relative to the"),
    ("shared_accounts: [[a, b], [b, c]]\n", "shared_accounts[1][0]", "one group only"),
    ("- just a list\n", None, "mapping"),
    ("format: [unclosed\n", None, "invalid YAML"),
])
def test_validation_errors(tmp_path, text, key, expected):
    (tmp_path / ".iacjit.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(tmp_path / ".iacjit.yaml")
    message = str(info.value)
    assert message.startswith(str(tmp_path / ".iacjit.yaml"))
    if key:
        assert f": {key}: " in message
    assert expected in message


# --- through the installed CLI --------------------------------------------------------------

def test_shared_accounts_are_relative_to_the_configuration_file(iacjit_bin, tmp_path):
    """Scanned from a subdirectory, the units still match the file's paths."""
    from rules.test_vis_rules_terraform import alert, plan

    write_tree(tmp_path, {
        "infra/.iacjit.yaml": "shared_accounts: [[platform, envs/prod]]\n",
        **{f"infra/envs/prod/{k}": v for k, v in plan().items()},
        "infra/platform/main.tf": alert(),
    })
    shared = subprocess.run([iacjit_bin, "scan", "infra", "--format", "json"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    document = json.loads(shared.stdout)
    assert [f["rule_id"] for f in document["findings"]] == ["zt_net_001", "zt_vis_010"]
    units = {u["unit"]: u["shared_with"] for u in document["units"]}
    assert units == {"infra/envs/prod": ["infra/platform"], "infra/platform": ["infra/envs/prod"]}
    apart = subprocess.run([iacjit_bin, "scan", "infra", "--format", "json", "--no-config"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "zt_vis_008" in [f["rule_id"] for f in json.loads(apart.stdout)["findings"]]


def test_cli_validation_error_is_exit_2(iacjit_bin, tmp_path):
    write_tree(tmp_path, {".iacjit.yaml": "management_ports: [22, ssh]\n", "main.tf": nsg()})
    proc = scan(iacjit_bin, tmp_path, ".")
    assert proc.returncode == 2
    assert ".iacjit.yaml: management_ports[1]: expected a port number 1-65535, got 'ssh'" \
        in proc.stderr


def test_cli_format_precedence(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": nsg()})
    assert not scan(iacjit_bin, tmp_path, ".").stdout.startswith("{")  # default: text
    (tmp_path / ".iacjit.yaml").write_text("format: json\n", encoding="utf-8")
    assert json.loads(scan(iacjit_bin, tmp_path, ".").stdout)["version"] == 1  # file
    assert not scan(iacjit_bin, tmp_path, ".", "--format", "text").stdout.startswith("{")
    assert not scan(iacjit_bin, tmp_path, ".", "--no-config").stdout.startswith("{")


def test_cli_fail_on_precedence(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": nsg()})  # high zt_net_001 + medium zt_vis_008
    assert scan(iacjit_bin, tmp_path, ".").returncode == 1  # default: low
    (tmp_path / ".iacjit.yaml").write_text("fail_on: critical\n", encoding="utf-8")
    assert scan(iacjit_bin, tmp_path, ".").returncode == 0  # file
    assert scan(iacjit_bin, tmp_path, ".", "--fail-on", "high").returncode == 1  # flag


def test_cli_explicit_config_file(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": nsg(), ".iacjit.yaml": "fail_on: low\n",
                          "ci/strict.yaml": "fail_on: none\n"})
    assert scan(iacjit_bin, tmp_path, ".", "--config", "ci/strict.yaml").returncode == 0
    proc = scan(iacjit_bin, tmp_path, ".", "--config", "ci/missing.yaml")
    assert proc.returncode == 2 and "missing.yaml" in proc.stderr


def test_cli_rules_enable_disable_and_severity(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": nsg(), ".iacjit.yaml":
                          "disable: [zt_vis_008]\nseverity: {zt_net_001: low}\nformat: json\n"})
    proc = scan(iacjit_bin, tmp_path, ".")
    assert [(f["rule_id"], f["severity"]) for f in findings(proc)] == [("zt_net_001", "low")]
    # --rule wins over the file's disable list
    proc = scan(iacjit_bin, tmp_path, ".", "--rule", "zt_vis_008")
    assert [f["rule_id"] for f in findings(proc)] == ["zt_vis_008"]


def test_cli_management_ports(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": nsg(port="5985"), ".iacjit.yaml": "format: json\n"})
    assert [f["rule_id"] for f in findings(scan(iacjit_bin, tmp_path, ".", "--rule",
                                                "zt_net_001"))] == []
    (tmp_path / ".iacjit.yaml").write_text(
        "format: json\nmanagement_ports: [22, 3389, 5985, 5986]\n", encoding="utf-8")
    (finding,) = findings(scan(iacjit_bin, tmp_path, ".", "--rule", "zt_net_001"))
    assert finding["evidence"]["ports"] == [5985]


def test_cli_trusted_sources(iacjit_bin, tmp_path):
    halves = 'source_address_prefixes = ["0.0.0.0/1", "128.0.0.0/1"]'
    write_tree(tmp_path, {"main.tf": nsg(sources=halves), ".iacjit.yaml": "format: json\n"})
    assert len(findings(scan(iacjit_bin, tmp_path, ".", "--rule", "zt_net_001"))) == 1
    (tmp_path / ".iacjit.yaml").write_text(
        "format: json\ntrusted_sources: [128.0.0.0/1]\n", encoding="utf-8")
    assert findings(scan(iacjit_bin, tmp_path, ".", "--rule", "zt_net_001")) == []


def test_cli_external_controls_and_exclude(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": nsg(), "legacy/main.tf": nsg(),
                          ".iacjit.yaml": "format: json\nexternal_controls: [zt_vis_008]\n"
                                          "exclude: [legacy]\n"})
    result = findings(scan(iacjit_bin, tmp_path, "."))
    assert {f["file"] for f in result} == {"main.tf"}
    assert {f["rule_id"]: f["severity"] for f in result} == {"zt_net_001": "high",
                                                             "zt_vis_008": "info"}


def test_cli_config_suppressions_and_require_reason(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": nsg(), ".iacjit.yaml": '''
        format: json
        suppressions:
          - id: zt_net_001
            resource: azurerm_network_security_group.*
            reason: behind the corporate VPN
            expires: 2027-03-31
          - id: zt_vis_008
        '''})
    env = {"IACJIT_TODAY": "2026-06-01"}
    proc = scan(iacjit_bin, tmp_path, ".", env=env)
    document = json.loads(proc.stdout)
    assert proc.returncode == 0
    assert all(f["suppressed"] for f in document["findings"])
    assert [w["kind"] for w in document["warnings"]] == ["missing-reason"]
    (tmp_path / ".iacjit.yaml").write_text(
        (tmp_path / ".iacjit.yaml").read_text() + "require_reason: true\n", encoding="utf-8")
    proc = scan(iacjit_bin, tmp_path, ".", env=env)
    document = json.loads(proc.stdout)
    assert proc.returncode == 2
    assert "no reason" in document["errors"][0]["message"]


def test_cli_config_baseline(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": nsg()})
    assert scan(iacjit_bin, tmp_path, ".", "--create-baseline", "base.json").returncode == 0
    (tmp_path / ".iacjit.yaml").write_text("baseline: base.json\n", encoding="utf-8")
    assert scan(iacjit_bin, Path(tmp_path), ".").returncode == 0
    assert scan(iacjit_bin, tmp_path, ".", "--no-config").returncode == 1


def test_exclude_names_and_path_patterns(scan_files):
    """A name skips every directory so named; an entry with '/' or '*' matches paths."""
    from iacjit.parsers.common.options import ParseOptions

    nsg = 'resource "azurerm_network_security_group" "n" {\n  name = "n"\n}\n'
    files = {"legacy/main.tf": nsg, "envs/dev/main.tf": nsg, "envs/prod/main.tf": nsg,
             "envs/prod/old.tf": nsg.replace('"n"', '"old"')}
    result = scan_files(files, ParseOptions())
    assert len(result.resources) == 4
    from iacjit.scan import run_scan

    pruned = run_scan([Path(".")], excluded=("legacy", "envs/dev", "envs/*/old.tf"))
    assert {r.file for r in pruned.resources} == {"envs/prod/main.tf"}
    nested = run_scan([Path("envs")], excluded=("prod/*.tf",))
    assert {r.file for r in nested.resources} == {"envs/dev/main.tf"}
