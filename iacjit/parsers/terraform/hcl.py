"""Reading HCL text into our AST (iacjit.parsers.terraform.ast), with errors a person can act on.

The parse loop (iacjit.parsers.terraform.engine) runs python-hcl2's grammar and builds our nodes
in its reductions (iacjit.parsers.terraform.reductions); a text it leaves to lark (a syntax
error, mostly) gets lark's tree, which the converters below turn into the same nodes, or lark's
error.  Heredoc interpolations are parsed again as expressions (hence one module).
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from typing import Any

from lark import Token, Tree

from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.terraform import ast
from iacjit.parsers.terraform.engine import Engine, Rejected
from iacjit.parsers.terraform.reductions import builders, unescape


def load_hcl2() -> None:
    """Check that python-hcl2 8.x is the ``hcl2`` found, or explain why it is the wrong one."""
    try:
        import hcl2
        from hcl2 import parses_to_tree  # noqa: F401 - 8.x's API, absent from bc-python-hcl2
    except ImportError as exc:
        raise ParseError(
            "the 'hcl2' module found is not python-hcl2 8.x (checkov's bc-python-hcl2 "
            "installs a module of the same name); run iacjit from its own environment, "
            "e.g. 'pipx install iacjit' or a dedicated virtualenv"
        ) from exc
    version = getattr(getattr(hcl2, "version", None), "version", None) or getattr(
        hcl2, "__version__", ""
    )
    if version and not str(version).startswith("8."):
        raise ParseError(
            f"the 'hcl2' module found is version {version}, not python-hcl2 8.x "
            "(checkov's bc-python-hcl2 installs a module of the same name); run iacjit "
            "from its own environment, e.g. 'pipx install iacjit' or a dedicated virtualenv"
        )


_parser: Any = None

# python-hcl2's terminals that repeat a group once per character: Python's regex engine keeps
# state for every repetition, so one 9.5 MB string, heredoc or comment took over 1 GB while
# being lexed (in each pool worker).  Each replacement (name: (python-hcl2's, ours)) matches
# exactly the same text (tests/security/test_hcl_bounded_memory.py compares them on generated
# input) but takes runs of ordinary characters at once, with possessive quantifiers that keep no
# state to backtrack into: a few MB whatever the size.
BOUNDED_PATTERNS: dict[str, tuple[str, str]] = {
    'STRING_CHARS': (
        '(?:(?!\\$\\$\\{)(?!\\$\\{)(?!%%\\{)(?!%\\{)[^"\\\\]|\\\\.|(?:\\$(?!\\$?\\{'
        '))|(?:%(?!%?\\{)))+',
        '(?:[^"\\\\$%]++|(?!\\$\\$\\{)(?!\\$\\{)(?!%%\\{)(?!%\\{)[^"\\\\]|\\\\.|(?'
        ':\\$(?!\\$?\\{))|(?:%(?!%?\\{)))++'),
    'HEREDOC_TEMPLATE': (
        '<<(?P<heredoc>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r?\n)??\\'
        's*(?P=heredoc)\r?\n',
        '<<(?P<heredoc>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:[^\n]*+\n)+?)??'
        '[^\\S\n]*+(?P=heredoc)\r?\n'),
    'HEREDOC_TEMPLATE_TRIM': (
        '<<-(?P<heredoc_trim>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r'
        '?\n)??\\s*(?P=heredoc_trim)\r?\n',
        '<<-(?P<heredoc_trim>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:[^\n]*+\n'
        ')+?)??[^\\S\n]*+(?P=heredoc_trim)\r?\n'),
    'NL_OR_COMMENT': (
        '(?:\\/\\*(.|\n)*?(\\*\\/)|\\/\\/.*\n|#.*\n|\n[ \t]*)',
        '(?:\\/\\*[^*]*+\\*++(?:[^/*][^*]*+\\*++)*+\\/|\\/\\/.*\n|#.*\n|\n[ \t]*'
        ')'),
    'TEMPLATE_STRING': (
        '\\\\\\"(?:[^"\\\\\\\\]|\\\\\\\\.)*\\\\\\"',
        '\\\\\\"(?:[^"\\\\\\\\]++|\\\\\\\\.)*+\\\\\\"'),
}


def _bounded(memo: dict[Any, Any]) -> None:
    """Swap in :data:`BOUNDED_PATTERNS` where python-hcl2's pattern is the one expected (a
    python-hcl2 release with other patterns keeps its own)."""
    for entry in memo.values():
        if not (isinstance(entry, dict) and entry.get("__type__") == "TerminalDef"):
            continue
        known = BOUNDED_PATTERNS.get(entry.get("name"))
        pattern = entry.get("pattern")
        if known and isinstance(pattern, dict) and pattern.get("value") == known[0]:
            pattern["value"] = known[1]
_engine: Engine | None = None
_engine_tried = False


def engine() -> Engine | None:
    """The parse loop (:mod:`~iacjit.parsers.terraform.engine`) over python-hcl2's own parser,
    which lark loads from python-hcl2's cache; None if the loop cannot run its tables (then
    lark parses).  Its lexers use :data:`BOUNDED_PATTERNS`; it never propagates positions."""
    global _engine, _engine_tried
    if not _engine_tried:
        _engine_tried = True
        from hcl2.parser import parser as stock_parser

        try:
            _engine = Engine(stock_parser(), builders(heredoc_template), BOUNDED_PATTERNS)
        except Rejected:  # python-hcl2's parser is built otherwise than the loop expects
            _engine = None
    return _engine


def tree_parser() -> Any:
    """python-hcl2's LALR parser without lark's position propagation (see
    :func:`position_free_tables`), for the texts the parse loop leaves to lark; python-hcl2's
    own parser if lark's format ever changes."""
    global _parser
    if _parser is None and not use_tables(position_free_tables()):
        from hcl2.parser import parser as stock_parser

        _parser = stock_parser()
    return _parser


