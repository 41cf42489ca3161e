"""Defender for Cloud just-in-time policies, from ARM/Bicep and from Terraform's azapi.

Terraform has no azurerm resource for JIT: it is an ``azapi_resource`` whose ``body`` is an
object or ``jsonencode(...)``.  Every form ends as a list of (VM, ports) entries.
"""

from __future__ import annotations

import json
from typing import Any

from iacjit.model.raw import RawResource
from iacjit.model.semantic import JitEntry, JitPolicy, Model
from iacjit.model.values import is_known, unknown_reason
from iacjit.providers.index import ResourceIndex

JIT_TYPE = "microsoft.security/locations/jitnetworkaccesspolicies"


def _jit_properties(resource: RawResource) -> tuple[dict[str, Any] | None, tuple]:
    """The policy's ``properties`` and their path inside the raw attributes."""
    attrs = resource.attributes
    if resource.type.lower() == JIT_TYPE:
        props = attrs.get("properties")
        return (props if isinstance(props, dict) else None), ("properties",)
    if resource.type == "azapi_resource":
        declared = attrs.get("type")
        if not (isinstance(declared, str) and declared.lower().split("@")[0] == JIT_TYPE):
            return None, ()
        body = attrs.get("body")
        if isinstance(body, str):
            try:
                body = json.loads(body)
            except ValueError:
                return None, ()
        props = body.get("properties") if isinstance(body, dict) else None
        return (props if isinstance(props, dict) else None), ("body", "properties")
    return None, ()


def _ports(entry: dict[str, Any]) -> dict[int, str]:
    ports: dict[int, str] = {}
    for port in entry.get("ports") or []:
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
        props, path = _jit_properties(resource)
        if props is None:
            continue
        name = resource.attributes.get("name")
        policy = JitPolicy(name=str(name) if is_known(name) and name else resource.address,
                           resource=resource)
        for i, entry in enumerate(props.get("virtualMachines") or []):
            span = resource.span_of((*path, "virtualMachines", i))
            if not isinstance(entry, dict):
                policy.entries.append(JitEntry(None, str(entry), {}, span,
                                               unknown_reason(entry) or "entry is not an object"))
                continue
            ref = entry.get("id")
            target = index.resolve(ref, resource)
            vm_key = vm_keys.get(id(target)) if target is not None else None
            unknown = None
            if vm_key is None and not is_known(ref):
                unknown = unknown_reason(ref) or "the VM id is unknown"
            policy.entries.append(JitEntry(vm_key, str(ref), _ports(entry), span, unknown))
        model.jit_policies.append(policy)
