"""Reading HCL text into our AST, with errors a person can act on."""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from typing import Any

from iacjit.parsers.terraform import ast
from iacjit.parsers.terraform.engine import Engine, Rejected


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


_parser: Any = None

# python-hcl2's terminals that repeat a group once per character: Python's regex engine keeps
# state for every repetition, so one 9.5 MB string, heredoc or comment took over 1 GB while
# being lexed (in each pool worker).  Each replacement (name: (python-hcl2's, ours)) matches
# exactly the same text -- tests/test_hcl_bounded_memory.py compares them on generated input --
# but takes runs of ordinary characters at once, with possessive quantifiers that keep no
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


def tree_parser() -> Any:
    """python-hcl2's LALR parser without lark's position propagation (see
    :func:`position_free_tables`); python-hcl2's own parser if lark's format ever changes."""
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
    parser (loaded from its cache).  Deriving them costs ~0.15 s, so iacjit.cache.files keeps
    them in iacjit's cache and hands them to :func:`use_tables`.
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
    global _parser, _engine
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
    try:
        _engine = Engine(loaded)
    except Rejected:  # lark's parser is built differently than the engine expects: use lark
        _engine = None
    return True


def parser_ready() -> bool:
    return _parser is not None


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


def parse_tree(text: str) -> Any:
    """The lark tree of *text*: from :mod:`~iacjit.parsers.terraform.engine` when it accepts
    the text, else from lark itself (which also raises the errors a person reads)."""
    parser = tree_parser()
    if _engine is not None:
        try:
            return _engine.parse(text)
        except Rejected:
            pass
    return parser.parse(text)


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
    """Parse a whole file (or tfvars) into a Body; raises HclError.

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
            tree = parse_tree(text + "\n")  # the extra line end, as python-hcl2 does
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
