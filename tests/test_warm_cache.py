"""The stat shortcut and the analysis cache: a warm scan reports exactly what a cold one does,
and every input that can change the report invalidates it (docs/performance.md)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from iacjit import plan_cache
from iacjit.cache import Cache
from iacjit.parsers.options import ParseOptions

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples/terraform/azure/vulnerable"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    shutil.copytree(SAMPLE, tmp_path / "src")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "src"


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
