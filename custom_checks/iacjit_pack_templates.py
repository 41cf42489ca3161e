"""ARM, Bicep and CloudFormation verdicts from iacjit's own readers, not Checkov's tree.

Checkov's tree of a template is partly evaluated (ARM expressions stay text, Bicep loops and
modules are not expanded, CloudFormation intrinsics stay dicts, ``languageVersion`` 2.0
templates are skipped).  So the pack reads the scanned template itself with the reader
``iacjit scan`` uses, with what that reader reads beside it (parameter files, Bicep modules,
and for a Bicep module its callers), builds the model, runs the rule, and maps each output to
the Checkov entity it belongs to:

- CloudFormation: by logical id (Checkov's entity name is iacjit's address);
- ARM and Bicep: by place, the resource of the same kind (NSG or rule) whose declaration
  starts inside the entity's lines; copy loops and module instances give several.

Each template (each Bicep unit) is read and judged once per Checkov process, not once per
resource.  Nothing here raises for a bad template: it becomes an UNKNOWN with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import iacjit_pack_files as files
from iacjit_pack_loader import api
from iacjit_pack_verdict import UNKNOWN, Verdict, judge

NSG, RULE = "nsg", "rule"
ARM_NSG = "Microsoft.Network/networkSecurityGroups"
ARM_RULE = "Microsoft.Network/networkSecurityGroups/securityRules"
# Checkov names a child resource nested in its NSG by its relative type.
ARM_TYPES = (ARM_NSG, ARM_RULE, "securityRules")
CFN_TYPES = ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress")
_KINDS = {ARM_NSG.lower(): NSG, ARM_RULE.lower(): RULE, "securityrules": RULE}
_LINES = (("__startline__", "__endline__"), ("__start_line__", "__end_line__"))


@dataclass
class Unit:
    """One evaluated deployment unit: its resources, the rule's outputs, its read errors."""

    resources: list[Any] = field(default_factory=list)
    outputs: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rule_error: str = ""  # the rule itself failed: no verdict of the unit can be trusted


@dataclass
class Judged:
    """A verdict with the names the stderr line uses."""

    verdict: Verdict
    file: str
    resource: str


def kind(rtype: str) -> str | None:
    return _KINDS.get(rtype.lower())


def _lines(conf: dict[str, Any]) -> tuple[int, int] | None:
    for start_key, end_key in _LINES:
        start, end = conf.get(start_key), conf.get(end_key)
        if isinstance(start, int) and isinstance(end, int):
            return start, end
    return None


class TemplateReader:
    """Reads and judges templates for one rule, caching per file within the process."""

    def __init__(self, rule_id: str) -> None:
        api()  # the readers are imported from iacjit, loaded by path
        self.rule_id = rule_id
        self._parses: dict[Path, tuple[list[Any], list[str]]] = {}
        self._units: dict[tuple[Path, ...], Unit] = {}
        self._calls: dict[Path, dict[Path, set[Path]]] = {}

    # -- reading ---------------------------------------------------------------------------

    def _options(self) -> Any:
        from iacjit.parsers.common.options import ParseOptions

        return ParseOptions()

    def _format(self, path: Path, framework: str) -> Any:
        if framework == "cloudformation":
            from iacjit.parsers.cloudformation.format import CLOUDFORMATION

            return CLOUDFORMATION
        if path.suffix.lower() == ".bicep":
            from iacjit.parsers.bicep.format import BICEP

            return BICEP
        from iacjit.parsers.arm.format import ARM

        return ARM

    def _parse(self, path: Path, framework: str) -> tuple[list[Any], list[str]]:
        if path not in self._parses:
            try:
                result = self._format(path, framework).parse_file(path, str(path),
                                                                  self._options())
                errors = [_located(e) for e in result.errors]
                self._parses[path] = (list(result.resources), errors)
            except Exception as exc:  # noqa: BLE001 - a reader bug is an UNKNOWN, not a crash
                self._parses[path] = ([], [f"{path}: iacjit's reader failed: "
                                           f"{type(exc).__name__}: {exc}"])
        return self._parses[path]

    def _unit_files(self, path: Path, framework: str, root: Path | None) -> tuple[Path, ...]:
        if path.suffix.lower() != ".bicep" or root is None:
            return (path,)
        if root not in self._calls:
            from iacjit.parsers.bicep.format import BICEP

            try:
                self._calls[root] = files.bicep_calls(root, BICEP.module_calls, self._options())
            except Exception:  # noqa: BLE001 - without the call graph, the file alone
                self._calls[root] = {}
        return tuple(files.bicep_units(path, self._calls[root]))

    def unit(self, path: Path, framework: str, root: Path | None) -> Unit:
        """The evaluated unit that deploys *path* (cached)."""
        key = self._unit_files(path, framework, root)
        if key not in self._units:
            unit = Unit()
            for member in key:
                resources, errors = self._parse(member, framework)
                unit.resources += resources
                unit.errors += errors
            a = api()
            try:
                model = a.build_model(unit.resources)
                unit.outputs = list(a.rule(self.rule_id).check(model, a.Settings()))
            except Exception as exc:  # noqa: BLE001 - an UNKNOWN with the reason
                unit.rule_error = f"iacjit's rule failed: {type(exc).__name__}: {exc}"
            self._units[key] = unit
        return self._units[key]

    # -- judging ---------------------------------------------------------------------------

    def _mapped(self, unit: Unit, path: Path, framework: str, entity_type: str,
                entity_name: str, conf: dict[str, Any]) -> list[Any]:
        own = [r for r in unit.resources if same_file(r.file, path)]
        if framework == "cloudformation":
            return [r for r in own if r.address == entity_name and r.type == entity_type]
        wanted, lines = kind(entity_type), _lines(conf)
        if wanted is None or lines is None:
            return []
        start, end = lines
        return [r for r in own if kind(r.type) == wanted and start <= r.span.line <= end]

    def judge(self, framework: str, scanned_file: str, entity_type: str, entity_name: str,
              conf: dict[str, Any], root: Path | None) -> Judged:
        """The verdict for one Checkov entity of an ARM, Bicep or CloudFormation file."""
        label = f"{entity_type}.{entity_name}"
        path = files.locate(scanned_file, root)
        if path is None:
            return Judged(Verdict(UNKNOWN, [f"cannot find the scanned file {scanned_file!r}"]),
                          scanned_file, label)
        unit = self.unit(path, framework, root)
        if unit.rule_error:
            return Judged(Verdict(UNKNOWN, [unit.rule_error]), str(path), label)
        mapped = self._mapped(unit, path, framework, entity_type, entity_name, conf)
        if not mapped:
            reasons = unit.errors or [
                "iacjit's reader finds no such resource deployed here (a false condition, an "
                "existing resource, or a declaration it cannot place)"]
            return Judged(Verdict(UNKNOWN, reasons), str(path), label)
        ids = {id(r) for r in mapped}
        outputs = [o for o in unit.outputs if id(o.resource) in ids]
        names = ", ".join(dict.fromkeys(r.address for r in mapped))
        return Judged(judge(outputs, api().Finding, []), str(path), f"{label} ({names})")


def _located(error: Any) -> str:
    """``file:line:column: message``, as far as the reader located it."""
    place = "".join(f":{n}" for n in (error.line, error.column) if n)
    return f"{error.file}{place}: {error.message}"


def same_file(shown: str, path: Path) -> bool:
    try:
        return Path(shown).resolve() == path
    except OSError:
        return False
