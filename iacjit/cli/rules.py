"""``iacjit rules``: the list of rules."""

from __future__ import annotations

import click


@click.command("rules")
def list_rules() -> None:
    """List the rules with id, severity and title."""
    from iacjit.rules import ALL_RULES

    for rule in ALL_RULES:
        click.echo(f"{rule.id}  {rule.severity:<8}  {rule.title}")
