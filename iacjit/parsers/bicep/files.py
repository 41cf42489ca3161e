"""The files a Bicep parse reads besides the template and its modules: parameter values.

Kept free of imports so the plan key (which must know every file a scan reads, to notice an
edited ``.bicepparam`` beside a scanned template) can ask without loading the parser.
"""

from __future__ import annotations

from pathlib import Path


def parameter_files(template: Path) -> list[Path]:
    """Existing files that may supply *template*'s parameters, in the order they are tried:
    ``<name>.parameters.json``, ``<name>.bicepparam``, then every ``.bicepparam`` of the
    directory (one whose ``using`` names the template applies)."""
    json_file = template.with_name(f"{template.stem}.parameters.json")
    beside = template.with_suffix(".bicepparam")
    found = [p for p in (json_file, beside) if p.is_file()]
    try:
        others = sorted(p for p in template.parent.glob("*.bicepparam") if p != beside)
    except OSError:
        others = []
    return found + [p for p in others if p.is_file()]
