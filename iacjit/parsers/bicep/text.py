"""Lexical helpers over raw Bicep text: string literals, masking, unsupported constructs.

The pycep grammar fails on a few newer Bicep constructs with an opaque "unexpected token".
Scanning the text with string literals and comments blanked out lets us name the construct
and tell the user the workaround before pycep even runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORKAROUND = (
    "run `bicep build {name}` (or `az bicep build --file {name}`) and scan the generated JSON "
    "template instead"
)


class TextError(Exception):
    """A string literal or nesting that cannot be read; carries a 0-based offset."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def _string_end(text: str, start: int, depth: int = 0) -> int:
    """Offset just past the single-quoted string that opens at *start*.

    Handles ``\\`` escapes and ``${...}`` holes, which may contain braces and strings of
    their own.  Bounded nesting: Bicep authors do not nest interpolations 50 deep.
    """
    if depth > 50:
        raise TextError("string interpolation nested too deeply", start)
    i = start + 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
        elif c == "'":
            return i + 1
        elif c == "\n":
            raise TextError("unterminated string literal", start)
        elif text.startswith("${", i):
            i = interpolation_end(text, i + 2, depth) + 1
        else:
            i += 1
    raise TextError("unterminated string literal", start)


def interpolation_end(text: str, i: int, depth: int = 0) -> int:
    """Offset of the ``}`` that closes an interpolation whose expression starts at *i*."""
    braces = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "'":
            i = _string_end(text, i, depth + 1)
            continue
        if c == "{":
            braces += 1
        elif c == "}":
            if braces == 0:
                return i
            braces -= 1
        i += 1
    raise TextError("unterminated string interpolation", i)


def mask(text: str) -> str:
    """*text* with string literals and comments blanked (newlines kept, offsets unchanged)."""
    out = list(text)

    def blank(a: int, b: int) -> None:
        for k in range(a, min(b, len(out))):
            if out[k] != "\n":
                out[k] = " "

    i = 0
    n = len(text)
    while i < n:
        if text.startswith("'''", i):
            j = text.find("'''", i + 3)
            j = n if j < 0 else j + 3
            blank(i, j)
            i = j
        elif text[i] == "'":
            try:
                j = _string_end(text, i)
            except TextError:
                j = text.find("\n", i)
                j = n if j < 0 else j
            blank(i, j)
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(i, j)
            i = j
        else:
            i += 1
    return "".join(out)


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of *offset*."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


@dataclass(frozen=True)
class Unsupported:
    construct: str
    line: int
    column: int


_UNSUPPORTED: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "filtered for-loop `[for x in xs: if (condition) {...}]`",
        re.compile(r"\[\s*for\s+(?:\w+|\(\s*\w+\s*,\s*\w+\s*\))\s+in\s+[^:\]]*?:\s*if\s*\(", re.S),
    ),
    ("spread operator `...`", re.compile(r"\.\.\.")),
    ("`resourceInput<>`/`resourceOutput<>` type", re.compile(r"\bresource(?:Input|Output)\s*<")),
    ("lambda with two parameters `(a, b) => ...`", re.compile(r"\(\s*\w+\s*,\s*\w+\s*\)\s*=>")),
)


def unsupported_constructs(masked: str) -> list[Unsupported]:
    """Every construct pycep is known to reject, located, first occurrence per line."""
    found: list[Unsupported] = []
    seen: set[tuple[str, int]] = set()
    for construct, pattern in _UNSUPPORTED:
        for match in pattern.finditer(masked):
            line, column = position(masked, match.start())
            if (construct, line) not in seen:
                seen.add((construct, line))
                found.append(Unsupported(construct, line, column))
    found.sort(key=lambda u: (u.line, u.column))
    return found


_ESCAPES = {"\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t", "$": "$"}


def split_string(body: str) -> list[str | tuple[str, int]]:
    """Split the inside of a single-quoted literal into text and ``(expression, offset)`` holes.

    Escapes are decoded here, so a ``\\${`` stays literal text.
    """
    parts: list[str | tuple[str, int]] = []
    buf: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c == "\\" and i + 1 < n:
            nxt = body[i + 1]
            if nxt == "u" and body.startswith("{", i + 2):
                close = body.find("}", i + 3)
                if close < 0:
                    raise TextError("bad unicode escape", i)
                try:
                    buf.append(chr(int(body[i + 3 : close], 16)))
                except ValueError as exc:
                    raise TextError("bad unicode escape", i) from exc
                i = close + 1
                continue
            if nxt not in _ESCAPES:
                raise TextError(f"unknown escape sequence \\{nxt}", i)
            buf.append(_ESCAPES[nxt])
            i += 2
        elif body.startswith("${", i):
            end = interpolation_end(body, i + 2)
            if buf:
                parts.append("".join(buf))
                buf = []
            parts.append((body[i + 2 : end], i + 2))
            i = end + 1
        else:
            buf.append(c)
            i += 1
    if buf or not parts:
        parts.append("".join(buf))
    return parts


_OPERATOR = re.compile(r"&&|\|\||\?\?|==|!=|<=|>=|=~|!~|::|[-+*/%<>?.!]")


def nesting_problem(masked: str, max_depth: int) -> tuple[str, int] | None:
    """Why the text is too deeply nested to hand to the parser, and where; None when fine.

    pycep's grammar builds every operator chain as a right-leaning tree, and Lark's cost grows
    faster than linearly with that depth: bounding brackets and operators per line up front
    keeps hostile input from costing minutes.
    """
    depth = 0
    for offset, char in enumerate(masked):
        if char in "([{":
            depth += 1
            if depth > max_depth:
                return f"brackets nested deeper than {max_depth} levels", offset
        elif char in ")]}":
            depth = max(0, depth - 1)
    offset = 0
    for line in masked.split("\n"):
        if len(line) > max_depth and len(_OPERATOR.findall(line)) > max_depth:
            return f"more than {max_depth} operators in one line", offset
        offset += len(line) + 1
    return None


def string_problem(text: str) -> tuple[str, int] | None:
    """The first malformed string literal (message, offset), or None.

    pycep's lexer patterns for strings backtrack catastrophically on an unterminated
    ``'''`` or ``'`` (a scan could hang for minutes), so strings are checked here first.
    """
    i = 0
    n = len(text)
    while i < n:
        if text.startswith("'''", i):
            j = text.find("'''", i + 3)
            if j < 0:
                return "unterminated multi-line string '''", i
            i = j + 3
        elif text[i] == "'":
            try:
                i = _string_end(text, i)
            except TextError as exc:
                return str(exc), exc.offset
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                return "unterminated comment /*", i
            i = j + 2
        else:
            i += 1
    return None
