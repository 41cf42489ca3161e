"""Rules: pure functions over the semantic model, one module per rule, named by its id.

The rule modules (and with them the model, the semantics and the providers) are imported on
first use of :data:`ALL_RULES`, :func:`rule_by_id` or a ``ZT_*`` name: choosing which rules
run, or serving a cached report (iacjit.cache.report), needs only :data:`RULE_IDS`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iacjit.rules.base import Rule

RULE_IDS: tuple[str, ...] = ("zt_net_001", "zt_vis_010", "zt_vis_008")  # in report order


def __getattr__(name: str) -> Any:
    if name == "ALL_RULES":
        rules = tuple(importlib.import_module(f"iacjit.rules.{i}").RULE for i in RULE_IDS)
        globals()["ALL_RULES"] = rules
        return rules
    if name.lower() in RULE_IDS:
        return importlib.import_module(f"iacjit.rules.{name.lower()}").RULE
    raise AttributeError(f"module 'iacjit.rules' has no attribute {name!r}")


def rule_by_id(rule_id: str) -> Rule | None:
    return next((r for r in __getattr__("ALL_RULES") if r.id == rule_id.lower()), None)
