"""The report cache (iacjit.cache.report): a warm scan with nothing changed writes the stored
report without scanning, byte for byte what a fresh scan writes, and anything that changes the
report's bytes (docs/performance.md) makes it scan again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import AZURE_SAMPLE, OPEN_NSG, write_tree

# Runs the CLI in-process and reports whether the scan itself (iacjit.scan) was imported.
_PROBE = textwrap.dedent("""
    import atexit, sys
    from iacjit.cli import main
    atexit.register(lambda: print("SCANNED" if "iacjit.scan" in sys.modules else "CACHED",
                                  file=sys.stderr))
    sys.argv = ["iacjit", *sys.argv[1:]]
    main()
""")


def _run(cache_dir: Path | None, *args: str, today: str = "2026-01-01",
         env: dict[str, str] | None = None) -> tuple[bytes, int, str]:
    """(report bytes, exit code, "CACHED" or "SCANNED"); no cache_dir means --no-cache."""
    environment = {**os.environ, "IACJIT_TODAY": today, **(env or {})}
    command = [sys.executable, "-c", _PROBE, "scan", *args, "-o", "out"]
    if cache_dir is None:
        command.append("--no-cache")
    else:
        environment["IACJIT_CACHE_DIR"] = str(cache_dir)
    done = subprocess.run(command, env=environment, capture_output=True, text=True)
    assert done.returncode in (0, 1, 2), done.stderr
    return Path("out").read_bytes(), done.returncode, done.stderr.strip().splitlines()[-1]


def _fresh_then_cached(cache_dir: Path, *args: str, **kw) -> bytes:
    """Scans until served from the cache; every answer equals a --no-cache scan's."""
    fresh = _run(None, *args, **kw)
    first = _run(cache_dir, *args, **kw)
    second = _run(cache_dir, *args, **kw)
    assert first[:2] == second[:2] == fresh[:2]
    assert second[2] == "CACHED"
    return fresh[0]


@pytest.mark.parametrize("fmt", ["json", "sarif", "text"])
def test_warm_report_is_byte_identical_and_skips_the_scan(tree, tmp_path, fmt):
    cache_dir = tmp_path / "cache"
    report, code, how = _run(cache_dir, "src", "--format", fmt)
    assert how == "SCANNED" and code == 1 and report
    assert _run(cache_dir, "src", "--format", fmt) == (report, code, "CACHED")
    assert _run(None, "src", "--format", fmt)[:2] == (report, code)


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_reports_with_ci_links_are_rendered_every_time(tree, tmp_path, fmt):
    cache_dir = tmp_path / "cache"
    _run(cache_dir, "src", "--format", fmt)
    assert _run(cache_dir, "src", "--format", fmt)[2] == "SCANNED"


def test_format_and_fail_on_have_their_own_entries(tree, tmp_path):
    cache_dir = tmp_path / "cache"
    as_json = _fresh_then_cached(cache_dir, "src", "--format", "json")
    as_sarif = _fresh_then_cached(cache_dir, "src", "--format", "sarif")
    assert as_json != as_sarif
    _fresh_then_cached(cache_dir, "src", "--format", "json", "--fail-on", "none")
    _, code, how = _run(cache_dir, "src", "--format", "json", "--fail-on", "none")
    assert (code, how) == (0, "CACHED")
    assert _run(cache_dir, "src", "--format", "json")[1:] == (1, "CACHED")


def test_edited_file_is_scanned_again(tree, tmp_path):
    cache_dir = tmp_path / "cache"
    before = _fresh_then_cached(cache_dir, "src", "--format", "json")
    main = tree / "main.tf"
    main.write_text(main.read_text().replace('"22"', '"2222"'))
    assert _run(cache_dir, "src", "--format", "json")[2] == "SCANNED"
    assert _fresh_then_cached(cache_dir, "src", "--format", "json") != before


def test_expiry_date_is_part_of_the_key(tree, tmp_path):
    cache_dir = tmp_path / "cache"
    main = tree / "main.tf"
    main.write_text(main.read_text().replace(
        'resource "azurerm_network_security_group"',
        '# iacjit:ignore zt_net_001 reason="bastion" expires=2026-06-30\n'
        'resource "azurerm_network_security_group"', 1))
    suppressed = json.loads(_fresh_then_cached(cache_dir, "src", "--format", "json"))
    expired = json.loads(_fresh_then_cached(cache_dir, "src", "--format", "json",
                                            today="2026-07-01"))
    assert expired["summary"]["suppressed"] < suppressed["summary"]["suppressed"]


def test_baseline_contents_are_part_of_the_key(tree, tmp_path):
    cache_dir = tmp_path / "cache"
    _run(None, "src", "--create-baseline", "base.json")
    everything = _fresh_then_cached(cache_dir, "src", "--format", "json", "--baseline",
                                    "base.json")
    _run(None, "src", "--rule", "zt_net_001", "--create-baseline", "base.json")
    assert _run(cache_dir, "src", "--format", "json", "--baseline", "base.json")[2] == "SCANNED"
    fewer = _fresh_then_cached(cache_dir, "src", "--format", "json", "--baseline", "base.json")
    assert json.loads(fewer)["summary"]["findings"] > json.loads(everything)["summary"][
        "findings"]


def test_create_baseline_always_scans(tree, tmp_path):
    cache_dir = tmp_path / "cache"
    _fresh_then_cached(cache_dir, "src", "--format", "json")
    Path("base.json").unlink(missing_ok=True)
    assert _run(cache_dir, "src", "--format", "json", "--create-baseline",
                "base.json")[2] == "SCANNED"
    assert Path("base.json").is_file()


def test_repository_root_is_part_of_the_key(tmp_path, monkeypatch):
    """SARIF paths and fingerprints are relative to the repository root."""
    work = tmp_path / "checkout/work"
    shutil.copytree(AZURE_SAMPLE, work / "src")
    monkeypatch.chdir(work)
    cache_dir = tmp_path / "cache"
    no_repository = _fresh_then_cached(cache_dir, "src", "--format", "sarif")
    (tmp_path / "checkout/.git").mkdir()
    assert _run(cache_dir, "src", "--format", "sarif")[2] == "SCANNED"
    in_repository = _fresh_then_cached(cache_dir, "src", "--format", "sarif")
    assert b'"work/src/main.tf"' in in_repository and b'"work/src/' not in no_repository
    workspace = {"GITHUB_WORKSPACE": str(work)}
    assert _run(cache_dir, "src", "--format", "sarif", env=workspace)[2] == "SCANNED"
    assert _fresh_then_cached(cache_dir, "src", "--format", "sarif", env=workspace) == \
        no_repository


def test_module_outside_the_scanned_path_invalidates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_tree(tmp_path, {"root/main.tf": 'module "net" {\n  source = "../modules/nsg"\n}\n',
                          "modules/nsg/main.tf": OPEN_NSG,
                          ".git/HEAD": ""})  # one repository: ../modules is inside it
    module = tmp_path / "modules/nsg/main.tf"
    cache_dir = tmp_path / "cache"
    open_port = json.loads(_fresh_then_cached(cache_dir, "root", "--format", "json"))
    assert [f for f in open_port["findings"] if f["rule_id"] == "zt_net_001"]
    module.write_text(module.read_text().replace('"22"', '"8443"'))
    assert _run(cache_dir, "root", "--format", "json")[2] == "SCANNED"
    closed = json.loads(_fresh_then_cached(cache_dir, "root", "--format", "json"))
    assert not [f for f in closed["findings"] if f["rule_id"] == "zt_net_001"]
