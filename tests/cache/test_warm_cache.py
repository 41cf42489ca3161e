"""The stat shortcut and the analysis cache: a warm scan reports exactly what a cold one does,
and every input that can change the report invalidates it (docs/performance.md)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from iacjit.cache import plan as plan_cache
from iacjit.cache.store import FORMAT, Cache
from iacjit.parsers.common.options import ParseOptions


def _age(path: Path, seconds: float = 10) -> None:
    """Make *path* look written long ago (only mtime can be set; ctime stays recent)."""
    past = os.stat(path).st_mtime - seconds
    os.utime(path, (past, past))


def _key(cache: Cache, tree: Path) -> plan_cache.PlanKey:
    return plan_cache.plan_key(cache, [tree], ParseOptions(), ())


def test_stat_index_reuses_digests_of_old_files(tree, tmp_path, monkeypatch):
    monkeypatch.setattr(plan_cache, "RACY_FINE_NS", -10**18)  # every file counts as old
    monkeypatch.setattr(plan_cache, "RACY_COARSE_NS", -10**18)
    cache = Cache(tmp_path / "cache")
    first = _key(cache, tree)
    assert first.index.reads > 0
    second = _key(Cache(tmp_path / "cache"), tree)
    assert second.key == first.key and second.index.reads == 0
    target = next(tree.glob("*.tf"))
    target.write_text(target.read_text() + "\n# changed\n")
    third = _key(Cache(tmp_path / "cache"), tree)
    assert third.key != first.key and third.index.reads == 1


def test_recent_files_are_always_hashed_again(tree, tmp_path):
    cache = Cache(tmp_path / "cache")
    first = _key(cache, tree)  # the files were just copied: their ctime is recent
    second = _key(Cache(tmp_path / "cache"), tree)
    assert second.key == first.key and second.index.reads == first.index.reads > 0


def test_same_size_rewrite_with_the_old_mtime_is_seen(tree, tmp_path, monkeypatch):
    monkeypatch.setattr(plan_cache, "RACY_FINE_NS", -10**18)
    monkeypatch.setattr(plan_cache, "RACY_COARSE_NS", -10**18)
    target = next(tree.glob("*.tf"))
    _age(target)
    first = _key(Cache(tmp_path / "cache"), tree)
    before = os.stat(target)
    time.sleep(0.05)  # past the kernel clock's tick, so the rewrite gets a new ctime
    text = target.read_text()
    target.write_text(text.replace("22", "23", 1) if "22" in text else text[:-1] + "#")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime forged back
    assert os.stat(target).st_size == before.st_size
    assert _key(Cache(tmp_path / "cache"), tree).key != first.key  # ctime still differs


def test_warm_scan_is_one_analysis_read(tree, tmp_path, monkeypatch):
    from iacjit.reports.serialize import to_document
    from iacjit.scan import run_scan

    cold = to_document(run_scan([tree], cache=Cache(tmp_path / "cache")), 0)
    fresh = to_document(run_scan([tree]), 0)

    def no_model(resources):
        raise AssertionError("a warm scan must not build the model again")

    monkeypatch.setattr("iacjit.scan.build_model", no_model)
    warm = to_document(run_scan([tree], cache=Cache(tmp_path / "cache")), 0)
    assert warm == cold == fresh


# --- the analysis cache through the command line --------------------------------------------

def _scan(iacjit_bin: str, cache_dir: Path, *args: str, today: str = "2026-01-01",
          cache: bool = True) -> dict:
    import json
    import subprocess

    env = {**os.environ, "IACJIT_CACHE_DIR": str(cache_dir), "IACJIT_TODAY": today}
    command = [iacjit_bin, "scan", "src", "--format", "json", "-o", "out.json", *args]
    if not cache:
        command.append("--no-cache")
    subprocess.run(command, env=env, check=False, capture_output=True)
    return json.loads(Path("out.json").read_text(encoding="utf-8"))


def _same_as_fresh(iacjit_bin: str, cache_dir: Path, *args: str, **kw) -> dict:
    """A cached scan (run twice) reports exactly what an uncached one does."""
    fresh = _scan(iacjit_bin, cache_dir, *args, cache=False, **kw)
    assert _scan(iacjit_bin, cache_dir, *args, **kw) == fresh
    assert _scan(iacjit_bin, cache_dir, *args, **kw) == fresh
    return fresh


def _first_tf(tree: Path) -> Path:
    return tree / "main.tf"


def test_warm_equals_cold_and_misses_nothing(tree, tmp_path, iacjit_bin):
    cache_dir = tmp_path / "cache"
    cold = _scan(iacjit_bin, cache_dir)
    assert cold["findings"] and cold["chains"]
    index = plan_cache.StatIndex(Cache(cache_dir)).key  # bookkeeping: saved once files age

    def entries() -> list[Path]:
        return sorted(p for p in (cache_dir / f"v{FORMAT}").rglob("*")
                      if p.is_file() and p.name != index)

    before = entries()
    warm = _scan(iacjit_bin, cache_dir)
    assert warm == cold == _scan(iacjit_bin, cache_dir, cache=False)
    assert entries() == before


def test_no_cache_reads_and_writes_nothing(tree, tmp_path, iacjit_bin):
    cache_dir = tmp_path / "cache"
    _scan(iacjit_bin, cache_dir, cache=False)
    assert not cache_dir.exists() or not any(p.is_file() for p in cache_dir.rglob("*"))


def test_content_change_invalidates(tree, tmp_path, iacjit_bin):
    cache_dir = tmp_path / "cache"
    before = _same_as_fresh(iacjit_bin, cache_dir)
    main = _first_tf(tree)
    main.write_text(main.read_text().replace('"22"', '"2222"'))
    after = _same_as_fresh(iacjit_bin, cache_dir)
    assert after != before


def test_touched_file_with_the_same_content(tree, tmp_path, iacjit_bin):
    cache_dir = tmp_path / "cache"
    before = _same_as_fresh(iacjit_bin, cache_dir)
    main = _first_tf(tree)
    main.write_text(main.read_text())
    os.utime(main)
    assert _scan(iacjit_bin, cache_dir) == before


def test_configuration_change_invalidates(tree, tmp_path, iacjit_bin):
    cache_dir = tmp_path / "cache"
    before = _same_as_fresh(iacjit_bin, cache_dir)
    (tmp_path / ".iacjit.yaml").write_text("management_ports: [22]\n")
    ssh_only = _same_as_fresh(iacjit_bin, cache_dir)
    (tmp_path / ".iacjit.yaml").write_text("management_ports: [22]\nexternal_controls: "
                                           "[zt_vis_008]\n")
    external = _same_as_fresh(iacjit_bin, cache_dir)
    assert len({repr(before), repr(ssh_only), repr(external)}) == 3


@pytest.mark.parametrize("args", [("--rule", "zt_net_001"), ("--skip-rule", "zt_vis_008"),
                                  ("--external-control", "zt_vis_008")])
def test_rule_selection_and_external_controls_invalidate(tree, tmp_path, iacjit_bin, args):
    cache_dir = tmp_path / "cache"
    before = _same_as_fresh(iacjit_bin, cache_dir)
    assert _same_as_fresh(iacjit_bin, cache_dir, *args) != before
    assert _scan(iacjit_bin, cache_dir) == before


def _suppress_first_group(tree: Path, comment: str) -> None:
    main = _first_tf(tree)
    lines = main.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines)
              if line.startswith('resource "azurerm_network_security_group"'))
    lines.insert(at, comment + "\n")
    main.write_text("".join(lines))


def test_suppression_comment_and_its_expiry(tree, tmp_path, iacjit_bin):
    cache_dir = tmp_path / "cache"
    before = _same_as_fresh(iacjit_bin, cache_dir)
    _suppress_first_group(tree, '# iacjit:ignore zt_net_001 reason="bastion" '
                                'expires=2026-06-30')
    suppressed = _same_as_fresh(iacjit_bin, cache_dir)
    assert suppressed["summary"]["suppressed"] > before["summary"]["suppressed"]
    expired = _same_as_fresh(iacjit_bin, cache_dir, today="2026-07-01")
    assert expired["summary"]["suppressed"] < suppressed["summary"]["suppressed"]
    assert any(w["kind"] == "expired" for w in expired["warnings"])
    assert _scan(iacjit_bin, cache_dir) == suppressed  # back before the date: from the cache


def test_baseline_change(tree, tmp_path, iacjit_bin):
    cache_dir = tmp_path / "cache"
    before = _same_as_fresh(iacjit_bin, cache_dir)
    _scan(iacjit_bin, cache_dir, "--create-baseline", "base.json")
    baselined = _same_as_fresh(iacjit_bin, cache_dir, "--baseline", "base.json")
    assert baselined["summary"]["findings"] == 0 and baselined["chains"]
    assert all(c["suppressed"] for c in baselined["chains"])
    _scan(iacjit_bin, cache_dir, "--rule", "zt_net_001", "--create-baseline", "base.json")
    assert _same_as_fresh(iacjit_bin, cache_dir, "--baseline", "base.json") != baselined
    assert _scan(iacjit_bin, cache_dir) == before
