"""Variable type constraints, table-driven from Terraform's documented semantics.

Terraform's language documentation ("Type Constraints", "Optional Object Type Attributes",
"Input Variables: nullable") says: an omitted optional attribute is null, or its default when
optional(T, default) gives one (also when the caller passes null explicitly); defaults apply at
any depth, also inside the default of an outer optional attribute; conversion turns numbers and
bools into strings and back, tuples into lists, lists into sets (dropping duplicates) and drops
object attributes the type does not declare; a value that cannot be converted is an error.
"""

from __future__ import annotations

from typing import Any

import pytest

from iacjit.model.values import Unknown
from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.terraform.evaluator import Scope, evaluate
from iacjit.parsers.terraform.hcl import parse_expression
from iacjit.parsers.terraform.types import Mismatch, convert, parse_type


class _Constants:
    """Resolver for constant expressions: ``var.unknown`` stands for a value not yet known."""

    max_items = 1000
    max_chars = 100_000

    def resolve(self, name: str, scope: Scope) -> Any:
        return {"unknown": Unknown("known after apply")} if name == "var" else None


def _value(text: str) -> Any:
    scope = Scope(_Constants())
    return evaluate(parse_expression(text), scope)


def _convert(type_text: str, value_text: str) -> Any:
    scope = Scope(_Constants())
    type_ = parse_type(parse_expression(type_text), lambda node: evaluate(node, scope))
    return convert(_value(value_text), type_)


@pytest.mark.parametrize(("type_text", "value_text", "expected"), [
    # optional attributes: omitted -> null, or the default; explicit null -> the default
    ("object({ a = string, b = optional(string) })", '{ a = "x" }', {"a": "x", "b": None}),
    ("object({ a = optional(number, 5) })", "{}", {"a": 5}),
    ("object({ a = optional(number, 5) })", "{ a = null }", {"a": 5}),
    ("object({ a = optional(number, 5) })", "{ a = 7 }", {"a": 7}),
    # defaults at any depth, including inside an outer optional attribute's default
    ("object({ a = optional(object({ b = optional(string, \"d\") }), {}) })", "{}",
     {"a": {"b": "d"}}),
    ("object({ a = optional(object({ b = optional(string, \"d\"), c = optional(bool) })) })",
     "{ a = { c = true } }", {"a": {"b": "d", "c": True}}),
    ("object({ a = optional(object({ b = string })) })", "{}", {"a": None}),
    # objects inside maps, lists, sets and tuples
    ("map(object({ ports = optional(set(string)), access = string }))",
     '{ ssh = { access = "Allow" } }', {"ssh": {"ports": None, "access": "Allow"}}),
    ("list(object({ port = optional(number, 22) }))", "[{}, { port = 80 }]",
     [{"port": 22}, {"port": 80}]),
    ("set(object({ p = optional(string, \"tcp\") }))", "[{}, { p = \"tcp\" }]", [{"p": "tcp"}]),
    ("tuple([object({ a = optional(number, 1) }), string])", "[{}, 2]", [{"a": 1}, "2"]),
    ("map(tuple([number, number, string, string]))", '{ ssh-tcp = [22, "22", "tcp", "SSH"] }',
     {"ssh-tcp": [22, 22, "tcp", "SSH"]}),
    # primitive conversions
    ("string", "22", "22"),
    ("string", "true", "true"),
    ("number", '"22"', 22),
    ("number", '"1.5"', 1.5),
    ("bool", '"false"', False),
    ("list(number)", '["1", 2]', [1, 2]),
    ("map(string)", "{ a = 1, b = true }", {"a": "1", "b": "true"}),
    # collections: a set has no duplicates; object conversion drops undeclared attributes
    ("set(string)", '["a", "a", "b"]', ["a", "b"]),
    ("object({ a = string })", '{ a = "x", extra = 1 }', {"a": "x"}),
    # a required attribute may be null explicitly; null converts to any type
    ("object({ a = string })", "{ a = null }", {"a": None}),
    ("list(string)", "null", None),
    # any, bare collection names and the quoted pre-0.12 spellings accept their kind as is
    ("any", '{ a = [1, "b"] }', {"a": [1, "b"]}),
    ("list", '[1, "b"]', [1, "b"]),
    ('"map"', "{ a = 1 }", {"a": 1}),
    # unknown values pass through; the known parts are still converted
    ("object({ a = string, b = optional(number, 3) })", "{ a = var.unknown }",
     {"a": Unknown("known after apply"), "b": 3}),
])
def test_conversion(type_text, value_text, expected):
    assert _convert(type_text, value_text) == expected


@pytest.mark.parametrize(("type_text", "value_text", "message"), [
    ("object({ a = string })", "{}", 'attribute "a" is required'),
    ("number", '"abc"', "a number is required, got 'abc'"),
    ("number", "true", "a number is required, got a bool"),
    ("bool", "1", "a bool is required, got 1"),
    ("string", '["a"]', "a string is required, got a list"),
    ("list(string)", "{ a = 1 }", "a list is required, got an object"),
    ("map(string)", '["a"]', "a map is required, got a list"),
    ("tuple([string])", '["a", "b"]', "a tuple of 1 elements is required, got 2"),
    ("map(object({ priority = number }))", '{ ssh = { priority = "high" } }',
     "element \"ssh\": attribute \"priority\": a number is required, got 'high'"),
    ("list(object({ a = optional(object({ b = number })) }))", '[{ a = { b = "x" } }]',
     "element 0: attribute \"a\": attribute \"b\": a number is required, got 'x'"),
])
def test_mismatch_says_where(type_text, value_text, message):
    with pytest.raises(Mismatch) as caught:
        _convert(type_text, value_text)
    assert caught.value.describe() == message


@pytest.mark.parametrize("type_text", [
    "strng", "optional(string)", "list(string, number)", "object([string])", "map()",
    "object({ a = optional(number, \"x\") })",
])
def test_invalid_type_constraints(type_text):
    with pytest.raises(ParseError):
        _convert(type_text, "null")
