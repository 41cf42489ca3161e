"""A check's verdict from iacjit's rule outputs, and the one stderr line an UNKNOWN prints.

Checkov lists UNKNOWN results neither as passed nor as failed, and prints nothing about them:
a Checkov-only user would take the resource for fine.  So every UNKNOWN verdict is announced
on stderr, one line naming the file, the resource and iacjit's reason.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

PASSED, FAILED, UNKNOWN = "PASSED", "FAILED", "UNKNOWN"


@dataclass
class Verdict:
    result: str  # PASSED | FAILED | UNKNOWN
    details: list[str] = field(default_factory=list)  # findings, or the reasons for UNKNOWN


def judge(outputs: list[Any], finding_type: type, undecidable: list[str]) -> Verdict:
    """A finding fails; otherwise an unresolved output or anything that could not be
    represented makes the verdict UNKNOWN; only a fully decided resource passes."""
    findings = [f"line {o.span.line}: {o.message}" for o in outputs
                if isinstance(o, finding_type) and not o.suppressed]
    if findings:
        return Verdict(FAILED, findings)
    unresolved = [f"line {o.span.line}: {o.reason}" for o in outputs
                  if not isinstance(o, finding_type)]
    if unresolved or undecidable:
        return Verdict(UNKNOWN, unresolved + undecidable)
    return Verdict(PASSED)


def shorten(text: str, limit: int = 200) -> str:
    """Long values (a whole rendered map) would drown the reason: cut them."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(text: str) -> str:
    return shorten(" ".join(text.split()), 500)


def announce(verdict: Verdict, check_id: str, file: str, resource: str,
             stream: TextIO | None = None) -> None:
    """Print the single stderr line of an UNKNOWN verdict (nothing for the others)."""
    if verdict.result != UNKNOWN:
        return
    reasons = "; ".join(one_line(d) for d in verdict.details) or "undecidable"
    print(f"iacjit {check_id} UNKNOWN {file}: {resource}: {reasons}",
          file=stream or sys.stderr, flush=True)
