"""Bicep text → :class:`~iacjit.parsers.bicep.ast.Template`, through pycep's Lark grammar.

We use pycep's parse tree rather than its JSON because the tree keeps token kinds (an
identifier ``location`` vs a literal ``'location'``) and positions on every node.  Its
grammar is LALR with shift-preferred conflicts: every binary/postfix operator comes back
right-associated with one precedence level (``a.b.c`` as ``a.(b.c)``, ``2 * 3 + 1`` as
``2 * (3 + 1)``).  We flatten each unparenthesised operator chain back into its source order
and rebuild it with Bicep's real precedence; parentheses are recognised from the source text,
because the grammar drops them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from iacjit.parsers.bicep import ast as A
from iacjit.parsers.bicep.text import (
    TextError,
    mask,
    nesting_problem,
    position,
    split_string,
    string_problem,
)

BINARY = {
    "add": "+",
    "substract": "-",
    "multiply": "*",
    "divide": "/",
    "modulo": "%",
    "greater_than_or_equals": ">=",
    "greater_than": ">",
    "less_than_or_equals": "<=",
    "less_than": "<",
    "equals": "==",
    "not_equals": "!=",
    "equals_case_insens": "=~",
    "not_equals_case_insens": "!~",
    "and_op": "&&",
    "or_op": "||",
    "coalesce": "??",
}
# Bicep operator precedence, higher binds tighter; "?" is the ternary (right-associative).
PRECEDENCE = {
    "*": 7,
    "/": 7,
    "%": 7,
    "+": 6,
    "-": 6,
    ">": 5,
    ">=": 5,
    "<": 5,
    "<=": 5,
    "==": 4,
    "!=": 4,
    "=~": 4,
    "!~": 4,
    "&&": 3,
    "||": 2,
    "??": 1,
    "?": 0,
}
OPERATOR_RULES = set(BINARY) | {
    "operator",
    "property_accessor",
    "index_accessor",
    "function_accessor",
    "nested_resource_accessor",
    "not_op",
    "minus",
    "conditional",
}


class SyntaxProblem(Exception):
    """Input that pycep's grammar or our conversion cannot take; positions are 1-based."""

    def __init__(
        self,
        message: str,
        line: int | None = None,
        column: int | None = None,
        limit: bool = False,
    ) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.limit = limit  # a configured bound was hit: the syntax itself may be fine


@functools.cache
def _lark() -> Lark:
    """pycep's grammar, compiled once per process (construction costs ~100 ms)."""
    from pycep import BicepParser

    return BicepParser().lark_parser


def lark_parse(text: str) -> Tree:
    try:
        return _lark().parse(text)
    except UnexpectedInput as exc:
        token = getattr(exc, "token", None)
        what = f"unexpected {token!r}" if token is not None else "unexpected input"
        if isinstance(token, Token):
            what = f"unexpected {token.value!r}" if token.value else "unexpected end of file"
        raise SyntaxProblem(what, exc.line, exc.column) from exc


@dataclass
class _Item:
    """One element of a flattened operator chain."""

    kind: str  # "atom" | "bin" | "pre" | "post"
    value: Any = None  # Node for atom; op str for bin/pre; callable for post
    extra: Any = None  # the ternary's middle expression


