"""Shared fixtures: scan a small tree of input files the way the CLI does, copy a sample.

Shared constants and functions live in tests/helpers/ (``from helpers import OPEN_NSG``).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
from helpers import AZURE_SAMPLE, OPEN_NSG, REPO, copy_samples, write_tree

from iacjit.parsers.common.options import ParseOptions
from iacjit.rules import ALL_RULES, ZT_NET_001
from iacjit.scan import ScanResult, run_scan

# Tests written before tests/helpers/ existed import these from here.
__all__ = ["OPEN_NSG", "REPO", "write_tree"]


@pytest.fixture
def scan_files(tmp_path, monkeypatch):
    """scan_files({"main.tf": "..."}, options) -> ScanResult, run from inside tmp_path (with
    a suppression *policy* when given)."""
    monkeypatch.chdir(tmp_path)

    def run(files: dict[str, str | bytes], options: ParseOptions | None = None,
            paths: list[str] | None = None, rules=ALL_RULES, settings=None,
            policy=None) -> ScanResult:
        write_tree(tmp_path, files)
        return run_scan([Path(p) for p in (paths or ["."])], options, settings, rules=rules,
                        policy=policy)

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


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A copy of the vulnerable Azure Terraform sample in tmp_path/src, scanned from tmp_path."""
    monkeypatch.chdir(tmp_path)
    return copy_samples(tmp_path, AZURE_SAMPLE)
