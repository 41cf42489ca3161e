"""Turn raw resources of every format into one semantic model.

The provider modules are imported when a model is built, not with the package: rules import
helpers from single provider modules, and ``iacjit rules`` or ``iacjit explain`` need no model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iacjit.model.raw import RawResource
    from iacjit.model.semantic import Model


def build_model(resources: Iterable[RawResource]) -> Model:
    """Translate and link *resources*.

    Order matters: groups before the rules declared on their own, groups before the VMs
    behind them, VMs before the JIT policies that name them.
    """
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
