"""ARM expression evaluator: every supported function, escapes, unknowns and bounds."""

from __future__ import annotations

import time

import pytest

from iacjit.model.values import DEPLOYMENT_RESOURCE_GROUP as RG
from iacjit.model.values import DEPLOYMENT_SUBSCRIPTION as SUB
from iacjit.model.values import Unknown
from iacjit.parsers.arm.expressions import (
    EvalContext,
    EvaluationLimit,
    LazyValues,
    UserFunction,
    evaluate,
)
from iacjit.parsers.arm.values import Budget
from iacjit.parsers.common.options import Limits

RG_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}"


def make_ctx(**changes) -> EvalContext:
    ctx = EvalContext(
        parameters={"vmName": "web", "count": 3, "ports": ["22", "3389"], "flag": True,
                    "cfg": {"Nsg": {"rules": [{"port": 22}]}}, "nothing": None},
        variables={"prefix": "app", "list": [1, 2, 3], "obj": {"a": 1, "b": {"c": 2}}},
    )
    for key, value in changes.items():
        setattr(ctx, key, value)
    return ctx


CASES = [
    # literals, escapes, access
    ("plain text", "plain text"),
    ("[[literal]", "[literal]"),
    ("[[parameters('x')]", "[parameters('x')]"),
    ("[ not closed", "[ not closed"),
    ("['it''s']", "it's"),
    ("['']", ""),
    ("[42]", 42),
    ("[-7]", -7),
    ("[true()]", True),
    ("[false()]", False),
    ("[null()]", None),
    ("[parameters('VMNAME')]", "web"),
    ("[parameters('cfg').nsg.rules[0].port]", 22),
    ("[variables('obj')['b'].c]", 2),
    ("[variables('list')[1]]", 2),
    # strings
    ("[concat(parameters('vmName'), '-nsg')]", "web-nsg"),
    ("[concat('n', 1, true())]", "n1True"),
    ("[concat(variables('list'), createArray(4))]", [1, 2, 3, 4]),
    ("[format('{0}-{1}', 'a', 7)]", "a-7"),
    ("[format('{0:D3}|{{x}}|{1,4}|{2,-3}.', 5, 'ab', 'c')]", "005|{x}|  ab|c  ."),
    ("[toLower('AbC')]", "abc"),
    ("[toUpper('AbC')]", "ABC"),
    ("[replace('a-b-c', '-', '/')]", "a/b/c"),
    ("[split('a,b;c', createArray(',', ';'))]", ["a", "b", "c"]),
    ("[split('a/b', '/')]", ["a", "b"]),
    ("[substring('hello', 1, 3)]", "ell"),
    ("[substring('hello', 2)]", "llo"),
    ("[trim('  x  ')]", "x"),
    ("[padLeft('7', 3, '0')]", "007"),
    ("[startsWith('Microsoft.Network', 'microsoft')]", True),
    ("[endsWith('abc', 'C')]", True),
    ("[indexOf('abcabc', 'C')]", 2),
    ("[lastIndexOf('abcabc', 'c')]", 5),
    ("[base64ToString(base64('hi'))]", "hi"),
    ("[uriComponent('a b')]", "a%20b"),
    ("[join(createArray('a', 'b'), ',')]", "a,b"),
    # conversions
    ("[string(5)]", "5"),
    ("[string(true())]", "True"),
    ("[string(createObject('a', createArray(1)))]", '{"a":[1]}'),
    ("[int('42')]", 42),
    ("[bool('TRUE')]", True),
    ("[bool(0)]", False),
    ("[array('x')]", ["x"]),
    ("[array(createArray(1))]", [1]),
    ("[json('{\"a\": [1, 2]}').a[1]]", 2),
    # logic and comparison
    ("[if(equals(parameters('count'), 3), 'three', 'other')]", "three"),
    ("[if(parameters('flag'), 'yes', parameters('missing'))]", "yes"),
    ("[equals('a', 'A')]", False),
    ("[equals(1, true())]", False),
    ("[equals(createArray(1, 'x'), createArray(1, 'x'))]", True),
    ("[not(equals(1, 2))]", True),
    ("[and(true(), true(), false())]", False),
    ("[or(false(), true())]", True),
    ("[less(1, 2)]", True),
    ("[lessOrEquals('a', 'a')]", True),
    ("[greater(3, 2)]", True),
    ("[greaterOrEquals(2, 3)]", False),
    # collections
    ("[empty('')]", True),
    ("[empty(createObject())]", True),
    ("[empty(parameters('nothing'))]", True),
    ("[empty(variables('list'))]", False),
    ("[contains('OneTwo', 'Two')]", True),
    ("[contains('OneTwo', 'two')]", False),
    ("[contains(createObject('Key', 1), 'key')]", True),
    ("[contains(parameters('ports'), '22')]", True),
    ("[contains(parameters('ports'), 22)]", False),
    ("[length('abc')]", 3),
    ("[length(variables('list'))]", 3),
    ("[length(variables('obj'))]", 2),
    ("[union(createArray(1, 2), createArray(2, 3))]", [1, 2, 3]),
    ("[union(variables('obj'), createObject('b', createObject('d', 4)))]",
     {"a": 1, "b": {"c": 2, "d": 4}}),
    ("[intersection(createArray(1, 2, 3), createArray(3, 2))]", [2, 3]),
    ("[createArray(1, 'a', createArray())]", [1, "a", []]),
    ("[createObject('k', 'v', 'n', 1)]", {"k": "v", "n": 1}),
    ("[first(variables('list'))]", 1),
    ("[first('xyz')]", "x"),
    ("[last(variables('list'))]", 3),
    ("[take(variables('list'), 2)]", [1, 2]),
    ("[take('abc', 10)]", "abc"),
    ("[skip(variables('list'), 2)]", [3]),
    ("[coalesce(null(), parameters('nothing'), 'x')]", "x"),
    ("[range(5, 3)]", [5, 6, 7]),
    ("[min(3, 1, 2)]", 1),
    ("[max(createArray(3, 9, 2))]", 9),
    ("[items(createObject('b', 2, 'a', 1))]", [{"key": "a", "value": 1},
                                               {"key": "b", "value": 2}]),
    ("[objectKeys(createObject('a', 1))]", ["a"]),
    ("[flatten(createArray(createArray(1), createArray(2, 3)))]", [1, 2, 3]),
    ("[tryGet(variables('obj'), 'zzz')]", None),
    ("[tryGet(variables('obj'), 'b', 'c')]", 2),
    # math
    ("[add(1, 2)]", 3),
    ("[sub(1, 2)]", -1),
    ("[mul(4, 5)]", 20),
    ("[div(7, 2)]", 3),
    ("[div(-7, 2)]", -3),
    ("[mod(7, 3)]", 1),
    ("[mod(-7, 3)]", -1),
    # lambdas
    ("[map(range(0, 3), lambda('i', mul(lambdaVariables('i'), 2)))]", [0, 2, 4]),
    ("[filter(variables('list'), lambda('x', greater(lambdaVariables('x'), 1)))]", [2, 3]),
    ("[reduce(variables('list'), 0, lambda('t', 'x', add(lambdaVariables('t'), "
     "lambdaVariables('x'))))]", 6),
    ("[sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), "
     "lambdaVariables('b'))))]", [1, 2, 3]),
    ("[toObject(createArray('a', 'b'), lambda('x', lambdaVariables('x')))]",
     {"a": "a", "b": "b"}),
    # deployment scope
    ("[subscription().subscriptionId]", SUB),
    ("[subscription().id]", f"/subscriptions/{SUB}"),
    ("[resourceGroup().name]", RG),
    ("[resourceGroup().id]", RG_ID),
    ("[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg')]",
     f"{RG_ID}/providers/Microsoft.Network/networkSecurityGroups/nsg"),
    ("[resourceId('Microsoft.Network/networkSecurityGroups/securityRules', 'nsg', 'r')]",
     f"{RG_ID}/providers/Microsoft.Network/networkSecurityGroups/nsg/securityRules/r"),
    ("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet/default')]",
     f"{RG_ID}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default"),
    ("[resourceId('other-rg', 'Microsoft.Network/networkSecurityGroups', 'nsg')]",
     f"/subscriptions/{SUB}/resourceGroups/other-rg/providers/"
     "Microsoft.Network/networkSecurityGroups/nsg"),
    ("[resourceId('sub-1', 'rg-1', 'Microsoft.Network/networkSecurityGroups', 'nsg')]",
     "/subscriptions/sub-1/resourceGroups/rg-1/providers/"
     "Microsoft.Network/networkSecurityGroups/nsg"),
    ("[subscriptionResourceId('Microsoft.Authorization/policyDefinitions', 'p')]",
     f"/subscriptions/{SUB}/providers/Microsoft.Authorization/policyDefinitions/p"),
    ("[subscriptionResourceId('sub-2', 'Microsoft.Authorization/policyDefinitions', 'p')]",
     "/subscriptions/sub-2/providers/Microsoft.Authorization/policyDefinitions/p"),
    ("[tenantResourceId('Microsoft.Authorization/policyDefinitions', 'p')]",
     "/providers/Microsoft.Authorization/policyDefinitions/p"),
    ("[extensionResourceId(resourceGroup().id, 'Microsoft.Authorization/locks', 'l')]",
     f"{RG_ID}/providers/Microsoft.Authorization/locks/l"),
    # placeholders are deterministic
    ("[equals(guid('a', 'b'), guid('a', 'b'))]", True),
    ("[equals(guid('a', 'b'), guid('a', 'c'))]", False),
    ("[length(uniqueString(resourceGroup().id))]", 13),
    ("[length(guid('x'))]", 36),
]


