"""``iacjit scan``: one plan from PATHS, one report, the exit code."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from iacjit.cli.inputs import input_options, parse_options
from iacjit.cli.pipeline import (
    EXIT_INPUT_ERROR,
    FAIL_ON,
    exit_code,
    progress_printer,
    rules,
    scan_cache,
    selected_rules,
)
from iacjit.output_files import write_output


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "markdown", "html"]),
              default="text",
              show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE instead of standard output.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="low", show_default=True,
              help="Lowest severity that makes the exit code 1.")
@input_options
@click.option("--rule", "only_rules", multiple=True, metavar="ID",
              help="Run only this rule (repeatable); default: every rule.")
@click.option("--skip-rule", "skip_rules", multiple=True, metavar="ID",
              help="Do not run this rule (repeatable).")
@click.option("--external-control", "external_controls", multiple=True, metavar="ID",
              help="Declare a control as provided outside the scanned files (e.g. zt_vis_008 "
                   "when the NSG-write alert lives in a landing-zone repository): its findings "
                   "become informational notes.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: .iacjit.yaml or [tool.iacjit] in "
                   "pyproject.toml, searched upward from the first PATH).")
@click.option("--no-config", is_flag=True, help="Ignore configuration files.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Report findings and chains of this baseline as suppressed: only new "
                   "ones fail the run.")
@click.option("--create-baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the current findings and chains to FILE as a baseline.")
@click.option("--no-cache", is_flag=True,
              help="Neither read nor write the parse cache (docs/performance.md).")
def scan(paths, fmt, output, fail_on, exclude, only_rules, skip_rules, external_controls,
         config_file, no_config, baseline, create_baseline, no_cache, **inputs) -> None:
    """Scan PATHS (default: the current directory) as one plan."""
    import importlib

    from iacjit.cache import report as report_cache
    from iacjit.suppressions.cli_options import SetupError, setup

    try:  # flag > configuration file > default (docs/configuration.md)
        setting = setup(click.get_current_context(), list(paths) or [Path(".")], fmt=fmt,
                        fail_on=fail_on, only_rules=only_rules, skip_rules=skip_rules,
                        exclude=exclude, external_controls=external_controls,
                        config_file=config_file, no_config=no_config, baseline=baseline,
                        create_baseline=create_baseline)
    except SetupError as exc:
        click.echo(f"iacjit: {exc}", err=True)
        sys.exit(EXIT_INPUT_ERROR)
    fmt, fail_on = setting.fmt, setting.fail_on
    paths = list(paths) or [Path(".")]
    options, rule_ids, cache = parse_options(inputs), selected_rules(
        setting.only_rules, setting.skip_rules), scan_cache(no_cache)
    color = output is None and sys.stdout.isatty()
    stored = None if create_baseline else report_cache.slot(
        cache, paths, options, setting.exclude, rule_ids, setting.settings, setting.policy,
        fmt, color, fail_on)
    report = stored.get() if stored else None
    if report is None:
        from iacjit.reports.serialize import to_document
        from iacjit.scan import run_scan

        result = run_scan(paths, options, setting.settings, rules=rules(rule_ids),
                          excluded=setting.exclude, progress=progress_printer(),
                          policy=setting.policy, cache=cache,
                          plan=stored.plan if stored else None)
        setting.finish(result)  # --create-baseline
        code = exit_code(result, fail_on)
        renderer = importlib.import_module(f"iacjit.reports.{fmt}_report")  # only the one used
        report = report_cache.Report(renderer.render(to_document(result, code), color=color),
                                     code)
        if stored:
            stored.put(report)
    if output:
        write_output(output, report.text)
    else:
        click.echo(report.text, nl=False)
    sys.exit(report.code)
