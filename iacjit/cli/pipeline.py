"""What the scanning commands share: exit codes, rule selection, progress and the cache.
The verdict itself (which results fail the run) is :class:`iacjit.gate.Gate`.

Heavy modules are imported inside the functions so ``iacjit --version`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from iacjit.gate import EXIT_INPUT_ERROR, EXIT_OK

if TYPE_CHECKING:
    from iacjit.suppressions.cli_options import ScanSetup

__all__ = ["EXIT_INPUT_ERROR", "EXIT_OK", "FAIL_ON", "configure", "progress_printer", "rules",
           "scan_cache", "selected_rules"]
FAIL_ON = ("critical", "high", "medium", "low", "none")


def configure(paths: list[Path], **flags: Any) -> ScanSetup:
    """Flags > configuration file > defaults (docs/configuration.md) for a scanning command;
    a bad configuration or baseline is one sentence and exit code 2."""
    from iacjit.suppressions.cli_options import SetupError, setup

    try:
        return setup(click.get_current_context(), paths, **flags)
    except SetupError as exc:
        click.echo(f"iacjit: {exc}", err=True)
        sys.exit(EXIT_INPUT_ERROR)


def selected_rules(only: tuple[str, ...], skip: tuple[str, ...]) -> tuple[str, ...]:
    """The ids of the rules to run; an unknown id is a usage error, not a silent no-op."""
    from iacjit.rules import RULE_IDS

    known = set(RULE_IDS)
    for rule_id, flag in [(r, "--rule") for r in only] + [(r, "--skip-rule") for r in skip]:
        if rule_id.lower() not in known:
            raise click.BadParameter(
                f"unknown rule {rule_id!r}; known: {', '.join(sorted(known))}", param_hint=flag)
    wanted = {r.lower() for r in only} or known
    return tuple(r for r in RULE_IDS if r in wanted and r not in {s.lower() for s in skip})


def rules(ids: tuple[str, ...]):
    from iacjit.rules import rule_by_id

    return tuple(rule_by_id(i) for i in ids)


def progress_printer():
    """Progress on stderr for scans over a second on a terminal; silent in CI logs and pipes."""
    from iacjit.progress import printer

    return printer(sys.stderr)


def scan_cache(no_cache: bool):
    """The content cache (docs/performance.md), unless --no-cache; GC off for the command.

    Parsing and evaluation allocate millions of small, acyclic objects: the collector's passes
    over the growing heap took half of a scan and freed next to nothing (reference counting
    frees the parse trees); memory stays bounded (docs/performance.md).
    """
    import gc

    gc.disable()
    if no_cache:
        return None
    from iacjit.cache.store import Cache

    return Cache()
