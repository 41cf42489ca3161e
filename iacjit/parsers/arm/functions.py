"""ARM's function library, listed once: the families' tables, and the one call path the ARM
and the Bicep evaluators share.

The implementations live by family (:mod:`~iacjit.parsers.arm.text_functions`,
:mod:`~iacjit.parsers.arm.collection_functions`, :mod:`~iacjit.parsers.arm.logic_functions`,
the deployment scope in :mod:`~iacjit.parsers.arm.resource_ids`, the functions taking lambdas
in :mod:`~iacjit.parsers.arm.lambdas`).  Each receives evaluated arguments and the evaluation
context (for limits and budget); :func:`call` checks the arity, short-circuits Unknown
arguments and bounds the result, so Bicep, which compiles to ARM, gets ARM's behaviour and ARM's
errors (``tests/parsers/arm/test_bicep_arm_differential.py`` compares the two).
"""

from __future__ import annotations

from typing import Any

from iacjit.model.values import Unknown
from iacjit.parsers.arm.collection_functions import COLLECTION_FUNCTIONS
from iacjit.parsers.arm.expr_parse import ExpressionError
from iacjit.parsers.arm.logic_functions import LOGIC_FUNCTIONS
from iacjit.parsers.arm.resource_ids import SCOPE_FUNCTIONS
from iacjit.parsers.arm.text_functions import TEXT_FUNCTIONS
from iacjit.parsers.arm.values import Impl, first_unknown, tree_size


def _constant(value: Any) -> Impl:
    return lambda args, ctx: value


def _unknown(reason: str) -> Impl:
    return lambda args, ctx: Unknown(reason)


# name -> (min args, max args or None, implementation, strict on top-level Unknown)
FUNCTIONS: dict[str, tuple[int, int | None, Impl, bool]] = {
    **TEXT_FUNCTIONS,
    **COLLECTION_FUNCTIONS,
    **LOGIC_FUNCTIONS,
    **SCOPE_FUNCTIONS,
    "true": (0, 0, _constant(True), True),
    "false": (0, 0, _constant(False), True),
    "null": (0, 0, _constant(None), True),
    "newguid": (0, 0, _unknown("newGuid() differs on every deployment"), True),
    "utcnow": (0, 1, _unknown("utcNow() is the deployment time"), True),
    "datetimeadd": (2, 3, _unknown("dateTimeAdd() is not evaluated statically"), True),
    "environment": (0, 0, _unknown("environment() describes the target cloud at deployment"),
                    True),
    "tenant": (0, 0, _unknown("tenant() is known only at deployment"), True),
    "managementgroup": (0, 1, _unknown("managementGroup() is known only at deployment"), True),
    "pickzones": (3, 5, _unknown("pickZones() depends on the region's zones"), True),
    "providers": (1, 2, _unknown("providers() queries Azure at deployment"), True),
}

# Names whose result (an array or object) must be size-checked: they can multiply shared data.
CONTAINER_BUILDERS = frozenset(
    {"concat", "union", "createarray", "createobject", "array", "json", "split", "items",
     "flatten", "range"}
)


def arity_problem(low: int, high: int | None, count: int) -> str | None:
    """Why *count* arguments do not fit a library entry taking *low*..*high* (None when they
    do): one wording for the ARM and the Bicep evaluators, which share this library."""
    if count >= low and (high is None or count <= high):
        return None
    expected = f"{low}" if low == high else f"{low}..{high if high is not None else 'n'}"
    return f"takes {expected} argument(s), got {count}"


def knows(name: str) -> bool:
    """Whether *name* (any case) is a function of the library."""
    return name.lower() in FUNCTIONS


def call(name: str, args: list[Any], ctx: Any, opaque: tuple[type, ...] = (),
         opaque_what: str = "a lambda") -> Any:
    """``name(args)`` as ARM evaluates it; *name* is known (:func:`knows`) and named so in
    errors.  *opaque* are the caller's values no library function takes (its lambdas).

    Raises ExpressionError where ARM would fail the deployment, EvaluationLimit when the
    context's budget is spent.
    """
    key = name.lower()
    low, high, impl, strict = FUNCTIONS[key]
    problem = arity_problem(low, high, len(args))
    if problem:
        raise ExpressionError(f"{name}() {problem}")
    if strict:
        unknown = first_unknown(args)
        if unknown is not None:
            return unknown
    if opaque and any(isinstance(a, opaque) for a in args):
        raise ExpressionError(f"{name}() does not take {opaque_what}")
    try:
        result = impl(args, ctx)
    except ExpressionError:
        raise
    except (TypeError, ValueError, OverflowError, IndexError, KeyError) as exc:
        raise ExpressionError(f"{name}(): {exc}") from None
    return _bounded(name, result, ctx)


def _bounded(name: str, result: Any, ctx: Any) -> Any:
    """*result* when within the limits; strings and built containers are what can grow."""
    limits = ctx.limits
    if isinstance(result, str) and len(result) > limits.max_string_chars:
        raise ExpressionError(f"string result longer than {limits.max_string_chars} characters")
    if name.lower() in CONTAINER_BUILDERS and isinstance(result, list | dict):
        cap = 10 * limits.max_loop_items
        size = tree_size(result, cap)
        ctx.budget.tick(size // 16)
        if size > cap:
            raise ExpressionError(f"{name}() built a value of more than {cap} elements")
    return result
