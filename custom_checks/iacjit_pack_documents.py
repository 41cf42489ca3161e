"""ARM results Checkov never shows, reported through its JSON framework instead.

Two kinds of ARM resources get no result from Checkov's ARM runner even though iacjit judges
them:

- every resource of a ``languageVersion`` 2.0 template (``resources`` keyed by symbolic name,
  as Bicep emits): the runner skips such templates;
- a failed resource whose name, as Checkov renders it, calls ``toLower(``, ``trim(``,
  ``join(``, ``split(`` or ``substring(``: the runner drops such failures from its report
  (``checkov.arm.utils.filter_failed_checks_with_unrendered_resources``), common with
  ``uniqueString()`` names.

Checkov's JSON framework hands a check each JSON document once, so such a template gets one
result for the whole document: for a 2.0 template its verdict, failed when any NSG or rule
fails; for the dropped failures, a failed result listing them (their passes and UNKNOWNs are
already reported by the ARM check).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import iacjit_pack_files as files
from iacjit_pack_loader import api
from iacjit_pack_templates import Judged, TemplateReader, kind, same_file
from iacjit_pack_verdict import FAILED, UNKNOWN, Verdict, judge

# What makes Checkov's ARM runner drop a failed result (Checkov 3.3).
DROPPED_NAME_CALLS = ("toLower(", "trim(", "join(", "split(", "substring(")
_REFERENCE = re.compile(r"\b(variables|parameters)\(\s*'([^']+)'\s*\)")


def _rendered_name(name: Any, document: dict[str, Any]) -> str:
    """The name with the text of the variables and parameter defaults it references (what
    Checkov substitutes before it filters), two levels deep."""
    text = str(name)
    for _ in range(2):
        found = []
        for section, key in _REFERENCE.findall(text):
            table = document.get(section)
            value = table.get(key) if isinstance(table, dict) else None
            if section == "parameters" and isinstance(value, dict):
                value = value.get("defaultValue")
            found.append(str(value))
        text += " ".join(found)
    return text


def _marks(node: Any) -> tuple[int, int] | None:
    start = getattr(getattr(node, "start_mark", None), "line", None)
    end = getattr(getattr(node, "end_mark", None), "line", None)
    return (start, end) if isinstance(start, int) and isinstance(end, int) else None


def dropped_places(document: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(kind, first line, last line) of the NSGs and rules whose failures Checkov drops:
    top-level, child and nested-deployment resources of a classic template."""
    places = []
    pending = list(document.get("resources") or [])
    while pending:
        item = pending.pop()
        if not isinstance(item, dict):
            continue
        found, lines = kind(str(item.get("type", ""))), _marks(item)
        rendered = _rendered_name(item.get("name", ""), document)
        if found and lines and any(call in rendered for call in DROPPED_NAME_CALLS):
            places.append((found, *lines))
        children = item.get("resources")
        pending += children if isinstance(children, list) else []
        props = item.get("properties")
        template = props.get("template") if isinstance(props, dict) else None
        nested = template.get("resources") if isinstance(template, dict) else None
        pending += nested if isinstance(nested, list) else []
    return places


def judge_document(reader: TemplateReader, scanned_file: str, document: Any,
                   root: Path | None) -> Judged | None:
    """The JSON framework's result for an ARM template, or None when the ARM check already
    says everything (or the document is no template)."""
    if not isinstance(document, dict):
        return None
    resources = document.get("resources")
    symbolic = isinstance(resources, dict) and any(
        isinstance(r, dict) and str(r.get("type", "")).lower().startswith("microsoft.")
        for r in resources.values())
    places = dropped_places(document) if isinstance(resources, list) else []
    if not symbolic and not places:
        return None
    path = files.locate(scanned_file, root)
    if path is None:
        return None
    unit = reader.unit(path, "arm", root)
    label = "languageVersion 2.0 template" if symbolic else \
        "resources whose failures Checkov's ARM runner drops"
    if unit.rule_error:
        return Judged(Verdict(UNKNOWN, [unit.rule_error]), str(path), label)
    mapped = [r for r in unit.resources if same_file(r.file, path) and kind(r.type) and (
        symbolic or any(k == kind(r.type) and s <= r.span.line <= e for k, s, e in places))]
    if symbolic and not mapped and not unit.errors:
        return None  # a template without NSGs: nothing for this rule
    ids = {id(r) for r in mapped}
    outputs = [o for o in unit.outputs if id(o.resource) in ids]
    verdict = judge(outputs, api().Finding, [] if mapped else unit.errors)
    if not symbolic and verdict.result != FAILED:
        return None  # the ARM check's PASSED or UNKNOWN (with its stderr line) stands
    names = ", ".join(dict.fromkeys(r.address for r in mapped)) or "its resources"
    return Judged(verdict, str(path), f"{label} ({names})")
