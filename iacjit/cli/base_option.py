"""``--base-ref``, shared by ``scan``, ``hook`` and ``comment``: report what the change adds.

The logic is iacjit.base_ref; here the option, its CI default and the one sentence printed
when the base cannot be compared against (every finding then counts as new).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def base_ref_option(command):
    return click.option(
        "--base-ref", "base_ref", metavar="REF", default=None,
        help="Mark findings and chains new or existing against the merge base of HEAD and "
             "REF; only new ones count for the exit code (default in a pull-request build: "
             "its target branch; --base-ref '' turns it off).")(command)


def chosen_ref(given: str | None) -> str | None:
    """The flag, else the target branch the CI variables name; '' turns the comparison off."""
    from iacjit.base_ref import default_ref

    if given is not None:
        return given.strip() or None
    return default_ref(os.environ)


def compare(ref: str | None, paths: list[Path], result: Any,
            scan: Callable[[list[Path]], Any]) -> None:
    """Mark *result* against the merge base of *ref*, scanned with *scan*."""
    if not ref:
        return
    from iacjit import base_ref

    try:
        comparison = base_ref.compare(ref, paths, scan)
    except base_ref.BaseRefError as error:
        click.echo(f"iacjit: {error}.", err=True)
        result.base = {"ref": ref, "merge_base": None, "error": str(error)}
        base_ref.mark(result, None)
        return
    result.base = comparison.to_json()
    base_ref.mark(result, comparison)
