"""Bicep source parser and evaluator: constructs, values, lines and bad inputs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from iacjit.model.values import DEPLOYMENT_RESOURCE_GROUP, DEPLOYMENT_SUBSCRIPTION, Unknown
from iacjit.parsers.bicep.parser import local_module_files, parse_file
from iacjit.parsers.common.options import Limits, ParseOptions

RG = f"/subscriptions/{DEPLOYMENT_SUBSCRIPTION}/resourceGroups/{DEPLOYMENT_RESOURCE_GROUP}"
NSG_TYPE = "Microsoft.Network/networkSecurityGroups"
RULE_TYPE = "Microsoft.Network/networkSecurityGroups/securityRules"


def parse(tmp_path: Path, source: str, name: str = "main.bicep", options=None, **files: str):
    for rel, text in files.items():
        target = tmp_path / rel.replace("__", "/").replace("_bicep", ".bicep")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    path = tmp_path / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return parse_file(path, name, options or ParseOptions())


def by_address(result):
    return {r.address: r for r in result.resources}


def value_of(tmp_path: Path, expression: str, prelude: str = ""):
    """Evaluate one expression by putting it in a resource property."""
    result = parse(
        tmp_path,
        f"""{prelude}
resource r 'Microsoft.Test/things@2020-01-01' = {{
  name: 'r'
  properties: {{
    v: {expression}
  }}
}}
""",
    )
    assert not result.errors, result.errors
    return result.resources[0].attributes["properties"]["v"]


# -- expressions --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2 * 3 + 1", 7),
        ("1 + 2 * 3", 7),
        ("10 - 4 - 3", 3),
        ("(1 + 2) * 3", 9),
        ("2 * (3) + (4)", 10),
        ("7 / 2", 3),
        ("-7 / 2", -3),
        ("-7 % 3", -1),
        ("-1 + 2", 1),
        ("!false && true", True),
        ("true || false && false", True),
        ("1 == 1 && 2 > 3", False),
        ("'A' =~ 'a'", True),
        ("'A' == 'a'", False),
        ("true ? 'a' : false ? 'b' : 'c'", "a"),
        ("false ? 'a' : false ? 'b' : 'c'", "c"),
        ("null ?? 'x'", "x"),
        ("'web-${1 + 1}-${toUpper('x')}'", "web-2-X"),
        ("'it\\'s \\${literal}'", "it's ${literal}"),
        ("concat('a', 'b', string(3))", "ab3"),
        ("format('{0}-{1:D3}', 'vm', 7)", "vm-007"),
        ("length([1, 2, 3])", 3),
        ("union({a: 1}, {b: 2})", {"a": 1, "b": 2}),
        ("contains(['22', '3389'], '22')", True),
        ("split('a,b', ',')[1]", "b"),
        ("range(1, 3)", [1, 2, 3]),
        ("first(skip(range(0, 5), 2))", 2),
        ("map([1, 2], x => x * 10)", [10, 20]),
        ("filter(range(0, 5), x => x % 2 == 0)", [0, 2, 4]),
        ("{a: {b: [10, 20]}}.a.b[1]", 20),
        ("sys.toLower('ABC')", "abc"),
        ("[for x in range(0, 3): x * 2]", [0, 2, 4]),
        ("[for (x, i) in ['a', 'b']: '${x}${i}']", ["a0", "b1"]),
        ("[for e in items({b: 2, a: 1}): e.key]", ["a", "b"]),
        ("subscription().subscriptionId", DEPLOYMENT_SUBSCRIPTION),
        ("subscription().id", f"/subscriptions/{DEPLOYMENT_SUBSCRIPTION}"),
        ("resourceGroup().name", DEPLOYMENT_RESOURCE_GROUP),
        ("resourceGroup().id", RG),
        (
            "resourceId('Microsoft.Network/networkSecurityGroups', 'web-nsg')",
            f"{RG}/providers/Microsoft.Network/networkSecurityGroups/web-nsg",
        ),
        (
            "resourceId('Microsoft.Network/networkSecurityGroups/securityRules', 'n', 'r')",
            f"{RG}/providers/Microsoft.Network/networkSecurityGroups/n/securityRules/r",
        ),
    ],
)
def test_expressions(tmp_path, expression, expected):
    assert value_of(tmp_path, expression) == expected


def test_identifier_and_string_literal_differ(tmp_path):
    prelude = "param location string = 'westeurope'\n"
    assert value_of(tmp_path, "location", prelude) == "westeurope"
    assert value_of(tmp_path, "'location'", prelude) == "location"


def test_declaration_order_does_not_matter(tmp_path):
    value = value_of(tmp_path, "b", "var b = '${a}-b'\nvar a = 'a'\n")
    assert value == "a-b"


@pytest.mark.parametrize(
    ("expression", "prelude", "reason"),
    [
        ("p", "param p string\n", "no default value"),
        ("resourceGroup().location", "", "location"),
        ("reference('x').properties", "", "deployment time"),
        ("listKeys('x', '2020-01-01')", "", "deployment time"),
        ("utcNow()", "", "deployment time"),
        ("noSuchFunction(1)", "", "not supported"),
        ("a", "var a = b\nvar b = a\n", "refers to itself"),
        ("'x-${p}'", "param p string\n", "no default value"),
        ("[1][5]", "", "out of range"),
    ],
)
def test_unknowns_carry_a_reason(tmp_path, expression, prelude, reason):
    value = value_of(tmp_path, expression, prelude)
    assert isinstance(value, Unknown)
    assert reason in value.reason


def test_short_circuit_decides_despite_unknown(tmp_path):
    prelude = "param p bool\n"
    assert value_of(tmp_path, "false && p", prelude) is False
    assert value_of(tmp_path, "true || p", prelude) is True
    assert isinstance(value_of(tmp_path, "true && p", prelude), Unknown)


def test_safe_dereference_and_nullable_param(tmp_path):
    prelude = "param cfg object = {}\nparam opt string?\n"
    assert value_of(tmp_path, "cfg.?missing ?? 'dflt'", prelude) == "dflt"
    assert isinstance(value_of(tmp_path, "cfg.missing", prelude), Unknown)
    assert value_of(tmp_path, "opt ?? 'none'", prelude) == "none"


# -- resources ----------------------------------------------------------------------------
NSG = """
param prefix string = 'web'
var ports = [
  22
  3389
]

