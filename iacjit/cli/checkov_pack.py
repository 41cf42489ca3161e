"""``iacjit checkov-pack``: where the Checkov custom-check pack is installed."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("checkov-pack")
def checkov_pack() -> None:
    """Print the directory of the Checkov custom-check pack (for --external-checks-dir)."""
    import iacjit

    package = Path(iacjit.__file__).resolve().parent
    for candidate in (package / "checkov_pack", package.parent / "custom_checks"):
        if (candidate / "iacjit_zt_net_001.py").is_file():
            click.echo(str(candidate.resolve()))
            return
    raise click.ClickException("the Checkov pack is not part of this installation")
