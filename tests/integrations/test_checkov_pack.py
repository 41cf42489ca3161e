"""The Checkov custom-check pack (custom_checks/), with the real checkov CLI.

checkov lives in its own virtualenv (.ci-venvs/checkov, built once and reused): it pins
bc-python-hcl2, whose ``hcl2`` module clashes with python-hcl2, so it must never share an
environment with iacjit (domain.md §5).  The pack loads iacjit from the repository by path;
the tests check that this pulls in nothing but the standard library and PyYAML.

The pack's modules are tested without Checkov in test_checkov_pack_units.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import ARM_SSH_NSG, CFN_SSH_SG, REPO, write_tree

from iacjit.scan import run_scan

PACK = REPO / "custom_checks"
CHECKOV_VENV = REPO / ".ci-venvs" / "checkov"
CHECKOV_SPEC = "checkov>=3.2,<4"  # exact versions: .ci/checkov-constraints.txt (make lock)
CHECKOV_LOCK = REPO / ".ci" / "checkov-constraints.txt"
# json: languageVersion 2.0 ARM templates, which the arm framework skips.
FRAMEWORKS = "terraform,terraform_plan,arm,cloudformation,bicep,json"
GUIDELINE = "https://github.com/iacjit/iacjit/blob/main/docs/rules/zt_net_001.md"
ARM_NSG = "Microsoft.Network/networkSecurityGroups"
ARM_RULE = f"{ARM_NSG}/securityRules"


# --------------------------------------------------------------------------------------------
# The checkov environment


def _bin(name: str) -> Path:
    return CHECKOV_VENV / ("Scripts" if sys.platform == "win32" else "bin") / name


def _works(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=300).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def checkov() -> Path:
    """checkov in .ci-venvs/checkov: reused when it starts, (re)built otherwise."""
    executable = _bin("checkov")
    if not _works([str(executable), "--version"]):
        shutil.rmtree(CHECKOV_VENV, ignore_errors=True)
        CHECKOV_VENV.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True)
        # checkov's lock, not the test lock make exports as PIP_CONSTRAINT: they differ.
        subprocess.run([str(_bin("python")), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", CHECKOV_SPEC],
                       env={**os.environ, "PIP_CONSTRAINT": str(CHECKOV_LOCK)},
                       check=True, timeout=3600)
    assert _works([str(executable), "--version"]), "checkov does not start"
    return executable


def _run_checkov(checkov: Path, cwd: Path, *args: str) -> tuple[list[dict], str]:
    """checkov's JSON reports and its stderr."""
    proc = subprocess.run(
        [str(checkov), *args, "--check", "ZT_NET_001", "--skip-download", "--framework",
         FRAMEWORKS, "-o", "json", "--compact"],
        cwd=cwd, capture_output=True, text=True, timeout=1200,
    )
    assert proc.returncode in (0, 1), proc.stderr[-4000:]
    assert "Cannot load external check" not in proc.stderr, proc.stderr[-4000:]
    assert "Failed to run check ZT_NET_001" not in proc.stderr, proc.stderr[-4000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-4000:]
    data = json.loads(proc.stdout)
    return (data if isinstance(data, list) else [data]), proc.stderr


def _results(reports: list[dict]) -> dict[tuple[str, str], dict]:
    found: dict[tuple[str, str], dict] = {}
    for report in reports:
        results = report.get("results") or {}
        for verdict in ("passed_checks", "failed_checks"):
            for item in results.get(verdict, []):
                key = (item["file_path"], item["resource"])
                assert key not in found, f"{key} reported twice"
                found[key] = {**item, "verdict": verdict, "check_type": report["check_type"]}
    return found


def _unknown_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("iacjit ZT_NET_001 UNKNOWN")]


@pytest.fixture(scope="session")
def sample_run(checkov) -> tuple[dict[tuple[str, str], dict], str]:
    reports, stderr = _run_checkov(checkov, REPO, "-d", "samples", "--external-checks-dir",
                                   str(PACK))
    return _results(reports), stderr


# --------------------------------------------------------------------------------------------
# What the pack fails is what iacjit scan reports


def _kind(resource: str) -> str:
    if resource == ARM_RULE or resource.startswith((f"{ARM_RULE}.", "securityRules.")):
        return "rule"
    return "nsg" if resource.startswith(f"{ARM_NSG}.") or resource == ARM_NSG else "other"


