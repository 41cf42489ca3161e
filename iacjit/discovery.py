"""Find the inputs below the scanned paths and decide which parser reads each one.

The formats come from iacjit.parsers.registry; sniffing looks at the first bytes only, so
unrelated JSON/YAML in a repository costs nothing.  Terraform is read per directory (each
directory is one root), everything else per file.
"""

from __future__ import annotations

import fnmatch
import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from iacjit.parsers import registry
from iacjit.parsers.common.format import SKIP_DIRS
from iacjit.resolved import resolve


@dataclass
class Inputs:
    """Files grouped by the parser that reads them."""

    terraform_roots: dict[Path, list[Path]] = field(default_factory=dict)
    files: list[tuple[str, Path]] = field(default_factory=list)  # (format, path)
    unreadable: list[tuple[Path, str]] = field(default_factory=list)


def _classify(path: Path, inputs: Inputs) -> None:
    try:
        fmt = registry.classify(path)  # sniffing reads the first bytes of shared suffixes
    except OSError as exc:
        inputs.unreadable.append((path, exc.strerror or str(exc)))
        return
    if fmt is None:
        return
    if fmt.per_directory:
        inputs.terraform_roots.setdefault(path.parent, []).append(path)
    else:
        inputs.files.append((fmt.name, path))


class Exclusions:
    """``--exclude``/config entries: a plain name skips every directory so named; an entry with
    ``/`` or a glob character (``legacy/*.tf``, ``envs/dev``) is matched against the path as
    scanned or its trailing components (``fnmatch``; ``*`` also crosses ``/``)."""

    def __init__(self, entries: Iterable[str]):
        entries = [e.strip().rstrip("/") for e in entries if e.strip()]
        self.names = {e for e in entries if not _is_pattern(e)}
        self.patterns = [e.removeprefix("./") for e in entries if _is_pattern(e)]

    def skips(self, path: Path) -> bool:
        if not self.patterns:
            return False
        text = path.as_posix().removeprefix("./")
        return any(fnmatch.fnmatchcase(text, p) or fnmatch.fnmatchcase(text, "*/" + p)
                   for p in self.patterns)


def _is_pattern(entry: str) -> bool:
    return any(ch in entry for ch in "/*?[")


def _walk(directory: Path, excluded: Exclusions) -> Iterable[Path]:
    """Files below *directory*, sorted, without following symlinked directories (no loops)."""
    for current, dirs, files in os.walk(directory, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and d not in excluded.names
                         and not excluded.skips(Path(current) / d))
        for name in sorted(files):
            if not excluded.skips(Path(current) / name):
                yield Path(current) / name


def skipped_by(paths: Iterable[Path], entries: Iterable[str]) -> dict[str, int]:
    """How many input files each exclusion entry keeps out of a scan of *paths*.

    Shown with the policy (iacjit.deviations): ``exclude: ['*']`` in a pull request's
    configuration must say that it skipped every file.  A file skipped by several entries
    counts for the first one.
    """
    entries = list(dict.fromkeys(e for e in entries if e.strip()))
    counts = dict.fromkeys(entries, 0)
    if not entries:
        return counts
    single = [(entry, Exclusions([entry])) for entry in entries]

    def first(path: Path, is_dir: bool) -> str | None:
        return next((entry for entry, rule in single
                     if (is_dir and path.name in rule.names) or rule.skips(path)), None)

    for path in paths:
        if not path.is_dir():
            continue  # a file named on the command line is never excluded
        for current, dirs, files in os.walk(path, followlinks=False):
            kept = []
            for name in sorted(d for d in dirs if d not in SKIP_DIRS):
                entry = first(Path(current) / name, True)
                if entry is None:
                    kept.append(name)
                else:
                    counts[entry] += _input_files(Path(current) / name)
            dirs[:] = kept
            for name in files:
                entry = first(Path(current) / name, False) if _is_input(name) else None
                if entry is not None:
                    counts[entry] += 1
    return counts


def _is_input(name: str) -> bool:
    lowered = name.lower()
    if lowered.startswith(".iacjit."):  # the configuration itself
        return False
    return lowered.endswith((*registry.INPUT_SUFFIXES, ".tfvars"))


def _input_files(directory: Path) -> int:
    count = 0
    for _, dirs, files in os.walk(directory, followlinks=False):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        count += sum(_is_input(name) for name in files)
    return count


def discover(paths: Iterable[Path], excluded: Iterable[str] = ()) -> Inputs:
    inputs = Inputs()
    excluded = Exclusions(excluded)
    seen: set[Path] = set()
    directories: dict[Path, Path] = {}  # resolved once each: a file's own name rarely links
    for path in paths:
        candidates = _walk(path, excluded) if path.is_dir() else [path]
        for candidate in candidates:
            try:
                if candidate.is_symlink():
                    resolved = candidate.resolve()
                else:
                    parent = candidate.parent
                    if parent not in directories:
                        directories[parent] = parent.resolve()
                    resolved = directories[parent] / candidate.name
            except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
                if registry.may_be_input(candidate):
                    inputs.unreadable.append((candidate, "symbolic link loop"))
                continue
            if resolved in seen:
                continue
            seen.add(resolved)
            if candidate.is_file():
                _classify(candidate, inputs)
            elif not candidate.exists() and not candidate.is_symlink():
                inputs.unreadable.append((candidate, "no such file or directory"))
            elif not candidate.is_dir() and registry.may_be_input(candidate):
                # A FIFO, socket or device with one of our names: never opened (a FIFO blocks).
                inputs.unreadable.append((candidate, "not a regular file (a FIFO, socket or "
                                                     "device); not read"))
    return inputs


def display_path(path: Path) -> str:
    """Paths are shown relative to the current directory when they are below it."""
    return _display(path, os.getcwd())


@functools.lru_cache(maxsize=65536)
def _display(path: Path, cwd: str) -> str:
    """Memoised: a scan asks for each file's name several times, and resolving is syscalls."""
    try:
        return resolve(path).relative_to(resolve(cwd)).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return path.as_posix()


def forget_display_paths() -> None:
    """Start a scan's own view of the file system: names memoised by earlier scans may be stale."""
    _display.cache_clear()
