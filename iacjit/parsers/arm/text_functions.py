"""ARM's string functions and conversions (``concat``, ``format``, ``split``, ``string``,
``int``, ``json``…): pure functions of their evaluated arguments.

Each raises :class:`ExpressionError` where ARM would fail the deployment; the registry
(:mod:`iacjit.parsers.arm.functions`) checks arity and bounds the result.
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

from iacjit.parsers.arm.expr_parse import ExpressionError
from iacjit.parsers.arm.values import (
    Impl,
    check_string,
    deep_unknown,
    max_chars,
    to_text,
    type_name,
    want,
)

# A fixed namespace keeps guid() placeholders stable between runs and machines.
_GUID_NAMESPACE = uuid.UUID("6d1b0f3e-3c1e-4b8a-9a51-2f0b8c1e7a10")


def fn_concat(args: list[Any], ctx: Any) -> Any:
    if args and all(isinstance(a, list) for a in args):
        out: list[Any] = []
        for item in args:
            out.extend(item)
        return out
    if any(isinstance(a, list | dict) for a in args):
        raise ExpressionError("concat(): cannot mix arrays or objects with strings")
    return check_string("".join(to_text(a, max_chars(ctx)) for a in args), max_chars(ctx))


_FORMAT_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}|[{}]")


def _format_value(value: Any, spec: str | None, ctx: Any) -> str:
    if not spec:
        return to_text(value, max_chars(ctx))
    kind, digits = spec[0], spec[1:]
    if not digits.isdigit() and digits:
        raise ExpressionError(f"format(): unsupported format string {spec!r}")
    width = int(digits or 0)
    if width > max_chars(ctx):
        raise ExpressionError(f"string result longer than {max_chars(ctx)} characters")
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
    template = want(args[0], (str,), "the format", "format")
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
                if abs(align) > max_chars(ctx):
                    raise ExpressionError(
                        f"string result longer than {max_chars(ctx)} characters"
                    )
                text = text.ljust(-align) if align < 0 else text.rjust(align)
            out.append(text)
        size += len(out[-1])
        if size > max_chars(ctx):
            raise ExpressionError(f"string result longer than {max_chars(ctx)} characters")
        position = match.end()
    out.append(template[position:])
    return check_string("".join(out), max_chars(ctx))


def fn_replace(args: list[Any], ctx: Any) -> str:
    text = want(args[0], (str,), "the string", "replace")
    old = want(args[1], (str,), "the old string", "replace")
    new = want(args[2], (str,), "the new string", "replace")
    if not old:
        raise ExpressionError("replace(): the old string is empty")
    growth = text.count(old) * (len(new) - len(old))
    if len(text) + growth > max_chars(ctx):
        raise ExpressionError(f"string result longer than {max_chars(ctx)} characters")
    return text.replace(old, new)


def fn_split(args: list[Any], ctx: Any) -> list[str]:
    text = want(args[0], (str,), "the string", "split")
    delimiters = args[1] if isinstance(args[1], list) else [args[1]]
    for delimiter in delimiters:
        want(delimiter, (str,), "the delimiter", "split")
    delimiters = [d for d in delimiters if d]
    if not delimiters:
        return [text]
    parts = re.split("|".join(re.escape(d) for d in delimiters), text)
    if len(parts) > ctx.limits.max_loop_items:
        raise ExpressionError(f"split(): more than {ctx.limits.max_loop_items} parts")
    return parts


def fn_substring(args: list[Any], ctx: Any) -> str:
    text = want(args[0], (str,), "the string", "substring")
    start = want(args[1], (int,), "the start index", "substring")
    length = (
        len(text) - start if len(args) < 3 else want(args[2], (int,), "the length", "substring")
    )
    if start < 0 or length < 0 or start + length > len(text):
        raise ExpressionError(
            f"substring(): start {start} and length {length} are outside a string of "
            f"{len(text)} characters"
        )
    return text[start : start + length]


def fn_pad_left(args: list[Any], ctx: Any) -> str:
    value = args[0]
    text = to_text(want(value, (str, int), "the value", "padLeft"), max_chars(ctx))
    width = want(args[1], (int,), "the total length", "padLeft")
    pad = " " if len(args) < 3 else want(args[2], (str,), "the padding", "padLeft")
    if len(pad) != 1:
        raise ExpressionError("padLeft(): the padding must be one character")
    if width > max_chars(ctx):
        raise ExpressionError(f"string result longer than {max_chars(ctx)} characters")
    return text.rjust(width, pad)


def _str_fn(name: str, op: Callable[[str], Any]) -> Impl:
    def impl(args: list[Any], ctx: Any) -> Any:
        return op(want(args[0], (str,), "the argument", name))

    return impl


def _str2_fn(name: str, op: Callable[[str, str], Any]) -> Impl:
    def impl(args: list[Any], ctx: Any) -> Any:
        return op(
            want(args[0], (str,), "the string", name),
            want(args[1], (str,), "the string to find", name),
        )

    return impl


def fn_guid(args: list[Any], ctx: Any) -> str:
    parts = [want(a, (str,), "every argument", "guid") for a in args]
    return str(uuid.uuid5(_GUID_NAMESPACE, "\x00".join(parts)))


def fn_unique_string(args: list[Any], ctx: Any) -> str:
    """A stable 13-character placeholder, the shape of ARM's own ``uniqueString``."""
    parts = [want(a, (str,), "every argument", "uniqueString") for a in args]
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return base64.b32encode(digest).decode().lower()[:13]


def fn_base64_to_string(args: list[Any], ctx: Any) -> str:
    try:
        return base64.b64decode(want(args[0], (str,), "the value", "base64ToString")).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ExpressionError(f"base64ToString(): {exc}") from None


# --- conversions ---------------------------------------------------------------------------


def fn_string(args: list[Any], ctx: Any) -> Any:
    inner = deep_unknown(args[0], ctx.budget)
    if inner is not None:
        return inner
    return to_text(args[0], max_chars(ctx))


def fn_int(args: list[Any], ctx: Any) -> int:
    value = args[0]
    if isinstance(value, bool):
        raise ExpressionError("int(): cannot convert a bool")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    text = want(value, (str,), "the value", "int").strip()
    if not re.fullmatch(r"[+-]?\d{1,19}", text):
        raise ExpressionError(f"int(): {value!r} is not an integer")
    return int(text)


def fn_bool(args: list[Any], ctx: Any) -> bool:
    value = args[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = want(value, (str,), "the value", "bool").strip().lower()
    if text in ("true", "false"):
        return text == "true"
    if text in ("1", "0"):
        return text == "1"
    raise ExpressionError(f"bool(): {value!r} is not a boolean")


def fn_array(args: list[Any], ctx: Any) -> list[Any]:
    return args[0] if isinstance(args[0], list) else [args[0]]


def fn_json(args: list[Any], ctx: Any) -> Any:
    text = want(args[0], (str,), "the value", "json")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ExpressionError(f"json(): not valid JSON: {exc}") from None


# name -> (min args, max args or None, implementation, strict on top-level Unknown)
TEXT_FUNCTIONS: dict[str, tuple[int, int | None, Impl, bool]] = {
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
}
