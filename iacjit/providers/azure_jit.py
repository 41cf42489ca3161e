"""Defender for Cloud just-in-time policies, from ARM/Bicep and from Terraform's azapi.

Terraform has no azurerm resource for JIT: it is an ``azapi_resource`` whose ``body`` is an
object or ``jsonencode(...)``.  Every form ends as a list of (VM, ports) entries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from iacjit.model.raw import RawResource
from iacjit.model.semantic import JitEntry, JitPolicy, Model
from iacjit.model.values import Unknown, is_known, unknown_reason
from iacjit.providers.guard import guarded
from iacjit.providers.index import ResourceIndex
from iacjit.providers.shape import dig, items, obj

JIT_TYPE = "microsoft.security/locations/jitnetworkaccesspolicies"


def _jit_properties(resource: RawResource) -> tuple[Mapping[str, Any] | None, tuple]:
    """The policy's ``properties`` (Opaque when unknown) and their path in the attributes."""
    attrs = resource.attributes
    if resource.type.lower() == JIT_TYPE:
        return obj(attrs.get("properties"), "the policy's properties"), ("properties",)
    if resource.type == "azapi_resource":
        declared = attrs.get("type")
        if not (isinstance(declared, str) and declared.lower().split("@")[0] == JIT_TYPE):
            return None, ()
        body = attrs.get("body")
        if isinstance(body, str):
            try:
                body = json.loads(body)
            except ValueError:
                body = Unknown("the policy's body is not valid JSON")
        return (obj(dig(body, "properties"), "the policy's properties"),
                ("body", "properties"))
    return None, ()


def _ports(entry: dict[str, Any]) -> dict[int, str]:
    """The ports an entry opens on request; unknown ones open nothing that can be relied on."""
    ports: dict[int, str] = {}
    for port in items(entry.get("ports"), "ports"):
        if not isinstance(port, dict):
            continue
        number = port.get("number")
        if is_known(number) and str(number).strip().isdigit():
            protocol = str(port.get("protocol") or "*").lower() if is_known(
                port.get("protocol")) else "*"
            ports[int(str(number).strip())] = protocol
    return ports


def add_policies(model: Model, resources: list[RawResource], index: ResourceIndex) -> None:
    vm_keys = {id(vm.resource): vm.key for vm in model.vms.values() if vm.cloud == "azure"}
    for resource in resources:
        with guarded(model.errors, resource, "reading the JIT policy"):
            _add_policy(model, resource, index, vm_keys)


def _add_policy(model: Model, resource: RawResource, index: ResourceIndex,
                vm_keys: dict[int, str]) -> None:
    props, path = _jit_properties(resource)
    if props is None:
        return
    name = resource.attributes.get("name")
    policy = JitPolicy(name=str(name) if is_known(name) and name else resource.address,
                       resource=resource)
    for i, entry in enumerate(items(props.get("virtualMachines"), "virtualMachines")):
        span = resource.span_of((*path, "virtualMachines", i))
        if not isinstance(entry, dict):
            policy.entries.append(JitEntry(None, {}, span,
                                           unknown_reason(entry) or "entry is not an object"))
            continue
        ref = entry.get("id")
        target = index.resolve(ref, resource)
        vm_key = vm_keys.get(id(target)) if target is not None else None
        unknown = None
        if vm_key is None and not is_known(ref):
            unknown = unknown_reason(ref) or "the VM id is unknown"
        policy.entries.append(JitEntry(vm_key, _ports(entry), span, unknown))
    model.jit_policies.append(policy)
