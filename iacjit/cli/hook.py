"""``iacjit hook``: the pre-commit entry (iacjit.hook decides what to scan and show)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from iacjit.cli.base_option import base_ref_option, chosen_ref, compare
from iacjit.cli.inputs import input_options, parse_options
from iacjit.cli.outputs import color_allowed, refuse_format_name
from iacjit.cli.pipeline import (
    EXIT_INPUT_ERROR,
    EXIT_OK,
    FAIL_ON,
    rules,
    scan_cache,
    selected_rules,
)
from iacjit.output_files import write_output


@click.command("hook")
@click.argument("filenames", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json", "sarif", "markdown"]),
              default="text", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              callback=refuse_format_name,
              help="Write the report to FILE instead of standard output.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="low", show_default=True,
              help="Lowest severity that makes the exit code 1.")
@input_options
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: .iacjit.yaml or [tool.iacjit] in "
                   "pyproject.toml, searched upward from the repository root, as for "
                   "`iacjit scan .`).")
@click.option("--no-config", is_flag=True, help="Ignore configuration files.")
@click.option("--no-cache", is_flag=True,
              help="Neither read nor write the parse cache (docs/performance.md).")
@base_ref_option
def hook_command(filenames, fmt, output, fail_on, exclude, config_file, no_config, no_cache,
                 base_ref, **inputs) -> None:
    """pre-commit entry: scan the repository as `iacjit scan .` does, report what concerns
    the changed FILENAMES."""
    import importlib

    from iacjit import hook
    from iacjit.gate import Gate
    from iacjit.reports.serialize import summary, to_document
    from iacjit.scan import run_scan
    from iacjit.suppressions.cli_options import SetupError, setup

    plan = hook.plan(filenames)
    if not plan.paths:
        sys.exit(EXIT_OK)  # no IaC among the changed files
    try:  # the repository's .iacjit.yaml applies to the hook as to `iacjit scan`
        setting = setup(click.get_current_context(), plan.paths, fmt=fmt, fail_on=fail_on,
                        only_rules=(), skip_rules=(), exclude=exclude, external_controls=(),
                        config_file=config_file, no_config=no_config)
    except SetupError as exc:
        click.echo(f"iacjit: {exc}", err=True)
        sys.exit(EXIT_INPUT_ERROR)
    fmt, fail_on = setting.fmt, setting.fail_on
    options, cache = parse_options(inputs), scan_cache(no_cache)
    selected = rules(selected_rules(setting.only_rules, setting.skip_rules))

    def scan(paths: list[Path]):
        return run_scan(paths, options, setting.settings, rules=selected,
                        excluded=setting.exclude, policy=setting.policy, cache=cache)

    result = scan(plan.paths)
    compare(chosen_ref(base_ref), plan.paths, result, scan)
    gate = Gate(fail_on, setting.config.fail_on_unresolved, setting.policy.severity,
                setting.settings.external_controls)
    code = gate.exit_code(result)
    document = to_document(hook.narrowed(result, plan), code)
    document["summary"] = summary(result, code)  # the whole scan's counts, as before filtering
    document, dropped = hook.filter_document(gate.annotate(document), plan)
    code = hook.exit_code(document, fail_on)
    document["summary"]["exit_code"] = code
    renderer = importlib.import_module(f"iacjit.reports.{fmt}_report")
    if output:
        write_output(output, renderer.render(document, color=False))
    else:
        click.echo(renderer.render(document, color=color_allowed(False, sys.stdout)), nl=False)
    if dropped:
        click.echo(f"iacjit: {dropped} error(s) in unchanged files of the repository were not "
                   "reported; `iacjit scan` shows them", err=True)
    sys.exit(code)
