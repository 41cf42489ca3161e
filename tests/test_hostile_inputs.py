"""Broken and hostile inputs (tests/helpers/hostile_corpus.py): bounded, honest, never a crash.

Every case directory is scanned through ``run_scan`` in a child process capped in address
space (RLIMIT_AS) and wall-clock time, so a hang or a memory blow-up fails the test instead of
the machine.  Each case must report its problem (an error, an unresolved reason or a resource
note naming it) and still find the zt_net_001 of the control file beside it.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import hostile_corpus as corpus

HERE = Path(__file__).resolve().parent
MEMORY_CAP = 1536 * 1024 * 1024  # 1.5 GiB of address space for the scanning process
BATCH_TIMEOUT = 300  # seconds for one child scanning a share of the cases
# A hang guard, not a speed measure (benchmarks/ measures speed): typical cases take well
# under a second; a case that runs away shows up as minutes, not as a slow machine.
CASE_SECONDS = 120


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def scan_capped(root: Path, names: list[str]) -> tuple[dict[str, dict], str]:
    """Scan the case directories *names* below *root* in one capped child process.

    Returns the summaries by case name and, when the child failed or hung, a description of
    what happened (the case it was scanning is the first one without a summary).
    """
    command = [sys.executable, str(HERE / "helpers" / "hostile_corpus.py"), "--scan",
               *(str(root / name) for name in names)]
    try:
        child = subprocess.run(command, capture_output=True, text=True, cwd=root,
                               timeout=BATCH_TIMEOUT, preexec_fn=_cap_memory)
        stdout, problem = child.stdout, ""
        if child.returncode:
            problem = f"exit {child.returncode}: {child.stderr[-3000:]}"
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        problem = f"timed out after {BATCH_TIMEOUT}s"
    summaries = {}
    for line in stdout.splitlines():
        summary = json.loads(line)
        summaries[summary["case"]] = summary
    return summaries, problem


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Build the corpus once and scan every case, in two capped children side by side."""
    root = tmp_path_factory.mktemp("hostile")
    corpus.build_all(root)
    names = [case.name for case in corpus.CASES]
    shares = [names[0::2], names[1::2]]
    with ThreadPoolExecutor(len(shares)) as pool:
        runs = list(pool.map(lambda share: scan_capped(root, share), shares))
    summaries, problems = {}, {}
    for share, (found, problem) in zip(shares, runs, strict=True):
        summaries.update(found)
        stuck = next((name for name in share if name not in found), None)
        if stuck:
            problems[stuck] = problem or "no summary"
    yield summaries, problems, root
    corpus.make_removable(root)


def _texts(summary: dict) -> list[str]:
    return ([e["message"] for e in summary["errors"]] + summary["unresolved"]
            + summary["notes"])


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda c: c.name)
def test_case_is_bounded_reported_and_control_still_found(results, case):
    summaries, problems, _ = results
    assert case.name not in problems, problems.get(case.name)
    summary = summaries.get(case.name)
    assert summary is not None, f"not scanned: the child failed earlier ({problems})"
    assert summary["seconds"] < CASE_SECONDS
    control = [f for f in summary["findings"]
               if f["rule"] == "zt_net_001" and Path(f["file"]).name.startswith("control.")]
    assert len(control) == 1, summary["findings"]
    if case.expect is not None:
        texts = _texts(summary)
        assert any(word.lower() in text.lower() for text in texts for word in case.expect), (
            f"none of {case.expect} in {texts}")
    for error in summary["errors"]:  # one sentence a person can act on, never a traceback
        assert error["message"].strip() and "Traceback" not in error["message"]
        assert len(error["message"]) < 600


def _errors(results, name: str) -> list[str]:
    summaries, _, _ = results
    return [f'{Path(e["file"]).name}: {e["message"]}' for e in summaries[name]["errors"]]


def test_fifo_with_our_names_is_reported_not_opened(results):
    assert sorted(_errors(results, "fifo")) == [
        f"pipe.{ext}: cannot read: not a regular file (a FIFO, socket or device); not read"
        for ext in ("bicep", "json", "tf")]


def test_directory_named_like_an_input_is_walked_as_a_directory(results):
    assert _errors(results, "dir-named-tf") == []


def test_unreadable_files_are_errors_unless_we_are_root(results):
    errors = _errors(results, "unreadable")
    if os.geteuid() == 0:  # root reads mode-000 files: they are scanned like any other
        assert errors == []
    else:
        assert sorted(e.split(":")[0] for e in errors) == [
            "secret.bicep", "secret.json", "secret.tf"]
        assert all("ermission denied" in e for e in errors)


def test_symlink_loops_are_errors_and_directory_links_are_not_followed(results):
    assert sorted(_errors(results, "symlink-loop")) == [
        f"{name}: cannot read: symbolic link loop" for name in ("a.tf", "b.tf", "self.tf")]


def test_remote_sources_are_not_fetched_but_listed(results):
    summaries, _, _ = results
    listed = {case: [n["what"] for n in summaries[case]["not_scanned"]]
              for case in ("tf-remote-module", "arm-linked-template", "cfn-nested-stack",
                           "bicep-remote-module")}
    assert listed == {
        "tf-remote-module": ["module.remote (git::https://example.com/evil.git)",
                             "module.registry (hashicorp/consul/aws)"],
        "arm-linked-template": ["linked template https://evil.example.com/t.json"],
        "cfn-nested-stack": ["nested stack Child (https://evil.example.com/child.yaml)"],
        "bicep-remote-module": ["module r (br:evil.azurecr.io/m:v1)"],
    }


def test_python_yaml_tags_are_refused_and_never_run(results):
    assert not Path("/tmp/iacjit-pwned").exists()
    assert any("unsafe YAML tag !!python/object" in e for e in _errors(results, "cfn-python-tags"))


def test_installed_cli_with_its_caches_survives_the_whole_corpus():
    """The CI job (tests/corpus/run_hostile.py): one plan, default options, parse caches on.

    The caches key files by their bytes: they once read the FIFO case and blocked forever.
    """
    child = subprocess.run([sys.executable, str(HERE / "corpus" / "run_hostile.py"),
                            str(Path(sys.executable).with_name("iacjit"))],
                           capture_output=True, text=True, timeout=BATCH_TIMEOUT + 60)
    assert child.returncode == 0, child.stdout + child.stderr
