"""Where a finding inside a module can be changed: its call sites (``via`` in the JSON).

A resource declared in a module is made by the values its callers pass.  When the module was
downloaded by ``terraform init`` (``.terraform/modules/...``) its files are not the user's: the
place to change is the innermost ``module`` block outside downloaded code.  Every report uses
these helpers on the JSON document, so the text, Markdown, HTML, SARIF and the hook agree.
"""

from __future__ import annotations

from typing import Any

DOWNLOADED_DIR = ".terraform"


def downloaded(file: Any) -> bool:
    """Is *file* inside code that ``terraform init`` installed (never edited by the user)?"""
    return isinstance(file, str) and DOWNLOADED_DIR in file.replace("\\", "/").split("/")


def call_sites(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``via`` hops of a finding or unresolved item, outermost first (may be empty)."""
    via = item.get("via")
    return [hop for hop in via if isinstance(hop, dict)] if isinstance(via, list) else []


def editable(item: dict[str, Any]) -> dict[str, Any]:
    """``{file, line, end_line}`` where the user can change *item*: its own location unless
    that is downloaded code, else the innermost call site outside downloaded code."""
    own = {"file": item.get("file"), "line": item.get("line"), "end_line": item.get("end_line")}
    if not downloaded(own["file"]):
        return own
    for hop in reversed(call_sites(item)):
        if not downloaded(hop.get("file")):
            return {"file": hop.get("file"), "line": hop.get("line"),
                    "end_line": hop.get("end_line")}
    return own


def via_text(item: dict[str, Any]) -> str:
    """``via module.nsg at envs/prod/main.tf:12, module.rules at modules/nsg/main.tf:4``."""
    hops = call_sites(item)
    if not hops:
        return ""
    return "via " + ", ".join(f"{hop.get('module')} at {hop.get('file')}:{hop.get('line')}"
                              for hop in hops)
