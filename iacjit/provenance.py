"""Where and when a scan ran: the date, the scanned paths, and the git repository they are in.

Every report renders these from the JSON document's ``scan`` object (docs/json-format.md), so
that an HTML report or JSON artifact found later says what it is a report of.

The date is a UTC day, not a time: the same inputs on the same day give the same report, byte
for byte, which the report cache relies on (iacjit.cache.report serves a stored report only on
the day it was made); ``IACJIT_TODAY=YYYY-MM-DD`` fixes it, as it fixes the day suppression
expiry is judged against (iacjit.suppressions.policy).

The repository is read from its ``.git`` files only — ``HEAD``, the ref it names (loose or in
``packed-refs``) and the remote URL in ``config`` — never by running git: a scanned tree can
not make iacjit run a hook, an fsmonitor or a credential helper, nothing is fetched, and the
user's global git configuration (``url.*.insteadOf`` rewrites often hold CI tokens) is never
read.  A ``.git`` file (a worktree or submodule) is followed to the directory it names, as git
does.  Symbolic links are not followed, values that do not look like a commit id, a ref or a
URL are dropped, and credentials, query and fragment are removed from the URL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

_MAX_BYTES = 1 << 20  # HEAD, a ref, config: small files; anything bigger is not git's
_MAX_PACKED_REFS = 64 << 20
_COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1 or SHA-256
_REF = re.compile(r"refs/[A-Za-z0-9._/+@-]{1,250}")
_SCP = re.compile(r"(?:[^@/:\s]+@)?([A-Za-z0-9.-]+):(?!//)(\S+)")  # git@host:owner/repo.git


TODAY_ENV = "IACJIT_TODAY"  # the variable iacjit.suppressions.policy reads too


def describe(paths: Iterable[Path]) -> dict[str, Any]:
    """The ``scan`` object of the JSON document."""
    paths = list(paths) or [Path(".")]
    return {"date": scan_date().isoformat(), "paths": [path.as_posix() for path in paths],
            "repository": repository(paths[0])}


def scan_date() -> date:
    """Today in UTC, or the day ``IACJIT_TODAY`` names."""
    fixed = os.environ.get(TODAY_ENV)
    if fixed:
        try:
            return date.fromisoformat(fixed)
        except ValueError:
            pass
    return datetime.now(UTC).date()


def repository(path: Path) -> dict[str, Any] | None:
    """``{name, url, commit, branch}`` of the git repository holding *path*, or None.

    The work tree is the nearest directory with a ``.git`` entry, as iacjit.boundary finds it;
    a ``.git`` that is a symbolic link is not read (and no repository further up is).
    """
    start = path.resolve()
    for candidate in (start, *start.parents):
        dot_git = candidate / ".git"
        if not os.path.lexists(dot_git):
            continue
        if dot_git.is_symlink():
            return None
        git_dir = dot_git if dot_git.is_dir() else _pointed(dot_git)
        if git_dir is None:
            return None
        common = _common_dir(git_dir)
        commit, branch = _head(git_dir, common)
        url = _remote_url(common)
        return {"name": candidate.name, "url": url, "commit": commit, "branch": branch}
    return None


def _read(path: Path, limit: int = _MAX_BYTES) -> str | None:
    """A small regular file's text, or None (missing, a symbolic link, too big, unreadable)."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > limit:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _pointed(dot_git: Path) -> Path | None:
    """The directory a ``.git`` file names (``gitdir: <path>``, relative to the file)."""
    text = _read(dot_git)
    if not text or not text.startswith("gitdir:"):
        return None
    target = (dot_git.parent / text[len("gitdir:"):].strip()).resolve()
    return target if target.is_dir() else None


def _common_dir(git_dir: Path) -> Path:
    """A worktree's shared directory (refs, packed-refs, config), named in ``commondir``."""
    text = _read(git_dir / "commondir")
    if text and text.strip():
        common = (git_dir / text.strip()).resolve()
        if common.is_dir():
            return common
    return git_dir


def _head(git_dir: Path, common: Path) -> tuple[str | None, str | None]:
    """(commit, branch) of HEAD; the branch is None for a detached HEAD."""
    head = (_read(git_dir / "HEAD") or "").strip()
    if _COMMIT.fullmatch(head):
        return head, None
    if not head.startswith("ref:"):
        return None, None
    ref = head[len("ref:"):].strip()
    if not _REF.fullmatch(ref) or ".." in ref.split("/") or "." in ref.split("/"):
        return None, None
    branch = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None
    return _resolve(git_dir, common, ref), branch


def _resolve(git_dir: Path, common: Path, ref: str) -> str | None:
    for folder in dict.fromkeys((git_dir, common)):
        loose = (_read(folder.joinpath(*ref.split("/"))) or "").strip()
        if _COMMIT.fullmatch(loose):
            return loose
    for line in (_read(common / "packed-refs", _MAX_PACKED_REFS) or "").splitlines():
        commit, _, name = line.partition(" ")
        if name.strip() == ref and _COMMIT.fullmatch(commit):
            return commit
    return None  # an unborn branch (no commit yet) or refs in a format not read here


def _remote_url(common: Path) -> str | None:
    """The URL of remote ``origin`` (else of the first remote) in the repository's config."""
    urls: dict[str, str] = {}
    section = None
    for raw in (_read(common / "config") or "").splitlines():
        line = raw.strip()
        if line.startswith("["):
            match = re.fullmatch(r'\[\s*remote\s+"([^"\\]*)"\s*\]', line)
            section = match.group(1) if match else None
        elif section is not None and "=" in line:
            key, _, value = line.partition("=")
            if key.strip().lower() == "url" and section not in urls:
                urls[section] = value.strip().strip('"')
    url = urls.get("origin") or next(iter(urls.values()), None)
    return clean_url(url) if url else None


def clean_url(url: str) -> str | None:
    """*url* without user name, password, query or fragment; None when it is not a URL."""
    if any(ord(c) < 0x20 or c.isspace() for c in url) or len(url) > 2048:
        return None
    if "://" in url:
        parts = urlsplit(url)
        if not parts.hostname and parts.scheme != "file":
            return None
        host = parts.hostname or ""
        if ":" in host:  # an IPv6 literal
            host = f"[{host}]"
        try:
            port = parts.port
        except ValueError:  # not a number
            return None
        netloc = host + (f":{port}" if port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    scp = _SCP.fullmatch(url)
    if scp:
        return f"{scp.group(1)}:{scp.group(2)}"
    return url if url.startswith(("/", "./", "../")) else None
