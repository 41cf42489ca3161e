"""Bicep text → tokens, in one left-to-right pass.

Bicep is newline-sensitive (declarations, object properties and array items end at a line
break), so line breaks are tokens; runs of them, and comment-only lines between them, collapse
into one ``NL`` token so the parser can look past a line break in constant time (a ternary's
``?`` on the next line).  Strings with ``${…}`` holes become piece tokens around the hole's own
tokens, the way Bicep's lexer does it: ``'a${x}b'`` is ``STRL('a') ID(x) STRR('b')``.  Every
pattern matched here is anchored and cannot backtrack across more than the token it reads, so
lexing is linear in the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iacjit.parsers.common.errors import ParseError

# Token kinds (the ``kind`` of punctuation is its text).
ID, INT, STR, STRL, STRM, STRR, MSTR, NL, EOF = (
    "ID", "INT", "STR", "STRL", "STRM", "STRR", "MSTR", "NL", "EOF",
)

_TOKEN = re.compile(
    r"[ \t\f\v\ufeff]*(?:"
    r"(?P<id>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<int>[0-9]+)"
    r"|(?P<nl>\r\n|\n|\r)"
    r"|(?P<mstr>''')"
    r"|(?P<str>')"
    r"|(?P<lc>//[^\r\n]*)"
    r"|(?P<bc>/\*)"
    r"|(?P<pragma>\#[^\r\n]*)"
    r"|(?P<op>\.\.\.|=>|==|!=|=~|!~|<=|>=|&&|\|\||\?\?|::|[-+*/%<>!?.:,=@|&])"
    r"|(?P<br>[(){}\[\]])"
    r"|(?P<end>\Z)"
    r")"
)
_STRING_TEXT = re.compile(r"[^'\\$\r\n]+")
_ESCAPES = {"\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t", "$": "$"}


@dataclass(slots=True, eq=False)
class Token:
    """One token: kind, decoded value, 0-based offsets, 1-based line/column of its start."""

    kind: str
    value: str
    start: int
    end: int
    line: int
    column: int


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[Token] = []
        self.line_starts = [0]
        self.pragmas: list[tuple[int, str]] = []  # (line, text) of ``#disable-next-line …``
        # Open brackets; "$" marks an interpolation hole, whose "}" resumes the string.
        self.stack: list[str] = []
        # For each "(" token index, the index of its ")" (lambda detection without search).
        self.matching: dict[int, int] = {}
        self._open: list[int] = []

    # -- positions ---------------------------------------------------------------------
    def position(self, offset: int) -> tuple[int, int]:
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:  # the last line start <= offset
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.line_starts[lo] + 1

    def _newlines(self, start: int, end: int) -> None:
        text = self.text
        i = start
        while True:
            j = text.find("\n", i, end)
            k = text.find("\r", i, end)
            if j < 0 and k < 0:
                return
            if k >= 0 and (j < 0 or k < j):
                i = k + 2 if text.startswith("\r\n", k) else k + 1
            else:
                i = j + 1
            self.line_starts.append(i)

    def error(self, message: str, offset: int) -> ParseError:
        line, column = self.position(offset)
        return ParseError(message, line, column)

    def emit(self, kind: str, value: str, start: int, end: int) -> None:
        line = len(self.line_starts)
        self.tokens.append(Token(kind, value, start, end, line, start - self.line_starts[-1] + 1))

    # -- main loop ---------------------------------------------------------------------
    def run(self) -> list[Token]:
        text = self.text
        pos = 0
        match = _TOKEN.match
        tokens = self.tokens
        append = tokens.append
        line_starts = self.line_starts
        while True:
            m = match(text, pos)
            if m is None:
                offset = pos + len(text[pos:]) - len(text[pos:].lstrip(" \t\f\v\ufeff"))
                raise self.error(f"unexpected character {text[offset]!r}", offset)
            kind = m.lastgroup
            start, pos = m.span(kind)  # type: ignore[arg-type]
            if kind == "id" or kind == "op":
                value = text[start:pos]
                append(
                    Token(ID if kind == "id" else value, value, start, pos,
                          len(line_starts), start - line_starts[-1] + 1)
                )
            elif kind == "nl":
                if tokens and tokens[-1].kind != NL:
                    self.emit(NL, "\n", start, pos)
                line_starts.append(pos)
            elif kind == "br":
                pos = self._punctuation(text[start], start, pos)
            elif kind == "str":
                pos = self._string(start, STR, STRL)
            elif kind == "int":
                self.emit(INT, m.group(kind), start, pos)
            elif kind == "mstr":
                pos = self._multiline(start)
            elif kind == "bc":
                end = text.find("*/", pos)
                if end < 0:
                    raise self.error("unterminated multi-line comment /*", start)
                self._newlines(pos, end)
                pos = end + 2
            elif kind == "pragma":
                line, column = self.position(start)
                if column == 1 or not text[self.line_starts[-1] : start].strip():
                    self.pragmas.append((line, m.group(kind)))
                else:
                    raise self.error("unexpected character '#'", start)
            elif kind == "end":
                if "$" in self.stack:
                    raise self.error("unterminated string interpolation: '}' was expected", pos)
                self.emit(EOF, "", pos, pos)
                return self.tokens

    def _punctuation(self, op: str, start: int, end: int) -> int:
        if op in "([{":
            self.stack.append(op)
            if op == "(":
                self._open.append(len(self.tokens))
        elif op in ")]}":
            if op == "}" and self.stack and self.stack[-1] == "$":
                self.stack.pop()
                return self._string(start, STRR, STRM)
            opener = {")": "(", "]": "[", "}": "{"}[op]
            # An unbalanced closer is left to the parser, which says what it expected there.
            if self.stack and self.stack[-1] == opener:
                self.stack.pop()
                if op == ")":
                    self.matching[self._open.pop()] = len(self.tokens)
        self.emit(op, op, start, end)
        return end

    # -- strings -----------------------------------------------------------------------
    def _string(self, start: int, whole: str, piece: str) -> int:
        """Read string text from the quote (or hole-closing brace) at *start*.

        Emits *whole* when the string ends here, *piece* when a ``${`` hole opens; returns
        the offset to continue lexing from.
        """
        text = self.text
        i = start + 1
        parts: list[str] = []
        chunk = _STRING_TEXT.match
        while True:
            m = chunk(text, i)
            if m:
                parts.append(m.group())
                i = m.end()
            c = text[i] if i < len(text) else ""
            if c == "'":
                self.emit(whole, "".join(parts), start, i + 1)
                return i + 1
            if c == "\\":
                i = self._escape(i, parts)
            elif c == "$":
                if text.startswith("${", i):
                    self.emit(piece, "".join(parts), start, i + 2)
                    self.stack.append("$")
                    return i + 2
                parts.append("$")
                i += 1
            else:
                opener = start if text[start] == "'" else i
                raise self.error("unterminated string: a quote ' was expected", opener)

    def _escape(self, i: int, parts: list[str]) -> int:
        text = self.text
        nxt = text[i + 1 : i + 2]
        if nxt in _ESCAPES:
            parts.append(_ESCAPES[nxt])
            return i + 2
        if nxt == "u" and text.startswith("{", i + 2):
            close = text.find("}", i + 3, i + 12)
            digits = text[i + 3 : close] if close > 0 else ""
            if digits and all(c in "0123456789abcdefABCDEF" for c in digits):
                code = int(digits, 16)
                if code <= 0x10FFFF:
                    parts.append(chr(code))
                    return close + 1
            raise self.error("bad unicode escape: expected \\u{hex digits}", i)
        raise self.error(
            f"unknown escape sequence \\{nxt}: expected one of \\\\ \\' \\n \\r \\t \\$ \\u{{…}}",
            i,
        )

    def _multiline(self, start: int) -> int:
        """``'''…'''``: no escapes, no holes; a line break right after the opening is dropped."""
        text = self.text
        body = start + 3
        end = text.find("'''", body)
        if end < 0:
            raise self.error("unterminated multi-line string: ''' was expected", start)
        while text.startswith("'", end + 3):  # quotes before the closing ones are content
            end += 1
        value = text[body:end]
        if value.startswith("\r\n"):
            value = value[2:]
        elif value.startswith(("\n", "\r")):
            value = value[1:]
        self.emit(MSTR, value, start, end + 3)
        self._newlines(body, end)
        return end + 3


@dataclass
class Lexed:
    """The tokens of one text and what the parser needs besides them."""

    tokens: list[Token]
    matching: dict[int, int]
    pragmas: list[tuple[int, str]]
    line_starts: list[int]


def tokenize(text: str) -> Lexed:
    """All tokens of *text*, ending with ``EOF``; raises :class:`ParseError` with a position."""
    lexer = _Lexer(text)
    tokens = lexer.run()
    return Lexed(tokens, lexer.matching, lexer.pragmas, lexer.line_starts)