def position_free_tables() -> dict[str, Any] | None:
    """python-hcl2's parser tables, as lark's ``Lark.save`` serialises them, with
    ``propagate_positions`` turned off; None if lark's serialised form has changed.

    lark's position propagation wraps every reduction and costs about 40% of a parse; the AST
    needs only the first and last line of attributes and blocks, which the tokens carry.
    Building the tables from the grammar takes ~2 s, so they are taken from python-hcl2's own
    parser (loaded from its cache); deriving them costs ~0.1 s, paid only when the parse loop
    leaves a text to lark (a syntax error, mostly).
    """
    from hcl2.parser import parser as stock_parser
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    try:
        data, memo = stock_parser().memo_serialize([TerminalDef, Rule])
        data["options"] = {**data["options"], "propagate_positions": False}
        _bounded(memo)
    except Exception:  # noqa: BLE001 - lark's internals changed: the stock parser it is
        return None
    return {"data": data, "memo": memo}


def use_tables(tables: Any) -> bool:
    """Parse with *tables* from :func:`position_free_tables`; False (and nothing changed) when
    they cannot be loaded."""
    global _parser
    if not isinstance(tables, dict):
        return False
    from lark import Lark

    try:
        loaded = Lark.load(tables)
    except Exception:  # noqa: BLE001 - tables of another lark version: derive them again
        return False
    if loaded.options.propagate_positions is not False:
        return False
    _parser = loaded
    return True


