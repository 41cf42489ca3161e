"""Values that only exist while a Bicep file is evaluated: resource and module handles, lambdas.

A resource symbol (``nsg``) evaluates to a :class:`ResourceHandle`; ``nsg.id`` and ``nsg.name``
are known before deployment (the id is built on the deployment-scope markers), every other
property is a runtime value and becomes :class:`~iacjit.model.values.Unknown`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from iacjit.model.values import DEPLOYMENT_RESOURCE_GROUP, DEPLOYMENT_SUBSCRIPTION, Unknown

RG_SCOPE = f"/subscriptions/{DEPLOYMENT_SUBSCRIPTION}/resourceGroups/{DEPLOYMENT_RESOURCE_GROUP}"
SUB_SCOPE = f"/subscriptions/{DEPLOYMENT_SUBSCRIPTION}"


def scope_prefix(target_scope: str) -> str:
    """The id prefix of resources deployed at a file's ``targetScope``."""
    if target_scope == "subscription":
        return SUB_SCOPE
    if target_scope in ("tenant", "managementGroup"):
        return ""
    return RG_SCOPE


def resource_id(prefix: Any, full_type: str, full_name: Any) -> Any:
    """``{prefix}/providers/Ns/t1/n1/t2/n2``; Unknown when the name is not known."""
    if isinstance(full_name, Unknown):
        return full_name
    if isinstance(prefix, Unknown):
        return prefix
    namespace, *types = full_type.split("/")
    names = str(full_name).split("/")
    if len(types) != len(names):
        return Unknown(f"resource name {full_name!r} does not match type {full_type!r}")
    segments = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))
    return f"{prefix}/providers/{namespace}/{segments}"


@dataclass
class ResourceHandle:
    """One instance of a declared (or ``existing``) resource, as other expressions see it."""

    symbol: str
    type: str  # full type without the API version
    api_version: str
    name: Any  # full name (``parent/child``), or Unknown
    id: Any
    existing: bool
    children: dict[str, Any] = field(default_factory=dict)  # nested symbol -> handle(s)

    def member(self, name: str) -> Any:
        if name == "id":
            return self.id
        if name == "name":
            return self.name
        if name == "type":
            return self.type
        if name == "apiVersion":
            return self.api_version
        return Unknown(f"{self.symbol}.{name} is a runtime property, known only after deployment")


@dataclass
class ModuleHandle:
    """One instance of a module; its outputs are evaluated on first use."""

    symbol: str
    name: Any
    outputs: Callable[[], Any]

    def member(self, name: str) -> Any:
        if name == "name":
            return self.name
        if name == "outputs":
            return self.outputs()
        return Unknown(f"module {self.symbol}.{name} is not known before deployment")


@dataclass(frozen=True)
class Closure:
    """A lambda value with the variables it can see."""

    params: tuple[str, ...]
    body: Any  # bicep.ast.Node
    env: dict[str, Any]
