"""The report formats by name, and rendering one of them from a report document.

Kept free of heavy imports: the CLI reads the names to declare its options, and a renderer's
module is imported only when that format is actually written.
"""

from __future__ import annotations

import importlib
from typing import Any

# name on the command line -> module in iacjit.reports
MODULES = {
    "text": "text_report",
    "json": "json_report",
    "sarif": "sarif_report",
    "markdown": "markdown_report",
    "html": "html_report",
    "junit": "junit_report",
    "gitlab-sast": "gitlab_sast_report",
}
FORMATS = tuple(MODULES)


def render(fmt: str, document: dict[str, Any], color: bool = False) -> str:
    """The report *fmt* of *document*; colour only means something for ``text``."""
    module = importlib.import_module(f"iacjit.reports.{MODULES[fmt]}")
    return module.render(document, color=color)
