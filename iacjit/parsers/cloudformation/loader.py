"""Load a CloudFormation template (YAML or JSON) into plain values plus line marks.

Why not ``yaml.load``: the stock loaders build the whole node tree recursively (the C
composer crashes the interpreter on deeply nested input, the Python one hits RecursionError),
expand aliases without bound (billion laughs), silently keep the last of duplicate keys, turn
``2010-09-09`` into a date and know nothing of CloudFormation's short-form tags.  This module
reads the *event* stream of PyYAML's parser (libyaml when available) and builds values
iteratively, so depth, alias expansion, duplicates and tags are all under our control and every
dict entry / list element keeps its line span, keyed by its path from the document root.

Short-form tags become the long form CloudFormation itself uses (``!Ref X`` →
``{"Ref": "X"}``, ``!GetAtt A.B`` → ``{"Fn::GetAtt": ["A", "B"]}``), so the evaluator sees one
shape whatever the source format.  JSON templates go through the same reader (JSON is YAML
with line marks); what PyYAML cannot read falls back to :mod:`json`.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from iacjit.model.raw import Span
from iacjit.model.values import Unknown
from iacjit.parsers.common.errors import ParseError

try:  # libyaml is ~5x faster; the pure-Python parser is a drop-in fallback.
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

_YAML = "tag:yaml.org,2002:"

# Short-form tag -> long-form key.  Everything but Ref and Condition is ``Fn::<name>``.
SHORT_TAGS: dict[str, str] = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{
        f"!{name}": f"Fn::{name}"
        for name in (
            "Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join",
            "Select", "Split", "Sub", "Transform", "And", "Equals", "If", "Not", "Or",
            "Length", "ToJsonString", "ForEach",
            # rule-specific functions, used in a template's Rules section
            "Contains", "EachMemberEquals", "EachMemberIn", "RefAll", "ValueOf", "ValueOfAll",
        )
    },
}

DEFAULT_MAX_ALIAS_NODES = 100_000

Path = tuple[Any, ...]


@dataclass
class Document:
    """The first document of a file as plain values, with the span of every entry by path."""

    value: Any = None
    marks: dict[Path, Span] = field(default_factory=dict)
    errors: list[ParseError] = field(default_factory=list)
    documents: int = 0
    line_numbers: bool = True
    fatal: bool = False  # one of the errors left no usable document

    def fail(self, error: ParseError) -> Document:
        """Record the error that left no usable document."""
        self.errors.append(error)
        self.fatal = True
        return self

    def span_of(self, path: Path) -> Span | None:
        """The span of *path* or of its closest ancestor that has one."""
        while True:
            span = self.marks.get(path)
            if span is not None or not path:
                return span
            path = path[:-1]


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def _column(mark: Any) -> int | None:
    return mark.column + 1 if mark is not None else None


def _located(message: str, mark: Any) -> ParseError:
    return ParseError(message, _line(mark), _column(mark))


def _end_line(event: Any) -> int:
    """1-based last line of a scalar or flow collection from its end mark."""
    start, end = event.start_mark, event.end_mark
    if end.column == 0 and end.line > start.line:
        return end.line  # block scalars end at column 0 of the following line
    return end.line + 1


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML):] if tag.startswith(_YAML) else tag


_NOT_SET = object()
_MERGE = object()  # the YAML merge key ``<<`` (plain, unquoted)


@dataclass
class _Frame:
    kind: str  # "map" | "seq"
    container: Any
    path: Path
    start: Any  # start mark of the collection (or of its key)
    wrap: str | None  # long-form key when the collection carried a short tag
    anchor: str | None
    end: int
    nodes: int = 1
    key: Any = _NOT_SET
    key_mark: Any = None
    seen: dict[Any, int] = field(default_factory=dict)
    merges: list[tuple[Any, Any]] = field(default_factory=list)


class _Builder:
    """Turns PyYAML events into values; iterative, bounded, collects non-fatal errors."""

    def __init__(self, loader: Any, max_depth: int, max_alias_nodes: int) -> None:
        self.loader = loader
        self.max_depth = max_depth
        self.max_alias_nodes = max_alias_nodes
        self.expanded = 0
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.marks: dict[Path, Span] = {}
        self.errors: list[ParseError] = []
        self.constructor = SafeConstructor()

    # -- scalars --------------------------------------------------------------------------
    def _scalar(self, event: Any) -> Any:
        tag = event.tag
        if tag in SHORT_TAGS:
            name = SHORT_TAGS[tag]
            if name == "Fn::GetAtt":
                logical, _, attribute = event.value.partition(".")
                return {name: [logical, attribute]}
            return {name: event.value}
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag.startswith(_YAML + "python/"):
            self._error(f"unsafe YAML tag {_show_tag(tag)} refused", event.start_mark)
            return Unknown(f"unsafe YAML tag {_show_tag(tag)} refused")
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        try:
            if tag == _YAML + "int":
                return self.constructor.construct_yaml_int(node)
            if tag == _YAML + "float":
                return self.constructor.construct_yaml_float(node)
            if tag == _YAML + "bool":
                return self.constructor.construct_yaml_bool(node)
            if tag == _YAML + "null":
                return None
            if tag == _YAML + "merge":
                return _MERGE
        except (ConstructorError, ValueError) as exc:
            self._error(f"invalid {_show_tag(tag)} value {event.value!r}: {exc}",
                        event.start_mark)
            return event.value
        # str, timestamp (CloudFormation wants "2010-09-09" as text), binary, merge key:
        # all kept as the text written.
        if tag.startswith(_YAML) and tag[len(_YAML):] in (
            "str", "timestamp", "binary", "merge", "value"
        ):
            return event.value
        self._error(f"unsupported YAML tag {_show_tag(tag)}", event.start_mark)
        return event.value

    def _error(self, message: str, mark: Any) -> None:
        self.errors.append(_located(message, mark))

    # -- collections ----------------------------------------------------------------------
    def _collection_tag(self, event: Any) -> str | None:
        """The long-form key a short tag on a collection maps to; checks other tags."""
        tag = event.tag
        if tag in SHORT_TAGS:
            return SHORT_TAGS[tag]
        if tag in (None, "!", _YAML + "map", _YAML + "seq"):
            return None
        if tag.startswith(_YAML + "python/"):
            raise _located(f"unsafe YAML tag {_show_tag(tag)} refused", event.start_mark)
        self._error(f"unsupported YAML tag {_show_tag(tag)}", event.start_mark)
        return None

    def _child_path(self, stack: list[_Frame]) -> Path:
        """Path of the value about to start inside the top frame."""
        if not stack:
            return ()
        top = stack[-1]
        if top.kind == "seq":
            return (*top.path, len(top.container))
        if top.key is _NOT_SET:
            return (*top.path, None)  # a collection used as a key: rejected on add
        return (*top.path, top.key)

    def _add(self, stack: list[_Frame], value: Any, start: Any, end_line: int,
             nodes: int) -> Any:
        """Attach a finished value to the top frame; returns it when the stack is empty."""
        if not stack:
            return value
        top = stack[-1]
        top.nodes += nodes
        top.end = max(top.end, end_line)
        if value is _MERGE and (top.kind == "seq" or top.key is not _NOT_SET):
            value = "<<"
        if top.kind == "seq":
            index = len(top.container)
            top.container.append(value)
            self.marks[(*top.path, index)] = Span(_line(start) or 1, end_line)
            return None
        if top.key is _NOT_SET:
            if isinstance(value, dict | list):
                raise _located("complex mapping keys are not supported", start)
            if isinstance(value, Unknown):
                value = str(value)
            top.key, top.key_mark = value, start
            return None
        key, key_mark = top.key, top.key_mark
        top.key = _NOT_SET
        if key is _MERGE:
            top.merges.append((value, start))
            return None
        if key in top.seen:
            self._error(f"duplicate key {key!r} (first at line {top.seen[key]})", key_mark)
            return None
        top.seen[key] = _line(key_mark) or 0
        top.container[key] = value
        self.marks[(*top.path, key)] = Span(_line(key_mark) or 1, end_line)
        return None

    def _finish(self, frame: _Frame) -> Any:
        value = frame.container
        if frame.kind == "map" and frame.merges:
            for merged, mark in frame.merges:
                sources = merged if isinstance(merged, list) else [merged]
                for source in sources:
                    if not isinstance(source, dict):
                        self._error("merge key '<<' needs a mapping or a list of mappings",
                                    mark)
                        continue
                    for k, v in source.items():
                        value.setdefault(k, v)
        if frame.wrap:
            value = {frame.wrap: value}
        return value

    # -- driver ---------------------------------------------------------------------------
    def build(self) -> tuple[Any, int]:
        """Consume events of the first document; returns (value, number of documents seen)."""
        loader = self.loader
        stack: list[_Frame] = []
        result: Any = None
        documents = 0
        while loader.check_event():
            event = loader.get_event()
            kind = type(event).__name__
            if kind == "DocumentStartEvent":
                documents += 1
                if documents > 1:
                    break  # a template is one document; the caller decides what that means
                continue
            if kind in ("StreamStartEvent", "StreamEndEvent", "DocumentEndEvent"):
                continue
            if kind == "ScalarEvent":
                value = self._scalar(event)
                end = _end_line(event)
                if event.anchor:
                    self.anchors[event.anchor] = (value, 1)
                out = self._add(stack, value, event.start_mark, end, 1)
                if not stack:
                    result = out
                continue
            if kind == "AliasEvent":
                anchored = self.anchors.get(event.anchor)
                if anchored is None:
                    raise _located(f"undefined alias *{event.anchor}", event.start_mark)
                value, nodes = anchored
                self.expanded += nodes
                if self.expanded > self.max_alias_nodes:
                    raise _located(
                        f"alias expansion exceeds {self.max_alias_nodes} nodes "
                        "(refusing a possible billion-laughs document)", event.start_mark)
                out = self._add(stack, value, event.start_mark, _end_line(event), nodes)
                if not stack:
                    result = out
                continue
            if kind in ("MappingStartEvent", "SequenceStartEvent"):
                if len(stack) >= self.max_depth:
                    raise _located(f"nesting deeper than {self.max_depth} levels",
                                   event.start_mark)
                wrap = self._collection_tag(event)
                path = self._child_path(stack)
                inner = (*path, wrap) if wrap else path
                is_map = kind == "MappingStartEvent"
                start_line = _line(event.start_mark) or 1
                stack.append(_Frame(
                    kind="map" if is_map else "seq",
                    container={} if is_map else [],
                    path=inner,
                    start=event.start_mark,
                    wrap=wrap,
                    anchor=event.anchor,
                    end=start_line,
                ))
                continue
            if kind in ("MappingEndEvent", "SequenceEndEvent"):
                frame = stack.pop()
                end = frame.end
                # Flow collections end at their closing bracket (an end event with a width);
                # block ones at their last child, which frame.end already holds.
                if (event.start_mark.line, event.start_mark.column) != \
                        (event.end_mark.line, event.end_mark.column):
                    end = max(end, event.end_mark.line + 1)
                value = self._finish(frame)
                if frame.anchor:
                    self.anchors[frame.anchor] = (value, frame.nodes)
                if frame.wrap:
                    self.marks.setdefault(frame.path, Span(_line(frame.start) or 1, end))
                out = self._add(stack, value, frame.start, end, frame.nodes)
                if not stack:
                    result = out
                continue
        return result, documents


def _decode(data: bytes) -> tuple[str | None, ParseError | None]:
    """Bytes → text: UTF-8 (BOM allowed) or UTF-16/32 with a BOM; anything else is refused."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        try:
            return data.decode("utf-32"), None
        except UnicodeDecodeError:
            return None, ParseError("invalid UTF-32 text")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return None, ParseError("invalid UTF-16 text")
    if b"\x00" in data[:8192]:
        return None, ParseError("binary file (NUL bytes), not a template")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, ParseError(
            f"not UTF-8 text: invalid byte 0x{data[exc.start]:02x}", line, column
        )


