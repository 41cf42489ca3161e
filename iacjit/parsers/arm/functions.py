"""ARM template functions that depend only on their arguments (strings, arrays, logic, math).

Each function receives already-evaluated arguments (none of them a top-level Unknown: the
evaluator short-circuits those) and the evaluation context for limits and budget. Functions
raise :class:`ExpressionError` where ARM would fail the deployment.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

from iacjit.model.values import Unknown
from iacjit.parsers.arm.expr_parse import ExpressionError
from iacjit.parsers.arm.values import (
    bounded_json,
    check_string,
    deep_unknown,
    json_equal,
    to_text,
    type_name,
)

Impl = Callable[[list[Any], Any], Any]

# A fixed namespace keeps guid() placeholders stable between runs and machines.
_GUID_NAMESPACE = uuid.UUID("6d1b0f3e-3c1e-4b8a-9a51-2f0b8c1e7a10")


def _want(value: Any, kinds: tuple[type, ...], what: str, fn: str) -> Any:
    if isinstance(value, bool) and bool not in kinds:
        raise ExpressionError(f"{fn}(): {what} must be {kinds[0].__name__}, not bool")
    if not isinstance(value, kinds):
        names = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
        raise ExpressionError(f"{fn}(): {what} must be {names}, not {type_name(value)}")
    return value


_KIND_NAMES = {str: "string", int: "int", list: "array", dict: "object", bool: "bool"}


def _max_chars(ctx: Any) -> int:
    return ctx.limits.max_string_chars


# --- strings -------------------------------------------------------------------------------


def fn_concat(args: list[Any], ctx: Any) -> Any:
    if args and all(isinstance(a, list) for a in args):
        out: list[Any] = []
        for item in args:
            out.extend(item)
        return out
    if any(isinstance(a, list | dict) for a in args):
        raise ExpressionError("concat(): cannot mix arrays or objects with strings")
    return check_string("".join(to_text(a, _max_chars(ctx)) for a in args), _max_chars(ctx))


_FORMAT_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}|[{}]")


def _format_value(value: Any, spec: str | None, ctx: Any) -> str:
    if not spec:
        return to_text(value, _max_chars(ctx))
    kind, digits = spec[0], spec[1:]
    if not digits.isdigit() and digits:
        raise ExpressionError(f"format(): unsupported format string {spec!r}")
    width = int(digits or 0)
    if width > _max_chars(ctx):
        raise ExpressionError(f"string result longer than {_max_chars(ctx)} characters")
    if isinstance(value, int) and not isinstance(value, bool):
        if kind in "dD":
            return ("-" if value < 0 else "") + str(abs(value)).rjust(width, "0")
        if kind in "xX":
            text = format(value, "x" if kind == "x" else "X")
            return text.rjust(width, "0")
        if kind in "nN":
            return f"{value:,}" + ("." + "0" * (width if digits else 2))
    raise ExpressionError(f"format(): unsupported format string {spec!r} for {type_name(value)}")


def fn_format(args: list[Any], ctx: Any) -> str:
    template = _want(args[0], (str,), "the format", "format")
    values = args[1:]
    out: list[str] = []
    size = 0
    position = 0
    for match in _FORMAT_ITEM.finditer(template):
        out.append(template[position : match.start()])
        token = match.group()
        if token in ("{{", "}}"):
            out.append(token[0])
        elif match.group(1) is None:
            raise ExpressionError(f"format(): stray {token!r} in {template!r}")
        else:
            index = int(match.group(1))
            if index >= len(values):
                raise ExpressionError(f"format(): no argument {index} in {template!r}")
            text = _format_value(values[index], match.group(3), ctx)
            if match.group(2):
                align = int(match.group(2))
                if abs(align) > _max_chars(ctx):
                    raise ExpressionError(
                        f"string result longer than {_max_chars(ctx)} characters"
                    )
                text = text.ljust(-align) if align < 0 else text.rjust(align)
            out.append(text)
        size += len(out[-1])
        if size > _max_chars(ctx):
            raise ExpressionError(f"string result longer than {_max_chars(ctx)} characters")
        position = match.end()
    out.append(template[position:])
    return check_string("".join(out), _max_chars(ctx))


def fn_replace(args: list[Any], ctx: Any) -> str:
    text = _want(args[0], (str,), "the string", "replace")
    old = _want(args[1], (str,), "the old string", "replace")
    new = _want(args[2], (str,), "the new string", "replace")
    if not old:
        raise ExpressionError("replace(): the old string is empty")
    growth = text.count(old) * (len(new) - len(old))
    if len(text) + growth > _max_chars(ctx):
        raise ExpressionError(f"string result longer than {_max_chars(ctx)} characters")
    return text.replace(old, new)


def fn_split(args: list[Any], ctx: Any) -> list[str]:
    text = _want(args[0], (str,), "the string", "split")
    delimiters = args[1] if isinstance(args[1], list) else [args[1]]
    for delimiter in delimiters:
        _want(delimiter, (str,), "the delimiter", "split")
    delimiters = [d for d in delimiters if d]
    if not delimiters:
        return [text]
    parts = re.split("|".join(re.escape(d) for d in delimiters), text)
    if len(parts) > ctx.limits.max_loop_items:
        raise ExpressionError(f"split(): more than {ctx.limits.max_loop_items} parts")
    return parts


def fn_substring(args: list[Any], ctx: Any) -> str:
    text = _want(args[0], (str,), "the string", "substring")
    start = _want(args[1], (int,), "the start index", "substring")
    length = (
        len(text) - start if len(args) < 3 else _want(args[2], (int,), "the length", "substring")
    )
    if start < 0 or length < 0 or start + length > len(text):
        raise ExpressionError(
            f"substring(): start {start} and length {length} are outside a string of "
            f"{len(text)} characters"
        )
    return text[start : start + length]


def fn_pad_left(args: list[Any], ctx: Any) -> str:
    value = args[0]
    text = to_text(_want(value, (str, int), "the value", "padLeft"), _max_chars(ctx))
    width = _want(args[1], (int,), "the total length", "padLeft")
    pad = " " if len(args) < 3 else _want(args[2], (str,), "the padding", "padLeft")
    if len(pad) != 1:
        raise ExpressionError("padLeft(): the padding must be one character")
    if width > _max_chars(ctx):
        raise ExpressionError(f"string result longer than {_max_chars(ctx)} characters")
    return text.rjust(width, pad)


def _str_fn(name: str, op: Callable[[str], Any]) -> Impl:
    def impl(args: list[Any], ctx: Any) -> Any:
        return op(_want(args[0], (str,), "the argument", name))

    return impl


def _str2_fn(name: str, op: Callable[[str, str], Any]) -> Impl:
    def impl(args: list[Any], ctx: Any) -> Any:
        return op(
            _want(args[0], (str,), "the string", name),
            _want(args[1], (str,), "the string to find", name),
        )

    return impl


def fn_guid(args: list[Any], ctx: Any) -> str:
    parts = [_want(a, (str,), "every argument", "guid") for a in args]
    return str(uuid.uuid5(_GUID_NAMESPACE, "\x00".join(parts)))


def fn_unique_string(args: list[Any], ctx: Any) -> str:
    """A stable 13-character placeholder, the shape of ARM's own ``uniqueString``."""
    parts = [_want(a, (str,), "every argument", "uniqueString") for a in args]
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return base64.b32encode(digest).decode().lower()[:13]


