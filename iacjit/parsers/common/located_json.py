"""Read an ARM JSON file into plain values plus the line span of every nested value.

Values always come from :func:`json.loads`, the authority on JSON; line marks come from
PyYAML's composer (libyaml's C loader when available), which reads JSON as a YAML flow
document.  The two trees are zipped by key and position.  YAML and JSON disagree on a few
inputs (surrogate-pair escapes, over-long keys, ``//`` comments that ARM tolerates), so when
composing fails or the trees do not line up, a small structural scanner of the same text
supplies the marks instead: the values never depend on YAML's reading.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from iacjit import boundary
from iacjit.model.raw import Span
from iacjit.parsers.common.errors import ParseError

try:  # the wheels bundle libyaml; the pure-Python composer is ~5x slower but equivalent
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


@dataclass
class SourceMap:
    """Where each value of a parsed document is written: ``(id(parent), key) -> Span``."""

    root: Span
    spans: dict[tuple[int, Any], Span] = field(default_factory=dict)

    def locate(self, parent: Any, key: Any) -> Span | None:
        return self.spans.get((id(parent), key))


_UTF16_32_BOMS = (  # longest first: the UTF-32-LE mark starts with the UTF-16-LE one
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)

# A string (raw line breaks allowed, as ARM allows them), a comment, or a trailing comma.
_COMMENT = r"//[^\n]*|/\*[\s\S]*?\*/"
_TRAILING_COMMA = re.compile(r",\s*[}\]]")
# Strings take runs of plain characters at once, possessively: a per-character group made the
# regex engine keep state for every character (over 1 GB for one 9.5 MB string).  Same matches.
_LENIENT = re.compile(rf'"(?:[^"\\]++|\\.)*+"|{_COMMENT}|,(?=(?:\s|{_COMMENT})*[}}\]])')


def decode(data: bytes) -> str:
    """Bytes → text, refusing what no template editor would produce.

    UTF-8 is the norm; a UTF-8 byte-order mark is accepted (Visual Studio writes one and ARM
    accepts it), and so is UTF-16/UTF-32 *with* a byte-order mark (Windows editors save that,
    the Azure CLI reads it; the CloudFormation parser accepts the same).
    """
    for bom, codec in _UTF16_32_BOMS:
        if data.startswith(bom):
            try:
                return _non_empty(data.decode(codec))
            except UnicodeDecodeError:
                raise ParseError(f"file starts with a {codec.upper()} byte-order mark but is "
                                  f"not valid {codec.upper()}", 1, 1) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:8192]:
        raise ParseError("file looks binary (contains NUL bytes), not JSON")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ParseError(
            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8",
            line, column,
        ) from None
    return _non_empty(text)


def _non_empty(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise ParseError("file is empty")
    return text


def lenient(text: str) -> str:
    """What ARM's reader (JSON.NET) accepts beyond JSON, turned into JSON at the same positions:
    ``//`` and ``/* */`` comments and trailing commas become blanks.  Raw line breaks inside
    strings are accepted by :func:`parse_json` itself."""
    if "/" not in text and not _TRAILING_COMMA.search(text):
        return text

    def blank(match: re.Match[str]) -> str:
        token = match.group()
        if token.startswith('"'):
            return token
        return re.sub(r"[^\n]", " ", token)

    return _LENIENT.sub(blank, text)


def read_text(path: Path, max_bytes: int) -> str:
    try:
        boundary.check(path)
        size = path.stat().st_size
        if size > max_bytes:
            raise ParseError(f"file is {size} bytes, above the limit of {max_bytes}")
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}") from None
    return decode(data)


def _last_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A property written twice: the last one wins, as in ARM, except sibling ``copy`` arrays
    (property loops of different properties), which ARM runs all of."""
    value: dict[str, Any] = {}
    for key, item in pairs:
        earlier = value.get(key)
        if key.lower() == "copy" and isinstance(earlier, list) and isinstance(item, list):
            item = earlier + item
        value[key] = item
    return value


def parse_json(text: str) -> Any:
    """Strict JSON but for control characters inside strings (ARM's multi-line strings)."""
    try:
        return json.loads(text, strict=False, object_pairs_hook=_last_wins)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise ParseError("JSON nested too deeply") from None


# --- marks -----------------------------------------------------------------------------------

# A located node, whatever produced it: (span, mapping pairs | sequence items | None)
_Loc = tuple[Span, list[tuple[Any, Any]] | list[Any] | None, str]


def _yaml_tree(text: str) -> Any:
    try:
        return yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None


def _yaml_loc(node: Any) -> _Loc:
    span = Span(node.start_mark.line + 1, node.end_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        pairs = [(k.value if isinstance(k, yaml.ScalarNode) else None, v) for k, v in node.value]
        return span, pairs, "map"
    if isinstance(node, yaml.SequenceNode):
        return span, list(node.value), "seq"
    return span, None, "scalar"


_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"|[{}\[\],:]|[^\s{}\[\],:"]+')


