"""What one scan found: the result every report, cache layer and command reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iacjit.chains.evaluator import ChainHit
from iacjit.model.raw import InputError, NotScanned, RawResource
from iacjit.rules.base import Finding, Unresolved
from iacjit.suppressions import Note


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    chains: list[ChainHit] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    not_scanned: list[NotScanned] = field(default_factory=list)
    resources: list[RawResource] = field(default_factory=list)
    files_scanned: int = 0
    warnings: list[Note] = field(default_factory=list)  # suppressions and baseline (warnings[])
    jit_status: list[dict] = field(default_factory=list)  # iacjit.jit_table rows, per VM
    base: dict[str, Any] | None = None  # iacjit.base_ref: what --base-ref compared against
    policy: dict = field(default_factory=dict)  # deviations from the defaults (iacjit.deviations)
    units: list[dict] = field(default_factory=list)  # iacjit.providers.accounts.unit_rows
    scan: dict[str, Any] = field(default_factory=dict)  # iacjit.provenance: date, paths, repo
