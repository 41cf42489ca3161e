"""``iacjit rules``: the list of rules, then the attack chains they feed."""

from __future__ import annotations

import click


@click.command("rules")
def list_rules() -> None:
    """List the rules and the attack chains with id, severity and title."""
    from iacjit.chains.definitions import all_chains
    from iacjit.rules import ALL_RULES

    for rule in ALL_RULES:
        click.echo(f"{rule.id}  {rule.severity:<8}  {rule.title}")
    for chain in all_chains():  # `iacjit explain CHAIN-016` describes one
        joiner = " and " if chain.logic == "ALL" else " or "
        rules = joiner.join(t.rule for t in chain.triggers)
        click.echo(f"{chain.id}  {chain.severity:<8}  {chain.title} (chain of {rules})")
