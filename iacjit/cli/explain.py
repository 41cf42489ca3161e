"""``iacjit explain``: a rule's or chain's documentation on the terminal."""

from __future__ import annotations

import click


@click.command()
@click.argument("item_id", metavar="ID")
def explain(item_id: str) -> None:
    """What a rule or chain detects, why it is dangerous, an example and the fix."""
    from iacjit.explain import explain as render

    text = render(item_id)
    if text is None:
        from iacjit.chains.definitions import all_chains
        from iacjit.rules import ALL_RULES

        known = [r.id for r in ALL_RULES] + [c.id for c in all_chains()]
        raise click.BadParameter(f"unknown id {item_id!r}; known: {', '.join(known)}",
                                 param_hint="ID")
    click.echo(text, nl=False)
