"""The verdict of a scan: which results fail the run, and so the exit code.

Unsuppressed findings and chains fail at or above ``--fail-on``. An unresolved check (a
deciding value unknown before deployment) is reported but passes, unless
``--fail-on-unresolved`` (``fail_on_unresolved: true``) asks for the stricter reading: then it
fails as its rule's finding would, at the rule's severity (after the configuration's
``severity`` overrides), so an unknown value can no longer slip through a gate that would have
stopped a known bad one. Controls declared external never fail on their unknowns either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from iacjit.rules.base import SEVERITIES

if TYPE_CHECKING:
    from iacjit.scan import ScanResult

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT_ERROR = 0, 1, 2


@dataclass(frozen=True)
class Gate:
    fail_on: str = "low"
    fail_on_unresolved: bool = False
    severity: Mapping[str, str] = field(default_factory=dict)  # configuration overrides
    external_controls: frozenset[str] = frozenset()

    def fails(self, severity: str) -> bool:
        """Whether a result of *severity* fails the run (``info`` never does)."""
        if self.fail_on == "none" or severity not in SEVERITIES[:-1]:
            return False
        return SEVERITIES.index(severity) <= SEVERITIES.index(self.fail_on)

    def unresolved_severity(self, rule_id: str) -> str:
        """The severity the rule's finding would have had."""
        from iacjit.rules import rule_by_id

        if rule_id in self.external_controls:
            return "info"
        if rule_id in self.severity:
            return self.severity[rule_id]
        rule = rule_by_id(rule_id)
        return rule.severity if rule else "high"

    def unresolved_fails(self, rule_id: str) -> bool:
        return self.fail_on_unresolved and self.fails(self.unresolved_severity(rule_id))

    def exit_code(self, result: ScanResult) -> int:
        """2 when an input could not be read (the verdict is incomplete), else 1 on failures."""
        if result.errors:
            return EXIT_INPUT_ERROR
        # with --base-ref only what the change adds counts (iacjit.base_ref)
        severities = [f.severity for f in result.findings
                      if not f.suppressed and f.change != "existing"]
        severities += [c.definition.severity for c in result.chains
                       if not c.suppressed and c.change != "existing"]
        if any(self.fails(s) for s in severities):
            return EXIT_FINDINGS
        if any(self.unresolved_fails(u.rule_id) for u in result.unresolved):
            return EXIT_FINDINGS
        return EXIT_OK

    def annotate(self, document: dict[str, Any]) -> dict[str, Any]:
        """Each unresolved entry of the report gets its rule's severity and whether it fails
        the run (``failing``), so every format shows what made the exit code."""
        for entry in document.get("unresolved") or []:
            entry["severity"] = self.unresolved_severity(entry["rule_id"])
            entry["failing"] = self.unresolved_fails(entry["rule_id"])
        return document
