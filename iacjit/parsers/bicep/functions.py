"""Bicep's built-in functions over plain Python values (ARM semantics).

Arguments arrive evaluated.  An :class:`Unknown` argument makes the result Unknown (with the
same reason) unless the function can answer without it; functions whose value exists only at
deployment time (``reference``, ``list*``, ``utcNow``, ``newGuid``, Key Vault secrets) always
return Unknown.  Results are bounded by ``max_string_chars`` and ``max_loop_items``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Protocol

from iacjit.model.values import DEPLOYMENT_RESOURCE_GROUP, DEPLOYMENT_SUBSCRIPTION, Unknown
from iacjit.parsers.arm import functions as arm_functions
from iacjit.parsers.bicep.values import (
    RG_SCOPE,
    SUB_SCOPE,
    Closure,
    ModuleHandle,
    ResourceHandle,
    resource_id,
)


class Context(Protocol):
    """What functions need from the evaluator."""

    max_string_chars: int
    max_loop_items: int

    def call(self, closure: Closure, args: list[Any]) -> Any: ...


class FunctionError(Exception):
    """A call with wrong arguments; the evaluator turns it into an Unknown."""


Func = Callable[[Context, list[Any]], Any]
FUNCTIONS: dict[str, Func] = {}
# Functions whose value only exists during or after deployment.
RUNTIME = {
    "reference",
    "utcnow",
    "newguid",
    "getsecret",
    "pickzones",
    "providers",
    "deployer",
    "managementgroup",
    "listkeys",
    "listaccountsas",
    "listsecrets",
    "listconnectionstrings",
    "loadtextcontent",
    "loadjsoncontent",
    "loadyamlcontent",
    "loadfileasbase64",
    "externalinput",
    "readenvironmentvariable",
}
# Functions that look at their arguments' shape and decide themselves about Unknowns.
LENIENT = {
    "length",
    "empty",
    "coalesce",
    "concat",
    "union",
    "array",
    "createarray",
    "first",
    "last",
    "take",
    "skip",
    "map",
    "filter",
    "reduce",
    "sort",
    "toobject",
    "flatten",
    "items",
    "contains",
    "objectkeys",
}


def function(*names: str) -> Callable[[Func], Func]:
    def register(fn: Func) -> Func:
        for name in names:
            FUNCTIONS[name.lower()] = fn
        return fn

    return register


def call(ctx: Context, name: str, args: list[Any]) -> Any:
    key = name.lower()
    if key in RUNTIME or key.startswith("list"):
        return Unknown(f"{name}() is evaluated at deployment time")
    fn = FUNCTIONS.get(key)
    if fn is None:
        return Unknown(f"function {name}() is not supported by the Bicep evaluator")
    if key not in LENIENT:
        for arg in args:
            if isinstance(arg, Unknown):
                return arg
    try:
        return fn(ctx, args)
    except FunctionError as exc:
        return Unknown(f"{name}(): {exc}")
    except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError, OverflowError) as exc:
        return Unknown(f"{name}() cannot be evaluated on these arguments ({exc})")


def _need(args: list[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        raise FunctionError(f"expects {low}..{high} arguments, got {len(args)}")


def bounded_string(ctx: Context, value: str) -> Any:
    if len(value) > ctx.max_string_chars:
        return Unknown(f"string longer than the limit of {ctx.max_string_chars} characters")
    return value


def bounded_list(ctx: Context, value: list[Any]) -> Any:
    if len(value) > ctx.max_loop_items:
        return Unknown(f"array longer than the limit of {ctx.max_loop_items} items")
    return value


def to_string(value: Any) -> str:
    """ARM's string conversion: booleans lower-case, objects and arrays as compact JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, ResourceHandle):
        return str(value.id)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)


def _first_unknown(values: list[Any]) -> Unknown | None:
    return next((v for v in values if isinstance(v, Unknown)), None)


def _handle_free(value: Any) -> Any:
    return value.id if isinstance(value, ResourceHandle) else value


# -- strings -----------------------------------------------------------------------------
@function("string")
def _string(ctx: Context, args: list[Any]) -> Any:
    _need(args, 1)
    return bounded_string(ctx, to_string(args[0]))


