"""The trust boundary of a scan: no input is read from outside the scanned repository.

A pull request controls every directory entry of the checkout, symbolic links included: a
committed ``terraform.tfvars -> ~/.docker/config.json`` or a module ``source = "../../../x"``
would otherwise turn files of the CI machine into variable values that every report prints.
So a scan is confined to its *roots*: for each scanned path, the git work tree it lies in, or
the path itself (its directory, for a file) outside any work tree.  Every reader of input
content calls :func:`check` first; a file that resolves outside every root is not opened, and
the scan lists it under ``not_scanned`` with :data:`REASON` (iacjit.scan).

The roots are process state for the length of one scan (:func:`confined`): the readers sit
many calls below the scan, in several parsers and in pool workers (forked, so they inherit
it), and each of them already turns an ``OSError`` into a located problem, which is what
:class:`OutsideBoundary` is.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from iacjit.resolved import remembered, resolve

REASON = ("it resolves outside the scanned repository (a symbolic link or a path leading out "
          "of it), so it was not read")

_roots: tuple[str, ...] = ()
_named: frozenset[str] = frozenset()  # option files allowed outside the roots (resolved)


class OutsideBoundary(OSError):
    """Raised instead of reading a file outside the scan's roots."""

    def __init__(self, path: Path):
        super().__init__(errno.EACCES, REASON, str(path))


def roots_for(paths: Iterable[Path]) -> tuple[str, ...]:
    """The resolved roots for *paths*: each one's git work tree, else the path itself."""
    roots: list[str] = []
    for path in paths:
        try:
            resolved = Path(os.path.abspath(path)).resolve()
        except (OSError, RuntimeError):
            continue
        base = resolved if resolved.is_dir() else resolved.parent
        root = _work_tree(base) or base
        if str(root) not in roots:
            roots.append(str(root))
    return tuple(roots)


def _work_tree(directory: Path) -> Path | None:
    for candidate in (directory, *directory.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    return None


@contextmanager
def confined(roots: tuple[str, ...], named: Iterable[Path] = ()) -> Iterator[None]:
    """Confine every :func:`check` to *roots* while the block runs; files *named* by options
    (``--var-file``, ``--parameters``...) are allowed as :func:`allowed_name` says."""
    global _roots, _named
    previous = _roots, _named
    _roots = roots
    _named = frozenset(_resolved(p) for p in named if allowed_name(p, roots))
    try:
        with remembered():  # one scan's view of the file system (iacjit.resolved)
            yield
    finally:
        _roots, _named = previous


def state() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The current scan's roots and allowed option files: what decides which reads are
    refused, so part of the key of anything cached from reads (iacjit.cache.units)."""
    return _roots, tuple(sorted(_named))


def _resolved(path: Path | str) -> str:
    try:
        return str(resolve(path))
    except (OSError, RuntimeError):
        return os.path.abspath(path)


def inside(path: Path | str, roots: tuple[str, ...] | None = None) -> bool:
    """Whether *path*, with every link resolved, lies in one of *roots* (default: the current
    scan's; no roots means no scan is confining reads)."""
    roots = _roots if roots is None else roots
    if not roots:
        return True
    try:
        resolved = str(resolve(path))
    except (OSError, RuntimeError):  # a link loop: reading it fails anyway
        return True
    return any(resolved == root or resolved.startswith(root.rstrip(os.sep) + os.sep)
               for root in roots)


def check(path: Path | str) -> None:
    """Raise :class:`OutsideBoundary` unless *path* may be read in this scan."""
    if not inside(path) and not (_named and _resolved(path) in _named):
        raise OutsideBoundary(Path(path))


def allowed_name(path: Path, roots: tuple[str, ...]) -> bool:
    """Whether a file given by an option may be read wherever it resolves.

    The CI configuration names it, so a file outside the repository is the machine's own and
    allowed; but a name that points *into* the repository (lexically, from the physical
    working directory) must also resolve inside it, or a pull request could replace
    ``envs/prod.tfvars`` by a link to a file of the machine.
    """
    lexical = os.path.abspath(path)
    pointing_in = any(lexical == root or lexical.startswith(root.rstrip(os.sep) + os.sep)
                      for root in roots)
    return not pointing_in or inside(path, roots)
