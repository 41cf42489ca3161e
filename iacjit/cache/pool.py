"""The process pool that parses files on every core, and the parse of one file it runs.

Parsing is nearly all of a cold scan (python-hcl2's lark parser) and it is per file, so above
:data:`MIN_POOL_FILES` files and :data:`MIN_POOL_BYTES` bytes still to parse the work goes to
a pool with one worker per available core (``IACJIT_JOBS`` sets the number; 1 turns the pool
off).  Each worker pickles its outcomes once and writes their cache entries itself, off the
parent.  Anything that goes wrong in the pool falls back to parsing in the parent.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iacjit.cache import store as cache_module
from iacjit.model.raw import InputError, ParseResult
from iacjit.parsers import registry
from iacjit.parsers.common.options import ParseOptions

MIN_POOL_FILES = 24
MIN_POOL_BYTES = 192 * 1024
CHUNK_FILES = 8

TERRAFORM = registry.TERRAFORM.name  # per directory: a file's outcome is its syntax tree

Progress = Callable[[int, int, str], None]
Problems = list[tuple[str, "int | None", "int | None"]]
Job = tuple  # (kind, path, shown, options)


def worker_count() -> int:
    """``IACJIT_JOBS`` when set, else the cores this process may run on."""
    explicit = os.environ.get("IACJIT_JOBS", "").strip()
    if explicit.isdigit() and int(explicit) > 0:
        return int(explicit)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worth_pooling(workers: int, files: int, size: int) -> bool:
    """Whether starting workers pays off: below the thresholds it costs more than it saves."""
    return workers >= 2 and files >= MIN_POOL_FILES and size >= MIN_POOL_BYTES


# ----- the work itself (runs in workers or in the parent) ---------------------------------
def terraform_outcome(path: Path, shown: str, options: ParseOptions) -> tuple[Any, Problems]:
    return registry.TERRAFORM.parse_file(path, shown, options)


def file_outcome(kind: str, path: Path, display: str, options: ParseOptions) -> ParseResult:
    fmt = registry.find(kind)
    if fmt is None:
        return ParseResult(errors=[InputError(display, f"{kind} input is not supported yet")])
    return fmt.parse_file(path, display, options)


def _outcome(job: Job) -> Any:
    kind, path, shown, options = job
    if kind == TERRAFORM:
        return terraform_outcome(path, shown, options)
    return file_outcome(kind, path, shown, options)


def cacheable(problems: Problems) -> bool:
    """A file that could not be read says nothing about its content: not cached."""
    return not any(message.startswith("cannot read")
                   or (message.startswith("file is ") and "limit" in message)
                   for message, _, _ in problems)


def _work(jobs: list[Job], keys: list[str | None],
          cache: cache_module.Cache | None) -> list[bytes | None]:
    """Pool task: parse a chunk of files; each result is pickled once, here, and written to
    the cache here too (in parallel, off the parent)."""
    gc.disable()  # short-lived worker: collections only slow the parser and the pickler down
    results = []
    for job, key in zip(jobs, keys, strict=True):
        outcome = _outcome(job)
        data = cache_module.encode(outcome)
        if key and cache is not None and data is not None and (
                job[0] != TERRAFORM or cacheable(outcome[1])):
            cache.put_encoded(key, data)
        results.append(data)
    return results


# ----- the parent's side -------------------------------------------------------------------
def run(jobs: list[Job], keys: list[str | None], copies: dict[int, list[Job]], workers: int,
        cache: cache_module.Cache | None, take: Callable[[Job, bytes | None], None],
        progress: Progress | None) -> int:
    """Parse *jobs* in a pool; *take* receives each job's pickled outcome, and again for each
    of its *copies* (files with the same bytes).  Returns the number of parses done, 0 when
    the pool could not run (the caller then parses on demand)."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # Largest first, so no worker is left with a big file at the end.
    order = sorted(range(len(jobs)), key=lambda i: -_size(jobs[i][1]))
    chunks = [order[i:i + CHUNK_FILES] for i in range(0, len(order), CHUNK_FILES)]
    done = 0  # parses
    files, total = 0, len(jobs) + sum(len(c) for c in copies.values())  # and their copies
    try:
        import multiprocessing

        context = (multiprocessing.get_context("fork")
                   if sys.platform.startswith("linux") else None)
        with ProcessPoolExecutor(max_workers=min(workers, len(chunks)),
                                 mp_context=context) as pool:
            futures = {pool.submit(_work, [jobs[i] for i in chunk],
                                   [keys[i] for i in chunk], cache): chunk
                       for chunk in chunks}
            for future in as_completed(futures):
                chunk = futures[future]
                for index, data in zip(chunk, future.result(), strict=True):
                    take(jobs[index], data)
                    for copy in copies.get(index, ()):
                        take(copy, data)  # its own objects: decoded again
                done += len(chunk)
                files += len(chunk) + sum(len(copies.get(i, ())) for i in chunk)
                if progress and files < total:  # evaluation reports the rest
                    progress(files, total, jobs[chunk[-1]][2])
    except Exception:  # noqa: BLE001 - no pool (sandbox, resources): parse here instead
        return 0
    return done


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
