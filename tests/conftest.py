"""Shared helpers: write a small tree of input files and scan it the way the CLI does."""

from __future__ import annotations

import functools
import os
import textwrap
from pathlib import Path

import pytest

from iacjit.parsers.common.options import ParseOptions
from iacjit.rules import ALL_RULES, ZT_NET_001
from iacjit.scan import ScanResult, run_scan

REPO = Path(__file__).resolve().parent.parent

# The smallest plan with a zt_net_001 finding: SSH open to "*" on line 4 (inline rule 4-12).
OPEN_NSG = '''
resource "azurerm_network_security_group" "nsg" {
  name = "nsg"
  security_rule {
    name = "ssh"
    priority = 100
    direction = "Inbound"
    access = "Allow"
    protocol = "Tcp"
    destination_port_range = "22"
    source_address_prefix = "*"
  }
}
'''


def write_tree(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


@pytest.fixture
def scan_files(tmp_path, monkeypatch):
    """scan_files({"main.tf": "..."}, options) -> ScanResult, run from inside tmp_path."""
    monkeypatch.chdir(tmp_path)

    def run(files: dict[str, str | bytes], options: ParseOptions | None = None,
            paths: list[str] | None = None, rules=ALL_RULES, settings=None) -> ScanResult:
        write_tree(tmp_path, files)
        return run_scan([Path(p) for p in (paths or ["."])], options, settings, rules=rules)

    return run


@pytest.fixture
def scan_net(scan_files):
    """scan_files running zt_net_001 only, for tests about that rule's semantics."""
    return functools.partial(scan_files, rules=(ZT_NET_001,))


@pytest.fixture
def iacjit_bin() -> str:
    """The installed console script next to the interpreter running the tests."""
    import sys

    candidate = Path(sys.executable).parent / "iacjit"
    assert candidate.exists(), "install the package first (make test does)"
    return os.fspath(candidate)


@pytest.fixture(autouse=True)
def _no_pull_request_build(monkeypatch):
    """A test run inside a CI pull-request build must not turn on --base-ref by default."""
    from iacjit.base_ref import CI_VARIABLES

    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
