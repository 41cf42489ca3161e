"""The effective deviations from the defaults, and where each one comes from.

In a pull request the configuration file is written by whoever opened it: ``exclude: ['*']``,
``disable: [...]``, ``severity: {zt_net_001: info}`` or a blanket suppression would otherwise
turn the verdict into "no findings" without a trace.  Every report format therefore carries
this list (JSON ``policy``, the text summary, SARIF run properties and notifications, the PR
comment's header, HTML): what differs from iacjit's defaults, and the file and line (or the
command line) that says so.  docs/json-format.md describes the JSON form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

COMMAND_LINE = "command line"
DEFAULT_PORTS = (22, 3389)
DEFAULT_FAIL_ON = "low"


@dataclass(frozen=True)
class Deviation:
    """One deviation; *file* None means the command line."""

    kind: str  # rule_not_run, exclusion, severity, management_ports, suppression, ...
    subject: str  # what it is about: a rule id, a pattern, the ports
    detail: str  # what it does, in words
    file: str | None = None
    line: int | None = None
    files_skipped: int | None = None  # exclusions
    reason: str | None = None  # suppressions

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "subject": self.subject,
                                "detail": self.detail,
                                "source": "configuration" if self.file else COMMAND_LINE,
                                "file": self.file, "line": self.line}
        if self.kind == "exclusion":
            data["files_skipped"] = self.files_skipped
        if self.kind == "suppression":
            data["reason"] = self.reason
        return data


@dataclass
class Sources:
    """What was set where: the configuration (its name and key lines) and the command line."""

    config_file: str | None = None  # as shown in reports
    lines: Mapping[str, int] | None = None  # "disable[0]", "severity.zt_net_001", ...

    def at(self, *keys: str) -> int | None:
        """The line of the most specific of *keys* the configuration has."""
        for key in keys:
            if self.lines and key in self.lines:
                return self.lines[key]
        return None


def collect(config: Any, sources: Sources, *, all_rules: Sequence[str],
            run_rules: Sequence[str], cli_only: Sequence[str], cli_skip: Sequence[str],
            cli_exclude: Sequence[str], cli_controls: Sequence[str], fail_on: str,
            fail_on_from_config: bool, baseline_from_cli: str | None,
            skipped: Mapping[str, int]) -> list[Deviation]:
    """Every deviation of this scan, configuration first, then the command line."""
    shown, found = sources.config_file, []

    def add(kind: str, subject: str, detail: str, *keys: str, in_config: bool = True,
            **extra: Any) -> None:
        where = (shown, sources.at(*keys)) if in_config and shown else (None, None)
        found.append(Deviation(kind, subject, detail, *where, **extra))

    not_run = [r for r in all_rules if r not in run_rules]
    cli_named = {r.lower() for r in (*cli_only, *cli_skip)}
    for rule in not_run:
        if rule in {r.lower() for r in cli_skip} or (cli_only and rule not in cli_named):
            add("rule_not_run", rule, "rule not run (--rule/--skip-rule)", in_config=False)
        elif rule in config.disable:
            add("rule_not_run", rule, "rule disabled", f"disable[{config.disable.index(rule)}]",
                "disable")
        else:
            add("rule_not_run", rule, "rule not enabled", "enable")
    for index, entry in enumerate(config.exclude):
        add("exclusion", entry, f"excluded: {skipped.get(entry, 0)} file(s) skipped",
            f"exclude[{index}]", "exclude", files_skipped=skipped.get(entry, 0))
    for entry in cli_exclude:
        if entry not in config.exclude:
            add("exclusion", entry, f"excluded: {skipped.get(entry, 0)} file(s) skipped",
                in_config=False, files_skipped=skipped.get(entry, 0))
    for rule, severity in sorted(config.severity.items()):
        add("severity", rule, f"severity set to {severity}", f"severity.{rule}", "severity")
    if config.management_ports is not None and \
            tuple(sorted(config.management_ports)) != DEFAULT_PORTS:
        ports = ", ".join(map(str, sorted(config.management_ports)))
        add("management_ports", ports, f"management ports {ports} instead of 22, 3389",
            "management_ports")
    for index, suppression in enumerate(config.suppressions):
        scope = " ".join(f"{name}={value}" for name, value in
                         (("resource", suppression.resource), ("file", suppression.path))
                         if value) or "everywhere"
        reason = suppression.reason
        expiry = f", expires {suppression.expires}" if suppression.expires else ""
        add("suppression", ", ".join(suppression.ids),
            f"suppressed {scope}" + (f", reason: {reason}" if reason else ", no reason")
            + expiry, f"suppressions[{index}]", "suppressions", reason=reason)
    for rule in config.external_controls:
        add("external_control", rule, "provided outside the scanned files (findings become "
            "info notes)", f"external_controls[{config.external_controls.index(rule)}]",
            "external_controls")
    for rule in dict.fromkeys(r.lower() for r in cli_controls):
        if rule not in config.external_controls:
            add("external_control", rule, "provided outside the scanned files (findings "
                "become info notes)", in_config=False)
    for index, group in enumerate(config.shared_accounts):
        # Declaring units as one account lets an alert in one cover the NSGs of the others.
        add("shared_accounts", ", ".join(group), "deployment units deploy into one "
            "subscription/account: an alert in one covers the others",
            f"shared_accounts[{index}]", "shared_accounts")
    for index, prefix in enumerate(config.trusted_sources):
        add("trusted_source", prefix, "trusted source: not treated as the internet",
            f"trusted_sources[{index}]", "trusted_sources")
    if fail_on_from_config and fail_on != DEFAULT_FAIL_ON:  # a flag is the pipeline's choice
        add("fail_on", fail_on, f"fails on {fail_on} and above (default {DEFAULT_FAIL_ON})",
            "fail_on")
    if baseline_from_cli is not None:
        add("baseline", baseline_from_cli, "findings in the baseline are suppressed",
            in_config=False)
    elif config.baseline is not None:
        add("baseline", str(config.baseline), "findings in the baseline are suppressed",
            "baseline")
    return found


def document(config_file: str | None, deviations: Sequence[Deviation]) -> dict[str, Any]:
    """The JSON ``policy`` object (docs/json-format.md)."""
    return {"configuration": config_file,
            "deviations": [d.to_json() for d in deviations]}


def where(deviation: Mapping[str, Any]) -> str:
    """``file:line`` of a deviation in the JSON form, or ``command line``."""
    if not deviation.get("file"):
        return COMMAND_LINE
    line = deviation.get("line")
    return f"{deviation['file']}:{line}" if line else str(deviation["file"])
