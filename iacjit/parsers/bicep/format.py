"""Bicep as the rest of iacjit sees it (iacjit.parsers.registry)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from iacjit.parsers.bicep.files import parameter_files
from iacjit.parsers.common.format import Format
from iacjit.parsers.common.options import ParseOptions
from iacjit.parsers.common.text import peek_text

if TYPE_CHECKING:
    from iacjit.model.raw import ParseResult

# Any quoted local path of a .bicep or .json file: modules, loadJsonContent(), ...
_REFERENCE = re.compile(r"'((?:\.{1,2}/|/)?[^'\n:$]+\.(?:bicep|json))'")


class Bicep(Format):
    name = "bicep"
    suffixes = (".bicep",)
    read_suffixes = (".bicepparam", ".json")
    companions = (".bicepparam", ".parameters.json")
    # A parse follows module calls into files known only once it runs: not cached per file
    # (the plan layer covers it) and not parsed ahead in the pool.
    self_contained = False
    calls_modules = True
    decorator = "@"

    def parse_file(self, path: Path, shown: str, options: ParseOptions) -> ParseResult:
        from iacjit.parsers.bicep.parser import parse_file

        return parse_file(path, shown, options)

    def reads(self, path: Path, options: ParseOptions) -> list[Path]:
        """Its parameter files (``<name>.parameters.json``, ``<name>.bicepparam``, present or
        not, and the directory's other ``.bicepparam`` files) and every local ``.bicep`` or
        ``.json`` path the file quotes (modules, loaded JSON)."""
        own = [path.with_name(f"{path.stem}.parameters.json"), path.with_suffix(".bicepparam")]
        found = [*own, *(p for p in parameter_files(path) if p not in own)]
        text = peek_text(path, options.limits.max_file_bytes)
        return [*found, *(path.parent / reference for reference in _REFERENCE.findall(text))]

    def module_calls(self, path: Path, options: ParseOptions) -> list[Path]:
        """The local ``.bicep`` files it calls as modules (existing ones, not itself), as its
        parse reads them."""
        from iacjit.parsers.bicep.parser import local_module_files

        return local_module_files(path, options)

    def comment_openers(self, name: str) -> tuple[str, ...]:
        return ("//", "/*")


BICEP = Bicep()
