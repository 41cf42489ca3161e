"""Paths with every symbolic link followed, remembered for the length of one scan.

A scan resolves the same files and directories many times over (discovery, the trust
boundary's check before each read, the per-file cache keys, the module loader, the displayed
names): about fourteen resolutions per Terraform file.  ``Path.resolve`` runs
``os.path.realpath``, which ``lstat``-s every component of the path, in Python: on a corpus of
short files that was a sixth of a scan's CPU time.

Inside :func:`remembered` (entered by :func:`iacjit.boundary.confined`, so for exactly one
scan), :func:`resolve` keeps each answer and resolves a path from its parent directory's
remembered resolution plus one ``lstat`` of the last component; only a component that is a
link goes through ``Path.resolve`` again.  The answer is the one ``Path.resolve`` gives
(``..`` after a link goes up from the link's target, a missing component stays as written, a
link loop raises ``RuntimeError``), so the trust boundary compares exactly what it compared
before.  Outside a scan nothing is remembered.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_memo: dict[str, Path] | None = None


@contextmanager
def remembered() -> Iterator[None]:
    """Remember resolutions while the block runs (one scan's view of the file system)."""
    global _memo
    outer = _memo
    if outer is None:
        _memo = {}
    try:
        yield
    finally:
        _memo = outer


def resolve(path: Path | str) -> Path:
    """``Path(path).resolve()``, from memory within :func:`remembered`."""
    memo = _memo
    if memo is None:
        return Path(path).resolve()
    text = os.fspath(path)
    found = memo.get(text)
    if found is None:
        found = memo[text] = _resolve(text, memo)
    return found


def _resolve(text: str, memo: dict[str, Path]) -> Path:
    if not os.path.isabs(text):
        return resolve(os.path.join(os.getcwd(), text))
    head, name = os.path.split(text)
    if head == text or not head:  # the root itself
        return Path(text).resolve()
    parent = resolve(head)
    if name in ("", "."):
        return parent
    if name == "..":
        return parent.parent
    joined = os.path.join(str(parent), name)
    if os.path.islink(joined):
        return Path(joined).resolve()  # follows the link (RuntimeError on a loop)
    return Path(joined)
