"""``iacjit explain`` and docs/rules, docs/chains: one source of truth, kept in sync."""

from __future__ import annotations

import subprocess

import pytest
from helpers import REPO

from iacjit.chains.definitions import all_chains
from iacjit.explain import explain, write_docs
from iacjit.rules import ALL_RULES

IDS = [r.id for r in ALL_RULES] + [c.id for c in all_chains()]


@pytest.mark.parametrize("item_id", IDS)
def test_docs_are_generated_from_metadata(tmp_path, item_id):
    write_docs(tmp_path)
    folder = "chains" if item_id.startswith("CHAIN") else "rules"
    generated = (tmp_path / folder / f"{item_id}.md").read_text()
    committed = (REPO / "docs" / folder / f"{item_id}.md").read_text()
    assert generated == committed, "run `make docs` and commit the result"


@pytest.mark.parametrize("item_id", [r.id for r in ALL_RULES])
def test_rule_docs_have_every_section(item_id):
    text = explain(item_id)
    for heading in ("## What it does", "## Why it is bad", "## Example", "## How to fix",
                    "## References"):
        assert heading in text


def test_chain_doc_lists_steps_and_triggers():
    text = explain("chain-016")
    assert "T1190" in text and "T1133" in text and "T1562.001" in text
    for rule in ("zt_net_001", "zt_vis_010", "zt_vis_008"):
        assert f"../rules/{rule}.md" in text


def test_explain_command(iacjit_bin, tmp_path):
    proc = subprocess.run([iacjit_bin, "explain", "zt_net_001"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("# zt_net_001")
    unknown = subprocess.run([iacjit_bin, "explain", "zt_nope"], capture_output=True, text=True,
                             cwd=tmp_path, timeout=60)
    assert unknown.returncode == 2 and "known: zt_net_001" in unknown.stderr


def test_rule_ids_name_the_rule_modules():
    """iacjit.rules.RULE_IDS lets the CLI pick rules without importing them: it must list
    exactly the rules, in report order."""
    from iacjit.rules import RULE_IDS

    assert tuple(rule.id for rule in ALL_RULES) == RULE_IDS
