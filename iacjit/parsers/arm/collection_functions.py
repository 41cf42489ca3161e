"""ARM's array and object functions (``length``, ``contains``, ``union``, ``items``,
``tryGet``…): pure functions of their evaluated arguments.

Equality is ARM's (type-strict, bounded: :func:`iacjit.parsers.arm.values.json_equal`); each
function raises :class:`ExpressionError` where ARM would fail the deployment.
"""

from __future__ import annotations

from typing import Any

from iacjit.model.values import Unknown
from iacjit.parsers.arm.expr_parse import ExpressionError
from iacjit.parsers.arm.values import (
    Impl,
    check_string,
    deep_unknown,
    json_equal,
    max_chars,
    to_text,
    want,
)


def fn_length(args: list[Any], ctx: Any) -> int:
    return len(want(args[0], (str, list, dict), "the argument", "length"))


def fn_empty(args: list[Any], ctx: Any) -> bool:
    value = args[0]
    if value is None:
        return True
    return len(want(value, (str, list, dict), "the argument", "empty")) == 0


def fn_contains(args: list[Any], ctx: Any) -> Any:
    container, item = args
    if isinstance(container, str):
        needle = to_text(want(item, (str, int), "the item", "contains"), max_chars(ctx))
        return needle in container
    if isinstance(container, dict):
        wanted = to_text(item, max_chars(ctx)).lower()
        return any(str(k).lower() == wanted for k in container)
    want(container, (list,), "the container", "contains")
    unknown = None
    for element in container:
        if isinstance(element, Unknown):
            unknown = element
        elif json_equal(element, item, ctx.budget):
            return True
    return unknown if unknown is not None else False


def _sequence(value: Any, fn: str) -> Any:
    return want(value, (list, str), "the argument", fn)


def fn_first(args: list[Any], ctx: Any) -> Any:
    seq = _sequence(args[0], "first")
    return seq[0] if seq else ("" if isinstance(seq, str) else None)


def fn_last(args: list[Any], ctx: Any) -> Any:
    seq = _sequence(args[0], "last")
    return seq[-1] if seq else ("" if isinstance(seq, str) else None)


def fn_take(args: list[Any], ctx: Any) -> Any:
    seq = _sequence(args[0], "take")
    count = want(args[1], (int,), "the count", "take")
    return seq[: max(count, 0)]


def fn_skip(args: list[Any], ctx: Any) -> Any:
    seq = _sequence(args[0], "skip")
    count = want(args[1], (int,), "the count", "skip")
    return seq[max(count, 0) :]


def fn_coalesce(args: list[Any], ctx: Any) -> Any:
    for value in args:
        if isinstance(value, Unknown):
            return value  # might be null: the answer depends on it
        if value is not None:
            return value
    return None


