"""What a rule is and what it produces."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iacjit.model.raw import RawResource, Span
    from iacjit.model.semantic import Model

SEVERITIES = ("critical", "high", "medium", "low", "info")


@dataclass(frozen=True)
class Settings:
    """Rule settings a user may tune (issue: configuration)."""

    management_ports: frozenset[int] = frozenset({22, 3389})
    external_controls: frozenset[str] = frozenset()  # rule ids satisfied outside the plan
    # groups of deployment-unit paths/globs that deploy into one subscription/account
    shared_accounts: tuple[tuple[str, ...], ...] = ()

    def cache_key(self) -> tuple:
        """The settings in a stable order (a frozenset of strings repr()s in hash order,
        which changes between processes): part of the analysis and report cache keys."""
        return (sorted(self.management_ports), sorted(self.external_controls),
                self.shared_accounts)


@dataclass
class Finding:
    rule_id: str
    severity: str
    title: str
    message: str
    resource: RawResource
    span: Span
    evidence: dict[str, Any]
    suppressed: bool = False
    subject: str = ""  # key of the model object the finding is about (group, VM): joins chains
    suppression: dict[str, Any] | None = None  # iacjit.suppressions: reason, source, expiry
    fingerprint: str = ""  # iacjit.suppressions.fingerprint: identity across runs
    change: str = ""  # iacjit.base_ref: "new" or "existing" with --base-ref, else ""


@dataclass
class Unresolved:
    """A rule that could not decide for a resource, and why: never a silent pass."""

    rule_id: str
    resource: RawResource
    span: Span
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)


RuleOutput = Finding | Unresolved


@dataclass(frozen=True)
class Rule:
    """Rule metadata (for ``iacjit rules``, ``explain`` and reports) plus its check."""

    id: str
    severity: str
    title: str
    description: str
    rationale: str
    fix: str
    example: str
    references: tuple[str, ...]
    check: Callable[[Model, Settings], Iterable[RuleOutput]]
    technique: str = ""  # MITRE ATT&CK technique the finding enables
    semantics: str = ""  # Markdown: the exact decision procedure, for docs and explain
    peer_mistakes: str = ""  # Markdown: what other scanners get wrong (tested)
