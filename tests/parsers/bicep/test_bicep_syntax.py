"""The Bicep reader alone: declarations, located nodes and syntax errors as Bicep reports them."""

from __future__ import annotations

import pytest

from iacjit.parsers.bicep import ast as A
from iacjit.parsers.bicep.syntax import parse_template


def parse(text: str, param_file: bool = False) -> A.Template:
    template, errors = parse_template(text, 50, param_file)
    assert not errors, [(e.line, e.column, str(e)) for e in errors]
    return template


DECLARATIONS = """\
targetScope = 'subscription'
metadata owner = 'net'
import { a, b as c } from 'types.bicep'
import * as t from 'br/public:avm/utl/types/avm-common-types:0.5.1'
extension 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:0.1.8-preview' as graph
provider kubernetes with {
  namespace: 'x'
} as k8s
@minLength(1)
param names string[]
param mode ('a' | 'b')? = null
param nsg resource 'Microsoft.Network/networkSecurityGroups@2023-05-01'
var count int = length(names)
@export()
type pair = [string, int]
type rules = resourceInput<'Microsoft.Network/networkSecurityGroups@2023-05-01'>['properties']
type tagged = {
  @discriminator('kind')
  *: { kind: 'x' } | { kind: 'y' }
}
func greet(who string) string => 'hi ${who}'
resource old 'Microsoft.Network/networkSecurityGroups@2023-05-01' existing = {
  name: 'old'
}
@batchSize(2)
module m './m.bicep' = [for n in names: {
  name: n
}]
output first string = names[0]
assert nonEmpty = count > 0
"""


def test_every_declaration_kind():
    tpl = parse(DECLARATIONS)
    assert tpl.target_scope == "subscription"
    assert [i.source for i in tpl.imports] == ["types.bicep",
                                              "br/public:avm/utl/types/avm-common-types:0.5.1"]
    assert tpl.imports[0].names == (("a", "a"), ("b", "c"))
    assert tpl.imports[1].namespace == "t"
    assert [(e.spec, e.alias) for e in tpl.extensions] == [
        ("br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:0.1.8-preview", "graph"),
        ("kubernetes", "k8s"),
    ]
    assert set(tpl.params) == {"names", "mode", "nsg"}
    assert tpl.params["mode"].nullable
    assert tpl.params["nsg"].type is not None and tpl.params["nsg"].type.kind == "resource"
    assert set(tpl.types) == {"pair", "rules", "tagged"}
    assert tpl.functions["greet"].params == ("who",)
    assert tpl.resources[0].existing
    assert isinstance(tpl.modules[0].value, A.For)
    assert len(tpl.modules[0].decorators) == 1
    assert set(tpl.outputs) == {"first"}
    assert [(o.keyword, o.name) for o in tpl.others] == [("metadata", "owner"),
                                                        ("assert", "nonEmpty")]


def test_bicepparam_file():
    tpl = parse("using './main.bicep'\nvar base = '10.0'\nparam source = '${base}.0.0/16'\n",
                param_file=True)
    assert tpl.using == "./main.bicep"
    assert set(tpl.assignments) == {"source"} and set(tpl.variables) == {"base"}


def test_nodes_are_located_start_and_end():
    tpl = parse(
        "resource nsg 'Microsoft.Network/networkSecurityGroups@2023-05-01' = {\n"
        "  name: 'web'\n"
        "  properties: {\n"
        "    securityRules: [\n"
        "      {\n"
        "        name: 'ssh'\n"
        "      }\n"
        "    ]\n"
        "  }\n"
        "}\n"
    )
    body = tpl.resources[0].value
    assert isinstance(body, A.Obj)
    props = body.pairs[1]
    assert isinstance(props, A.Pair) and isinstance(props.value, A.Obj)
    rules = props.value.pairs[0]
    assert isinstance(rules, A.Pair) and isinstance(rules.value, A.Arr)
    rule = rules.value.items[0]
    assert (rule.line, rule.column, rule.end_line, rule.end_column) == (5, 7, 7, 8)
    assert isinstance(rule, A.Obj)
    name = rule.pairs[0]
    assert (name.line, name.column, name.end_line, name.end_column) == (6, 9, 6, 20)
    decl = tpl.resources[0]
    assert (decl.line, decl.column, decl.end_line, decl.end_column) == (1, 1, 10, 2)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("2 * 3 + 1", ("+", "*")),
        ("a ?? b || c", ("??", None)),
        ("!a && b", ("&&", None)),
        ("a == b && c", ("&&", "==")),
        ("x.?y!.z", None),
    ],
)
def test_operator_precedence(source, expected):
    node = parse(f"var v = {source}\n").variables["v"].value
    if expected is None:
        assert isinstance(node, A.Binary | A.Member)
        return
    assert isinstance(node, A.Binary) and node.op == expected[0]
    if expected[1]:
        assert isinstance(node.left, A.Binary) and node.left.op == expected[1]


@pytest.mark.parametrize(
    ("source", "line", "column", "message"),
    [
        ("var a = \n", 1, 9, "expected an expression but found a new line"),
        ("var = 1\n", 1, 5, "expected a variable name but found '='"),
        ("param p string = 'x' 'y'\n", 1, 22,
         "expected a new line after the declaration but found a string"),
        ("resource r 'T@1' = 5\n", 1, 20,
         "expected an object '{', 'if' or a for-loop '[for' but found the number 5"),
        ("var o = {\n  a: 1 b: 2\n}\n", 2, 8, "expected a new line, ',' or '}' but found 'b'"),
        ("var s = 'open\n", 1, 9, "unterminated string: a quote ' was expected"),
        ("var s = '\\q'\n", 1, 10, "unknown escape sequence \\q"),
        ("module m 'x${y}.bicep' = {}\n", 1, 10, "the module path cannot use string interpolation"),
        ("bogus x = 1\n", 1, 1, "expected a declaration"),
        ("var c = a ? b\n", 1, 14, "expected ':' of the conditional expression"),
    ],
)
def test_syntax_errors_say_where_and_what_was_expected(source, line, column, message):
    _, errors = parse_template(source, 50)
    assert (errors[0].line, errors[0].column) == (line, column)
    assert str(errors[0]).startswith(message)


def test_nesting_deeper_than_the_limit_is_a_located_error():
    _, errors = parse_template("var a = " + "[" * 60 + "]" * 60 + "\n", 50)
    (error,) = errors
    assert error.limit and "deeper than 50" in str(error) and error.line == 1