def _merge(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """``union`` of objects: later keys win, nested objects merge recursively."""
    out = dict(left)
    index = {k.lower(): k for k in out}
    for key, value in right.items():
        existing = index.get(key.lower())
        if existing is not None and isinstance(out[existing], dict) and isinstance(value, dict):
            out[existing] = _merge(out[existing], value)
        else:
            if existing is not None:
                del out[existing]
            out[key] = value
            index[key.lower()] = key
    return out


def fn_union(args: list[Any], ctx: Any) -> Any:
    if all(isinstance(a, dict) for a in args):
        merged: dict[str, Any] = {}
        for item in args:
            merged = _merge(merged, item)
        return merged
    if all(isinstance(a, list) for a in args):
        out: list[Any] = []
        for item in args:
            for element in item:
                if not any(json_equal(element, seen, ctx.budget) for seen in out):
                    out.append(element)
        return out
    raise ExpressionError("union(): arguments must be all arrays or all objects")


def fn_intersection(args: list[Any], ctx: Any) -> Any:
    if all(isinstance(a, dict) for a in args):
        first, *rest = args
        return {
            k: v
            for k, v in first.items()
            if all(k in other and json_equal(v, other[k], ctx.budget) for other in rest)
        }
    if all(isinstance(a, list) for a in args):
        first, *rest = args
        out: list[Any] = []
        for element in first:
            in_all = all(any(json_equal(element, o, ctx.budget) for o in other) for other in rest)
            if in_all and not any(json_equal(element, seen, ctx.budget) for seen in out):
                out.append(element)
        return out
    raise ExpressionError("intersection(): arguments must be all arrays or all objects")


def fn_create_object(args: list[Any], ctx: Any) -> dict[str, Any]:
    if len(args) % 2:
        raise ExpressionError("createObject(): needs key/value pairs")
    out: dict[str, Any] = {}
    for position in range(0, len(args), 2):
        if isinstance(args[position], Unknown):  # an unknown key: which one is unknown
            return Unknown(f"a key of createObject() is unknown: {args[position].reason}")
        out[want(args[position], (str,), "a key", "createObject")] = args[position + 1]
    return out


def fn_join(args: list[Any], ctx: Any) -> Any:
    items = want(args[0], (list,), "the array", "join")
    delimiter = want(args[1], (str,), "the delimiter", "join")
    unknown = deep_unknown(items, ctx.budget)
    if unknown is not None:
        return unknown
    return check_string(
        delimiter.join(to_text(i, max_chars(ctx)) for i in items), max_chars(ctx)
    )


def fn_range(args: list[Any], ctx: Any) -> list[int]:
    start = want(args[0], (int,), "the start", "range")
    count = want(args[1], (int,), "the count", "range")
    if count < 0:
        raise ExpressionError("range(): the count is negative")
    if count > ctx.limits.max_loop_items:
        raise ExpressionError(
            f"range(): count {count} exceeds the limit {ctx.limits.max_loop_items}"
        )
    return list(range(start, start + count))


def fn_items(args: list[Any], ctx: Any) -> list[dict[str, Any]]:
    obj = want(args[0], (dict,), "the argument", "items")
    return [{"key": k, "value": obj[k]} for k in sorted(obj, key=str.lower)]


def fn_flatten(args: list[Any], ctx: Any) -> list[Any]:
    out: list[Any] = []
    for item in want(args[0], (list,), "the argument", "flatten"):
        out.extend(want(item, (list,), "every element", "flatten"))
    return out


def fn_try_get(args: list[Any], ctx: Any) -> Any:
    value = args[0]
    for key in args[1:]:
        if isinstance(key, Unknown) or isinstance(value, Unknown):
            return key if isinstance(key, Unknown) else value
        if isinstance(value, dict) and isinstance(key, str):
            match = next((k for k in value if k.lower() == key.lower()), None)
            value = value[match] if match is not None else None
        elif isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool):
            value = value[key] if 0 <= key < len(value) else None
        else:
            return None
    return value


def fn_shallow_merge(args: list[Any], ctx: Any) -> Any:
    """The objects of an array merged at the top level, later keys winning."""
    if not isinstance(args[0], list):
        raise ExpressionError("shallowMerge(): the argument must be an array of objects")
    merged: dict[str, Any] = {}
    for item in args[0]:
        if isinstance(item, Unknown):
            return item
        if not isinstance(item, dict):
            raise ExpressionError("shallowMerge(): the argument must be an array of objects")
        merged.update(item)
    return merged


# name -> (min args, max args or None, implementation, strict on top-level Unknown)
COLLECTION_FUNCTIONS: dict[str, tuple[int, int | None, Impl, bool]] = {
    "length": (1, 1, fn_length, True),
    "empty": (1, 1, fn_empty, True),
    "contains": (2, 2, fn_contains, True),
    "first": (1, 1, fn_first, True),
    "last": (1, 1, fn_last, True),
    "take": (2, 2, fn_take, True),
    "skip": (2, 2, fn_skip, True),
    "coalesce": (1, None, fn_coalesce, False),
    "union": (1, None, fn_union, True),
    "intersection": (2, None, fn_intersection, True),
    "createarray": (0, None, lambda args, ctx: list(args), False),
    "createobject": (0, None, fn_create_object, False),
    "objectkeys": (1, 1, lambda args, ctx: list(want(args[0], (dict,), "the argument",
                                                          "objectKeys")), True),
    "items": (1, 1, fn_items, True),
    "flatten": (1, 1, fn_flatten, True),
    "join": (2, 2, fn_join, True),
    "range": (2, 2, fn_range, True),
    "tryget": (2, None, fn_try_get, False),
    "shallowmerge": (1, 1, fn_shallow_merge, True),
}
