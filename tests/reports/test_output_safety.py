"""Hostile names in scanned files cannot inject into any output format (issue 10)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

IACJIT = Path(sys.executable).with_name("iacjit")
HOSTILE = ("\x1b]8;;http://evil\x07click\x1b]8;;\x07|\r\u202egnp.exe|\x00|\ud800|"
           "<script>alert(1)</script>|*[a](http://evil)*`|\n# heading|")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-names")
    rule = {"name": "r" + HOSTILE, "properties": {
        "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
        "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*",
        "destinationPortRange": "22"}}
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                           "deploymentTemplate.json#", "contentVersion": "1.0.0.0",
                "resources": [{"type": "Microsoft.Network/networkSecurityGroups",
                               "apiVersion": "2023-05-01", "name": "nsg" + HOSTILE + "x" * 100_000,
                               "location": "westeurope",
                               "properties": {"securityRules": [rule]}}]}
    (root / "t.json").write_text(json.dumps(template), encoding="utf-8")  # \u escapes
    out = {}
    for fmt in ("text", "json", "sarif", "markdown", "html"):
        child = subprocess.run([str(IACJIT), "scan", ".", "--format", fmt, "--no-config"],
                               cwd=root, capture_output=True, timeout=120)
        assert child.returncode == 1, child.stderr.decode(errors="replace")[-2000:]
        assert b"Traceback" not in child.stderr
        out[fmt] = child.stdout.decode("utf-8")  # strict: valid UTF-8 whatever the input
    return out


def test_text_has_no_control_or_bidi_characters(reports):
    assert "zt_net_001" in reports["text"]
    assert CONTROL.findall(reports["text"].replace("\n", "")) == []


def test_json_stays_valid_and_keeps_the_name_escaped(reports):
    document = json.loads(reports["json"])
    assert document["findings"]
    assert "\\u001b]8;;http://evil" in json.dumps(document)  # kept as data, escaped
    assert "\x1b" not in reports["json"]  # never raw in the output
    assert "\ud800" not in json.dumps(document, ensure_ascii=False)  # scrubbed to U+FFFD


def test_sarif_stays_valid(reports):
    log = json.loads(reports["sarif"])
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert run["results"]
    for result in run["results"]:
        assert result["ruleId"] in rule_ids
        assert isinstance(result["message"]["text"], str) and result["message"]["text"]
        for location in result.get("locations", []):
            region = location["physicalLocation"].get("region", {})
            assert region.get("startLine", 1) >= 1


def test_markdown_escapes_links_html_and_controls(reports):
    text = reports["markdown"]
    assert "<script>" not in text
    assert "[a](http://evil)" not in text
    assert "\x1b" not in text and "\u202e" not in text and "\x00" not in text


def test_html_escapes(reports):
    assert "<script>alert" not in reports["html"]
    assert "\x1b" not in reports["html"]
