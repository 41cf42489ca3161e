"""Modules that ``terraform init`` downloaded: ``.terraform/modules/modules.json`` of a root.

``terraform init`` writes every module call of a root into this manifest, keyed by the path of
call names from the root (``nsg``, ``app.nsg`` for a call inside module ``app``), with the
directory it installed the code in, relative to the root.  Reading the manifest lets a
registry, git or http module be evaluated like a local one without fetching anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from iacjit.model.raw import InputError
from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.common.text import read_text
from iacjit.parsers.terraform.format import MANIFEST

INIT_HINT = "run `terraform init -backend=false` in the root before the scan"


@dataclass
class Manifest:
    """Installed module directories of one root, by call key; empty when there is none."""

    root: Path
    present: bool = False
    directories: dict[str, str] = field(default_factory=dict)  # key -> Dir as recorded

    def directory(self, key: str) -> Path | None:
        """Where the module of call *key* was installed; None when it was not."""
        recorded = self.directories.get(key)
        return None if recorded is None else self.root / recorded

    def missing_reason(self, key: str) -> str:
        """Why a remote call has no code to read, and what the user should do."""
        if not self.present:
            return f"remote module not downloaded: {INIT_HINT}"
        return (f"not in {MANIFEST.as_posix()} (a call added after the last init?): "
                f"{INIT_HINT}")


def read_manifest(root: Path, max_bytes: int, shown: str) -> tuple[Manifest, list[InputError]]:
    """The manifest of *root*, and what made it unusable (named *shown* in errors)."""
    path = root / MANIFEST
    manifest = Manifest(root)
    if not path.is_file():
        return manifest, []
    try:
        text, _warning = read_text(path, max_bytes)
        data = json.loads(text)
    except ParseError as exc:
        return manifest, [exc.at(shown)]
    except (ValueError, RecursionError) as exc:
        return manifest, [InputError(shown, f"invalid module manifest: {exc}")]
    modules = data.get("Modules") if isinstance(data, dict) else None
    if not isinstance(modules, list):
        return manifest, [InputError(shown, 'invalid module manifest: no "Modules" list')]
    manifest.present = True
    for entry in modules:
        if (isinstance(entry, dict) and isinstance(entry.get("Key"), str)
                and isinstance(entry.get("Dir"), str)):
            manifest.directories[entry["Key"]] = entry["Dir"]
    return manifest, []
