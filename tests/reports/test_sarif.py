"""SARIF output: validated by the real SARIF Multitool (SARIF and GitHub rule sets), plus the
structure GitHub code scanning relies on."""

from __future__ import annotations

import copy
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from helpers import REPO, write_tree
from helpers.documents import full_document
from helpers.node_tools import node_prefix

from iacjit.reports import sarif_report


def _multitool_binary(prefix: Path) -> Path | None:
    for candidate in sorted((prefix / "node_modules" / "@microsoft").glob(
            "sarif-multitool-*/Sarif.Multitool*")):
        if candidate.name in ("Sarif.Multitool", "Sarif.Multitool.exe"):
            return candidate
    return None


@pytest.fixture(scope="session")
def multitool() -> Path:
    """The Multitool's native binary, from the locked node tools (tests/js/package-lock.json)."""
    binary = _multitool_binary(node_prefix())
    assert binary is not None, "the Multitool package has no binary for this platform"
    # npm may skip the package's postinstall (which only sets the executable bit).
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary


def validate(multitool: Path, log: dict, tmp_path: Path, name: str = "out",
             levels: tuple[str, ...] = ("error", "warning")) -> list[dict]:
    """Multitool findings at *levels* (SARIF schema/rules and GitHub ingestion rules)."""
    source = tmp_path / f"{name}.sarif"
    source.write_text(json.dumps(log), encoding="utf-8")
    output = tmp_path / f"{name}.validation.sarif"
    env = {**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
           "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"}
    proc = subprocess.run(
        [os.fspath(multitool), "validate", os.fspath(source), "-o", os.fspath(output),
         "--log", "ForceOverwrite", "--rule-kind", "Sarif;Gh"],
        capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run = json.loads(output.read_text(encoding="utf-8"))["runs"][0]
    problems = [r for r in run.get("results", []) if r.get("level", "warning") in levels]
    for invocation in run.get("invocations", []):
        assert invocation.get("executionSuccessful", True), invocation
        problems += [n for n in invocation.get("toolExecutionNotifications", [])
                     + invocation.get("toolConfigurationNotifications", [])
                     if n.get("level", "warning") in levels]
    return problems


@pytest.fixture
def in_repo(tmp_path, monkeypatch) -> Path:
    """cwd = a checkout root (has .git) with no CI variables, so URIs are deterministic."""
    (tmp_path / ".git").mkdir()
    for name in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR", "BUILD_SOURCESDIRECTORY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_full_document_validates_with_zero_errors(multitool, in_repo, tmp_path):
    log = sarif_report.to_sarif(full_document())
    assert validate(multitool, log, tmp_path) == []


def test_scan_of_samples_validates(multitool, iacjit_bin, tmp_path):
    out = tmp_path / "samples.sarif"
    proc = subprocess.run([iacjit_bin, "scan", "samples", "--format", "sarif", "-o",
                           os.fspath(out), "--fail-on", "none"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    log = json.loads(out.read_text(encoding="utf-8"))
    results = log["runs"][0]["results"]
    assert results and all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                           .startswith("samples/") for r in results)
    assert validate(multitool, log, tmp_path) == []


def test_validator_catches_what_github_rejects(multitool, in_repo, tmp_path):
    """Negative control: the check above would notice a result without a location."""
    log = sarif_report.to_sarif(full_document())
    del log["runs"][0]["results"][1]["locations"]
    del log["runs"][0]["tool"]["driver"]["rules"][0]["help"]
    problems = validate(multitool, log, tmp_path, "broken", levels=("error",))
    assert {p["ruleId"] for p in problems} & {"GH1015", "GH1017", "GH2012"}


def test_rules_results_levels_and_locations(in_repo):
    log = sarif_report.to_sarif(full_document())
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    rule = rules["zt_net_001"]
    assert rule["shortDescription"]["text"] == "Management port open to the internet"
    assert rule["fullDescription"]["text"].startswith("An inbound Allow rule")
    assert "Fix:" in rule["help"]["text"] and "```" in rule["help"]["markdown"]
    assert rule["helpUri"].endswith("/docs/rules/zt_net_001.md")
    assert rule["properties"]["security-severity"] == "8.0"
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"]
        assert physical["region"]["startLine"] >= 1
    by_rule = [r for r in run["results"] if r["ruleId"] == "zt_net_001"]
    assert [r["level"] for r in by_rule] == ["error", "error", "warning"]
    assert by_rule[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "infra/main.tf", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 55, "endLine": 64}}
    assert by_rule[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "infra/aws%20dir/main.tf"
    assert by_rule[2]["properties"]["security-severity"] == "5.5"


def test_chain_is_a_result_related_to_its_triggers(in_repo):
    run = sarif_report.to_sarif(full_document())["runs"][0]
    chain = next(r for r in run["results"] if r["ruleId"] == "CHAIN-016")
    assert chain["level"] == "error"
    assert chain["properties"]["security-severity"] == "9.5"
    related = chain["relatedLocations"]
    assert related[0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/main.tf"
    assert related[0]["physicalLocation"]["region"]["startLine"] == 55
    assert related[1]["physicalLocation"]["artifactLocation"]["uri"] == "infra/vm.tf"
    # embedded links in the message point at related locations by id
    assert "](1)" in chain["message"]["text"] and "](2)" in chain["message"]["text"]
    descriptor = run["tool"]["driver"]["rules"][chain["ruleIndex"]]
    assert descriptor["id"] == "CHAIN-016" and "brute-forces" in descriptor["help"]["text"]


def test_suppressions_unresolved_and_notifications(in_repo):
    run = sarif_report.to_sarif(full_document())["runs"][0]
    suppressed = [r for r in run["results"] if "suppressions" in r]
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"] == [{
        "kind": "inSource", "status": "accepted",
        "justification": "break-glass jump host, ticket SEC-12"}]
    unresolved = [r for r in run["results"] if r["ruleId"] == "zt_net_001/unresolved"]
    assert len(unresolved) == 1 and unresolved[0]["level"] == "warning"
    assert "no default" in unresolved[0]["message"]["text"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["error", "error", "warning"]
    assert notes[0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2, "startColumn": 7}
    assert "region" not in notes[1]["locations"][0]["physicalLocation"]


def test_fingerprints_ignore_lines_but_not_evidence(in_repo):
    def fingerprints(document: dict) -> list[str]:
        run = sarif_report.to_sarif(document)["runs"][0]
        return [r["partialFingerprints"]["iacjitFindingHash/v1"] for r in run["results"]]

    original = full_document()
    moved = copy.deepcopy(original)
    for item in moved["findings"] + moved["chains"][0]["triggers"]:
        item["line"] += 40
        item["end_line"] = item.get("end_line", 0) + 40
    assert fingerprints(moved) == fingerprints(original)
    assert len(set(fingerprints(original))) == len(fingerprints(original))
    changed = copy.deepcopy(original)
    changed["findings"][0]["evidence"]["ports"] = [22, 3389]
    assert fingerprints(changed)[1] != fingerprints(original)[1]


def test_uris_are_relative_to_the_repository_root(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"envs/prod/main.tf": ""})
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path / "envs")
    document = full_document()
    document["findings"][0]["file"] = "prod/main.tf"
    document["findings"][1]["file"] = "/elsewhere/x.tf"
    run = sarif_report.to_sarif(document)["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in run["results"] if r["ruleId"] == "zt_net_001"}
    assert "envs/prod/main.tf" in uris
    assert "file:///elsewhere/x.tf" in uris


def _with_repository(url: str | None) -> dict:
    document = full_document()
    document["scan"] = {"date": "2026-12-07", "paths": ["infra"],
                        "repository": {"name": "infra", "url": url, "branch": "feature/x",
                                       "commit": "0123456789abcdef0123456789abcdef01234567"}}
    return document


def test_version_control_provenance_names_the_commit(multitool, in_repo, tmp_path):
    log = sarif_report.to_sarif(_with_repository("https://example.com/org/infra.git"))
    assert log["runs"][0]["versionControlProvenance"] == [{
        "repositoryUri": "https://example.com/org/infra.git",
        "mappedTo": {"uriBaseId": "%SRCROOT%"},
        "revisionId": "0123456789abcdef0123456789abcdef01234567",
        "branch": "feature/x"}]
    assert validate(multitool, log, tmp_path, "provenance") == []


@pytest.mark.parametrize("url", [None, "example.com:org/infra.git", "../infra"])
def test_no_provenance_without_an_absolute_repository_uri(in_repo, url):
    """SARIF requires an absolute repositoryUri: an scp-style remote or a path gives none."""
    log = sarif_report.to_sarif(_with_repository(url))
    assert "versionControlProvenance" not in log["runs"][0]
