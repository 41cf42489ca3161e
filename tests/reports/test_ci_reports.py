"""The CI-native reports: JUnit XML read by junitparser (the parser GitHub's test-report actions
use) and GitLab's SAST report validated with jsonschema against the fields GitLab documents as
required (tests/schemas/gitlab_sast_contract.json, written for this project: GitLab's own schema
file is third-party text and is not vendored)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from helpers import REPO, nsg_tf
from junitparser import Error, Failure, JUnitXml, Skipped

from iacjit.cli import main
from iacjit.reports import gitlab_sast_report, junit_report
from iacjit.reports.serialize import to_document
from iacjit.rules import ALL_RULES, ZT_NET_001
from iacjit.scan import run_scan

SCHEMA = json.loads((REPO / "tests" / "schemas" / "gitlab_sast_contract.json")
                    .read_text(encoding="utf-8"))
VULNERABLE = REPO / "samples" / "terraform" / "azure" / "vulnerable"

# A plan with one of everything the reports must carry: a suppressed finding, an unresolved
# source (a variable without value), an unreadable file next to them.
MIXED = {
    "main.tf": '''
variable "admin_source" {}

# iacjit:ignore zt_net_001 reason="bastion, reviewed in SEC-12" expires=2099-01-01
''' + nsg_tf("bastion") + '''
resource "azurerm_network_security_group" "jump" {
  name = "jump"
  security_rule {
    name = "rdp"
    priority = 100
    direction = "Inbound"
    access = "Allow"
    protocol = "Tcp"
    destination_port_range = "3389"
    source_address_prefix = var.admin_source
  }
}
''',
    "broken.tf": 'resource "azurerm_network_security_group" "x" {\n  name = \n',
}


def _document(paths: list[Path], rules=ALL_RULES) -> dict:
    return to_document(run_scan(paths, rules=rules), 1)


@pytest.fixture
def vulnerable(tmp_path, monkeypatch) -> dict:
    shutil.copytree(VULNERABLE, tmp_path / "infra")
    monkeypatch.chdir(tmp_path)
    return _document([Path("infra")])


@pytest.fixture
def mixed(tmp_path, monkeypatch) -> dict:
    root = tmp_path / "mixed"
    root.mkdir()
    for name, text in MIXED.items():
        (root / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)
    return _document([Path(".")], rules=(ZT_NET_001,))


def _junit(document: dict, tmp_path: Path) -> JUnitXml:
    out = tmp_path / "junit.xml"
    out.write_text(junit_report.render(document), encoding="utf-8")
    return JUnitXml.fromfile(str(out))


def _cases(xml: JUnitXml) -> dict[tuple[str, str], object]:
    return {(suite.name, case.name): case for suite in xml for case in suite}


def test_junit_one_testcase_per_rule_and_resource(vulnerable, tmp_path):
    xml = _junit(vulnerable, tmp_path)
    cases = _cases(xml)
    expected = {(f["rule_id"], f["resource"]) for f in vulnerable["findings"]}
    expected |= {(c["chain_id"], t["vm"]) for c in vulnerable["chains"] for t in c["targets"]}
    assert expected <= set(cases)
    assert set(cases) - expected == {("iacjit", f"scan of {vulnerable['summary']['files_scanned']}"
                                                " file(s)")}
    for (suite, name), case in cases.items():
        if suite == "iacjit":
            assert case.is_passed
            continue
        [failure] = case.result
        assert isinstance(failure, Failure)
        severities = {f["severity"] for f in vulnerable["findings"]
                      if (f["rule_id"], f["resource"]) == (suite, name)}
        severities |= {c["severity"] for c in vulnerable["chains"] if c["chain_id"] == suite}
        assert failure.type in severities
    assert xml.failures == len(expected) and xml.errors == 0 and xml.skipped == 0
    assert xml.tests == len(expected) + 1


def test_junit_chain_failure_names_the_path_and_fix(vulnerable, tmp_path):
    chain = vulnerable["chains"][0]
    target = chain["targets"][0]
    case = _cases(_junit(vulnerable, tmp_path))[(chain["chain_id"], target["vm"])]
    [failure] = case.result
    assert failure.type == "critical"
    assert "attack path: Internet -> " in failure.text
    assert target["fix"]["description"] in failure.text


def test_junit_suppressed_unresolved_and_errors(mixed, tmp_path):
    cases = _cases(_junit(mixed, tmp_path))
    [suppressed] = cases[("zt_net_001", "azurerm_network_security_group.bastion")].result
    assert isinstance(suppressed, Skipped)
    assert suppressed.message == "suppressed: bastion, reviewed in SEC-12"
    [unresolved] = cases[("zt_net_001", "azurerm_network_security_group.jump")].result
    assert isinstance(unresolved, Skipped) and unresolved.message.startswith("unresolved: ")
    scan = next(case for (suite, _), case in cases.items() if suite == "iacjit")
    [error] = scan.result
    assert isinstance(error, Error) and "broken.tf:" in error.text


def test_junit_failing_unresolved_is_a_failure(mixed, tmp_path):
    for item in mixed["unresolved"]:
        item.update(failing=True, severity="high")
    cases = _cases(_junit(mixed, tmp_path))
    [failure] = cases[("zt_net_001", "azurerm_network_security_group.jump")].result
    assert isinstance(failure, Failure) and failure.type == "high"


def test_junit_escapes_what_xml_cannot_carry(vulnerable, tmp_path):
    vulnerable["findings"][0]["message"] = "a\x1b[31m<b>&\ufffe"
    xml = _junit(vulnerable, tmp_path)  # parses: nothing raw reached the document
    texts = [r.text for _, case in _cases(xml).items() for r in case.result if r.text]
    assert any("a?[31m<b>&?" in text for text in texts)


@pytest.mark.parametrize("fixture", ["vulnerable", "mixed"])
def test_gitlab_sast_validates_against_gitlabs_documented_fields(fixture, request):
    report = json.loads(gitlab_sast_report.render(request.getfixturevalue(fixture)))
    jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(report)
    assert report["version"] == SCHEMA["self"]["version"]


def test_schema_check_is_real(vulnerable):
    report = gitlab_sast_report.to_gitlab_sast(vulnerable)
    report["vulnerabilities"][0]["severity"] = "Severe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, SCHEMA)


def test_gitlab_sast_vulnerabilities(vulnerable, mixed):
    report = gitlab_sast_report.to_gitlab_sast(vulnerable)
    by_id = {}
    for item in report["vulnerabilities"]:
        by_id.setdefault(item["identifiers"][0]["value"], []).append(item)
    targets = sum(len(c["targets"]) for c in vulnerable["chains"])
    assert len(by_id["CHAIN-016"]) == targets
    assert {v["severity"] for v in by_id["CHAIN-016"]} == {"Critical"}
    assert sum(len(v) for k, v in by_id.items() if k != "CHAIN-016") == len(
        [f for f in vulnerable["findings"] if not f["suppressed"]])
    first = next(f for f in vulnerable["findings"] if f["rule_id"] == "zt_net_001")
    match = [v for v in by_id["zt_net_001"] if v["location"]["start_line"] == first["line"]]
    assert match and match[0]["location"]["file"] == "infra/main.tf"
    assert match[0]["severity"] == "High" and match[0]["solution"]
    # stable ids: the same scan gives the same vulnerability ids
    again = gitlab_sast_report.to_gitlab_sast(vulnerable)
    assert [v["id"] for v in again["vulnerabilities"]] == [
        v["id"] for v in report["vulnerabilities"]]
    assert len({v["id"] for v in report["vulnerabilities"]}) == len(report["vulnerabilities"])

    mixed_report = gitlab_sast_report.to_gitlab_sast(mixed)
    kinds = [(v["identifiers"][0]["value"], v["severity"]) for v in mixed_report["vulnerabilities"]]
    assert kinds == [("zt_net_001/unresolved", "Unknown")]  # the suppressed one is left out
    [message] = mixed_report["scan"]["messages"]
    assert message["level"] == "warn" and message["value"].startswith("broken.tf:")


def test_policy_deviations_reach_junit_and_gitlab_sast(tmp_path, monkeypatch):
    """A pull request that disables a rule in .iacjit.yaml shows it in the CI test report and
    the security dashboard, as in every other format (docs/security.md)."""
    shutil.copytree(VULNERABLE, tmp_path / "infra")
    (tmp_path / ".iacjit.yaml").write_text("disable: [zt_vis_008]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [
        "scan", "infra", "--fail-on", "none", "--quiet",
        "--junit-output", "junit.xml", "--gitlab-sast-output", "gl.json"])
    assert result.exit_code == 0, result.output
    xml = JUnitXml.fromfile("junit.xml")
    [suite] = [s for s in xml if s.name == "iacjit"]
    properties = [(p.name, p.value) for p in suite.properties()]
    assert len(properties) == 1 and properties[0][0] == "policy deviation"
    assert "zt_vis_008" in properties[0][1] and ".iacjit.yaml:1" in properties[0][1]
    [scan] = list(suite)
    assert properties[0][1] in scan.system_out
    report = json.loads(Path("gl.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, SCHEMA)
    [message] = [m for m in report["scan"]["messages"] if "policy deviation" in m["value"]]
    assert message["level"] == "warn" and "zt_vis_008" in message["value"]
    assert ".iacjit.yaml:1" in message["value"]
