"""Reading HCL text into our AST, with errors a person can act on."""

from __future__ import annotations

import functools
import gc
from contextlib import contextmanager
from typing import Any

from iacjit.parsers.terraform import ast


class HclError(Exception):
    """HCL that cannot be parsed: message plus 1-based line/column when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def load_hcl2() -> None:
    """Check that python-hcl2 8.x is the ``hcl2`` found, or explain why it is the wrong one."""
    try:
        import hcl2
        from hcl2 import parses_to_tree  # noqa: F401 - 8.x's API, absent from bc-python-hcl2
    except ImportError as exc:
        raise HclError(
            "the 'hcl2' module found is not python-hcl2 8.x (checkov's bc-python-hcl2 "
            "installs a module of the same name); run iacjit from its own environment, "
            "e.g. 'pipx install iacjit' or a dedicated virtualenv"
        ) from exc
    version = getattr(getattr(hcl2, "version", None), "version", None) or getattr(
        hcl2, "__version__", ""
    )
    if version and not str(version).startswith("8."):
        raise HclError(
            f"the 'hcl2' module found is version {version}, not python-hcl2 8.x "
            "(checkov's bc-python-hcl2 installs a module of the same name); run iacjit "
            "from its own environment, e.g. 'pipx install iacjit' or a dedicated virtualenv"
        )


@functools.lru_cache(maxsize=1)
def tree_parser() -> Any:
    """python-hcl2's LALR parser, rebuilt from its own tables without position propagation.

    lark's ``propagate_positions`` wraps every reduction and costs about 40% of a parse; the
    AST needs only the first and last line of attributes and blocks, which the tokens carry.
    Building the tables from the grammar takes ~2 s, so the stock parser (loaded from
    python-hcl2's cache) is serialised with lark's own ``save`` and loaded again with that one
    option changed.  Should lark's saved form ever differ, the stock parser is used.
    """
    import io
    import pickle

    from hcl2.parser import parser as stock_parser
    from lark import Lark

    stock = stock_parser()
    try:
        buffer = io.BytesIO()
        stock.save(buffer)
        saved = pickle.loads(buffer.getvalue())  # noqa: S301 - bytes lark just wrote
        saved["data"]["options"]["propagate_positions"] = False
        return Lark.load(io.BytesIO(pickle.dumps(saved, protocol=pickle.HIGHEST_PROTOCOL)))
    except Exception:  # noqa: BLE001 - any change in lark's format: the stock parser works too
        return stock


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


def parse_body(text: str) -> ast.Body:
    """Parse a whole file (or tfvars) into a Body; raises HclError."""
    load_hcl2()
    if not text.endswith("\n"):
        text += "\n"
    try:
        with _gc_paused():
            tree = tree_parser().parse(text + "\n")  # the extra line end, as python-hcl2 does
        return ast.body(tree.children[0])
    except RecursionError:
        raise HclError("nesting too deep to parse") from None
    except HclError:
        raise
    except Exception as exc:  # lark raises many types; all mean "not valid HCL"
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        raise HclError(_describe(exc), line if isinstance(line, int) and line > 0 else None,
                       column if isinstance(column, int) and column > 0 else None) from None


def parse_expression(text: str) -> Any:
    """Parse one expression (heredoc interpolations, ``--var`` values)."""
    try:
        body = parse_body(f"__expr__ = {text.strip()}\n")
    except HclError as exc:
        return ast.Unsupported(f"unparsable expression ({exc.message})")
    attribute = body.attributes.get("__expr__")
    return attribute.expr if attribute else ast.Unsupported("empty expression")
