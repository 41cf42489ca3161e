"""``iacjit rules`` lists every rule and every attack chain, each with its severity."""

from __future__ import annotations

from click.testing import CliRunner

from iacjit.chains.definitions import all_chains
from iacjit.cli.app import main
from iacjit.rules import ALL_RULES


def test_lists_rules_and_chains():
    lines = CliRunner().invoke(main, ["rules"]).stdout.splitlines()
    listed = {line.split()[0]: line.split()[1] for line in lines}
    expected = {r.id: r.severity for r in ALL_RULES} | {c.id: c.severity for c in all_chains()}
    assert listed == expected
    assert any("chain of zt_net_001 and zt_vis_010 and zt_vis_008" in line for line in lines)
