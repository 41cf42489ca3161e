"""The smaller points of issue 16: far-future expiry, warnings in the PR comment, ARM duplicate
property names, and ``comment --report`` with an incomplete report."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import OPEN_NSG, write_tree

SUPPRESSED = "# iacjit:ignore zt_net_001 reason=\"bastion\" expires=DATE\n" + OPEN_NSG.lstrip()


def _scan(iacjit_bin: str, root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([iacjit_bin, "scan", ".", "--no-cache", "--no-config",
                           "--rule", "zt_net_001", *args], cwd=root, capture_output=True,
                          text=True, timeout=120, env={"IACJIT_TODAY": "2026-12-07",
                                                       "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("date, warned", [
    ("9999-12-31", True), ("2030-01-01", True), ("2027-12-09", True),
    ("2027-12-08", False), ("2027-03-31", False),
])
def test_a_far_future_expiry_is_warned(iacjit_bin, tmp_path, date, warned):
    write_tree(tmp_path, {"main.tf": SUPPRESSED.replace("DATE", date)})
    document = json.loads(_scan(iacjit_bin, tmp_path, "--format", "json").stdout)
    assert document["findings"][0]["suppressed"] is True  # still applies
    kinds = [w["kind"] for w in document["warnings"]]
    assert ("far-expiry" in kinds) is warned
    if warned:
        (warning,) = [w for w in document["warnings"] if w["kind"] == "far-expiry"]
        assert (warning["file"], warning["line"]) == ("main.tf", 1) and date in warning["message"]


def test_the_pr_comment_shows_suppression_warnings(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": SUPPRESSED.replace("DATE", "9999-12-31").replace(
        ' reason="bastion"', "")})
    markdown = _scan(iacjit_bin, tmp_path, "--format", "markdown").stdout
    assert "Warnings (suppressions and baseline)" in markdown
    assert "far\\-expiry" in markdown and "missing\\-reason" in markdown  # Markdown-escaped


ARM_HEAD = ('{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/'
            'deploymentTemplate.json#",\n  "contentVersion": "1.0.0.0",\n')


@pytest.mark.parametrize("body, line, column, key", [
    ('  "resources": [],\n  "resources": [{"type": "Microsoft.Network/networkSecurityGroups",'
     ' "name": "n", "apiVersion": "2023-05-01"}]\n}\n', 5, 3, "resources"),
    ('  "resources": [{\n    "type": "Microsoft.Network/networkSecurityGroups",\n'
     '    "name": "a",\n    "name": "b",\n    "apiVersion": "2023-05-01"}]\n}\n', 7, 5, "name"),
])
def test_arm_duplicate_property_names_are_a_located_error(iacjit_bin, tmp_path, body, line,
                                                          column, key):
    write_tree(tmp_path, {"t.json": ARM_HEAD + body, "ok/main.tf": OPEN_NSG})
    proc = _scan(iacjit_bin, tmp_path, "--format", "json")
    document = json.loads(proc.stdout)
    assert proc.returncode == 2
    (error,) = document["errors"]
    assert (error["file"], error["line"], error["column"]) == ("t.json", line, column)
    assert f"duplicate property name {key!r}" in error["message"]
    assert document["findings"]  # the other files were still scanned


def test_equal_names_in_different_objects_are_fine(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"t.json": ARM_HEAD + '  "parameters": {"a": {"type": "string"}},\n'
                                   '  "variables": {"a": 1},\n  "resources": []\n}\n'})
    assert json.loads(_scan(iacjit_bin, tmp_path, "--format", "json").stdout)["errors"] == []


def _full_report(iacjit_bin: str, tmp_path: Path) -> dict:
    write_tree(tmp_path, {"main.tf": OPEN_NSG})
    return json.loads(_scan(iacjit_bin, tmp_path, "--format", "json").stdout)


@pytest.mark.parametrize("damage", [
    lambda d: d["summary"].clear(),
    lambda d: d["summary"].pop("errors"),
    lambda d: d["summary"].update(findings="many"),
    lambda d: d["summary"].update(by_severity=3),
    lambda d: d.update(chains={"a": 1}),
    lambda d: d["findings"].append({"x": 1}),
    lambda d: d["findings"][0].pop("rule_id"),
    lambda d: d.update(errors=["not an object"]),
], ids=["empty-summary", "no-errors-count", "string-count", "by-severity", "chains-object",
        "finding-without-fields", "finding-without-rule", "error-string"])
def test_comment_with_an_incomplete_report_is_one_sentence(iacjit_bin, tmp_path, damage):
    document = _full_report(iacjit_bin, tmp_path)
    damage(document)
    report = tmp_path / "report.json"
    report.write_text(json.dumps(document))
    proc = subprocess.run([iacjit_bin, "comment", "--report", str(report), "--dry-run"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "not a complete iacjit JSON report" in proc.stderr
