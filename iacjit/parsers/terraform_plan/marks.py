"""Line marks for a plan JSON: where each resource object and nested block is written.

``terraform show -json`` writes one line; people who want to read a plan pretty-print it
(``jq . plan.json``, ``python -m json.tool``), which puts every non-empty object and array on
lines of its own: an opening line ending in ``{``/``[`` and a closing line starting with
``}``/``]`` (a JSON string can neither hold a raw newline nor end a line with a bracket, so
the test is exact).  Reading those lines is ~20x cheaper than composing the whole document
as YAML, which matters at the 10 MiB limit (seconds, not tens of seconds).  When the layout
is anything else (compact inner arrays, hand edits), the shared located-JSON reader of the
ARM parser supplies the marks instead.
"""

from __future__ import annotations

from typing import Any

from iacjit.model.raw import Span
from iacjit.parsers.common.located_json import SourceMap, locate


class Marks:
    """``span(holder, key)``: the lines of the container ``holder[key]``, None if unknown."""

    def __init__(self, by_id: dict[int, Span] | None = None,
                 source_map: SourceMap | None = None) -> None:
        self._by_id = by_id
        self._source_map = source_map

    def span(self, holder: Any, key: Any) -> Span | None:
        if self._by_id is not None:
            try:
                return self._by_id.get(id(holder[key]))
            except (IndexError, KeyError, TypeError):
                return None
        return self._source_map.locate(holder, key) if self._source_map else None


def _pretty_spans(value: Any, text: str) -> dict[int, Span] | None:
    """Spans of every non-empty container of *value*, if *text* is laid out one per line."""
    opened: list[list[Any]] = []  # [closing bracket, first line, last line], document order
    stack: list[list[Any]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if line[:1] in ("}", "]"):
            if not stack or stack[-1][0] != line[0]:
                return None
            stack.pop()[2] = number
            line = line[1:].lstrip(",").strip()
            if line and line[-1] not in "{[":
                return None
        if line and line[-1] in "{[":
            entry = ["}" if line[-1] == "{" else "]", number, number]
            opened.append(entry)
            stack.append(entry)
    if stack:
        return None
    spans: dict[int, Span] = {}
    position = 0
    pending = [value]
    while pending:  # pre-order, like the text: each container before what it holds
        node = pending.pop()
        if isinstance(node, dict):
            bracket, children = "}", list(node.values())
        elif isinstance(node, list):
            bracket, children = "]", node
        else:
            continue
        if not children:
            continue  # written inline as {} or []
        if position >= len(opened) or opened[position][0] != bracket:
            return None
        spans[id(node)] = Span(opened[position][1], opened[position][2])
        position += 1
        pending.extend(reversed(children))
    return spans if position == len(opened) else None


def marks_for(doc: dict[str, Any], text: str, sections: tuple[str, ...]) -> Marks | None:
    """Marks for the *sections* of *doc* resources are read from; None for a one-line file
    (every span would be line 1)."""
    if "\n" not in text.strip():
        return None
    spans = _pretty_spans(doc, text)
    if spans is not None:
        return Marks(by_id=spans)
    # Only the sections resources are read from are zipped with YAML marks: the
    # configuration section is often as large again and never located.
    return Marks(source_map=locate({k: doc[k] for k in sections if k in doc}, text))