@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_function_table(expression, expected):
    ctx = make_ctx()
    result = evaluate(expression, ctx)
    assert result == expected
    assert type(result) is type(expected)
    assert ctx.problems == []


UNKNOWN_CASES = [
    ("[reference('nsg').properties]", "reference()"),
    ("[listKeys(resourceId('Microsoft.Storage/storageAccounts', 's'), '2023-01-01')]",
     "listkeys()"),
    ("[resourceGroup().location]", "location"),
    ("[deployment().name]", "deployment name"),
    ("[newGuid()]", "newGuid"),
    ("[utcNow()]", "utcNow"),
    ("[environment().name]", "environment"),
    ("[someFutureFunction(1)]", "someFutureFunction".lower()),
    ("[concat('a', reference('x').id)]", "reference()"),
    ("[if(equals(reference('x').a, 1), 'p', 'q')]", "condition unknown"),
    ("[coalesce(reference('x').a, 'fallback')]", "reference()"),
    ("[parameters('unset')]", "no value"),
]


@pytest.mark.parametrize(("expression", "reason"), UNKNOWN_CASES,
                         ids=[c[0][:50] for c in UNKNOWN_CASES])
def test_unknowns(expression, reason):
    ctx = make_ctx(parameters={"unset": Unknown("parameter 'unset' has no value")})
    result = evaluate(expression, ctx)
    assert isinstance(result, Unknown)
    assert reason in result.reason
    assert ctx.problems == []  # not knowable is not an error


