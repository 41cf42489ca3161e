"""One scan: discover the inputs, parse them, build the model, run the rules.

Everything given in one invocation is one plan, so cross-file rules see all of it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from iacjit import discovery
from iacjit.chains.evaluator import ChainHit, evaluate_chains
from iacjit.jit_table import rows as jit_rows
from iacjit.model.raw import InputError, NotScanned, ParseResult, RawResource
from iacjit.parsers.options import ParseOptions
from iacjit.providers import build_model
from iacjit.rules import ALL_RULES
from iacjit.rules.base import Finding, Rule, Settings, Unresolved
from iacjit.suppressions import Engine, Note, Policy, apply_trusted_sources
from iacjit.suppressions.engine import judged_ids

Progress = Callable[[int, int, str], None]

if TYPE_CHECKING:
    from iacjit.cache import Cache
    from iacjit.fastparse import FileParses
    from iacjit.plan_cache import PlanKey


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


def display_path(path: Path) -> str:
    """Paths are shown relative to the current directory when they are below it."""
    return _display(path, os.getcwd())


@functools.lru_cache(maxsize=65536)
def _display(path: Path, cwd: str) -> str:
    """Memoised: a scan asks for each file's name several times, and resolving is syscalls."""
    try:
        return path.resolve().relative_to(Path(cwd).resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return path.as_posix()


def parse_inputs(
    paths: Iterable[Path], options: ParseOptions, excluded: Iterable[str] = (),
    progress: Progress | None = None, cache: Cache | None = None,
    parses: FileParses | None = None,
) -> tuple[ParseResult, int]:
    """Parse every input below *paths*; returns the merged result and the number of files.

    With *cache*, unchanged inputs come from the content cache (iacjit.plan_cache); large
    inputs are parsed in a process pool either way (iacjit.fastparse).
    """
    paths = list(paths)
    _display.cache_clear()  # one scan's view of the file system
    if cache is not None and parses is None:
        from iacjit.plan_cache import parse_cached

        return parse_cached(cache, paths, options, excluded, progress, parse_inputs)
    from iacjit.fastparse import FileParses

    parses = parses or FileParses(options, display_path)
    inputs = discovery.discover(paths, excluded)
    parses.prefetch([p for files in inputs.terraform_roots.values() for p in files],
                    [(k, p) for k, p in inputs.files if k != discovery.BICEP], progress)
    merged = ParseResult()
    for path, reason in inputs.unreadable:
        merged.errors.append(InputError(display_path(path), f"cannot read: {reason}"))
    total = sum(len(f) for f in inputs.terraform_roots.values()) + len(inputs.files)
    done = 0

    def advance(path: Path, files: int) -> None:
        nonlocal done
        done += files
        if progress:
            progress(done, total, display_path(path))

    if inputs.terraform_roots:
        from iacjit.parsers.terraform import parse_roots

        merged.extend(parse_roots(
            inputs.terraform_roots, options, display_path,
            lambda root: advance(root, len(inputs.terraform_roots[root])),
            parse_file=parses.terraform,
        ))
    called = _called_bicep_modules(inputs, options)
    for kind, path in inputs.files:
        if path.resolve() not in called:  # evaluated through its caller, with its parameters
            merged.extend(parses.file(kind, path))
        advance(path, 1)
    if any(r.type.endswith("_template_deployment") for r in merged.resources):
        from iacjit.parsers.embedded_arm import expand  # ARM inside Terraform joins the plan

        merged.extend(expand(merged.resources, options))
    return merged, total


def _called_bicep_modules(inputs: discovery.Inputs, options: ParseOptions) -> set[Path]:
    """Bicep files evaluated through a scanned caller, so not roots of their own.

    Only files reachable from a file that nobody calls are skipped: two modules that call only
    each other are still scanned (and report their cycle) rather than silently dropped.
    """
    files = [path.resolve() for kind, path in inputs.files if kind == discovery.BICEP]
    if len(files) < 2:
        return set()
    from iacjit.parsers.bicep import local_module_files

    calls = {path: set(local_module_files(path, options)) for path in files}
    called_by_anyone = {m for targets in calls.values() for m in targets}
    reached: set[Path] = set()
    pending = [path for path in files if path not in called_by_anyone]
    while pending:
        for module in calls.get(pending.pop(), set()) - reached:
            reached.add(module)
            pending.append(module)
    return reached


def run_scan(
    paths: Iterable[Path],
    options: ParseOptions | None = None,
    settings: Settings | None = None,
    rules: Iterable[Rule] = ALL_RULES,
    excluded: Iterable[str] = (),
    progress: Progress | None = None,
    policy: Policy | None = None,
    cache: Cache | None = None,
    plan: PlanKey | None = None,
) -> ScanResult:
    """Parse, analyse, apply suppressions and the baseline.

    With *cache*, the analysis (rule outputs, the JIT table, and the chains for one set of
    active findings) is reused when the plan and everything else it depends on is unchanged;
    suppressions, expiry dates and the baseline are applied on every scan all the same.
    *plan*: the plan's key when the caller computed it already (iacjit.report_cache).
    """
    paths = list(paths)
    options = options or ParseOptions()
    settings = settings or Settings()
    policy = policy or Policy()
    rules = tuple(rules)
    if cache is not None and cache.enabled:
        from iacjit import plan_cache

        plan = plan or plan_cache.plan_key(cache, paths, options, excluded)
        if plan.key is not None:
            key = _analysis_key(plan.key, rules, settings, policy)
            result = _cached_analysis(cache, key, plan, policy, rules)
            if result is not None:
                return result
            parsed, count, outside = plan_cache.load_or_parse(
                cache, paths, options, excluded, progress, parse_inputs, plan)
            return _analyse(parsed, count, settings, rules, policy, (cache, key, outside))
    parsed, count = parse_inputs(paths, options, excluded, progress, cache)
    return _analyse(parsed, count, settings, rules, policy)


ANALYSIS_FORMAT = 1


def _analysis_key(plan_key: str, rules: tuple[Rule, ...], settings: Settings,
                  policy: Policy) -> str:
    """Everything the rules, the JIT table and the chains depend on besides the findings that
    suppressions leave active (which :func:`_active` checks on use)."""
    from iacjit.cache import make_key

    return make_key("analysis", ANALYSIS_FORMAT, plan_key, [r.id for r in rules],
                    settings.cache_key(), list(policy.trusted_sources))


def _active(findings: list[Finding]) -> tuple[tuple[int, str], ...]:
    """Which findings are active after suppressions, and their severity: the chains' input."""
    return tuple((i, f.severity) for i, f in enumerate(findings) if not f.suppressed)


_ENTRY_KEYS = {"parsed", "total", "findings", "unresolved", "jit", "chains", "active", "outside"}
_JUDGED = ("severity", "suppressed", "suppression", "fingerprint")  # set by the Engine


def _cached_analysis(cache: Cache, key: str, plan: object, policy: Policy,
                     rules: tuple[Rule, ...]) -> ScanResult | None:
    """The scan from a stored analysis, or None when there is none or it does not apply."""
    entry = cache.get(key)
    if not (isinstance(entry, dict) and entry.get("format") == ANALYSIS_FORMAT
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


def _analyse(parsed: ParseResult, count: int, settings: Settings, rules: tuple[Rule, ...],
             policy: Policy, store: tuple[Cache, str, list] | None = None) -> ScanResult:
    model = build_model(parsed.resources)
    apply_trusted_sources(model, policy.trusted_sources)
    result = ScanResult(
        errors=parsed.errors,
        not_scanned=parsed.not_scanned,
        resources=parsed.resources,
        files_scanned=count,
    )
    for rule in rules:
        for output in rule.check(model, settings):
            if isinstance(output, Finding):
                result.findings.append(output)
            else:
                result.unresolved.append(output)
    result.findings.sort(key=lambda f: (f.resource.file, f.span.line, f.rule_id))
    result.unresolved.sort(key=lambda u: (u.resource.file, u.span.line, u.rule_id))
    result.jit_status = jit_rows(model, settings)
    unjudged = [tuple(getattr(f, a) for a in _JUDGED) for f in result.findings]
    errors = list(result.errors)
    engine = Engine(policy, result.resources, result.errors, result.warnings)
    engine.before_chains(result.findings)  # a suppressed trigger never fires a chain
    result.errors.sort(key=lambda e: (e.file, e.line or 0))
    result.chains = evaluate_chains(model, result.findings, settings, [r.id for r in rules])
    if store is not None:
        _store(store, parsed, count, result, unjudged, errors)
    engine.after_chains(result.findings, result.chains, judged_ids([r.id for r in rules]))
    return result


def _store(store: tuple[Cache, str, list], parsed: ParseResult, count: int,
           result: ScanResult, unjudged: list[tuple], errors: list[InputError]) -> None:
    """Write the analysis as the rules left it (before any suppression), with the chains
    for the findings active now; the Engine's changes are undone while pickling."""
    from iacjit.cache import encode

    cache, key, outside = store
    judged = [tuple(getattr(f, a) for a in _JUDGED) for f in result.findings]
    active = _active(result.findings)
    judged_errors = parsed.errors
    try:
        for finding, values in zip(result.findings, unjudged, strict=True):
            for attribute, value in zip(_JUDGED, values, strict=True):
                setattr(finding, attribute, value)
        parsed.errors = errors
        data = encode({"format": ANALYSIS_FORMAT, "parsed": parsed, "total": count,
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
