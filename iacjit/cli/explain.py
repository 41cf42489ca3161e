"""``iacjit explain``: a rule's or chain's documentation on the terminal, or as Markdown."""

from __future__ import annotations

import shutil
import sys

import click

MAX_WIDTH = 100  # wider lines are hard to read, even on a wide terminal


@click.command()
@click.argument("item_id", metavar="ID")
@click.option("--format", "-f", "fmt", type=click.Choice(("text", "markdown")), default="text",
              show_default=True,
              help="text: wrapped for a terminal; markdown: the page as docs/rules/ holds it.")
@click.option("--no-color", is_flag=True,
              help="No bold headings or coloured code (also: the NO_COLOR variable).")
def explain(item_id: str, fmt: str, no_color: bool) -> None:
    """What a rule or chain detects, why it is dangerous, an example and the fix."""
    from iacjit.cli.outputs import color_allowed
    from iacjit.explain import explain as markdown
    from iacjit.explain import explain_for_terminal

    if fmt == "markdown":
        text = markdown(item_id)
    else:
        width = min(shutil.get_terminal_size((80, 24)).columns, MAX_WIDTH)
        text = explain_for_terminal(item_id, width, color_allowed(no_color, sys.stdout))
    if text is None:
        from iacjit.chains.definitions import all_chains
        from iacjit.rules import ALL_RULES

        known = [r.id for r in ALL_RULES] + [c.id for c in all_chains()]
        raise click.BadParameter(f"unknown id {item_id!r}; known: {', '.join(known)}",
                                 param_hint="ID")
    click.echo(text, nl=False)