@function("toLower")
def _lower(ctx: Context, args: list[Any]) -> Any:
    _need(args, 1)
    return str(args[0]).lower()


@function("toUpper")
def _upper(ctx: Context, args: list[Any]) -> Any:
    _need(args, 1)
    return str(args[0]).upper()


@function("trim")
def _trim(ctx: Context, args: list[Any]) -> Any:
    _need(args, 1)
    return str(args[0]).strip()


@function("replace")
def _replace(ctx: Context, args: list[Any]) -> Any:
    _need(args, 3)
    return bounded_string(ctx, str(args[0]).replace(str(args[1]), str(args[2])))


@function("split")
def _split(ctx: Context, args: list[Any]) -> Any:
    _need(args, 2)
    text, delims = str(args[0]), args[1]
    if isinstance(delims, list):
        pattern = "|".join(re.escape(str(d)) for d in delims if str(d))
        return bounded_list(ctx, re.split(pattern, text) if pattern else [text])
    return bounded_list(ctx, text.split(str(delims)) if str(delims) else [text])


@function("join")
def _join(ctx: Context, args: list[Any]) -> Any:
    _need(args, 2)
    if not isinstance(args[0], list):
        raise FunctionError("first argument must be an array")
    unknown = _first_unknown(args[0])
    if unknown:
        return unknown
    return bounded_string(ctx, str(args[1]).join(to_string(v) for v in args[0]))


@function("substring")
def _substring(ctx: Context, args: list[Any]) -> Any:
    _need(args, 2, 3)
    text, start = str(args[0]), int(args[1])
    length = int(args[2]) if len(args) == 3 else len(text) - start
    if start < 0 or length < 0 or start + length > len(text):
        raise FunctionError("index out of range")
    return text[start : start + length]


@function("startsWith")
def _starts(ctx: Context, args: list[Any]) -> Any:
    _need(args, 2)
    return str(args[0]).lower().startswith(str(args[1]).lower())


@function("endsWith")
def _ends(ctx: Context, args: list[Any]) -> Any:
    _need(args, 2)
    return str(args[0]).lower().endswith(str(args[1]).lower())


@function("indexOf")
def _index_of(ctx: Context, args: list[Any]) -> Any:
    _need(args, 2)
    if isinstance(args[0], list):
        return args[0].index(args[1]) if args[1] in args[0] else -1
    return str(args[0]).lower().find(str(args[1]).lower())


@function("lastIndexOf")
def _last_index_of(ctx: Context, args: list[Any]) -> Any:
    _need(args, 2)
    if isinstance(args[0], list):
        hits = [i for i, v in enumerate(args[0]) if v == args[1]]
        return hits[-1] if hits else -1
    return str(args[0]).lower().rfind(str(args[1]).lower())


@function("padLeft")
def _pad_left(ctx: Context, args: list[Any]) -> Any:
    _need(args, 2, 3)
    width = int(args[1])
    if width > ctx.max_string_chars:
        raise FunctionError("padding longer than the string limit")
    return to_string(args[0]).rjust(width, str(args[2])[:1] if len(args) == 3 else " ")


_FORMAT_HOLE = re.compile(r"\{\{|\}\}|\{(\d+)(?:,[^:}]*)?(?::([^}]*))?\}")


