"""ARM templates as the rest of iacjit sees them (iacjit.parsers.registry)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from iacjit.parsers.arm.companions import PARAMETERS_SUFFIX, sibling_parameters
from iacjit.parsers.common.format import Format
from iacjit.parsers.common.options import ParseOptions

if TYPE_CHECKING:
    from iacjit.model.raw import ParseResult, RawResource

class Arm(Format):
    name = "arm"
    suffixes = (".json",)
    sniffed = True
    companions = (PARAMETERS_SUFFIX,)

    def sniff(self, name: str, head: str) -> bool:
        lowered = head.lower()
        return "deploymenttemplate.json" in lowered or (
            '"resources"' in head and "microsoft." in lowered)

    def parse_file(self, path: Path, shown: str, options: ParseOptions) -> ParseResult:
        from iacjit.parsers.arm.parser import parse_file

        return parse_file(path, shown, options)

    def reads(self, path: Path, options: ParseOptions) -> list[Path]:
        """The sibling parameters file (read when it exists) and the ``--parameters`` files;
        nested templates are inline and linked ones URLs, never read."""
        return [sibling_parameters(path), *options.arm_parameter_files]

    def embedded(self, resources: Sequence[RawResource], options: ParseOptions,
                 ) -> ParseResult | None:
        """The templates of Terraform template deployments (ARM inside Terraform)."""
        if not any(r.type.endswith("_template_deployment") for r in resources):
            return None
        from iacjit.parsers.arm.embedded import expand

        return expand(list(resources), options)


ARM = Arm()
