"""Bicep's built-in functions: ARM's function library, plus what Bicep adds.

Bicep compiles to ARM, and every Bicep function that ARM also has behaves as ARM's does at
deployment, so those calls go to :mod:`iacjit.parsers.arm.functions` (one implementation, one
set of bugs; ``tests/parsers/arm/test_bicep_arm_differential.py`` runs both languages over the same
expressions).  What stays here is what Bicep adds or shapes differently:

- lambdas are closures of the Bicep evaluator, and ``map``/``filter``/``reduce``/``sort``/
  ``toObject``/``mapValues``/``groupBy`` pass the optional index argument Bicep allows;
- a resource symbol passed to a function stands for its id;
- ``resourceGroup('name')``/``subscription('id')`` with arguments build a scope, and
  ``tenant()``/``managementGroup()`` keep the parts that are known;
- ``any()`` and ``shallowMerge()`` exist only in Bicep.

Anything whose value exists only during or after deployment (``reference``, ``list*``,
``utcNow``, Key Vault secrets, ``load*Content`` reading files) is Unknown with a reason.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from iacjit.model.values import DEPLOYMENT_RESOURCE_GROUP, DEPLOYMENT_SUBSCRIPTION, Unknown
from iacjit.parsers.arm.expr_parse import ExpressionError
from iacjit.parsers.arm.functions import CONTAINER_BUILDERS, FUNCTIONS, arity_problem
from iacjit.parsers.arm.resource_ids import SCOPE_FUNCTIONS
from iacjit.parsers.arm.values import Budget, EvaluationLimit, first_unknown, to_text, tree_size
from iacjit.parsers.bicep.values import Closure, ModuleHandle, ResourceHandle
from iacjit.parsers.common.options import Limits


class Context(Protocol):
    """What functions need from the evaluator."""

    max_string_chars: int
    max_loop_items: int
    arm: ArmContext

    def call(self, closure: Closure, args: list[Any]) -> Any: ...


@dataclass
class ArmContext:
    """The part of ARM's evaluation context that its function library reads."""

    limits: Limits
    budget: Budget = field(default_factory=lambda: Budget(2_000_000))
    subscription_id: Any = DEPLOYMENT_SUBSCRIPTION
    resource_group: Any = DEPLOYMENT_RESOURCE_GROUP


class FunctionError(Exception):
    """A call with wrong arguments; :func:`call` turns it into an Unknown."""


BicepFunc = Callable[[Context, list[Any]], Any]
BICEP: dict[str, BicepFunc] = {}
# Functions whose value only exists during or after deployment.
RUNTIME = frozenset({
    "reference", "utcnow", "newguid", "getsecret", "pickzones", "providers", "deployer",
    "loadtextcontent", "loadjsoncontent", "loadyamlcontent", "loadfileasbase64",
    "loaddirectoryfileinfo", "externalinput", "readenvironmentvariable", "datetimeadd",
    "datetimefromepoch", "datetimetoepoch",
})


def bicep(*names: str) -> Callable[[BicepFunc], BicepFunc]:
    def register(fn: BicepFunc) -> BicepFunc:
        for name in names:
            BICEP[name.lower()] = fn
        return fn

    return register


def call(ctx: Context, name: str, args: list[Any]) -> Any:
    """Evaluate ``name(args)``; never raises on user input."""
    key = name.lower()
    if key in RUNTIME or key.startswith("list"):
        return Unknown(f"{name}() is evaluated at deployment time")
    args = [plain(a) for a in args]
    try:
        if key in BICEP:
            return BICEP[key](ctx, args)
        return _arm(ctx, key, name, args)
    except (FunctionError, ExpressionError) as exc:
        return Unknown(f"{name}(): {exc}" if not str(exc).startswith(f"{name}(") else str(exc))
    except EvaluationLimit as exc:
        return Unknown(str(exc))
    except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError, OverflowError) as exc:
        return Unknown(f"{name}() cannot be evaluated on these arguments ({exc})")