resource nsg 'Microsoft.Network/networkSecurityGroups@2023-05-01' = {
  name: '${prefix}-nsg'
  location: 'westeurope'
  properties: {
    securityRules: [for (port, i) in ports: {
      name: 'allow-${port}'
      properties: {
        priority: 100 + i
        destinationPortRange: string(port)
      }
    }]
  }

  resource nested 'securityRules' = {
    name: 'nested'
    properties: {
      priority: 300
    }
  }
}

resource child 'Microsoft.Network/networkSecurityGroups/securityRules@2023-05-01' = {
  parent: nsg
  name: 'allow-rdp'
  properties: {
    priority: 200
    ref: nsg.id
    parentName: nsg.name
    nestedName: nsg::nested.name
  }
}
"""


def test_resource_shape_matches_arm(tmp_path):
    result = parse(tmp_path, NSG)
    assert not result.errors
    resources = by_address(result)
    nsg = resources[f"{NSG_TYPE}/web-nsg"]
    assert nsg.type == NSG_TYPE
    assert nsg.source_format == "bicep"
    assert nsg.file == nsg.root == "main.bicep"
    assert nsg.attributes["name"] == "web-nsg"
    assert nsg.attributes["type"] == NSG_TYPE
    assert nsg.attributes["apiVersion"] == "2023-05-01"
    assert nsg.attributes["location"] == "westeurope"
    rules = nsg.attributes["properties"]["securityRules"]
    assert [r["name"] for r in rules] == ["allow-22", "allow-3389"]
    assert [r["properties"]["priority"] for r in rules] == [100, 101]
    assert rules[1]["properties"]["destinationPortRange"] == "3389"
    assert "nested" not in nsg.attributes  # children become resources of their own


def test_nested_and_parent_children_are_composed(tmp_path):
    resources = by_address(parse(tmp_path, NSG))
    nested = resources[f"{RULE_TYPE}/web-nsg/nested"]
    assert nested.attributes["name"] == "web-nsg/nested"
    assert nested.attributes["type"] == RULE_TYPE
    assert nested.attributes["apiVersion"] == "2023-05-01"  # inherited from the parent
    child = resources[f"{RULE_TYPE}/web-nsg/allow-rdp"]
    assert "parent" not in child.attributes
    props = child.attributes["properties"]
    assert props["ref"] == f"{RG}/providers/{NSG_TYPE}/web-nsg"
    assert props["parentName"] == "web-nsg"
    assert props["nestedName"] == "web-nsg/nested"


def test_lines_of_resources_and_loop_elements(tmp_path):
    resources = by_address(parse(tmp_path, NSG))
    nsg = resources[f"{NSG_TYPE}/web-nsg"]
    assert (nsg.span.line, nsg.span.end_line) == (8, 27)
    # Loop elements point at the loop body, nested properties at their own line.
    assert nsg.span_of(("properties", "securityRules", 1)).line == 12
    assert nsg.span_of(("properties", "securityRules", 1, "properties", "priority")).line == 15
    nested = resources[f"{RULE_TYPE}/web-nsg/nested"]
    assert (nested.span.line, nested.span.end_line) == (21, 26)


def test_static_array_elements_have_their_own_lines(tmp_path):
    result = parse(
        tmp_path,
        """
        resource nsg 'Microsoft.Network/networkSecurityGroups@2023-05-01' = {
          name: 'n'
          properties: {
            securityRules: [
              {
                name: 'a'
              }
              {
                name: 'b'
              }
            ]
          }
        }
        """,
    )
    nsg = result.resources[0]
    assert nsg.span_of(("properties", "securityRules", 0)).line == 6
    assert nsg.span_of(("properties", "securityRules", 1)).line == 9


def test_resource_loops_conditions_and_existing(tmp_path):
    result = parse(
        tmp_path,
        """
