"""The input formats, listed once: everything outside a format's package asks here.

Discovery (which parser reads a file), the cache keys (which files a parse reads besides the
scanned ones), the pre-commit hook (which files are ours, what calls a module) and the inline
suppressions (which comment syntax a file has) go through :data:`FORMATS`.  Adding a format is
a package under ``iacjit/parsers/`` with a ``format.py`` and one line here
(docs/architecture.md).  The ``format.py`` modules import nothing heavy: a parser is imported
only when a file of its format is parsed, so ``iacjit --version`` and a cached report stay fast.
What a format answers is documented on :class:`iacjit.parsers.common.format.Format`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from iacjit import boundary
from iacjit.parsers.arm.format import ARM
from iacjit.parsers.bicep.format import BICEP
from iacjit.parsers.cloudformation.format import CLOUDFORMATION
from iacjit.parsers.common.format import Format
from iacjit.parsers.common.options import ParseOptions
from iacjit.parsers.terraform.format import TERRAFORM
from iacjit.parsers.terraform_plan.format import TERRAFORM_PLAN

if TYPE_CHECKING:
    from iacjit.model.raw import ParseResult, RawResource

SNIFF_BYTES = 64 * 1024


# The order is the sniffing order: plans quote ARM ids and CloudFormation bodies.
FORMATS: tuple[Format, ...] = (TERRAFORM, TERRAFORM_PLAN, CLOUDFORMATION, ARM, BICEP)
_BY_NAME = {f.name: f for f in FORMATS}

INPUT_SUFFIXES = tuple(sorted({s for f in FORMATS for s in f.suffixes}))
COMPANION_SUFFIXES = tuple(sorted({s for f in FORMATS for s in f.companions}))
READ_SUFFIXES = tuple(sorted({s for f in FORMATS
                              for s in (*f.suffixes, *f.read_suffixes, *f.companions)}))


def get(name: str) -> Format:
    return _BY_NAME[name]


def find(name: str) -> Format | None:
    """The format named *name*, or None."""
    return _BY_NAME.get(name)


def companion_owners(path: Path) -> list[Format]:
    """The formats that read *path* beside their inputs (a tfvars or parameters file; ARM
    and Bicep both read ``<name>.parameters.json``)."""
    name = path.name.lower()
    return [f for f in FORMATS if name.endswith(f.companions)]


def named(path: Path) -> Format | None:
    """The format that the name of *path* alone decides; None when formats share its suffix."""
    name = path.name.lower()
    found = [f for f in FORMATS if name.endswith(f.suffixes)]
    return found[0] if len(found) == 1 and not found[0].sniffed else None


def may_be_input(path: Path) -> bool:
    """Whether *path* has the name of an input (its content may still say otherwise)."""
    return path.name.lower().endswith(INPUT_SUFFIXES)


def classify(path: Path) -> Format | None:
    """The format of the file *path* by its name and, when formats share its suffix, its
    first bytes; None when it is no input (or a companion).  OSError when it is unreadable."""
    name = path.name.lower()
    candidates = [f for f in FORMATS if name.endswith(f.suffixes)]
    if not candidates or companion_owners(path):
        return None
    direct = next((f for f in candidates if not f.sniffed), None)
    if direct is not None:
        return direct
    boundary.check(path)  # only files inside the scanned repository are read
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES).decode("utf-8", errors="replace")
    return next((f for f in candidates if f.sniff(name, head)), None)


def reads(path: Path, options: ParseOptions) -> list[Path]:
    """What parsing the input file *path* may read besides it ([] when it is no input)."""
    try:
        fmt = classify(path)
    except OSError:
        return []
    return fmt.reads(path, options) if fmt is not None else []


def embedded(resources: Sequence[RawResource], options: ParseOptions) -> list[ParseResult]:
    """What every format finds embedded in *resources* (which are not changed)."""
    found = (f.embedded(resources, options) for f in FORMATS)
    return [result for result in found if result is not None]
