"""Fingerprints: what identifies a finding or a chain across runs, never line numbers.

A finding is identified by its file (relative to the repository root when there is one, so
scanning from a sub-directory gives the same value), its resource address, its rule id and
the rule's identifying evidence; a chain by its id and the (file, address) of its target VMs.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from iacjit.reports.locations import relative_to_root, repository_root

# The evidence keys that say *which* violation a finding is (not how it is described).
IDENTIFYING = {
    "zt_net_001": ("security_group", "rule", "ports"),
    "zt_vis_010": ("vm",),
    "zt_vis_008": ("security_group",),
}


def _digest(parts: list[Any]) -> str:
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    # surrogatepass: a lone surrogate from the input ("\ud800") must not crash the scan
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


class Fingerprinter:
    """Computes fingerprints; the repository-relative spelling of each file is cached."""

    def __init__(self, cwd: Path | None = None, root: Path | None = None) -> None:
        """*cwd* and *root* are found from the process when not given; ``--base-ref`` gives
        them to fingerprint a scan of the merge base the way the pull request's scan is."""
        self._files: dict[str, str] = {}
        self._where: tuple[Path, Path | None] | None = (cwd, root) if cwd else None

    def file(self, path: str) -> str:
        if path not in self._files:
            if self._where is None:  # the working directory and its root, once per scan
                cwd = Path.cwd().resolve()
                self._where = (cwd, repository_root(cwd, os.environ))
            self._files[path] = relative_to_root(path, *self._where)
        return self._files[path]

    def finding(self, finding: Any) -> str:
        evidence = finding.evidence or {}
        keys = IDENTIFYING.get(finding.rule_id, ())
        identity = {key: evidence.get(key) for key in keys}
        return _digest(["finding", self.file(finding.resource.file), finding.resource.address,
                        finding.rule_id, identity])

    def chain(self, hit: Any, trigger_prints: list[str]) -> str:
        vms = sorted([self.file(t.vm.resource.file), t.vm.resource.address]
                     for t in hit.targets)
        if vms:
            return _digest(["chain", hit.definition.id, vms])
        return _digest(["chain", hit.definition.id, [], sorted(trigger_prints)])
