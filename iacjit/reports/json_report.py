"""``--format json``: the versioned contract (docs/json-format.md).

Top-level keys are indented and each list element (a finding, a chain, …) is written on one
line.  That stays readable and diff-friendly, and lets the C encoder do the work: Python's
indenting encoder is pure Python and took most of a warm scan's time on large plans.
"""

from __future__ import annotations

import json
from typing import Any


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def render(document: dict[str, Any], color: bool = False) -> str:
    lines = ["{"]
    items = list(document.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        if isinstance(value, list) and value:
            lines.append(f"  {_compact(key)}: [")
            lines += [f"    {_compact(item)}," for item in value[:-1]]
            lines.append(f"    {_compact(value[-1])}")
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {_compact(key)}: {_compact(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"
