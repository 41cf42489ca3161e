"""Deployment-scope functions: ``subscription()``, ``resourceGroup()``, ``resourceId()``…

The subscription and resource group a template lands in are unknown before deployment, but
shared by every resource of one deployment. They evaluate to the markers of
:mod:`iacjit.model.values`, so ids built from them still compare equal across resources and
``subscription().id`` as an alert scope still covers the plan.
"""

from __future__ import annotations

from typing import Any

from iacjit.model.values import Unknown
from iacjit.parsers.arm.expr_parse import ExpressionError
from iacjit.parsers.arm.values import type_name


def _scope(ctx: Any) -> tuple[Any, Any]:
    return ctx.subscription_id, ctx.resource_group


def fn_subscription(args: list[Any], ctx: Any) -> dict[str, Any]:
    subscription = ctx.subscription_id
    return {
        "id": f"/subscriptions/{subscription}",
        "subscriptionId": subscription,
        "tenantId": Unknown("the tenant is known only at deployment"),
        "displayName": Unknown("the subscription name is known only at deployment"),
    }


def fn_resource_group(args: list[Any], ctx: Any) -> dict[str, Any]:
    subscription, group = _scope(ctx)
    return {
        "id": f"/subscriptions/{subscription}/resourceGroups/{group}",
        "name": group,
        "type": "Microsoft.Resources/resourceGroups",
        "location": Unknown("the resource group's location is known only at deployment"),
        "managedBy": Unknown("known only at deployment"),
        "tags": Unknown("the resource group's tags are known only at deployment"),
        "properties": {"provisioningState": "Succeeded"},
    }


def fn_deployment(args: list[Any], ctx: Any) -> dict[str, Any]:
    return {
        "name": Unknown("the deployment name is chosen at deployment time"),
        "location": Unknown("the deployment location is chosen at deployment time"),
        "properties": Unknown("deployment().properties is known only at deployment"),
    }


def _provider_path(args: list[Any], fn: str) -> str:
    """``Microsoft.Network/networkSecurityGroups/securityRules`` + names → provider path."""
    resource_type, *names = args
    if not isinstance(resource_type, str) or "/" not in resource_type:
        raise ExpressionError(f"{fn}(): {resource_type!r} is not a resource type")
    # ARM accepts a type written with a trailing slash (``Microsoft.Network/x/``).
    namespace, *type_segments = resource_type.rstrip("/").split("/")
    name_segments: list[str] = []
    for name in names:
        if not isinstance(name, str | int) or isinstance(name, bool):
            raise ExpressionError(f"{fn}(): a resource name must be a string, not "
                                  f"{type_name(name)}")
        name_segments.extend(str(name).split("/"))
    if len(name_segments) != len(type_segments):
        raise ExpressionError(
            f"{fn}(): type {resource_type!r} needs {len(type_segments)} name segment(s), "
            f"got {len(name_segments)}"
        )
    parts = [namespace]
    for type_segment, name in zip(type_segments, name_segments, strict=True):
        parts.extend((type_segment, name))
    return "/providers/" + "/".join(parts)


def _type_position(args: list[Any], fn: str) -> int:
    for position, value in enumerate(args):
        if isinstance(value, str) and "/" in value:
            return position
    raise ExpressionError(f"{fn}(): no resource type among the arguments")


def fn_resource_id(args: list[Any], ctx: Any) -> str:
    """``resourceId([subscriptionId], [resourceGroupName], type, name, ...)``."""
    subscription, group = _scope(ctx)
    position = _type_position(args, "resourceId")
    if position > 2:
        raise ExpressionError("resourceId(): too many arguments before the resource type")
    if position == 2:
        subscription, group = args[0], args[1]
    elif position == 1:
        group = args[0]
    path = _provider_path(args[position:], "resourceId")
    return f"/subscriptions/{subscription}/resourceGroups/{group}{path}"


def fn_subscription_resource_id(args: list[Any], ctx: Any) -> str:
    """``subscriptionResourceId([subscriptionId], type, name, ...)``."""
    subscription = ctx.subscription_id
    position = _type_position(args, "subscriptionResourceId")
    if position > 1:
        raise ExpressionError("subscriptionResourceId(): too many arguments before the type")
    if position == 1:
        subscription = args[0]
    return f"/subscriptions/{subscription}" + _provider_path(
        args[position:], "subscriptionResourceId"
    )


def fn_tenant_resource_id(args: list[Any], ctx: Any) -> str:
    return _provider_path(args, "tenantResourceId")


def fn_extension_resource_id(args: list[Any], ctx: Any) -> str:
    """``extensionResourceId(baseResourceId, type, name, ...)``."""
    base = args[0]
    if not isinstance(base, str):
        raise ExpressionError("extensionResourceId(): the base resource id must be a string")
    return base.rstrip("/") + _provider_path(args[1:], "extensionResourceId")


# name -> (min args, max args or None, implementation, strict on top-level Unknown)
SCOPE_FUNCTIONS = {
    "subscription": (0, 0, fn_subscription, True),
    "resourcegroup": (0, 0, fn_resource_group, True),
    "deployment": (0, 0, fn_deployment, True),
    "resourceid": (2, None, fn_resource_id, True),
    "subscriptionresourceid": (2, None, fn_subscription_resource_id, True),
    "tenantresourceid": (2, None, fn_tenant_resource_id, True),
    "extensionresourceid": (3, None, fn_extension_resource_id, True),
}
