"""Suppressions with reasons and expiry, baselines and fingerprints (docs/suppressions.md).

The names below are imported on first use: ``iacjit.suppressions.policy`` alone is what the
command line needs before it knows whether the report cache answers.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {"Engine": "engine", "apply_trusted_sources": "engine", "Policy": "policy",
          "Note": "model", "Suppression": "model"}

__all__ = ["Engine", "Note", "Policy", "Suppression", "apply_trusted_sources"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'iacjit.suppressions' has no attribute {name!r}")
    return getattr(importlib.import_module(f"iacjit.suppressions.{_HOMES[name]}"), name)