def _entity_of(finding, results: dict[tuple[str, str], dict]) -> tuple[str, str] | None:
    """The Checkov entity an iacjit finding belongs to: by identity for Terraform and
    CloudFormation, for ARM and Bicep the innermost entity of the same kind around the
    resource's declaration (or the whole template for a languageVersion 2.0 one)."""
    file = "/" + finding.resource.file
    resource = finding.resource
    if resource.source_format not in ("arm", "bicep"):  # Terraform, plans, CloudFormation
        cfn = resource.source_format == "cloudformation"
        key = (file, f"{resource.type}.{resource.address}" if cfn else resource.address)
        return key if key in results else None
    line, kind = resource.span.line, _kind(resource.type)
    around = [(item["file_line_range"][1] - item["file_line_range"][0], key)
              for key, item in results.items()
              if key[0] == file and item["file_line_range"][0] <= line
              <= item["file_line_range"][1]
              and (item["check_type"] == "json" or _kind(key[1]) == kind)]
    return min(around)[1] if around else None


def test_pack_fails_exactly_what_iacjit_scan_reports(sample_run, monkeypatch):
    """Every sample: the resources the pack fails are the resources iacjit scan reports for
    zt_net_001, each finding on the Checkov entity that declares its resource."""
    results, _ = sample_run
    monkeypatch.chdir(REPO / "samples")
    scan = run_scan([Path(".")])
    findings = [f for f in scan.findings if f.rule_id == "zt_net_001"]
    assert len(findings) >= 20
    expected = {}
    for finding in findings:
        entity = _entity_of(finding, results)
        assert entity is not None, f"no Checkov result for {finding.resource.address} " \
                                   f"({finding.resource.file}:{finding.resource.span.line})"
        expected[entity] = finding
    failed = {k for k, v in results.items() if v["verdict"] == "failed_checks"}
    assert failed == set(expected), (sorted(failed - set(expected)),
                                     sorted(set(expected) - failed))
    # every format of the samples is covered, and no fixed sample fails
    assert len({f.resource.source_format for f in findings}) == 5
    assert not [k for k in failed if "/fixed/" in k[0]]


def test_samples_leave_nothing_undecided(sample_run, monkeypatch):
    """iacjit decides every sample resource, so the pack prints no UNKNOWN line for them."""
    _, stderr = sample_run
    monkeypatch.chdir(REPO / "samples")
    assert not [u for u in run_scan([Path(".")]).unresolved if u.rule_id == "zt_net_001"]
    assert _unknown_lines(stderr) == []


def test_pack_metadata(sample_run):
    results, _ = sample_run
    assert results
    for item in results.values():
        assert item["check_id"] == "ZT_NET_001"
        assert item["check_name"] == "Management port open to the internet"
        if item["check_type"] != "json":  # Checkov's JSON framework keeps no guideline
            assert item["severity"] == "HIGH"
            assert item["guideline"] == GUIDELINE


UNRESOLVED = {
    "arm/open.json": ARM_SSH_NSG % "",
    "cfn/sg.yaml": CFN_SSH_SG % "",
    # iacjit refuses duplicate property names (ARM does); Checkov reads the file anyway.
    "bad/dup.json": """\
        {
          "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "contentVersion": "1.0.0.0",
          "resources": [
            {
              "type": "Microsoft.Network/networkSecurityGroups",
              "name": "nsg",
              "name": "other",
              "properties": {"securityRules": []}
            }
          ]
        }
        """,
}


def test_unresolved_and_bad_templates_print_one_line_each(checkov, tmp_path):
    """UNKNOWN is never silent: one stderr line per resource, naming the file, the resource
    and iacjit's reason; a template iacjit cannot read gives its located error, no traceback."""
    write_tree(tmp_path, {k: textwrap.dedent(v) for k, v in UNRESOLVED.items()})
    reports, stderr = _run_checkov(checkov, tmp_path, "-d", ".", "--external-checks-dir",
                                   str(PACK))
    assert not [k for k, v in _results(reports).items() if v["verdict"] == "failed_checks"]
    lines = _unknown_lines(stderr)
    assert len(lines) == 3, stderr[-3000:]
    arm, = (line for line in lines if "open.json" in line)
    assert f"{ARM_NSG}.nsg" in arm and "parameter 'src' has no value" in arm
    cfn, = (line for line in lines if "sg.yaml" in line)
    assert "AWS::EC2::SecurityGroup.Sg" in cfn and "Src" in cfn
    bad, = (line for line in lines if "dup.json" in line)
    assert "dup.json:8" in bad and "name" in bad


