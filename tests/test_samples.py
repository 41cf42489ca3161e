"""Every shipped sample plan: fixed/ ones are clean, vulnerable/ ones show CHAIN-016."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPO

from iacjit.scan import run_scan

PLANS = sorted(p.relative_to(REPO) for p in (REPO / "samples").rglob("*")
               if p.is_dir() and p.name in {"vulnerable", "fixed"})


def test_every_format_has_both_samples():
    formats = {p.parts[1] if p.parts[1] != "terraform" else "/".join(p.parts[1:3])
               for p in PLANS}
    assert formats >= {"arm", "bicep", "cloudformation", "terraform/azure", "terraform/aws"}


@pytest.mark.parametrize("plan", PLANS, ids=[str(p) for p in PLANS])
def test_sample_plan(plan: Path, monkeypatch):
    monkeypatch.chdir(REPO)
    result = run_scan([plan])
    assert result.errors == []
    if plan.name == "fixed":
        assert result.findings == [] and result.unresolved == [] and result.chains == []
    else:
        (chain,) = result.chains
        assert chain.definition.id == "CHAIN-016" and chain.targets
        assert {f.rule_id for f in result.findings} >= {"zt_net_001", "zt_vis_010",
                                                        "zt_vis_008"}
