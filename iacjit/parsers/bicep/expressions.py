"""Recursive-descent parsing of Bicep expressions and type expressions over lexed tokens.

Precedence (tightest first) follows Bicep's parser: member access, indexing, calls and the
non-null ``!``; prefix ``!``/``-``/``+``; ``* / %``; ``+ -``; comparisons; equality
(``== != =~ !~``); ``&&``; ``||``; ``??``; then the right-associative ternary.  Binary operators
are read by precedence climbing, so a chain of them costs one loop, not one frame per operator.

Newlines are significant inside ``{}``/``[]`` and at the top level (they separate items) and
ignored inside ``()`` (argument lists, parenthesised expressions): a stack of modes says which
applies.  An operator that cannot start an item (``?``, ``:``, ``&&``, ``||``, ``??``,
comparisons) may begin the next line and continues the expression — the multi-line ternaries
real templates write.  Depth is bounded: deeper nesting is an error with a position, never a
stack overflow.
"""

from __future__ import annotations

from typing import Any, TypeVar

from iacjit.parsers.bicep import ast as A
from iacjit.parsers.bicep.lexer import EOF, ID, INT, MSTR, NL, STR, STRL, STRM, STRR, Lexed, Token
from iacjit.parsers.common.errors import ParseError

PRECEDENCE = {
    "*": 7, "/": 7, "%": 7,
    "+": 6, "-": 6,
    ">": 5, ">=": 5, "<": 5, "<=": 5,
    "==": 4, "!=": 4, "=~": 4, "!~": 4,
    "&&": 3,
    "||": 2,
    "??": 1,
}
# Operators that may start a continuation line (none of them can start an item).
CONTINUATION = frozenset(PRECEDENCE) - {"+", "-"} | {"?", ":"}
N = TypeVar("N", bound=A.Node)
_NAMESPACES = ("sys", "az")


def describe(tok: Token) -> str:
    """How an error message names what was found."""
    if tok.kind == NL:
        return "a new line"
    if tok.kind == EOF:
        return "the end of the file"
    if tok.kind in (STR, STRL, MSTR):
        return "a string"
    if tok.kind in (STRM, STRR):
        return "the end of an interpolation"
    if tok.kind == INT:
        return f"the number {tok.value}"
    return f"'{tok.value}'"


