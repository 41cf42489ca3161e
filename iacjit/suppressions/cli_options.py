"""``iacjit scan`` options that come from the configuration file: flag > file > default.

Scalars (``--format``, ``--fail-on``) given on the command line win over the file; lists add
up (``--exclude``, ``--external-control``, ``--skip-rule``), except ``--rule``, which replaces
the file's ``enable`` list and re-enables a rule the file disables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacjit.config import Config, ConfigError, find_config
from iacjit.rules.base import Settings
from iacjit.suppressions.policy import Policy

if TYPE_CHECKING:
    from iacjit.suppressions.baseline import Baseline


class SetupError(Exception):
    """A configuration or baseline problem: the message is printed, the exit code is 2."""


@dataclass
class ScanSetup:
    config: Config
    fmt: str
    fail_on: str
    only_rules: tuple[str, ...]
    skip_rules: tuple[str, ...]
    exclude: tuple[str, ...]
    settings: Settings
    policy: Policy
    create_baseline: Path | None = None

    def finish(self, result: Any) -> None:
        """After the scan: write the baseline if asked; what it holds is then suppressed."""
        if self.create_baseline is None:
            return
        from iacjit.suppressions.baseline import write
        from iacjit.suppressions.engine import apply_baseline

        baseline = write(self.create_baseline, result)
        apply_baseline(baseline, result.findings, result.chains, result.warnings)


def _given(ctx: Any, name: str) -> bool:
    from click.core import ParameterSource

    source = ctx.get_parameter_source(name) if ctx is not None else None
    return source not in (None, ParameterSource.DEFAULT)


def _shared(config: Config) -> tuple[tuple[str, ...], ...]:
    """``shared_accounts`` as unit paths the scan shows (relative to the working directory),
    since the file names them relative to itself."""
    if config.path is None or not config.shared_accounts:
        return config.shared_accounts
    base = config.path.resolve().parent
    cwd = Path.cwd().resolve()

    def shown(pattern: str) -> str:
        try:
            return (base / pattern).relative_to(cwd).as_posix()
        except ValueError:
            return Path(os.path.relpath(base / pattern, cwd)).as_posix()

    return tuple(tuple(shown(p) for p in group) for group in config.shared_accounts)


def setup(ctx: Any, paths: list[Path], *, fmt: str, fail_on: str,
          only_rules: tuple[str, ...], skip_rules: tuple[str, ...], exclude: tuple[str, ...],
          external_controls: tuple[str, ...], config_file: Path | None = None,
          no_config: bool = False, baseline: Path | None = None,
          create_baseline: Path | None = None) -> ScanSetup:
    try:
        config = find_config(paths, config_file, no_config)
    except ConfigError as exc:
        raise SetupError(str(exc)) from exc
    only = tuple(only_rules) if only_rules else config.enable
    wanted = {r.lower() for r in only_rules}
    skip = tuple(dict.fromkeys([*skip_rules, *(r for r in config.disable if r not in wanted)]))
    controls = frozenset(c.lower() for c in (*config.external_controls, *external_controls))
    settings = Settings(external_controls=controls, shared_accounts=_shared(config)) \
        if config.management_ports is None else \
        Settings(management_ports=config.management_ports, external_controls=controls,
                 shared_accounts=_shared(config))
    loaded: Baseline | None = None
    baseline_file = baseline or config.baseline
    if baseline_file is not None and create_baseline is None:
        from iacjit.suppressions.baseline import BaselineError, load

        try:
            loaded = load(baseline_file)
        except BaselineError as exc:
            raise SetupError(str(exc)) from exc
    fail_on_from_config = not _given(ctx, "fail_on") and config.fail_on is not None
    excluded = tuple(dict.fromkeys([*config.exclude, *exclude]))
    shown = _shown(config.path)
    found = _deviations(config, shown, paths, only, skip, only_rules, skip_rules, exclude,
                        external_controls, excluded, config.fail_on if fail_on_from_config
                        else fail_on, fail_on_from_config, baseline)
    policy = Policy(suppressions=list(config.suppressions), baseline=loaded,
                    severity=dict(config.severity), trusted_sources=config.trusted_sources,
                    require_reason=config.require_reason, config_file=shown,
                    deviations=tuple(found))
    return ScanSetup(
        config=config,
        fmt=fmt if _given(ctx, "fmt") or config.format is None else config.format,
        fail_on=config.fail_on if fail_on_from_config else fail_on,
        only_rules=only,
        skip_rules=skip,
        exclude=excluded,
        settings=settings,
        policy=policy,
        create_baseline=create_baseline,
    )


def _shown(path: Path | None) -> str | None:
    if path is None:
        return None
    from iacjit.discovery import display_path

    return display_path(path)


def _deviations(config: Config, shown: str | None, paths: list[Path], only: tuple[str, ...],
                skip: tuple[str, ...], cli_only: tuple[str, ...], cli_skip: tuple[str, ...],
                cli_exclude: tuple[str, ...], cli_controls: tuple[str, ...],
                excluded: tuple[str, ...], fail_on: str, fail_on_from_config: bool,
                baseline: Path | None) -> list:
    """The scan's deviations from the defaults (iacjit.deviations), each with its source."""
    from iacjit.deviations import Sources, collect
    from iacjit.discovery import skipped_by
    from iacjit.rules import RULE_IDS

    wanted = {r.lower() for r in only} or set(RULE_IDS)
    run = [r for r in RULE_IDS if r in wanted and r not in {s.lower() for s in skip}]
    return collect(config, Sources(shown, config.lines), all_rules=RULE_IDS, run_rules=run,
                   cli_only=cli_only, cli_skip=cli_skip, cli_exclude=cli_exclude,
                   cli_controls=cli_controls, fail_on=fail_on,
                   fail_on_from_config=fail_on_from_config,
                   baseline_from_cli=None if baseline is None else baseline.as_posix(),
                   skipped=skipped_by(paths, excluded) if excluded else {})
