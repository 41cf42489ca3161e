"""``iacjit scan``: one plan from PATHS, its reports (iacjit.cli.outputs), the exit code."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from iacjit.cli.base_option import base_ref_option, chosen_ref, compare
from iacjit.cli.inputs import input_options, parse_options
from iacjit.cli.outputs import Destinations, output_options
from iacjit.cli.pipeline import (
    EXIT_INPUT_ERROR,
    FAIL_ON,
    progress_printer,
    rules,
    scan_cache,
    selected_rules,
)
from iacjit.reports.formats import FORMATS


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="The report on standard output (or in --output FILE).")
@output_options
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="low", show_default=True,
              help="Lowest severity that makes the exit code 1.")
@click.option("--fail-on-unresolved", is_flag=True,
              help="Unresolved checks fail the run at their rule's severity, as its finding "
                   "would (also: fail_on_unresolved in .iacjit.yaml).")
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
@base_ref_option
def scan(paths, fmt, output, quiet, no_color, fail_on, fail_on_unresolved, exclude,
         only_rules, skip_rules, external_controls, config_file, no_config, baseline,
         create_baseline, no_cache, base_ref, **inputs) -> None:
    """Scan PATHS (default: the current directory) as one plan."""
    from iacjit.cache import report as report_cache
    from iacjit.gate import Gate
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
    destinations = Destinations.from_options(setting.fmt, output, quiet, no_color, inputs)
    gate = Gate(setting.fail_on, fail_on_unresolved or setting.config.fail_on_unresolved,
                setting.policy.severity, setting.settings.external_controls)
    paths = list(paths) or [Path(".")]
    options, rule_ids, cache = parse_options(inputs), selected_rules(
        setting.only_rules, setting.skip_rules), scan_cache(no_cache)
    renderings = destinations.renderings()
    # Every report of an unchanged scan comes from the cache, or the scan runs.
    ref = chosen_ref(base_ref)
    stored = None if create_baseline or ref else report_cache.slots(
        cache, paths, options, setting.exclude, rule_ids, setting.settings, setting.policy,
        renderings, f"{gate.fail_on}/unresolved={gate.fail_on_unresolved}/{_where(paths)}")
    reports = [slot.get() for slot in stored] if stored else []
    if reports and all(reports) and len({r.code for r in reports}) == 1:
        served = {key: report.text for key, report in zip(renderings, reports, strict=True)}
        destinations.write(lambda fmt, color: served[fmt, color])
        sys.exit(reports[0].code)
    from iacjit.reports.formats import render
    from iacjit.reports.serialize import to_document
    from iacjit.scan import run_scan

    result = run_scan(paths, options, setting.settings, rules=rules(rule_ids),
                      excluded=setting.exclude, progress=None if quiet else progress_printer(),
                      policy=setting.policy, cache=cache, plan=stored[0].plan if stored else None)
    setting.finish(result)  # --create-baseline
    compare(ref, paths, result, lambda base_paths: run_scan(
        base_paths, options, setting.settings, rules=rules(rule_ids), excluded=setting.exclude,
        policy=setting.policy, cache=cache))
    code = gate.exit_code(result)
    document = gate.annotate(to_document(result, code))
    rendered: dict[tuple[str, bool], str] = {}

    def text(fmt: str, color: bool) -> str:
        if (fmt, color) not in rendered:
            rendered[fmt, color] = render(fmt, document, color=color)
        return rendered[fmt, color]

    destinations.write(text)
    if stored:
        for slot, key in zip(stored, renderings, strict=True):
            slot.put(report_cache.Report(text(*key), code))
    sys.exit(code)


def _where(paths: list[Path]) -> str:
    """The report's ``scan`` object (UTC date, paths, repository and commit), for the report
    cache key: a report served from the cache says what this run would."""
    from iacjit import provenance

    return repr(provenance.describe(paths))