def fn_base64_to_string(args: list[Any], ctx: Any) -> str:
    try:
        return base64.b64decode(_want(args[0], (str,), "the value", "base64ToString")).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ExpressionError(f"base64ToString(): {exc}") from None


# --- conversions ---------------------------------------------------------------------------


def fn_string(args: list[Any], ctx: Any) -> Any:
    inner = deep_unknown(args[0], ctx.budget)
    if inner is not None:
        return inner
    return to_text(args[0], _max_chars(ctx))


def fn_int(args: list[Any], ctx: Any) -> int:
    value = args[0]
    if isinstance(value, bool):
        raise ExpressionError("int(): cannot convert a bool")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    text = _want(value, (str,), "the value", "int").strip()
    if not re.fullmatch(r"[+-]?\d{1,19}", text):
        raise ExpressionError(f"int(): {value!r} is not an integer")
    return int(text)


def fn_bool(args: list[Any], ctx: Any) -> bool:
    value = args[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = _want(value, (str,), "the value", "bool").strip().lower()
    if text in ("true", "false"):
        return text == "true"
    if text in ("1", "0"):
        return text == "1"
    raise ExpressionError(f"bool(): {value!r} is not a boolean")


def fn_array(args: list[Any], ctx: Any) -> list[Any]:
    return args[0] if isinstance(args[0], list) else [args[0]]


def fn_json(args: list[Any], ctx: Any) -> Any:
    text = _want(args[0], (str,), "the value", "json")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ExpressionError(f"json(): not valid JSON: {exc}") from None


# --- collections ---------------------------------------------------------------------------


def fn_length(args: list[Any], ctx: Any) -> int:
    return len(_want(args[0], (str, list, dict), "the argument", "length"))


def fn_empty(args: list[Any], ctx: Any) -> bool:
    value = args[0]
    if value is None:
        return True
    return len(_want(value, (str, list, dict), "the argument", "empty")) == 0


def fn_contains(args: list[Any], ctx: Any) -> Any:
    container, item = args
    if isinstance(container, str):
        needle = to_text(_want(item, (str, int), "the item", "contains"), _max_chars(ctx))
        return needle in container
    if isinstance(container, dict):
        wanted = to_text(item, _max_chars(ctx)).lower()
        return any(str(k).lower() == wanted for k in container)
    _want(container, (list,), "the container", "contains")
    unknown = None
    for element in container:
        if isinstance(element, Unknown):
            unknown = element
        elif json_equal(element, item, ctx.budget):
            return True
    return unknown if unknown is not None else False


def _sequence(value: Any, fn: str) -> Any:
    return _want(value, (list, str), "the argument", fn)


def fn_first(args: list[Any], ctx: Any) -> Any:
    seq = _sequence(args[0], "first")
    return seq[0] if seq else ("" if isinstance(seq, str) else None)


def fn_last(args: list[Any], ctx: Any) -> Any:
    seq = _sequence(args[0], "last")
    return seq[-1] if seq else ("" if isinstance(seq, str) else None)


def fn_take(args: list[Any], ctx: Any) -> Any:
    seq = _sequence(args[0], "take")
    count = _want(args[1], (int,), "the count", "take")
    return seq[: max(count, 0)]


def fn_skip(args: list[Any], ctx: Any) -> Any:
    seq = _sequence(args[0], "skip")
    count = _want(args[1], (int,), "the count", "skip")
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
        out[_want(args[position], (str,), "a key", "createObject")] = args[position + 1]
    return out


def fn_join(args: list[Any], ctx: Any) -> Any:
    items = _want(args[0], (list,), "the array", "join")
    delimiter = _want(args[1], (str,), "the delimiter", "join")
    unknown = deep_unknown(items, ctx.budget)
    if unknown is not None:
        return unknown
    return check_string(
        delimiter.join(to_text(i, _max_chars(ctx)) for i in items), _max_chars(ctx)
    )


def fn_range(args: list[Any], ctx: Any) -> list[int]:
    start = _want(args[0], (int,), "the start", "range")
    count = _want(args[1], (int,), "the count", "range")
    if count < 0:
        raise ExpressionError("range(): the count is negative")
    if count > ctx.limits.max_loop_items:
        raise ExpressionError(
            f"range(): count {count} exceeds the limit {ctx.limits.max_loop_items}"
        )
    return list(range(start, start + count))


def fn_items(args: list[Any], ctx: Any) -> list[dict[str, Any]]:
    obj = _want(args[0], (dict,), "the argument", "items")
    return [{"key": k, "value": obj[k]} for k in sorted(obj, key=str.lower)]


def fn_flatten(args: list[Any], ctx: Any) -> list[Any]:
    out: list[Any] = []
    for item in _want(args[0], (list,), "the argument", "flatten"):
        out.extend(_want(item, (list,), "every element", "flatten"))
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


# --- logic, comparison, math ---------------------------------------------------------------


def fn_equals(args: list[Any], ctx: Any) -> Any:
    for value in args:
        unknown = deep_unknown(value, ctx.budget)
        if unknown is not None:
            return unknown
    return json_equal(args[0], args[1], ctx.budget)


def fn_not(args: list[Any], ctx: Any) -> bool:
    return not _want(args[0], (bool,), "the argument", "not")


def _compare(name: str, op: Callable[[Any, Any], bool]) -> Impl:
    def impl(args: list[Any], ctx: Any) -> bool:
        left, right = args
        if isinstance(left, str) and isinstance(right, str):
            return op(left, right)
        _want(left, (int, float), "the first value", name)
        _want(right, (int, float), "the second value", name)
        return op(left, right)

    return impl


def _ints(args: list[Any], fn: str) -> list[int]:
    return [_want(a, (int,), "every argument", fn) for a in args]


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


def _constant(value: Any) -> Impl:
    return lambda args, ctx: value


def _unknown(reason: str) -> Impl:
    return lambda args, ctx: Unknown(reason)


# name -> (min args, max args or None, implementation, strict on top-level Unknown)
FUNCTIONS: dict[str, tuple[int, int | None, Impl, bool]] = {
    "concat": (0, None, fn_concat, True),
    "format": (1, None, fn_format, True),
    "replace": (3, 3, fn_replace, True),
    "split": (2, 2, fn_split, True),
    "substring": (2, 3, fn_substring, True),
    "padleft": (2, 3, fn_pad_left, True),
    "tolower": (1, 1, _str_fn("toLower", str.lower), True),
    "toupper": (1, 1, _str_fn("toUpper", str.upper), True),
    "trim": (1, 1, _str_fn("trim", str.strip), True),
    "startswith": (
        2, 2, _str2_fn("startsWith", lambda s, t: s.lower().startswith(t.lower())), True
    ),
    "endswith": (2, 2, _str2_fn("endsWith", lambda s, t: s.lower().endswith(t.lower())), True),
    "indexof": (2, 2, _str2_fn("indexOf", lambda s, t: s.lower().find(t.lower())), True),
    "lastindexof": (2, 2, _str2_fn("lastIndexOf", lambda s, t: s.lower().rfind(t.lower())), True),
    "guid": (1, None, fn_guid, True),
    "uniquestring": (1, None, fn_unique_string, True),
    "base64": (1, 1, _str_fn("base64", lambda s: base64.b64encode(s.encode()).decode()), True),
    "base64tostring": (1, 1, fn_base64_to_string, True),
    "uricomponent": (1, 1, _str_fn("uriComponent", lambda s: urllib.parse.quote(s, safe="")), True),
    "uricomponenttostring": (1, 1, _str_fn("uriComponentToString", urllib.parse.unquote), True),
    "string": (1, 1, fn_string, True),
    "int": (1, 1, fn_int, True),
    "bool": (1, 1, fn_bool, True),
    "array": (1, 1, fn_array, False),
    "json": (1, 1, fn_json, True),
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
    "objectkeys": (1, 1, lambda args, ctx: list(_want(args[0], (dict,), "the argument",
                                                          "objectKeys")), True),
    "items": (1, 1, fn_items, True),
    "flatten": (1, 1, fn_flatten, True),
    "join": (2, 2, fn_join, True),
    "range": (2, 2, fn_range, True),
    "tryget": (2, None, fn_try_get, False),
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

__all__ = ["FUNCTIONS", "CONTAINER_BUILDERS", "bounded_json"]


def arity_problem(low: int, high: int | None, count: int) -> str | None:
    """Why *count* arguments do not fit a library entry taking *low*..*high* (None when they
    do): one wording for the ARM and the Bicep evaluators, which share this library."""
    if count >= low and (high is None or count <= high):
        return None
    expected = f"{low}" if low == high else f"{low}..{high if high is not None else 'n'}"
    return f"takes {expected} argument(s), got {count}"
