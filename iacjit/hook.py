"""pre-commit support: the full scan, restricted to what concerns the changed files.

Cross-file rules and chains need the whole plan, and since an alert in ``platform/`` may cover
the NSGs of ``envs/prod`` (when the configuration declares that they share a subscription), a
scan of the changed files' directories alone would disagree with ``iacjit scan``.  So the hook
scans the repository exactly as ``iacjit scan .`` does from its root — the same deployment units
(docs/deployment-units.md), configuration and verdicts, made cheap by the content cache — and
shows only what concerns the changed files: results located in them, results inside an unchanged
module called from them (placed at the call), everything of a root whose ``.tfvars`` changed, a
template whose parameters file changed, and the chains that involve any of these.

Everything here is pure (paths in, paths and documents out); the CLI does the scanning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacjit.parsers import registry
from iacjit.reports.call_sites import call_sites
from iacjit.rules.base import SEVERITIES

if TYPE_CHECKING:
    from iacjit.model.raw import RawResource
    from iacjit.result import ScanResult

# What the hook reads: the formats' inputs, and their companions (tfvars, parameters files),
# which are not inputs of their own but change their inputs' values.
HOOK_SUFFIXES = (*registry.INPUT_SUFFIXES, *registry.COMPANION_SUFFIXES)


@dataclass
class HookPlan:
    """What to scan and which results concern the changed files."""

    paths: list[Path] = field(default_factory=list)  # what one scan reads: the repository
    changed: set[Path] = field(default_factory=set)  # resolved changed files
    concerned_files: set[Path] = field(default_factory=set)  # results located here are shown
    concerned_dirs: set[Path] = field(default_factory=set)  # ... and anywhere below these
    # concerns() by (file as reported, working directory): a report names each file many times
    verdicts: dict[tuple[str, Path], bool] = field(default_factory=dict, repr=False,
                                                   compare=False)


def _is_hook_file(path: Path) -> bool:
    return path.name.lower().endswith(HOOK_SUFFIXES)


def plan(changed: Iterable[Path], repo_root: Path | None = None) -> HookPlan:
    """The scan for a set of changed files (as pre-commit passes them, from the repository
    root): the whole repository when any of them is IaC, nothing otherwise."""
    root = repo_root or Path(".")
    result = HookPlan()
    for path in changed:
        if not _is_hook_file(path) or not path.is_file():
            continue
        resolved = path.resolve()
        result.changed.add(resolved)
        result.concerned_files.add(resolved)
        name = resolved.name.lower()
        if name.endswith((".tfvars", ".bicepparam")):
            # Variable values change every resource of the root (and of its modules); a
            # .bicepparam file supplies the Bicep file it names, found beside it.
            result.concerned_dirs.add(resolved.parent)
        elif name.endswith(".parameters.json"):
            stem = resolved.name[: -len(".parameters.json")]
            result.concerned_files.add(resolved.with_name(stem + ".json"))
            result.concerned_files.add(resolved.with_name(stem + ".bicep"))
    if result.changed:
        result.paths = [root]
    return result


# --------------------------------------------------------------------------------------------
# Filtering the report


def _files_in(value: Any) -> Iterable[Any]:
    """Every ``file`` value anywhere in a chain (triggers, targets, their findings, fixes)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "file":
                yield item
            else:
                yield from _files_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _files_in(item)


def concerns(file: Any, hook_plan: HookPlan, cwd: Path) -> bool:
    if not isinstance(file, str) or not file:
        return False
    verdict = hook_plan.verdicts.get((file, cwd))
    if verdict is None:
        path = (cwd / file).resolve()
        verdict = path in hook_plan.concerned_files or any(
            path.is_relative_to(d) for d in hook_plan.concerned_dirs)
        hook_plan.verdicts[(file, cwd)] = verdict
    return verdict


