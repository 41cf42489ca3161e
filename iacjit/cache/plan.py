"""Whole-plan cache: a re-scan of unchanged inputs reuses the parsed plan in one read.

Per-file entries (:mod:`iacjit.cache.files`) save the parsing; evaluating Terraform (variables,
modules, references, loops) still costs about a tenth of a cold scan, which is most of a warm
one.  This layer stores the merged :class:`ParseResult` of everything :func:`parse_inputs`
produced, under a key over:

* the versions (:func:`iacjit.cache.store.versions`), the working directory (names are shown
  relative to it), the scanned paths as given, the excluded directory names and the options;
* the name and bytes of every file below the scanned paths that a parser may read (the
  formats' read suffixes, iacjit.parsers.registry, and ``.iacjit*`` files), found with
  discovery's rules, and what the formats read below directories discovery skips;
* for a scanned *file*, the bytes (or absence) of every file its format says a parse reads
  or may read beside it (a new ``terraform.tfvars``, an edited
  ``<template>.parameters.json``), and the listing of its directory;
* the bytes of the files named in the options (``--var-file``, ``--parameters``, ...).

Files read from outside the scanned paths (a Terraform module in ``../modules``, a Bicep module
elsewhere) are recorded in the entry with their directory's listing and bytes, and checked
again before the entry is used.  The rules' outputs and chains are cached on top of this key
by :func:`iacjit.scan.run_scan`; suppressions, baselines and expiry dates apply on every scan.
File digests are reused for files whose status is unchanged (:class:`StatIndex`).
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacjit.cache import store as cache_module
from iacjit.parsers import registry
from iacjit.parsers.common.format import SKIP_DIRS
from iacjit.parsers.common.options import ParseOptions

if TYPE_CHECKING:
    from iacjit.model.raw import ParseResult

MAX_READ_DEPTH = 16  # references followed from file to file (Bicep modules calling modules)

Parse = Callable[..., "tuple[ParseResult, int]"]


def _relevant(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(registry.READ_SUFFIXES) or lowered.startswith(".iacjit")


def _read(path: str | Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _digest(path: str | Path, index: StatIndex | None = None) -> str:
    """SHA-256 of a file's bytes (str paths: a warm scan keys 1000s of files, and pathlib
    objects tripled the cost of walking them)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # a FIFO named x.tf would block read_bytes forever
            return f"special:{stat.S_IFMT(info.st_mode)}"
        if info.st_size > _READ_AT_MOST:  # never read a huge file whole just for a key
            return f"large:{info.st_size}:{info.st_mtime_ns}"
        if index is not None:
            return index.digest(path, info)
        return cache_module.digest(_read(path))
    except OSError as exc:
        return f"unreadable:{exc.errno}"


class StatIndex:
    """Content digests remembered by file status, like git's index: a file whose path, device,
    inode, size, change time and modification time are all unchanged is not read again.

    A digest is only remembered when the file's times are older than the moment it was read by
    more than the file system's timestamp granularity (RACY_FINE_NS when the times carry
    sub-millisecond digits, else RACY_COARSE_NS): a later write then always changes a time.
    Anything else (a touched file, a new inode, a copy) is read and hashed again.
    """

    def __init__(self, cache: cache_module.Cache | None):
        self.cache = cache if cache is not None and cache.enabled else None
        self.key = cache_module.make_key("stat-index", STAT_INDEX_FORMAT)
        loaded = self.cache.get(self.key, count=False) if self.cache is not None else None
        self.known: dict[str, tuple[tuple[int, ...], str]] = (
            loaded if isinstance(loaded, dict) else {})
        self.changed = False
        self.reads = 0

    def digest(self, path: str | Path, info: os.stat_result) -> str:
        name = os.path.abspath(path)
        status = (info.st_dev, info.st_ino, info.st_size, info.st_ctime_ns, info.st_mtime_ns)
        known = self.known.get(name)
        if known is not None and known[0] == status:
            return known[1]
        now = time.time_ns()
        data = _read(path)
        self.reads += 1
        value = cache_module.digest(data)
        fine = info.st_mtime_ns % 1_000_000 and info.st_ctime_ns % 1_000_000
        margin = RACY_FINE_NS if fine else RACY_COARSE_NS
        if now - max(info.st_mtime_ns, info.st_ctime_ns) > margin and len(data) == info.st_size:
            self.known[name] = (status, value)
            self.changed = True
        elif known is not None:
            del self.known[name]
            self.changed = True
        return value

    def save(self) -> None:
        if self.cache is not None and self.changed:
            if len(self.known) > STAT_INDEX_MAX:
                self.known = {}
            self.cache.put(self.key, self.known)
            self.changed = False


