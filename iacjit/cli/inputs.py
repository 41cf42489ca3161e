"""Command-line options every scanning command shares: variable values, parameter files,
exclusions and limits — declared once so ``scan``, ``hook``, ``jit-status`` and ``comment`` agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_LIMITS = (
    ("--max-file-bytes", "max_file_bytes", "Largest input file read, in bytes"),
    ("--max-depth", "max_depth", "Deepest nesting of values and expressions"),
    ("--max-loop-items", "max_loop_items", "Most items of one loop (count, copy, range)"),
    ("--max-string-chars", "max_string_chars", "Longest string an expression may build"),
)


def input_options(command):
    """Add --var-file, --var, --parameters, --cfn-parameters, --exclude and the limits."""
    from iacjit.parsers.common.options import Limits

    defaults = Limits()
    options = [
        click.option("--var-file", "var_files", multiple=True, type=_FILE,
                     help="Terraform variable file (repeatable)."),
        click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
                     help="Terraform variable value (repeatable)."),
        click.option("--parameters", "arm_parameters", multiple=True, type=_FILE,
                     help="ARM parameters file (repeatable)."),
        click.option("--cfn-parameters", "cfn_parameters", multiple=True, type=_FILE,
                     help="CloudFormation parameters file: JSON list or Key=Value lines."),
        click.option("--exclude", multiple=True, metavar="NAME|PATTERN",
                     help="Skip directories with this name, or paths matching a pattern "
                          "with '/' or '*' (repeatable)."),
    ] + [
        click.option(flag, field, type=click.IntRange(min=1), metavar="N",
                     default=getattr(defaults, field), show_default=True,
                     help=f"{what} (docs/limits.md).")
        for flag, field, what in _LIMITS
    ]
    for option in reversed(options):  # decorators apply bottom-up: keep the help order
        command = option(command)
    return command


def parse_vars(values: tuple[str, ...]) -> dict[str, str]:
    variables: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--var")
        variables[name.strip()] = value
    return variables


def parse_options(inputs: dict[str, Any]):
    """ParseOptions from the values of :func:`input_options` (``exclude`` is not one)."""
    from iacjit.parsers.common.options import Limits, ParseOptions

    return ParseOptions(
        var_files=tuple(inputs["var_files"]),
        variables=parse_vars(inputs["variables"]),
        arm_parameter_files=tuple(inputs["arm_parameters"]),
        cfn_parameter_files=tuple(inputs["cfn_parameters"]),
        limits=Limits(**{field: inputs[field] for _, field, _ in _LIMITS}),
    )
