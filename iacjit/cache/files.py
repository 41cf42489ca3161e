"""Per-file parsing for a scan: from the content cache, in a process pool, or right here.

Parsing is nearly all of a cold scan (python-hcl2's lark parser), and it is per file, so it is
cached by content and spread over the cores; evaluation (variables, modules, references) stays
in the parent, which sees every file's result.

* Terraform: the AST :class:`Body` of each ``.tf``/``.tfvars`` file, keyed by its bytes.
* Files of the other self-contained formats (ARM, CloudFormation, plan JSON): the whole
  :class:`ParseResult`, keyed by its bytes, the name it is shown under, the parse options and
  the bytes of every other file its format says a parse reads (iacjit.parsers.registry).
  Bicep files read the modules they call, so they are neither cached here nor pooled.

Large amounts of work go to the process pool (:mod:`iacjit.cache.pool`) first.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from iacjit import boundary
from iacjit.cache import pool
from iacjit.cache import store as cache_module
from iacjit.cache.pool import TERRAFORM, Problems, Progress, cacheable
from iacjit.model.raw import InputError, ParseResult
from iacjit.parsers import registry
from iacjit.parsers.common.options import ParseOptions
from iacjit.resolved import resolve


def ready_hcl_parser() -> None:
    """Load the HCL parse loop (iacjit.parsers.terraform.hcl.engine) in the parent before the
    pool starts, so forked workers inherit it instead of each loading its own."""
    from iacjit.parsers.terraform import hcl

    hcl.engine()


# ----- the parent's view ------------------------------------------------------------------
class FileParses:
    """Parse outcomes of one scan's files; :meth:`terraform` is the Terraform loader's hook."""

    def __init__(self, options: ParseOptions, display: Callable[[Path], str],
                 cache: cache_module.Cache | None = None, jobs: int | None = None,
                 digests: dict[str, str] | None = None):
        self.options = options
        self.digests = digests or {}  # SHA-256 by absolute path, from the plan key
        self.display = display
        self.cache = cache
        self.jobs = pool.worker_count() if jobs is None else jobs
        self.terraform_read: set[Path] = set()  # every Terraform file parsed (resolved)
        self.pooled = 0  # files parsed in the pool
        self._terraform: dict[Path, tuple[Any, Problems]] = {}
        self._files: dict[Path, ParseResult] = {}
        self._keys: dict[Path, str | None] = {}

    # -- keys ---------------------------------------------------------------------------
    def _readable(self, path: Path) -> bool:
        """A regular file within the size limit.  Anything else gets no key: the parser
        reports it (and a FIFO named x.tf would block a read forever)."""
        try:
            boundary.check(path)  # outside: no key, no cached outcome, the parser refuses it
            info = path.stat()
        except OSError:
            return False
        return stat.S_ISREG(info.st_mode) and info.st_size <= self.options.limits.max_file_bytes

    def _read(self, path: Path) -> bytes | None:
        try:
            return path.read_bytes() if self._readable(path) else None
        except OSError:
            return None

    def _key(self, kind: str, path: Path, display: str) -> str | None:
        resolved = resolve(path)
        if resolved in self._keys:
            return self._keys[resolved]
        key = None
        if self.cache is not None and self.cache.enabled and registry.get(kind).self_contained:
            content = self._digest(path)
            if content is not None:
                if kind == TERRAFORM:
                    key = cache_module.make_key("terraform-body", content)
                else:
                    key = cache_module.make_key("file", kind, display, content,
                                                repr(self.options),
                                                *self._dependencies(kind, path))
        self._keys[resolved] = key
        return key

    def _digest(self, path: Path) -> str | None:
        """SHA-256 of the file's bytes: the plan key's when it hashed the file already (every
        file is then read once per cold scan, not twice), else read here."""
        known = self.digests.get(os.path.abspath(path))
        if known is not None and len(known) == 64 and self._readable(path):
            return known
        data = self._read(path)
        return None if data is None else cache_module.digest(data)

    def _dependencies(self, kind: str, path: Path) -> list[bytes]:
        """The bytes of the other files a file's parse reads (missing ones as b'-')."""
        files = registry.get(kind).reads(path, self.options)
        return [(self._read(f) or b"-") if f.is_file() else b"-" for f in files]

    # -- bulk: cache, then the pool ------------------------------------------------------
    def prefetch(self, terraform_files: Iterable[Path], files: Iterable[tuple[str, Path]],
                 progress: Progress | None = None) -> None:
        """Fill in every file's outcome ahead of evaluation: cached ones, then the pool.

        Below the pool's threshold nothing is parsed here: :meth:`terraform` and :meth:`file`
        parse on demand (from the cache when they can).
        """
        jobs: list[tuple] = []
        keys: list[str | None] = []
        first: dict[str, int] = {}  # Terraform content key -> its job
        copies: dict[int, list[tuple]] = {}  # job -> files with the same bytes
        size = 0
        for kind, path in [(TERRAFORM, p) for p in terraform_files] + list(files):
            resolved = resolve(path)
            if resolved in self._terraform or resolved in self._files:
                continue
            if not boundary.inside(path):
                continue  # refused on demand, here, where the trust boundary is in force
            shown = self.display(path)
            key = self._key(kind, path, shown)
            cached = self.cache.get(key) if key and self.cache else None
            if cached is not None and self._accept(kind, resolved, cached):
                continue
            job = (kind, path, shown, self.options)
            if kind == TERRAFORM and key in first:
                # A Terraform file's outcome depends on its bytes alone (errors carry no
                # name): the same bytes elsewhere (copied modules, environments) parse once.
                copies.setdefault(first[key], []).append(job)
                continue
            if kind == TERRAFORM and key:
                first[key] = len(jobs)
            jobs.append(job)
            keys.append(key)
            with contextlib.suppress(OSError):
                size += path.stat().st_size
        if not pool.worth_pooling(self.jobs, len(jobs), size):
            return
        if any(job[0] == TERRAFORM for job in jobs):
            ready_hcl_parser()
        self.pooled += pool.run(jobs, keys, copies, self.jobs, self.cache, self._take, progress)

    def _accept(self, kind: str, resolved: Path, value: Any) -> bool:
        """Keep a cached or pooled outcome when it has the expected shape."""
        if kind == TERRAFORM:
            if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], list):
                self._terraform[resolved] = value
                return True
            return False
        if isinstance(value, ParseResult):
            self._files[resolved] = value
            return True
        return False

    def _take(self, job: tuple, data: bytes | None) -> None:
        kind, path = job[0], job[1]
        value = cache_module.decode(data) if data is not None else None
        if value is not None:
            self._accept(kind, resolve(path), value)  # else: parsed again on demand

    # -- on demand -----------------------------------------------------------------------
    def terraform(self, path: Path, shown: str) -> tuple[Any, list[InputError]]:
        """Body and errors of one Terraform file (the hook of the Terraform loader)."""
        resolved = resolve(path)
        self.terraform_read.add(resolved)
        outcome = self._terraform.pop(resolved, None)
        if outcome is None:
            key = self._key(TERRAFORM, path, shown)
            cached = self.cache.get(key) if key and self.cache else None
            if cached is not None and self._accept(TERRAFORM, resolved, cached):
                outcome = self._terraform.pop(resolved)
            else:
                ready_hcl_parser()
                outcome = pool.terraform_outcome(path, shown, self.options)
                if key and self.cache is not None and cacheable(outcome[1]):
                    self.cache.put(key, outcome)
        body, problems = outcome
        return body, [InputError(shown, message, line, column)
                      for message, line, column in problems]

    def file(self, kind: str, path: Path) -> ParseResult:
        """The ParseResult of one ARM, Bicep, CloudFormation or plan file."""
        resolved = resolve(path)
        result = self._files.pop(resolved, None)
        if result is not None:
            return result
        display = self.display(path)
        key = self._key(kind, path, display)
        if key and self.cache is not None:
            cached = self.cache.get(key)
            if isinstance(cached, ParseResult):
                return cached
        result = pool.file_outcome(kind, path, display, self.options)
        if key and self.cache is not None and not any(
                e.message.startswith("cannot read") for e in result.errors):
            self.cache.put(key, result)
        return result