def test_known_value_decides_despite_unknowns():
    ctx = make_ctx()
    assert evaluate("[and(false(), reference('x').a)]", ctx) is False
    assert evaluate("[or(reference('x').a, true())]", ctx) is True
    assert evaluate("[if(reference('x').a, 'same', 'same')]", ctx) == "same"
    assert evaluate("[contains(createArray(reference('x'), '22'), '22')]", ctx) is True
    assert isinstance(evaluate("[contains(createArray(reference('x')), '22')]", ctx), Unknown)


ERROR_CASES = [
    ("[concat('a'", None),  # does not end with ]: a literal, not an error
    ("[concat('a',)]", "expected a value"),
    ("[parameters('a') parameters('b')]", "unexpected"),
    ("['unterminated]", "unterminated"),
    ("[bareword]", "not a function call"),
    ("[parameters('nope')]", "not declared"),
    ("[variables('nope')]", "not declared"),
    ("[copyIndex()]", "outside"),
    ("[div(1, 0)]", "division by zero"),
    ("[substring('abc', 2, 5)]", "outside"),
    ("[int('x1')]", "not an integer"),
    ("[variables('list')[7]]", "outside an array"),
    ("[variables('obj').missing]", "no property"),
    ("[concat('a', createArray(1))]", "cannot mix"),
    ("[length(1)]", "must be"),
    ("[add('1', 2)]", "must be int"),
    ("[format('{3}', 'a')]", "no argument 3"),
    ("[createObject('a')]", "key/value pairs"),
    ("[not('yes')]", "must be bool"),
    ("[equals(1)]", "takes 2 argument"),
    ("[resourceId('Microsoft.Network/networkSecurityGroups/securityRules', 'nsg')]",
     "name segment"),
]


@pytest.mark.parametrize(("expression", "message"), ERROR_CASES,
                         ids=[c[0][:50] for c in ERROR_CASES])
def test_invalid_expressions_become_unknown_and_problem(expression, message):
    ctx = make_ctx()
    result = evaluate(expression, ctx)
    if message is None:
        assert result == expression and ctx.problems == []
        return
    assert isinstance(result, Unknown)
    assert "invalid expression" in result.reason
    assert len(ctx.problems) == 1 and message in ctx.problems[0].message


def test_whole_values_and_property_copy_loop():
    ctx = make_ctx()
    value = {
        "name": "[concat(variables('prefix'), '-nsg')]",
        "[concat('tag-', parameters('vmName'))]": "x",
        "properties": {
            "copy": [
                {
                    "name": "securityRules",
                    "count": "[length(parameters('ports'))]",
                    "input": {
                        "name": "[concat('rule-', copyIndex('securityRules'))]",
                        "port": "[parameters('ports')[copyIndex('securityRules')]]",
                    },
                }
            ],
            "other": "[[kept]",
        },
    }
    assert evaluate(value, ctx) == {
        "name": "app-nsg",
        "tag-web": "x",
        "properties": {
            "other": "[kept]",
            "securityRules": [
                {"name": "rule-0", "port": "22"},
                {"name": "rule-1", "port": "3389"},
            ],
        },
    }


