"""The analysis layer of the content cache: the rules' outputs, the JIT table and the chains
of an unchanged plan (iacjit.cache describes the layers).

An entry holds what the rules left before any suppression, with the chains for the findings
that were active then; suppressions, expiry dates and the baseline are applied on every scan
all the same, and the chains are evaluated again when suppressions change which findings are
active.
"""

from __future__ import annotations

from iacjit.cache.store import Cache, encode, make_key
from iacjit.model.raw import InputError, ParseResult
from iacjit.result import ScanResult
from iacjit.rules.base import Finding, Rule, Settings
from iacjit.suppressions import Engine, Policy
from iacjit.suppressions.engine import judged_ids

FORMAT = 1


def key(plan_key: str, rules: tuple[Rule, ...], settings: Settings,
                  policy: Policy) -> str:
    """Everything the rules, the JIT table and the chains depend on besides the findings that
    suppressions leave active (which :func:`_active` checks on use)."""
    return make_key("analysis", FORMAT, plan_key, [r.id for r in rules],
                    settings.cache_key(), list(policy.trusted_sources))


def _active(findings: list[Finding]) -> tuple[tuple[int, str], ...]:
    """Which findings are active after suppressions, and their severity: the chains' input."""
    return tuple((i, f.severity) for i, f in enumerate(findings) if not f.suppressed)


_ENTRY_KEYS = {"parsed", "total", "findings", "unresolved", "jit", "chains", "active", "outside"}
_JUDGED = ("severity", "suppressed", "suppression", "fingerprint")  # set by the Engine


def load(cache: Cache, key: str, plan: object, policy: Policy,
                     rules: tuple[Rule, ...]) -> ScanResult | None:
    """The scan from a stored analysis, or None when there is none or it does not apply."""
    entry = cache.get(key)
    if not (isinstance(entry, dict) and entry.get("format") == FORMAT
            and entry.keys() >= _ENTRY_KEYS and isinstance(entry["parsed"], ParseResult)
            and isinstance(entry["findings"], list) and isinstance(entry["chains"], list)
            and plan.outside_unchanged(entry.get("outside"))):  # type: ignore[attr-defined]
        return None
    parsed = entry["parsed"]
    plan.outside = entry["outside"]  # type: ignore[attr-defined]
    result = ScanResult(findings=entry["findings"], unresolved=entry["unresolved"],
                        errors=parsed.errors, not_scanned=parsed.not_scanned,
                        resources=parsed.resources, files_scanned=entry["total"],
                        jit_status=entry["jit"])
    engine = Engine(policy, result.resources, result.errors, result.warnings)
    engine.before_chains(result.findings)
    if _active(result.findings) != entry["active"]:
        return None  # suppressions changed which findings are active: chains again
    result.errors.sort(key=lambda e: (e.file, e.line or 0))
    result.chains = entry["chains"]
    engine.after_chains(result.findings, result.chains, judged_ids([r.id for r in rules]))
    return result

def snapshot(findings: list[Finding]) -> list[tuple]:
    """The attributes the suppression engine sets, as the rules left them (for :func:`store`)."""
    return [tuple(getattr(f, a) for a in _JUDGED) for f in findings]


def store(store: tuple[Cache, str, list], parsed: ParseResult, count: int,
           result: ScanResult, unjudged: list[tuple], errors: list[InputError]) -> None:
    """Write the analysis as the rules left it (before any suppression), with the chains
    for the findings active now; the Engine's changes are undone while pickling."""
    cache, key, outside = store
    judged = [tuple(getattr(f, a) for a in _JUDGED) for f in result.findings]
    active = _active(result.findings)
    judged_errors = parsed.errors
    try:
        for finding, values in zip(result.findings, unjudged, strict=True):
            for attribute, value in zip(_JUDGED, values, strict=True):
                setattr(finding, attribute, value)
        parsed.errors = errors
        data = encode({"format": FORMAT, "parsed": parsed, "total": count,
                       "findings": result.findings, "unresolved": result.unresolved,
                       "jit": result.jit_status, "chains": result.chains, "active": active,
                       "outside": outside})
    finally:
        parsed.errors = judged_errors
        for finding, values in zip(result.findings, judged, strict=True):
            for attribute, value in zip(_JUDGED, values, strict=True):
                setattr(finding, attribute, value)
    if data is not None:
        cache.put_encoded(key, data)