param deployOptional bool = false
param unknownFlag bool
resource nsgs 'Microsoft.Network/networkSecurityGroups@2023-05-01' = [for i in range(0, 2): {
  name: 'nsg-${i}'
}]
resource skipped 'Microsoft.Network/networkSecurityGroups@2023-05-01' = if (deployOptional) {
  name: 'skipped'
}
resource maybe 'Microsoft.Network/networkSecurityGroups@2023-05-01' = if (unknownFlag) {
  name: 'maybe'
}
resource old 'Microsoft.Network/networkSecurityGroups@2023-05-01' existing = {
  name: 'old-nsg'
}
resource r 'Microsoft.Network/networkSecurityGroups/securityRules@2023-05-01' = {
  parent: old
  name: 'rule'
  properties: {
    first: nsgs[1].id
    count: length(nsgs)
  }
}
        """,
    )
    resources = by_address(result)
    assert set(resources) == {
        f"{NSG_TYPE}/nsg-0",
        f"{NSG_TYPE}/nsg-1",
        f"{NSG_TYPE}/maybe",
        f"{RULE_TYPE}/old-nsg/rule",
    }
    assert any("not known" in n for n in resources[f"{NSG_TYPE}/maybe"].notes)
    props = resources[f"{RULE_TYPE}/old-nsg/rule"].attributes["properties"]
    assert props["first"].endswith("/networkSecurityGroups/nsg-1")
    assert props["count"] == 2


def test_loop_over_unknown_collection_keeps_one_instance_with_a_note(tmp_path):
    result = parse(
        tmp_path,
        """
        param names array
        resource nsgs 'Microsoft.Network/networkSecurityGroups@2023-05-01' = [for n in names: {
          name: n
        }]
        """,
    )
    (only,) = result.resources
    assert isinstance(only.attributes["name"], Unknown)
    assert only.address == f"{NSG_TYPE}/nsgs"
    assert any("could not be expanded" in n for n in only.notes)


def test_loop_limit(tmp_path):
    options = ParseOptions(limits=Limits(max_loop_items=5))
    result = parse(
        tmp_path,
        """
