"""Whole-plan cache: a re-scan of unchanged inputs reuses the parsed plan in one read.

Per-file entries (:mod:`iacjit.fastparse`) save the parsing; evaluating Terraform (variables,
modules, references, loops) still costs about a tenth of a cold scan, which is most of a warm
one.  This layer stores the merged :class:`ParseResult` of everything :func:`parse_inputs`
produced, under a key over:

* the versions (:func:`iacjit.cache.versions`), the working directory (names are shown
  relative to it), the scanned paths as given, the excluded directory names and the options;
* the name and bytes of every file below the scanned paths that a parser may read (the
  suffixes in :data:`READ_SUFFIXES`, and ``.iacjit*`` files), found with discovery's rules;
* the bytes of the files named in the options (``--var-file``, ``--parameters``, ...).

Files read from outside the scanned paths (a Terraform module in ``../modules``, a Bicep module
elsewhere) are recorded in the entry with their directory's listing and bytes, and checked
again before the entry is used.  Rules, suppressions and chains are never cached: they run on
every scan, so configuration, baselines and expiry dates always apply.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from iacjit import cache as cache_module
from iacjit.discovery import SKIP_DIRS
from iacjit.model.raw import ParseResult
from iacjit.parsers.options import ParseOptions

READ_SUFFIXES = (".tf", ".tfvars", ".json", ".yaml", ".yml", ".template", ".bicep",
                 ".bicepparam", ".hcl")
_BICEP_PATH = re.compile(r"'((?:\.{1,2}/|/)?[^'\n:$]+\.(?:bicep|json))'")
MAX_BICEP_DEPTH = 16

Parse = Callable[..., tuple[ParseResult, int]]


def _relevant(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(READ_SUFFIXES) or lowered.startswith(".iacjit")


def _digest(path: Path) -> str:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO named x.tf would block read_bytes forever
            return f"special:{stat.S_IFMT(info.st_mode)}"
        if info.st_size > _READ_AT_MOST:  # never read a huge file whole just for a key
            return f"large:{info.st_size}:{info.st_mtime_ns}"
        return cache_module.digest(path.read_bytes())
    except OSError as exc:
        return f"unreadable:{exc.errno}"


_READ_AT_MOST = 64 * 1024 * 1024


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return path


def _tree(paths: list[Path], excluded: set[str]) -> tuple[list[tuple[str, str]], set[Path]]:
    """(name, digest) of every relevant file below *paths*, and their resolved paths."""
    entries: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for path in paths:
        entries.append(("@path", str(path)))
        if path.is_dir():
            for current, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and d not in excluded)
                for name in sorted(files):
                    if _relevant(name):
                        full = Path(current) / name
                        seen.add(_resolved(full))
                        entries.append((str(full), _digest(full)))
        elif path.exists():
            seen.add(_resolved(path))
            entries.append((str(path), _digest(path)))
        else:
            entries.append((str(path), "missing"))
    return entries, seen


def _listing(directory: Path) -> list[tuple[str, str]]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return [("@unlistable", "")]
    return [(name, _digest(directory / name)) for name in names
            if _relevant(name) and (directory / name).is_file()]


def _option_files(options: ParseOptions) -> list[tuple[str, str]]:
    files = [*options.var_files, *options.arm_parameter_files, *options.cfn_parameter_files]
    return [(str(f), _digest(f)) for f in files]


def _bicep_outside(seen: set[Path]) -> set[Path]:
    """Files that the scanned Bicep files may read (modules, JSON) outside the tree."""
    outside: set[Path] = set()
    todo = [(p, 0) for p in seen if p.suffix.lower() == ".bicep"]
    visited: set[Path] = set()
    while todo:
        path, depth = todo.pop()
        if path in visited or depth > MAX_BICEP_DEPTH:
            continue
        visited.add(path)
        if not path.is_file() or path.stat().st_size > _READ_AT_MOST:
            continue  # a FIFO would block the read; a huge file is not parsed anyway
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for reference in _BICEP_PATH.findall(text):
            target = _resolved(path.parent / reference)
            if not target.is_file():
                continue
            if target not in seen:
                outside.add(target)
            if target.suffix.lower() == ".bicep":
                todo.append((target, depth + 1))
    return outside


def _key(paths: list[Path], options: ParseOptions, excluded: Iterable[str],
         ) -> tuple[str, set[Path]]:
    excluded = set(excluded)
    tree, seen = _tree(paths, excluded)
    key = cache_module.make_key("plan", os.getcwd(), sorted(excluded), repr(options),
                                _option_files(options), tree)
    return key, seen


def _valid(entry: Any) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("parsed"), ParseResult)
            and isinstance(entry.get("total"), int) and isinstance(entry.get("outside"), list))


def parse_cached(cache: cache_module.Cache, paths: list[Path], options: ParseOptions,
                 excluded: Iterable[str], progress: Any, parse: Parse,
                 ) -> tuple[ParseResult, int]:
    """The plan from the cache when nothing it was read from changed, else *parse* it.

    *parse* is :func:`iacjit.scan.parse_inputs`, called with a cache-backed FileParses.
    """
    from iacjit.fastparse import FileParses
    from iacjit.scan import display_path

    excluded = tuple(excluded)
    try:
        key, seen = _key(paths, options, excluded)
    except (OSError, ValueError, RecursionError):
        key, seen = None, set()
    if key is not None and cache.enabled:
        entry = cache.get(key)
        if _valid(entry) and all(_listing(Path(d)) == listing for d, listing in entry["outside"]):
            return entry["parsed"], entry["total"]
    parses = FileParses(options, display_path, cache)
    parsed, total = parse(paths, options, excluded, progress, parses=parses)
    if key is not None and cache.enabled:
        outside = {p for p in parses.terraform_read if p not in seen} | _bicep_outside(seen)
        directories = sorted({p.parent for p in outside})
        cache.put(key, {"parsed": parsed, "total": total,
                        "outside": [(str(d), _listing(d)) for d in directories]})
    return parsed, total
