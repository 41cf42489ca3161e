"""The Checkov custom-check pack (custom_checks/), with the real checkov CLI.

checkov lives in its own virtualenv (.ci-venvs/checkov, built once and reused): it pins
bc-python-hcl2, whose ``hcl2`` module clashes with python-hcl2, so it must never share an
environment with iacjit (domain.md §5).  The pack loads iacjit's rules from the repository by
path; the tests check that this pulls in nothing but the standard library.

The adapter functions are also tested directly here (they import nothing from checkov).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

from iacjit.scan import run_scan

PACK = REPO / "custom_checks"
CHECKOV_VENV = REPO / ".ci-venvs" / "checkov"
CHECKOV_SPEC = "checkov>=3.2,<4"  # exact versions: .ci/checkov-constraints.txt (make lock)
CHECKOV_LOCK = REPO / ".ci" / "checkov-constraints.txt"
FRAMEWORKS = "terraform,arm,cloudformation,bicep"
GUIDELINE = "https://github.com/iacjit/iacjit/blob/main/docs/rules/zt_net_001.md"

# (file path as checkov reports it, resource) → verdict, for the samples of every format.
MUST_FAIL = {
    ("/terraform/azure/vulnerable/main.tf", "azurerm_network_security_group.web"),
    ("/terraform/azure/vulnerable/main.tf", "azurerm_network_security_rule.rdp"),
    ("/terraform/aws/vulnerable/main.tf", "aws_security_group_rule.rdp"),
    ("/terraform/aws/vulnerable/main.tf", "aws_vpc_security_group_ingress_rule.all_v6"),
    ("/cloudformation/vulnerable/windows-web.json", "AWS::EC2::SecurityGroup.WebSecurityGroup"),
    ("/cloudformation/vulnerable/bastion-vpc.yaml",
     "AWS::EC2::SecurityGroup.BastionSecurityGroup"),
    ("/cloudformation/vulnerable/bastion-vpc.yaml",
     "AWS::EC2::SecurityGroupIngress.BastionRdpIngress"),
    ("/arm/vulnerable/classic-vm.json",  # its nested child rule allow-rdp from Internet
     "Microsoft.Network/networkSecurityGroups.[concat(web, '-nsg')]"),
    ("/arm/vulnerable/nested-deployment.json",
     "Microsoft.Network/networkSecurityGroups.[format('app-{0}-nsg', prod)]"),
    ("/bicep/vulnerable/main.bicep",
     "Microsoft.Network/networkSecurityGroups/securityRules.rdpRule"),
    ("/bicep/vulnerable/symbolic-vm.bicep",
     "Microsoft.Network/networkSecurityGroups/securityRules.rdpRule"),
}
MUST_PASS = {
    ("/terraform/azure/fixed/main.tf", "azurerm_network_security_group.web"),
    # Allow from Internet on 3389, dead behind deny_rdp (another resource, seen via the graph).
    ("/terraform/azure/fixed/main.tf", "azurerm_network_security_rule.rdp"),
    ("/terraform/azure/fixed/main.tf", "azurerm_network_security_rule.deny_rdp"),
    ("/terraform/aws/fixed/main.tf", "aws_security_group.bastion"),
    ("/terraform/aws/fixed/main.tf", "aws_security_group_rule.rdp_from_admins"),
    ("/terraform/aws/fixed/main.tf", "aws_vpc_security_group_ingress_rule.udp_22"),
    ("/cloudformation/fixed/windows-web.json", "AWS::EC2::SecurityGroup.WebSecurityGroup"),
    ("/cloudformation/fixed/bastion-vpc.yaml", "AWS::EC2::SecurityGroup.BastionSecurityGroup"),
    ("/cloudformation/fixed/bastion-vpc.yaml",
     "AWS::EC2::SecurityGroupIngress.BastionRdpIngress"),
    ("/arm/fixed/nested-deployment.json",
     "Microsoft.Network/networkSecurityGroups.[format('app-{0}-nsg', prod)]"),
    ("/bicep/fixed/main.bicep", "Microsoft.Network/networkSecurityGroups/securityRules.rdpRule"),
    ("/bicep/fixed/symbolic-vm.bicep",
     "Microsoft.Network/networkSecurityGroups/securityRules.rdpRule"),
}
# A deciding value checkov leaves unevaluated: UNKNOWN, so neither passed nor failed.
MUST_BE_UNKNOWN = {
    # dynamic "ingress" content left as 'ingress.value' by checkov
    ("/terraform/aws/vulnerable/main.tf", "aws_security_group.bastion"),
    # CidrIp is an Fn::If
    ("/cloudformation/vulnerable/windows-web.json",
     "AWS::EC2::SecurityGroupIngress.WebRdpIngress"),
    # sourceAddressPrefix is [parameters('sourcePrefix')] of a nested deployment, no default
    ("/arm/vulnerable/nested-deployment.json",
     "Microsoft.Network/networkSecurityGroups.[parameters('nsgName')]"),
    # securityRules built by a copy loop
    ("/arm/fixed/classic-vm.json", "Microsoft.Network/networkSecurityGroups.[concat(web, '-nsg')]"),
    # sourceAddressPrefix is a parameter: checkov substitutes a value, not always this file's
    ("/bicep/vulnerable/symbolic-vm.bicep", "Microsoft.Network/networkSecurityGroups.nsg"),
    ("/bicep/fixed/symbolic-vm.bicep", "Microsoft.Network/networkSecurityGroups.nsg"),
    # securityRules built by a for loop
    ("/bicep/vulnerable/main.bicep", "Microsoft.Network/networkSecurityGroups.nsg"),
}


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


def _run_checkov(checkov: Path, cwd: Path, *args: str) -> list[dict]:
    proc = subprocess.run(
        [str(checkov), *args, "--check", "ZT_NET_001", "--skip-download", "--framework",
         FRAMEWORKS, "-o", "json", "--compact"],
        cwd=cwd, capture_output=True, text=True, timeout=1200,
    )
    assert proc.returncode in (0, 1), proc.stderr[-4000:]
    assert "Cannot load external check" not in proc.stderr, proc.stderr[-4000:]
    assert "Failed to run check ZT_NET_001" not in proc.stderr, proc.stderr[-4000:]
    data = json.loads(proc.stdout)
    return data if isinstance(data, list) else [data]


def _results(reports: list[dict]) -> dict[tuple[str, str], dict]:
    found: dict[tuple[str, str], dict] = {}
    for report in reports:
        results = report.get("results") or {}
        for verdict in ("passed_checks", "failed_checks"):
            for item in results.get(verdict, []):
                key = (item["file_path"], item["resource"])
                assert key not in found, f"{key} reported twice"
                found[key] = {**item, "verdict": verdict}
    return found


@pytest.fixture(scope="session")
def sample_results(checkov) -> dict[tuple[str, str], dict]:
    reports = _run_checkov(checkov, REPO, "-d", "samples", "--external-checks-dir",
                           str(PACK))
    return _results(reports)


# --------------------------------------------------------------------------------------------
# Tests with checkov


def test_pack_verdicts_on_the_samples(sample_results):
    failed = {k for k, v in sample_results.items() if v["verdict"] == "failed_checks"}
    passed = {k for k, v in sample_results.items() if v["verdict"] == "passed_checks"}
    assert failed >= MUST_FAIL, sorted(MUST_FAIL - failed)
    assert passed >= MUST_PASS, sorted(MUST_PASS - passed)
    assert not MUST_BE_UNKNOWN & (failed | passed), sorted(MUST_BE_UNKNOWN & (failed | passed))
    # A fixed sample never fails, and every vulnerable sample format has a failure.
    assert not [k for k in failed if "/fixed/" in k[0]]
    for fmt in ("terraform", "cloudformation", "arm", "bicep"):
        assert any(k[0].startswith(f"/{fmt}/") and "/vulnerable/" in k[0] for k in failed), fmt


def test_pack_metadata(sample_results):
    assert sample_results
    for item in sample_results.values():
        assert item["check_id"] == "ZT_NET_001"
        assert item["severity"] == "HIGH"
        assert item["guideline"] == GUIDELINE
        assert item["check_name"] == "Management port open to the internet"


def test_pack_agrees_with_iacjit_scan(sample_results, monkeypatch):
    """The pack is iacjit's rule on less information: it never fails what iacjit passes, and
    never passes what iacjit flags or cannot decide."""
    monkeypatch.chdir(REPO / "samples")
    result = run_scan([Path(".")])
    lines: dict[str, list[int]] = {}
    for item in [*result.findings, *result.unresolved]:
        if item.rule_id == "zt_net_001":
            lines.setdefault("/" + item.resource.file, []).append(item.span.line)
    flagged = {(f.resource.file, f.span.line) for f in result.findings
               if f.rule_id == "zt_net_001"}
    for (file, resource), item in sample_results.items():
        start, end = item["file_line_range"]
        inside = [n for n in lines.get(file, []) if start <= n <= end]
        if item["verdict"] == "passed_checks":
            assert not inside, f"pack passes {resource} in {file}; iacjit reports lines {inside}"
        else:
            hits = [n for n in inside if (file[1:], n) in flagged]
            assert hits, f"pack fails {resource} in {file}; iacjit has no finding there"


def test_pack_runs_from_the_wheel_layout(checkov, tmp_path):
    """Installed copies ship the pack as iacjit/checkov_pack: it finds the package above it."""
    package = tmp_path / "site" / "iacjit"
    shutil.copytree(REPO / "iacjit", package, symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__", "checkov_pack"))
    shutil.copytree(PACK, package / "checkov_pack",
                    ignore=shutil.ignore_patterns("__pycache__"))
    reports = _run_checkov(checkov, REPO / "samples", "-d", "terraform/azure",
                           "--external-checks-dir", str(package / "checkov_pack"))
    results = _results(reports)
    verdicts = {k: v["verdict"] for k, v in results.items()}
    assert verdicts[("/vulnerable/main.tf", "azurerm_network_security_rule.rdp")] == \
        "failed_checks"
    assert verdicts[("/fixed/main.tf", "azurerm_network_security_rule.rdp")] == "passed_checks"


def test_checkov_environment_stays_clean(checkov, sample_results):
    """No iacjit, no python-hcl2 in checkov's venv; the pack imports only the standard
    library besides iacjit; and checkov still starts after the scans."""
    python = str(_bin("python"))
    probe = (
        "import importlib.metadata as m, sys\n"
        "names = {d.metadata['Name'].lower() for d in m.distributions()}\n"
        "print(sorted(names & {'iacjit', 'python-hcl2'}))\n"
        f"sys.path.insert(0, {str(PACK)!r})\n"
        "before = set(sys.modules)\n"
        "import iacjit_checkov_bridge as b\n"
        "b.api()\n"
        "extra = {n.split('.')[0] for n in set(sys.modules) - before}\n"
        "ours = {'iacjit', 'iacjit_checkov_bridge'}\n"
        "print(sorted(n for n in extra if n not in sys.stdlib_module_names\n"
        "             and n not in ours and not n.startswith('_')))\n"
    )
    proc = subprocess.run([python, "-c", probe], capture_output=True, text=True, cwd="/")
    assert proc.returncode == 0, proc.stderr
    installed, imported = proc.stdout.strip().splitlines()
    assert installed == "[]"
    assert imported == "[]", f"iacjit's rules pull in non-stdlib modules: {imported}"
    version = subprocess.run([str(checkov), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.strip()


# --------------------------------------------------------------------------------------------
# Adapters, without checkov


@pytest.fixture(scope="module")
def bridge():
    spec = importlib.util.spec_from_file_location(
        "iacjit_checkov_bridge_under_test", PACK / "iacjit_checkov_bridge.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def _tf(bridge, rtype, conf, peers=()):
    subject = bridge.Subject(bridge.terraform_resource(rtype, "x", conf, "/m/main.tf", []))
    subject.peers = [bridge.terraform_resource(t, n, c, "/m/main.tf", []) for t, n, c in peers]
    return bridge.evaluate("zt_net_001", subject).result


def test_terraform_values_are_unwrapped_and_unrendered_ones_unknown(bridge):
    rule = {"type": ["ingress"], "from_port": [22], "to_port": [22], "protocol": ["tcp"],
            "security_group_id": ["aws_security_group.x.id"]}
    assert _tf(bridge, "aws_security_group_rule",
               {**rule, "cidr_blocks": [["0.0.0.0/1", "128.0.0.0/1"]]}) == "FAILED"
    assert _tf(bridge, "aws_security_group_rule",
               {**rule, "cidr_blocks": [["10.0.0.0/8"]]}) == "PASSED"
    assert _tf(bridge, "aws_security_group_rule",
               {**rule, "cidr_blocks": ["var.admin_cidrs"]}) == "UNKNOWN"
    assert _tf(bridge, "aws_security_group_rule",
               {**rule, "cidr_blocks": [["${var.a}/0"]]}) == "UNKNOWN"
    assert bridge.tf_string("aws_security_group.x.id").address == "aws_security_group.x"
    assert bridge.tf_string("Storage.WestEurope") == "Storage.WestEurope"


def test_terraform_nsg_priority_across_resources(bridge):
    allow = {"name": ["allow"], "priority": [200], "direction": ["Inbound"],
             "access": ["Allow"], "protocol": ["Tcp"], "destination_port_range": ["3389"],
             "source_address_prefix": ["Internet"], "network_security_group_name": ["n"]}
    deny = {**allow, "name": ["deny"], "priority": [100], "access": ["Deny"],
            "source_address_prefix": ["*"]}
    nsg = {"name": ["n"]}
    assert _tf(bridge, "azurerm_network_security_rule", allow,
               [("azurerm_network_security_group", "n", nsg)]) == "FAILED"
    assert _tf(bridge, "azurerm_network_security_rule", allow,
               [("azurerm_network_security_group", "n", nsg),
                ("azurerm_network_security_rule", "d", deny)]) == "PASSED"


def test_arm_expressions_and_copy_loops_are_unknown(bridge):
    def nsg(source, **props):
        rule = {"name": "r", "properties": {
            "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "destinationPortRange": "22", "sourceAddressPrefix": source}}
        return {"type": bridge.ARM_NSG, "name": "n",
                "properties": {"securityRules": [rule], **props}}

    def verdict(conf):
        return bridge.evaluate("zt_net_001", bridge.arm_subject(conf, "n", "/t.json")).result

    assert verdict(nsg("Internet")) == "FAILED"
    assert verdict(nsg("[parameters('src')]")) == "UNKNOWN"
    assert verdict(nsg("10.0.0.0/8")) == "PASSED"
    looped = nsg("10.0.0.0/8", copy=[{"name": "securityRules", "count": 2, "input": {}}])
    assert verdict(looped) == "UNKNOWN"
    assert bridge.arm_plain("[[literal]") == "[literal]"


def test_cloudformation_intrinsics_are_unknown(bridge):
    def verdict(entry):
        conf = {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "SecurityGroupIngress": [{"IpProtocol": "6", "FromPort": "22", "ToPort": "22",
                                      **entry, "__startline__": 3, "__endline__": 4}],
            "__startline__": 1, "__endline__": 9}}
        return bridge.evaluate("zt_net_001", bridge.cfn_subject(conf, "Sg", "/t.yaml")).result

    assert verdict({"CidrIpv6": "::/0"}) == "FAILED"
    assert verdict({"CidrIp": {"Fn::If": ["c", "0.0.0.0/0", "10.0.0.0/8"]}}) == "UNKNOWN"
    assert verdict({"CidrIp": "10.0.0.0/8"}) == "PASSED"


def test_bicep_fields_written_as_expressions_are_unknown(bridge):
    source = [
        "param src string = '*'",
        "resource nsg 'Microsoft.Network/networkSecurityGroups@2023-04-01' = {",
        "  properties: {",
        "    securityRules: [",
        "      {",
        "        name: 'a'",
        "        properties: {",
        "          sourceAddressPrefix: src",
        "          destinationPortRanges: [",
        "            '22'",
        "          ]",
        "        }",
        "      }",
        "    ]",
        "  }",
        "}",
    ]
    config = {"name": "n", "properties": {"securityRules": [{"name": "a", "properties": {
        "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
        "sourceAddressPrefix": "10.0.0.0/8", "destinationPortRanges": ["22"]}}]}}
    entity = {"existing": False, "config": config, "__start_line__": 2, "__end_line__": 16}
    names = bridge.bicep_names("\n".join(source))
    subject = bridge.bicep_subject(entity, bridge.ARM_NSG, "nsg", "/m.bicep", names, source)
    assert bridge.evaluate("zt_net_001", subject).result == "UNKNOWN"
    literal = [line.replace("sourceAddressPrefix: src", "sourceAddressPrefix: 'Internet'")
               for line in source]
    config["properties"]["securityRules"][0]["properties"]["sourceAddressPrefix"] = "Internet"
    subject = bridge.bicep_subject(entity, bridge.ARM_NSG, "nsg", "/m.bicep", names, literal)
    assert bridge.evaluate("zt_net_001", subject).result == "FAILED"
