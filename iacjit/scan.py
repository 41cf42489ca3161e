"""One scan: discover the inputs, parse them, build the model, run the rules.

Everything given in one invocation is one plan, so cross-file rules see all of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from iacjit import boundary, discovery
from iacjit.cache import analysis
from iacjit.chains.evaluator import evaluate_chains
from iacjit.discovery import display_path
from iacjit.jit_table import rows as jit_rows
from iacjit.model.raw import InputError, NotScanned, ParseResult
from iacjit.parsers import registry
from iacjit.parsers.common.options import ParseOptions
from iacjit.providers import build_model
from iacjit.providers.guard import guarded
from iacjit.resolved import resolve
from iacjit.result import ScanResult
from iacjit.rules import ALL_RULES
from iacjit.rules.base import Finding, Rule, Settings
from iacjit.suppressions import Engine, Policy, apply_trusted_sources
from iacjit.suppressions.engine import judged_ids

Progress = Callable[[int, int, str], None]

if TYPE_CHECKING:
    from iacjit.cache.files import FileParses
    from iacjit.cache.plan import PlanKey
    from iacjit.cache.store import Cache
    from iacjit.cache.units import TerraformUnits


def parse_inputs(
    paths: Iterable[Path], options: ParseOptions, excluded: Iterable[str] = (),
    progress: Progress | None = None, cache: Cache | None = None,
    parses: FileParses | None = None, units: TerraformUnits | None = None,
) -> tuple[ParseResult, int]:
    """Parse every input below *paths*; returns the merged result and the number of files.

    With *cache*, unchanged inputs come from the content cache (iacjit.cache.plan), and so do
    the Terraform roots whose reads are unchanged (*units*, iacjit.cache.units); large inputs
    are parsed in a process pool either way (iacjit.cache.files).
    """
    paths = list(paths)
    discovery.forget_display_paths()  # one scan's view of the file system
    named = [*options.var_files, *options.arm_parameter_files, *options.cfn_parameter_files]
    with boundary.confined(boundary.roots_for(paths), named):
        if cache is not None and parses is None:
            from iacjit.cache.plan import parse_cached

            merged, total = parse_cached(cache, paths, options, excluded, progress,
                                         parse_inputs)
        else:
            merged, total = _parse_inputs(paths, options, excluded, progress, parses, units)
    return _outside_not_scanned(merged), total


def _outside_not_scanned(merged: ParseResult) -> ParseResult:
    """Files refused by the trust boundary are not errors of the input: not_scanned."""
    outside = [e for e in merged.errors if boundary.REASON in e.message]
    if outside:
        merged.errors = [e for e in merged.errors if boundary.REASON not in e.message]
        merged.not_scanned.extend(NotScanned(e.file, None, "file", boundary.REASON)
                                  for e in outside if not any(
                                      n.file == e.file and n.reason == boundary.REASON
                                      for n in merged.not_scanned))
    return merged


def _parse_inputs(paths: list[Path], options: ParseOptions, excluded: Iterable[str],
                  progress: Progress | None, parses: FileParses | None,
                  units: TerraformUnits | None = None) -> tuple[ParseResult, int]:
    from iacjit.cache.files import FileParses

    parses = parses or FileParses(options, display_path)
    inputs = discovery.discover(paths, excluded)
    if units is not None:
        units.start(inputs.terraform_roots)
    parses.prefetch([p for root, files in inputs.terraform_roots.items()
                     if units is None or units.get(root, files) is None for p in files],
                    [(k, p) for k, p in inputs.files if registry.get(k).self_contained],
                    progress)
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
            parse_file=parses.terraform, units=units,
        ))
    called = _called_modules(inputs, options)
    for kind, path in inputs.files:
        if resolve(path) not in called:  # evaluated through its caller, with its parameters
            merged.extend(parses.file(kind, path))
        advance(path, 1)
    for embedded in registry.embedded(merged.resources, options):
        merged.extend(embedded)  # ARM inside Terraform joins the plan
    if any(r.type == "AWS::CloudFormation::Stack" for r in merged.resources):
        from iacjit.parsers.cloudformation.nested import join_nested_stacks

        join_nested_stacks(merged)  # a scanned nested template deploys with its parent
    return merged, total


def _called_modules(inputs: discovery.Inputs, options: ParseOptions) -> set[Path]:
    """Input files evaluated as modules through a scanned caller of their format, so
    not roots of their own.

    Only files reachable from a file that nobody calls are skipped: two modules that call only
    each other are still scanned (and report their cycle) rather than silently dropped.
    """
    reached: set[Path] = set()
    for fmt in registry.FORMATS:
        files = [resolve(path) for kind, path in inputs.files if kind == fmt.name]
        if not fmt.calls_modules or len(files) < 2:
            continue
        calls = {path: set(fmt.module_calls(path, options)) for path in files}
        called_by_anyone = {m for targets in calls.values() for m in targets}
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
    *plan*: the plan's key when the caller computed it already (iacjit.cache.report).
    """
    from iacjit import provenance

    paths = list(paths)
    started = provenance.describe(paths)  # before the scan: the date it ran
    policy = policy or Policy()
    settings = settings or Settings()
    result = _run(paths, options or ParseOptions(), settings, tuple(rules), excluded,
                  progress, policy, cache, plan)
    result.policy = policy.report()
    from iacjit.providers.accounts import Accounts, unit_rows

    result.units = unit_rows(result.resources, Accounts(settings.shared_accounts))
    result.scan = started
    return result


