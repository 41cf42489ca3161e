"""Rules: pure functions over the semantic model, one module per rule."""

from __future__ import annotations

from iacjit.rules.base import Rule
from iacjit.rules.zt_net_001 import RULE as ZT_NET_001
from iacjit.rules.zt_vis_008 import RULE as ZT_VIS_008
from iacjit.rules.zt_vis_010 import RULE as ZT_VIS_010

ALL_RULES: tuple[Rule, ...] = (ZT_NET_001, ZT_VIS_010, ZT_VIS_008)


def rule_by_id(rule_id: str) -> Rule | None:
    return next((r for r in ALL_RULES if r.id == rule_id.lower()), None)
