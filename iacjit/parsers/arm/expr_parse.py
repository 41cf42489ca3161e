"""Parse the ARM template expression language into a tiny AST.

The grammar is small: literals, function calls (optionally namespaced, for user-defined
functions), property access ``.name`` and index ``[expr]``.  Parsing is separate from
evaluation so the AST of a string evaluated in a 10 000-item copy loop is built once, and so
the evaluator can stay a plain tree walk with no ``eval``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class ExpressionError(ValueError):
    """An expression that ARM itself would reject (syntax, argument types, missing names)."""


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Call:
    name: str  # lower-case; ``namespace.member`` for user-defined functions
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Property:
    base: Node
    name: str


@dataclass(frozen=True)
class Index:
    base: Node
    index: Node


Node = Literal | Call | Property | Index

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']++|'')*+')
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<ident>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<punct>[(),.\[\]])
    """,
    re.VERBOSE,
)


def _tokenize(text: str) -> list[tuple[str, Any, int]]:
    tokens: list[tuple[str, Any, int]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos] == "'":
                raise ExpressionError(f"unterminated string literal at offset {pos}")
            raise ExpressionError(f"unexpected character {text[pos]!r} at offset {pos}")
        kind = match.lastgroup or ""
        raw = match.group()
        if kind == "string":
            tokens.append(("string", raw[1:-1].replace("''", "'"), pos))
        elif kind == "number":
            tokens.append(("number", float(raw) if "." in raw else int(raw), pos))
        elif kind != "ws":
            tokens.append((kind, raw, pos))
        pos = match.end()
    tokens.append(("end", None, pos))
    return tokens


class _Parser:
    def __init__(self, text: str, max_depth: int) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0
        self.max_depth = max_depth

    def peek(self, offset: int = 0) -> tuple[str, Any, int]:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def take(self, kind: str, value: str | None = None) -> tuple[str, Any, int]:
        token = self.peek()
        if token[0] != kind or (value is not None and token[1] != value):
            wanted = value or kind
            got = "end of expression" if token[0] == "end" else repr(token[1])
            raise ExpressionError(f"expected {wanted} but found {got} at offset {token[2]}")
        self.pos += 1
        return token

    def expression(self, depth: int) -> Node:
        if depth > self.max_depth:
            raise ExpressionError(f"expression nested deeper than {self.max_depth} levels")
        node = self.primary(depth)
        while True:
            kind, value, _ = self.peek()
            if kind == "punct" and value == ".":
                self.pos += 1
                name = self.take("ident")[1]
                node = Property(node, name)
            elif kind == "punct" and value == "[":
                self.pos += 1
                index = self.expression(depth + 1)
                self.take("punct", "]")
                node = Index(node, index)
            else:
                return node

    def primary(self, depth: int) -> Node:
        kind, value, offset = self.peek()
        if kind in ("string", "number"):
            self.pos += 1
            return Literal(value)
        if kind != "ident":
            got = "end of expression" if kind == "end" else repr(value)
            raise ExpressionError(f"expected a value but found {got} at offset {offset}")
        self.pos += 1
        name = value
        # ``ns.fn(...)``: a user-defined function; a bare identifier is never a value otherwise.
        if (
            self.peek()[:2] == ("punct", ".")
            and self.peek(1)[0] == "ident"
            and self.peek(2)[:2] == ("punct", "(")
        ):
            self.pos += 1
            name = f"{name}.{self.take('ident')[1]}"
        if self.peek()[:2] != ("punct", "("):
            lowered = name.lower()
            if lowered in ("true", "false"):
                return Literal(lowered == "true")
            if lowered == "null":
                return Literal(None)
            raise ExpressionError(f"{name!r} is not a function call at offset {offset}")
        self.pos += 1
        args: list[Node] = []
        if self.peek()[:2] != ("punct", ")"):
            args.append(self.expression(depth + 1))
            while self.peek()[:2] == ("punct", ","):
                self.pos += 1
                args.append(self.expression(depth + 1))
        self.take("punct", ")")
        return Call(name.lower(), tuple(args))


def parse_expression(text: str, max_depth: int = 200) -> Node:
    """Parse the inside of ``[...]`` (without the brackets) into an AST."""
    parser = _Parser(text, max_depth)
    node = parser.expression(0)
    kind, value, offset = parser.peek()
    if kind != "end":
        raise ExpressionError(f"unexpected {value!r} at offset {offset}")
    return node