class Converter:
    """Builds AST nodes from Lark trees of one text (a file or an interpolation hole)."""

    def __init__(self, text: str, max_depth: int, line_offset: int = 0) -> None:
        self.text = text
        self.masked = mask(text)
        self.max_depth = max_depth
        self.line_offset = line_offset
        self.depth = 0

    # -- positions ---------------------------------------------------------------------
    def _lines(
        self, tree: Tree | Token | None, fallback: tuple[int, int] = (1, 1)
    ) -> tuple[int, int]:
        if self.line_offset:
            return self.line_offset, self.line_offset
        if isinstance(tree, Token) and tree.line is not None:
            return tree.line, tree.end_line or tree.line
        if isinstance(tree, Tree) and not tree.meta.empty:
            # A rule may end with the newline that follows it; the declaration ends before.
            end = tree.meta.end_pos
            while end > tree.meta.start_pos and self.masked[end - 1] in " \t\r\n":
                end -= 1
            return tree.meta.line, tree.meta.line + self.masked.count(
                "\n", tree.meta.start_pos, end
            )
        return fallback

    def _grouped(self, tree: Tree) -> bool:
        """True when *tree* is wrapped in its own parentheses in the source."""
        if tree.meta.empty:
            return False
        start, end = tree.meta.start_pos, tree.meta.end_pos
        i = start - 1
        while i >= 0 and self.masked[i] in " \t\r\n":
            i -= 1
        if i < 0 or self.masked[i] != "(":
            return False
        depth = 0
        for j in range(i, len(self.masked)):
            c = self.masked[j]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    return j >= end
        return False

    def _safe(self, left: Any, right: Any) -> bool:
        """True for ``a.?b`` / ``a[?0]``: the grammar accepts the ``?`` but drops it."""
        if not all(isinstance(t, Tree | Token) for t in (left, right)):
            return False
        end = getattr(left if isinstance(left, Token) else left.meta, "end_pos", None)
        start = getattr(right if isinstance(right, Token) else right.meta, "start_pos", None)
        if end is None or start is None:
            return False
        return "?" in self.masked[end:start]

    # -- declarations ------------------------------------------------------------------
    def template(self, tree: Tree) -> A.Template:
        tpl = A.Template()
        for element in tree.children:
            if not isinstance(element, Tree):
                continue
            kind = element.data
            line, end_line = self._lines(element)
            ch = element.children
            if kind == "scope":
                tpl.target_scope = str(ch[0])[1:-1]
            elif kind == "param":
                name = str(ch[1])
                nullable = False
                if isinstance(ch[2], Tree) and not ch[2].meta.empty:
                    rest = self.masked[ch[2].meta.end_pos : ch[2].meta.end_pos + 3]
                    nullable = rest.lstrip(" \t").startswith("?")
                default = self.expr(ch[3]) if len(ch) > 3 and ch[3] is not None else None
                tpl.params[name] = A.ParamDecl(
                    line, end_line, name, self._type_name(ch[2]), default, nullable
                )
            elif kind == "var":
                tpl.variables[str(ch[1])] = A.VarDecl(line, end_line, str(ch[1]), self.expr(ch[3]))
            elif kind == "output":
                tpl.outputs[str(ch[1])] = A.OutputDecl(line, end_line, str(ch[1]), self.expr(ch[3]))
            elif kind == "resource":
                type_api = self._string_value(ch[2].children[0])
                tpl.resources.append(
                    A.ResourceDecl(
                        line, end_line, str(ch[1]), type_api, ch[3] is not None, self.expr(ch[4])
                    )
                )
            elif kind == "module":
                path = self._string_value(ch[2].children[0])
                tpl.modules.append(A.ModuleDecl(line, end_line, str(ch[1]), path, self.expr(ch[3])))
            elif kind == "custom_func":
                tpl.functions.add(str(ch[1]))
        return tpl

    @staticmethod
    def _type_name(tree: Any) -> str:
        if isinstance(tree, Tree):
            tokens = list(tree.scan_values(lambda v: isinstance(v, Token)))
            return str(tokens[0]) if len(tokens) == 1 else "object"
        return "any"

    def _string_value(self, token: Token) -> str:
        """A literal that must not be interpolated (resource types, module paths)."""
        node = self._string(token, (token.line or 1, token.end_line or token.line or 1))
        if isinstance(node, A.Lit):
            return str(node.value)
        raise SyntaxProblem("interpolation is not allowed here", token.line, token.column)

    # -- expressions -------------------------------------------------------------------
    def expr(self, tree: Tree | Token) -> A.Node:
        self.depth += 1
        try:
            if self.depth > self.max_depth:
                line, _ = self._lines(tree)
                raise SyntaxProblem(
                    f"expression nested deeper than {self.max_depth} levels", line, limit=True
                )
            return self._expr(tree)
        finally:
            self.depth -= 1

    def _expr(self, tree: Tree | Token) -> A.Node:
        line, end_line = self._lines(tree)
        if isinstance(tree, Token):
            return self._token(tree, (line, end_line))
        kind = tree.data
        ch = tree.children
        if kind == "null":
            return A.Lit(line, end_line, None)
        if kind == "true":
            return A.Lit(line, end_line, True)
        if kind == "false":
            return A.Lit(line, end_line, False)
        if kind == "int_type":
            return A.Lit(line, end_line, int(str(ch[0])))
        if kind == "string":
            return self._token(ch[0], (line, end_line))
        if kind == "multi_line_string":
            raw = str(ch[0])[3:-3]
            raw = raw.removeprefix("\r\n").removeprefix("\n")
            return A.Lit(line, end_line, raw)
        if kind == "array":
            return A.Arr(line, end_line, tuple(self.expr(c) for c in ch if c is not None))
        if kind == "object":
            return self._object(tree, line, end_line)
        if kind == "function":
            name = str(ch[0])[:-1]
            for prefix in ("sys.", "az."):
                name = name.removeprefix(prefix)
            return A.Call(
                line, end_line, name, tuple(self.expr(c) for c in ch[1:] if c is not None)
            )
        if kind == "lambda_expression":
            *params, body = ch
            names = tuple(self._ident_name(p) for p in params)
            return A.Lambda(line, end_line, names, self.expr(body))
        if kind == "loop":
            return self._loop(tree, line, end_line)
        if kind == "deploy_condition":
            return A.IfBody(line, end_line, self.expr(ch[0]), self.expr(ch[1]))
        if kind in OPERATOR_RULES:
            items: list[_Item] = []
            self._flatten(tree, items)
            return _Chain(items, line, end_line).parse()
        raise SyntaxProblem(f"unsupported syntax {kind!r}", line)

    def _ident_name(self, tree: Any) -> str:
        node = self.expr(tree)
        if not isinstance(node, A.Ident):
            raise SyntaxProblem("expected a name", node.line)
        return node.name

    def _token(self, token: Token, lines: tuple[int, int]) -> A.Node:
        if token.type in ("QUOTED_INTERPOLATION", "QUOTED_STRING"):
            return self._string(token, lines)
        if token.type == "MULTI_LINE_STRING":
            return A.Lit(*lines, str(token)[3:-3].removeprefix("\n"))
        if token.type == "INT":
            return A.Lit(*lines, int(str(token)))
        return A.Ident(*lines, str(token))

    def _string(self, token: Token, lines: tuple[int, int]) -> A.Node:
        body = str(token)[1:-1]
        try:
            parts = split_string(body)
        except TextError as exc:
            raise SyntaxProblem(f"bad string literal: {exc}", token.line, token.column) from exc
        if len(parts) == 1 and isinstance(parts[0], str):
            return A.Lit(*lines, parts[0])
        nodes: list[str | A.Node] = []
        for part in parts:
            if isinstance(part, str):
                nodes.append(part)
            else:
                nodes.append(self._hole(part[0], lines[0]))
        return A.Interp(*lines, tuple(nodes))

    def _hole(self, source: str, line: int) -> A.Node:
        """Parse the expression of a ``${...}`` hole on its own, as a variable value."""
        wrapped = f"var __hole = {source}\n"
        try:
            tree = lark_parse(wrapped)
        except SyntaxProblem as exc:
            raise SyntaxProblem(f"cannot parse interpolation ${{{source}}}: {exc}", line) from exc
        sub = Converter(wrapped, self.max_depth - self.depth, line_offset=line)
        return sub.expr(tree.children[0].children[3])

    def _object(self, tree: Tree, line: int, end_line: int) -> A.Obj:
        pairs: list[A.Pair] = []
        children: list[A.ResourceDecl] = []
        for child in tree.children:
            if not isinstance(child, Tree):
                continue
            if child.data == "pair":
                key_tree, value = child.children[0], child.children[1]
                key_token = key_tree.children[0]
                if key_token.type in ("QUOTED_INTERPOLATION", "QUOTED_STRING"):
                    key = self._string_value(key_token)
                else:
                    key = str(key_token)
                pl, pe = self._lines(child, (line, line))
                pairs.append(A.Pair(key, self.expr(value), pl, pe))
            elif child.data == "child_resource":
                ch = child.children
                cl, ce = self._lines(child, (line, end_line))
                children.append(
                    A.ResourceDecl(
                        cl,
                        ce,
                        str(ch[0]),
                        self._string_value(ch[1]),
                        ch[2] is not None,
                        self.expr(ch[3]),
                    )
                )
        return A.Obj(line, end_line, tuple(pairs), tuple(children))

    def _loop(self, tree: Tree, line: int, end_line: int) -> A.For:
        header, _filter, body = tree.children[0], tree.children[1], tree.children[2]
        hc = header.children
        if header.data == "loop_array":
            return A.For(line, end_line, str(hc[0]), None, self.expr(hc[1]), self.expr(body))
        if header.data == "loop_array_index":
            return A.For(line, end_line, str(hc[0]), str(hc[1]), self.expr(hc[2]), self.expr(body))
        return A.For(line, end_line, str(hc[0]), None, self.expr(hc[1]), self.expr(body), True)

    # -- operator chains ---------------------------------------------------------------
    def _operand(self, tree: Any, items: list[_Item]) -> None:
        if isinstance(tree, Tree) and tree.data in OPERATOR_RULES and not self._grouped(tree):
            self._flatten(tree, items)
        else:
            items.append(_Item("atom", self.expr(tree)))

    def _flatten(self, tree: Tree, items: list[_Item]) -> None:
        self.depth += 1
        try:
            if self.depth > self.max_depth:
                raise SyntaxProblem(
                    f"expression nested deeper than {self.max_depth} levels",
                    self._lines(tree)[0],
                    limit=True,
                )
            self._flatten_inner(tree, items)
        finally:
            self.depth -= 1

    def _flatten_inner(self, tree: Tree, items: list[_Item]) -> None:
        kind = tree.data
        ch = tree.children
        line, end_line = self._lines(tree)
        if kind == "operator":
            self._flatten(ch[0], items)
        elif kind in BINARY:
            self._operand(ch[0], items)
            items.append(_Item("bin", BINARY[kind]))
            self._operand(ch[1], items)
        elif kind == "conditional":
            self._operand(ch[0], items)
            items.append(_Item("bin", "?", self.expr(ch[1])))
            self._operand(ch[2], items)
        elif kind in ("not_op", "minus"):
            items.append(_Item("pre", "!" if kind == "not_op" else "-"))
            self._operand(ch[0], items)
        elif kind == "index_accessor":
            self._operand(ch[0], items)
            index = self.expr(ch[1])
            safe = self._safe(ch[0], ch[1])
            items.append(_Item("post", lambda t, i=index: A.Index(t.line, end_line, t, i, safe)))
        elif kind == "function_accessor":
            self._operand(ch[0], items)
            name = str(ch[1])
            args = tuple(self.expr(c) for c in ch[2:] if c is not None)
            items.append(
                _Item("post", lambda t, n=name, a=args: A.MethodCall(t.line, end_line, t, n, a))
            )
        elif kind in ("property_accessor", "nested_resource_accessor"):
            self._operand(ch[0], items)
            # The right side is itself a chain whose first atom is the member name.
            rest: list[_Item] = []
            self._operand(ch[1], rest)
            head = rest[0] if rest else None
            if head is None or head.kind != "atom" or not isinstance(head.value, A.Ident):
                raise SyntaxProblem("expected a property name after '.'", line)
            name = head.value.name
            if kind == "property_accessor":
                safe = self._safe(ch[0], ch[1])
                items.append(
                    _Item("post", lambda t, n=name: A.Member(t.line, end_line, t, n, safe))
                )
            else:
                items.append(_Item("post", lambda t, n=name: A.NestedRef(t.line, end_line, t, n)))
            items.extend(rest[1:])
        else:
            items.append(_Item("atom", self.expr(tree)))


