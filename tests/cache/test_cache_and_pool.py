"""The content cache and the process pool change how fast a scan is, never what it reports."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import REPO, copy_samples

from iacjit.cache import pool
from iacjit.cache import store as cache_module
from iacjit.cache.files import FileParses
from iacjit.cache.store import Cache
from iacjit.parsers.common.options import ParseOptions
from iacjit.progress import Printer
from iacjit.reports.serialize import to_document
from iacjit.scan import display_path, parse_inputs, run_scan

SAMPLES = {
    "tf-azure": REPO / "samples/terraform/azure/vulnerable",
    "tf-aws": REPO / "samples/terraform/aws/vulnerable",
    "arm": REPO / "samples/arm/vulnerable",
    "cfn": REPO / "samples/cloudformation/vulnerable",
    "bicep": REPO / "samples/bicep/vulnerable",
}


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """Every format's vulnerable sample (not only conftest's Terraform one) in tmp_path/src."""
    monkeypatch.chdir(tmp_path)
    return copy_samples(tmp_path, SAMPLES)


def _document(cache: Cache | None, path: Path = Path("src")) -> dict:
    document = to_document(run_scan([path], ParseOptions(), cache=cache), 0)
    document.pop("summary", None)
    return document


def _entries(cache: Cache) -> list[Path]:
    return sorted(p for p in cache.directory.rglob("*") if p.is_file())


def test_hit_returns_identical_findings(tree, tmp_path):
    expected = _document(None)
    assert expected["findings"], "the samples must report something for this test to mean much"
    cache = Cache(tmp_path / "cache")
    assert _document(cache) == expected  # cold: fills the cache
    assert _entries(cache)
    warm = Cache(tmp_path / "cache")
    assert _document(warm) == expected
    assert warm.hits >= 1 and warm.misses == 0


def test_per_file_entries_serve_when_the_plan_changed(tree, tmp_path):
    cache = Cache(tmp_path / "cache")
    _document(cache)
    (tree / "unrelated.yaml").write_text("key: value\n")  # another plan key, same files
    again = Cache(tmp_path / "cache")
    parses = FileParses(ParseOptions(), display_path, again)
    parse_inputs([Path("src")], ParseOptions(), parses=parses)
    assert again.hits >= 3  # Terraform bodies, ARM and CloudFormation results
    assert _document(Cache(tmp_path / "cache")) == _document(None)


def test_content_change_invalidates(tree, tmp_path):
    cache = Cache(tmp_path / "cache")
    before = _document(cache)
    main = tree / "tf-azure" / "main.tf"
    main.write_text(main.read_text().replace('destination_port_range     = "22"',
                                             'destination_port_range     = "443"'))
    after = _document(Cache(tmp_path / "cache"))
    assert after == _document(None)
    assert after["findings"] != before["findings"]


def test_parameters_file_change_invalidates_arm(tree, tmp_path):
    cache = Cache(tmp_path / "cache")
    _document(cache)
    parameters = tree / "arm" / "classic-vm.parameters.json"
    parameters.write_text(parameters.read_text().replace("0.0.0.0/0", "10.1.0.0/16")
                          .replace('"*"', '"10.1.0.0/16"').replace("Internet", "10.1.0.0/16"))
    assert _document(Cache(tmp_path / "cache")) == _document(None)


@pytest.mark.parametrize("name", ["main.bicepparam", "prod.bicepparam", "main.parameters.json"])
def test_bicep_parameters_change_invalidates_a_single_file_scan(tree, tmp_path, name):
    template = tree / "bicep" / "main.bicep"
    values = ("using './main.bicep'\nparam adminSource = '{}'\n" if name.endswith("param")
              else '{{"parameters": {{"adminSource": {{"value": "{}"}}}}}}')
    (tree / "bicep" / name).write_text(values.format("10.1.0.0/16"))
    cache = Cache(tmp_path / "cache")
    before = _document(cache, template)
    (tree / "bicep" / name).write_text(values.format("*"))
    after = _document(Cache(tmp_path / "cache"), template)
    assert after == _document(None, template)
    assert after["findings"] != before["findings"]


def test_version_change_invalidates(tree, tmp_path, monkeypatch):
    cache = Cache(tmp_path / "cache")
    expected = _document(cache)
    monkeypatch.setattr(cache_module, "_VERSIONS", cache_module.versions() + "|iacjit=next")
    other = Cache(tmp_path / "cache")
    assert _document(other) == expected
    assert other.hits == 0 and other.misses >= 1


@pytest.mark.parametrize("damage", ["garbage", "truncate", "flip", "empty", "pickle-of-other"])
def test_corrupt_entries_are_ignored(tree, tmp_path, damage):
    cache = Cache(tmp_path / "cache")
    expected = _document(cache)
    for entry in _entries(cache):
        data = entry.read_bytes()
        if damage == "garbage":
            entry.write_bytes(b"not a cache entry at all")
        elif damage == "truncate":
            entry.write_bytes(data[: len(data) // 2])
        elif damage == "flip":
            entry.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
        elif damage == "empty":
            entry.write_bytes(b"")
        else:  # well-formed, but not what the reader expects
            entry.write_bytes(cache_module.encode({"unexpected": 1}))
    again = Cache(tmp_path / "cache")
    assert _document(again) == expected
    assert again.hits == 0 or damage == "pickle-of-other"


def test_unusable_cache_directory_is_skipped(tree, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    cache = Cache(shared)
    assert not cache.enabled
    assert _document(cache) == _document(None)
    assert not list(shared.iterdir())
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    assert not Cache(blocked).enabled


def test_cli_no_cache_bypasses(tree, tmp_path, iacjit_bin):
    env = {**os.environ, "IACJIT_CACHE_DIR": str(tmp_path / "cli-cache")}
    plain = subprocess.run([iacjit_bin, "scan", "src", "--format", "json", "--no-cache"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert plain.returncode in (0, 1), plain.stderr
    assert not (tmp_path / "cli-cache" / f"v{cache_module.FORMAT}").exists()
    cached = [subprocess.run([iacjit_bin, "scan", "src", "--format", "json"],
                             capture_output=True, text=True, env=env, cwd=tmp_path)
              for _ in range(2)]
    assert list((tmp_path / "cli-cache").rglob("*"))
    assert cached[0].stdout == cached[1].stdout == plain.stdout
    assert cached[0].returncode == cached[1].returncode == plain.returncode


def test_terraform_ast_is_picklable():
    from iacjit.parsers.terraform.files import parse_tf_file

    path = SAMPLES["tf-azure"] / "main.tf"
    body, errors = parse_tf_file(path, "main.tf", ParseOptions().limits)
    assert body is not None and not errors
    assert pickle.loads(pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL)) == body


def test_pool_gives_the_same_results(tmp_path, monkeypatch):
    for index in range(3):
        for name, source in SAMPLES.items():
            shutil.copytree(source, tmp_path / "src" / f"{name}-{index}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(pool, "MIN_POOL_FILES", 1)
    monkeypatch.setattr(pool, "MIN_POOL_BYTES", 0)
    monkeypatch.setattr(pool, "CHUNK_FILES", 2)

    def scan(jobs: int, cache: Cache | None = None):
        parses = FileParses(ParseOptions(), display_path, cache, jobs=jobs)
        parsed, total = parse_inputs([Path("src")], ParseOptions(), parses=parses)
        return parses, parsed, total

    serial_parses, serial, total = scan(1)
    pooled_parses, pooled, pooled_total = scan(2)
    assert serial_parses.pooled == 0 and pooled_parses.pooled > 0
    assert (pooled, pooled_total) == (serial, total)
    # Workers write the cache; the parent then reads what they wrote.
    cache = Cache(tmp_path / "cache")
    scan(2, cache)
    assert _entries(cache)
    warm = Cache(tmp_path / "cache")
    _, again, _ = scan(2, warm)
    assert again == serial and warm.hits >= 1


def test_identical_files_are_parsed_once_in_the_pool(tmp_path, monkeypatch):
    for index in range(4):
        shutil.copytree(SAMPLES["tf-azure"], tmp_path / "src" / f"copy-{index}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(pool, "MIN_POOL_FILES", 1)
    monkeypatch.setattr(pool, "MIN_POOL_BYTES", 0)
    monkeypatch.setattr(pool, "CHUNK_FILES", 1)
    parses = FileParses(ParseOptions(), display_path, Cache(tmp_path / "cache"), jobs=2)
    reports: list[tuple[int, int]] = []
    parsed, _ = parse_inputs([Path("src")], ParseOptions(), parses=parses,
                             progress=lambda done, total, name: reports.append((done, total)))
    files = list(Path("src").rglob("*.tf"))
    assert parses.pooled == len({f.read_bytes() for f in files}) < len(files)
    # Progress counts files, copies included, from the pool through evaluation.
    assert reports and {total for _, total in reports} == {len(files)}
    expected, _ = parse_inputs([Path("src")], ParseOptions(),
                               parses=FileParses(ParseOptions(), display_path, jobs=1))
    assert parsed == expected
    assert {r.file.split("/")[1] for r in parsed.resources} == {f"copy-{i}" for i in range(4)}


def test_pool_failure_falls_back_to_parsing_here(tmp_path, monkeypatch):
    shutil.copytree(SAMPLES["tf-azure"], tmp_path / "src")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(pool, "MIN_POOL_FILES", 1)
    monkeypatch.setattr(pool, "MIN_POOL_BYTES", 0)

    def broken(*args, **kwargs):
        raise OSError("no processes here")

    import concurrent.futures

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", broken)
    parses = FileParses(ParseOptions(), display_path, jobs=2)
    parsed, _ = parse_inputs([Path("src")], ParseOptions(), parses=parses)
    expected, _ = parse_inputs([Path("src")], ParseOptions(),
                               parses=FileParses(ParseOptions(), display_path, jobs=1))
    assert parses.pooled == 0 and parsed == expected


class _Stream:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_progress_is_silent_for_quick_scans_and_never_goes_back():
    now = [0.0]
    stream = _Stream()
    show = Printer(stream, delay=1.0, clock=lambda: now[0])
    show(10, 100, "a")
    assert stream.text == ""  # under a second: nothing
    now[0] = 1.5
    show(60, 100, "b")
    assert "60/100" in stream.text
    now[0] = 2.0
    show(20, 100, "c")  # evaluation after the pool reports from the start again
    assert "20/100" not in stream.text and stream.text.endswith("60/100 files")
    show(100, 100, "d")
    assert stream.text.endswith("\r\x1b[K")
