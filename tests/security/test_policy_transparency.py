"""A configuration cannot silence the scan without a trace (issue 16, policy transparency).

A pull request may commit ``.iacjit.yaml``; every report format must then show what it changed
from the defaults and the file and line that say so.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import OPEN_NSG, write_tree

from iacjit.config_lines import key_lines

IACJIT = str(Path(sys.executable).with_name("iacjit"))

# (configuration text, kind, subject, line, detail fragment)
CASES = [
    ("exclude: ['*']\n", "exclusion", "*", 1, "1 file(s) skipped"),
    ("format: text\nexclude:\n  - infra\n", "exclusion", "infra", 3, "1 file(s) skipped"),
    ("disable: [zt_net_001]\n", "rule_not_run", "zt_net_001", 1, "disabled"),
    ("enable:\n  - zt_vis_008\n", "rule_not_run", "zt_net_001", 1, "not enabled"),
    ("severity:\n  zt_net_001: info\n", "severity", "zt_net_001", 2, "info"),
    ("management_ports: [9]\n", "management_ports", "9", 1, "instead of 22, 3389"),
    ("suppressions:\n  - id: zt_net_001\n", "suppression", "zt_net_001", 2, "no reason"),
    ("suppressions:\n  - id: zt_net_001\n    reason: reviewed in SEC-1\n", "suppression",
     "zt_net_001", 2, "reason: reviewed in SEC-1"),
    ("external_controls: [zt_vis_008]\n", "external_control", "zt_vis_008", 1, "outside"),
    ("trusted_sources: [198.51.100.0/24]\n", "trusted_source", "198.51.100.0/24", 1,
     "trusted"),
    ("fail_on: none\n", "fail_on", "none", 1, "fails on none"),
    ("shared_accounts:\n  - [platform, envs/prod]\n", "shared_accounts", "platform, envs/prod",
     2, "one subscription/account"),
]


def _scan(iacjit_bin: str, root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([iacjit_bin, "scan", ".", "--no-cache", *args], cwd=root,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("config, kind, subject, line, detail", CASES,
                         ids=[c[1] + "-" + str(i) for i, c in enumerate(CASES)])
def test_json_policy_names_each_deviation_and_its_line(iacjit_bin, tmp_path, config, kind,
                                                       subject, line, detail):
    write_tree(tmp_path, {"infra/main.tf": OPEN_NSG, ".iacjit.yaml": config})
    document = json.loads(_scan(iacjit_bin, tmp_path, "--format", "json").stdout)
    policy = document["policy"]
    assert policy["configuration"] == ".iacjit.yaml"
    matching = [d for d in policy["deviations"] if d["kind"] == kind and d["subject"] == subject]
    assert len(matching) == 1, policy
    (deviation,) = matching
    assert (deviation["file"], deviation["line"], deviation["source"]) == \
        (".iacjit.yaml", line, "configuration")
    assert detail in deviation["detail"]


def test_no_configuration_no_deviation(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": OPEN_NSG})
    document = json.loads(_scan(iacjit_bin, tmp_path, "--format", "json").stdout)
    assert document["policy"] == {"configuration": None, "deviations": []}


def test_command_line_deviations_say_so(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": OPEN_NSG, "legacy/old.tf": OPEN_NSG})
    document = json.loads(_scan(iacjit_bin, tmp_path, "--format", "json", "--skip-rule",
                                "zt_vis_010", "--exclude", "legacy",
                                "--external-control", "zt_vis_008").stdout)
    found = {(d["kind"], d["subject"]): d for d in document["policy"]["deviations"]}
    assert found[("exclusion", "legacy")]["files_skipped"] == 1
    assert {d["source"] for d in found.values()} == {"command line"}
    assert ("rule_not_run", "zt_vis_010") in found and ("external_control", "zt_vis_008") in found


@pytest.fixture(scope="module")
def silenced(tmp_path_factory):
    """The attack of the issue: a configuration that turns an open SSH port into "no findings"."""
    root = tmp_path_factory.mktemp("silenced")
    write_tree(root, {"main.tf": OPEN_NSG, ".iacjit.yaml": (
        "disable: [zt_vis_010]\n"
        "severity:\n  zt_net_001: info\n"
        "management_ports: [9]\n"
        "suppressions:\n  - id: zt_vis_008\n")})
    return {fmt: _scan(IACJIT, root, "--format", fmt).stdout
            for fmt in ("text", "sarif", "markdown", "html")}


def test_text_summary_lists_the_deviations(silenced):
    text = silenced["text"]
    assert "Policy: 4 deviation(s) from the defaults" in text
    for fragment in (".iacjit.yaml:1  rule_not_run zt_vis_010",
                     ".iacjit.yaml:3  severity zt_net_001", ".iacjit.yaml:4  management_ports 9",
                     ".iacjit.yaml:6  suppression zt_vis_008"):
        assert fragment in text
    assert "no reason" in text
    assert "; 4 policy deviation(s), " in text.strip().splitlines()[-1]


def test_sarif_carries_them_as_run_properties_and_notifications(silenced):
    (run,) = json.loads(silenced["sarif"])["runs"]
    assert len(run["properties"]["policy"]["deviations"]) == 4
    notes = run["invocations"][0]["toolConfigurationNotifications"]
    located = {(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                n["locations"][0]["physicalLocation"]["region"]["startLine"]) for n in notes}
    assert located == {(".iacjit.yaml", 1), (".iacjit.yaml", 3), (".iacjit.yaml", 4),
                       (".iacjit.yaml", 6)}
    assert all(n["level"] == "warning" for n in notes)


def test_pr_comment_header_shows_them(silenced):
    markdown = silenced["markdown"]
    header = markdown.split("####", 1)[0]
    assert "4 deviations from the default policy" in header
    assert "zt\\_net\\_001" in header and "no reason" in header


def test_html_shows_them(silenced):
    assert "4 deviation(s) from the defaults" in silenced["html"]
    assert "management_ports" in silenced["html"]


@pytest.mark.parametrize("text, pyproject, expected", [
    ("disable:\n  - zt_net_001\nseverity:\n  ZT_VIS_008: low\n", False,
     {"disable": 1, "disable[0]": 2, "severity": 3, "severity.zt_vis_008": 4}),
    ('[project]\nname = "x"\n[tool.iacjit]\ndisable = ["zt_net_001"]\n'
     '[tool.iacjit.severity]\nZT_NET_001 = "info"\n[[tool.iacjit.suppressions]]\n'
     'id = "zt_vis_008"\n[tool.other]\ndisable = 1\n', True,
     {"disable": 4, "severity": 5, "severity.zt_net_001": 6, "suppressions": 7,
      "suppressions[0]": 7, "suppressions[0].id": 8}),
    ("- not a mapping\n", False, {}),
])
def test_key_lines(text, pyproject, expected):
    assert key_lines(text, pyproject) == expected
