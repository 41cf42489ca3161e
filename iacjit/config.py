"""Project configuration: ``.iacjit.yaml`` (or ``[tool.iacjit]`` in ``pyproject.toml``).

Discovered upward from the first scanned path; ``--config FILE`` names one, ``--no-config``
ignores it.  Every key is validated: an error names the file, the key and what was expected
(the CLI exits 2).  docs/configuration.md describes the keys.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacjit import boundary
from iacjit.reports.formats import FORMATS
from iacjit.suppressions.model import CONFIG, Suppression, parse_date

CONFIG_NAMES = (".iacjit.yaml", ".iacjit.yml")
FAIL_ON = ("critical", "high", "medium", "low", "none")
SEVERITIES = ("critical", "high", "medium", "low", "info")

KEYS = {
    "enable": "a list of rule ids to run (default: every rule)",
    "disable": "a list of rule ids not to run",
    "severity": "a mapping of rule id to critical|high|medium|low|info",
    "management_ports": "a list of port numbers 1-65535 (default [22, 3389])",
    "trusted_sources": "a list of IP prefixes (CIDR) such as 198.51.100.0/24",
    "external_controls": "a list of rule ids provided outside the repository",
    "shared_accounts": "a list of groups, each a list of deployment-unit paths or globs "
                       "that deploy into one subscription/account, e.g. [[platform, envs/prod]]",
    "exclude": "a list of directory names or path patterns to skip",
    "format": f"one of {', '.join(FORMATS)}",
    "fail_on": f"one of {', '.join(FAIL_ON)}",
    "fail_on_unresolved": "true or false",
    "require_reason": "true or false",
    "baseline": "the path of a baseline file (relative to the configuration file)",
    "suppressions": "a list of {id, resource, file, reason, expires}",
}
SUPPRESSION_KEYS = ("id", "resource", "file", "reason", "expires")


class ConfigError(Exception):
    """An invalid configuration: ``file: key: expected ..., got ...``."""


@dataclass
class Config:
    path: Path | None = None
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    management_ports: frozenset[int] | None = None
    trusted_sources: tuple[str, ...] = ()
    external_controls: tuple[str, ...] = ()
    shared_accounts: tuple[tuple[str, ...], ...] = ()  # relative to the configuration file
    exclude: tuple[str, ...] = ()
    format: str | None = None
    fail_on: str | None = None
    fail_on_unresolved: bool = False
    require_reason: bool = False
    baseline: Path | None = None
    suppressions: list[Suppression] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # iacjit.config_lines


def _has_tool_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    return "[tool.iacjit" in text


def discover(start: Path) -> Path | None:
    """The nearest configuration file in *start* (a file's directory) or above it."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for candidate in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            if (candidate / name).is_file():
                return candidate / name
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _known_ids() -> tuple[set[str], set[str]]:
    from iacjit.chains.definitions import all_chains
    from iacjit.rules import RULE_IDS

    return set(RULE_IDS), {c.id for c in all_chains()}


class _Reader:
    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data
        self.rules, self.chains = _known_ids()

    def fail(self, key: str, expected: str, got: Any = ...) -> ConfigError:
        tail = "" if got is ... else f", got {got!r}"
        return ConfigError(f"{self.path}: {key}: expected {expected}{tail}")

    def strings(self, key: str) -> list[str]:
        value = self.data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(key, KEYS[key], value)
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{key}[{index}]", "a non-empty string", item)
        return [v.strip() for v in value]

    def rule_ids(self, key: str) -> tuple[str, ...]:
        ids = []
        for index, item in enumerate(self.strings(key)):
            if item.lower() not in self.rules:
                raise self.fail(f"{key}[{index}]",
                                f"a rule id ({', '.join(sorted(self.rules))})", item)
            ids.append(item.lower())
        return tuple(ids)

    def choice(self, key: str, choices: tuple[str, ...]) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or value.lower() not in choices:
            raise self.fail(key, KEYS[key], value)
        return value.lower()


def _severity(reader: _Reader) -> dict[str, str]:
    value = reader.data.get("severity", {})
    if not isinstance(value, dict):
        raise reader.fail("severity", KEYS["severity"], value)
    result = {}
    for rule_id, severity in value.items():
        if str(rule_id).lower() not in reader.rules:
            raise reader.fail(f"severity.{rule_id}",
                              f"a rule id ({', '.join(sorted(reader.rules))}) as key")
        if not isinstance(severity, str) or severity.lower() not in SEVERITIES:
            raise reader.fail(f"severity.{rule_id}", f"one of {', '.join(SEVERITIES)}",
                              severity)
        result[str(rule_id).lower()] = severity.lower()
    return result


def _ports(reader: _Reader) -> frozenset[int] | None:
    if "management_ports" not in reader.data:
        return None
    value = reader.data["management_ports"]
    if not isinstance(value, list) or not value:
        raise reader.fail("management_ports", "a non-empty " + KEYS["management_ports"], value)
    for index, port in enumerate(value):
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise reader.fail(f"management_ports[{index}]", "a port number 1-65535", port)
    return frozenset(value)


def _trusted(reader: _Reader) -> tuple[str, ...]:
    prefixes = []
    for index, text in enumerate(reader.strings("trusted_sources")):
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise reader.fail(f"trusted_sources[{index}]",
                              "an IP prefix such as 198.51.100.0/24", text) from None
        if network.prefixlen == 0:
            raise reader.fail(f"trusted_sources[{index}]", "a prefix narrower than /0 (a /0 "
                              "would hide every internet rule)", text)
        prefixes.append(str(network))
    return tuple(prefixes)


def _shared_accounts(reader: _Reader) -> tuple[tuple[str, ...], ...]:
    """Groups of unit paths/globs (two or more, or one glob naming several units); a pattern
    in two groups would be ambiguous."""
    value = reader.data.get("shared_accounts", [])
    if not isinstance(value, list):
        raise reader.fail("shared_accounts", KEYS["shared_accounts"], value)
    groups: list[tuple[str, ...]] = []
    seen: dict[str, int] = {}
    for index, group in enumerate(value):
        key = f"shared_accounts[{index}]"
        if not isinstance(group, list) or not group or (
                len(group) == 1 and not any(c in str(group[0]) for c in "*?[")):
            raise reader.fail(key, "a list of at least two unit paths, or of globs", group)
        patterns = []
        for position, item in enumerate(group):
            if not isinstance(item, str) or not item.strip() or "\\" in item \
                    or item.strip().startswith("/") or ".." in item.split("/"):
                raise reader.fail(f"{key}[{position}]", "a unit path or glob relative to the "
                                  "configuration file, such as envs/prod or envs/*", item)
            pattern = item.strip().rstrip("/")
            if pattern in seen and seen[pattern] != index:
                raise reader.fail(f"{key}[{position}]", "a unit named in one group only "
                                  f"(also in shared_accounts[{seen[pattern]}])", item)
            seen[pattern] = index
            patterns.append(pattern)
        groups.append(tuple(patterns))
    return tuple(groups)


def _suppressions(reader: _Reader) -> list[Suppression]:
    value = reader.data.get("suppressions", [])
    if not isinstance(value, list):
        raise reader.fail("suppressions", KEYS["suppressions"], value)
    result = []
    for index, entry in enumerate(value):
        key = f"suppressions[{index}]"
        if not isinstance(entry, dict):
            raise reader.fail(key, "an object {id, resource, file, reason, expires}", entry)
        unknown = sorted(set(map(str, entry)) - set(SUPPRESSION_KEYS))
        if unknown:
            raise reader.fail(f"{key}.{unknown[0]}",
                              f"one of the keys {', '.join(SUPPRESSION_KEYS)}")
        ids = entry.get("id")
        ids = [ids] if isinstance(ids, str) else ids
        if not isinstance(ids, list) or not ids:
            raise reader.fail(f"{key}.id", "a rule or chain id, or a list of them",
                              entry.get("id", ...))
        normalised = []
        for item in ids:
            text = str(item)
            if text.lower() in reader.rules:
                normalised.append(text.lower())
            elif text.upper() in reader.chains:
                normalised.append(text.upper())
            else:
                known = sorted(reader.rules) + sorted(reader.chains)
                raise reader.fail(f"{key}.id", f"a rule or chain id ({', '.join(known)})", item)
        for name in ("resource", "file", "reason"):
            if entry.get(name) is not None and not isinstance(entry[name], str):
                raise reader.fail(f"{key}.{name}", "a string", entry[name])
        expires = None
        if entry.get("expires") is not None:
            try:
                expires = parse_date(entry["expires"])
            except ValueError:
                raise reader.fail(f"{key}.expires", "a date YYYY-MM-DD",
                                  entry["expires"]) from None
        result.append(Suppression(
            tuple(normalised), (entry.get("reason") or "").strip() or None, expires, CONFIG,
            reader.path.as_posix(), None, resource=entry.get("resource"),
            path=entry.get("file")))
    return result


def parse(path: Path, data: Any) -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    unknown = sorted(set(map(str, data)) - set(KEYS))
    if unknown:
        raise ConfigError(f"{path}: {unknown[0]}: unknown key; expected one of "
                          f"{', '.join(KEYS)}")
    reader = _Reader(path, data)
    for flag in ("require_reason", "fail_on_unresolved"):
        if not isinstance(data.get(flag, False), bool):
            raise reader.fail(flag, KEYS[flag], data[flag])
    exclude = reader.strings("exclude")
    for index, name in enumerate(exclude):
        if "\\" in name or not name.strip():
            raise reader.fail(f"exclude[{index}]", "a directory name or a path pattern with "
                              "'/' (docs/configuration.md)", name)
    baseline = data.get("baseline")
    if baseline is not None and (not isinstance(baseline, str) or not baseline.strip()):
        raise reader.fail("baseline", KEYS["baseline"], baseline)
    return Config(
        path=path,
        enable=reader.rule_ids("enable"),
        disable=reader.rule_ids("disable"),
        severity=_severity(reader),
        management_ports=_ports(reader),
        trusted_sources=_trusted(reader),
        external_controls=reader.rule_ids("external_controls"),
        shared_accounts=_shared_accounts(reader),
        exclude=tuple(exclude),
        format=reader.choice("format", FORMATS),
        fail_on=reader.choice("fail_on", FAIL_ON),
        fail_on_unresolved=data.get("fail_on_unresolved", False),
        require_reason=data.get("require_reason", False),
        baseline=(path.parent / baseline) if baseline else None,
        suppressions=_suppressions(reader),
    )


def load(path: Path) -> Config:
    """Read and validate one configuration file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if path.name == "pyproject.toml":
        import tomllib

        try:
            data = tomllib.loads(text).get("tool", {}).get("iacjit", {})
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
        return _located(parse(path, data), text, pyproject=True)
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc
        raise ConfigError(f"{path}{where}: invalid YAML: {problem}") from exc
    return _located(parse(path, data), text, pyproject=False)


def _located(config: Config, text: str, pyproject: bool) -> Config:
    """The configuration with the line of each setting, for the reports' policy section."""
    from iacjit.config_lines import key_lines

    config.lines = key_lines(text, pyproject)
    return config


def find_config(paths: list[Path], explicit: Path | None = None,
                disabled: bool = False) -> Config:
    """The configuration for a scan of *paths*; an empty Config when there is none."""
    if disabled:
        return Config()
    chosen = explicit if explicit is not None else discover(paths[0] if paths else Path("."))
    if chosen is None:
        return Config()
    if not boundary.allowed_name(chosen, boundary.roots_for(paths or [Path(".")])):
        raise ConfigError(f"{chosen}: {boundary.REASON}")  # a committed link to a machine file
    return load(chosen)
