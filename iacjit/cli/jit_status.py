"""``iacjit jit-status``: the per-VM JIT table."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from iacjit.cli.inputs import input_options, parse_options
from iacjit.cli.pipeline import EXIT_INPUT_ERROR, EXIT_OK


@click.command("jit-status")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@input_options
def jit_status_command(paths, fmt, exclude, **inputs) -> None:
    """Per VM: NSGs in front, exposed management ports, JIT ports and Defender's category."""
    import json

    from iacjit.jit_table import render_text, rows
    from iacjit.providers import build_model
    from iacjit.rules.base import Settings
    from iacjit.scan import parse_inputs

    parsed, _ = parse_inputs(list(paths) or [Path(".")], parse_options(inputs), exclude)
    table = rows(build_model(parsed.resources), Settings())
    for error in parsed.errors:
        click.echo(f"error: {error.file}:{error.line or ''} {error.message}", err=True)
    if fmt == "json":
        click.echo(json.dumps({"version": 1, "vms": table}, indent=2))
    else:
        click.echo(render_text(table), nl=False)
    sys.exit(EXIT_INPUT_ERROR if parsed.errors else EXIT_OK)
