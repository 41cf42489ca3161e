"""pre-commit support: which roots to scan for a set of changed files, and what to report.

Cross-file rules and chains need the whole plan, not the changed file alone: a standalone NSG
rule shadows or opens what another file declares, a module is only meaningful with its caller's
inputs.  So the hook scans the *deployment units* that contain the changed files and reports
only what concerns them.

A unit is a directory: every IaC file directly in the directory of a changed file (a Terraform
root is one directory by definition; ARM, Bicep and CloudFormation files that sit together are
usually deployed together, and share parameters files).  A changed Terraform module or Bicep
module file also brings in the directories of its local callers, so the module is evaluated
with their inputs instead of as a root with default inputs.  Subdirectories are not scanned:
they are other roots (or modules, which their callers load anyway).

Everything here is pure (paths in, paths and documents out); the CLI does the scanning.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacjit.discovery import SKIP_DIRS
from iacjit.parsers import registry
from iacjit.reports.call_sites import call_sites
from iacjit.rules.base import SEVERITIES

# What the hook reads: the formats' inputs, and their companions (tfvars, parameters files),
# which are not inputs of their own but change their inputs' values.
HOOK_SUFFIXES = (*registry.INPUT_SUFFIXES, *registry.COMPANION_SUFFIXES)
MAX_CALLER_DEPTH = 16


@dataclass
class HookPlan:
    """What to scan and which results concern the changed files."""

    paths: list[Path] = field(default_factory=list)  # files to give to one scan
    changed: set[Path] = field(default_factory=set)  # resolved changed files
    concerned_files: set[Path] = field(default_factory=set)  # results located here are shown
    concerned_dirs: set[Path] = field(default_factory=set)  # ... and anywhere below these


def _is_hook_file(path: Path) -> bool:
    return path.name.lower().endswith(HOOK_SUFFIXES)


def _iac_files(directory: Path) -> list[Path]:
    """IaC files directly in *directory* (not below it), sorted."""
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return []
    return [p for p in entries
            if p.is_file() and p.name.lower().endswith(registry.INPUT_SUFFIXES)]


def _walk(root: Path, suffix: tuple[str, ...]) -> Iterable[Path]:
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(suffix):
                yield Path(current) / name


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def module_callers(repo_root: Path) -> dict[str, dict[Path, set[Path]]]:
    """Local module calls in the repository, found by a cheap text search.

    Per format that calls modules: module (a Terraform directory, a Bicep file) → calling
    directories, all resolved.  Remote sources are not followed: they are not in the commit.
    """
    graphs: dict[str, dict[Path, set[Path]]] = {}
    for fmt in registry.FORMATS:
        if not fmt.calls_modules:
            continue
        graph = graphs.setdefault(fmt.name, {})
        for path in _walk(repo_root, fmt.suffixes):
            for target in fmt.module_calls(path, _read(path)):
                graph.setdefault(target, set()).add(path.parent.resolve())
    return graphs


def _callers(start: set[Path], graph: dict[Path, set[Path]], keyed_by_file: bool) -> set[Path]:
    """Directories that call *start* (module directories or files), transitively, bounded.

    A caller is a directory; with Bicep (modules are files) it is itself called when a file
    in it is a module target.
    """
    found: set[Path] = set()
    frontier = set(start)
    for _ in range(MAX_CALLER_DEPTH):
        step: set[Path] = set()
        for target in frontier:
            step |= graph.get(target, set())
            if keyed_by_file:
                for module, callers in graph.items():
                    if module.parent == target:
                        step |= callers
        step -= found | start
        if not step:
            break
        found |= step
        frontier = step
    return found


def plan(changed: Iterable[Path], repo_root: Path | None = None) -> HookPlan:
    """The scan for a set of changed files (as pre-commit passes them)."""
    root = (repo_root or Path.cwd()).resolve()
    result = HookPlan()
    for path in changed:
        if not _is_hook_file(path) or not path.is_file():
            continue
        resolved = path.resolve()
        result.changed.add(resolved)
        result.concerned_files.add(resolved)
        for owner in registry.companion_owners(resolved):
            # A tfvars file concerns its root, a parameters file its template.
            files, directories = owner.companion_scope(resolved)
            result.concerned_files |= files
            result.concerned_dirs |= directories
    if not result.changed:
        return result
    units = {p.parent for p in result.changed}
    graphs = module_callers(root)
    called: set[Path] = set()
    for fmt in registry.FORMATS:
        if fmt.name not in graphs:
            continue
        mine = {p for p in result.changed if p.name.lower().endswith((*fmt.suffixes,
                                                                      *fmt.companions))}
        start = {p.parent for p in mine} if fmt.per_directory else mine
        units |= _callers(start, graphs[fmt.name], keyed_by_file=not fmt.per_directory)
    for fmt in registry.FORMATS:
        # A module file (Bicep) whose caller is scanned is evaluated through the call, with
        # the caller's parameters; scanning it again on its own would report it with default
        # (often missing) parameters.  (Terraform roots called as modules are skipped by the
        # Terraform parser.)
        if fmt.name in graphs and not fmt.per_directory:
            called |= {m for m, callers in graphs[fmt.name].items() if callers & units}
    seen: set[Path] = set(called)
    for unit in sorted(units):
        for path in _iac_files(unit):
            if path not in seen:
                seen.add(path)
                result.paths.append(path)
    return result


# --------------------------------------------------------------------------------------------
# Filtering the report


def _resolve(file: Any, cwd: Path) -> Path | None:
    if not isinstance(file, str) or not file:
        return None
    return (cwd / file).resolve()


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
    path = _resolve(file, cwd)
    if path is None:
        return False
    if path in hook_plan.concerned_files:
        return True
    return any(path.is_relative_to(d) for d in hook_plan.concerned_dirs)


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