STAT_INDEX_FORMAT = 1
STAT_INDEX_MAX = 200_000
RACY_FINE_NS = 100_000_000  # 0.1 s: Linux file systems stamp with the kernel's coarse clock
RACY_COARSE_NS = 2_000_000_000  # 2 s: FAT's granularity, the coarsest in common use


_READ_AT_MOST = 64 * 1024 * 1024


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return path


def _tree(paths: list[Path], excluded: set[str], options: ParseOptions,
          index: StatIndex | None = None) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, digest) of every relevant file below *paths*, and those files.

    A scanned *file* brings its directory's listing (every relevant name and its bytes) and
    what its format says a parse reads or may read beside it (module directories, the module
    manifest, parameter files): one added later, edited or deleted must change the key, even
    when it did not exist when the entry was written.
    """
    entries: list[tuple[str, str]] = []
    found: list[str] = []
    listed: set[Path] = set()
    for path in paths:
        entries.append(("@path", str(path)))
        if path.is_dir():
            for current, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and d not in excluded)
                entries.extend(_links(current, dirs))
                for name in sorted(files):
                    if _relevant(name):
                        full = os.path.join(current, name)
                        found.append(full)
                        entries.append((full, _digest(full, index)))
                        entries.extend(_links(current, [name]))
                entries.extend(_hidden_reads(Path(current), files, index))
        elif path.exists():
            found.append(str(path))
            entries.append((str(path), _digest(path, index)))
            if path.parent not in listed:
                listed.add(path.parent)
                entries.append(("@beside", str(path.parent)))
                entries.extend(_listing(path.parent, index))
            entries.extend(_reads_beside(path, options, index))
        else:
            entries.append((str(path), "missing"))
    return entries, found


def _links(directory: str, names: list[str]) -> list[tuple[str, str]]:
    """Where the symbolic links among *names* lead: a module directory ``lib -> modules/a``
    retargeted to ``modules/b`` changes what a root reads, though no file's bytes changed."""
    entries = []
    for name in names:
        full = os.path.join(directory, name)
        if os.path.islink(full):
            try:
                entries.append((f"@link:{full}", os.readlink(full)))
            except OSError as exc:
                entries.append((f"@link:{full}", f"unreadable:{exc.errno}"))
    return entries


def _hidden_reads(directory: Path, names: list[str], index: StatIndex | None,
                  ) -> list[tuple[str, str]]:
    """Files the inputs in *directory* make a parse read below skipped directories
    (Terraform's module manifest, which `terraform init` rewrites)."""
    lowered = [name.lower() for name in names]
    return [(str(hidden), _digest(hidden, index))
            for fmt in registry.FORMATS if any(n.endswith(fmt.suffixes) for n in lowered)
            for hidden in fmt.hidden_reads(directory)]


def _reads_beside(path: Path, options: ParseOptions, index: StatIndex | None,
                  ) -> list[tuple[str, str]]:
    """What a parse of the scanned file *path* reads or may read beside it: files by their
    bytes (or absence), directories (local modules) by their listing."""
    entries = []
    for read in registry.reads(path, options):
        if read.is_dir():
            entries.append((f"@listing:{read}", repr(_listing(read, index))))
        else:
            entries.append((str(read), _digest(read, index)))
    return entries


def _listing(directory: Path, index: StatIndex | None = None) -> list[tuple[str, str]]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return [("@unlistable", "")]
    return [(name, _digest(directory / name, index)) for name in names
            if _relevant(name) and (directory / name).is_file()]


def _option_files(options: ParseOptions, index: StatIndex | None = None,
                  ) -> list[tuple[str, str]]:
    files = [*options.var_files, *options.arm_parameter_files, *options.cfn_parameter_files]
    return [(str(f), _digest(f, index)) for f in files]


def _followed_reads(seen: set[Path], options: ParseOptions) -> set[Path]:
    """Files outside the tree that scanned files of a format whose parse follows references
    (Bicep modules, loaded JSON) may read, followed from file to file."""

    def follows(path: Path) -> bool:
        fmt = registry.named(path)
        return fmt is not None and not fmt.self_contained

    outside: set[Path] = set()
    todo = [(p, 0) for p in seen if follows(p)]
    visited: set[Path] = set()
    while todo:
        path, depth = todo.pop()
        if path in visited or depth > MAX_READ_DEPTH:
            continue
        visited.add(path)
        fmt = registry.named(path)
        for read in fmt.reads(path, options) if fmt is not None else ():
            target = _resolved(read)
            if not target.is_file():
                continue
            if target not in seen:
                outside.add(target)
            if follows(target):
                todo.append((target, depth + 1))
    return outside