def narrowed(result: ScanResult, hook_plan: HookPlan, cwd: Path | None = None) -> ScanResult:
    """*result* with only the findings and unresolved results that may concern the changed
    files: located in them, or made through a ``module`` block in them.  The report of a whole
    repository is then not serialised only to be filtered (that was a fifth of a hook run);
    :func:`filter_document` still decides, on the document, what is shown and where."""
    cwd = (cwd or Path.cwd()).resolve()

    def may_concern(resource: RawResource) -> bool:
        return concerns(resource.file, hook_plan, cwd) or any(
            concerns(site.file, hook_plan, cwd) for site in resource.via)

    return replace(result, findings=[f for f in result.findings if may_concern(f.resource)],
                   unresolved=[u for u in result.unresolved if may_concern(u.resource)])


def _placed(item: dict[str, Any], hook_plan: HookPlan, cwd: Path) -> dict[str, Any] | None:
    """*item* where the changed files can fix it, or None when it does not concern them.

    A finding inside a module that did not change concerns the commit through a call site
    in a changed file (the values passed there made it): it is shown at the innermost such
    ``module`` block, with the module's own location kept under ``declared``.
    """
    if concerns(item.get("file"), hook_plan, cwd):
        return item
    for hop in reversed(call_sites(item)):
        if concerns(hop.get("file"), hook_plan, cwd):
            return {**item, "file": hop.get("file"), "line": hop.get("line"),
                    "end_line": hop.get("end_line"),
                    "declared": {"file": item.get("file"), "line": item.get("line"),
                                 "end_line": item.get("end_line")}}
    return None


def filter_document(document: dict[str, Any], hook_plan: HookPlan,
                    cwd: Path | None = None) -> tuple[dict[str, Any], int]:
    """The report restricted to what concerns the changed files, and how many errors were
    dropped (errors in unchanged files of the scanned units)."""
    cwd = (cwd or Path.cwd()).resolve()

    def keep(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [i for i in items if concerns(i.get("file"), hook_plan, cwd)]

    filtered = dict(document)
    for key in ("errors", "not_scanned"):
        filtered[key] = keep(document.get(key) or [])
    for key in ("findings", "unresolved"):
        filtered[key] = [placed for placed in (_placed(i, hook_plan, cwd)
                                               for i in document.get(key) or []) if placed]
    filtered["chains"] = [
        c for c in document.get("chains") or []
        if any(concerns(f, hook_plan, cwd) for f in _files_in(c))
    ]
    dropped_errors = len(document.get("errors") or []) - len(filtered["errors"])
    active = [f for f in filtered["findings"] if not f.get("suppressed")]
    summary = dict(document.get("summary") or {})
    summary.update({
        "findings": len(active),
        "by_severity": {s: sum(f.get("severity") == s for f in active) for s in SEVERITIES},
        "suppressed": len(filtered["findings"]) - len(active),
        "unresolved": len(filtered["unresolved"]),
        "errors": len(filtered["errors"]),
        "not_scanned": len(filtered["not_scanned"]),
    })
    if "chains" in summary and isinstance(summary["chains"], int):
        summary["chains"] = len(filtered["chains"])
    filtered["summary"] = summary
    return filtered, dropped_errors


def exit_code(document: dict[str, Any], fail_on: str) -> int:
    """Same meaning as ``iacjit scan``: 2 for unreadable changed inputs, 1 for findings or
    chains at or above *fail_on* (or unresolved checks the gate marked failing), else 0."""
    if document.get("errors"):
        return 2
    if fail_on == "none":
        return 0
    threshold = SEVERITIES.index(fail_on)

    def failing(item: dict[str, Any]) -> bool:
        severity = item.get("severity")
        return (not item.get("suppressed") and item.get("change") != "existing"
                and severity in SEVERITIES
                and SEVERITIES.index(severity) <= threshold)

    items = [*document.get("findings", []), *document.get("chains", [])]
    unresolved = [u for u in document.get("unresolved", []) if u.get("failing")]  # gate.py
    return 1 if unresolved or any(failing(i) for i in items) else 0
