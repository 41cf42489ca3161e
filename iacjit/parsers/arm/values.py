"""Helpers shared by the ARM evaluator: JSON typing, equality, bounded size and text.

ARM values are JSON values; Python's ``True == 1`` and unbounded structures shared between
variables would both mislead or stall a naive implementation, so equality is type-strict
and every size measure stops at a cap instead of walking a structure that may be a DAG of
exponential unfolded size.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from iacjit.model.values import ResourceRef, Unknown
from iacjit.parsers.arm.expr_parse import ExpressionError

# A library function: its evaluated arguments and the evaluation context -> its value.
Impl = Callable[[list[Any], Any], Any]


class EvaluationLimit(Exception):
    """A hard bound was hit; the whole file's evaluation stops (hostile or runaway input)."""


class Budget:
    """Evaluation steps shared by every expression of one file, so no input can stall a scan."""

    def __init__(self, max_steps: int) -> None:
        self.max_steps = max_steps
        self.steps = 0
        self.depth = 0

    def tick(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > self.max_steps:
            raise EvaluationLimit(
                f"evaluation stopped after {self.max_steps} steps (runaway loops or expressions)"
            )


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def want(value: Any, kinds: tuple[type, ...], what: str, fn: str) -> Any:
    """*value* when it is one of *kinds* (a bool is no int, as in ARM); else the error ARM
    gives for argument *what* of function *fn*."""
    if isinstance(value, bool) and bool not in kinds:
        raise ExpressionError(f"{fn}(): {what} must be {kinds[0].__name__}, not bool")
    if not isinstance(value, kinds):
        names = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
        raise ExpressionError(f"{fn}(): {what} must be {names}, not {type_name(value)}")
    return value


_KIND_NAMES = {str: "string", int: "int", list: "array", dict: "object", bool: "bool"}


def max_chars(ctx: Any) -> int:
    """The longest string an expression may build in *ctx*."""
    return ctx.limits.max_string_chars


def first_unknown(values: Any) -> Unknown | None:
    """The first top-level Unknown among *values* (an iterable of arguments)."""
    for value in values:
        if isinstance(value, Unknown):
            return value
        if isinstance(value, ResourceRef):
            return Unknown(f"depends on {value} (known only after deployment)")
    return None


def deep_unknown(value: Any, budget: Budget, cap: int = 100_000) -> Unknown | None:
    """The first Unknown anywhere inside *value*; stops (returning one) past *cap* nodes."""
    stack = [value]
    seen = 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > cap:
            return Unknown(f"value has more than {cap} elements")
        if isinstance(item, Unknown):
            return item
        if isinstance(item, ResourceRef):
            return Unknown(f"depends on {item} (known only after deployment)")
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    budget.tick(seen // 64)
    return None


def tree_size(value: Any, cap: int) -> int:
    """Number of nodes of *value* unfolded as a tree, counting no further than cap + 1."""
    stack = [value]
    seen = 0
    while stack and seen <= cap:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return seen


def json_equal(left: Any, right: Any, budget: Budget) -> bool:
    """ARM ``equals``: type-strict (``1`` is not ``true``), strings case-sensitive."""
    budget.tick()
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if type(left) is not type(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(
            json_equal(a, b, budget) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, dict):
        if len(left) != len(right):
            return False
        lowered = {str(k).lower(): v for k, v in right.items()}
        return all(
            str(k).lower() in lowered and json_equal(v, lowered[str(k).lower()], budget)
            for k, v in left.items()
        )
    return left == right


def check_string(value: str, max_chars: int) -> str:
    if len(value) > max_chars:
        raise ExpressionError(f"string result longer than {max_chars} characters")
    return value


def to_text(value: Any, max_chars: int) -> str:
    """How ARM renders a value inside ``concat``/``format``/``string`` (.NET conventions)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int | float):
        return str(value)
    return bounded_json(value, max_chars)


class _TooLong(Exception):
    pass


def bounded_json(value: Any, max_chars: int) -> str:
    """Compact JSON of *value*, refusing (not building) anything longer than *max_chars*."""
    parts: list[str] = []
    total = 0

    def emit(text: str) -> None:
        nonlocal total
        total += len(text)
        if total > max_chars:
            raise _TooLong
        parts.append(text)

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            emit("{")
            for position, (key, inner) in enumerate(item.items()):
                if position:
                    emit(",")
                emit(json.dumps(str(key)) + ":")
                walk(inner)
            emit("}")
        elif isinstance(item, list):
            emit("[")
            for position, inner in enumerate(item):
                if position:
                    emit(",")
                walk(inner)
            emit("]")
        elif isinstance(item, Unknown | ResourceRef):
            raise ExpressionError("cannot serialise an unknown value")
        else:
            emit(json.dumps(item))

    try:
        walk(value)
    except _TooLong:
        raise ExpressionError(f"string result longer than {max_chars} characters") from None
    return "".join(parts)
