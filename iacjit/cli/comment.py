"""The ``iacjit comment`` click command (registered by iacjit.cli.app; logic in comment.py).

Exit codes: 0 posted (or dry run printed); 1 with ``--fail-on``, a finding or chain at or above
it; 2 wrong command line, unreadable report, or (with ``--fail-on``) an input that could not be
parsed; 3 the comment could not be posted (not a pull-request build, a missing variable, a
rejected token, an HTTP or network error).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from iacjit.cli.base_option import base_ref_option, chosen_ref, compare
from iacjit.cli.inputs import input_options, parse_options

EXIT_POST_FAILED = 3


def _fail_code(document: dict, fail_on: str) -> int:
    from iacjit.rules.base import SEVERITIES

    if fail_on == "none":
        return 0
    if document.get("errors"):
        return 2
    threshold = SEVERITIES.index(fail_on)
    items = [*document.get("findings", []), *document.get("chains", [])]
    failing = [i for i in items if not i.get("suppressed") and i.get("change") != "existing"
               and i.get("severity") in SEVERITIES
               and SEVERITIES.index(i["severity"]) <= threshold]
    return 1 if failing else 0


@click.command("comment")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--report", "report", type=click.Path(dir_okay=False, path_type=Path),
              help="Use this JSON report (iacjit scan --format json) instead of scanning.")
@click.option("--platform", type=click.Choice(["auto", "github", "gitlab", "azure"]),
              default="auto", show_default=True, help="Code host; auto-detected in CI.")
@click.option("--pr", "number", type=click.IntRange(min=1), default=None,
              help="Pull/merge-request number, when the CI variables do not give it.")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
@click.option("--fail-on", type=click.Choice(("critical", "high", "medium", "low", "none")),
              default="none", show_default=True,
              help="After posting, exit 1 on findings at or above this severity.")
@input_options
@base_ref_option
def comment(paths, report, platform, number, dry_run, fail_on, exclude, base_ref,
            **inputs) -> None:
    """Post or update the pull-request comment for PATHS (scanned) or a --report.

    GitHub Actions, GitLab CI and Azure Pipelines are recognised from their variables; one
    comment per pull request is kept up to date, found again by a hidden marker.
    """
    from iacjit.integrations.comment import CommentError, load_report, plan, post

    if report and paths:
        raise click.UsageError("give either PATHS to scan or --report FILE, not both")
    try:
        document = load_report(report) if report else _scan(paths, inputs, exclude,
                                                              chosen_ref(base_ref))
    except CommentError as error:
        click.echo(f"iacjit comment: {error}", err=True)
        sys.exit(2)
    env = dict(os.environ)
    if dry_run:
        chosen = plan(document, env, platform, number, strict=False)
        click.echo(chosen.describe() + "---\n" + chosen.body, nl=False)
        sys.exit(_fail_code(document, fail_on))
    try:
        outcome = post(document, env, platform, number)
    except CommentError as error:
        click.echo(f"iacjit comment: {error}", err=True)
        sys.exit(EXIT_POST_FAILED)
    click.echo(f"iacjit comment: {outcome.action} the comment on {outcome.where}.", err=True)
    sys.exit(_fail_code(document, fail_on))


def _scan(paths, inputs: dict, exclude, ref: str | None) -> dict:
    from iacjit.gate import Gate
    from iacjit.reports.serialize import to_document
    from iacjit.scan import run_scan

    options, paths = parse_options(inputs), list(paths) or [Path(".")]
    result = run_scan(paths, options, excluded=exclude)
    compare(ref, paths, result, lambda base: run_scan(base, options, excluded=exclude))
    return to_document(result, Gate().exit_code(result))