@contextmanager
def _gc_paused():
    """python-hcl2 allocates many small objects; pausing the collector nearly doubles speed."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_TOKEN_WORDS = {
    "DBLQUOTE": "a string", "INT_LITERAL": "a number", "FLOAT_LITERAL": "a number",
    "NAME": "a name", "LBRACE": "'{'", "RBRACE": "'}'", "LSQB": "'['", "RSQB": "']'",
    "LPAR": "'('", "RPAR": "')'", "EQ": "'='", "COLON": "':'", "COMMA": "','",
    "NL_OR_COMMENT": "a line break", "HEREDOC_TEMPLATE": "a heredoc",
    "HEREDOC_TEMPLATE_TRIM": "a heredoc", "TRUE": "true", "FALSE": "false", "NULL": "null",
    "MINUS": "'-'", "NOT": "'!'", "QMARK": "'?'", "DOT": "'.'",
}


def _token_text(token: object) -> str:
    text = str(token)
    if text.strip() == "":
        return "line break" if "\n" in text else "white space"
    return repr(text[:40])


def _describe(exc: Exception) -> str:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    if isinstance(exc, UnexpectedEOF):
        return "unexpected end of file (an unclosed block, string or bracket?)"
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character {exc.char!r}"
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if getattr(token, "type", "") == "$END":
            return "unexpected end of file (an unclosed block, string or bracket?)"
        expected = set(exc.expected or ())
        if {"DBLQUOTE", "INT_LITERAL"} <= expected:
            words = ["a value (string, number, list, object or expression)"]
        else:
            words = sorted({_TOKEN_WORDS[e] for e in expected if e in _TOKEN_WORDS})
        hint = f"; expected {' or '.join(words[:6])}" if words else ""
        return f"unexpected {_token_text(token)}{hint}"
    return str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__


def _parse(text: str) -> ast.Body:
    """The Body of *text*: built by :mod:`~iacjit.parsers.terraform.engine` when it accepts
    the text, else converted from lark's own tree (lark also raises the errors a person
    reads)."""
    loop = engine()
    if loop is not None:
        try:
            return loop.parse(text)
        except Rejected:
            pass
    return body(tree_parser().parse(text).children[0])


_HEREDOC_OPENER = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\r?\n")


def trim_heredoc_markers(text: str) -> str:
    """Drop the blanks after a heredoc's closing marker: HCL trims the marker's line, the
    grammar python-hcl2 lexes with does not.  Lines and columns before them are unchanged."""
    markers = set(_HEREDOC_OPENER.findall(text))
    if not markers:
        return text
    names = "|".join(re.escape(m) for m in sorted(markers))
    return re.sub(rf"^([ \t]*(?:{names}))[ \t]+(\r?)$", r"\1\2", text, flags=re.MULTILINE)


def parse_body(text: str) -> ast.Body:
    """Parse a whole file (or tfvars) into a Body; raises ParseError.

    A file with nothing but blanks and comments is an empty body, as Terraform reads it.
    """
    load_hcl2()
    if not text.strip():
        return ast.Body({}, [])
    if "<<" in text:
        text = trim_heredoc_markers(text)
    if not text.endswith("\n"):
        text += "\n"
    try:
        with _gc_paused():
            return _parse(text + "\n")  # the extra line end, as python-hcl2 does
    except RecursionError:
        raise ParseError("nesting too deep to parse") from None
    except ParseError:
        raise
    except Exception as exc:  # lark raises many types; all mean "not valid HCL"
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        raise ParseError(_describe(exc), line if isinstance(line, int) and line > 0 else None,
                       column if isinstance(column, int) and column > 0 else None) from None


def parse_expression(text: str) -> Any:
    """Parse one expression (heredoc interpolations, ``--var`` values)."""
    try:
        body = parse_body(f"__expr__ = {text.strip()}\n")
    except ParseError as exc:
        return ast.Unsupported(f"unparsable expression ({exc.message})")
    attribute = body.attributes.get("__expr__")
    return attribute.expr if attribute else ast.Unsupported("empty expression")


# ----- python-hcl2's lark tree -> our nodes (when lark parses) --------------------------
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
        return "".join(unescape(str(p.children[0])) for p in node.children
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
            parts.append(unescape(str(inner)))
        elif inner.data == "interpolation":
            parts.append(expr(_children(inner)[0]))
        else:
            return ast.Unsupported("template directives (%{ if }/%{ for })")
    if all(isinstance(p, str) for p in parts):
        return ast.Literal("".join(parts))
    return ast.Template(tuple(parts))


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
            ops.append(("index", ast.Literal(int(str(op.children[-1])))))
    return tuple(ops)


def expr(node: Any) -> Any:
    """Convert one lark expression subtree into an AST node."""
    if node.__class__ is Token:
        return ast.Literal(str(node))
    kind = node.data
    children = node.children
    # The commonest nodes have exactly one child, a token or the wrapped term: no filtering.
    if kind == "expr_term" and len(children) == 1:
        return expr(children[0])
    single = _SINGLE_CHILD.get(kind)
    if single is not None:
        return single(node, children)
    convert = _CONVERTERS.get(kind)
    return convert(node, _children(node)) if convert else ast.Unsupported(kind)


def _object(kids: list[Any]) -> ast.ObjectExpr:
    items = []
    for elem in kids:
        key_node, value_node = _children(elem)
        key_inner = _children(key_node)[0]
        if isinstance(key_inner, Tree) and key_inner.data == "keyword":
            key = ast.Literal(str(key_inner.children[0]))
        else:
            key = expr(key_inner)
            # A bare identifier as an object key is the key's name, not a variable.
            if isinstance(key, ast.Name):
                key = ast.Literal(key.name)
        items.append((key, expr(value_node)))
    return ast.ObjectExpr(tuple(items))


def _index(kids: list[Any]) -> ast.Index:
    (_, key), = _ops([kids[1]])
    return ast.Index(expr(kids[0]), key)


def _call(kids: list[Any]) -> ast.Call:
    names = [k for k in kids if isinstance(k, Tree) and k.data == "identifier"]
    args_tree = next((k for k in kids if isinstance(k, Tree) and k.data == "arguments"), None)
    args: tuple[Any, ...] = ()
    expand = False
    if args_tree is not None:
        args = tuple(expr(a) for a in _children(args_tree) if isinstance(a, Tree))
        expand = any(isinstance(a, Token) and a.type == "ELLIPSIS" for a in args_tree.children)
    return ast.Call("::".join(_name_of(n) for n in names), args, expand)


def _conditional(kids: list[Any]) -> ast.Conditional:
    cond, true, false = (k for k in kids if isinstance(k, Tree))
    return ast.Conditional(expr(cond), expr(true), expr(false))


def _binary(kids: list[Any]) -> ast.BinOp:
    left, term = kids[0], kids[1]
    op_tree, right = _children(term)
    return ast.BinOp(str(op_tree.children[0]), expr(left), expr(right))


_LITERALS = {"true": True, "false": False, "null": None}

# Grammar rules whose node has one child: converted from the raw children, unfiltered.
_SINGLE_CHILD: dict[str, Any] = {
    "identifier": lambda node, children: ast.Name(str(children[0])),
    "string": lambda node, children: _string(node),
    "int_lit": lambda node, children: ast.Literal(int(str(children[0]))),
    "float_lit": lambda node, children: ast.Literal(float(str(children[0]))),
    "literal_value": lambda node, children: ast.Literal(_LITERALS[str(children[0])]),
}

# Grammar rule -> converter of (the subtree, its children without punctuation).
_CONVERTERS: dict[str, Any] = {
    "expr_term": lambda node, kids: expr(kids[0]),  # ( expression ), with its line breaks
    "keyword": lambda node, kids: ast.Name(str(kids[0])),
    "tuple": lambda node, kids: ast.TupleExpr(tuple(expr(k) for k in kids)),
    "object": lambda node, kids: _object(kids),
    "get_attr_expr_term": lambda node, kids: ast.GetAttr(expr(kids[0]),
                                                         _name_of(_children(kids[1])[0])),
    "index_expr_term": lambda node, kids: _index(kids),
    "attr_splat_expr_term": lambda node, kids: ast.Splat(expr(kids[0]),
                                                         _ops(_children(kids[1]))),
    "full_splat_expr_term": lambda node, kids: ast.Splat(expr(kids[0]),
                                                         _ops(_children(kids[1]))),
    "function_call": lambda node, kids: _call(kids),
    "conditional": lambda node, kids: _conditional(kids),
    "binary_op": lambda node, kids: _binary(kids),
    "unary_op": lambda node, kids: ast.Unary(str(node.children[0]), expr(node.children[1])),
    "for_tuple_expr": lambda node, kids: _for(node, is_object=False),
    "for_object_expr": lambda node, kids: _for(node, is_object=True),
    "heredoc_template": lambda node, kids: heredoc_template(str(kids[0]), trim=False),
    "heredoc_template_trim": lambda node, kids: heredoc_template(str(kids[0]), trim=True),
    "template_string": lambda node, kids: ast.Literal(str(kids[0])),
}


def _for(node: Tree, is_object: bool) -> ast.ForExpr:
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
        return ast.ForExpr(key_var, value_var, collection, expr(body[0]), expr(body[1]),
                       condition, group)
    return ast.ForExpr(key_var, value_var, collection, None, expr(body[0]), condition, False)


def body(tree: Tree) -> ast.Body:
    """Convert a ``body`` subtree: attributes by name, blocks in order."""
    attributes: dict[str, ast.Attribute] = {}
    blocks: list[ast.Block] = []
    for child in tree.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            kids = _children(child)
            name = _name_of(kids[0])
            attributes[name] = ast.Attribute(name, expr(kids[-1]), *_lines(child))
        elif child.data == "block":
            kids = _children(child)
            inner = kids[-1]
            labels = tuple(_name_of(k) for k in kids[1:-1])
            blocks.append(ast.Block(_name_of(kids[0]), labels, body(inner), *_lines(child)))
    return ast.Body(attributes, blocks)


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
    path is empty; tests/parsers/terraform/test_hcl_positions.py checks the spans against
    lark's propagation.
    """
    node: Any = tree
    edge = -1 if last else 0
    while node.__class__ is not Token:
        if not node.children:
            return None
        node = node.children[edge]
    return node


