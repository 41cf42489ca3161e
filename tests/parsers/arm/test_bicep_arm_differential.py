"""Differential test: every ARM expression test, written in Bicep, evaluated by both languages.

Bicep compiles to ARM, so a Bicep expression must evaluate to what its compiled ARM expression
gives.  Each case of the ARM expression tests is translated to Bicep source (ARM's
``if``/``and``/``equals``/``add``… become Bicep's operators, ``lambda()`` an arrow function,
``parameters('x')`` the parameter ``x``) and evaluated by the Bicep evaluator; the results must
agree: equal values of the same type, or Unknown (ARM's errors and not-knowables) on both sides.
(Run against Bicep's former function library, it found 15 differences: booleans rendered
``true`` instead of ARM's ``True``, ``format`` alignment, ``union`` not merging nested objects,
``concat`` mixing arrays and strings, ``contains`` on object keys, missing ``createObject``,
``tryGet``, ``base64ToString``, ``uriComponent``.  Bicep now delegates to ARM's library, the
functions taking lambdas included; the cases below the ARM ones cover those and the functions
Bicep used to implement itself.)
"""

from __future__ import annotations

from typing import Any

import pytest
from test_arm_expressions import CASES, ERROR_CASES, UNKNOWN_CASES, make_ctx

from iacjit.model.values import Unknown
from iacjit.parsers.arm.expr_parse import Call, ExpressionError, Index, Literal, Property
from iacjit.parsers.arm.expr_parse import Node as ArmNode
from iacjit.parsers.arm.expressions import evaluate
from iacjit.parsers.bicep.evaluator import Evaluator
from iacjit.parsers.bicep.syntax import parse_template

OPERATORS = {
    "equals": "==", "less": "<", "lessorequals": "<=", "greater": ">", "greaterorequals": ">=",
    "add": "+", "sub": "-", "mul": "*", "div": "/", "mod": "%", "and": "&&", "or": "||",
}


def _string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("${", "\\${")
    return "'" + escaped.replace("\n", "\\n") + "'"


def to_bicep(node: ArmNode, names: dict[str, str]) -> str:
    """Bicep source for an ARM expression AST; ``names`` maps lower-case names to declared."""
    if isinstance(node, Literal):
        if isinstance(node.value, str):
            return _string(node.value)
        return "null" if node.value is None else str(node.value).lower()
    if isinstance(node, Property):
        return f"{to_bicep(node.base, names)}.{node.name}"
    if isinstance(node, Index):
        return f"{to_bicep(node.base, names)}[{to_bicep(node.index, names)}]"
    assert isinstance(node, Call)
    args = [to_bicep(a, names) for a in node.args]
    name = node.name
    if name in ("parameters", "variables", "lambdavariables") and isinstance(
        node.args[0], Literal
    ):
        return names.get(str(node.args[0].value).lower(), str(node.args[0].value))
    if name in ("true", "false", "null") and not args:
        return name
    if name in OPERATORS and len(args) >= 2:
        return "(" + f" {OPERATORS[name]} ".join(args) + ")"
    if name == "not" and len(args) == 1:
        return f"!({args[0]})"
    if name == "if" and len(args) == 3:
        return f"({args[0]} ? {args[1]} : {args[2]})"
    if name == "lambda":
        params = [str(a.value) for a in node.args[:-1] if isinstance(a, Literal)]
        return f"(({', '.join(params)}) => {args[-1]})"
    return f"{name}({', '.join(args)})"


def arm_outcome(expression: str) -> Any:
    ctx = make_ctx(parameters={**make_ctx().parameters,
                               "unset": Unknown("parameter 'unset' has no value")})
    result = evaluate(expression, ctx)
    return Unknown("ARM rejects it") if ctx.problems else result


def bicep_outcome(expression: str) -> Any:
    ctx = make_ctx()
    values = {**ctx.parameters, **ctx.variables,
              "unset": Unknown("parameter 'unset' has no value")}
    names = {k.lower(): k for k in values}
    try:
        from iacjit.parsers.arm.expr_parse import parse_expression

        source = to_bicep(parse_expression(expression[1:-1]), names)
    except ExpressionError:
        return Unknown("not an expression in either language")
    template, errors = parse_template(f"var value = {source}\n", 200)
    if errors:
        return Unknown(f"Bicep rejects it: {errors[0]}")

    def resolve(name: str) -> Any:
        return values[name] if name in values else Unknown(f"{name!r} is not declared")

    evaluator = Evaluator(resolve, 200, 10_000, 1_000_000)
    return evaluator.eval(template.variables["value"].value, {})


