"""The intrinsic evaluator: every function, known and unknown inputs, malformed calls."""

from __future__ import annotations

import base64

import pytest

from iacjit.model.values import ResourceRef, Unknown
from iacjit.parsers.cloudformation.intrinsics import (
    NO_VALUE,
    Evaluator,
    Problem,
    parameter_values,
)

PARAMETERS = {
    "Env": "prod",
    "Port": 22,
    "Cidrs": ["10.0.0.0/8", "0.0.0.0/0"],
    "Missing": Unknown("parameter Missing has no Default"),
}
MAPPINGS = {"Net": {"prod": {"Cidr": "10.1.0.0/16", "Ports": [22, 3389]},
                    "dev": {"Cidr": "10.2.0.0/16"}},
            "ByPort": {22: {"Name": "ssh"}}}
CONDITIONS = {
    "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
    "IsDev": {"Fn::Equals": [{"Ref": "Env"}, "dev"]},
    "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
    "ProdOrDev": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "IsDev"}]},
    "ProdAndDev": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "IsDev"}]},
    "InUsEast": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
    "ProdOrRegion": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "InUsEast"}]},
    "DevAndRegion": {"Fn::And": [{"Condition": "IsDev"}, {"Condition": "InUsEast"}]},
    "ProdAndRegion": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "InUsEast"}]},
    "MissingSet": {"Fn::Equals": [{"Ref": "Missing"}, "x"]},
    "Loop": {"Fn::Not": [{"Condition": "Loop"}]},
    "PortIs22": {"Fn::Equals": [{"Ref": "Port"}, "22"]},
}


def evaluator() -> Evaluator:
    return Evaluator(parameters=dict(PARAMETERS), mappings=MAPPINGS, conditions=CONDITIONS,
                     resources=frozenset({"Sg", "Instance"}), max_items=100)


def unknown(fragment: str):
    return ("unknown", fragment)