def _arm(ctx: Context, key: str, name: str, args: list[Any]) -> Any:
    entry = FUNCTIONS.get(key) or SCOPE_FUNCTIONS.get(key)
    if entry is None:
        return Unknown(f"function {name}() is not supported by the Bicep evaluator")
    low, high, impl, strict = entry
    problem = arity_problem(low, high, len(args))
    if problem:
        raise FunctionError(problem)
    if strict:
        unknown = first_unknown(args)
        if unknown is not None:
            return unknown
    if any(isinstance(a, Closure | ModuleHandle) for a in args):
        raise FunctionError("does not take a lambda or a module")
    result = impl(args, ctx.arm)
    if isinstance(result, str) and len(result) > ctx.max_string_chars:
        return Unknown(f"string longer than the limit of {ctx.max_string_chars} characters")
    if key in CONTAINER_BUILDERS and isinstance(result, list | dict):
        cap = 10 * ctx.max_loop_items
        if tree_size(result, cap) > cap:
            return Unknown(f"{name}() built a value of more than {cap} elements")
    return result


def plain(value: Any) -> Any:
    """A resource symbol as an argument stands for its id (as the compiled template has it)."""
    if isinstance(value, ResourceHandle):
        return value.id
    if isinstance(value, list) and any(isinstance(v, ResourceHandle) for v in value):
        return [plain(v) for v in value]
    return value


