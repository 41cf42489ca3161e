"""An attack path for a terminal: hops in order, alternatives as branches, each node once.

``targets[].path_graph`` (iacjit.chains.graph) has the structure: the internet, entry points,
the rules that open a management port (any one of them is enough), groups, the NIC, the VM.
Walking it level by level gives the hops; a level with several nodes is a choice the attacker
has, shown as ``-> A`` / ``or B`` lines instead of one misleading sequence ``A -> B``.
"""

from __future__ import annotations

from typing import Any


def _label(node: dict[str, Any]) -> str:
    kind = node.get("kind")
    if kind == "rule":
        priority = f", priority {node['priority']}" if node.get("priority") is not None else ""
        ports = ", ".join(str(p) for p in node.get("ports") or [])
        return (f"rule {node.get('label')!r}{priority} of {node.get('group_kind')} "
                f"{node.get('group')!r} allows {node.get('protocol') or 'TCP'} {ports}")
    if kind == "group":
        return f"{node.get('group_kind')} {node.get('label')!r}"
    prefix = {"nic": "NIC ", "vm": "VM "}.get(str(kind), "")
    return f"{prefix}{node.get('label')}"


def stages(graph: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The path's nodes level by level from the internet (broken controls left out)."""
    nodes = {n["id"]: n for n in graph.get("nodes") or []}
    following: dict[str, list[str]] = {}
    for edge in graph.get("edges") or []:
        if nodes.get(edge["from"], {}).get("kind") != "control" and edge["to"] in nodes:
            following.setdefault(edge["from"], []).append(edge["to"])
    levels, seen = [], set()
    frontier = [n for n in nodes if nodes[n].get("kind") == "internet"]
    while frontier:
        levels.append([nodes[n] for n in frontier])
        seen.update(frontier)
        frontier = list(dict.fromkeys(t for f in frontier for t in following.get(f, [])
                                      if t not in seen))
    return levels


def target_lines(target: dict[str, Any], clean: Any = str) -> list[str]:
    """One chain target's path: branches from ``path_graph``, else the flat ``path`` (reports
    written before the graph existed)."""
    if target.get("path_graph"):
        return branch_lines(target["path_graph"], clean)
    return [" -> ".join(clean(step) for step in target.get("path") or [])]


def branch_lines(graph: dict[str, Any], clean: Any = str) -> list[str]:
    """The path as text lines: single hops joined by ``->``, alternatives one per line."""
    lines: list[str] = []
    current: list[str] = []
    after_branch = False

    def flush() -> None:
        if current:
            lines.append(("  -> " if after_branch else "") + " -> ".join(current))

    for level in stages(graph):
        labels = [clean(_label(n)) for n in level]
        if len(labels) == 1:
            current.append(labels[0])
            continue
        flush()
        lines.extend([f"  -> {labels[0]}", *(f"  or {label}" for label in labels[1:])])
        current, after_branch = [], True
    flush()
    return lines
