"""The Terraform functions that NSG/SG/VM configurations actually use.

An argument that is not concrete makes the result Unknown (with the argument's reason); a
function we do not implement is Unknown too, never a guess.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from iacjit.model.values import ResourceRef, Unknown, is_known, unknown_reason


class EvalError(Exception):
    """An expression that Terraform itself would reject (``try()`` moves on past it)."""


class LimitError(Exception):
    """A result over a scan limit: not Terraform's error, so ``try()`` does not hide it."""


def _unknown_arg(args: tuple[Any, ...]) -> Unknown | None:
    for arg in args:
        if not is_known(arg):
            return Unknown(unknown_reason(arg) or "unknown argument")
    return None


def _to_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        raise EvalError("null value in a string")
    if isinstance(value, dict | list):
        raise EvalError("cannot convert a collection to a string")
    return str(value)


def to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise EvalError("a bool is not a number")
    if isinstance(value, int | float):
        return value
    try:
        number = float(str(value))
    except ValueError:
        raise EvalError(f"not a number: {value!r}") from None
    return int(number) if number.is_integer() else number


def _distinct(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _flatten(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in items:
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out


def _lookup(mapping: dict, key: Any, *default: Any) -> Any:
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise EvalError(f"key {key!r} not found")


def _element(items: list, index: Any) -> Any:
    if not items:
        raise EvalError("element() of an empty list")
    return items[int(to_number(index)) % len(items)]


def _format(fmt: str, *args: Any) -> str:
    values = iter(args)
    widths = [int(w) for w in re.findall(r"%[-+ #0]*(\d+)", fmt)]
    widths += [int(p) for p in re.findall(r"%[-+ #0]*\d*\.(\d+)", fmt)]
    if widths and max(widths) > 10_000:  # "%0100000000d" would build a 100 MB string
        raise LimitError(f"a format width or precision of {max(widths)} exceeds the limit "
                         "of 10000")

    def sub(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        verb = match.group(0)[-1]
        value = next(values)
        if verb == "d":
            return str(int(to_number(value)))
        if verb == "q":
            return json.dumps(value)
        if verb in "fge":
            return ("%" + match.group(0)[1:]) % to_number(value)
        return _to_str(value) if not isinstance(value, dict | list) else json.dumps(value)

    try:
        return re.sub(r"%%|%[-+ #0]*\d*(?:\.\d+)?[a-zA-Z]", sub, fmt)
    except StopIteration:
        raise EvalError("format() has fewer arguments than verbs") from None


def _replace(text: str, old: str, new: str) -> str:
    """str.replace, refusing before it builds a string over the limit (set by call())."""
    grows = (text.count(old) if old else len(text) + 1) * max(len(new) - len(old), 0)
    if len(text) + grows > _MAX_CHARS[0]:
        raise LimitError(f"the result would be longer than {_MAX_CHARS[0]} characters")
    return text.replace(old, new)


_MAX_CHARS = [1_000_000]  # set by call() from the scan limits


def _coalesce(*args: Any) -> Any:
    for arg in args:
        if arg is not None and arg != "":
            return arg
    raise EvalError("coalesce() found no non-null argument")


def _range(*args: Any) -> list[int | float]:
    numbers = [to_number(a) for a in args]
    start, step = 0, 1
    if len(numbers) == 1:
        (end,) = numbers
    elif len(numbers) == 2:
        start, end = numbers
    else:
        start, end, step = numbers
    if step == 0:
        raise EvalError("range() step of zero")
    count = math.ceil((end - start) / step)
    if count > 100_000:
        raise LimitError(f"a range of {count} numbers exceeds the limit of 100000")
    return [start + i * step for i in range(max(count, 0))]


def _jsondecode(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise EvalError(f"jsondecode(): {exc}") from None


def _merge(*maps: Any) -> dict:
    out: dict = {}
    for item in maps:
        if item is None:
            continue
        if not isinstance(item, dict):
            raise EvalError("merge() takes maps")
        out.update(item)
    return out


def _tolist(value: Any) -> list:
    if isinstance(value, dict):
        raise EvalError("cannot convert a map to a list")
    return list(value)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "concat": lambda *lists: [x for lst in lists for x in lst],
    "flatten": _flatten,
    "merge": _merge,
    "lookup": _lookup,
    "element": _element,
    "length": lambda v: len(v),
    "format": _format,
    "formatlist": lambda fmt, *lists: [_format(fmt, *row) for row in zip(*lists, strict=False)],
    "join": lambda sep, *lists: sep.join(_to_str(x) for lst in lists for x in lst),
    "split": lambda sep, text: text.split(sep),
    "toset": lambda v: _distinct(list(v)),
    "tolist": _tolist,
    "tomap": lambda v: dict(v),
    "tostring": lambda v: None if v is None else _to_str(v),
    "tonumber": lambda v: None if v is None else to_number(v),
    "tobool": lambda v: v if isinstance(v, bool) else {"true": True, "false": False}[str(v)],
    "lower": lambda s: s.lower(),
    "upper": lambda s: s.upper(),
    "title": lambda s: s.title(),
    "trimspace": lambda s: s.strip(),
    "trim": lambda s, chars: s.strip(chars),
    "trimprefix": lambda s, p: s[len(p):] if s.startswith(p) else s,
    "trimsuffix": lambda s, p: s[: -len(p)] if p and s.endswith(p) else s,
    "replace": lambda s, old, new: _replace(s, old, new),
    "substr": lambda s, off, n: s[int(off):] if int(n) < 0 else s[int(off): int(off) + int(n)],
    "startswith": lambda s, p: s.startswith(p),
    "endswith": lambda s, p: s.endswith(p),
    "strcontains": lambda s, p: p in s,
    "coalesce": _coalesce,
    "coalescelist": lambda *lists: next((lst for lst in lists if lst), []),
    "compact": lambda lst: [x for x in lst if x not in (None, "")],
    "contains": lambda lst, v: v in lst,
    "keys": lambda m: sorted(m),
    "values": lambda m: [m[k] for k in sorted(m)],
    "distinct": _distinct,
    "zipmap": lambda ks, vs: dict(zip(ks, vs, strict=False)),
    "setunion": lambda *sets: _distinct([x for s in sets for x in s]),
    "range": _range,
    "max": lambda *ns: max(to_number(n) for n in ns),
    "min": lambda *ns: min(to_number(n) for n in ns),
    "abs": lambda n: abs(to_number(n)),
    "jsonencode": lambda v: json.dumps(v, separators=(",", ":")),
    "jsondecode": _jsondecode,
    "index": lambda lst, v: lst.index(v),
    "reverse": lambda lst: list(reversed(lst)),
    "sort": lambda lst: sorted(_to_str(x) for x in lst),
    "one": lambda lst: (lst[0] if lst else None) if len(lst) <= 1 else EvalError("one()"),
}


_HOLE = "\x00"


def _format_pattern(args: tuple[Any, ...], missing: Unknown) -> Unknown:
    """``format("%s/providers/…/%s", rg.id, vm.name)`` with a part unknown: Unknown, with the
    known text kept as a ``*``-pattern (enough to name the resource an id points at)."""
    if not isinstance(args[0], str) or _HOLE in args[0]:
        return missing
    try:
        text = _format(args[0], *(a if is_known(a) else _HOLE for a in args[1:]))
    except (EvalError, LimitError, TypeError, ValueError):
        return missing
    return Unknown(missing.reason, text.replace(_HOLE, "*"))


def call(name: str, args: tuple[Any, ...], max_chars: int = 1_000_000) -> Any:
    """Apply function *name*; Unknown arguments and unknown functions give Unknown.

    Raises LimitError when the result would be over *max_chars* characters (checked before
    building it where one call could build a huge string: ``replace``, ``format`` widths).
    """
    _MAX_CHARS[0] = max_chars
    name = name.removeprefix("provider::")
    function = FUNCTIONS.get(name)
    if function is None:
        return Unknown(f"function {name}() is not evaluated by iacjit")
    # jsonencode of a structure holding references stays a structure we can still read.
    if name == "jsonencode" and args and not is_known(args[0]):
        return args[0] if isinstance(args[0], dict | list) else Unknown(
            unknown_reason(args[0]) or "unknown argument")
    if name in {"length", "contains", "concat", "flatten", "merge", "toset", "tolist",
                "compact", "distinct", "coalescelist", "setunion", "element", "lookup",
                "values", "keys", "tomap", "reverse", "zipmap"}:
        # Collection functions work on collections holding unknown elements.
        if any(isinstance(a, Unknown | ResourceRef) for a in args):
            return _unknown_arg(args)
    else:
        missing = _unknown_arg(args)
        if missing:
            return _format_pattern(args, missing) if name == "format" else missing
    try:
        result = function(*args)
    except (EvalError, LimitError):
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError,
            OverflowError) as exc:
        raise EvalError(f"{name}(): {exc.__class__.__name__}: {exc}") from None
    if isinstance(result, EvalError):
        raise result
    return result