@function("format")
def _format(ctx: Context, args: list[Any]) -> Any:
    if not args:
        raise FunctionError("expects a format string")
    values = args[1:]

    def hole(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        index = int(match.group(1))
        if index >= len(values):
            raise FunctionError(f"no argument for {{{index}}}")
        value, spec = values[index], match.group(2)
        if spec and isinstance(value, int) and spec[:1] in "Dd":
            return str(value).zfill(int(spec[1:] or 0))
        return to_string(value)

    return bounded_string(ctx, _FORMAT_HOLE.sub(hole, str(args[0])))


@function("uniqueString")
def _unique_string(ctx: Context, args: list[Any]) -> Any:
    """Same deterministic placeholder as the ARM parser, so Bicep/ARM twins name alike."""
    if not args:
        raise FunctionError("expects at least one argument")
    return arm_functions.fn_unique_string([to_string(a) for a in args], None)


@function("guid")
def _guid(ctx: Context, args: list[Any]) -> Any:
    if not args:
        raise FunctionError("expects at least one argument")
    return arm_functions.fn_guid([to_string(a) for a in args], None)


@function("base64")
def _base64(ctx: Context, args: list[Any]) -> Any:
    import base64

    _need(args, 1)
    return base64.b64encode(str(args[0]).encode()).decode()


@function("json")
def _json(ctx: Context, args: list[Any]) -> Any:
    _need(args, 1)
    return json.loads(str(args[0]))


# -- numbers and logic -------------------------------------------------------------------
@function("int")
def _int(ctx: Context, args: list[Any]) -> Any:
    _need(args, 1)
    return int(str(args[0]).strip()) if not isinstance(args[0], bool) else int(args[0])


@function("bool")
def _bool(ctx: Context, args: list[Any]) -> Any:
    _need(args, 1)
    value = args[0]
    if isinstance(value, str):
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise FunctionError(f"{value!r} is not a boolean")
    return bool(value)


@function("min")
def _min(ctx: Context, args: list[Any]) -> Any:
    values = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    return min(int(v) for v in values)


@function("max")
def _max(ctx: Context, args: list[Any]) -> Any:
    values = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    return max(int(v) for v in values)


@function("range")
def _range(ctx: Context, args: list[Any]) -> Any:
    _need(args, 2)
    start, count = int(args[0]), int(args[1])
    if count < 0:
        raise FunctionError("count must not be negative")
    if count > ctx.max_loop_items:
        return Unknown(f"range of {count} items exceeds the limit of {ctx.max_loop_items}")
    return list(range(start, start + count))


# -- collections -------------------------------------------------------------------------
@function("length")
def _length(ctx: Context, args: list[Any]) -> Any:
    _need(args, 1)
    value = args[0]
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str | list | dict):
        return len(value)
    raise FunctionError("argument has no length")


@function("empty")
def _empty(ctx: Context, args: list[Any]) -> Any:
    _need(args, 1)
    value = args[0]
    if isinstance(value, Unknown):
        return value
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


@function("coalesce")
def _coalesce(ctx: Context, args: list[Any]) -> Any:
    for value in args:
        if isinstance(value, Unknown):
            return value
        if value is not None:
            return value
    return None


@function("concat")
def _concat(ctx: Context, args: list[Any]) -> Any:
    unknown = _first_unknown(args)
    if unknown:
        return unknown
    if args and all(isinstance(a, list) for a in args):
        return bounded_list(ctx, [item for a in args for item in a])
    return bounded_string(ctx, "".join(to_string(a) for a in args))


@function("union")
def _union(ctx: Context, args: list[Any]) -> Any:
    unknown = _first_unknown(args)
    if unknown:
        return unknown
    if all(isinstance(a, dict) for a in args):
        merged: dict[str, Any] = {}
        for a in args:
            merged.update(a)
        return merged
    if all(isinstance(a, list) for a in args):
        out: list[Any] = []
        for a in args:
            out.extend(v for v in a if v not in out)
        return bounded_list(ctx, out)
    raise FunctionError("arguments must all be objects or all be arrays")


@function("intersection")
def _intersection(ctx: Context, args: list[Any]) -> Any:
    if all(isinstance(a, dict) for a in args):
        return {k: v for k, v in args[0].items() if all(b.get(k) == v for b in args[1:])}
    if all(isinstance(a, list) for a in args):
        return [v for v in args[0] if all(v in b for b in args[1:])]
    raise FunctionError("arguments must all be objects or all be arrays")


@function("array", "createArray")
def _array(ctx: Context, args: list[Any]) -> Any:
    if len(args) == 1 and isinstance(args[0], list):
        return args[0]
    if len(args) == 1 and isinstance(args[0], Unknown):
        return args[0]
    return list(args)


@function("first")
def _first(ctx: Context, args: list[Any]) -> Any:
    _need(args, 1)
    value = args[0]
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str | list):
        return value[0] if value else None
    raise FunctionError("argument must be an array or a string")


@function("last")
def _last(ctx: Context, args: list[Any]) -> Any:
    _need(args, 1)
    value = args[0]
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str | list):
        return value[-1] if value else None
    raise FunctionError("argument must be an array or a string")