CASES = [
    # (id, expression, expected value or unknown(fragment))
    ("literal", {"a": [1, "b"]}, {"a": [1, "b"]}),
    ("ref-param", {"Ref": "Env"}, "prod"),
    ("ref-list-param", {"Ref": "Cidrs"}, ["10.0.0.0/8", "0.0.0.0/0"]),
    ("ref-resource", {"Ref": "Sg"}, ResourceRef("Sg", "")),
    ("ref-region", {"Ref": "AWS::Region"}, unknown("pseudo parameter AWS::Region")),
    ("ref-account", {"Ref": "AWS::AccountId"}, unknown("AWS::AccountId")),
    ("ref-no-default", {"Ref": "Missing"}, unknown("no Default")),
    ("ref-undefined", {"Ref": "Nope"}, unknown("undefined name Nope")),
    ("getatt-list", {"Fn::GetAtt": ["Sg", "GroupId"]}, ResourceRef("Sg", "GroupId")),
    ("getatt-string", {"Fn::GetAtt": "Sg.GroupId"}, ResourceRef("Sg", "GroupId")),
    ("getatt-undefined", {"Fn::GetAtt": ["Nope", "Id"]}, unknown("undefined resource Nope")),
    ("sub-param", {"Fn::Sub": "${Env}-sg"}, "prod-sg"),
    ("sub-number", {"Fn::Sub": "port ${Port}"}, "port 22"),
    ("sub-vars", {"Fn::Sub": ["${A}/${B}", {"A": "10.0.0.0", "B": {"Ref": "Port"}}]},
     "10.0.0.0/22"),
    ("sub-literal", {"Fn::Sub": "${!Literal}-${Env}"}, "${Literal}-prod"),
    ("sub-pseudo", {"Fn::Sub": "${AWS::Region}-x"}, unknown("AWS::Region")),
    ("sub-only-ref", {"Fn::Sub": "${Sg.GroupId}"}, ResourceRef("Sg", "GroupId")),
    ("sub-only-resource", {"Fn::Sub": "${Sg}"}, ResourceRef("Sg", "")),
    ("sub-ref-in-text", {"Fn::Sub": "id-${Sg}"}, unknown("depends on Sg")),
    ("sub-undefined", {"Fn::Sub": "${Nope}"}, unknown("Nope is not defined")),
    ("join", {"Fn::Join": ["/", ["0.0.0.0", 0]]}, "0.0.0.0/0"),
    ("join-list-param", {"Fn::Join": [",", {"Ref": "Cidrs"}]}, "10.0.0.0/8,0.0.0.0/0"),
    ("join-unknown", {"Fn::Join": ["-", ["a", {"Ref": "AWS::StackName"}]]},
     unknown("Fn::Join: pseudo parameter AWS::StackName")),
    ("join-bool", {"Fn::Join": ["", [True]]}, "true"),
    ("select", {"Fn::Select": [1, {"Ref": "Cidrs"}]}, "0.0.0.0/0"),
    ("select-string-index", {"Fn::Select": ["0", ["a", "b"]]}, "a"),
    ("select-keeps-known-element", {"Fn::Select": [0, ["a", {"Ref": "AWS::Region"}]]}, "a"),
    ("select-out-of-range", {"Fn::Select": [5, ["a"]]}, unknown("out of range")),
    ("select-azs", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}, unknown("availability zones")),
    ("split", {"Fn::Split": [",", "a,b,c"]}, ["a", "b", "c"]),
    ("split-select", {"Fn::Select": [2, {"Fn::Split": ["/", "0.0.0.0/0"]}]}, unknown("range")),
    ("split-unknown", {"Fn::Split": [",", {"Ref": "AWS::NotificationARNs"}]},
     unknown("Fn::Split")),
    ("findinmap", {"Fn::FindInMap": ["Net", {"Ref": "Env"}, "Cidr"]}, "10.1.0.0/16"),
    ("findinmap-int-key", {"Fn::FindInMap": ["ByPort", {"Ref": "Port"}, "Name"]}, "ssh"),
    ("findinmap-list", {"Fn::FindInMap": ["Net", "prod", "Ports"]}, [22, 3389]),
    ("findinmap-missing", {"Fn::FindInMap": ["Net", "test", "Cidr"]}, unknown("not in Mappings")),
    ("findinmap-default", {"Fn::FindInMap": ["Net", "test", "Cidr", {"DefaultValue": "d"}]},
     "d"),
    ("findinmap-unknown-key", {"Fn::FindInMap": ["Net", {"Ref": "AWS::Region"}, "Cidr"]},
     unknown("AWS::Region")),
    ("if-true", {"Fn::If": ["IsProd", "a", "b"]}, "a"),
    ("if-false", {"Fn::If": ["IsDev", "a", "b"]}, "b"),
    ("if-novalue", {"Fn::If": ["IsDev", "a", {"Ref": "AWS::NoValue"}]}, NO_VALUE),
    ("if-unknown", {"Fn::If": ["InUsEast", "a", "b"]}, unknown("condition InUsEast")),
    ("if-unknown-same-branches", {"Fn::If": ["InUsEast", "a", "a"]}, "a"),
    ("if-undefined-condition", {"Fn::If": ["Nope", "a", "b"]}, unknown("not defined")),
    ("equals-true", {"Fn::Equals": ["a", "a"]}, True),
    ("equals-number-string", {"Fn::Equals": [22, "22"]}, True),
    ("equals-false", {"Fn::Equals": ["a", "b"]}, False),
    ("equals-unknown", {"Fn::Equals": [{"Ref": "AWS::Region"}, "x"]}, unknown("AWS::Region")),
    ("not", {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}, True),
    ("not-condition", {"Fn::Not": [{"Condition": "IsProd"}]}, False),
    ("and", {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": [1, 1]}]}, True),
    ("or", {"Fn::Or": [{"Condition": "IsDev"}, {"Condition": "IsProd"}]}, True),
    ("base64", {"Fn::Base64": {"Fn::Sub": "${Env}"}}, base64.b64encode(b"prod").decode()),
    ("base64-unknown", {"Fn::Base64": {"Ref": "AWS::StackId"}}, unknown("Fn::Base64")),
    ("cidr", {"Fn::Cidr": ["10.0.0.0/16", 3, 8]}, ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]),
    ("cidr-ipv6", {"Fn::Cidr": ["2001:db8::/56", 2, 64]}, ["2001:db8::/64", "2001:db8:0:1::/64"]),
    ("cidr-select", {"Fn::Select": [1, {"Fn::Cidr": ["10.0.0.0/16", 2, "8"]}]}, "10.0.1.0/24"),
    ("cidr-unknown", {"Fn::Cidr": [{"Fn::GetAtt": ["Sg", "Cidr"]}, 2, 8]},
     unknown("Fn::Cidr")),
    ("cidr-too-many", {"Fn::Cidr": ["10.0.0.0/16", 1000, 8]}, unknown("exceeds the limit of 100")),
    ("getazs", {"Fn::GetAZs": {"Ref": "AWS::Region"}}, unknown("availability zones")),
    ("importvalue", {"Fn::ImportValue": {"Fn::Sub": "${Env}-sg"}},
     unknown("Fn::ImportValue prod-sg")),
    ("transform", {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {}}},
     unknown("macro AWS::Include")),
    ("length", {"Fn::Length": {"Ref": "Cidrs"}}, 2),
    ("tojsonstring", {"Fn::ToJsonString": {"a": {"Ref": "Port"}}}, '{"a":22}'),
    ("unsupported", {"Fn::Bogus": 1}, unknown("not evaluated")),
    ("novalue-in-dict", {"a": {"Ref": "AWS::NoValue"}, "b": 1}, {"b": 1}),
    ("novalue-in-list", [1, {"Fn::If": ["IsDev", 2, {"Ref": "AWS::NoValue"}]}, 3], [1, 3]),
    ("not-an-intrinsic", {"Ref": "Env", "Other": 1}, {"Ref": "Env", "Other": 1}),
]


