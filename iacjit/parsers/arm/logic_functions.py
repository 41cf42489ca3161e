"""ARM's comparison, logic and integer functions (``equals``, ``less``, ``not``, ``add``,
``div``, ``min``…), with .NET's integer semantics where they differ from Python's.

``if``, ``and`` and ``or`` are not here: they see their arguments unevaluated, so the
evaluator (:mod:`iacjit.parsers.arm.expressions`) decides them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iacjit.parsers.arm.expr_parse import ExpressionError
from iacjit.parsers.arm.values import Impl, deep_unknown, json_equal, want


def fn_equals(args: list[Any], ctx: Any) -> Any:
    for value in args:
        unknown = deep_unknown(value, ctx.budget)
        if unknown is not None:
            return unknown
    return json_equal(args[0], args[1], ctx.budget)


def fn_not(args: list[Any], ctx: Any) -> bool:
    return not want(args[0], (bool,), "the argument", "not")


def _compare(name: str, op: Callable[[Any, Any], bool]) -> Impl:
    def impl(args: list[Any], ctx: Any) -> bool:
        left, right = args
        if isinstance(left, str) and isinstance(right, str):
            return op(left, right)
        want(left, (int, float), "the first value", name)
        want(right, (int, float), "the second value", name)
        return op(left, right)

    return impl


def _ints(args: list[Any], fn: str) -> list[int]:
    return [want(a, (int,), "every argument", fn) for a in args]


def fn_add(args: list[Any], ctx: Any) -> int:
    a, b = _ints(args, "add")
    return a + b


def fn_sub(args: list[Any], ctx: Any) -> int:
    a, b = _ints(args, "sub")
    return a - b


def fn_mul(args: list[Any], ctx: Any) -> int:
    a, b = _ints(args, "mul")
    if abs(a) > 2**63 or abs(b) > 2**63:
        raise ExpressionError("mul(): operand out of range")
    return a * b


def fn_div(args: list[Any], ctx: Any) -> int:
    a, b = _ints(args, "div")
    if b == 0:
        raise ExpressionError("div(): division by zero")
    quotient = abs(a) // abs(b)  # .NET integer division truncates toward zero
    return quotient if (a >= 0) == (b >= 0) else -quotient


def fn_mod(args: list[Any], ctx: Any) -> int:
    a, b = _ints(args, "mod")
    if b == 0:
        raise ExpressionError("mod(): division by zero")
    remainder = abs(a) % abs(b)  # the sign follows the dividend, as in .NET
    return remainder if a >= 0 else -remainder


def _extreme(name: str, pick: Callable[[list[int]], int]) -> Impl:
    def impl(args: list[Any], ctx: Any) -> int:
        values = args[0] if len(args) == 1 and isinstance(args[0], list) else args
        if not values:
            raise ExpressionError(f"{name}(): no values")
        return pick(_ints(values, name))

    return impl


# name -> (min args, max args or None, implementation, strict on top-level Unknown)
LOGIC_FUNCTIONS: dict[str, tuple[int, int | None, Impl, bool]] = {
    "equals": (2, 2, fn_equals, True),
    "not": (1, 1, fn_not, True),
    "less": (2, 2, _compare("less", lambda a, b: a < b), True),
    "lessorequals": (2, 2, _compare("lessOrEquals", lambda a, b: a <= b), True),
    "greater": (2, 2, _compare("greater", lambda a, b: a > b), True),
    "greaterorequals": (2, 2, _compare("greaterOrEquals", lambda a, b: a >= b), True),
    "add": (2, 2, fn_add, True),
    "sub": (2, 2, fn_sub, True),
    "mul": (2, 2, fn_mul, True),
    "div": (2, 2, fn_div, True),
    "mod": (2, 2, fn_mod, True),
    "min": (1, None, _extreme("min", min), True),
    "max": (1, None, _extreme("max", max), True),
}
