"""Differential: iacjit's HCL parse loop against python-hcl2's own lark parser.

``iacjit.parsers.terraform.engine`` re-implements lark's contextual lexer, python-hcl2's
post-lexer and the LALR driver in one loop, and builds iacjit's AST in the reductions
(``iacjit.parsers.terraform.reductions``) instead of a lark tree.  The oracle is python-hcl2's
stock parser, its tree converted by the converter lark's trees still go through
(``hcl.body``): the same AST, spans included, on every ``.tf`` shipped with the project, on
generated corpora, on tricky layouts, and on hypothesis-generated HCL.  Where lark refuses a
text, the loop must refuse it too (the caller then asks lark for the error message).
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from hcl2.parser import parser as stock_parser
from helpers import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.terraform import hcl
from iacjit.parsers.terraform.engine import Engine, Rejected

sys.path.insert(0, str(REPO / "benchmarks"))
from gen_corpus import generate  # noqa: E402
from gen_platform import generate as generate_platform  # noqa: E402

REFUSED = "refused"


@pytest.fixture(scope="module")
def engine() -> Engine:
    loop = hcl.engine()
    assert loop is not None, "the parse loop must accept python-hcl2's tables"
    return loop


def _oracle(text: str) -> Any:
    try:
        tree = stock_parser().parse(text)
    except Exception:  # noqa: BLE001 - lark raises many types; all mean "not HCL"
        return REFUSED
    return hcl.body(tree.children[0])


def _ours(engine: Engine, text: str) -> Any:
    try:
        return engine.parse(text)
    except Rejected:
        return REFUSED


def assert_same(engine: Engine, text: str) -> None:
    text = text if text.endswith("\n") else text + "\n"
    text += "\n"  # what iacjit.parsers.terraform.hcl.parse_body hands over, as python-hcl2
    assert _ours(engine, text) == _oracle(text), text


TRICKY = [
    "a = 1\nb = -2\nc = 1 -2\nd = [1, -1, - 1]\n",
    "a = x.0.1\nb = x.0\nc = 0.1\nd = 1e3\ne = -1.5E-2\n",
    "a = b\n+ c\n+ d\nx = y\n? 1\n: 2\n",
    "a = b\n\n\n# comment\n// other\n/* block */ == c\n",
    "a = x\n- 1\n",  # MINUS is not merged: a new line, then an invalid attribute
    'in = 1\nfor = 2\nif = 3\nfor_each = 4\nelse = 5\nnull = 6\ntrue = 7\n',
    'o = { in = 1, for = 2, for_each = 3, if = 4 }\np = {\n  in = "h"\n  for = 2\n}\n',
    "l = [for x in y : x if x]\nm = {for k, v in y : k => v... if v}\nn = [for x inlist : x]\n",
    'in "label" x {\n  format = index\n  inx = forx\n}\n',
    's = "a ${b} c $${d} %%{e} %{ if f }g%{ else }h%{ endif }"\nt = "\\"q\\" \\n \\u0041"\n',
    't = "%{ for x in y }${x}%{ endfor }"\nu = "$ and % and $$ and %%"\n',
    "h = <<EOF\n  ${x}\n  y\nEOF\ni = <<-EOT\n    z\n    EOT\nj = <<E\nE\n",
    "h = <<EOF\r\nx\r\nEOF\r\nk = 1\r\n",
    "f = a.b[*].c\ng = a.*.b\nh = a[0][\"k\"]\ni = f(1, 2...)\nj = p::q::r(1)\n",
    "c = a ? b : c\nd = !a && b || c != d == e < f > g <= h >= i + j * k / l % m\n",
    "block\n{\n a = 1\n}\nempty {}\nlabels \"a\" b \"c\" {}\n",
    'a = (1\n)\nb = ( \n 1 + 2 \n )\nc = [\n 1,\n 2,\n]\nd = {\n a = 1,\n b: 2\n}\n',
    "a = 1 # trailing\nb = 2 // trailing\nc = 3 /* inline */\n/* multi\nline */\n",
    "\n\n\na = 1\n\n\n",
    "",
    "a = \"unterminated\n",
    "a = [1, 2\n",
    "resource \"x\" {\n",
    "a = 1 b = 2\n",
    "a == 1\n",
    "a = }\n",
    "@@@\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_layouts(engine, text):
    assert_same(engine, text)


def test_every_shipped_terraform_file(engine):
    files = sorted(REPO.glob("samples/**/*.tf")) + sorted(REPO.glob("tests/**/*.tf"))
    assert files
    for path in files:
        assert_same(engine, path.read_text())


@pytest.mark.parametrize("shape", [generate, generate_platform])
def test_the_benchmark_corpora(engine, tmp_path, shape):
    shape(tmp_path, 24)
    for path in sorted(tmp_path.rglob("*.tf")):
        assert_same(engine, path.read_text())


def test_valid_input_never_falls_back_to_lark(engine):
    # The loop accepts every input lark accepts: a refusal would silently cost speed.
    for text in TRICKY:
        text = (text if text.endswith("\n") else text + "\n") + "\n"
        if _oracle(text) is not REFUSED:
            assert _ours(engine, text) is not REFUSED, text


NESTED = {
    "brackets": ("[", "]", ""), "parentheses": ("(", ")", "1"), "objects": ("{a = ", "}", "1"),
    "calls": ("f(", ")", "1"), "blocks": ("b {\n", "}\n", ""),
}


@pytest.mark.parametrize(("opening", "closing", "middle"), NESTED.values(), ids=NESTED.keys())
def test_nesting_up_to_the_limit_is_read_deeper_is_reported(engine, opening, closing, middle):
    def nested(depth: int) -> str:
        text = opening * depth + middle + closing * depth
        return text if opening.startswith("b") else f"a = {text}\n"

    assert_same(engine, nested(30))  # deeper than any real file
    with pytest.raises(Rejected):
        engine.parse(nested(1000) + "\n")
    with pytest.raises(ParseError, match="nesting too deep"):
        hcl.parse_body(nested(1000))


def test_parse_body_uses_lark_for_errors():
    with pytest.raises(ParseError) as raised:
        hcl.parse_body("a = [1, 2\nb = 3\n")
    assert raised.value.line == 2


# -- hypothesis: HCL built from the grammar's pieces, with layout and keywords mixed in ------

NAMES = ["a", "b_c", "x-y", "in", "for", "if", "for_each", "else", "endif", "endfor", "null",
         "true", "false", "format", "index", "inx", "iff", "nullable", "truex", "E"]
SPACE = st.sampled_from(["", " ", "  ", "\t", "\n", " \n  ", "\n\n", " # c\n", " // c\n",
                         " /* c */ ", "/*\n*/", "\r\n"])
ATOMS = st.sampled_from([
    "1", "-1", "0", "42", "1.5", "-0.5", "1e3", "2.5E-3", "-1e+2", '"abc"', '""',
    '"a ${x} b"', '"${x.y[0]}"', '"q \\" \\n \\\\"', '"$${lit}"', '"%%{lit}"',
    '"%{ if x }y%{ else }z%{ endif }"', '"%{ for a, b in c ~}${a}%{~ endfor }"', '"$ %"',
    "<<EOF\nline ${x}\nEOF\n", "<<-EOT\n  a\n  EOT\n", "true", "false", "null",
]) | st.sampled_from(NAMES)


def _joined(parts: list[str], spaces: list[str]) -> str:
    return "".join(p + s for p, s in zip(parts, spaces + [""] * len(parts), strict=False))


@st.composite
def _compound(draw, inner):
    kind = draw(st.integers(0, 11))
    sp = SPACE
    a, b, c = draw(inner), draw(inner), draw(inner)
    name = draw(st.sampled_from(NAMES))
    if kind == 0:
        items = draw(st.lists(inner, max_size=3))
        sep = draw(st.sampled_from([",", ", ", ",\n", "\n,", ",\n\n"]))
        return "[" + draw(sp) + sep.join(items) + draw(st.sampled_from(["", ",", "\n"])) + "]"
    if kind == 1:
        items = draw(st.lists(st.tuples(st.sampled_from(NAMES + ['"k"', "(k)"]), inner,
                                        st.sampled_from([" = ", ": ", "="])), max_size=3))
        sep = draw(st.sampled_from([",", "\n", ",\n", ", "]))
        return "{" + draw(sp) + sep.join(k + o + v for k, v, o in items) + draw(sp) + "}"
    if kind == 2:
        return f"{name}({a}{draw(sp)}, {b}{draw(st.sampled_from(['', '...', ',']))})"
    if kind == 3:
        return f"{a}.{name}"
    if kind == 4:
        return f"{a}[{b}]" + draw(st.sampled_from(["", ".0", "[*].x", ".*.y", ".1"]))
    if kind == 5:
        op = draw(st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=",
                                   ">=", "&&", "||"]))
        return f"{a}{draw(sp)}{op}{draw(sp)}{b}"
    if kind == 6:
        return draw(st.sampled_from(["-", "!"])) + a
    if kind == 7:
        return f"{a}{draw(sp)}?{draw(sp)}{b}{draw(sp)}:{draw(sp)}{c}"
    if kind == 8:
        return f"({draw(sp)}{a}{draw(sp)})"
    if kind == 9:
        cond = draw(st.sampled_from(["", f" if {c}"]))
        return f"[for {name} in {a} : {b}{cond}]"
    if kind == 10:
        cond = draw(st.sampled_from(["", f" if {c}", "..."]))
        return f"{{for k, {name} in {a} : k => {b}{cond}}}"
    return f'"pre ${{{a}}} post"'


EXPRESSIONS = st.recursive(ATOMS, lambda inner: _compound(inner), max_leaves=8)


@st.composite
def _body(draw, depth=0):
    items = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.sampled_from(NAMES))
        if depth < 2 and draw(st.booleans()):
            labels = draw(st.lists(st.sampled_from(NAMES + ['"l"', '"a b"']), max_size=2))
            inner = draw(_body(depth + 1))
            items.append(f"{name} {' '.join(labels)} {draw(SPACE)}{{\n{inner}}}")
        else:
            eq = draw(st.sampled_from([" = ", "=", "  =  ", "\t= "]))
            items.append(f"{name}{eq}{draw(EXPRESSIONS)}")
    seps = [draw(st.sampled_from(["\n", "\n\n", " # c\n", "\n// c\n", " /* c */\n"]))
            for _ in items]
    return "".join(item + sep for item, sep in zip(items, seps, strict=True))


FAST = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])


@FAST
@given(_body())
def test_generated_hcl(engine, text):
    assert_same(engine, text)


SOUP = st.lists(st.sampled_from(
    ["a", "in", "for", "=", " ", "\n", "{", "}", "[", "]", "(", ")", '"', "${", "%{", "1",
     "-", ".", "*", ",", ":", "?", "=>", "...", "#", "/*", "*/", "<<EOF\n", "EOF", "\r",
     "::", "!", "&&", "e", "0.5", "~"]), max_size=30).map("".join)


@FAST
@given(SOUP)
def test_token_soup(engine, text):
    assert_same(engine, text)
