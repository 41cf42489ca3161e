"""Applying suppressions, severity overrides, trusted sources and baselines to one scan.

Order inside ``run_scan``: after the model is built, trusted source prefixes are removed from
the rules (``prepare_model``); after the rules, severities are overridden and inline/config
suppressions applied to findings (``before_chains``) — a suppressed trigger finding therefore
never fires a chain; after the chains, chain suppressions and the baseline are applied and
suppressions that matched nothing are reported as stale (``after_chains``).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import ipaddress
from typing import Any

from iacjit.model.raw import InputError, Span
from iacjit.suppressions import inline
from iacjit.suppressions.baseline import Baseline
from iacjit.suppressions.fingerprint import Fingerprinter
from iacjit.suppressions.model import BASELINE, Note, Suppression
from iacjit.suppressions.policy import TODAY_ENV, Policy

FAR_EXPIRY = dt.timedelta(days=366)  # a later expiry is reported (far-expiry)

__all__ = ["TODAY_ENV", "Engine", "Policy", "apply_baseline", "apply_trusted_sources",
           "judged_ids"]

def _within(inner: Span, outer: Span) -> bool:
    return outer.line <= inner.line and inner.end_line <= outer.end_line


def _id_in(rule_id: str, ids: tuple[str, ...]) -> bool:
    return rule_id.lower() in {i.lower() for i in ids}


def _glob(value: str, pattern: str | None) -> bool:
    return pattern is None or fnmatch.fnmatchcase(value, pattern)


def apply_trusted_sources(model: Any, prefixes: tuple[str, ...]) -> None:
    """Drop rule sources that equal or lie inside a trusted prefix before any rule runs."""
    networks = [ipaddress.ip_network(p, strict=False) for p in prefixes]
    if not networks:
        return

    def trusted(source: Any) -> bool:
        if not isinstance(source, str):
            return False
        try:
            net = ipaddress.ip_network(source.strip(), strict=False)
        except ValueError:
            return False
        return any(net.version == t.version and net.subnet_of(t) for t in networks)

    for group in model.groups.values():
        for rule in group.rules:
            if isinstance(rule.sources, tuple):
                rule.sources = tuple(s for s in rule.sources if not trusted(s))


class Engine:
    def __init__(self, policy: Policy, resources: list[Any], errors: list[InputError],
                 notes: list[Note]) -> None:
        self.policy = policy
        self.today = policy.current_date()
        self.notes = notes
        self.errors = errors
        self.prints = Fingerprinter()
        self.suppressions: list[Suppression] = []
        if policy.inline:
            self.suppressions.extend(inline.collect(resources, notes))
        self.suppressions.extend(policy.suppressions)
        for s in self.suppressions:
            self._check_reason(s)
            self._check_expiry(s)
        self._by_resource: dict[int, list[Suppression]] = {}
        for s in self.suppressions:
            for resource in s.resources:
                self._by_resource.setdefault(id(resource), []).append(s)
        self._expired_noted: set[int] = set()

    def _check_expiry(self, s: Suppression) -> None:
        """An expiry years away (``expires=9999-12-31``) is no expiry at all: say so."""
        if s.expires is not None and s.expires > self.today + FAR_EXPIRY:
            ids = ", ".join(s.ids)
            self.notes.append(Note(
                "far-expiry", f"suppression of {ids} expires on {s.expires.isoformat()}, more "
                f"than {FAR_EXPIRY.days} days away: set a review date within a year",
                s.file, s.line, ids))

    def _check_reason(self, s: Suppression) -> None:
        if s.reason or not s.usable:
            return
        ids = ", ".join(s.ids)
        if self.policy.require_reason:
            s.usable = False
            self.errors.append(InputError(
                s.file or "<configuration>",
                f"suppression of {ids} has no reason (require_reason is set): not applied",
                s.line))
        else:
            self.notes.append(Note("missing-reason", f"suppression of {ids} has no reason; "
                                   "say why the risk is accepted (reason=\"...\")",
                                   s.file, s.line, ids))

    # --- findings -----------------------------------------------------------------------

    def _scoped_out(self, s: Suppression, finding: Any, siblings: list[Any]) -> bool:
        """An inline comment inside one nested block (an inline rule) is about that block."""
        if not s.inside or s.scope is None:
            return False
        resource_span = finding.resource.span
        related = [f for f in siblings if f.span != resource_span
                   and (_within(f.span, s.scope) or _within(s.scope, f.span))]
        return bool(related) and finding not in related

    def _candidates(self, finding: Any, siblings: list[Any]) -> list[Suppression]:
        found = []
        for s in self._by_resource.get(id(finding.resource), []):
            if _id_in(finding.rule_id, s.ids) and not self._scoped_out(s, finding, siblings):
                found.append(s)
        for s in self.policy.suppressions:
            if (_id_in(finding.rule_id, s.ids) and _glob(finding.resource.address, s.resource)
                    and self._file_matches(finding.resource.file, s.path)):
                found.append(s)
        return found

    def _file_matches(self, file: str, pattern: str | None) -> bool:
        return pattern is None or _glob(file, pattern) or _glob(self.prints.file(file), pattern)

    def _decide(self, item: Any, item_id: str, candidates: list[Suppression]) -> None:
        expired = None
        for s in candidates:
            if s.usable:
                s.matched.add(item_id.lower())
        for s in candidates:
            if not s.usable:
                continue
            if s.expired(self.today):
                expired = expired or s
                continue
            item.suppressed = True
            item.suppression = s.record()
            return
        if expired is not None:
            item.suppression = expired.record(expired=True)
            if id(expired) not in self._expired_noted:
                self._expired_noted.add(id(expired))
                self.notes.append(Note(
                    "expired", f"suppression of {', '.join(expired.ids)} expired on "
                    f"{expired.expires.isoformat()}: the finding is active again",
                    expired.file, expired.line, ", ".join(expired.ids)))

    def before_chains(self, findings: list[Any]) -> None:
        by_key: dict[tuple[int, str], list[Any]] = {}
        for f in findings:
            by_key.setdefault((id(f.resource), f.rule_id), []).append(f)
        for f in findings:
            f.fingerprint = self.prints.finding(f)
            if f.rule_id in self.policy.severity and f.severity != "info":
                f.severity = self.policy.severity[f.rule_id]
            if not f.suppressed:
                self._decide(f, f.rule_id,
                             self._candidates(f, by_key[(id(f.resource), f.rule_id)]))

    # --- chains and baseline --------------------------------------------------------------

    def _chain_candidates(self, hit: Any, target: Any | None) -> list[Suppression]:
        chain_id = hit.definition.id
        found = []
        if target is not None:
            vm = target.vm.resource
            found += [s for s in self._by_resource.get(id(vm), []) if _id_in(chain_id, s.ids)]
        for s in self.policy.suppressions:
            if not _id_in(chain_id, s.ids):
                continue
            if target is None:
                if s.resource in (None, "*") and s.path is None:
                    found.append(s)
            elif _glob(target.vm.resource.address, s.resource) and self._file_matches(
                    target.vm.resource.file, s.path):
                found.append(s)
        return found

    def after_chains(self, findings: list[Any], chains: list[Any], judged: set[str]) -> None:
        for hit in chains:
            hit.fingerprint = self.prints.chain(hit, [f.fingerprint for f in hit.triggers])
            if hit.suppressed:
                continue
            self._suppress_chain(hit)
        self._apply_baseline(findings, chains)
        self._report_stale(judged)

    def _suppress_chain(self, hit: Any) -> None:
        chain_id = hit.definition.id
        if not hit.targets:
            self._decide(hit, chain_id, self._chain_candidates(hit, None))
            return
        covered, first = [], None
        for target in hit.targets:
            probe = _Probe()
            self._decide(probe, chain_id, self._chain_candidates(hit, target))
            if probe.suppressed:
                covered.append(target)
                first = first or probe
            elif probe.suppression and hit.suppression is None:
                hit.suppression = probe.suppression  # expired: keep the note on the chain
        if first is not None and len(covered) == len(hit.targets):
            hit.suppressed, hit.suppression = True, first.suppression
        elif covered:
            rest = [t.vm.name for t in hit.targets if t not in covered]
            self.notes.append(Note(
                "partial-chain", f"{chain_id} is suppressed for "
                f"{', '.join(t.vm.name for t in covered)} but still reaches "
                f"{', '.join(rest)}: the chain stays active", first.suppression["file"],
                first.suppression["line"], chain_id))

    def _apply_baseline(self, findings: list[Any], chains: list[Any]) -> None:
        if self.policy.baseline is not None:
            apply_baseline(self.policy.baseline, findings, chains, self.notes)

    def _report_stale(self, judged: set[str]) -> None:
        known = {j.lower() for j in judged}
        for s in self.suppressions:
            if not s.usable:
                continue
            for item_id in s.ids:
                if item_id.lower() in s.matched:
                    continue
                if item_id.lower() not in known:
                    if item_id.lower() not in _all_ids():
                        self.notes.append(Note("invalid", f"unknown rule or chain id "
                                               f"{item_id!r} in a suppression", s.file,
                                               s.line, item_id))
                    continue  # the rule or chain was not run: cannot be judged stale
                where = (f"on {', '.join(sorted({r.address for r in s.resources}))}"
                         if s.resources else f"matching {s.resource or '*'}")
                self.notes.append(Note("stale", f"suppression of {item_id} {where} matches "
                                       "no finding or chain: remove it", s.file, s.line,
                                       item_id))


def apply_baseline(baseline: Baseline, findings: list[Any], chains: list[Any],
                   notes: list[Note]) -> None:
    """Findings and chains whose fingerprint is in *baseline* are reported as suppressed."""
    record = {"reason": "in the baseline", "expires": None, "source": BASELINE,
              "file": baseline.file, "line": None}
    used: set[str] = set()
    for items, known in ((findings, baseline.findings), (chains, baseline.chains)):
        for item in items:
            if item.fingerprint in known:
                used.add(item.fingerprint)
                if not item.suppressed:
                    item.suppressed, item.suppression = True, dict(record)
    stale = len(baseline.findings | baseline.chains) - len(used)
    if stale > 0:
        notes.append(Note("stale-baseline", f"{stale} baseline entr"
                          f"{'y matches' if stale == 1 else 'ies match'} nothing any more "
                          "(fixed or moved): recreate the baseline with --create-baseline",
                          baseline.file))


class _Probe:
    suppressed = False
    suppression: dict[str, Any] | None = None


def _all_ids() -> set[str]:
    from iacjit.chains.definitions import all_chains
    from iacjit.rules import ALL_RULES

    return {r.id.lower() for r in ALL_RULES} | {c.id.lower() for c in all_chains()}


def judged_ids(rule_ids: list[str]) -> set[str]:
    """The rule ids that ran and the chains that could be judged with them."""
    from iacjit.chains.definitions import all_chains

    ran = set(rule_ids)
    return ran | {c.id for c in all_chains() if {t.rule for t in c.triggers} <= ran}