def _yaml_error(exc: yaml.YAMLError) -> ParseError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if problem:
        message = f"{context}: {problem}" if context else problem
    else:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return _located(f"YAML syntax error: {message}", mark)


def _load_yaml(text: str, max_depth: int, max_alias_nodes: int) -> Document:
    loader = _BaseLoader(text)
    builder = _Builder(loader, max_depth, max_alias_nodes)
    doc = Document()
    try:
        doc.value, doc.documents = builder.build()
    except ParseError as exc:
        doc.fail(exc)
    except yaml.YAMLError as exc:
        doc.fail(_yaml_error(exc))
    except RecursionError:  # pragma: no cover - the builder is iterative; belt and braces
        doc.fail(ParseError(f"nesting deeper than {max_depth} levels"))
    finally:
        loader.dispose()
    doc.marks = builder.marks
    doc.errors[:0] = builder.errors
    return doc


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _json_depth_ok(value: Any, max_depth: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


def _load_json(text: str, max_depth: int) -> Document:
    """Fallback for JSON PyYAML cannot read: values without line marks."""
    doc = Document(line_numbers=False, documents=1)
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        return doc.fail(ParseError(f"JSON syntax error: {exc.msg}", exc.lineno, exc.colno))
    except ValueError as exc:
        return doc.fail(ParseError(f"JSON: {exc}"))
    except RecursionError:
        return doc.fail(ParseError(f"nesting deeper than {max_depth} levels"))
    if not _json_depth_ok(value, max_depth):
        return doc.fail(ParseError(f"nesting deeper than {max_depth} levels"))
    doc.value = value
    return doc


def load(data: bytes, *, max_depth: int = 200,
         max_alias_nodes: int = DEFAULT_MAX_ALIAS_NODES) -> Document:
    """Read a template's bytes; never raises: every problem is a ParseError in ``errors``."""
    text, problem = _decode(data)
    if text is None:
        return Document().fail(problem) if problem else Document()
    if not text.strip():
        return Document()
    looks_json = text.lstrip()[:1] in ("{", "[")
    if looks_json:
        # Outside strings a JSON tab is only whitespace (inside strings JSON forbids raw
        # tabs), so this keeps every line and column while sparing YAML's tab rules.
        text = text.replace("\t", " ")
    doc = _load_yaml(text, max_depth, max_alias_nodes)
    if looks_json and doc.fatal and not any("alias" in e.message or "nesting" in e.message
                                            for e in doc.errors):
        fallback = _load_json(text, max_depth)
        if not fallback.fatal:
            return fallback
        if any(e.message.startswith("YAML syntax") for e in doc.errors):
            return fallback  # the JSON message is the one a JSON author understands
    return doc