# ----- heredocs ----------------------------------------------------------------------------
_HEAD = re.compile(r"^<<-?([A-Za-z][A-Za-z0-9._-]*)\r?\n")


def _body_text(raw: str, trim: bool) -> str:
    match = _HEAD.match(raw)
    if not match:
        return raw
    lines = raw[match.end():].splitlines(keepends=True)
    if lines and lines[-1].strip() == match.group(1):
        lines = lines[:-1]
    if trim:
        indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
        cut = min(indents, default=0)
        lines = [line[cut:] for line in lines]
    return "".join(lines)


def _interpolation_end(text: str, start: int) -> int:
    """Index of the ``}`` closing the interpolation opened before *start*, or -1."""
    depth, i, quote = 1, start, False
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def heredoc_template(raw: str, trim: bool) -> Any:
    """Heredoc templates arrive from python-hcl2 as one raw token: split out their
    interpolations and parse each as an expression."""
    text = _body_text(raw, trim)
    if "%{" in text.replace("%%{", ""):
        return ast.Unsupported("template directives (%{ if }/%{ for })")
    parts: list[Any] = []
    pos = 0
    while True:
        start = text.find("${", pos)
        while start > 0 and text[start - 1] == "$":
            start = text.find("${", start + 2)
        if start < 0:
            parts.append(text[pos:].replace("$${", "${"))
            break
        end = _interpolation_end(text, start + 2)
        if end < 0:
            return ast.Unsupported("unterminated interpolation in heredoc")
        parts.append(text[pos:start].replace("$${", "${"))
        parts.append(parse_expression(text[start + 2 : end]))
        pos = end + 1
    if all(isinstance(p, str) for p in parts):
        return ast.Literal("".join(parts))
    return ast.Template(tuple(p for p in parts if p != ""))