@pytest.mark.parametrize(("expression", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_evaluate(expression, expected):
    result = evaluator().evaluate(expression)
    if isinstance(expected, tuple) and expected[0] == "unknown":
        assert isinstance(result, Unknown), result
        assert expected[1] in result.reason
    else:
        assert result == expected


def test_if_with_unknown_condition_keeps_an_optional_entry_and_says_so():
    ev = evaluator()
    value = [{"Fn::If": ["InUsEast", {"a": 1}, {"Ref": "AWS::NoValue"}]}]
    assert ev.evaluate(value, out=("Properties", "List")) == [{"a": 1}]
    assert ev.notes == ["Properties.List.0 is kept although it exists only if condition "
                        "InUsEast: Fn::Equals: pseudo parameter AWS::Region is known only at "
                        "deployment"]


def test_not_an_intrinsic_keeps_nested_evaluation():
    # A two-key dict is data; its values are still evaluated.
    assert evaluator().evaluate({"Ref": {"Ref": "Env"}, "x": 1}) == {"Ref": "prod", "x": 1}


CONDITION_CASES = [
    ("IsProd", True),
    ("IsDev", False),
    ("NotProd", False),
    ("ProdOrDev", True),
    ("ProdAndDev", False),
    ("InUsEast", None),
    ("ProdOrRegion", True),  # a known true decides Fn::Or
    ("DevAndRegion", False),  # a known false decides Fn::And
    ("ProdAndRegion", None),
    ("MissingSet", None),
    ("Loop", None),
    ("PortIs22", True),
]


@pytest.mark.parametrize(("name", "expected"), CONDITION_CASES,
                         ids=[c[0] for c in CONDITION_CASES])
def test_conditions(name, expected):
    value = evaluator().condition(name)
    if expected is None:
        assert isinstance(value, Unknown)
        assert name in value.reason
    else:
        assert value is expected


def test_condition_loop_is_a_problem():
    ev = evaluator()
    ev.condition("Loop")
    assert any("refers to itself" in p.message for p in ev.problems)


MALFORMED = [
    ({"Ref": ["x"]}, "malformed Ref"),
    ({"Fn::Join": "a"}, "malformed Fn::Join"),
    ({"Fn::Join": ["", "abc"]}, "malformed Fn::Join"),
    ({"Fn::Select": ["x", ["a"]]}, "malformed Fn::Select"),
    ({"Fn::Split": ["", "abc"]}, "malformed Fn::Split"),
    ({"Fn::If": ["IsProd", "a"]}, "malformed Fn::If"),
    ({"Fn::Equals": ["a"]}, "malformed Fn::Equals"),
    ({"Fn::And": [{"Condition": "IsProd"}]}, "malformed Fn::And"),
    ({"Fn::Sub": ["${A}", "notamap"]}, "malformed Fn::Sub"),
    ({"Fn::Cidr": ["nonsense", 2, 8]}, "malformed Fn::Cidr"),
    ({"Fn::Cidr": ["10.0.0.0/24", 2, 16]}, "malformed Fn::Cidr"),
    ({"Fn::FindInMap": ["Net"]}, "malformed Fn::FindInMap"),
    ({"Fn::GetAtt": 3}, "malformed Fn::GetAtt"),
]


@pytest.mark.parametrize(("expression", "message"), MALFORMED,
                         ids=[m[1] + "-" + str(i) for i, m in enumerate(MALFORMED)])
def test_malformed_calls_are_problems_not_exceptions(expression, message):
    ev = evaluator()
    result = ev.evaluate(expression, src=("Resources", "X"))
    assert isinstance(result, Unknown)
    assert any(p.message.startswith(message) and p.path[:2] == ("Resources", "X")
               for p in ev.problems), ev.problems


def test_long_strings_are_bounded():
    ev = Evaluator(max_string_chars=10)
    assert isinstance(ev.evaluate({"Fn::Join": ["", ["x" * 6, "y" * 6]]}), Unknown)


def test_depth_is_bounded():
    value: object = "leaf"
    for _ in range(50):
        value = [value]
    ev = Evaluator(max_depth=20)
    assert "nesting deeper" in str(ev.evaluate(value))


def test_span_sink_follows_if_branches_and_novalue():
    ev = evaluator()
    sink: dict = {}
    value = [
        {"Fn::If": ["IsDev", {"a": 1}, {"Ref": "AWS::NoValue"}]},
        {"Fn::If": ["IsProd", {"b": 2}, {"c": 3}]},
    ]
    result = ev.evaluate(value, ("P",), ("Q",), sink)
    assert result == [{"b": 2}]
    assert sink[("Q", 0)] == ("P", 1, "Fn::If", 1)
    assert sink[("Q", 0, "b")] == ("P", 1, "Fn::If", 1, "b")


PARAMETER_CASES = [
    # (definition, supplied, expected)
    ({"Type": "String", "Default": "a"}, {}, "a"),
    ({"Type": "String", "Default": "a"}, {"P": "b"}, "b"),
    ({"Type": "Number", "Default": 22}, {}, 22),
    ({"Type": "String"}, {}, unknown("no Default and no value was supplied")),
    ({"Type": "String"}, {"P": "x"}, "x"),
    ({"Type": "CommaDelimitedList", "Default": "a, b,c"}, {}, ["a", "b", "c"]),
    ({"Type": "List<AWS::EC2::SecurityGroup::Id>", "Default": "sg-1,sg-2"}, {},
     ["sg-1", "sg-2"]),
    ({"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cidr"}, {},
     unknown("SSM parameter '/cidr'")),
]


@pytest.mark.parametrize(("definition", "supplied", "expected"), PARAMETER_CASES)
def test_parameter_values(definition, supplied, expected):
    problems: list[Problem] = []
    value = parameter_values({"P": definition}, supplied, problems)["P"]
    if isinstance(expected, tuple):
        assert isinstance(value, Unknown)
        assert expected[1] in value.reason
    else:
        assert value == expected
    assert not problems


def test_malformed_parameters():
    problems: list[Problem] = []
    assert parameter_values(["x"], {}, problems) == {}
    values = parameter_values({"P": "String"}, {}, problems)
    assert isinstance(values["P"], Unknown)
    assert len(problems) == 2
