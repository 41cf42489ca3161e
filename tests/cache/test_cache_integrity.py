"""Whoever can write the cache directory can neither run code nor forge a result (issue 16).

The docs used to recommend sharing the cache through a CI cache step; an attacker who can
write such a cache writes entries without knowing the directory's secret.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from helpers import OPEN_NSG, write_tree

from iacjit.cache import store as cache_module
from iacjit.cache.store import Cache

MAGIC = b"IACJITC"


class _RunsCode:
    """A pickle that, when loaded, runs a command (the classic pickle payload)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _forge(entry: Path, payload: bytes) -> None:
    """Rewrite *entry* the way an attacker without the secret can: keep whatever precedes the
    format's magic, put *payload* behind a correct (unkeyed) SHA-256 checksum."""
    data = entry.read_bytes()
    at = data.find(MAGIC)
    magic = data[at:at + len(MAGIC) + 1]
    entry.write_bytes(data[:at] + magic + hashlib.sha256(payload).digest() + payload)


def _scan(iacjit_bin: str, root: Path, cache_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "IACJIT_CACHE_DIR": str(cache_dir)}
    return subprocess.run([iacjit_bin, "scan", ".", "--format", "json", "--no-config", *extra],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


def _entries(cache_dir: Path) -> list[Path]:
    return [p for p in cache_dir.rglob("*") if p.is_file() and p.name != "secret"]


def test_a_planted_pickle_never_runs(iacjit_bin, tmp_path):
    root, cache_dir, marker = tmp_path / "repo", tmp_path / "cache", tmp_path / "pwned"
    write_tree(root, {"main.tf": OPEN_NSG})
    expected = json.loads(_scan(iacjit_bin, root, cache_dir).stdout)
    evil = pickle.dumps(_RunsCode(marker), protocol=pickle.HIGHEST_PROTOCOL)
    for entry in _entries(cache_dir):
        _forge(entry, evil)
    again = _scan(iacjit_bin, root, cache_dir)
    assert not marker.exists()
    assert json.loads(again.stdout)["findings"] == expected["findings"]


def test_a_forged_clean_report_cannot_hide_a_finding(iacjit_bin, tmp_path):
    """The stored report of a vulnerable tree rewritten to say "no findings", exit 0."""
    root, cache_dir = tmp_path / "repo", tmp_path / "cache"
    write_tree(root, {"main.tf": OPEN_NSG})
    cold = _scan(iacjit_bin, root, cache_dir)
    assert cold.returncode == 1
    forged = 0
    for entry in _entries(cache_dir):
        data = entry.read_bytes()
        at = data.find(MAGIC) + len(MAGIC) + 1 + hashlib.sha256().digest_size
        value = pickle.loads(data[at:])  # the test may read what it wrote itself
        if isinstance(value, dict) and isinstance(value.get("text"), bytes):
            value.update(text=b'{"findings": []}', code=0)
            _forge(entry, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            forged += 1
    assert forged == 1
    warm = _scan(iacjit_bin, root, cache_dir)
    assert warm.returncode == 1 and json.loads(warm.stdout)["findings"]


def test_an_entry_moved_under_another_key_is_a_miss(tmp_path):
    cache = Cache(tmp_path / "cache")
    cache.put("a" * 64, {"findings": []})
    target = cache._path("b" * 64)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(cache._path("a" * 64), target)
    assert Cache(tmp_path / "cache").get("b" * 64) is None
    assert Cache(tmp_path / "cache").get("a" * 64) == {"findings": []}


def test_another_directorys_secret_does_not_verify(tmp_path):
    one, two = Cache(tmp_path / "one"), Cache(tmp_path / "two")
    one.put("c" * 64, [1, 2])
    two._path("c" * 64).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(one._path("c" * 64), two._path("c" * 64))
    assert two.get("c" * 64) is None


@pytest.mark.parametrize("name, allowed", [
    (("os", "system"), False), (("builtins", "eval"), False), (("iacjit.cache.store", "os"), False),
    (("iacjit.cache.store", "decode"), False), (("subprocess", "Popen"), False),
    (("iacjit.cache.store", "Cache"), True), (("builtins", "frozenset"), True),
])
def test_the_unpickler_resolves_only_data_classes(name, allowed):
    module, attribute = name
    payload = (b"\x80\x04\x95" + (0).to_bytes(8, "little") + b"\x8c" + bytes([len(module)])
               + module.encode() + b"\x94\x8c" + bytes([len(attribute)]) + attribute.encode()
               + b"\x94\x93\x94.")
    data = cache_module._MAGIC + hashlib.sha256(payload).digest() + payload
    assert (cache_module.decode(data) is not None) is allowed


def test_files_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        cache = Cache(tmp_path / "cache")
        cache.put("d" * 64, "value")
    finally:
        os.umask(old)
    modes = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in (tmp_path / "cache").rglob("*")}
    assert modes and all(mode in (0o600, 0o700) for mode in modes.values()), modes
    assert modes["cache/secret"] == 0o600


@pytest.mark.parametrize("damage", ["readable", "link", "short"])
def test_an_untrustworthy_secret_turns_the_cache_off(tmp_path, damage):
    root = tmp_path / "cache"
    Cache(root).put("e" * 64, "value")
    secret = root / "secret"
    if damage == "readable":
        secret.chmod(0o644)
    elif damage == "link":
        (tmp_path / "elsewhere").write_bytes(secret.read_bytes())
        secret.unlink()
        secret.symlink_to(tmp_path / "elsewhere")
    else:
        secret.write_bytes(b"short")
    assert not Cache(root).enabled
