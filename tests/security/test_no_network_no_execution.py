"""No network and no code execution during a scan (issue 10).

A scan of the shipped samples and of the whole hostile corpus runs with every way of opening a
socket patched to fail; the source tree is checked for the constructs that would execute input.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from helpers import REPO
from helpers import hostile_corpus as corpus

from iacjit.scan import run_scan

PACKAGE = REPO / "iacjit"


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise NetworkUsed(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "socketpair", refuse)


def test_scanning_the_samples_opens_no_socket(no_network, monkeypatch):
    monkeypatch.chdir(REPO)
    result = run_scan([Path("samples")])
    assert result.findings  # the vulnerable samples were really scanned


def test_scanning_the_hostile_corpus_opens_no_socket(no_network, tmp_path, monkeypatch):
    # The special cases (FIFOs, 20 MiB files) are covered by test_hostile_inputs in a child.
    corpus.write_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_scan([tmp_path])
    assert result.errors and result.findings
    fetched = {n.what for n in result.not_scanned}
    assert "linked template https://evil.example.com/t.json" in fetched
    assert "module.remote (git::https://example.com/evil.git)" in fetched
    assert not Path("/tmp/iacjit-pwned").exists()


def test_remote_sources_are_listed_not_fetched(no_network, scan_files):
    result = scan_files({
        "main.tf": 'module "net" {\n  source = "git::https://example.com/net.git"\n}\n',
        "t.json": '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/'
                  'deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": ['
                  '{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", '
                  '"name": "l", "properties": {"mode": "Incremental", "templateLink": '
                  '{"uri": "https://example.com/t.json"}}}]}',
    })
    assert sorted((n.what, n.reason) for n in result.not_scanned) == [
        ("linked template https://example.com/t.json",
         "linked templates are not fetched; scan the linked template file directly"),
        ("module.net (git::https://example.com/net.git)",
         "remote module not downloaded: run `terraform init -backend=false` in the root "
         "before the scan"),
    ]


def _sources() -> list[tuple[Path, str]]:
    return [(path, path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))]


def _code(text: str) -> str:
    """The source without comments and docstring-ish lines (good enough for a grep)."""
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


@pytest.mark.parametrize("pattern, allowed", [
    (r"(?<![\w.])(?<!def )eval\(", set()),  # builtin eval; ``self.ev.eval(`` is ours
    (r"(?<![\w.])exec\(", set()),
    (r"(?<![\w.])compile\(", set()),  # builtin compile; re.compile is fine
    (r"\bpickle\.loads?\(", {"store.py"}),  # iacjit/cache/store.py: our own, outside the repo
    (r"\bmarshal\.", set()),
    (r"\byaml\.(load|load_all|unsafe_load|full_load)\(", set()),
    (r"\bUnsafeLoader\b|\byaml\.Loader\b|\bFullLoader\b", set()),
    (r"\bos\.system\(|\bos\.popen\(|\bos\.exec", set()),
    (r"\burlopen\(|\brequests\.|\bhttp\.client\b|\bsocket\.", {"integrations"}),
])
def test_no_dangerous_construct_in_the_package(pattern, allowed):
    hits = [f"{path.relative_to(REPO)}: {line.strip()}"
            for path, text in _sources()
            if not (allowed & {path.name, path.parent.name})
            for line in _code(text).splitlines() if re.search(pattern, line)]
    assert hits == []


def test_no_subprocess_in_parsers_or_scan():
    scanning = [PACKAGE / "parsers", PACKAGE / "scan.py", PACKAGE / "discovery.py",
                PACKAGE / "providers", PACKAGE / "rules", PACKAGE / "chains"]
    hits = [str(path.relative_to(REPO)) for path, text in _sources()
            if any(path == p or p in path.parents for p in scanning)
            and re.search(r"\bsubprocess\b|\bmultiprocessing\b", _code(text))]
    assert hits == []
