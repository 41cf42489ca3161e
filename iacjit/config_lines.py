"""Where each setting of a configuration file is written: the line every report cites.

A deviation from the defaults is only reviewable when the reader can find the line that
causes it (iacjit.deviations).  YAML gives positions through its node tree; TOML's reader gives
none, so ``[tool.iacjit]`` tables are located by their ``key =`` lines.

Keys: ``disable`` (the key), ``disable[0]`` (an item of a YAML list), ``severity.zt_net_001``
(an entry of a mapping, rule ids lower-cased as the configuration reads them).
"""

from __future__ import annotations

import re

_TOML_TABLE = re.compile(r"^\s*(\[\[?)\s*tool\.iacjit(?:\.([A-Za-z0-9_\-]+))?\s*\]\]?\s*(#.*)?$")
_TOML_OTHER_TABLE = re.compile(r"^\s*\[")
_TOML_KEY = re.compile(r"""^\s*["']?([A-Za-z0-9_\-]+)["']?\s*=""")


def key_lines(text: str, pyproject: bool) -> dict[str, int]:
    """1-based line of each setting in *text*; settings it cannot place are left out."""
    try:
        return _toml_lines(text) if pyproject else _yaml_lines(text)
    except Exception:  # noqa: BLE001 - positions are a courtesy: the file was parsed already
        return {}


def _yaml_lines(text: str) -> dict[str, int]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = yaml.compose(text, Loader=loader)
    lines: dict[str, int] = {}
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key_node, value in root.value:
        key = str(key_node.value)
        lines[key] = key_node.start_mark.line + 1
        if isinstance(value, yaml.SequenceNode):
            for index, item in enumerate(value.value):
                lines[f"{key}[{index}]"] = item.start_mark.line + 1
        elif isinstance(value, yaml.MappingNode):
            for sub_key, _ in value.value:
                lines[f"{key}.{str(sub_key.value).lower()}"] = sub_key.start_mark.line + 1
    return lines


def _toml_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    prefix: str | None = None  # None: outside the tool.iacjit tables
    arrays: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        table = _TOML_TABLE.match(line)
        if table:
            sub = table.group(2)
            if table.group(1) == "[[" and sub:
                index = arrays.get(sub, 0)
                arrays[sub] = index + 1
                lines.setdefault(sub, number)
                lines[f"{sub}[{index}]"] = number
                prefix = f"{sub}[{index}]."
            else:
                if sub:
                    lines.setdefault(sub, number)
                prefix = f"{sub}." if sub else ""
            continue
        if _TOML_OTHER_TABLE.match(line):
            prefix = None
            continue
        key = _TOML_KEY.match(line)
        if key and prefix is not None:
            name = key.group(1)
            lines.setdefault(prefix + (name.lower() if prefix == "severity." else name), number)
    return lines