@function("take")
def _take(ctx: Context, args: list[Any]) -> Any:
    _need(args, 2)
    unknown = _first_unknown(args)
    if unknown:
        return unknown
    return args[0][: max(0, int(args[1]))]


@function("skip")
def _skip(ctx: Context, args: list[Any]) -> Any:
    _need(args, 2)
    unknown = _first_unknown(args)
    if unknown:
        return unknown
    return args[0][max(0, int(args[1])) :]


@function("contains")
def _contains(ctx: Context, args: list[Any]) -> Any:
    _need(args, 2)
    container, item = args
    if isinstance(container, Unknown) or isinstance(item, Unknown):
        return container if isinstance(container, Unknown) else item
    if isinstance(container, str):
        return str(item) in container
    if isinstance(container, dict):
        return str(item).lower() in (k.lower() for k in container)
    if isinstance(container, list):
        if item in container:
            return True
        unknown = _first_unknown(container)
        return unknown if unknown else False
    raise FunctionError("first argument must be a string, an array or an object")


@function("items")
def _items(ctx: Context, args: list[Any]) -> Any:
    _need(args, 1)
    value = args[0]
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, dict):
        raise FunctionError("argument must be an object")
    # ARM returns the entries ordered by key.
    return [{"key": k, "value": value[k]} for k in sorted(value)]


@function("objectKeys")
def _object_keys(ctx: Context, args: list[Any]) -> Any:
    _need(args, 1)
    if isinstance(args[0], Unknown):
        return args[0]
    if not isinstance(args[0], dict):
        raise FunctionError("argument must be an object")
    return sorted(args[0])


@function("flatten")
def _flatten(ctx: Context, args: list[Any]) -> Any:
    _need(args, 1)
    if isinstance(args[0], Unknown):
        return args[0]
    out: list[Any] = []
    for inner in args[0]:
        if isinstance(inner, Unknown):
            return inner
        out.extend(inner if isinstance(inner, list) else [inner])
    return bounded_list(ctx, out)


def _lambda_args(args: list[Any], count: int) -> tuple[list[Any], Closure]:
    _need(args, count)
    array, closure = args[0], args[-1]
    if not isinstance(closure, Closure):
        raise FunctionError("last argument must be a lambda")
    if not isinstance(array, list):
        raise FunctionError("first argument must be an array")
    return array, closure


def _apply(ctx: Context, closure: Closure, value: Any, index: int) -> Any:
    return ctx.call(closure, [value, index][: len(closure.params)])


@function("map")
def _map(ctx: Context, args: list[Any]) -> Any:
    if args and isinstance(args[0], Unknown):
        return args[0]
    array, closure = _lambda_args(args, 2)
    return [_apply(ctx, closure, v, i) for i, v in enumerate(array)]


@function("filter")
def _filter(ctx: Context, args: list[Any]) -> Any:
    if args and isinstance(args[0], Unknown):
        return args[0]
    array, closure = _lambda_args(args, 2)
    out = []
    for i, v in enumerate(array):
        keep = _apply(ctx, closure, v, i)
        if isinstance(keep, Unknown):
            return Unknown(f"filter condition unknown: {keep.reason}")
        if keep:
            out.append(v)
    return out


@function("reduce")
def _reduce(ctx: Context, args: list[Any]) -> Any:
    if args and isinstance(args[0], Unknown):
        return args[0]
    array, closure = _lambda_args(args, 3)
    acc = args[1]
    for i, v in enumerate(array):
        acc = ctx.call(closure, [acc, v, i][: len(closure.params)])
    return acc


@function("sort")
def _sort(ctx: Context, args: list[Any]) -> Any:
    if args and isinstance(args[0], Unknown):
        return args[0]
    array, closure = _lambda_args(args, 2)
    import functools

    def compare(a: Any, b: Any) -> int:
        if ctx.call(closure, [a, b]) is True:
            return -1
        return 1 if ctx.call(closure, [b, a]) is True else 0

    return sorted(array, key=functools.cmp_to_key(compare))