def to_string(value: Any, max_chars: int) -> Any:
    """A value inside ``'${…}'``: Bicep compiles interpolation to ARM's ``format()``."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, ModuleHandle | Closure):
        return Unknown("a module or lambda cannot be interpolated")
    try:
        return to_text(plain(value), max_chars)
    except ExpressionError as exc:
        return Unknown(str(exc))


# -- functions that take lambdas ----------------------------------------------------------
def _lambda_args(args: list[Any], count: int, name: str) -> tuple[list[Any] | Unknown, Closure]:
    if len(args) != count:
        raise FunctionError(f"takes {count} arguments, got {len(args)}")
    items, closure = args[0], args[-1]
    if not isinstance(closure, Closure):
        raise FunctionError("the last argument must be a lambda")
    if isinstance(items, Unknown):
        return items, closure
    if not isinstance(items, list):
        raise FunctionError("the first argument must be an array")
    return items, closure


def _apply(ctx: Context, closure: Closure, *values: Any) -> Any:
    """Call *closure* with as many of *values* as it declares (the index is optional)."""
    return ctx.call(closure, list(values[: len(closure.params)]))


def _decided(value: Any, name: str) -> bool | Unknown:
    if isinstance(value, bool):
        return value
    if isinstance(value, Unknown):
        return Unknown(f"{name}(): the condition is not known ({value.reason})")
    raise FunctionError("the lambda must return a boolean")


@bicep("map")
def _map(ctx: Context, args: list[Any]) -> Any:
    items, closure = _lambda_args(args, 2, "map")
    if isinstance(items, Unknown):
        return items
    return [_apply(ctx, closure, v, i) for i, v in enumerate(items)]


@bicep("filter")
def _filter(ctx: Context, args: list[Any]) -> Any:
    items, closure = _lambda_args(args, 2, "filter")
    if isinstance(items, Unknown):
        return items
    kept = []
    for i, v in enumerate(items):
        keep = _decided(_apply(ctx, closure, v, i), "filter")
        if isinstance(keep, Unknown):
            return keep
        if keep:
            kept.append(v)
    return kept


@bicep("reduce")
def _reduce(ctx: Context, args: list[Any]) -> Any:
    items, closure = _lambda_args(args, 3, "reduce")
    if isinstance(items, Unknown):
        return items
    total = args[1]
    for i, v in enumerate(items):
        total = _apply(ctx, closure, total, v, i)
    return total


@bicep("sort")
def _sort(ctx: Context, args: list[Any]) -> Any:
    items, closure = _lambda_args(args, 2, "sort")
    if isinstance(items, Unknown):
        return items

    def less(a: Any, b: Any) -> bool:
        verdict = _decided(_apply(ctx, closure, a, b), "sort")
        if isinstance(verdict, Unknown):
            raise _Undecided(verdict)
        return verdict

    try:
        return sorted(items, key=functools.cmp_to_key(
            lambda a, b: -1 if less(a, b) else 1 if less(b, a) else 0
        ))
    except _Undecided as exc:
        return exc.unknown


class _Undecided(Exception):
    """A sort comparison that is not known stops the sort."""

    def __init__(self, unknown: Unknown) -> None:
        self.unknown = unknown


@bicep("toObject")
def _to_object(ctx: Context, args: list[Any]) -> Any:
    if len(args) not in (2, 3):
        raise FunctionError("takes an array and one or two lambdas")
    items, key_fn = _lambda_args(args[:2], 2, "toObject")
    if isinstance(items, Unknown):
        return items
    value_fn = args[2] if len(args) == 3 else None
    out: dict[str, Any] = {}
    for item in items:
        key = _apply(ctx, key_fn, item)
        if isinstance(key, Unknown):
            return key
        out[str(key)] = _apply(ctx, value_fn, item) if isinstance(value_fn, Closure) else item
    return out


@bicep("mapValues")
def _map_values(ctx: Context, args: list[Any]) -> Any:
    if len(args) != 2 or not isinstance(args[1], Closure):
        raise FunctionError("takes an object and a lambda")
    if isinstance(args[0], Unknown):
        return args[0]
    if not isinstance(args[0], dict):
        raise FunctionError("the first argument must be an object")
    return {k: _apply(ctx, args[1], v) for k, v in args[0].items()}


@bicep("groupBy")
def _group_by(ctx: Context, args: list[Any]) -> Any:
    items, closure = _lambda_args(args, 2, "groupBy")
    if isinstance(items, Unknown):
        return items
    groups: dict[str, list[Any]] = {}
    for item in items:
        key = _apply(ctx, closure, item)
        if isinstance(key, Unknown):
            return key
        groups.setdefault(str(key), []).append(item)
    return groups


# -- Bicep-only and Bicep-shaped functions ------------------------------------------------
@bicep("any")
def _any(ctx: Context, args: list[Any]) -> Any:
    if len(args) != 1:
        raise FunctionError("takes 1 argument")
    return args[0]


@bicep("shallowMerge")
def _shallow_merge(ctx: Context, args: list[Any]) -> Any:
    if len(args) != 1:
        raise FunctionError("takes 1 argument")
    if isinstance(args[0], Unknown):
        return args[0]
    if not isinstance(args[0], list):
        raise FunctionError("the argument must be an array of objects")
    merged: dict[str, Any] = {}
    for item in args[0]:
        if isinstance(item, Unknown):
            return item
        if not isinstance(item, dict):
            raise FunctionError("the argument must be an array of objects")
        merged.update(item)
    return merged


@bicep("resourceGroup")
def _resource_group(ctx: Context, args: list[Any]) -> Any:
    if not args:
        return SCOPE_FUNCTIONS["resourcegroup"][2](args, ctx.arm)
    unknown = first_unknown(args)
    if unknown is not None:
        return unknown
    if len(args) > 2:
        raise FunctionError("takes 0..2 arguments")
    subscription = args[0] if len(args) == 2 else DEPLOYMENT_SUBSCRIPTION
    name = args[-1]
    return {
        "id": f"/subscriptions/{subscription}/resourceGroups/{name}",
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": Unknown("the resource group's location is known only at deployment"),
    }


@bicep("subscription")
def _subscription(ctx: Context, args: list[Any]) -> Any:
    if not args:
        return SCOPE_FUNCTIONS["subscription"][2](args, ctx.arm)
    unknown = first_unknown(args)
    if unknown is not None:
        return unknown
    return {
        "id": f"/subscriptions/{args[0]}",
        "subscriptionId": args[0],
        "tenantId": Unknown("the tenant id is known only at deployment"),
        "displayName": Unknown("the subscription name is known only at deployment"),
    }


@bicep("tenant")
def _tenant(ctx: Context, args: list[Any]) -> Any:
    return {
        "tenantId": Unknown("the tenant id is known only at deployment"),
        "id": Unknown("the tenant id is known only at deployment"),
    }


@bicep("managementGroup")
def _management_group(ctx: Context, args: list[Any]) -> Any:
    if len(args) == 1 and isinstance(args[0], str):
        return {
            "id": f"/providers/Microsoft.Management/managementGroups/{args[0]}",
            "name": args[0],
            "type": "Microsoft.Management/managementGroups",
        }
    return Unknown("managementGroup() is known only at deployment")
