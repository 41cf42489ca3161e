"""Load chain definitions from the YAML files beside this module."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
LOGICS = {"ALL", "ANY", "ANCHOR+1"}
JOINS = {"exposed-rule", "vm", "group-in-front"}
FIXES = {"close-rule", "fix-alert", "extend-jit", "add-alert", "close-rules"}


@dataclass(frozen=True)
class Trigger:
    rule: str
    join: str


@dataclass(frozen=True)
class ChainDefinition:
    id: str
    title: str
    severity: str
    likelihood: str
    logic: str
    anchor: str | None
    triggers: tuple[Trigger, ...]
    steps: tuple[dict[str, Any], ...]
    blast_radius: dict[str, str]
    fixes: tuple[str, ...]


def _definition(data: dict[str, Any], source: Path) -> ChainDefinition:
    """Validate one chain file; a broken definition is a bug in iacjit, so it fails loudly."""
    logic = str(data["logic"]).upper()
    triggers = tuple(Trigger(t["rule"], t["join"]) for t in data["triggers"])
    problems = []
    if logic not in LOGICS:
        problems.append(f"logic {logic!r}")
    problems += [f"join {t.join!r}" for t in triggers if t.join not in JOINS]
    problems += [f"fix {f!r}" for f in data.get("fixes", []) if f not in FIXES]
    if problems:
        raise ValueError(f"{source.name}: unsupported {', '.join(problems)}")
    return ChainDefinition(
        id=data["id"], title=data["title"], severity=data["severity"],
        likelihood=data["likelihood"], logic=logic, anchor=data.get("anchor"),
        triggers=triggers, steps=tuple(data["steps"]),
        blast_radius=dict(data.get("blast_radius", {})), fixes=tuple(data.get("fixes", [])),
    )


@cache
def all_chains() -> tuple[ChainDefinition, ...]:
    import yaml

    chains = []
    for path in sorted(HERE.glob("*.yaml")):
        chains.append(_definition(yaml.safe_load(path.read_text(encoding="utf-8")), path))
    return tuple(chains)


def chain_by_id(chain_id: str) -> ChainDefinition | None:
    return next((c for c in all_chains() if c.id.lower() == chain_id.lower()), None)
