"""Turn raw resources of every format into one semantic model."""

from __future__ import annotations

from collections.abc import Iterable

from iacjit.model.raw import RawResource
from iacjit.model.semantic import Model
from iacjit.providers import aws, azure


def build_model(resources: Iterable[RawResource]) -> Model:
    """Translate and link *resources*: groups first, then the rules declared on their own."""
    model = Model()
    resources = list(resources)
    for provider in (azure, aws):
        provider.add_groups(model, resources)
    for provider in (azure, aws):
        provider.add_standalone_rules(model, resources)
    return model
