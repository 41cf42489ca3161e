"""File names and scanned values cannot forge report lines, CI workflow commands or links
(issue 16): one escaping rule for text and SARIF, finding messages included."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import OPEN_NSG, write_tree

FORGED_FILE = "x\n::error file=main.tf::all clear\n##vso[task.complete result=Succeeded]\r.tf"
LINK_NAME = "nsg](https://evil.example/phish) [click"

IACJIT = str(Path(sys.executable).with_name("iacjit"))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("forged")
    write_tree(root, {FORGED_FILE: OPEN_NSG,
                      "names.tf": OPEN_NSG.replace('"nsg"', json.dumps(LINK_NAME))
                      .replace('"azurerm_network_security_group" "nsg"',
                               '"azurerm_network_security_group" "other"')})
    return {fmt: subprocess.run([IACJIT, "scan", ".", "--format", fmt, "--no-config",
                                 "--no-cache", "--rule", "zt_net_001"], cwd=root,
                                capture_output=True, text=True, timeout=120).stdout
            for fmt in ("text", "sarif")}


def test_text_has_no_forged_line_or_workflow_command(reports):
    text = reports["text"]
    assert "zt_net_001" in text
    for line in text.splitlines():
        assert not line.lstrip().startswith("::"), line
    assert "##vso[" not in text  # Azure Pipelines runs it wherever it is in a line
    assert "\r" not in text
    assert "x\\n" in text  # the break is shown, escaped


def test_sarif_messages_escape_link_syntax_and_breaks(reports):
    (run,) = json.loads(reports["sarif"])["runs"]
    messages = [r["message"]["text"] for r in run["results"]]
    messages += [n["message"]["text"] for n in run["invocations"][0].get(
        "toolExecutionNotifications", [])]
    assert any("evil.example" in m for m in messages)
    for message in messages:
        assert not re.search(r"(?<!\\)\]\(https?:", message), message
        assert "\n" not in message and "\r" not in message
