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
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacjit.discovery import SKIP_DIRS
from iacjit.reports.call_sites import call_sites
from iacjit.rules.base import SEVERITIES

# What the hook reads; .tfvars and .bicepparam files are not inputs of their own but change
# the values of the templates beside them.
IAC_SUFFIXES = (".tf", ".json", ".yaml", ".yml", ".template", ".bicep")
HOOK_SUFFIXES = (*IAC_SUFFIXES, ".tfvars", ".bicepparam")
MAX_CALLER_DEPTH = 16

_TF_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.{1,2}/[^"]*)"', re.M)
_BICEP_MODULE = re.compile(r"^\s*module\s+\w+\s+'(\.{0,2}/?[^':]+\.bicep)'", re.M)


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
    return [p for p in entries if p.is_file() and p.name.lower().endswith(IAC_SUFFIXES)]


def _walk(root: Path, suffix: str) -> Iterable[Path]:
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


def module_callers(repo_root: Path) -> tuple[dict[Path, set[Path]], dict[Path, set[Path]]]:
    """Local module calls in the repository, found by a cheap text search.

    Returns (Terraform module directory → calling directories, Bicep module file → calling
    directories), all resolved.  Remote sources are not followed: they are not in the commit.
    """
    terraform: dict[Path, set[Path]] = {}
    for path in _walk(repo_root, ".tf"):
        for source in _TF_SOURCE.findall(_read(path)):
            target = (path.parent / source).resolve()
            terraform.setdefault(target, set()).add(path.parent.resolve())
    bicep: dict[Path, set[Path]] = {}
    for path in _walk(repo_root, ".bicep"):
        for source in _BICEP_MODULE.findall(_read(path)):
            target = (path.parent / source).resolve()
            bicep.setdefault(target, set()).add(path.parent.resolve())
    return terraform, bicep


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
        name = resolved.name.lower()
        if name.endswith((".tfvars", ".bicepparam")):
            # Variable values change every resource of the root (and of its modules); a
            # .bicepparam file supplies the Bicep file it names, found beside it.
            result.concerned_dirs.add(resolved.parent)
        elif name.endswith(".parameters.json"):
            stem = resolved.name[: -len(".parameters.json")]
            result.concerned_files.add(resolved.with_name(stem + ".json"))
            result.concerned_files.add(resolved.with_name(stem + ".bicep"))
    if not result.changed:
        return result
    units = {p.parent for p in result.changed}
    terraform, bicep = module_callers(root)
    tf_dirs = {p.parent for p in result.changed if p.name.lower().endswith((".tf", ".tfvars"))}
    bicep_files = {p for p in result.changed if p.name.lower().endswith(".bicep")}
    units |= _callers(tf_dirs, terraform, keyed_by_file=False)
    units |= _callers(bicep_files, bicep, keyed_by_file=True)
    # A Bicep module whose caller is scanned is evaluated through the call, with the caller's
    # parameters; scanning it again on its own would report it with default (often missing)
    # parameters. (Terraform roots called as modules are skipped by the Terraform parser.)
    called = {m for m, callers in bicep.items() if callers & units}
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
