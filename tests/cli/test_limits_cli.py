"""The limit flags of ``iacjit scan`` (docs/limits.md), through the installed command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

IACJIT = Path(sys.executable).with_name("iacjit")

LOOP = """\
locals {
  a = [for i in range(50) : i]
}
resource "azurerm_network_security_group" "x" {
  name = "n${length(local.a)}"
}
"""


def scan(directory: Path, *flags: str) -> tuple[int, dict]:
    child = subprocess.run([str(IACJIT), "scan", str(directory), "--format", "json",
                            "--no-config", "--fail-on", "none", *flags],
                           capture_output=True, text=True, timeout=120, cwd=directory)
    return child.returncode, json.loads(child.stdout)


@pytest.fixture
def loop_tree(tmp_path):
    (tmp_path / "main.tf").write_text(LOOP, encoding="utf-8")
    return tmp_path


def messages(document: dict) -> list[str]:
    return [e["message"] for e in document["errors"]]


def test_defaults_scan_cleanly(loop_tree):
    code, document = scan(loop_tree)
    assert code == 0 and messages(document) == []


def test_max_loop_items_lowered_reports_the_loop_and_the_flag(loop_tree):
    code, document = scan(loop_tree, "--max-loop-items", "10")
    assert code == 2
    assert messages(document) == [
        "azurerm_network_security_group.x: for expression over 50 items exceeds the limit of 10 "
        "(raise it with --max-loop-items); evaluated as unknown"]


def test_max_file_bytes(loop_tree):
    code, document = scan(loop_tree, "--max-file-bytes", "20")
    assert code == 2
    assert messages(document) == [f"file is {len(LOOP)} bytes, over the 20-byte limit "
                                  "(raise it with --max-file-bytes)"]


def test_max_string_chars(loop_tree):
    code, document = scan(loop_tree, "--max-string-chars", "2")
    assert code == 2 and "--max-string-chars" in messages(document)[0]


def test_max_depth_governs_json_nesting(tmp_path):
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                           "deploymentTemplate.json#", "contentVersion": "1.0.0.0",
                "resources": [{"type": "Microsoft.Network/networkSecurityGroups",
                               "apiVersion": "2023-05-01", "name": "n", "location": "x",
                               "properties": {"v": [[[[[[1]]]]]]}}]}
    (tmp_path / "t.json").write_text(json.dumps(template), encoding="utf-8")
    assert scan(tmp_path)[0] == 0
    code, document = scan(tmp_path, "--max-depth", "3")
    assert code == 2 and messages(document)


def test_limits_must_be_positive(loop_tree):
    child = subprocess.run([str(IACJIT), "scan", str(loop_tree), "--max-depth", "0"],
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == 2 and "--max-depth" in child.stderr


def test_help_lists_the_flags():
    text = subprocess.run([str(IACJIT), "scan", "--help"], capture_output=True, text=True,
                          timeout=60).stdout
    positions = [text.index(flag) for flag in ("--max-file-bytes", "--max-depth",
                                               "--max-loop-items", "--max-string-chars")]
    assert positions == sorted(positions)
