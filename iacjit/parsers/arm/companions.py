"""The parameters file an ARM template reads beside it, named once for the parser and for
what asks the format (cache keys, the hook)."""

from __future__ import annotations

from pathlib import Path

PARAMETERS_SUFFIX = ".parameters.json"


def sibling_parameters(template: Path) -> Path:
    """``main.json`` → ``main.parameters.json``, whether it exists or not."""
    name = template.name
    stem = name[: -len(".json")] if name.lower().endswith(".json") else name
    return template.with_name(f"{stem}{PARAMETERS_SUFFIX}")
