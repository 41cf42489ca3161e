"""The scan's remembered path resolution (iacjit.resolved) gives exactly ``Path.resolve``'s
answer on every kind of path the trust boundary meets: links to files and directories,
relative and absolute targets, ``..`` after a link, missing components, link loops."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from iacjit import resolved


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    (tmp_path / "repo/mod/sub").mkdir(parents=True)
    (tmp_path / "repo/mod/main.tf").write_text("x = 1\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/secret.tf").write_text("s = 1\n")
    links = {
        "repo/to_mod": "mod",  # relative, to a directory
        "repo/to_main": "mod/main.tf",  # relative, to a file
        "repo/escape": "../outside",  # relative, out of the repository
        "repo/abs_escape": str(tmp_path / "outside/secret.tf"),  # absolute
        "repo/mod/up": "..",  # a link whose target is its parent
        "repo/chain": "to_mod/sub",  # a link through another link
        "repo/loop_a": "loop_b",
        "repo/loop_b": "loop_a",
        "repo/dangling": "nowhere/file.tf",
        "repo/mod/sub/back": "../../escape",
    }
    for name, target in links.items():
        os.symlink(target, tmp_path / name)
    return tmp_path


SUFFIXES = [
    "repo", "repo/", "repo/.", "repo/mod/main.tf", "repo/to_mod/main.tf", "repo/to_main",
    "repo/escape/secret.tf", "repo/abs_escape", "repo/mod/up/mod/main.tf",
    "repo/to_mod/../escape", "repo/escape/../repo/mod", "repo/chain/../main.tf",
    "repo/dangling", "repo/missing/../mod", "repo/mod/main.tf/..", "repo/mod/sub/back/secret.tf",
    "repo//mod///main.tf", "repo/mod/sub/../../to_main",
]


def _outcome(resolve, path):
    try:
        return resolve(path)
    except RuntimeError:
        return "loop"


@pytest.mark.parametrize("suffix", [*SUFFIXES, "repo/loop_a", "repo/loop_b/x.tf"])
def test_remembered_resolution_is_path_resolve(tree: Path, suffix: str) -> None:
    path = tree / suffix if not suffix.endswith("/") else Path(f"{tree}/{suffix}")
    expected = _outcome(lambda p: Path(p).resolve(), path)
    with resolved.remembered():
        for _ in range(2):  # computed, then remembered
            assert _outcome(resolved.resolve, path) == expected
            assert _outcome(resolved.resolve, str(path)) == expected


def test_relative_paths_resolve_from_the_working_directory(
        tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree / "repo/mod")
    with resolved.remembered():
        for relative in ("main.tf", "../to_main", "up/escape", ".", "sub/back/secret.tf"):
            assert resolved.resolve(relative) == Path(relative).resolve()


def test_nothing_is_remembered_outside_a_scan(tree: Path) -> None:
    link = tree / "repo/moving"
    os.symlink("mod", link)
    assert resolved.resolve(link / "main.tf") == (tree / "repo/mod/main.tf")
    link.unlink()
    os.symlink("../outside", link)
    assert resolved.resolve(link / "secret.tf") == (tree / "outside/secret.tf")
    with resolved.remembered():
        first = resolved.resolve(link / "secret.tf")
    link.unlink()
    os.symlink("mod", link)
    with resolved.remembered():  # a new scan sees the new link
        assert resolved.resolve(link / "secret.tf") != first
