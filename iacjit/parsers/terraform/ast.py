"""A small expression/body AST built from python-hcl2's lark tree.

python-hcl2 8's ``loads()`` turns every expression back into a ``"${...}"`` string and drops
line numbers; walking its lark tree keeps both the structure and the tokens' line numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lark import Token, Tree


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Template:
    parts: tuple[Any, ...]  # str or expression nodes


@dataclass(frozen=True)
class TupleExpr:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class ObjectExpr:
    items: tuple[tuple[Any, Any], ...]  # (key expression, value expression)


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class GetAttr:
    target: Any
    name: str


@dataclass(frozen=True)
class Index:
    target: Any
    key: Any


@dataclass(frozen=True)
class Splat:
    target: Any
    ops: tuple[Any, ...]  # ("attr", name) | ("index", expr)


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]
    expand_last: bool


@dataclass(frozen=True)
class Conditional:
    condition: Any
    true: Any
    false: Any


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Any


@dataclass(frozen=True)
class ForExpr:
    key_var: str | None
    value_var: str
    collection: Any
    key: Any | None  # None for a tuple-producing for
    value: Any
    condition: Any | None
    group: bool


@dataclass(frozen=True)
class Unsupported:
    what: str


@dataclass
class Attribute:
    name: str
    expr: Any
    line: int
    end_line: int


@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    line: int
    end_line: int


@dataclass
class Body:
    attributes: dict[str, Attribute]
    blocks: list[Block]

    def blocks_of(self, block_type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == block_type]


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
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


def _children(tree: Tree) -> list[Any]:
    """Children without punctuation tokens and comments/newlines."""
    return [c for c in tree.children
            if (c.type not in _PUNCT if c.__class__ is Token else c.data != "new_line_or_comment")]


_PUNCT = {
    "LPAR", "RPAR", "LBRACE", "RBRACE", "LSQB", "RSQB", "COMMA", "DOT", "EQ", "COLON",
    "DBLQUOTE", "INTERP_START", "QMARK", "FOR_OBJECT_ARROW", "COLONS", "FOR", "IN", "IF",
    "DIRECTIVE_START", "STRIP_MARKER",
}


def _name_of(node: Any) -> str:
    """Identifier, keyword, literal value or quoted label as a plain string."""
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return "".join(_unescape(str(p.children[0])) for p in node.children
                       if isinstance(p, Tree) and p.data == "string_part"
                       and isinstance(p.children[0], Token))
    return str(node.children[0])


def _string(tree: Tree) -> Any:
    parts: list[Any] = []
    for part in tree.children:
        if not (isinstance(part, Tree) and part.data == "string_part"):
            continue
        inner = part.children[0]
        if isinstance(inner, Token):
            parts.append(_unescape(str(inner)))
        elif inner.data == "interpolation":
            parts.append(expr(_children(inner)[0]))
        else:
            return Unsupported("template directives (%{ if }/%{ for })")
    if all(isinstance(p, str) for p in parts):
        return Literal("".join(parts))
    return Template(tuple(parts))


def _heredoc(token: Token, trim: bool) -> Any:
    from iacjit.parsers.terraform.heredoc import heredoc_template

    return heredoc_template(str(token), trim)


def _ops(trees: list[Any]) -> tuple[Any, ...]:
    ops: list[Any] = []
    for op in trees:
        if not isinstance(op, Tree):
            continue
        if op.data == "get_attr":
            ops.append(("attr", _name_of(_children(op)[0])))
        elif op.data == "braces_index":
            ops.append(("index", expr(_children(op)[0])))
        elif op.data == "short_index":
            ops.append(("index", Literal(int(str(op.children[-1])))))
    return tuple(ops)


def expr(node: Any) -> Any:
    """Convert one lark expression subtree into an AST node."""
    if node.__class__ is Token:
        return Literal(str(node))
    kind = node.data
    children = node.children
    # The commonest nodes have exactly one child, a token or the wrapped term: no filtering.
    if kind == "expr_term" and len(children) == 1:
        return expr(children[0])
    if kind == "identifier":
        return Name(str(children[0]))
    if kind == "string":
        return _string(node)
    if kind == "int_lit":
        return Literal(int(str(children[0])))
    if kind == "float_lit":
        return Literal(float(str(children[0])))
    if kind == "literal_value":
        return Literal({"true": True, "false": False, "null": None}[str(children[0])])
    kids = _children(node)
    if kind == "expr_term":  # ( expression ), with its line breaks
        return expr(kids[0])
    if kind == "keyword":
        return Name(str(kids[0]))
    if kind == "tuple":
        return TupleExpr(tuple(expr(k) for k in kids))
    if kind == "object":
        items = []
        for elem in kids:
            key_node, value_node = _children(elem)
            key_inner = _children(key_node)[0]
            if isinstance(key_inner, Tree) and key_inner.data == "keyword":
                key = Literal(str(key_inner.children[0]))
            else:
                key = expr(key_inner)
                # A bare identifier as an object key is the key's name, not a variable.
                if isinstance(key, Name):
                    key = Literal(key.name)
            items.append((key, expr(value_node)))
        return ObjectExpr(tuple(items))
    if kind == "get_attr_expr_term":
        return GetAttr(expr(kids[0]), _name_of(_children(kids[1])[0]))
    if kind == "index_expr_term":
        (_, key), = _ops([kids[1]])
        return Index(expr(kids[0]), key)
    if kind in {"attr_splat_expr_term", "full_splat_expr_term"}:
        return Splat(expr(kids[0]), _ops(_children(kids[1])))
    if kind == "function_call":
        names = [k for k in kids if isinstance(k, Tree) and k.data == "identifier"]
        args_tree = next((k for k in kids if isinstance(k, Tree) and k.data == "arguments"), None)
        args: tuple[Any, ...] = ()
        expand = False
        if args_tree is not None:
            args = tuple(expr(a) for a in _children(args_tree) if isinstance(a, Tree))
            expand = any(isinstance(a, Token) and a.type == "ELLIPSIS" for a in args_tree.children)
        return Call("::".join(_name_of(n) for n in names), args, expand)
    if kind == "conditional":
        cond, true, false = (k for k in kids if isinstance(k, Tree))
        return Conditional(expr(cond), expr(true), expr(false))
    if kind == "binary_op":
        left, term = kids[0], kids[1]
        op_tree, right = _children(term)
        return BinOp(str(op_tree.children[0]), expr(left), expr(right))
    if kind == "unary_op":
        return Unary(str(node.children[0]), expr(node.children[1]))
    if kind in {"for_tuple_expr", "for_object_expr"}:
        return _for(node, kind == "for_object_expr")
    if kind == "heredoc_template":
        return _heredoc(kids[0], trim=False)
    if kind == "heredoc_template_trim":
        return _heredoc(kids[0], trim=True)
    if kind == "template_string":
        return Literal(str(kids[0]))
    return Unsupported(kind)


def _for(node: Tree, is_object: bool) -> ForExpr:
    trees = [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
    intro = trees[0]
    intro_trees = [c for c in intro.children if isinstance(c, Tree)
                   and c.data != "new_line_or_comment"]
    names = [_name_of(c.children[0]) for c in intro_trees if c.data == "identifier"]
    collection = expr(intro_trees[-1])
    key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
    cond_tree = next((t for t in trees if t.data == "for_cond"), None)
    condition = None
    if cond_tree is not None:
        condition = expr(next(c for c in cond_tree.children
                              if isinstance(c, Tree) and c.data != "new_line_or_comment"))
    body = [t for t in trees[1:] if t.data != "for_cond"]
    group = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
    if is_object:
        return ForExpr(key_var, value_var, collection, expr(body[0]), expr(body[1]),
                       condition, group)
    return ForExpr(key_var, value_var, collection, None, expr(body[0]), condition, False)


def body(tree: Tree) -> Body:
    """Convert a ``body`` subtree: attributes by name, blocks in order."""
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for child in tree.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            kids = _children(child)
            name = _name_of(kids[0])
            attributes[name] = Attribute(name, expr(kids[-1]), *_lines(child))
        elif child.data == "block":
            kids = _children(child)
            inner = kids[-1]
            labels = tuple(_name_of(k) for k in kids[1:-1])
            blocks.append(Block(_name_of(kids[0]), labels, body(inner), *_lines(child)))
    return Body(attributes, blocks)


def _lines(tree: Tree) -> tuple[int, int]:
    """First and last line of a subtree, from its first and last token.

    The tree comes from a parser without lark's position propagation (which costs about 40% of
    the parse, see iacjit.parsers.terraform.hcl); every token of the HCL grammar is kept in
    the tree, so the edge tokens are exactly what that propagation would have used.
    """
    first, last = _edge_token(tree, last=False), _edge_token(tree, last=True)
    if first is None or last is None:
        return 0, 0
    return first.line, getattr(last, "end_line", None) or last.line


def _edge_token(tree: Tree, last: bool) -> Token | None:
    """The first (last) token, down the first (last) children.

    In python-hcl2's grammar an attribute or block starts with its name's token and every
    expression ends with a token (a bracket, quote, literal or name), so no subtree on that
    path is empty; tests/test_hcl_positions.py checks the spans against lark's propagation.
    """
    node: Any = tree
    edge = -1 if last else 0
    while node.__class__ is not Token:
        if not node.children:
            return None
        node = node.children[edge]
    return node
