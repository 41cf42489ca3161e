"""Terraform HCL as the rest of iacjit sees it (iacjit.parsers.registry).

A Terraform root is a directory: discovery groups ``.tf`` files by directory and
:func:`iacjit.parsers.terraform.parse_roots` evaluates each root with its variable files and
modules; one file's parse is its syntax tree, which the cache stores by content.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from iacjit.parsers.common.format import Format
from iacjit.parsers.common.options import ParseOptions
from iacjit.parsers.common.text import peek_text

# Variable files Terraform loads by itself from a root (roots.Loader.root_inputs).
AUTO_VARIABLE_FILES = ("terraform.tfvars", "terraform.tfvars.json")
AUTO_VARIABLE_PATTERNS = ("*.auto.tfvars", "*.auto.tfvars.json")
# Written by `terraform init` below .terraform/, which discovery skips (read by
# iacjit.parsers.terraform.manifest): a module installed or removed changes the plan.
MANIFEST = Path(".terraform") / "modules" / "modules.json"
_LOCAL_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.{1,2}/[^"]*)"', re.M)


class Terraform(Format):
    name = "terraform"
    suffixes = (".tf",)
    read_suffixes = (".tfvars", ".json", ".hcl")
    companions = (".tfvars", ".tfvars.json")
    per_directory = True
    calls_modules = True

    def parse_file(self, path: Path, shown: str, options: ParseOptions) -> Any:
        """The syntax tree and the problems (message, line, column) of one file: its bytes
        alone decide them, so the cache keys them by content."""
        from iacjit.parsers.terraform.files import parse_tf_file

        body, errors = parse_tf_file(path, shown, options.limits)
        return body, [(e.message, e.line, e.column) for e in errors]

    def reads(self, path: Path, options: ParseOptions) -> list[Path]:
        """The root's variable files (also those Terraform would load if they appeared), its
        module manifest, the ``--var-file`` files and the local module directories called."""
        directory = path.parent
        found = [directory / name for name in AUTO_VARIABLE_FILES]
        for pattern in AUTO_VARIABLE_PATTERNS:
            found.extend(sorted(directory.glob(pattern)))
        found.extend(self.hidden_reads(directory))
        found.extend(options.var_files)
        found.extend(self.module_calls(path, options))
        return found

    def hidden_reads(self, directory: Path) -> list[Path]:
        return [directory / MANIFEST]

    def module_calls(self, path: Path, options: ParseOptions) -> list[Path]:
        """Local module directories (``source = "./..."``); registry modules are no files."""
        text = peek_text(path, options.limits.max_file_bytes)
        return [(path.parent / source).resolve() for source in _LOCAL_SOURCE.findall(text)]

    def comment_openers(self, name: str) -> tuple[str, ...]:
        return ("#", "//", "/*")


TERRAFORM = Terraform()