class ExprParser:
    """Token cursor and the expression/type grammar; declarations live in the subclass."""

    def __init__(self, lexed: Lexed, max_depth: int) -> None:
        self.lexed = lexed
        self.toks = lexed.tokens
        self.matching = lexed.matching
        self.max_depth = max_depth
        self.i = 0
        self.skip_nl = [False]
        self.depth = 0
        self.last = self.toks[0]

    # -- cursor ------------------------------------------------------------------------
    def peek(self) -> Token:
        tok = self.toks[self.i]
        if tok.kind == NL and self.skip_nl[-1]:
            self.i += 1
            tok = self.toks[self.i]
        return tok

    def next(self) -> Token:
        tok = self.peek()
        if tok.kind != EOF:
            self.i += 1
        self.last = tok
        return tok

    def at(self, kind: str) -> bool:
        return self.peek().kind == kind

    def at_word(self, word: str) -> bool:
        tok = self.peek()
        return tok.kind == ID and tok.value == word

    def accept(self, kind: str) -> Token | None:
        return self.next() if self.peek().kind == kind else None

    def expect(self, kind: str, what: str | None = None) -> Token:
        if self.peek().kind != kind:
            raise self.error(what or f"'{kind}'")
        return self.next()

    def expect_word(self, word: str) -> Token:
        if not self.at_word(word):
            raise self.error(f"the keyword '{word}'")
        return self.next()

    def name(self, what: str = "a name") -> Token:
        return self.expect(ID, what)

    def skip_newlines(self, commas: bool = False) -> None:
        kinds = (NL, ",") if commas else (NL,)
        while self.toks[self.i].kind in kinds:
            self.i += 1

    def continues(self, kind: str) -> bool:
        """True when *kind* is next, possibly at the start of the following line."""
        tok = self.peek()
        if tok.kind == kind:
            return True
        if tok.kind == NL and self.toks[self.i + 1].kind == kind:
            self.i += 1
            return True
        return False

    def error(self, expected: str, tok: Token | None = None) -> ParseError:
        tok = tok or self.peek()
        return ParseError(f"expected {expected} but found {describe(tok)}", tok.line, tok.column,
                          expected=expected)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            tok = self.peek()
            raise ParseError(
                f"expression nested deeper than {self.max_depth} levels",
                tok.line,
                tok.column,
                limit=True,
            )

    # -- node construction -------------------------------------------------------------
    def end_of(self, tok: Token) -> tuple[int, int]:
        if tok.kind == MSTR:
            return self._position(tok.end)
        return tok.line, tok.column + (tok.end - tok.start)

    def _position(self, offset: int) -> tuple[int, int]:
        starts = self.lexed.line_starts
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - starts[lo] + 1

    def mk(self, cls: type[N], start: Token | A.Node, *args: Any, **kw: Any) -> N:
        """A node of *cls* from *start* to the last consumed token."""
        end_line, end_column = self.end_of(self.last)
        return cls(
            start.line, end_line, *args, column=start.column, end_column=end_column, **kw
        )

    # -- expressions -------------------------------------------------------------------
    def expr(self) -> A.Node:
        self.enter()
        node = self.binary(0)
        if self.continues("?"):
            self.next()
            then = self.expr()
            if not self.continues(":"):
                raise self.error("':' of the conditional expression")
            self.next()
            otherwise = self.expr()
            node = self.mk(A.Cond, node, node, then, otherwise)
        self.depth -= 1
        return node

    def binary(self, min_prec: int) -> A.Node:
        left = self.unary()
        while True:
            tok = self.peek()
            if tok.kind == NL:
                nxt = self.toks[self.i + 1]
                if nxt.kind not in CONTINUATION or PRECEDENCE.get(nxt.kind, -1) < min_prec:
                    return left
                self.i += 1
                tok = nxt
            prec = PRECEDENCE.get(tok.kind)
            if prec is None or prec < min_prec:
                return left
            self.next()
            right = self.binary(prec + 1)
            left = self.mk(A.Binary, left, tok.kind, left, right)

    def unary(self) -> A.Node:
        tok = self.peek()
        if tok.kind in ("!", "-", "+"):
            self.next()
            self.enter()
            operand = self.unary()
            self.depth -= 1
            if tok.kind == "-" and isinstance(operand, A.Lit) and type(operand.value) is int:
                return self.mk(A.Lit, tok, -operand.value)
            return self.mk(A.Unary, tok, tok.kind, operand)
        return self.postfix(self.primary())

    def postfix(self, node: A.Node) -> A.Node:
        while True:
            tok = self.peek()
            kind = tok.kind
            if kind == ".":
                self.next()
                safe = self.accept("?") is not None
                node = self._member(node, safe)
            elif kind == "?" and self._adjacent_dot():
                self.next()
                self.next()
                node = self._member(node, True)
            elif kind == "[":
                self.next()
                self.skip_nl.append(True)
                safe = self.accept("?") is not None
                index = self.expr()
                self.expect("]")
                self.skip_nl.pop()
                node = self.mk(A.Index, node, node, index, safe)
            elif kind == "::":
                self.next()
                node = self.mk(A.NestedRef, node, node, self.name("a nested resource name").value)
            elif kind == "!":
                self.next()
                node = self.mk(A.NonNull, node, node)
            else:
                return node

    def _adjacent_dot(self) -> bool:
        """``a?.b`` (written like C#'s safe access) reads as Bicep's ``a.?b``."""
        tok, nxt = self.toks[self.i], self.toks[self.i + 1]
        return nxt.kind == "." and tok.end == nxt.start

    def _member(self, target: A.Node, safe: bool) -> A.Node:
        name = self.name("a property name").value
        if self.peek().kind != "(" or safe:
            return self.mk(A.Member, target, target, name, safe)
        args = self.arguments()
        if isinstance(target, A.Ident) and target.name in _NAMESPACES:
            return self.mk(A.Call, target, name, args)
        return self.mk(A.MethodCall, target, target, name, args)

    def arguments(self) -> tuple[A.Node, ...]:
        self.expect("(")
        self.skip_nl.append(True)
        args: list[A.Node] = []
        while not self.at(")"):
            args.append(self.expr())
            if not self.accept(","):
                break
        self.expect(")", "',' or ')'")
        self.skip_nl.pop()
        return tuple(args)

    def primary(self) -> A.Node:
        tok = self.peek()
        kind = tok.kind
        if kind == ID:
            nxt = self.toks[self.i + 1]
            if nxt.kind == "=>":
                self.next()
                self.next()
                self.skip_newlines()
                return self.mk(A.Lambda, tok, (tok.value,), self.expr())
            if nxt.kind == "(":
                self.next()
                return self.mk(A.Call, tok, tok.value, self.arguments())
            self.next()
            if tok.value in ("true", "false", "null"):
                return self.mk(A.Lit, tok, {"true": True, "false": False}.get(tok.value))
            return self.mk(A.Ident, tok, tok.value)
        if kind in (STR, MSTR):
            self.next()
            return self.mk(A.Lit, tok, tok.value)
        if kind == INT:
            self.next()
            return self.mk(A.Lit, tok, int(tok.value))
        if kind == STRL:
            return self.interpolation()
        if kind == "(":
            close = self.matching.get(self.i)
            if close is not None and self.toks[close + 1].kind == "=>":
                return self.lambda_()
            self.next()
            self.skip_nl.append(True)
            inner = self.expr()
            self.expect(")")
            self.skip_nl.pop()
            return inner
        if kind == "[":
            return self.array()
        if kind == "{":
            return self.object()
        raise self.error("an expression")

    def lambda_(self) -> A.Node:
        start = self.expect("(")
        self.skip_nl.append(True)
        params: list[str] = []
        while not self.at(")"):
            params.append(self.name("a lambda parameter name").value)
            if not self.at(",") and not self.at(")"):
                self.type_expr()  # a typed lambda parameter: the type is not needed
            if not self.accept(","):
                break
        self.expect(")", "',' or ')'")
        self.skip_nl.pop()
        self.expect("=>")
        self.skip_newlines()
        return self.mk(A.Lambda, start, tuple(params), self.expr())

    def interpolation(self) -> A.Node:
        start = self.next()
        parts: list[str | A.Node] = [start.value] if start.value else []
        self.skip_nl.append(True)
        while True:
            parts.append(self.expr())
            tok = self.next()
            if tok.kind not in (STRM, STRR):
                raise self.error("'}' closing the interpolation", tok)
            if tok.value:
                parts.append(tok.value)
            if tok.kind == STRR:
                break
        self.skip_nl.pop()
        return self.mk(A.Interp, start, tuple(parts))

    def _item_end(self, close: str) -> None:
        if self.peek().kind not in (NL, ",", close):
            raise self.error(f"a new line, ',' or '{close}'")

    def array(self) -> A.Node:
        start = self.expect("[")
        self.skip_nl.append(False)
        self.skip_newlines()
        if self.at_word("for"):
            return self.for_loop(start)
        items: list[A.Node] = []
        while True:
            self.skip_newlines(commas=True)
            if self.at("]"):
                break
            items.append(self.spread() if self.at("...") else self.expr())
            self._item_end("]")
        self.next()
        self.skip_nl.pop()
        return self.mk(A.Arr, start, tuple(items))

    def spread(self) -> A.Node:
        start = self.next()
        return self.mk(A.Spread, start, self.expr())

    def for_loop(self, start: Token) -> A.Node:
        self.next()
        index = None
        if self.accept("("):
            item = self.name("the loop item name").value
            self.expect(",")
            index = self.name("the loop index name").value
            self.expect(")")
        else:
            item = self.name("the loop item name").value
        self.expect_word("in")
        iterable = self.expr()
        self.expect(":")
        self.skip_newlines()
        body = self.if_body() if self.at_word("if") else self.expr()
        self.skip_newlines()
        self.expect("]")
        self.skip_nl.pop()
        return self.mk(A.For, start, item, index, iterable, body)

    def if_body(self) -> A.Node:
        start = self.expect_word("if")
        self.expect("(")
        self.skip_nl.append(True)
        test = self.expr()
        self.expect(")")
        self.skip_nl.pop()
        return self.mk(A.IfBody, start, test, self.expr())

    def object(self) -> A.Obj:
        start = self.expect("{")
        self.skip_nl.append(False)
        pairs: list[A.Pair | A.Spread] = []
        children: list[A.ResourceDecl] = []
        while True:
            self.skip_newlines(commas=True)
            if self.at("}"):
                break
            decorators = self.decorators()
            tok = self.peek()
            if tok.kind == "...":
                pairs.append(self.spread())
            elif tok.kind == ID and tok.value == "resource" and self.toks[self.i + 1].kind == ID:
                children.append(self.resource(decorators))
            else:
                pairs.append(self.pair(decorators, self.expr))
            self._item_end("}")
        self.next()
        self.skip_nl.pop()
        return self.mk(A.Obj, start, tuple(pairs), tuple(children))

    def pair(self, decorators: tuple[A.Node, ...], value: Any) -> A.Pair:
        tok = self.peek()
        key_node: A.Node | None = None
        if tok.kind in (ID, STR):
            self.next()
            key = tok.value
        elif tok.kind == STRL:
            key_node = self.interpolation()
            key = ""
        elif tok.kind == "*":
            self.next()
            key = "*"
        else:
            raise self.error("a property name")
        self.expect(":")
        return self.mk(A.Pair, tok, key, value(), key_node, decorators)

    def decorators(self) -> tuple[A.Node, ...]:
        found: list[A.Node] = []
        while self.at("@"):
            self.next()
            found.append(self.postfix(self.primary()))
            self.skip_newlines()
        return tuple(found)

    def resource(self, decorators: tuple[A.Node, ...]) -> A.ResourceDecl:
        raise NotImplementedError  # declarations are parsed by the subclass

    # -- types -------------------------------------------------------------------------
    def type_expr(self) -> A.TypeNode:
        self.enter()
        start = self.peek()
        if self.continues("|"):
            self.next()
        members = [self.type_postfix()]
        while self.continues("|"):
            self.next()
            members.append(self.type_postfix())
        self.depth -= 1
        if len(members) == 1:
            return members[0]
        return self.mk(A.TypeNode, start, "union", "", tuple(members))

    def type_postfix(self) -> A.TypeNode:
        node = self.type_primary()
        while True:
            tok = self.peek()
            if tok.kind == "[":
                self.next()
                if self.accept("]"):
                    node = self.mk(A.TypeNode, node, "array", "", (node,))
                    continue
                index = self.next()
                if index.kind not in ("*", INT, STR):
                    raise self.error("']', '*', an index or a property name", index)
                self.expect("]")
                node = self.mk(A.TypeNode, node, "index", index.value, (node,))
            elif tok.kind == ".":
                self.next()
                part = self.accept("*") or self.name("a property name")
                node = self.mk(A.TypeNode, node, "member", part.value, (node,))
            elif tok.kind == "?":
                self.next()
                node = self.mk(A.TypeNode, node, "nullable", "", (node,))
            else:
                return node

    def type_primary(self) -> A.TypeNode:
        tok = self.peek()
        kind = tok.kind
        if kind == ID:
            self.next()
            if tok.value in ("true", "false", "null"):
                return self.mk(A.TypeNode, tok, "literal", tok.value)
            if tok.value == "resource" and self.at(STR):
                return self.mk(A.TypeNode, tok, "resource", self.next().value)
            if self.at("<"):
                return self.generic(tok)
            return self.mk(A.TypeNode, tok, "name", tok.value)
        if kind in (STR, MSTR, INT):
            self.next()
            return self.mk(A.TypeNode, tok, "literal", tok.value)
        if kind == "-" and self.toks[self.i + 1].kind == INT:
            self.next()
            return self.mk(A.TypeNode, tok, "literal", "-" + self.next().value)
        if kind == "(":
            self.next()
            self.skip_nl.append(True)
            inner = self.type_expr()
            self.expect(")")
            self.skip_nl.pop()
            return inner
        if kind == "{":
            return self.object_type()
        if kind == "[":
            return self.tuple_type()
        raise self.error("a type")

    def generic(self, tok: Token) -> A.TypeNode:
        self.expect("<")
        self.skip_nl.append(True)
        args: list[A.Node] = []
        while not self.at(">"):
            args.append(self.type_expr())
            if not self.accept(","):
                break
        self.expect(">", "',' or '>'")
        self.skip_nl.pop()
        return self.mk(A.TypeNode, tok, "generic", tok.value, tuple(args))

    def object_type(self) -> A.TypeNode:
        start = self.expect("{")
        self.skip_nl.append(False)
        members: list[A.Node] = []
        while True:
            self.skip_newlines(commas=True)
            if self.at("}"):
                break
            members.append(self.pair(self.decorators(), self.type_expr))
            self._item_end("}")
        self.next()
        self.skip_nl.pop()
        return self.mk(A.TypeNode, start, "object", "", tuple(members))

    def tuple_type(self) -> A.TypeNode:
        start = self.expect("[")
        self.skip_nl.append(False)
        items: list[A.Node] = []
        while True:
            self.skip_newlines(commas=True)
            if self.at("]"):
                break
            self.decorators()
            items.append(self.type_expr())
            self._item_end("]")
        self.next()
        self.skip_nl.pop()
        return self.mk(A.TypeNode, start, "tuple", "", tuple(items))