class _Chain:
    """Precedence climbing over a flattened operator chain."""

    def __init__(self, items: list[_Item], line: int, end_line: int) -> None:
        self.items = items
        self.pos = 0
        self.line = line
        self.end_line = end_line

    def parse(self) -> A.Node:
        node = self._binary(0)
        if self.pos != len(self.items):
            raise SyntaxProblem("cannot make sense of this expression", self.line)
        return node

    def _peek(self) -> _Item | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def _unary(self) -> A.Node:
        prefixes: list[str] = []
        while (item := self._peek()) is not None and item.kind == "pre":
            prefixes.append(item.value)
            self.pos += 1
        item = self._peek()
        if item is None or item.kind != "atom":
            raise SyntaxProblem("expected an operand", self.line)
        self.pos += 1
        node: A.Node = item.value
        while (item := self._peek()) is not None and item.kind == "post":
            node = item.value(node)
            self.pos += 1
        for op in reversed(prefixes):
            node = A.Unary(node.line, node.end_line, op, node)
        return node

    def _binary(self, min_prec: int) -> A.Node:
        left = self._unary()
        while (item := self._peek()) is not None and item.kind == "bin":
            prec = PRECEDENCE[item.value]
            if prec < min_prec:
                break
            self.pos += 1
            if item.value == "?":
                otherwise = self._binary(prec)  # right-associative
                left = A.Cond(left.line, otherwise.end_line, left, item.extra, otherwise)
            else:
                right = self._binary(prec + 1)
                left = A.Binary(left.line, right.end_line, item.value, left, right)
        return left


def parse_template(text: str, max_depth: int) -> A.Template:
    """Parse a whole file; raises :class:`SyntaxProblem` with a position on failure."""
    bad_string = string_problem(text)
    if bad_string:
        line, column = position(text, bad_string[1])
        raise SyntaxProblem(bad_string[0], line, column)
    masked = mask(text)
    problem = nesting_problem(masked, max_depth)
    if problem:
        line, column = position(masked, problem[1])
        raise SyntaxProblem(problem[0], line, column, limit=True)
    tree = lark_parse(text)
    try:
        return Converter(text, max_depth).template(tree)
    except RecursionError as exc:
        raise SyntaxProblem("nesting too deep to read", limit=True) from exc