def _run(paths: list[Path], options: ParseOptions, settings: Settings, rules: tuple[Rule, ...],
         excluded: Iterable[str], progress: Progress | None, policy: Policy,
         cache: Cache | None, plan: PlanKey | None) -> ScanResult:
    if cache is not None and cache.enabled:
        from iacjit.cache import plan as plan_cache
        plan = plan or plan_cache.plan_key(cache, paths, options, excluded)
        if plan.key is not None:
            key = analysis.key(plan.key, rules, settings, policy)
            result = analysis.load(cache, key, plan, policy, rules)
            if result is not None:
                return result
            parsed, count, outside = plan_cache.load_or_parse(
                cache, paths, options, excluded, progress, parse_inputs, plan)
            return _analyse(parsed, count, settings, rules, policy, (cache, key, outside))
    parsed, count = parse_inputs(paths, options, excluded, progress, cache)
    return _analyse(parsed, count, settings, rules, policy)


def _analyse(parsed: ParseResult, count: int, settings: Settings, rules: tuple[Rule, ...],
             policy: Policy, store: tuple[Cache, str, list] | None = None) -> ScanResult:
    from iacjit.providers.accounts import Accounts

    model = build_model(parsed.resources, Accounts(settings.shared_accounts))
    apply_trusted_sources(model, policy.trusted_sources)
    result = ScanResult(
        errors=parsed.errors,
        not_scanned=parsed.not_scanned,
        resources=parsed.resources,
        files_scanned=count,
    )
    result.errors.extend(model.errors)  # an internal error in one resource, never the report
    for rule in rules:
        with guarded(result.errors, None, f"rule {rule.id}"):
            for output in rule.check(model, settings):
                if isinstance(output, Finding):
                    result.findings.append(output)
                else:
                    result.unresolved.append(output)
    result.findings.sort(key=lambda f: (f.resource.file, f.span.line, f.rule_id))
    result.unresolved.sort(key=lambda u: (u.resource.file, u.span.line, u.rule_id))
    with guarded(result.errors, None, "the JIT table"):
        result.jit_status = jit_rows(model, settings)
    unjudged = analysis.snapshot(result.findings) if store is not None else []
    errors = list(result.errors)
    engine = Engine(policy, result.resources, result.errors, result.warnings)
    engine.before_chains(result.findings)  # a suppressed trigger never fires a chain
    result.errors.sort(key=lambda e: (e.file, e.line or 0))
    with guarded(result.errors, None, "the attack chains"):
        result.chains = evaluate_chains(model, result.findings, settings,
                                        [r.id for r in rules])
    if store is not None:
        analysis.store(store, parsed, count, result, unjudged, errors)
    engine.after_chains(result.findings, result.chains, judged_ids([r.id for r in rules]))
    return result
