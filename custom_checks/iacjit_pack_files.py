"""Where the file Checkov scans is, and which Bicep files deploy it as a module.

Checkov names the scanned file in its own way: relative to the current directory for ARM and
Bicep, ``/``-prefixed and relative to the scanned directory for CloudFormation, absolute when
given so.  The scanned directory (``root_folder``) is an argument of every Checkov runner on
the call stack, which is where it is read from; without it the current directory is tried.

A Bicep file that another Bicep file of the scanned directory calls is deployed with its
caller's parameters: ``iacjit scan`` evaluates it only through its callers (iacjit.scan), and
so does the pack.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


def checkov_root() -> Path | None:
    """The directory Checkov is scanning: the nearest ``root_folder`` on the call stack."""
    try:
        frame = sys._getframe(1)
    except (AttributeError, ValueError):  # pragma: no cover - not CPython
        return None
    while frame is not None:
        root = frame.f_locals.get("root_folder")
        if isinstance(root, str | os.PathLike) and str(root):
            return Path(root)
        frame = frame.f_back
    return None


def locate(scanned_file: str, root: Path | None) -> Path | None:
    """The scanned file on disk (resolved), or None when it cannot be found."""
    relative = scanned_file.lstrip("/\\")
    candidates = [Path(scanned_file)] if os.path.isabs(scanned_file) else []
    if root is not None:
        candidates.append(root / relative)
    candidates += [Path(scanned_file), Path.cwd() / relative]
    for candidate in candidates:
        try:
            if candidate.is_file():
                return candidate.resolve()
        except OSError:
            continue
    return None


def _bicep_files(root: Path) -> list[Path]:
    from iacjit.parsers.common.format import SKIP_DIRS  # loaded by path (iacjit_pack_loader)

    found: list[Path] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found += [Path(directory, f).resolve() for f in sorted(files)
                  if f.lower().endswith(".bicep")]
    return found


def bicep_calls(root: Path, module_calls: Any, options: Any) -> dict[Path, set[Path]]:
    """Every Bicep file below *root* and the local modules it calls (the Bicep format's
    ``module_calls``, which iacjit.scan asks too)."""
    return {path: set(module_calls(path, options)) for path in _bicep_files(root)}


def bicep_units(path: Path, calls: dict[Path, set[Path]]) -> list[Path]:
    """The files whose evaluation deploys *path*: the uncalled files that reach it through
    module calls, or *path* itself when none does (iacjit.scan skips exactly those)."""
    called = {m for targets in calls.values() for m in targets}
    units = []
    for top in sorted(p for p in calls if p not in called):
        seen: set[Path] = set()
        pending = [top]
        while pending:
            for module in calls.get(pending.pop(), set()) - seen:
                seen.add(module)
                pending.append(module)
        if path in seen:
            units.append(top)
    return units or [path]