DROPPED = """\
    {
      "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      "contentVersion": "1.0.0.0",
      "variables": {"nsgName": "[toLower(concat('nsg', uniqueString(resourceGroup().id)))]"},
      "resources": [
        {
          "type": "Microsoft.Network/networkSecurityGroups",
          "apiVersion": "2023-04-01",
          "name": "[variables('nsgName')]",
          "properties": {"securityRules": [{"name": "ssh", "properties": {
            "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourceAddressPrefix": "*", "destinationPortRange": "22"}}]}
        },
        {
          "type": "Microsoft.Network/networkSecurityGroups",
          "apiVersion": "2023-04-01",
          "name": "[toLower('Closed')]",
          "properties": {"securityRules": []}
        }
      ]
    }
    """


def test_failures_checkov_drops_are_reported_through_the_json_framework(checkov, tmp_path):
    """Checkov's ARM runner drops failed results on resources named with toLower(...) and the
    like: the pack reports them as one failed result of the template (JSON framework), and
    nothing twice."""
    write_tree(tmp_path, {"nsg.json": textwrap.dedent(DROPPED)})
    reports, stderr = _run_checkov(checkov, tmp_path, "-d", ".", "--external-checks-dir",
                                   str(PACK))
    results = _results(reports)
    failed = [v for v in results.values() if v["verdict"] == "failed_checks"]
    assert [v["check_type"] for v in failed] == ["json"]
    assert failed[0]["file_path"] == "/nsg.json"
    assert [v["check_type"] for v in results.values() if v["verdict"] == "passed_checks"] \
        == ["arm"]  # the closed NSG: the ARM runner keeps passes
    assert _unknown_lines(stderr) == []


# --------------------------------------------------------------------------------------------
# Installation


def test_pack_runs_from_the_wheel_layout(checkov, tmp_path):
    """Installed copies ship the pack as iacjit/checkov_pack: it finds the package above it."""
    package = tmp_path / "site" / "iacjit"
    shutil.copytree(REPO / "iacjit", package, symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__", "checkov_pack"))
    shutil.copytree(PACK, package / "checkov_pack",
                    ignore=shutil.ignore_patterns("__pycache__"))
    reports, _ = _run_checkov(checkov, REPO / "samples", "-d", ".",
                              "--external-checks-dir", str(package / "checkov_pack"))
    verdicts = {k: v["verdict"] for k, v in _results(reports).items()}
    assert verdicts[("/terraform/azure/vulnerable/main.tf",
                     "azurerm_network_security_rule.rdp")] == "failed_checks"
    assert verdicts[("/terraform/azure/fixed/main.tf",
                     "azurerm_network_security_rule.rdp")] == "passed_checks"
    assert verdicts[("/bicep/vulnerable/main.bicep", f"{ARM_RULE}.rdpRule")] == "failed_checks"
    assert verdicts[("/cloudformation/vulnerable/windows-web.json",
                     "AWS::EC2::SecurityGroupIngress.WebRdpIngress")] == "failed_checks"


def test_checkov_environment_stays_clean(checkov, sample_run):
    """No iacjit, no python-hcl2 in checkov's venv; the pack, its template readers included,
    imports only the standard library and PyYAML besides iacjit (never python-hcl2, lark,
    click or jinja2); and checkov still starts after the scans."""
    python = str(_bin("python"))
    probe = (
        "import importlib.metadata as m, sys\n"
        "names = {d.metadata['Name'].lower() for d in m.distributions()}\n"
        "print(sorted(names & {'iacjit', 'python-hcl2'}))\n"
        f"sys.path.insert(0, {str(PACK)!r})\n"
        "before = set(sys.modules)\n"
        "import iacjit_pack_templates as t\n"
        "import iacjit_pack_terraform\n"
        f"reader = t.TemplateReader('zt_net_001')\n"
        f"for f in ('arm/vulnerable/classic-vm.json', 'bicep/vulnerable/main.bicep',"
        f" 'cloudformation/vulnerable/bastion-vpc.yaml'):\n"
        f"    fw = 'cloudformation' if 'cloudformation' in f else 'arm'\n"
        f"    p = {str(REPO / 'samples')!r} + '/' + f\n"
        "    assert reader.unit(__import__('pathlib').Path(p), fw, None).outputs, f\n"
        "extra = {n.split('.')[0] for n in set(sys.modules) - before}\n"
        "ours = {'iacjit', 'yaml', 'cython_runtime'}\n"
        "print(sorted(n for n in extra if n not in sys.stdlib_module_names\n"
        "             and n not in ours and not n.startswith(('_', 'iacjit_pack_'))))\n"
    )
    proc = subprocess.run([python, "-c", probe], capture_output=True, text=True, cwd="/")
    assert proc.returncode == 0, proc.stderr
    installed, imported = proc.stdout.strip().splitlines()
    assert installed == "[]"
    assert imported == "[]", f"the pack pulls in non-stdlib modules: {imported}"
    version = subprocess.run([str(checkov), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.strip()
