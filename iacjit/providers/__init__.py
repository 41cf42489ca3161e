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
    from iacjit.providers.accounts import Accounts


def build_model(resources: Iterable[RawResource], accounts: Accounts | None = None) -> Model:
    """Translate and link *resources*.

    Order matters: groups before the rules declared on their own, groups before the VMs
    behind them, VMs before the JIT policies that name them; accounts last, once every group
    and alert exists (*accounts* carries the units declared as sharing one).
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
    from iacjit.providers.accounts import Accounts
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
    place_in_accounts(model, accounts or Accounts())
    return model


def place_in_accounts(model: Model, accounts: Accounts) -> None:
    """Give every group and alert its account, and put it into their Azure ids and scopes
    (which carry the deploying-subscription marker until now)."""
    from iacjit.providers.accounts import localise

    for group in model.groups.values():
        group.account = accounts.of(group.resource)
        group.scope_id = localise(group.scope_id, group.account)
    for alert in model.alerts:
        alert.account = accounts.of(alert.resource)
        alert.scopes = [localise(scope, alert.account) for scope in alert.scopes]
