"""The versioned JSON contract (docs/json-format.md); text and other formats derive from it.

Bump ``SCHEMA_VERSION`` only for incompatible changes; adding fields is compatible.
"""

from __future__ import annotations

import json
import re
from typing import Any

from iacjit import __version__
from iacjit.chains.evaluator import ChainHit, Fix
from iacjit.model.raw import CallSite, RawResource
from iacjit.model.values import ResourceRef, Unknown
from iacjit.result import ScanResult
from iacjit.rules.base import SEVERITIES, Finding, Unresolved

SCHEMA_VERSION = 1


def plain(value: Any) -> Any:
    """Evidence values as JSON data: Unknowns become their description."""
    if isinstance(value, Unknown | ResourceRef):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value


def via(resource: RawResource) -> list[dict[str, Any]]:
    """The module calls from the root down to the resource (empty outside modules)."""
    return _sites(resource.via)


def _sites(sites: tuple[CallSite, ...]) -> list[dict[str, Any]]:
    return [{"module": site.module, "file": site.file, "line": site.line,
             "end_line": site.end_line} for site in sites]


def finding(item: Finding) -> dict[str, Any]:
    return {
        "rule_id": item.rule_id,
        "severity": item.severity,
        "title": item.title,
        "message": item.message,
        "resource": item.resource.address,
        "resource_type": item.resource.type,
        "file": item.resource.file,
        "line": item.span.line,
        "end_line": item.span.end_line,
        "evidence": plain(item.evidence),
        "via": via(item.resource),
        "unit": item.resource.root or ".",
        "suppressed": item.suppressed,
        "suppression": item.suppression,
        "fingerprint": item.fingerprint,
        **_change(item),
    }


def _change(item: Finding | ChainHit) -> dict[str, str]:
    """``"change": "new"|"existing"`` with --base-ref (iacjit.base_ref), else nothing."""
    return {"change": item.change} if item.change else {}


def unresolved(item: Unresolved) -> dict[str, Any]:
    return {
        "rule_id": item.rule_id,
        "resource": item.resource.address,
        "resource_type": item.resource.type,
        "file": item.resource.file,
        "line": item.span.line,
        "end_line": item.span.end_line,
        "reason": item.reason,
        "via": via(item.resource),
        "unit": item.resource.root or ".",
    }


def finding_ref(item: Finding) -> dict[str, Any]:
    """How a chain points at the findings it joins."""
    return {"rule_id": item.rule_id, "resource": item.resource.address,
            "file": item.resource.file, "line": item.span.line, "via": via(item.resource)}


def _fix(fix: Fix) -> dict[str, Any]:
    return {"kind": fix.kind, "description": fix.description, "file": fix.file,
            "line": fix.line, "via": _sites(fix.via)}


def chain(hit: ChainHit) -> dict[str, Any]:
    definition = hit.definition
    return {
        "chain_id": definition.id,
        "severity": definition.severity,
        "likelihood": definition.likelihood,
        "title": definition.title,
        "logic": definition.logic,
        "suppressed": hit.suppressed,
        "suppression": hit.suppression,
        "fingerprint": hit.fingerprint,
        **_change(hit),
        "triggers": [finding_ref(f) for f in hit.triggers],
        "steps": [dict(step) for step in definition.steps],
        "targets": [
            {
                "vm": t.vm.resource.address,
                "vm_name": t.vm.name,
                "resource_type": t.vm.resource.type,
                "file": t.vm.resource.file,
                "line": t.vm.resource.span.line,
                "end_line": t.vm.resource.span.end_line,
                "unit": t.vm.resource.root or ".",
                "via": via(t.vm.resource),
                "ports": t.ports,
                "path": t.path,
                "findings": [finding_ref(f) for f in t.findings],
                "fix": _fix(t.fix),
                "closing_fix": _fix(t.closing) if t.closing else None,
                "path_graph": t.graph,
            }
            for t in hit.targets
        ],
        "fix": [_fix(f) for f in hit.fixes],
        "blast_radius": dict(definition.blast_radius),
    }


def _clean_document(document: dict[str, Any]) -> dict[str, Any]:
    """The document, with lone surrogates replaced when there are any (rarely: one fast check)."""
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return _scrub(document)
    return document


def _scrub(value: Any) -> Any:
    """Lone surrogates (``"\\ud800"`` in JSON, YAML or HCL input) become U+FFFD.

    They are valid in a Python str but not in UTF-8: every renderer would fail to write them.
    """
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8") if _SURROGATE.search(value) \
            else value
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _new_counts(result: ScanResult) -> dict[str, int]:
    """With --base-ref: how many active findings and chains the change adds."""
    if result.base is None:
        return {}
    return {"new_findings": sum(not f.suppressed and f.change == "new" for f in result.findings),
            "new_chains": sum(not c.suppressed and c.change == "new" for c in result.chains)}


def to_document(result: ScanResult, exit_code: int) -> dict[str, Any]:
    return _clean_document({
        "version": SCHEMA_VERSION,
        "tool": {"name": "iacjit", "version": __version__},
        "scan": result.scan or None,
        "findings": [finding(f) for f in result.findings],
        "chains": [chain(c) for c in result.chains],
        "unresolved": [unresolved(u) for u in result.unresolved],
        "errors": [
            {"file": e.file, "line": e.line, "column": e.column, "message": e.message}
            for e in result.errors
        ],
        "not_scanned": [
            {"file": n.file, "line": n.line, "what": n.what, "reason": n.reason}
            for n in result.not_scanned
        ],
        "warnings": [w.to_json() for w in result.warnings],
        "policy": result.policy or {"configuration": None, "deviations": []},
        "jit_status": result.jit_status,
        **({"base": result.base} if result.base is not None else {}),
        "units": result.units,
        "summary": summary(result, exit_code),
    })


def summary(result: ScanResult, exit_code: int) -> dict[str, Any]:
    """The document's counts (the hook serialises fewer results under a whole scan's counts)."""
    active = [f for f in result.findings if not f.suppressed]
    return {
        "files_scanned": result.files_scanned,
        "resources": len(result.resources),
        "findings": len(active),
        "chains": sum(not c.suppressed for c in result.chains),
        "by_severity": {s: sum(f.severity == s for f in active) for s in SEVERITIES},
        "suppressed": len(result.findings) - len(active),
        "unresolved": len(result.unresolved),
        "errors": len(result.errors),
        "not_scanned": len(result.not_scanned),
        "warnings": len(result.warnings),
        "exit_code": exit_code,
        **_new_counts(result),
    }
