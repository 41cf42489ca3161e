"""The per-root layer of the content cache: one Terraform root's evaluated outcome.

The plan and analysis layers (iacjit.cache.plan, iacjit.cache.analysis) serve a scan whose
inputs are all unchanged; one edited file misses them, and evaluating every root again (with
each file's syntax tree from the per-file layer) was most of a pre-commit run.  A root's outcome
(iacjit.parsers.terraform.reads.RootOutcome: its resources, errors and local module calls)
depends only on what its evaluation read, which the loader records
(iacjit.parsers.terraform.reads.Reads).  So it is stored under a key over the root, its files
as discovery found them, the options, the working directory (names are shown relative to it)
and the trust boundary, with what the reads saw:

* every file read or looked for: its bytes (or absence) and, for a link, where it leads;
* where every directory read from resolves (a retargeted link reads other files);
* every directory listing that chose files (``*.tf`` of a module, ``*.auto.tfvars``);
* the files discovery gave for a scanned root that a module call reads.

An entry is used only when all of these are as they were; anything else evaluates the root
again.  The other layers are unchanged: the whole-plan entry and the analysis are still
written, and the rules and chains still run over the whole plan, so a result never depends on
which roots came from here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iacjit import boundary
from iacjit.cache import store as cache_module
from iacjit.parsers.common.options import ParseOptions
from iacjit.parsers.terraform.reads import Reads, RootOutcome

FORMAT = 1


class TerraformUnits:
    """The outcomes of one scan's Terraform roots in *cache* (iacjit.parsers.terraform's
    UnitStore).  *digest*: a file's content digest by absolute name (the plan key's, reused);
    *parsed*: where the Terraform files a reused outcome parsed are added (the plan layer's
    outside check)."""

    def __init__(self, cache: cache_module.Cache, options: ParseOptions,
                 digest: Callable[[str], str], parsed: set[Path]):
        self.cache = cache
        self.options = options
        self.digest = digest
        self.parsed = parsed
        self._known: dict[str, tuple[str, ...]] = {}
        self._found: dict[Path, RootOutcome | None] = {}
        self._real: dict[str, str] = {}

    def start(self, roots: dict[Path, list[Path]]) -> None:
        """The scan's roots with their files (a module call of a root reads these)."""
        self._known = {self._realpath(os.path.abspath(root)):
                       tuple(os.path.abspath(f) for f in files) for root, files in roots.items()}
        self._found = {}

    def _key(self, root: Path, files: list[Path]) -> str:
        return cache_module.make_key("terraform-unit", FORMAT, os.getcwd(), repr(self.options),
                                     boundary.state(), os.path.abspath(root),
                                     [str(f) for f in files])

    def get(self, root: Path, files: list[Path]) -> RootOutcome | None:
        """The stored outcome of *root* when everything it read is unchanged."""
        if root not in self._found:
            self._found[root] = self._load(root, files)
        return self._found[root]

    def _load(self, root: Path, files: list[Path]) -> RootOutcome | None:
        entry = self.cache.get(self._key(root, files))
        if not (isinstance(entry, dict) and entry.get("format") == FORMAT
                and isinstance(entry.get("outcome"), RootOutcome)
                and isinstance(entry.get("reads"), Reads)
                and isinstance(entry.get("seen"), list)):
            return None
        reads: Reads = entry["reads"]
        if entry["seen"] != self._seen(reads) or not self._same_choices(reads):
            return None
        self.parsed.update(reads.parsed)
        return entry["outcome"]

    def put(self, root: Path, files: list[Path], outcome: RootOutcome, reads: Reads) -> None:
        self._found[root] = outcome
        self.cache.put(self._key(root, files), {"format": FORMAT, "outcome": outcome,
                                                "reads": reads, "seen": self._seen(reads)})

    # -- what the reads saw ------------------------------------------------------------------
    def _seen(self, reads: Reads) -> list[Any]:
        """Each file's content digest and link target, and where each directory resolves."""
        seen: list[Any] = [(name, self.digest(name), self._link(name)) for name in reads.files]
        directories = {os.path.dirname(name) for name in reads.files}
        directories.update(directory for directory, _ in reads.globs)
        directories.update(reads.listed)
        seen.extend((directory, self._realpath(directory)) for directory in sorted(directories))
        return seen

    def _same_choices(self, reads: Reads) -> bool:
        """Every listing chooses the same files now: globs find the same names, a module that
        was a scanned root still is one with the same files (and one that was not, is not)."""
        for (directory, pattern), names in reads.globs.items():
            path = Path(directory)
            found = tuple(p.name for p in sorted(path.glob(pattern))) if path.is_dir() else None
            if found != names:
                return False
            if pattern == "*.tf" and self._realpath(directory) in self._known:
                return False
        return all(self._known.get(self._realpath(directory)) == files
                   for directory, files in reads.listed.items())

    @staticmethod
    def _link(name: str) -> str | None:
        return os.path.realpath(name) if os.path.islink(name) else None

    def _realpath(self, directory: str) -> str:
        if directory not in self._real:
            self._real[directory] = os.path.realpath(directory)
        return self._real[directory]
