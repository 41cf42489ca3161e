"""Line spans of attributes and blocks, read from tokens by the position-free parser.

iacjit parses HCL with python-hcl2's tables but without lark's ``propagate_positions`` (about
40% of a parse).  Spans feed every finding's location, suppression comment and fingerprint, so
they must be exactly what the propagated positions gave: each row is checked against the
expected lines and against python-hcl2's own (position-propagating) parser as an oracle.
"""

from __future__ import annotations

import pytest
from hcl2.parser import parser as stock_parser
from helpers import REPO

from iacjit.parsers.terraform import ast, hcl

# (HCL text, [(attribute name, line, end_line)], [(block type, line, end_line)])
CASES = [
    ("a = 1\n", [("a", 1, 1)], []),
    ("a = <<EOF\nx\ny\nEOF\n", [("a", 1, 5)], []),  # the heredoc token ends after its newline
    ("a = <<-EOF\n  x\n  EOF\nb = 2\n", [("a", 1, 4), ("b", 4, 4)], []),
    ('resource "x" "y" {\n  a = [\n 1,\n 2\n ]\n # c\n}\n', [], [("resource", 1, 7)]),
    ('resource "x" "y" {}\n', [], [("resource", 1, 1)]),
    ('r "x" {\n  inner {\n  }\n  b = { k = "v"\n }\n}\n', [], [("r", 1, 6)]),
    ('a = "x ${var.y} z"\n/* c\n */\nb = c.d[*].e\n', [("a", 1, 1), ("b", 4, 4)], []),
    ("a = f(1,\n 2,\n x...)\n", [("a", 1, 3)], []),
    ("block\n{\n a = 1\n}\n", [], [("block", 1, 4)]),
    ("d = (1\n)\nc = !true\n", [("d", 1, 2), ("c", 3, 3)], []),
    ("c = {for k, v in m : k => v...}\nb = [for x in y : x if x]\n",
     [("c", 1, 1), ("b", 2, 2)], []),
]


def _propagated(text: str) -> ast.Body:
    """The same Body built from python-hcl2's stock tree, with lark's propagated positions."""
    original = hcl._lines
    hcl._lines = lambda tree: (tree.meta.line, tree.meta.end_line)
    try:
        return hcl.body(stock_parser().parse(text + "\n").children[0])
    finally:
        hcl._lines = original


@pytest.mark.parametrize(("text", "attributes", "blocks"), CASES)
def test_spans_come_from_tokens(text, attributes, blocks):
    body = hcl.parse_body(text)
    assert [(a.name, a.line, a.end_line) for a in body.attributes.values()] == attributes
    assert [(b.type, b.line, b.end_line) for b in body.blocks] == blocks
    assert body == _propagated(text)


def test_parser_skips_position_propagation():
    # If lark's saved form changes, hcl.tree_parser falls back to the stock parser: still
    # correct, but the speed-up is gone; this says so instead of letting it pass unnoticed.
    assert hcl.tree_parser().options.propagate_positions is False
    assert hcl.tree_parser().options.parser == "lalr"


def test_samples_parse_the_same_as_with_propagated_positions():
    files = sorted(REPO.glob("samples/**/*.tf"))
    assert files
    for path in files:
        text = path.read_text()
        assert hcl.parse_body(text) == _propagated(text if text.endswith("\n") else text + "\n")


def test_the_parse_loop_needs_no_derived_tables(monkeypatch):
    # The loop runs python-hcl2's own (cached) parser: deriving lark's position-free tables is
    # left to the texts the loop gives lark.
    from iacjit.cache import files as fastparse

    def derive():
        raise AssertionError("only lark's fallback derives tables")

    monkeypatch.setattr(hcl, "_parser", None)
    monkeypatch.setattr(hcl, "position_free_tables", derive)
    fastparse.ready_hcl_parser()
    assert hcl.parse_body("a = 1\nb {\n c = [\n 1]\n}\n") == ast.Body(
        {"a": ast.Attribute("a", ast.Literal(1), 1, 1)},
        [ast.Block("b", (), ast.Body({"c": ast.Attribute(
            "c", ast.TupleExpr((ast.Literal(1),)), 3, 4)}, []), 2, 5)])


def test_unusable_tables_change_nothing(monkeypatch):
    monkeypatch.setattr(hcl, "_parser", None)
    assert not hcl.use_tables({"data": {}, "memo": {}})
    assert not hcl.use_tables(None)
    assert hcl._parser is None
    assert hcl.tree_parser().options.propagate_positions is False  # derived on first use
