"""Inline suppressions: ``iacjit:ignore`` comments and ARM/CloudFormation metadata.

The parsers do not keep comments, so the text of each file that declares resources is read
here, once, and only searched further when it contains the marker at all.  A comment
concerns the resource whose span contains it, or the resource whose first line follows the
block of comment lines (and Bicep decorators) it belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from iacjit.model.raw import CallSite, RawResource, Span
from iacjit.parsers import registry
from iacjit.parsers.common.format import Format
from iacjit.suppressions.model import INLINE, Note, Suppression, parse_date

MARKER = re.compile(r"iacjit:ignore\b", re.IGNORECASE)
_KEY_VALUE = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")



def parse_directive(text: str) -> tuple[list[str], dict[str, str], list[str]]:
    """``zt_net_001, CHAIN-016 reason="..." expires=2027-03-31`` -> (ids, fields, problems)."""
    text = text.strip()
    for end in ("*/", "-->"):
        if text.endswith(end):
            text = text[: -len(end)].rstrip()
    first = _KEY_VALUE.search(text)
    head = text[: first.start()] if first else text
    ids = [token for token in re.split(r"[\s,]+", head) if token]
    problems = [f"not a rule or chain id: {token!r}" for token in ids if not _ID.fullmatch(token)]
    ids = [token for token in ids if _ID.fullmatch(token)]
    fields: dict[str, str] = {}
    rest = text[first.start():] if first else ""
    position = 0
    for match in _KEY_VALUE.finditer(rest):
        between = rest[position:match.start()].strip()
        if between:
            problems.append(f"unexpected text {between!r}")
        position = match.end()
        key = match.group(1).lower()
        value = next(g for g in match.groups()[1:] if g is not None)
        if key not in {"reason", "expires"}:
            problems.append(f"unknown field {key!r} (expected reason= and expires=)")
            continue
        fields[key] = value
    if rest[position:].strip():
        problems.append(f"unexpected text {rest[position:].strip()!r}")
    return ids, fields, problems


def _comment_lines(lines: list[str], openers: tuple[str, ...], decorator: str,
                   blocks: list[bool]) -> list[bool]:
    """Per line: is it comment text (or a decorator, Bicep's ``@``), so part of a block?"""
    flags = []
    for line, in_block in zip(lines, blocks, strict=True):
        stripped = line.strip()
        flags.append(bool(stripped) and (
            in_block or stripped.startswith(openers)
            or bool(decorator) and stripped.startswith(decorator)))
    return flags


def _in_comment(line: str, position: int, openers: tuple[str, ...], in_block: bool) -> bool:
    if in_block:
        return True
    prefix = line[:position]
    return any(opener in prefix for opener in openers)


def _block_states(lines: list[str]) -> list[bool]:
    """Per line: does the line start inside a ``/* ... */`` comment?"""
    states, in_block = [], False
    for line in lines:
        states.append(in_block)
        position = 0
        while True:
            if in_block:
                end = line.find("*/", position)
                if end < 0:
                    break
                in_block, position = False, end + 2
            else:
                start = line.find("/*", position)
                if start < 0:
                    break
                in_block, position = True, start + 2
    return states


def _attach(line: int, resources: list[RawResource],
            comments: list[bool]) -> tuple[list[RawResource], bool]:
    """The resources a comment on *line* concerns, and whether it sits inside them."""
    containing = [r for r in resources if r.span.line <= line <= r.span.end_line]
    if containing:
        smallest = min(r.span.end_line - r.span.line for r in containing)
        chosen = [r for r in containing if r.span.end_line - r.span.line == smallest]
        span = chosen[0].span
        return [r for r in chosen if r.span == span], True
    following = sorted((r for r in resources if r.span.line > line), key=lambda r: r.span.line)
    if not following:
        return [], False
    start = following[0].span.line
    # every line between the comment and the resource must be comment text (one block)
    if all(comments[n - 1] for n in range(line + 1, start)):
        return [r for r in following if r.span.line == start], False
    return [], False


def _nested_scope(line: int, resource: RawResource, comments: list[bool]) -> Span | None:
    """The nested block (e.g. one inline rule) a comment inside *resource* is about, if any.

    The smallest block containing the comment line, else the outermost block starting on the
    first line after the comment block.
    """
    nested = [s for s in resource.spans.values() if s != resource.span]
    containing = [s for s in nested if s.line <= line <= s.end_line]
    if containing:
        return min(containing, key=lambda s: s.end_line - s.line)
    following = line + 1
    while following <= len(comments) and comments[following - 1]:
        following += 1
    starting = [s for s in nested if s.line == following]
    return max(starting, key=lambda s: s.end_line) if starting else None


def comment_suppressions(path: str, text: str, fmt: Format, resources: list[RawResource],
                         notes: list[Note]) -> list[Suppression]:
    """The ``iacjit:ignore`` comments of one file, attached to its resources."""
    openers = fmt.comment_openers(path)
    if not openers or not MARKER.search(text):
        return []
    lines = text.splitlines()
    blocks = _block_states(lines) if "/*" in openers else [False] * len(lines)
    comments = _comment_lines(lines, openers, fmt.decorator, blocks)
    found: list[Suppression] = []
    for number, line in enumerate(lines, start=1):
        match = MARKER.search(line)
        if not match or not _in_comment(line, match.start(), openers, blocks[number - 1]):
            continue
        ids, fields, problems = parse_directive(line[match.end():])
        for problem in problems:
            notes.append(Note("invalid", f"iacjit:ignore comment: {problem}", path, number))
        if not ids:
            notes.append(Note("invalid", "iacjit:ignore comment names no rule or chain id",
                              path, number))
            continue
        suppression = _build(ids, fields.get("reason"), fields.get("expires"), path, number,
                             notes, strict_date=True)
        attached, inside = _attach(number, resources, comments)
        if not attached:
            notes.append(Note("stale", "iacjit:ignore comment is not next to a resource "
                                       "(put it on the lines directly above the resource or "
                                       "inside it)", path, number, ", ".join(ids)))
            continue
        suppression.resources = attached
        suppression.inside = inside
        if inside:
            suppression.scope = _nested_scope(number, attached[0], comments)
        found.append(suppression)
    return found


def _build(ids: Iterable[str], reason: Any, expires: Any, path: str | None, line: int | None,
           notes: list[Note], strict_date: bool = False) -> Suppression:
    suppression = Suppression(tuple(ids), str(reason).strip() if reason else None, None,
                              INLINE, path, line)
    if expires not in (None, ""):
        try:
            if strict_date and not _DATE.fullmatch(str(expires)):
                raise ValueError
            suppression.expires = parse_date(expires)
        except ValueError:
            suppression.usable = False
            notes.append(Note("invalid", f"expires={expires!r} is not a date YYYY-MM-DD: "
                                         "the suppression is ignored", path, line,
                              ", ".join(suppression.ids)))
    return suppression


def _metadata_entries(resource: RawResource) -> tuple[Any, tuple[Any, ...]] | None:
    """The ``iacjit.ignore`` list of ARM ``metadata`` / CloudFormation ``Metadata``."""
    for key in ("metadata", "Metadata"):
        metadata = resource.attributes.get(key)
        if isinstance(metadata, dict):
            own = metadata.get("iacjit")
            if isinstance(own, dict) and "ignore" in own:
                return own["ignore"], (key, "iacjit", "ignore")
    return None


def metadata_suppressions(resource: RawResource, notes: list[Note]) -> list[Suppression]:
    """ARM ``metadata.iacjit.ignore`` / CloudFormation ``Metadata: iacjit: ignore:`` lists."""
    found = _metadata_entries(resource)
    if found is None:
        return []
    entries, where = found
    line = resource.span_of(where).line
    if not isinstance(entries, list):
        notes.append(Note("invalid", "iacjit.ignore metadata must be a list of {id, reason, "
                                     "expires}", resource.file, line))
        return []
    result = []
    for index, entry in enumerate(entries):
        at = resource.span_of((*where, index)).line
        raw_ids = entry.get("id", entry.get("ids")) if isinstance(entry, dict) else None
        ids = [raw_ids] if isinstance(raw_ids, str) else raw_ids
        if not isinstance(ids, list) or not ids or not all(
                isinstance(i, str) and _ID.fullmatch(i) for i in ids):
            notes.append(Note("invalid", "iacjit.ignore entry needs an id (a rule or chain id, "
                                         "or a list of them)", resource.file, at))
            continue
        suppression = _build(ids, entry.get("reason"), entry.get("expires"), resource.file, at,
                             notes)
        suppression.resources = [resource]
        result.append(suppression)
    return result


def collect(resources: Iterable[RawResource], notes: list[Note],
            read=lambda p: Path(p).read_text(encoding="utf-8", errors="replace"),
            ) -> list[Suppression]:
    """Every inline suppression of the scanned resources; each file is read once."""
    by_file: dict[str, list[RawResource]] = {}
    found: list[Suppression] = []
    resources = list(resources)
    stand_ins, inside = _call_site_anchors(resources)
    for resource in [*resources, *stand_ins]:
        found.extend(metadata_suppressions(resource, notes))
        fmt = registry.find(resource.source_format)
        if fmt is not None and fmt.comment_openers(resource.file):
            by_file.setdefault(resource.file, []).append(resource)
    for path, located in by_file.items():
        try:
            text = read(path)
        except OSError:
            continue  # the parser read it; an unreadable file now is reported by no one twice
        if text.lstrip().startswith("{"):
            continue  # JSON (a CloudFormation template may be either) has no comments
        fmt = registry.get(located[0].source_format)
        found.extend(comment_suppressions(path, text, fmt, located, notes))
    for suppression in found:
        if any(id(r) in inside for r in suppression.resources):
            suppression.resources = [inner for r in suppression.resources
                                     for inner in inside.get(id(r), (r,))]
            suppression.inside = False  # about the whole module call, not a nested block
    return found


def _call_site_anchors(resources: list[RawResource],
                       ) -> tuple[list[RawResource], dict[int, list[RawResource]]]:
    """A suppression comment on a ``module`` block applies to every resource inside the call
    (at any depth): each call site becomes a stand-in resource that comments attach to.
    Returns the stand-ins and, by stand-in id, the resources declared inside the call."""
    stand_ins: list[RawResource] = []
    inside: dict[int, list[RawResource]] = {}
    by_site: dict[CallSite, RawResource] = {}
    for resource in resources:
        for site in resource.via:
            stand_in = by_site.get(site)
            if stand_in is None:
                stand_in = RawResource("module", site.module, site.file,
                                       Span(site.line, site.end_line), {}, "terraform")
                by_site[site] = stand_in
                stand_ins.append(stand_in)
                inside[id(stand_in)] = []
            inside[id(stand_in)].append(resource)
    return stand_ins, inside
