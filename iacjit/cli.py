"""Command line: wires discovery, scan and reports; the only place that prints.

Heavy modules are imported inside the commands so ``iacjit --version`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from iacjit import __version__
from iacjit.cli_inputs import input_options, parse_options
from iacjit.output_files import write_output

FAIL_ON = ("critical", "high", "medium", "low", "none")
EXIT_OK, EXIT_FINDINGS, EXIT_INPUT_ERROR = 0, 1, 2


def exit_code(result, fail_on: str) -> int:
    """2 when an input could not be read (the verdict is incomplete), else 1 on findings."""
    from iacjit.rules.base import SEVERITIES

    if result.errors:
        return EXIT_INPUT_ERROR
    if fail_on == "none":
        return EXIT_OK
    threshold = SEVERITIES.index(fail_on)
    severities = [f.severity for f in result.findings if not f.suppressed]
    severities += [c.definition.severity for c in result.chains if not c.suppressed]
    failing = [s for s in severities if SEVERITIES.index(s) <= threshold]
    return EXIT_FINDINGS if failing else EXIT_OK


def _selected_rules(only: tuple[str, ...], skip: tuple[str, ...]) -> tuple[str, ...]:
    """The ids of the rules to run; an unknown id is a usage error, not a silent no-op."""
    from iacjit.rules import RULE_IDS

    known = set(RULE_IDS)
    for rule_id, flag in [(r, "--rule") for r in only] + [(r, "--skip-rule") for r in skip]:
        if rule_id.lower() not in known:
            raise click.BadParameter(
                f"unknown rule {rule_id!r}; known: {', '.join(sorted(known))}", param_hint=flag)
    wanted = {r.lower() for r in only} or known
    return tuple(r for r in RULE_IDS if r in wanted and r not in {s.lower() for s in skip})


def _rules(ids: tuple[str, ...]):
    from iacjit.rules import rule_by_id

    return tuple(rule_by_id(i) for i in ids)


def _progress_printer():
    """Progress on stderr for scans over a second on a terminal; silent in CI logs and pipes."""
    from iacjit.progress import printer

    return printer(sys.stderr)


def _scan_cache(no_cache: bool):
    """The content cache (docs/performance.md), unless --no-cache; GC off for the command.

    Parsing and evaluation allocate millions of small, acyclic objects: the collector's passes
    over the growing heap took half of a scan and freed next to nothing (reference counting
    frees the parse trees); memory stays bounded (docs/performance.md).
    """
    import gc

    gc.disable()
    if no_cache:
        return None
    from iacjit.cache import Cache

    return Cache()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="iacjit")
def main() -> None:
    """Find open management ports, missing JIT and unwatched NSG writes in IaC."""


@main.command()
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

    from iacjit import report_cache
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
    options, rule_ids, cache = parse_options(inputs), _selected_rules(
        setting.only_rules, setting.skip_rules), _scan_cache(no_cache)
    color = output is None and sys.stdout.isatty()
    stored = None if create_baseline else report_cache.slot(
        cache, paths, options, setting.exclude, rule_ids, setting.settings, setting.policy,
        fmt, color, fail_on)
    report = stored.get() if stored else None
    if report is None:
        from iacjit.reports.serialize import to_document
        from iacjit.scan import run_scan

        result = run_scan(paths, options, setting.settings, rules=_rules(rule_ids),
                          excluded=setting.exclude, progress=_progress_printer(),
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


@main.command("jit-status")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@input_options
def jit_status_command(paths, fmt, exclude, **inputs) -> None:
    """Per VM: NSGs in front, exposed management ports, JIT ports and Defender's category."""
    import json

    from iacjit.jit_table import render_text, rows
    from iacjit.providers import build_model
    from iacjit.rules.base import Settings
    from iacjit.scan import parse_inputs

    parsed, _ = parse_inputs(list(paths) or [Path(".")], parse_options(inputs), exclude)
    table = rows(build_model(parsed.resources), Settings())
    for error in parsed.errors:
        click.echo(f"error: {error.file}:{error.line or ''} {error.message}", err=True)
    if fmt == "json":
        click.echo(json.dumps({"version": 1, "vms": table}, indent=2))
    else:
        click.echo(render_text(table), nl=False)
    sys.exit(EXIT_INPUT_ERROR if parsed.errors else EXIT_OK)


@main.command()
@click.argument("item_id", metavar="ID")
def explain(item_id: str) -> None:
    """What a rule or chain detects, why it is dangerous, an example and the fix."""
    from iacjit.explain import explain as render

    text = render(item_id)
    if text is None:
        from iacjit.chains.definitions import all_chains
        from iacjit.rules import ALL_RULES

        known = [r.id for r in ALL_RULES] + [c.id for c in all_chains()]
        raise click.BadParameter(f"unknown id {item_id!r}; known: {', '.join(known)}",
                                 param_hint="ID")
    click.echo(text, nl=False)


@main.command("rules")
def list_rules() -> None:
    """List the rules with id, severity and title."""
    from iacjit.rules import ALL_RULES

    for rule in ALL_RULES:
        click.echo(f"{rule.id}  {rule.severity:<8}  {rule.title}")


@main.command("hook")
@click.argument("filenames", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "markdown"]),
              default="text", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE instead of standard output.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="low", show_default=True,
              help="Lowest severity that makes the exit code 1.")
@input_options
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: .iacjit.yaml or [tool.iacjit] in "
                   "pyproject.toml, searched upward from the changed files' roots).")
@click.option("--no-config", is_flag=True, help="Ignore configuration files.")
@click.option("--no-cache", is_flag=True,
              help="Neither read nor write the parse cache (docs/performance.md).")
def hook_command(filenames, fmt, output, fail_on, exclude, config_file, no_config, no_cache,
                 **inputs) -> None:
    """pre-commit entry: scan the roots of the changed FILENAMES, report what concerns them."""
    import importlib

    from iacjit import hook
    from iacjit.reports.serialize import to_document
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
    result = run_scan(plan.paths, parse_options(inputs), setting.settings,
                      rules=_rules(_selected_rules(setting.only_rules, setting.skip_rules)),
                      excluded=setting.exclude, policy=setting.policy,
                      cache=_scan_cache(no_cache))
    document, dropped = hook.filter_document(to_document(result, exit_code(result, fail_on)),
                                             plan)
    code = hook.exit_code(document, fail_on)
    document["summary"]["exit_code"] = code
    renderer = importlib.import_module(f"iacjit.reports.{fmt}_report")
    if output:
        write_output(output, renderer.render(document, color=False))
    else:
        click.echo(renderer.render(document, color=sys.stdout.isatty()), nl=False)
    if dropped:
        click.echo(f"iacjit: {dropped} error(s) in unchanged files of the scanned roots were "
                   "not reported; `iacjit scan` shows them", err=True)
    sys.exit(code)


@main.command("checkov-pack")
def checkov_pack() -> None:
    """Print the directory of the Checkov custom-check pack (for --external-checks-dir)."""
    import iacjit

    package = Path(iacjit.__file__).resolve().parent
    for candidate in (package / "checkov_pack", package.parent / "custom_checks"):
        if (candidate / "iacjit_checkov_bridge.py").is_file():
            click.echo(str(candidate.resolve()))
            return
    raise click.ClickException("the Checkov pack is not part of this installation")


def _register_comment() -> None:
    """``iacjit comment`` lives in iacjit.integrations.command (imports only click here)."""
    from iacjit.integrations.command import comment

    main.add_command(comment)


_register_comment()
