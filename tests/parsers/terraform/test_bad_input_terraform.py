"""Bad Terraform input: an errors[] entry a person understands, the other files still scanned."""

from __future__ import annotations

import pytest
from helpers import OPEN_NSG


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        ('resource "x" "y" {\n  a = "unterminated\n}\n', "invalid HCL", 2),
        ('resource "x" "y" {\n  a = 1\n', "unexpected end of file", None),
        ("resource \"x\" \"y\" {\n  a = [1, 2\n}\n", "invalid HCL", 3),
        (b"\xef\xbb\xbf" + OPEN_NSG.encode(), "byte-order mark", 1),
        (b'resource "x" "y" {\n  a = "caf\xe9"\n}\n', "not valid UTF-8", 2),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00binary", "binary file", 1),
    ],
    ids=["unterminated-string", "truncated", "unclosed-list", "bom", "latin1", "binary"],
)
def test_bad_file(scan_net, content, message, line):
    result = scan_net({"bad/main.tf": content, "good/main.tf": OPEN_NSG})
    assert any(message in e.message for e in result.errors), result.errors
    error = next(e for e in result.errors if message in e.message)
    assert error.file == "bad/main.tf"
    if line is not None:
        assert error.line == line
    good = [f for f in result.findings if f.resource.file == "good/main.tf"]
    assert len(good) == 1


def test_bom_file_is_still_scanned(scan_net):
    result = scan_net({"main.tf": b"\xef\xbb\xbf" + OPEN_NSG.encode()})
    assert len(result.findings) == 1


def test_deep_nesting_is_an_error_not_a_crash(scan_net):
    deep = "a = " + "[" * 5000 + "]" * 5000 + "\n"
    result = scan_net({"main.tf": deep, "ok/main.tf": OPEN_NSG})
    assert result.errors and len(result.findings) == 1


def test_wrong_hcl2_module_is_one_clear_sentence(iacjit_bin, tmp_path):
    """checkov's bc-python-hcl2 installs a module named hcl2 too: say so, do not crash."""
    import os
    import subprocess

    fake = tmp_path / "fake" / "hcl2"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("__version__ = '0.4.3'\n")
    (tmp_path / "main.tf").write_text(OPEN_NSG)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "fake")}
    proc = subprocess.run([iacjit_bin, "scan", "--format", "json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    import json

    (error,) = json.loads(proc.stdout)["errors"]
    assert "not python-hcl2 8.x" in error["message"] and "own environment" in error["message"]
