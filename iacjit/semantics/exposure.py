"""Which management ports of a VM the internet really reaches, and through which rules.

A path exposes (port, family) when it is reachable, forwards that port, and every NSG layer on
it allows it (first-match inside each group; any group of a layer suffices).  A path with no
group at all is open, unless its entry point is closed by default (Standard public IP, AWS).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iacjit.model.semantic import AccessPath, Model, NetworkRule, VirtualMachine
from iacjit.model.values import Unknown
from iacjit.semantics.addresses import BOTH
from iacjit.semantics.evaluation import group_verdicts

Pair = tuple[int, str]


@dataclass
class PathExposure:
    path: AccessPath
    pairs: frozenset[Pair]
    rules: dict[int, list[tuple[str, NetworkRule]]]  # port -> (group key, opening rule)
    undecided: list[str] = field(default_factory=list)

    @property
    def ports(self) -> list[int]:
        return sorted({p for p, _ in self.pairs})


def _layer(model: Model, layer: list[str], ports: frozenset[int]):
    pairs: set[Pair] = set()
    rules: dict[int, list[tuple[str, NetworkRule]]] = {}
    undecided: list[str] = []
    for key in layer:
        group = model.groups.get(key)
        if group is None:
            continue
        if group.outside:
            undecided.append(f"{group.name}: {group.outside}")
            continue
        for verdict in model.memo(("verdicts", key, ports),
                                  lambda g=group: group_verdicts(g, ports)):
            if verdict.undecided:
                undecided.append(f"{group.name}: {verdict.undecided}")
                continue
            pairs |= verdict.exposure
            for port in {p for p, _ in verdict.exposure}:
                rules.setdefault(port, []).append((key, verdict.rule))
    return pairs, rules, undecided


def path_exposure(model: Model, path: AccessPath, ports: frozenset[int],
                  require_reachable: bool = True) -> PathExposure:
    wanted = ports if path.ports is None else ports & path.ports
    if require_reachable and path.reachable is not True:
        reason = [f"whether {path.via} is reachable is unknown: {path.reachable.reason}"] \
            if isinstance(path.reachable, Unknown) else []
        return PathExposure(path, frozenset(), {}, reason)
    if not path.layers:
        if path.filtered_when_no_group:
            return PathExposure(path, frozenset(), {})
        return PathExposure(path, frozenset((p, f) for p in wanted for f in BOTH), {})
    exposed: set[Pair] | None = None
    rules: dict[int, list[tuple[str, NetworkRule]]] = {}
    undecided: list[str] = []
    for layer in path.layers:
        pairs, layer_rules, layer_undecided = _layer(model, layer, frozenset(wanted))
        undecided += layer_undecided
        exposed = pairs if exposed is None else exposed & pairs
        for port, found in layer_rules.items():
            rules.setdefault(port, []).extend(found)
    final = frozenset(exposed or ())
    kept = {p: r for p, r in rules.items() if any(port == p for port, _ in final)}
    return PathExposure(path, final, kept, undecided)


def vm_exposure(model: Model, vm: VirtualMachine, ports: frozenset[int],
                require_reachable: bool = True) -> list[PathExposure]:
    """Exposure of every path of *vm* (paths exposing nothing and deciding nothing dropped)."""
    def compute() -> list[PathExposure]:
        found = [path_exposure(model, p, ports, require_reachable) for p in vm.paths]
        return [e for e in found if e.pairs or e.undecided]

    return model.memo(("exposure", vm.key, ports, require_reachable), compute)
