"""iacjit's AST built straight from python-hcl2's grammar reductions, with no lark tree.

:mod:`iacjit.parsers.terraform.engine` calls one function here per reduction of python-hcl2's
LALR grammar, named by the tree node lark would have built (``attribute``, ``binary_op``...),
with the children lark would have kept.  Each returns what the tree converter in
:mod:`iacjit.parsers.terraform.hcl` (``body``/``expr``, which still converts lark's own trees
when lark parses) makes of that subtree, so both paths give equal ASTs with equal spans;
``tests/parsers/terraform/test_hcl_engine.py`` compares them on every shipped ``.tf``, the
benchmark corpora and hypothesis-generated HCL.  Building a tree and then walking it cost a
third of a parse.

What flows between the functions:

- a token is ``(value, line, end_line)``;
- ``identifier``, ``keyword`` and ``literal_value`` pass their token through (the engine does
  not call anything for them), and ``expr_term``/``object_elem_key`` convert it by the rule
  alternative that holds it (``BY_FIRST``);
- a line break or comment is :data:`NL`; the ``__x_star_n`` helpers are lists their parents
  splice in, as lark inlines them;
- everything an expression reduces to is an AST node.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iacjit.parsers.terraform import ast

NL = object()  # new_line_or_comment: never part of the AST
_DIRECTIVE = object()  # a template directive (%{ if }, %{ for }...)
_LITERALS = {"true": True, "false": False, "null": None}
_DIRECTIVES_UNSUPPORTED = "template directives (%{ if }/%{ for })"
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}

# Reductions whose single token is the value (the engine passes it through untouched).
PASSED = frozenset({"identifier", "keyword", "literal_value", "_attribute_name"})

Builder = Callable[[list, tuple], Any]  # (kept children, last token shifted) -> value


def unescape(text: str) -> str:
    """A quoted string's characters with HCL's escapes applied."""
    if "\\" not in text and "$${" not in text and "%%{" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and i + 6 <= len(text):
                try:
                    out.append(chr(int(text[i + 2 : i + 6], 16)))
                    i += 6
                    continue
                except ValueError:
                    pass
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out).replace("$${", "${").replace("%%{", "%{")


class _Directive:
    """A quoted string with a template directive: unsupported as a value, but usable as a
    block label (the text of its literal parts)."""

    __slots__ = ("label",)

    def __init__(self, label: str):
        self.label = label


class _Intro:
    """``for k, v in collection :``"""

    __slots__ = ("key_var", "value_var", "collection")

    def __init__(self, key_var: str | None, value_var: str, collection: Any):
        self.key_var, self.value_var, self.collection = key_var, value_var, collection


class _Condition:
    """``if condition`` of a for expression."""

    __slots__ = ("expr",)

    def __init__(self, expr: Any):
        self.expr = expr


def _nodes(children: list) -> list:
    """The AST children: neither tokens nor line breaks."""
    return [c for c in children if c.__class__ is not tuple and c is not NL]


def _label(child: Any) -> str:
    if child.__class__ is tuple:
        return child[0]
    if isinstance(child, ast.Literal):
        return child.value
    if isinstance(child, ast.Template):
        return "".join(p for p in child.parts if isinstance(p, str))
    return child.label  # _Directive


def _body(children: list, last: tuple) -> ast.Body:
    attributes: dict[str, ast.Attribute] = {}
    blocks: list[ast.Block] = []
    for child in children:
        if child.__class__ is ast.Attribute:
            attributes[child.name] = child
        elif child.__class__ is ast.Block:
            blocks.append(child)
    return ast.Body(attributes, blocks)


def _attribute(children: list, last: tuple) -> ast.Attribute:
    name = children[0]
    return ast.Attribute(name[0], children[2], name[1], last[2])


def _block(children: list, last: tuple) -> ast.Block:
    kind = children[0]
    labels = tuple(_label(c) for c in children[1:-3] if c is not NL)
    return ast.Block(kind[0], labels, children[-2], kind[1], children[-1][2])


def _string(children: list, last: tuple) -> Any:
    parts = children[1:-1]
    if any(p is _DIRECTIVE for p in parts):
        return _Directive("".join(p for p in parts if p.__class__ is str))
    if all(p.__class__ is str for p in parts):
        return ast.Literal("".join(parts))
    return ast.Template(tuple(parts))


def _string_part(children: list, last: tuple) -> Any:
    part = children[0]
    return unescape(part[0]) if part.__class__ is tuple else part


def _in_expression(value: Any) -> Any:
    """A quoted string where an expression is expected."""
    if value.__class__ is _Directive:
        return ast.Unsupported(_DIRECTIVES_UNSUPPORTED)
    return value


def _object_key(children: list, last: tuple) -> Any:
    key = children[0]
    return ast.Literal(key.name) if isinstance(key, ast.Name) else key


def _object(children: list, last: tuple) -> ast.ObjectExpr:
    return ast.ObjectExpr(tuple(tuple(c) for c in children if c.__class__ is list))


def _call(children: list, last: tuple) -> ast.Call:
    second = children[1]
    names = [children[0][0]]
    if second.__class__ is tuple and second[0] == "::":
        names += [children[2][0], children[4][0]]
    args, expand = next((c for c in children if c.__class__ is list), ((), False))
    return ast.Call("::".join(names), args, expand)


def _arguments(children: list, last: tuple) -> list:
    expand = any(c.__class__ is tuple and c[0] == "..." for c in children)
    return [tuple(_nodes(children)), expand]


def _conditional(children: list, last: tuple) -> ast.Conditional:
    condition, true, false = _nodes(children)
    return ast.Conditional(condition, true, false)


def _for_intro(children: list, last: tuple) -> _Intro:
    kept = [c for c in children if c is not NL]  # FOR name [, name] IN collection :
    if kept[2][0] == ",":
        return _Intro(kept[1][0], kept[3][0], kept[-2])
    return _Intro(None, kept[1][0], kept[-2])


def _for(children: list, is_object: bool) -> ast.ForExpr:
    parts = _nodes(children)
    intro = parts[0]
    condition = parts[-1].expr if parts[-1].__class__ is _Condition else None
    if is_object:
        group = any(c.__class__ is tuple and c[0] == "..." for c in children)
        return ast.ForExpr(intro.key_var, intro.value_var, intro.collection, parts[1],
                           parts[2], condition, group)
    return ast.ForExpr(intro.key_var, intro.value_var, intro.collection, None, parts[1],
                       condition, False)


def _parenthesised(children: list, last: tuple) -> Any:
    return _nodes(children)[0]


def _first(children: list, last: tuple) -> Any:
    return children[0]


def builders(heredoc: Callable[[str, bool], Any]) -> dict[Any, Builder]:
    """Reduction name (or ``(name, first symbol)``) -> its builder; *heredoc* turns a heredoc
    token into an expression (it parses the interpolations, so it is handed in)."""
    return {
        "start": _first,
        "body": _body,
        "attribute": _attribute,
        "block": _block,
        "new_line_or_comment": lambda c, last: NL,
        "int_lit": lambda c, last: ast.Literal(int(c[0][0])),
        "float_lit": lambda c, last: ast.Literal(float(c[0][0])),
        "string": _string,
        "string_part": _string_part,
        "interpolation": lambda c, last: c[1],
        **dict.fromkeys(("template_if_start", "template_else", "template_endif",
                         "template_for_start", "template_endfor"),
                        lambda c, last: _DIRECTIVE),
        "conditional": _conditional,
        "binary_op": lambda c, last: ast.BinOp(c[1][0], c[0], c[1][1]),
        "binary_term": lambda c, last: (c[0], c[-1]),
        "binary_operator": lambda c, last: c[0][0],
        "unary_op": lambda c, last: ast.Unary(c[0][0], c[1]),
        "expr_term": _first,
        ("expr_term", "LPAR"): _parenthesised,
        ("expr_term", "identifier"): lambda c, last: ast.Name(c[0][0]),
        ("expr_term", "literal_value"): lambda c, last: ast.Literal(_LITERALS[c[0][0]]),
        ("expr_term", "string"): lambda c, last: _in_expression(c[0]),
        "template_string": lambda c, last: ast.Literal(c[0][0]),
        "tuple": lambda c, last: ast.TupleExpr(tuple(_nodes(c))),
        "object": _object,
        "object_elem": lambda c, last: [c[0], c[2]],
        "object_elem_key": _object_key,
        ("object_elem_key", "keyword"): lambda c, last: ast.Literal(c[0][0]),
        "heredoc_template": lambda c, last: heredoc(c[0][0], False),
        "heredoc_template_trim": lambda c, last: heredoc(c[0][0], True),
        "function_call": _call,
        "arguments": _arguments,
        "index_expr_term": lambda c, last: ast.Index(c[0], c[1][1]),
        "get_attr_expr_term": lambda c, last: ast.GetAttr(c[0], c[1][1]),
        "attr_splat_expr_term": lambda c, last: ast.Splat(c[0], c[1]),
        "full_splat_expr_term": lambda c, last: ast.Splat(c[0], c[1]),
        "braces_index": lambda c, last: ("index", _nodes(c)[0]),
        "short_index": lambda c, last: ("index", ast.Literal(int(c[-1][0]))),
        "get_attr": lambda c, last: ("attr", c[1][0]),
        "attr_splat": lambda c, last: tuple(c[1:]),
        "full_splat": lambda c, last: tuple(c[1:]),
        "for_tuple_expr": lambda c, last: _for(c, is_object=False),
        "for_object_expr": lambda c, last: _for(c, is_object=True),
        "for_intro": _for_intro,
        "for_cond": lambda c, last: _Condition(_nodes(c)[0]),
    }
