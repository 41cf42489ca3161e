"""The JSON output is a versioned contract (docs/json-format.md): its shape is asserted here."""

from __future__ import annotations

import json
import os
import subprocess

from helpers import OPEN_NSG, write_tree

TOP_LEVEL = {"version", "tool", "scan", "findings", "chains", "unresolved", "errors", "not_scanned",
             "jit_status", "summary", "warnings", "policy", "units"}
DEVIATION = {"kind", "subject", "detail", "source", "file", "line"}
FINDING = {"rule_id", "severity", "title", "message", "resource", "resource_type", "file", "line",
           "end_line", "evidence", "via", "unit", "suppressed", "suppression", "fingerprint"}
UNRESOLVED = {"rule_id", "resource", "resource_type", "file", "line", "end_line", "reason",
              "via", "unit", "severity", "failing"}
UNIT = {"unit", "formats", "resources", "accounts", "shared_with"}
ERROR = {"file", "line", "column", "message"}
SUMMARY = {"files_scanned", "resources", "findings", "chains", "by_severity", "suppressed",
           "unresolved",
           "errors", "not_scanned", "warnings", "exit_code"}


def test_contract(iacjit_bin, tmp_path):
    write_tree(tmp_path, {
        "main.tf": OPEN_NSG + 'variable "v" {}\nresource "aws_security_group" "u" {\n'
                              '  ingress {\n    from_port = 22\n    to_port = 22\n'
                              '    protocol = "tcp"\n    cidr_blocks = [var.v]\n  }\n}\n',
        "bad.tf": "resource {",
    })
    proc = subprocess.run([iacjit_bin, "scan", "--format", "json", "--rule", "zt_net_001"],
                          cwd=tmp_path, env={**os.environ, "IACJIT_TODAY": "2026-02-03"},
                          capture_output=True, text=True, timeout=120)
    document = json.loads(proc.stdout)
    assert set(document) == TOP_LEVEL
    assert document["version"] == 1
    assert document["tool"]["name"] == "iacjit" and document["tool"]["version"]
    assert document["scan"] == {"date": "2026-02-03", "paths": ["."], "repository": None}
    (finding,) = document["findings"]
    assert set(finding) == FINDING
    assert finding["resource"] == "azurerm_network_security_group.nsg"
    assert finding["resource_type"] == "azurerm_network_security_group"
    assert (finding["file"], finding["line"], finding["end_line"]) == ("main.tf", 4, 12)
    assert finding["evidence"]["ports"] == [22] and finding["evidence"]["rule"] == "ssh"
    assert finding["suppressed"] is False
    assert finding["unit"] == "."  # the Terraform root the scan started in
    (unit,) = document["units"]
    assert set(unit) == UNIT
    assert unit == {"unit": ".", "formats": ["terraform"], "resources": 2,
                    "accounts": ["the current account of deployment unit ."], "shared_with": []}
    (unresolved,) = document["unresolved"]
    assert set(unresolved) == UNRESOLVED and "v" in unresolved["reason"]
    assert (unresolved["severity"], unresolved["failing"]) == ("high", False)
    (error,) = document["errors"]
    assert set(error) == ERROR and error["file"] == "bad.tf" and error["line"] in (1, 2)
    assert set(document["summary"]) == SUMMARY
    assert document["summary"]["exit_code"] == proc.returncode == 2
    assert document["summary"]["by_severity"]["high"] == 1
    policy = document["policy"]
    assert policy["configuration"] is None
    assert {(d["kind"], d["subject"]) for d in policy["deviations"]} == {
        ("rule_not_run", "zt_vis_010"), ("rule_not_run", "zt_vis_008")}  # --rule zt_net_001
    assert all(set(d) == DEVIATION and d["source"] == "command line"
               for d in policy["deviations"])


def test_scan_names_the_repository_and_commit(iacjit_bin, tmp_path):
    """In a git checkout: the remote without credentials, the commit and the branch."""
    repo = tmp_path / "infra-repo"
    write_tree(repo, {"envs/prod/main.tf": OPEN_NSG})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C", str(repo)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "remote", "add", "origin",
                    "https://ci-bot:s3cret-token@git.example.com/team/infra.git"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True,
                            text=True).stdout.strip()
    proc = subprocess.run([iacjit_bin, "scan", "envs/prod", "-f", "json", "--no-cache"],
                          cwd=repo, capture_output=True, text=True, timeout=120)
    scan = json.loads(proc.stdout)["scan"]
    assert scan["paths"] == ["envs/prod"]
    assert scan["repository"] == {"name": "infra-repo",
                                  "url": "https://git.example.com/team/infra.git",
                                  "commit": commit, "branch": "main"}
    assert "s3cret" not in proc.stdout and "ci-bot" not in proc.stdout
