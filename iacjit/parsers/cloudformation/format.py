"""CloudFormation templates as the rest of iacjit sees them (iacjit.parsers.registry)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from iacjit.parsers.common.format import Format
from iacjit.parsers.common.options import ParseOptions

if TYPE_CHECKING:
    from iacjit.model.raw import ParseResult


class CloudFormation(Format):
    name = "cloudformation"
    suffixes = (".json", ".yaml", ".yml", ".template")
    sniffed = True

    def sniff(self, name: str, head: str) -> bool:
        return "AWSTemplateFormatVersion" in head or "AWS::" in head

    def parse_file(self, path: Path, shown: str, options: ParseOptions) -> ParseResult:
        from iacjit.parsers.cloudformation.parser import parse_file

        return parse_file(path, shown, options)

    def reads(self, path: Path, options: ParseOptions) -> list[Path]:
        """The ``--cfn-parameters`` files; nested stacks are URLs (TemplateURL), not read."""
        return list(options.cfn_parameter_files)

    def comment_openers(self, name: str) -> tuple[str, ...]:
        """YAML comments; a JSON template (or a .template, often JSON) has none."""
        return () if name.lower().endswith((".json", ".template")) else ("#",)


CLOUDFORMATION = CloudFormation()
