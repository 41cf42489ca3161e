"""``iacjit jit-status``: the per-VM JIT table, from the same scan as ``iacjit scan`` (so
``.iacjit.yaml``'s management ports, trusted sources and exclusions apply)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from iacjit.cli import pipeline
from iacjit.cli.inputs import input_options, parse_options
from iacjit.cli.pipeline import EXIT_INPUT_ERROR, EXIT_OK


@click.command("jit-status")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@input_options
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: .iacjit.yaml or [tool.iacjit] in "
                   "pyproject.toml, searched upward from the first PATH).")
@click.option("--no-config", is_flag=True, help="Ignore configuration files.")
def jit_status_command(paths, fmt, exclude, config_file, no_config, **inputs) -> None:
    """Per VM: NSGs in front, exposed management ports, JIT ports and Defender's category."""
    import json

    from iacjit.jit_table import render_text
    from iacjit.scan import run_scan

    paths = list(paths) or [Path(".")]
    setting = pipeline.configure(paths, fmt=fmt, fail_on="none", only_rules=(), skip_rules=(),
                                 exclude=exclude, external_controls=(),
                                 config_file=config_file, no_config=no_config)
    # The table needs the model, not the rules' findings: none run.
    result = run_scan(paths, parse_options(inputs), setting.settings, rules=(),
                      excluded=setting.exclude, policy=setting.policy)
    for error in result.errors:
        click.echo(f"error: {error.file}:{error.line or ''} {error.message}", err=True)
    if fmt == "json":
        click.echo(json.dumps({"version": 1, "vms": result.jit_status}, indent=2))
    else:
        click.echo(render_text(result.jit_status), nl=False)
    sys.exit(EXIT_INPUT_ERROR if result.errors else EXIT_OK)
