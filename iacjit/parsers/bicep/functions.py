"""Bicep's built-in functions: ARM's function library, plus what Bicep adds.

Bicep compiles to ARM, and every Bicep function that ARM also has behaves as ARM's does at
deployment, so those calls go to ARM's library (:mod:`iacjit.parsers.arm.functions`, and
:mod:`iacjit.parsers.arm.lambdas` for ``map``/``filter``/``reduce``/``sort``/``toObject``/
``mapValues``/``groupBy`` over Bicep's lambdas): one implementation, one set of bugs;
``tests/parsers/arm/test_bicep_arm_differential.py`` runs both languages over the same
expressions.  What stays here is what Bicep adds or shapes differently:

- a resource symbol passed to a function stands for its id;
- ``resourceGroup('name')``/``subscription('id')`` with arguments build a scope, and
  ``tenant()``/``managementGroup()`` keep the parts that are known;
- ``any()`` exists only in Bicep.

Anything whose value exists only during or after deployment (``reference``, ``list*``,
``utcNow``, Key Vault secrets, ``load*Content`` reading files) is Unknown with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from iacjit.model.values import DEPLOYMENT_RESOURCE_GROUP, DEPLOYMENT_SUBSCRIPTION, Unknown
from iacjit.parsers.arm import functions as arm_functions
from iacjit.parsers.arm import lambdas
from iacjit.parsers.arm.expr_parse import ExpressionError
from iacjit.parsers.arm.lambdas import LAMBDA_FUNCTIONS
from iacjit.parsers.arm.resource_ids import SCOPE_FUNCTIONS
from iacjit.parsers.arm.values import Budget, EvaluationLimit, first_unknown, to_text
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
        if key in LAMBDA_FUNCTIONS:
            return lambdas.call(name, args, _BicepLambdas(ctx))
        if not arm_functions.knows(key):
            return Unknown(f"function {name}() is not supported by the Bicep evaluator")
        return arm_functions.call(name, args, ctx.arm, opaque=(Closure, ModuleHandle),
                                  opaque_what="a lambda or a module")
    except (FunctionError, ExpressionError) as exc:
        return Unknown(f"{name}(): {exc}" if not str(exc).startswith(f"{name}(") else str(exc))
    except EvaluationLimit as exc:
        return Unknown(str(exc))
    except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError, OverflowError) as exc:
        return Unknown(f"{name}() cannot be evaluated on these arguments ({exc})")


class _BicepLambdas:
    """Bicep's arrow functions for ARM's functions that take lambdas."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def parameters(self, value: Any) -> int | None:
        return len(value.params) if isinstance(value, Closure) else None

    def call(self, function: Closure, values: list[Any]) -> Any:
        return self.ctx.call(function, values)


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


# -- Bicep-only and Bicep-shaped functions ------------------------------------------------
@bicep("any")
def _any(ctx: Context, args: list[Any]) -> Any:
    if len(args) != 1:
        raise FunctionError("takes 1 argument")
    return args[0]


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
