"""The ``iacjit`` command group: one module per command (iacjit.cli.<command>) registered here.

The command modules import only click and the option helpers at import time, so
``iacjit --version`` stays fast; each command imports what it runs inside its function.
"""

from __future__ import annotations

import click

from iacjit import __version__
from iacjit.cli.checkov_pack import checkov_pack
from iacjit.cli.comment import comment
from iacjit.cli.explain import explain
from iacjit.cli.hook import hook_command
from iacjit.cli.jit_status import jit_status_command
from iacjit.cli.rules import list_rules
from iacjit.cli.scan import scan


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="iacjit")
def main() -> None:
    """Find open management ports, missing JIT and unwatched NSG writes in IaC."""


for _command in (scan, jit_status_command, explain, list_rules, hook_command, checkov_pack,
                 comment):
    main.add_command(_command)
