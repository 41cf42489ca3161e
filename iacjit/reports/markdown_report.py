"""``--format markdown``: the pull-request comment (GitHub, GitLab, Azure DevOps).

The scanned files are untrusted: a resource name, a tag or a file name can be written by
whoever opens the pull request. Anything from them must render as inert text: no HTML, no
links, no ``@mention`` or ``#123`` pings, no terminal escapes, no code spans. The Jinja
environment is therefore *default-deny*: ``finalize`` Markdown-escapes every ``{{ }}`` value
that is not already ``Markup``, on top of HTML autoescape, and only the filters below produce
``Markup`` (``md`` for Markdown context, ``h`` for raw-HTML context such as ``<summary>``,
where Markdown backslash escapes would show literally).

The comment stays under 65,000 characters (GitHub's limit is 65,536) by showing fewer items,
chains first, and saying so.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from iacjit.reports.call_sites import editable, via_text
from iacjit.reports.locations import LinkBuilder, link_builder
from iacjit.reports.neutral import neutral
from iacjit.reports.paths import target_lines

MARKER = "<!-- iacjit-report -->"
MAX_CHARS = 65_000

_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
# Inline Markdown punctuation; "<>&\"'" and backticks are HTML-escaped instead. A list item's
# content starts a new block, so "1." at the start of a value is escaped too.
_MD_PUNCT = re.compile(r"([\\*_{}\[\]()#+\-!|~$])")
_ORDERED = re.compile(r"^(\d+)([.)])(?=\s|$)")
_PING = re.compile(r"([@#])|([!~%$&])(?=[0-9A-Za-z])")
ZWJ = "\u200d"


def _unping(text: str) -> str:
    """A zero-width joiner after ``@``/``#`` (and GitLab's ``!123``, ``~label``...) stops the
    code host from turning them into mentions or references."""
    return _PING.sub(lambda m: m.group(0) + ZWJ, text)


def _html_and_backticks(text: str) -> str:
    # Quotes stay: scanned text never lands inside an attribute (hrefs are encoded apart).
    return html.escape(text, quote=False).replace("`", "&#96;")


def md(value: Any) -> Markup:
    """Escape a scanned string for inline Markdown (and the HTML that Markdown allows)."""
    if isinstance(value, Markup):
        return value
    text = _ORDERED.sub(r"\1\\\2", _MD_PUNCT.sub(r"\\\1", neutral(value)))
    return Markup(_html_and_backticks(_unping(text)))


def h(value: Any) -> Markup:
    """Escape a scanned string for a raw-HTML block (``<summary>``): no backslashes there."""
    if isinstance(value, Markup):
        return value
    return Markup(_html_and_backticks(_unping(neutral(value))))


def _safe_url(url: str) -> str:
    # Percent-encode whatever could end a Markdown link destination or break out of it.
    return quote(url, safe=":/?&=#%@+,;~")


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    return value if isinstance(value, Markup) else md(value)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("iacjit.reports", "templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md
    env.filters["h"] = h
    return env


def _where(link: LinkBuilder | None) -> Callable[..., Markup]:
    def where(file: Any, line: Any = None) -> Markup:
        label = f"{file}:{line}" if line else f"{file}"
        url = link(str(file), int(line) if line else None) if (link and file) else None
        if url:
            return Markup(f"[{md(label)}]({html.escape(_safe_url(url), quote=True)})")
        return md(label)

    return where


def _severity_key(item: dict[str, Any]) -> int:
    return _SEVERITY_ORDER.get(item.get("severity", "low"), 9)


def _groups(findings: list[dict[str, Any]], shown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The shown findings by rule, each group with the rule's total among *findings*."""
    groups: list[dict[str, Any]] = []
    for f in shown:
        if not groups or groups[-1]["rule_id"] != f["rule_id"]:
            groups.append({"rule_id": f["rule_id"], "severity": f.get("severity"),
                           "title": f.get("title"), "items": [],
                           "total": sum(g["rule_id"] == f["rule_id"] for g in findings)})
        groups[-1]["items"].append(f)
    return groups