@function("toObject")
def _to_object(ctx: Context, args: list[Any]) -> Any:
    if args and isinstance(args[0], Unknown):
        return args[0]
    _need(args, 2, 3)
    array, key_fn = args[0], args[1]
    value_fn = args[2] if len(args) == 3 else None
    if not isinstance(array, list) or not isinstance(key_fn, Closure):
        raise FunctionError("expects an array and a lambda")
    out: dict[str, Any] = {}
    for item in array:
        key = ctx.call(key_fn, [item])
        if isinstance(key, Unknown):
            return key
        out[str(key)] = ctx.call(value_fn, [item]) if isinstance(value_fn, Closure) else item
    return out


# -- deployment scope and resource ids ----------------------------------------------------
@function("resourceGroup")
def _resource_group(ctx: Context, args: list[Any]) -> Any:
    if not args:
        return {
            "id": RG_SCOPE,
            "name": DEPLOYMENT_RESOURCE_GROUP,
            "type": "Microsoft.Resources/resourceGroups",
            "location": Unknown("the resource group's location is known only at deployment"),
            "properties": Unknown("resource group properties are known only at deployment"),
        }
    sub = str(args[0]) if len(args) == 2 else DEPLOYMENT_SUBSCRIPTION
    name = str(args[-1])
    return {
        "id": f"/subscriptions/{sub}/resourceGroups/{name}",
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": Unknown("the resource group's location is known only at deployment"),
    }


@function("subscription")
def _subscription(ctx: Context, args: list[Any]) -> Any:
    sub = str(args[0]) if args else DEPLOYMENT_SUBSCRIPTION
    return {
        "id": f"/subscriptions/{sub}" if args else SUB_SCOPE,
        "subscriptionId": sub,
        "tenantId": Unknown("the tenant id is known only at deployment"),
        "displayName": Unknown("the subscription name is known only at deployment"),
    }


@function("tenant")
def _tenant(ctx: Context, args: list[Any]) -> Any:
    return {
        "tenantId": Unknown("the tenant id is known only at deployment"),
        "id": Unknown("the tenant id is known only at deployment"),
    }


@function("deployment")
def _deployment(ctx: Context, args: list[Any]) -> Any:
    return {
        "name": Unknown("the deployment name is chosen at deployment"),
        "properties": Unknown("deployment properties are known only at deployment"),
    }


@function("environment")
def _environment(ctx: Context, args: list[Any]) -> Any:
    return Unknown("environment() depends on the target cloud")


def _id_parts(args: list[Any]) -> tuple[list[str], str, list[str]]:
    """Split resourceId-style arguments into (scope arguments, type, names).

    The type is the first argument shaped like ``Namespace.X/type``; what precedes it is the
    scope (subscription id and/or resource group name, or a full scope id).
    """
    values = [str(_handle_free(a)) for a in args]
    for index, text in enumerate(values):
        if "/" in text and "." in text.split("/")[0]:
            return values[:index], text, values[index + 1 :]
    raise FunctionError("no resource type found among the arguments")


@function("resourceId")
def _resource_id(ctx: Context, args: list[Any]) -> Any:
    scope, rtype, names = _id_parts(args)
    if len(scope) >= 2:
        prefix = f"/subscriptions/{scope[-2]}/resourceGroups/{scope[-1]}"
    elif scope:
        prefix = f"/subscriptions/{DEPLOYMENT_SUBSCRIPTION}/resourceGroups/{scope[0]}"
    else:
        prefix = RG_SCOPE
    return resource_id(prefix, rtype, "/".join(names))


@function("subscriptionResourceId")
def _subscription_resource_id(ctx: Context, args: list[Any]) -> Any:
    scope, rtype, names = _id_parts(args)
    prefix = f"/subscriptions/{scope[-1]}" if scope else SUB_SCOPE
    return resource_id(prefix, rtype, "/".join(names))


@function("tenantResourceId")
def _tenant_resource_id(ctx: Context, args: list[Any]) -> Any:
    _, rtype, names = _id_parts(args)
    return resource_id("", rtype, "/".join(names))


@function("extensionResourceId")
def _extension_resource_id(ctx: Context, args: list[Any]) -> Any:
    scope, rtype, names = _id_parts(args)
    if not scope:
        raise FunctionError("expects the id of the extended resource first")
    return resource_id(scope[0], rtype, "/".join(names))


def is_handle(value: Any) -> bool:
    return isinstance(value, ResourceHandle | ModuleHandle)
