"""What evaluating one Terraform root read from the file system, and what it produced.

A root's evaluation is a function of the files it reads (its ``.tf`` files, variable files,
module manifest, the modules it calls) and of the directory listings that decided which files
those were.  :class:`Reads` records exactly that, so a cache (iacjit.cache.units) can keep one
root's outcome and reuse it while every recorded read would give the same answer: an edit of
one root then re-evaluates that root alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from iacjit.model.raw import InputError, ParseResult


@dataclass
class Reads:
    """Every read of one root's evaluation, by absolute (not resolved) name.

    * ``files``: files read or looked for (a missing ``terraform.tfvars`` too): their bytes,
      or their absence, decide the outcome;
    * ``globs``: (directory, pattern) -> the names found, ``None`` for no such directory;
    * ``listed``: directories whose ``.tf`` files were given by discovery (a scanned root
      called as a module) rather than globbed, with those files;
    * ``parsed``: the resolved Terraform files parsed (the plan cache's outside check).
    """

    files: dict[str, None] = field(default_factory=dict)
    globs: dict[tuple[str, str], tuple[str, ...] | None] = field(default_factory=dict)
    listed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    parsed: set[Path] = field(default_factory=set)

    def file(self, path: Path) -> None:
        self.files[os.path.abspath(path)] = None

    def glob(self, directory: Path, pattern: str) -> list[Path]:
        """``sorted(directory.glob(pattern))``, recorded (no directory: nothing found)."""
        found = sorted(directory.glob(pattern)) if directory.is_dir() else None
        self.globs[(os.path.abspath(directory), pattern)] = (
            None if found is None else tuple(p.name for p in found))
        return found or []

    def list(self, directory: Path, files: list[Path]) -> None:
        self.listed[os.path.abspath(directory)] = tuple(os.path.abspath(f) for f in files)


@dataclass
class RootOutcome:
    """One root's part of a scan: the local module directories its own files call (resolved,
    to tell which roots are called by others), and, when it was evaluated as a root, what
    that produced: resources with their errors (``result``), and the errors of reading its
    files and modules (``errors``), which the scan reports once however many roots read
    the same file."""

    calls: list[str]
    result: ParseResult | None = None
    errors: list[InputError] = field(default_factory=list)
