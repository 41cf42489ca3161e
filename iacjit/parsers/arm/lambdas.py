"""ARM's functions that take lambdas (``map``, ``filter``, ``reduce``, ``sort``, ``toObject``,
``mapValues``, ``groupBy``), written once for every evaluator's lambdas.

ARM and Bicep lambdas differ (an ARM ``lambda()`` value, a Bicep arrow function closing over
its scope), so each evaluator passes its :class:`Lambdas`: how many parameters a value takes
as a lambda, and how to call it.  Bicep's optional index parameter (``(item, i) => …``) is
ARM's too: map, filter and reduce pass the index to a lambda that declares one more parameter.
"""

from __future__ import annotations

from typing import Any, Protocol

from iacjit.model.values import Unknown
from iacjit.parsers.arm.expr_parse import ExpressionError
from iacjit.parsers.arm.values import type_name

LAMBDA_FUNCTIONS = frozenset({"map", "filter", "reduce", "sort", "toobject", "mapvalues",
                              "groupby"})


class Lambdas(Protocol):
    """An evaluator's lambdas, as these functions call them."""

    def parameters(self, value: Any) -> int | None:
        """How many parameters *value* takes as a lambda; None when it is no lambda."""

    def call(self, function: Any, values: list[Any]) -> Any:
        """The lambda *function* applied to *values* (as many as it takes)."""


def as_condition(value: Any, fn: str) -> bool | Unknown:
    """*value* as ARM reads a condition: a bool (or its text), or Unknown."""
    if isinstance(value, bool | Unknown):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ExpressionError(f"{fn}(): expected a bool, got {type_name(value)}")


def _apply(lambdas: Lambdas, fn: Any, values: list[Any], name: str,
           index: int | None = None) -> Any:
    """Call a lambda; map/filter/reduce also pass the element's index to a lambda that takes
    one more parameter."""
    count = lambdas.parameters(fn)
    if index is not None and count == len(values) + 1:
        values = [*values, index]
    if count != len(values):
        raise ExpressionError(f"{name}(): expected a lambda of {len(values)} parameter(s)")
    return lambdas.call(fn, values)


def call(name: str, args: list[Any], lambdas: Lambdas) -> Any:
    """``name(args)`` for a name of :data:`LAMBDA_FUNCTIONS` (any case)."""
    if len(args) < 2:
        raise ExpressionError(f"{name}() takes an array and a lambda")
    items = args[0]
    if isinstance(items, Unknown):
        return items
    key = name.lower()
    if key == "toobject":
        return _to_object(args, lambdas, name)
    if key == "mapvalues":
        if not isinstance(items, dict):
            raise ExpressionError(f"{name}(): the first argument must be an object")
        return {k: _apply(lambdas, args[1], [v], name) for k, v in items.items()}
    if not isinstance(items, list):
        raise ExpressionError(f"{name}(): the first argument must be an array")
    if key == "map":
        return [_apply(lambdas, args[1], [item], name, i) for i, item in enumerate(items)]
    if key == "filter":
        return _filter(items, args[1], lambdas, name)
    if key == "reduce":
        if len(args) != 3:
            raise ExpressionError("reduce() takes an array, an initial value and a lambda")
        total = args[1]
        for i, item in enumerate(items):
            total = _apply(lambdas, args[2], [total, item], name, i)
        return total
    if key == "groupby":
        return _group_by(items, args[1], lambdas, name)
    return _sort(items, args[1], lambdas, name)


def _to_object(args: list[Any], lambdas: Lambdas, name: str) -> Any:
    items = args[0]
    if not isinstance(items, list) or len(args) not in (2, 3):
        raise ExpressionError("toObject() takes an array and one or two lambdas")
    out: dict[str, Any] = {}
    for item in items:
        key = _apply(lambdas, args[1], [item], name)
        if isinstance(key, Unknown):
            return key
        out[str(key)] = _apply(lambdas, args[2], [item], name) if len(args) == 3 else item
    return out


def _filter(items: list[Any], fn: Any, lambdas: Lambdas, name: str) -> Any:
    kept = []
    for i, item in enumerate(items):
        verdict = as_condition(_apply(lambdas, fn, [item], name, i), name)
        if isinstance(verdict, Unknown):
            return verdict
        if verdict:
            kept.append(item)
    return kept


def _group_by(items: list[Any], fn: Any, lambdas: Lambdas, name: str) -> Any:
    groups: dict[str, list[Any]] = {}
    for item in items:
        key = _apply(lambdas, fn, [item], name)
        if isinstance(key, Unknown):
            return key
        groups.setdefault(str(key), []).append(item)
    return groups


def _sort(items: list[Any], fn: Any, lambdas: Lambdas, name: str) -> Any:
    """Insertion sort on the lambda's "less than" (ARM's contract); arrays are small."""
    ordered: list[Any] = []
    for item in items:
        position = len(ordered)
        for index, existing in enumerate(ordered):
            verdict = as_condition(_apply(lambdas, fn, [item, existing], name), name)
            if isinstance(verdict, Unknown):
                return verdict
            if verdict:
                position = index
                break
        ordered.insert(position, item)
    return ordered
