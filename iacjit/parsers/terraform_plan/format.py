"""Terraform plan JSON (``terraform show -json``) as the rest of iacjit sees it
(iacjit.parsers.registry): self-contained, configuration and values are inside."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from iacjit.parsers.common.format import Format
from iacjit.parsers.common.options import ParseOptions

if TYPE_CHECKING:
    from iacjit.model.raw import ParseResult


class TerraformPlan(Format):
    name = "terraform-plan"
    suffixes = (".json",)
    sniffed = True

    def sniff(self, name: str, head: str) -> bool:
        return '"planned_values"' in head or (
            '"format_version"' in head and '"terraform_version"' in head)

    def parse_file(self, path: Path, shown: str, options: ParseOptions) -> ParseResult:
        from iacjit.parsers.terraform_plan.parser import parse_file

        return parse_file(path, shown, options)


TERRAFORM_PLAN = TerraformPlan()