def _context(document: dict[str, Any], limit: int | None) -> dict[str, Any]:
    """What the template shows, with at most *limit* items: what the change adds first
    (chains, findings), then what the base already had (--base-ref), then the rest."""
    chains = sorted((c for c in document.get("chains") or [] if not c.get("suppressed")),
                    key=_severity_key)
    findings = sorted((f for f in document.get("findings") or [] if not f.get("suppressed")),
                      key=lambda f: (_severity_key(f), f["rule_id"], str(f.get("file")),
                                     f.get("line") or 0))
    sections = {
        "chains": [c for c in chains if c.get("change") != "existing"],
        "findings": [f for f in findings if f.get("change") != "existing"],
        "old_chains": [c for c in chains if c.get("change") == "existing"],
        "old_findings": [f for f in findings if f.get("change") == "existing"],
        "unresolved": list(document.get("unresolved") or []),
        "errors": list(document.get("errors") or []),
        "not_scanned": list(document.get("not_scanned") or []),
    }
    total = sum(len(items) for items in sections.values())
    left = total if limit is None else limit
    shown: dict[str, list[dict[str, Any]]] = {}
    for name, items in sections.items():
        shown[name] = items[:max(left, 0)]
        left -= len(shown[name])
    counts: dict[str, int] = {}
    for f in sections["findings"]:
        counts[f.get("severity", "low")] = counts.get(f.get("severity", "low"), 0) + 1
    return {
        "marker": Markup(MARKER),
        "summary": document.get("summary") or {},
        "base": document.get("base"),
        "severity_counts": sorted(counts.items(), key=lambda c: _SEVERITY_ORDER.get(c[0], 9)),
        "tool": document.get("tool") or {},
        "chains": shown["chains"],
        "chain_total": len(sections["chains"]),
        "groups": _groups(sections["findings"], shown["findings"]),
        "finding_total": len(sections["findings"]),
        "old_chains": shown["old_chains"],
        "old_groups": _groups(sections["old_findings"], shown["old_findings"]),
        "unresolved": shown["unresolved"],
        "errors": shown["errors"],
        "not_scanned": shown["not_scanned"],
        "policy": document.get("policy") or {"configuration": None, "deviations": []},
        "warnings": list(document.get("warnings") or []),
        "sections_total": {k: len(v) for k, v in sections.items()},
        "shown": total if limit is None else min(limit, total),
        "total": total,
        "truncated": limit is not None and limit < total,
        "max_chars": MAX_CHARS,
    }


def render(document: dict[str, Any], color: bool = False, *,
           link: LinkBuilder | None | bool = True, max_chars: int = MAX_CHARS,
           mermaid: bool = True) -> str:
    """The comment body. ``link=True`` derives source links from the CI environment.

    ``mermaid=False`` draws attack paths as text lists: Azure DevOps pull-request threads show
    Mermaid fences as raw code.

    Too long a comment is re-rendered with fewer items (binary search on the item count) so
    the result always fits in *max_chars* with an explicit truncation note.
    """
    builder = link_builder() if link is True else (link or None)
    template = _environment().get_template("comment.md.j2")
    where = _where(builder)
    from iacjit.reports.diagrams import mermaid_blocks  # imports this module

    def attempt(limit: int | None) -> str:
        context = _context(document, limit)
        context["max_chars"] = max_chars
        return template.render(where=where, attack_diagrams=mermaid_blocks, editable=editable,
                               via_text=via_text, mermaid=mermaid, path_lines=target_lines,
                               **context)

    text = attempt(None)
    if len(text) <= max_chars:
        return text
    low, high = 0, _context(document, None)["total"]
    best = attempt(0)
    while low < high:
        middle = (low + high + 1) // 2
        candidate = attempt(middle)
        if len(candidate) <= max_chars:
            low, best = middle, candidate
        else:
            high = middle - 1
    return best