EXPRESSIONS = [case[0] for case in CASES + UNKNOWN_CASES + ERROR_CASES
               if case[0].startswith("[") and case[0].endswith("]")
               and not case[0].startswith("[[")]


# Beyond the ARM expression tests: every function that takes a lambda (with the optional
# index parameter), the functions Bicep used to implement itself (mapValues, groupBy,
# shallowMerge), and calls ARM rejects (arity, a lambda where a value belongs).
LIBRARY_VALUES = [
    ("[map(variables('list'), lambda('x', 'i', add(lambdaVariables('x'), lambdaVariables('i'))))]",
     [1, 3, 5]),
    ("[filter(variables('list'), lambda('x', 'i', equals(lambdaVariables('i'), 1)))]", [2]),
    ("[reduce(variables('list'), 10, lambda('t', 'x', 'i', add(lambdaVariables('t'), "
     "lambdaVariables('i'))))]", 13),
    ("[sort(createArray(3, 1, 2), lambda('a', 'b', greater(lambdaVariables('a'), "
     "lambdaVariables('b'))))]", [3, 2, 1]),
    ("[toObject(createArray('a', 'b'), lambda('x', lambdaVariables('x')), lambda('x', "
     "concat(lambdaVariables('x'), '!')))]", {"a": "a!", "b": "b!"}),
    ("[mapValues(createObject('a', 1, 'b', 2), lambda('v', mul(lambdaVariables('v'), 10)))]",
     {"a": 10, "b": 20}),
    ("[groupBy(createArray('ab', 'ac', 'b'), lambda('x', first(lambdaVariables('x'))))]",
     {"a": ["ab", "ac"], "b": ["b"]}),
    ("[shallowMerge(createArray(variables('obj'), createObject('a', 2)))]",
     {"a": 2, "b": {"c": 2}}),
    ("[union(variables('obj'), createObject('b', createObject('d', 3)))]",
     {"a": 1, "b": {"c": 2, "d": 3}}),
    ("[tryGet(variables('obj'), 'b', 'c')]", 2),
]
LIBRARY_UNKNOWN = [
    "[filter(variables('list'), lambda('x', equals(parameters('unset'), lambdaVariables('x'))))]",
    "[map(parameters('unset'), lambda('x', lambdaVariables('x')))]",
    "[mapValues(variables('list'), lambda('v', lambdaVariables('v')))]",
    "[groupBy(variables('obj'), lambda('x', lambdaVariables('x')))]",
    "[shallowMerge(variables('list'))]",
    "[map(variables('list'), lambda('a', 'b', 'c', lambdaVariables('a')))]",
    "[toLower('A', 'B')]",
    "[length(lambda('x', lambdaVariables('x')))]",
]
EXPRESSIONS += [e for e, _ in LIBRARY_VALUES] + LIBRARY_UNKNOWN + [
    "[items(variables('obj'))]",
    "[resourceId('Microsoft.Network/networkSecurityGroups', parameters('vmName'))]",
]


@pytest.mark.parametrize("expression", EXPRESSIONS, ids=[e[:60] for e in EXPRESSIONS])
def test_bicep_and_arm_agree(expression):
    arm, bicep = arm_outcome(expression), bicep_outcome(expression)
    if isinstance(arm, Unknown):
        assert isinstance(bicep, Unknown), f"ARM: {arm.reason}; Bicep: {bicep!r}"
    else:
        assert bicep == arm
        assert type(bicep) is type(arm)


def test_translation_uses_bicep_operators_and_lambdas():
    from iacjit.parsers.arm.expr_parse import parse_expression

    source = "reduce(variables('list'), 0, lambda('t', 'x', add(lambdaVariables('t'), 1)))"
    assert to_bicep(parse_expression(source), {"list": "list", "t": "t"}) == (
        "reduce(list, 0, ((t, x) => (t + 1)))"
    )


@pytest.mark.parametrize(("expression", "value"), LIBRARY_VALUES,
                         ids=[e[1:40] for e, _ in LIBRARY_VALUES])
def test_library_functions_are_evaluated(expression, value):
    """Known on both sides (the agreement test above compares them), not Unknown on both."""
    assert arm_outcome(expression) == value


@pytest.mark.parametrize("expression", LIBRARY_UNKNOWN, ids=[e[1:40] for e in LIBRARY_UNKNOWN])
def test_library_rejections_are_unknown(expression):
    assert isinstance(arm_outcome(expression), Unknown)
    assert isinstance(bicep_outcome(expression), Unknown)
