"""Bicep text → :class:`~iacjit.parsers.bicep.ast.Template`: declarations and error recovery.

Entry point :func:`parse_template`.  A hand-written lexer and recursive-descent parser, written
from the Bicep language definition (its grammar document and compiler), read the language as
it is written today: every declaration kind, decorators, user-defined types and functions,
imports, extensions, and ``.bicepparam`` files.  Time is linear in the input and nesting is
bounded.  A syntax error is recorded with its position and what was expected; the parser then
resumes at the next declaration that starts a line, so one file reports all its errors at once,
as ``bicep build`` does.
"""

from __future__ import annotations

from iacjit.parsers.bicep import ast as A
from iacjit.parsers.bicep.expressions import ExprParser
from iacjit.parsers.bicep.lexer import EOF, ID, NL, STR, STRL, Token, tokenize
from iacjit.parsers.common.errors import ParseError

__all__ = ["parse_template"]

DECLARATION_WORDS = frozenset(
    {
        "targetScope", "metadata", "param", "var", "resource", "module", "output", "type",
        "func", "import", "using", "extends", "extension", "provider", "assert", "test",
    }
)
MAX_ERRORS = 20


class Parser(ExprParser):
    """Declarations of one ``.bicep`` (or, with ``param_file``, ``.bicepparam``) file."""

    def __init__(self, lexed, max_depth: int, param_file: bool) -> None:  # type: ignore[no-untyped-def]
        super().__init__(lexed, max_depth)
        self.param_file = param_file
        self.tpl = A.Template()
        self.errors: list[ParseError] = []

    def program(self) -> A.Template:
        while True:
            self.skip_newlines()
            if self.at(EOF):
                return self.tpl
            self.skip_nl = [False]
            self.depth = 0
            try:
                self.statement()
                if self.peek().kind not in (NL, EOF):
                    raise self.error("a new line after the declaration")
            except ParseError as exc:
                self.errors.append(exc)
                if exc.limit or len(self.errors) >= MAX_ERRORS:
                    return self.tpl
                self.recover()

    def recover(self) -> None:
        """Skip to the next line that starts with a declaration keyword or a decorator."""
        toks = self.toks
        if toks[self.i].kind != EOF:
            self.i += 1
        while toks[self.i].kind != EOF:
            tok = toks[self.i]
            starts_line = toks[self.i - 1].kind == NL and tok.column == 1
            if starts_line and (
                tok.kind == "@" or (tok.kind == ID and tok.value in DECLARATION_WORDS)
            ):
                return
            self.i += 1

    # -- declarations ------------------------------------------------------------------
    def statement(self) -> None:
        decorators = self.decorators()
        tok = self.peek()
        if tok.kind != ID or tok.value not in DECLARATION_WORDS:
            raise self.error("a declaration (param, var, resource, module, output, type, …)")
        word = tok.value
        tpl = self.tpl
        if word == "resource":
            tpl.resources.append(self.resource(decorators))
        elif word == "param":
            self.param(tok, decorators)
        elif word == "var":
            self.next()
            name = self.name("a variable name").value
            if not self.at("="):
                self.type_expr()
            self.expect("=")
            tpl.variables[name] = self.mk(A.VarDecl, tok, name, self.expr(), decorators)
        elif word == "output":
            self.next()
            name = self.name("an output name").value
            kind = self.type_expr()
            self.expect("=")
            value = self.expr()
            tpl.outputs[name] = self.mk(A.OutputDecl, tok, name, value, kind, decorators)
        elif word == "module":
            self.next()
            symbol = self.name("a module name").value
            path = self.literal_string("the module path")
            self.expect("=")
            value = self.body()
            tpl.modules.append(self.mk(A.ModuleDecl, tok, symbol, path, value, decorators))
        elif word == "targetScope":
            self.next()
            self.expect("=")
            value = self.expr()
            if not (isinstance(value, A.Lit) and isinstance(value.value, str)):
                raise ParseError("targetScope must be a string literal", value.line, value.column)
            tpl.target_scope = value.value
        elif word == "type":
            self.next()
            name = self.name("a type name").value
            self.expect("=")
            self.skip_newlines()
            tpl.types[name] = self.mk(A.TypeDecl, tok, name, self.type_expr(), decorators)
        elif word == "func":
            self.func(tok, decorators)
        elif word == "import":
            self.import_(tok)
        elif word in ("extension", "provider"):
            self.next()
            self.extension(tok)
        else:
            self.other(tok, word)

    def literal_string(self, what: str) -> str:
        tok = self.peek()
        if tok.kind == STRL:
            raise ParseError(f"{what} cannot use string interpolation", tok.line, tok.column)
        return self.expect(STR, what).value

    def resource(self, decorators: tuple[A.Node, ...]) -> A.ResourceDecl:
        start = self.next()
        symbol = self.name("a resource name").value
        type_api = self.literal_string("the resource type 'Namespace/type@version'")
        existing = False
        if self.at_word("existing"):
            self.next()
            existing = True
        self.expect("=")
        value = self.body()
        return self.mk(A.ResourceDecl, start, symbol, type_api, existing, value, decorators)

    def body(self) -> A.Node:
        """The value of a resource or module: an object, ``if (…) {…}`` or a for-loop."""
        if self.at_word("if"):
            return self.if_body()
        if self.at("{"):
            return self.object()
        if self.at("["):
            value = self.array()
            if not isinstance(value, A.For):
                raise ParseError("expected a for-loop '[for …]'", value.line, value.column)
            return value
        raise self.error("an object '{', 'if' or a for-loop '[for'")

    def param(self, tok: Token, decorators: tuple[A.Node, ...]) -> None:
        self.next()
        name = self.name("a parameter name").value
        if self.param_file:
            self.expect("=")
            self.tpl.assignments[name] = self.mk(A.VarDecl, tok, name, self.expr(), decorators)
            return
        kind = self.type_expr()
        default = self.expr() if self.accept("=") else None
        nullable = kind.kind == "nullable"
        core = kind.items[0] if nullable and kind.items else kind
        type_name = core.name if isinstance(core, A.TypeNode) and core.kind == "name" else "object"
        self.tpl.params[name] = self.mk(
            A.ParamDecl, tok, name, type_name, default, nullable, kind, decorators
        )

    def func(self, tok: Token, decorators: tuple[A.Node, ...]) -> None:
        self.next()
        name = self.name("a function name").value
        self.expect("(")
        self.skip_nl.append(True)
        params: list[str] = []
        while not self.at(")"):
            params.append(self.name("a parameter name").value)
            self.type_expr()
            if not self.accept(","):
                break
        self.expect(")", "',' or ')'")
        self.skip_nl.pop()
        self.type_expr()
        self.expect("=>")
        self.skip_newlines()
        body = self.expr()
        self.tpl.functions[name] = self.mk(A.FuncDecl, tok, name, tuple(params), body, decorators)

    def import_(self, tok: Token) -> None:
        self.next()
        if self.at(STR):  # the older extension syntax: import 'az@1.0.0' [with {…}] [as x]
            self.extension(tok)
            return
        names: list[tuple[str, str]] = []
        namespace = ""
        if self.accept("*"):
            self.expect_word("as")
            namespace = self.name("a namespace name").value
        elif self.accept("{"):
            self.skip_nl.append(True)
            while not self.at("}"):
                exported = self.name("an imported name").value
                local = exported
                if self.at_word("as"):
                    self.next()
                    local = self.name("an alias").value
                names.append((exported, local))
                self.accept(",")  # names are separated by commas, new lines or both
            self.expect("}", "',' or '}'")
            self.skip_nl.pop()
        else:
            raise self.error("'{', '*' or a string after import")
        self.expect_word("from")
        source = self.literal_string("the file to import from")
        self.tpl.imports.append(self.mk(A.ImportDecl, tok, source, tuple(names), namespace))

    def extension(self, tok: Token) -> None:
        spec_tok = self.peek()
        if spec_tok.kind not in (ID, STR):
            raise self.error("an extension name or reference")
        self.next()
        config = None
        if self.at_word("with"):
            self.next()
            config = self.object()
        alias = ""
        if self.at_word("as"):
            self.next()
            alias = self.name("an alias").value
        self.tpl.extensions.append(self.mk(A.ExtensionDecl, tok, spec_tok.value, alias, config))

    def other(self, tok: Token, word: str) -> None:
        """``using``, ``extends``, ``metadata``, ``assert`` and ``test`` declarations."""
        self.next()
        if word == "using":
            if self.at_word("none"):
                self.next()
                self.tpl.using = ""
            else:
                self.tpl.using = self.literal_string("the Bicep file the parameters are for")
            if self.at_word("with"):
                self.next()
                self.object()
            return
        if word == "extends":
            self.literal_string("the base parameters file")
            return
        name = self.name(f"a {word} name").value
        if word == "test":
            self.literal_string("the file under test")
        self.expect("=")
        value = self.object() if word == "test" else self.expr()
        self.tpl.others.append(self.mk(A.NamedValue, tok, word, name, value))


def parse_template(
    text: str, max_depth: int, param_file: bool = False
) -> tuple[A.Template, list[ParseError]]:
    """Parse one file; the template (complete only without errors) and every syntax error."""
    try:
        lexed = tokenize(text)
    except ParseError as exc:
        return A.Template(), [exc]
    parser = Parser(lexed, max_depth, param_file)
    try:
        template = parser.program()
    except RecursionError:
        tok = parser.toks[min(parser.i, len(parser.toks) - 1)]
        parser.errors.append(ParseError("nesting too deep to read", tok.line, tok.column,
                                        limit=True))
        template = parser.tpl
    return template, parser.errors