@dataclass
class PlanKey:
    """The key of one scan's plan, the files it covers and the digests used for it.

    *outside*: the directories read from outside the scanned paths, with their listings, once
    the plan has been parsed or found in the cache (layers above store it with their entries).
    """

    key: str | None
    files: list[str]
    index: StatIndex | None
    outside: list | None = None
    entries: list[tuple[str, str]] = field(default_factory=list)  # (name, digest) in the key

    def digests(self) -> dict[str, str]:
        """Content digests of the files in the key, by absolute path (for the per-file keys)."""
        return {os.path.abspath(name): digest for name, digest in self.entries
                if not name.startswith("@")}

    def seen(self) -> set[Path]:
        """The files of the key with every link resolved: each directory is resolved once
        and a file only when it is a link itself (resolving 1000 paths one by one cost a
        twentieth of a pre-commit run)."""
        directories: dict[str, str] = {}
        seen = set()
        for name in self.files:
            directory, base = os.path.split(os.path.abspath(name))
            if directory not in directories:
                directories[directory] = str(_resolved(Path(directory)))
            full = os.path.join(directories[directory], base)
            seen.add(_resolved(Path(full)) if os.path.islink(full) else Path(full))
        return seen

    def outside_unchanged(self, outside: Any) -> bool:
        """Whether the directories recorded in an entry's "outside" list are as they were."""
        return isinstance(outside, list) and all(
            _listing(Path(d), self.index) == listing for d, listing in outside)


def plan_key(cache: cache_module.Cache | None, paths: list[Path], options: ParseOptions,
             excluded: Iterable[str]) -> PlanKey:
    """The key over everything the plan is read from; None when it cannot be computed."""
    excluded = set(excluded)
    index = StatIndex(cache)
    try:
        tree, files = _tree(paths, excluded, options, index)
        key = cache_module.make_key("plan", os.getcwd(), sorted(excluded), repr(options),
                                    _option_files(options, index), tree)
    except (OSError, ValueError, RecursionError):
        return PlanKey(None, [], index)
    index.save()
    return PlanKey(key, files, index, entries=tree)


def _valid(entry: Any) -> bool:
    from iacjit.model.raw import ParseResult

    return (isinstance(entry, dict) and isinstance(entry.get("parsed"), ParseResult)
            and isinstance(entry.get("total"), int) and isinstance(entry.get("outside"), list))


def parse_cached(cache: cache_module.Cache, paths: list[Path], options: ParseOptions,
                 excluded: Iterable[str], progress: Any, parse: Parse,
                 key: PlanKey | None = None) -> tuple[ParseResult, int]:
    """The plan from the cache when nothing it was read from changed, else *parse* it.

    *parse* is :func:`iacjit.scan.parse_inputs`, called with a cache-backed FileParses.
    """
    parsed, total, _ = load_or_parse(cache, paths, options, excluded, progress, parse, key)
    return parsed, total


def load_or_parse(cache: cache_module.Cache, paths: list[Path], options: ParseOptions,
                  excluded: Iterable[str], progress: Any, parse: Parse,
                  key: PlanKey | None = None) -> tuple[ParseResult, int, list]:
    """:func:`parse_cached`, and the entry's "outside" listing (for the analysis cache)."""
    from iacjit.cache.files import FileParses
    from iacjit.discovery import display_path

    excluded = tuple(excluded)
    if key is None:
        key = plan_key(cache, paths, options, excluded)
    if key.key is not None and cache.enabled:
        entry = cache.get(key.key)
        if _valid(entry) and key.outside_unchanged(entry["outside"]):
            key.outside = entry["outside"]
            return entry["parsed"], entry["total"], entry["outside"]
    from iacjit.cache.units import TerraformUnits

    digests = key.digests()
    parses = FileParses(options, display_path, cache, digests=digests)
    units = TerraformUnits(cache, options, lambda name: digests.get(name) or _digest(
        name, key.index), parses.terraform_read)
    parsed, total = parse(paths, options, excluded, progress, parses=parses, units=units)
    seen = key.seen()
    outside = ({p for p in parses.terraform_read if p not in seen}
               | _followed_reads(seen, options))
    directories = sorted({p.parent for p in outside})
    listing = [(str(d), _listing(d, key.index)) for d in directories]
    key.outside = listing
    if key.key is not None and cache.enabled:
        cache.put(key.key, {"parsed": parsed, "total": total, "outside": listing})
    if key.index is not None:
        key.index.save()  # digests of files read for the outside listing
    return parsed, total, listing
