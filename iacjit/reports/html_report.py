"""``--format html``: one self-contained HTML file for people (a CI artifact, opened from disk).

No script, no external font, image or style: a Content-Security-Policy meta tag allows inline
styles only, so even an injected tag could load nothing.  Each chain's attack paths are inline
SVG laid out by ``iacjit.reports.diagrams``.  The template escapes every value (HTML
autoescape) after ``finalize`` has made scanned strings inert the way the PR comment does (no
control bytes, bidi overrides or invisible characters; one string cut at 500 characters).

Locations never break inside a name: ``file:line`` is ``<code class="loc">`` made of one
no-wrap ``<span>`` per path segment with ``<wbr>`` after each ``/``, so a narrow window breaks a
long path only at a slash and never between ``main.tf:`` and its line.  In a table cell a
location of up to :data:`WHOLE_IN_CELL` characters is one no-wrap span: a table sizes its
columns by what may break, and a ``where`` column that may break at every slash is squeezed
onto two lines by the message column beside it, even on a wide screen; the table scrolls
sideways instead on a narrow one (docs/reports.md).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from iacjit.reports.diagrams import collapse, svg_layout
from iacjit.reports.neutral import neutral

WHOLE_IN_CELL = 80  # characters; a longer location in a table breaks at its slashes
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
    env.filters["slashes"] = slashes
    env.globals["where"] = where
    return env


def _segments(text: str) -> list[str]:
    """*text* cut after each ``/``: ``a/b/c.tf`` -> ``a/``, ``b/``, ``c.tf``."""
    *heads, last = text.split("/")
    return [head + "/" for head in heads] + ([last] if last else [])


def where(file: Any, line: Any = None, cell: bool = False) -> Markup:
    """A location that breaks only after a ``/``, or in a table *cell* not at all unless it is
    long (module docstring)."""
    if not file:
        return Markup("")
    segments = _segments(neutral(file))
    if line:
        segments[-1] += f":{neutral(line)}"
    if cell and sum(map(len, segments)) <= WHOLE_IN_CELL:
        segments = ["".join(segments)]
    spans = Markup("<wbr>").join(Markup("<span>{}</span>").format(s) for s in segments)
    return Markup('<code class="loc">{}</code>').format(spans)


def slashes(value: Any) -> Markup:
    """A long name (an ARM resource id) with a line-break opportunity after each ``/``."""
    return Markup("<wbr>").join(escape(s) for s in _segments(neutral(value)))


def _severity_key(item: dict[str, Any]) -> int:
    return _SEVERITY_ORDER.get(str(item.get("severity", "low")), 9)


def _chain_view(chain: dict[str, Any]) -> dict[str, Any]:
    paths = [{"vms": group["targets"], "svg": svg_layout(group["graph"])}
             for group in collapse(list(chain.get("targets") or []))]
    return {**chain, "paths": paths}


def _scan_view(scan: Any) -> dict[str, Any] | None:
    """The header's scan metadata, from the document's ``scan`` object (None in a report
    written before it existed)."""
    if not isinstance(scan, dict):
        return None
    repo = scan.get("repository") if isinstance(scan.get("repository"), dict) else None
    paths = [p for p in scan.get("paths") or [] if isinstance(p, str)]
    return {"date": scan.get("date"), "paths": paths, "repository": repo}


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
        scan=_scan_view(document.get("scan")),
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