def test_copy_property_that_is_not_a_loop_is_kept():
    ctx = make_ctx()
    assert evaluate({"copy": "yes", "tags": {"copy": ["a"]}}, ctx) == {
        "copy": "yes", "tags": {"copy": ["a"]}
    }


def test_lazy_values_resolve_on_demand_and_detect_cycles():
    calls = []
    ctx = make_ctx()

    def resolve(name, raw):
        calls.append(name)
        return evaluate(raw, ctx)

    ctx.variables = LazyValues({"a": "[concat(variables('b'), '!')]", "b": "B",
                                "loop": "[variables('loop')]"}, resolve, "variable")
    assert evaluate("[variables('A')]", ctx) == "B!"
    assert evaluate("[variables('a')]", ctx) == "B!"
    assert calls == ["a", "b"]  # memoised
    result = evaluate("[variables('loop')]", ctx)
    assert isinstance(result, Unknown)
    assert any("refers to itself" in p.message for p in ctx.problems)


def test_user_defined_functions():
    ctx = make_ctx(functions={
        "ns.nsgname": UserFunction(("base",), "[concat(parameters('base'), '-nsg')]"),
    })
    assert evaluate("[ns.nsgName(parameters('vmName'))]", ctx) == "web-nsg"
    assert isinstance(evaluate("[other.fn()]", ctx), Unknown)


def test_copy_index_in_named_and_default_loops():
    ctx = make_ctx().with_copy_index("vms", 2, default=True)
    ctx = ctx.with_copy_index("disks", 5, default=False)
    assert evaluate("[copyIndex()]", ctx) == 2
    assert evaluate("[copyIndex(1)]", ctx) == 3
    assert evaluate("[copyIndex('VMS')]", ctx) == 2
    assert evaluate("[copyIndex('disks', 10)]", ctx) == 15
    unknown = ctx.with_copy_index("x", Unknown("count unknown"), default=True)
    assert isinstance(evaluate("[copyIndex()]", unknown), Unknown)


# --- bounds ----------------------------------------------------------------------------------


def small_limits(**changes) -> Limits:
    values = {"max_loop_items": 100, "max_string_chars": 1000, "max_depth": 40}
    values.update(changes)
    return Limits(**values)


def test_range_beyond_loop_limit_is_unknown():
    ctx = make_ctx(limits=small_limits())
    result = evaluate("[range(0, 100000000)]", ctx)
    assert isinstance(result, Unknown) and "exceeds the limit" in result.reason


def test_string_growth_is_capped():
    ctx = make_ctx(limits=small_limits())
    for expression in (
        "[padLeft('x', 100000000, '0')]",
        "[format('{0,100000000}', 'x')]",
        "[replace(padLeft('', 900, 'a'), 'a', 'bbbbbbbbbb')]",
        "[concat(padLeft('', 900, 'a'), padLeft('', 900, 'a'))]",
        "[join(split(padLeft('', 900, ','), ','), 'xx')]",
    ):
        result = evaluate(expression, ctx)
        assert isinstance(result, Unknown), expression
        assert "longer than 1000" in result.reason or "more than" in result.reason


def test_exponential_sharing_is_capped():
    """Variables doubling each other would unfold to 2**40 elements without the cap."""
    ctx = make_ctx(limits=small_limits())
    raw = {"v0": "[range(0, 50)]"}
    for level in range(1, 41):
        raw[f"v{level}"] = f"[concat(variables('v{level - 1}'), variables('v{level - 1}'))]"
    ctx.variables = LazyValues(raw, lambda name, value: evaluate(value, ctx), "variable")
    started = time.monotonic()
    result = evaluate("[length(variables('v40'))]", ctx)
    assert isinstance(result, Unknown)
    assert time.monotonic() - started < 2


def test_deep_nesting_is_bounded():
    ctx = make_ctx(limits=small_limits(max_depth=30))
    expression = "[" + "concat(" * 100 + "'x'" + ")" * 100 + "]"
    result = evaluate(expression, ctx)
    assert isinstance(result, Unknown) and "deeper" in result.reason
    nested: object = "x"
    for _ in range(100):
        nested = {"a": nested}
    assert isinstance(evaluate(nested, ctx)["a"]["a"], dict)  # shallow part kept
    assert any("nested deeper" in p.message for p in ctx.problems)


def test_step_budget_stops_runaway_evaluation():
    ctx = make_ctx(budget=Budget(500))
    with pytest.raises(EvaluationLimit):
        for _ in range(1000):
            evaluate("[concat('a', 'b')]", ctx)
