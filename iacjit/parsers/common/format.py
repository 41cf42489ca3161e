"""What the rest of iacjit knows about an input format: the base every format's ``format.py``
extends, with the answers of a format that has none of these features.

Only the registry (iacjit.parsers.registry) lists the formats; discovery, the cache keys, the
hook and the inline suppressions ask it instead of naming formats.  A ``format.py`` imports
nothing heavy: its parser is imported inside :meth:`Format.parse_file`, so ``iacjit
--version`` and a cached report do not load parsers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacjit.parsers.common.options import ParseOptions

if TYPE_CHECKING:
    from iacjit.model.raw import ParseResult, RawResource

# Directories no format reads from: tools' state, dependencies, caches (discovery and the cache
# keys skip them; so does the Checkov pack, which reads templates beside Checkov's scan).
SKIP_DIRS = frozenset({".git", ".terraform", "node_modules", ".venv", "__pycache__",
                       ".iacjit-cache"})


class Format:
    """One input format; subclasses set the attributes and override what applies."""

    name: str  # the ``source_format`` of its resources and the file kind in cache keys
    suffixes: tuple[str, ...]  # lower-case endings of its input files' names
    read_suffixes: tuple[str, ...] = ()  # endings of other files a parse may read
    sniffed = False  # the suffix is shared with other formats: sniff() decides on content
    companions: tuple[str, ...] = ()  # endings of files read beside an input, never inputs
    per_directory = False  # a directory is one unit (a Terraform root), else each file is
    self_contained = True  # a parse reads only the file and reads(): parsed ahead, cached
    calls_modules = False  # module_calls() may find something
    decorator = ""  # lines starting so belong to the comment block above a resource

    def sniff(self, name: str, head: str) -> bool:
        """Whether a file named *name* (lower case) starting with *head* is of this format."""
        return True

    def parse_file(self, path: Path, shown: str, options: ParseOptions) -> Any:
        """The picklable outcome of one file: a ParseResult (Terraform: the file's syntax
        tree and problems; its roots are evaluated per directory)."""
        raise NotImplementedError

    def reads(self, path: Path, options: ParseOptions) -> list[Path]:
        """Every other file or directory a parse of *path* reads or may read, existing or
        not yet: a new terraform.tfvars changes the plan as much as an edited one."""
        return []

    def hidden_reads(self, directory: Path) -> list[Path]:
        """Files a parse of the inputs in *directory* reads below directories that
        discovery skips (Terraform's module manifest below ``.terraform``)."""
        return []

    def module_calls(self, path: Path, options: ParseOptions) -> list[Path]:
        """The local modules *path* calls (directories or files, resolved): files its parse
        reads, and inputs of a per-file format that are evaluated through their caller
        rather than on their own when the scan reaches them from a file nobody calls."""
        return []

    def comment_openers(self, name: str) -> tuple[str, ...]:
        """How comments start in the file *name*; () when it has none."""
        return ()

    def embedded(self, resources: Sequence[RawResource], options: ParseOptions,
                 ) -> ParseResult | None:
        """Resources of this format embedded in other formats' resources (ARM templates in
        Terraform deployments), or None."""
        return None
