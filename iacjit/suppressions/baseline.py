"""Baselines: the fingerprints of the findings and chains a repository already has.

``--create-baseline FILE`` writes them; ``--baseline FILE`` reports those findings and chains
as suppressed (``suppression.source: "baseline"``) so only new ones fail the run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacjit import __version__
from iacjit.output_files import write_output

BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be used; the message names the file and the problem."""


@dataclass
class Baseline:
    file: str
    findings: set[str] = field(default_factory=set)
    chains: set[str] = field(default_factory=set)


def load(path: Path) -> Baseline:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise BaselineError(f"{path}: not a JSON baseline ({exc})") from exc
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{path}: expected an iacjit baseline with \"version\": "
                            f"{BASELINE_VERSION} (write one with --create-baseline)")
    baseline = Baseline(path.as_posix())
    for key, target in (("findings", baseline.findings), ("chains", baseline.chains)):
        entries = data.get(key, [])
        if not isinstance(entries, list):
            raise BaselineError(f"{path}: {key}: expected a list")
        for index, entry in enumerate(entries):
            fingerprint = entry.get("fingerprint") if isinstance(entry, dict) else None
            if not isinstance(fingerprint, str) or not fingerprint:
                raise BaselineError(f"{path}: {key}[{index}]: expected an object with a "
                                    "\"fingerprint\" string")
            target.add(fingerprint)
    return baseline


def document(result: Any) -> dict[str, Any]:
    """The baseline of a scan: everything not accepted by an inline or config suppression."""

    def known(item: Any) -> bool:
        source = (item.suppression or {}).get("source") if item.suppressed else None
        return not item.suppressed or source == "baseline"

    findings = {f.fingerprint: {"fingerprint": f.fingerprint, "rule_id": f.rule_id,
                                "resource": f.resource.address, "file": f.resource.file}
                for f in result.findings if known(f) and f.fingerprint}
    chains = {c.fingerprint: {"fingerprint": c.fingerprint, "chain_id": c.definition.id,
                              "vms": [t.vm.resource.address for t in c.targets]}
              for c in result.chains if known(c) and c.fingerprint}
    return {
        "version": BASELINE_VERSION,
        "tool": {"name": "iacjit", "version": __version__},
        "findings": sorted(findings.values(), key=lambda e: (e["file"], e["resource"],
                                                             e["rule_id"], e["fingerprint"])),
        "chains": sorted(chains.values(), key=lambda e: (e["chain_id"], e["fingerprint"])),
    }


def write(path: Path, result: Any) -> Baseline:
    data = document(result)
    write_output(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return Baseline(path.as_posix(), {e["fingerprint"] for e in data["findings"]},
                    {e["fingerprint"] for e in data["chains"]})