resource nsgs 'Microsoft.Network/networkSecurityGroups@2023-05-01' = [for i in range(0, 50): {
  name: 'n${i}'
}]
        """,
        options=options,
    )
    assert len(result.resources) == 1
    assert any("limit" in e.message for e in result.errors)


def test_string_limit(tmp_path):
    options = ParseOptions(limits=Limits(max_string_chars=10))
    result = parse(
        tmp_path,
        """
        resource r 'Microsoft.Test/things@2020-01-01' = {
          name: 'r'
          properties: {
            v: '${'abcdef'}${'ghijkl'}'
          }
        }
        """,
        options=options,
    )
    assert isinstance(result.resources[0].attributes["properties"]["v"], Unknown)


# -- modules ------------------------------------------------------------------------------
MODULE = """
param nsgName string
param source string = '10.0.0.0/8'
resource n 'Microsoft.Network/networkSecurityGroups@2023-05-01' = {
  name: nsgName
  properties: {
    securityRules: [
      {
        name: 'ssh'
        properties: {
          sourceAddressPrefix: source
        }
      }
    ]
  }
}
output id string = n.id
"""


def test_local_module_with_params(tmp_path):
    result = parse(
        tmp_path,
        """
        module jump 'modules/nsg.bicep' = {
          name: 'jump'
          params: {
            nsgName: 'jump-nsg'
            source: '*'
          }
        }
        module loops './modules/nsg.bicep' = [for i in range(0, 2): {
          name: 'm${i}'
          params: {
            nsgName: 'loop-${i}'
          }
        }]
        resource t 'Microsoft.Test/things@2020-01-01' = {
          name: 't'
          properties: {
            fromOutput: jump.outputs.id
          }
        }
        """,
        modules__nsg_bicep=MODULE,
    )
    assert not result.errors
    resources = by_address(result)
    jump = resources[f"{NSG_TYPE}/jump-nsg"]
    assert jump.file == "modules/nsg.bicep"
    assert jump.root == "main.bicep"
    assert jump.span.line == 4
    rule = jump.attributes["properties"]["securityRules"][0]
    assert rule["properties"]["sourceAddressPrefix"] == "*"
    assert f"{NSG_TYPE}/loop-0" in resources and f"{NSG_TYPE}/loop-1" in resources
    assert (
        resources[f"{NSG_TYPE}/loop-1"].attributes["properties"]["securityRules"][0]["properties"][
            "sourceAddressPrefix"
        ]
        == "10.0.0.0/8"
    )
    assert resources["Microsoft.Test/things/t"].attributes["properties"]["fromOutput"] == (
        f"{RG}/providers/{NSG_TYPE}/jump-nsg"
    )
    assert local_module_files(tmp_path / "main.bicep", ParseOptions()) == [
        (tmp_path / "modules/nsg.bicep").resolve()
    ]


def test_remote_module_is_not_scanned(tmp_path):
    result = parse(
        tmp_path,
        """
        module a 'br:mcr.microsoft.com/bicep/network/nsg:1.0.0' = {
          name: 'a'
        }
        module b 'ts:00000000-0000-0000-0000-000000000000/rg/spec:1.0' = {
          name: 'b'
        }
        """,
    )
    assert not result.errors
    assert [n.line for n in result.not_scanned] == [2, 5]
    assert "not fetched" in result.not_scanned[0].reason


def test_a_remote_module_in_a_loop_is_listed_once(tmp_path):
    result = parse(
        tmp_path,
        """
        module a 'br:mcr.microsoft.com/bicep/network/nsg:1.0.0' = [for i in range(0, 3): {
          name: 'a${i}'
        }]
        """,
    )
    assert [n.line for n in result.not_scanned] == [2]


def test_module_cycle_missing_file_and_depth(tmp_path):
    result = parse(
        tmp_path,
        """
        module self './main.bicep' = {
          name: 'self'
        }
        module gone './nope.bicep' = {
          name: 'gone'
        }
        """,
    )
    messages = [e.message for e in result.errors]
    assert any("cycle" in m for m in messages)
    assert any("not found" in m for m in messages)

    options = ParseOptions(limits=Limits(max_module_depth=1))
    result = parse(
        tmp_path,
        "module a './a.bicep' = {\n  name: 'a'\n}\n",
        options=options,
        a_bicep="module b './b.bicep' = {\n  name: 'b'\n}\n",
        b_bicep="resource x 'Microsoft.Test/t@2020-01-01' = {\n  name: 'x'\n}\n",
    )
    assert any("deeper than 1" in e.message for e in result.errors)
    assert not result.resources


def test_module_syntax_error_is_reported_against_the_module(tmp_path):
    result = parse(
        tmp_path,
        "module a './bad.bicep' = {\n  name: 'a'\n}\n",
        bad_bicep="resource x 'Microsoft.Test/t@2020-01-01' = {\n  name: \n}\n",
    )
    assert [e.file for e in result.errors] == ["bad.bicep"]


# -- newer syntax, evaluated --------------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "prelude", "expected"),
    [
        ("[for x in range(0, 4): if (x > 1) { a: x }]", "", [{"a": 2}, {"a": 3}]),
        ("[for (x, i) in ['a', 'b', 'c']: if (i != 1) x]", "", ["a", "c"]),
        ("{\n  ...base\n  b: 2\n}", "var base = {\n  a: 1\n  b: 1\n}\n", {"a": 1, "b": 2}),
        ("[0, ...xs, 3]", "var xs = [\n  1\n  2\n]\n", [0, 1, 2, 3]),
        ("map(['a', 'b'], (x, i) => '${x}${i}')", "", ["a0", "b1"]),
        ("reduce([1, 2, 3], 0, (acc, x) => acc + x)", "", 6),
        ("{\n  '${key}': {}\n}", "var key = 'id-1'\n", {"id-1": {}}),
        ("cfg.?a.?b ?? 'd'", "var cfg = {}\n", "d"),
        ("cfg!.a", "var cfg = {\n  a: 1\n}\n", 1),
        ("true\n      ? 'yes'\n      : 'no'", "", "yes"),
        ("\'\'\'\nline\n\'\'\'", "", "line\n"),
        ("double(21)", "func double(x int) int => x * 2\n", 42),
        ("+5 - -2", "", 7),
    ],
)
def test_newer_syntax_is_evaluated(tmp_path, expression, prelude, expected):
    assert value_of(tmp_path, expression, prelude) == expected


def test_typed_declarations_and_imports_parse(tmp_path):
    result = parse(
        tmp_path,
        """
        import {
          lockType
          roleType as role
        } from 'br/public:avm/utl/types/avm-common-types:0.5.1'
        import * as shared from './shared.bicep'
        extension microsoftGraphV1
        metadata name = 'nsg'
        @export()
        type ruleType = {
          @description('The rule name.')
          name: string
          access: ('Allow' | 'Deny')?
          *: string
        }
        param rules ruleType[] = []
        param props resourceInput<'Microsoft.Network/networkSecurityGroups@2023-05-01'>.properties?
        #disable-next-line no-unused-vars
        var unused string = 'x'
        assert rulesAreFew = length(rules) < 10
        resource nsg 'Microsoft.Network/networkSecurityGroups@2023-05-01' = {
          name: 'web-nsg'
          properties: props ?? {}
        }
        output id resourceOutput<'Microsoft.Network/networkSecurityGroups@2023-05-01'>.id = nsg.id
        """,
    )
    assert not result.errors, result.errors
    assert [r.attributes["name"] for r in result.resources] == ["web-nsg"]


def test_syntax_error_has_position_and_what_was_expected(tmp_path):
    result = parse(
        tmp_path, "resource x 'Microsoft.Test/t@2020-01-01' = {\n  name: 'x'\n  bad bad\n}\n"
    )
    (error,) = result.errors
    assert (error.line, error.column) == (3, 7)
    assert error.message == "syntax error: expected ':' but found 'bad'"
    assert not result.resources


def test_every_syntax_error_of_a_file_is_reported(tmp_path):
    result = parse(tmp_path, "var a = \nvar b = 1\nparam p string = \nvar c = )\n")
    assert [(e.line, e.column) for e in result.errors] == [(1, 9), (3, 18), (4, 9)]
    assert all(e.file == "main.bicep" for e in result.errors)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"var a = 'x'\nvar b = '\xff'\n", "UTF-8"),
        (b"var a = 1\x00\n", "NUL"),
        ("var a = 1\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_bad_bytes(tmp_path, content, fragment):
    path = tmp_path / "bad.bicep"
    path.write_bytes(content)
    result = parse_file(path, "bad.bicep", ParseOptions())
    assert result.errors and fragment in result.errors[0].message
    assert not result.resources


def test_utf8_bom_is_reported_and_the_file_scanned(tmp_path):
    path = tmp_path / "bom.bicep"
    path.write_bytes(b"\xef\xbb\xbfresource x 'Microsoft.Test/t@2020-01-01' = {\n  name: 'x'\n}\n")
    result = parse_file(path, "bom.bicep", ParseOptions())
    assert len(result.resources) == 1
    assert "byte-order mark" in result.errors[0].message


def test_deep_nesting_is_bounded(tmp_path):
    options = ParseOptions(limits=Limits(max_depth=50))
    deep = "[" * 120 + "1" + "]" * 120
    result = parse(tmp_path, f"var v = {deep}\n", options=options)
    assert result.errors and "deeper" in result.errors[0].message


def test_oversized_file(tmp_path):
    options = ParseOptions(limits=Limits(max_file_bytes=10))
    result = parse(tmp_path, "var a = 'this is longer than ten bytes'\n", options=options)
    assert "limit" in result.errors[0].message


def test_sibling_parameters_file_overrides_defaults(tmp_path):
    (tmp_path / "main.parameters.json").write_text(
        '{"parameters": {"source": {"value": "*"}, '
        '"secret": {"reference": {"keyVault": {"id": "x"}, "secretName": "s"}}}}'
    )
    value = value_of(
        tmp_path,
        "[source, secret]",
        "param source string = '10.0.0.0/8'\n@secure()\nparam secret string = 'dflt'\n",
    )
    assert value[0] == "*"
    assert isinstance(value[1], Unknown)


def test_broken_parameters_file_is_an_error(tmp_path):
    (tmp_path / "main.parameters.json").write_text("{not json")
    result = parse(tmp_path, "param p string = 'x'\n")
    assert result.errors[0].file == "main.parameters.json"


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("var a = 'x'\nvar b = '''never closed\nvar c = 1\n", 2),
        ("var a = 'open\nvar b = 1\n", 1),
        ("var a = '${b'\n", 1),
        ("var a = 1 /* never closed\n", 1),
    ],
)
def test_malformed_strings_fail_fast_with_a_position(tmp_path, source, line):
    (error,) = parse(tmp_path, source).errors
    assert error.line == line


def test_integer_overflow_is_unknown(tmp_path):
    assert isinstance(value_of(tmp_path, "9223372036854775807 + 1"), Unknown)


def test_placeholders_match_the_arm_parser(tmp_path):
    from iacjit.parsers.arm import text_functions as arm_functions

    got = value_of(tmp_path, "[uniqueString(resourceGroup().id), guid('a', 'b')]")
    rg_id = f"/subscriptions/{DEPLOYMENT_SUBSCRIPTION}/resourceGroups/{DEPLOYMENT_RESOURCE_GROUP}"
    assert got == [
        arm_functions.fn_unique_string([rg_id], None),
        arm_functions.fn_guid(["a", "b"], None),
    ]


@pytest.mark.parametrize("param_name", ["main.bicepparam", "prod.bicepparam"])
def test_bicepparam_values_are_used(tmp_path, param_name):
    (tmp_path / param_name).write_text(
        "using './main.bicep'\n"
        "var open = '*'\n"
        "param source = open\n"
        "param secret = readEnvironmentVariable('SECRET')\n"
    )
    value = value_of(
        tmp_path, "[source, secret]", "param source string = '10.0.0.0/8'\nparam secret string\n"
    )
    assert value[0] == "*"
    assert isinstance(value[1], Unknown) and "deployment" in value[1].reason


def test_broken_bicepparam_file_is_a_located_error(tmp_path):
    (tmp_path / "main.bicepparam").write_text("using './main.bicep'\nparam source = \n")
    result = parse(tmp_path, "param source string = 'x'\n")
    (error,) = result.errors
    assert (error.file, error.line, error.column) == ("main.bicepparam", 2, 16)


def test_imported_variables_and_functions_are_evaluated(tmp_path):
    shared = """
    @export()
    var admin = '10.0.0.0/8'
    var inner = 'x'
    @export()
    func label(name string) string => '${name}-${inner}'
    @export()
    type ruleType = {
      name: string
    }
    """
    (tmp_path / "shared.bicep").write_text(textwrap.dedent(shared))
    value = value_of(
        tmp_path,
        "[admin, label('a'), shared.admin, shared.label('b'), remote('c')]",
        "import { admin, label, ruleType } from 'shared.bicep'\n"
        "import * as shared from 'shared.bicep'\n"
        "import { remote } from 'br/public:avm/utl/types/avm-common-types:0.5.1'\n",
    )
    assert value[:4] == ["10.0.0.0/8", "a-x", "10.0.0.0/8", "b-x"]
    assert isinstance(value[4], Unknown) and "not fetched" in value[4].reason
