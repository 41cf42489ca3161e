"""Turn raw resources of every format into one semantic model."""

from __future__ import annotations

from collections.abc import Iterable

from iacjit.model.raw import RawResource
from iacjit.model.semantic import Model
from iacjit.providers import (
    aws,
    aws_alerts,
    aws_compute,
    azure,
    azure_alerts,
    azure_compute,
    azure_jit,
)
from iacjit.providers.index import ResourceIndex


def build_model(resources: Iterable[RawResource]) -> Model:
    """Translate and link *resources*.

    Order matters: groups before the rules declared on their own, groups before the VMs
    behind them, VMs before the JIT policies that name them.
    """
    model = Model()
    resources = list(resources)
    index = ResourceIndex(resources)
    for provider in (azure, aws):
        provider.add_groups(model, resources)
    for provider in (azure, aws):
        provider.add_standalone_rules(model, resources)
    azure_compute.add_vms(model, resources, index)
    aws_compute.add_instances(model, resources, index)
    azure_jit.add_policies(model, resources, index)
    azure_alerts.add_alerts(model, resources, index)
    aws_alerts.add_alerts(model, resources, index)
    return model