class _Scanned:
    """A structural node from the fallback scanner."""

    __slots__ = ("span", "kind", "children")

    def __init__(self, span: Span, kind: str, children: list[Any] | None) -> None:
        self.span, self.kind, self.children = span, kind, children


def _scan_tree(text: str) -> _Scanned | None:
    """Brackets, strings and scalars with their lines; enough to locate every value."""
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_of(offset: int) -> int:
        return bisect.bisect_right(newlines, offset) + 1

    stack: list[tuple[_Scanned, int, Any]] = []  # (node, start line, pending key)
    root: _Scanned | None = None
    pending_key: Any = None
    expect_key = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        line = line_of(match.start())
        if token in "{[":
            node = _Scanned(Span(line, line), "map" if token == "{" else "seq", [])
            stack.append((node, line, pending_key))
            pending_key, expect_key = None, token == "{"
            continue
        if token in "}]":
            if not stack:
                return None
            node, start, key = stack.pop()
            node.span = Span(start, line)
            value: Any = node
        elif token == ",":
            expect_key = bool(stack) and stack[-1][0].kind == "map"
            continue
        elif token == ":":
            continue
        elif expect_key and stack and stack[-1][0].kind == "map":
            try:
                pending_key = json.loads(token)
            except ValueError:
                return None
            expect_key = False
            continue
        else:
            value, key = _Scanned(Span(line, line), "scalar", None), pending_key
        if not stack:
            root = value
            continue
        parent = stack[-1][0]
        parent.children.append((key, value) if parent.kind == "map" else value)
        pending_key = None
    return root


def _scan_loc(node: _Scanned) -> _Loc:
    return node.span, node.children, node.kind


def _zip(value: Any, node: Any, as_loc: Callable[[Any], _Loc],
         spans: dict[tuple[int, Any], Span],
         duplicates: list[tuple[Any, Span]] | None = None) -> bool:
    """Record the span of every value under *value*; False when the trees disagree.

    A name written twice in one object goes to *duplicates* with the span of its second
    value: json.loads keeps the last one silently, ARM refuses the template."""
    stack = [(value, as_loc(node))]
    while stack:
        current, (_, children, kind) = stack.pop()
        if isinstance(current, dict):
            if kind != "map":
                return False
            by_key = dict(children or ())
            if duplicates is not None and len(by_key) != len(children or ()):
                seen: set[Any] = set()
                for key, child in children or ():
                    if key in seen:
                        duplicates.append((key, as_loc(child)[0]))
                    seen.add(key)
            pairs: Iterable[tuple[Any, Any]] = ((k, by_key.get(k)) for k in current)
        else:
            if kind != "seq" or len(children or ()) != len(current):
                return False
            pairs = enumerate(children or ())
        for key, child in pairs:
            if child is None:
                return False
            located = as_loc(child)
            spans[(id(current), key)] = located[0]
            item = current[key]
            if isinstance(item, dict | list):
                stack.append((item, located))
            elif located[2] != "scalar":
                return False
    return True


def _key_column(text: str, line: int, key: Any) -> int | None:
    """1-based column of the quoted *key* on *line*: the spans hold lines only."""
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return None
    found = lines[line - 1].find(json.dumps(key, ensure_ascii=False))
    return found + 1 if found >= 0 else None


def locate(value: Any, text: str) -> SourceMap:
    """Spans for *value* parsed from *text*: YAML marks first, the scanner as fallback.

    Raises ParseError at the second of two equal property names in one object."""
    for build, as_loc in ((_yaml_tree, _yaml_loc), (_scan_tree, _scan_loc)):
        tree = build(text)
        if tree is None:
            continue
        spans: dict[tuple[int, Any], Span] = {}
        duplicates: list[tuple[Any, Span]] = []
        if _zip(value, tree, as_loc, spans, duplicates):
            if duplicates:
                key, span = min(duplicates, key=lambda d: d[1].line)
                raise ParseError(f"duplicate property name {key!r} in one object (Azure "
                                  "Resource Manager rejects the template; json keeps the "
                                  "last value)", span.line, _key_column(text, span.line, key),
                                  expected="a property name not used before in this object")
            return SourceMap(as_loc(tree)[0], spans)
    lines = text.count("\n") + 1
    return SourceMap(Span(1, lines))


def load_text(text: str) -> tuple[Any, SourceMap]:
    """Parse and locate ARM JSON text; raises ParseError with a position."""
    text = lenient(text)
    value = parse_json(text)
    return value, locate(value, text)


def load(path: Path, max_bytes: int) -> tuple[Any, SourceMap]:
    """Read, decode, parse and locate one JSON file; raises ParseError with a position."""
    return load_text(read_text(path, max_bytes))
