"""iacjit.provenance: the repository a scan ran in, read from .git files only (never git
itself), and nothing a scanned tree plants there reaches a report as anything but text."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from helpers import write_tree

from iacjit.provenance import clean_url, describe, repository

COMMIT = "0123456789abcdef0123456789abcdef01234567"

URLS = [
    ("https with credentials", "https://bot:ghp_token@github.com/o/r.git",
     "https://github.com/o/r.git"),
    ("token as user", "https://x-access-token:abc@github.com/o/r", "https://github.com/o/r"),
    ("query and fragment", "https://h.example/r.git?private_token=1#x", "https://h.example/r.git"),
    ("ssh with port", "ssh://git@h.example:2222/o/r.git", "ssh://h.example:2222/o/r.git"),
    ("scp form", "git@github.com:o/r.git", "github.com:o/r.git"),
    ("ipv6 host", "https://u@[::1]:8080/r", "https://[::1]:8080/r"),
    ("local path", "/srv/git/r.git", "/srv/git/r.git"),
    ("relative path", "../r.git", "../r.git"),
    ("markup is not a URL", '"><script>alert(1)</script>', None),
    ("spaces", "https://h.example/a b", None),
    ("control character", "https://h.example/\x1b[31m", None),
    ("bad port", "https://h.example:port/r", None),
    ("no host", "https:///r", None),
]


@pytest.mark.parametrize(("url", "expected"), [u[1:] for u in URLS], ids=[u[0] for u in URLS])
def test_clean_url(url, expected):
    assert clean_url(url) == expected


def _git_dir(root: Path, head: str, config: str = "", refs: dict[str, str] | None = None,
             packed: str = "") -> None:
    files = {".git/HEAD": head, ".git/config": config, ".git/packed-refs": packed}
    files.update({f".git/{name}": value for name, value in (refs or {}).items()})
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


HEADS = [
    ("branch, loose ref", "ref: refs/heads/main\n", {"refs/heads/main": COMMIT + "\n"}, "",
     (COMMIT, "main")),
    ("branch, packed ref", "ref: refs/heads/feat/x\n", {},
     f"# pack-refs with: peeled\n{COMMIT} refs/heads/feat/x\n", (COMMIT, "feat/x")),
    ("detached", COMMIT + "\n", {}, "", (COMMIT, None)),
    ("unborn branch", "ref: refs/heads/main\n", {}, "", (None, "main")),
    ("ref leading out", "ref: refs/../../../etc/passwd\n", {}, "", (None, None)),
    ("garbage", "<b>not a head</b>\n", {}, "", (None, None)),
    ("a ref that is no commit id", "ref: refs/heads/main\n",
     {"refs/heads/main": "<script>\n"}, "", (None, "main")),
]


@pytest.mark.parametrize(("head", "refs", "packed", "expected"), [h[1:] for h in HEADS],
                         ids=[h[0] for h in HEADS])
def test_head(tmp_path, head, refs, packed, expected):
    _git_dir(tmp_path, head, refs=refs, packed=packed)
    found = repository(tmp_path)
    assert (found["commit"], found["branch"]) == expected


def test_remote_origin_first_else_any(tmp_path):
    _git_dir(tmp_path, COMMIT, config='[core]\n\tbare = false\n[remote "upstream"]\n'
                                      '\turl = https://u.example/up.git\n[remote "origin"]\n'
                                      '\turl = https://tok@o.example/r.git\n')
    assert repository(tmp_path)["url"] == "https://o.example/r.git"
    _git_dir(tmp_path, COMMIT, config='[remote "upstream"]\n\turl = https://u.example/up.git\n')
    assert repository(tmp_path)["url"] == "https://u.example/up.git"
    _git_dir(tmp_path, COMMIT)
    assert repository(tmp_path) == {"name": tmp_path.name, "url": None, "commit": COMMIT,
                                    "branch": None}


def test_found_from_a_subdirectory_and_none_outside_git(tmp_path):
    _git_dir(tmp_path / "repo", COMMIT)
    (tmp_path / "repo" / "envs" / "prod").mkdir(parents=True)
    assert repository(tmp_path / "repo" / "envs" / "prod")["name"] == "repo"
    (tmp_path / "plain").mkdir()
    assert repository(tmp_path / "plain") is None  # the test's temporary directory is no work tree


def test_a_worktree_file_is_followed_like_git(tmp_path):
    """A ``.git`` file (git worktree add) names its own directory, which names the common one."""
    main = tmp_path / "main"
    write_tree(main, {"f.tf": ""})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C", str(main)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "remote", "add", "origin", "https://h.example/r.git"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    subprocess.run([*git, "pack-refs", "--all"], check=True)  # refs only in packed-refs
    subprocess.run([*git, "worktree", "add", "-q", "-b", "side", str(tmp_path / "side")],
                   check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert (tmp_path / "side" / ".git").is_file()
    assert repository(tmp_path / "side") == {"name": "side", "url": "https://h.example/r.git",
                                             "commit": commit, "branch": "side"}


def test_symbolic_links_are_not_read(tmp_path):
    outside = tmp_path / "outside"
    _git_dir(outside, COMMIT, config='[remote "origin"]\n\turl = https://secret.example/r\n')
    repo = tmp_path / "repo"
    repo.mkdir()
    os.symlink(outside / ".git", repo / ".git")
    assert repository(repo) is None  # not the linked one, and not one further up
    linked = tmp_path / "linked"  # a real .git whose files are links out
    _git_dir(linked, "ref: refs/heads/main\n")
    (linked / ".git" / "config").unlink()
    os.symlink(outside / ".git" / "config", linked / ".git" / "config")
    (linked / ".git" / "refs" / "heads").mkdir(parents=True)
    os.symlink(outside / ".git" / "HEAD", linked / ".git" / "refs" / "heads" / "main")
    assert repository(linked) == {"name": "linked", "url": None, "commit": None,
                                  "branch": "main"}


def test_git_is_never_run(tmp_path, monkeypatch):
    _git_dir(tmp_path, COMMIT)
    monkeypatch.setenv("PATH", str(tmp_path / "no-binaries-here"))
    assert repository(tmp_path)["commit"] == COMMIT


def test_describe(tmp_path, monkeypatch):
    monkeypatch.setenv("IACJIT_TODAY", "2026-03-04")
    _git_dir(tmp_path, COMMIT)
    assert describe([tmp_path / "a", Path("b/c")]) == {
        "date": "2026-03-04", "paths": [(tmp_path / "a").as_posix(), "b/c"],
        "repository": {"name": tmp_path.name, "url": None, "commit": COMMIT, "branch": None}}
    monkeypatch.delenv("IACJIT_TODAY")
    assert len(describe([])["date"]) == 10 and describe([])["paths"] == ["."]
