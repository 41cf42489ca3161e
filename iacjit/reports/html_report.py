"""``--format html``: one self-contained HTML file for people (a CI artifact, opened from disk).

No script, no external font, image or style: a Content-Security-Policy meta tag allows inline
styles only, so even an injected tag could load nothing.  Each chain's attack paths are inline
SVG laid out by ``iacjit.reports.diagrams``.  The template escapes every value (HTML
autoescape) after ``finalize`` has made scanned strings inert the way the PR comment does (no
control bytes, bidi overrides or invisible characters; one string cut at 500 characters).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from iacjit.reports.diagrams import collapse, svg_layout
from iacjit.reports.neutral import neutral

_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Markup | int | float):
        return value
    return neutral(value)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("iacjit.reports", "templates"),
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["t"] = neutral
    return env


def _severity_key(item: dict[str, Any]) -> int:
    return _SEVERITY_ORDER.get(str(item.get("severity", "low")), 9)


def _chain_view(chain: dict[str, Any]) -> dict[str, Any]:
    paths = [{"vms": group["targets"], "svg": svg_layout(group["graph"])}
             for group in collapse(list(chain.get("targets") or []))]
    return {**chain, "paths": paths}


def render(document: dict[str, Any], color: bool = False) -> str:
    """The report as one HTML page (*color* is ignored: the page has its own styles)."""
    chains = sorted((c for c in document.get("chains") or [] if isinstance(c, dict)),
                    key=_severity_key)
    findings = sorted((f for f in document.get("findings") or [] if isinstance(f, dict)),
                      key=lambda f: (_severity_key(f), str(f.get("rule_id")),
                                     str(f.get("file")), f.get("line") or 0))
    summary = document.get("summary") or {}
    active_chains = [_chain_view(c) for c in chains if not c.get("suppressed")]
    active = [f for f in findings if not f.get("suppressed")]
    counts = {}
    for f in active:
        counts[f.get("severity")] = counts.get(f.get("severity"), 0) + 1
    return _environment().get_template("report.html.j2").render(
        tool=document.get("tool") or {},
        summary=summary,
        chains=active_chains,
        findings=active,
        severity_counts=sorted(counts.items(), key=lambda kv: _SEVERITY_ORDER.get(kv[0], 9)),
        suppressed_chains=[c for c in chains if c.get("suppressed")],
        suppressed=[f for f in findings if f.get("suppressed")],
        unresolved=list(document.get("unresolved") or []),
        errors=list(document.get("errors") or []),
        warnings=list(document.get("warnings") or []),
        deviations=list((document.get("policy") or {}).get("deviations") or []),
        not_scanned=list(document.get("not_scanned") or []),
        jit_status=document.get("jit_status"),
        base=document.get("base"),
    )
