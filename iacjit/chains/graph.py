"""The attack path of one chain target as a small graph, for diagrams (Mermaid, SVG).

``ChainTarget.path`` is a sentence per hop; the graph says the same with structure: the
internet, each entry point, every rule that opens a management port (with its group, priority
and ports), the groups, the NIC and the VM, plus the *broken controls* (the missing JIT policy,
the unwatched NSG) hanging off the node they fail to protect, and which nodes the cheapest fix
changes.  It is plain JSON data (``targets[].path_graph`` in docs/json-format.md).
"""

from __future__ import annotations

from typing import Any

from iacjit.model.semantic import Model, NetworkRule, VirtualMachine
from iacjit.rules.base import Finding
from iacjit.semantics.exposure import PathExposure

_CONTROL_LABELS = {
    ("zt_vis_010", "azure"): "no JIT policy covers the VM",
    ("zt_vis_010", "aws"): "no access path without standing ingress",
    ("zt_vis_008", "azure"): "no alert on NSG rule writes",
    ("zt_vis_008", "aws"): "no alarm on security-group changes",
}
_CONTROL_KINDS = {"zt_vis_010": "jit", "zt_vis_008": "alert"}


def _node(nodes: dict[str, dict[str, Any]], node_id: str, **fields: Any) -> str:
    if node_id not in nodes:
        nodes[node_id] = {"id": node_id, **fields}
        nodes[node_id].setdefault("file", None)
        nodes[node_id].setdefault("line", None)
    return node_id


def attack_graph(model: Model, vm: VirtualMachine, exposures: list[PathExposure],
                 findings: list[Finding], fix_kind: str, fix_file: str | None,
                 fix_line: int | None) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [...], "fix": [node ids]}`` for one VM's exposed paths."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    rule_ids: dict[tuple[int, int], str] = {}
    group_ids: dict[str, str] = {}

    def edge(source: str, target: str, label: str = "") -> None:
        found = edges.setdefault((source, target), {"from": source, "to": target, "label": ""})
        if label and label not in found["label"].split(", "):
            found["label"] = f"{found['label']}, {label}" if found["label"] else label

    def rule_node(key: str, rule: NetworkRule, ports: list[int]) -> str:
        ident = (id(rule.resource), rule.span.line)
        if ident not in rule_ids:
            group = model.groups[key]
            rule_ids[ident] = _node(
                nodes, f"rule{len(rule_ids)}", kind="rule", label=rule.name,
                group=group.name, group_kind="NSG" if group.cloud == "azure" else "security group",
                priority=rule.priority if isinstance(rule.priority, int) else None,
                protocol="TCP", ports=[], file=rule.resource.file, line=rule.span.line)
        node = nodes[rule_ids[ident]]
        node["ports"] = sorted(set(node["ports"]) | set(ports))
        return rule_ids[ident]

    def group_node(key: str) -> str:
        if key not in group_ids:
            group = model.groups[key]
            group_ids[key] = _node(
                nodes, f"group{len(group_ids)}", kind="group", label=group.name,
                group_kind="NSG" if group.cloud == "azure" else "security group",
                file=group.resource.file, line=group.resource.span.line)
        return group_ids[key]

    internet = _node(nodes, "internet", kind="internet", label="Internet")
    vm_id = _node(nodes, "vm", kind="vm", label=vm.name, file=vm.resource.file,
                  line=vm.resource.span.line)
    for index, exposure in enumerate(exposures):
        entry = next((n["id"] for n in nodes.values()
                      if n["kind"] == "entry" and n["label"] == exposure.path.via), None)
        entry = entry or _node(nodes, f"entry{index}", kind="entry", label=exposure.path.via)
        edge(internet, entry)
        previous = [entry]
        for layer in exposure.path.layers:
            opened: dict[str, dict[int, list[int]]] = {}  # group -> rule ident -> ports
            by_ident: dict[int, tuple[str, NetworkRule]] = {}
            for port in exposure.ports:
                for key, rule in exposure.rules.get(port, []):
                    if key in layer:
                        opened.setdefault(key, {}).setdefault(id(rule), []).append(port)
                        by_ident[id(rule)] = (key, rule)
            if not opened:
                continue
            current = []
            for key, rules in opened.items():
                group = group_node(key)
                for ident, ports in rules.items():
                    rule = rule_node(*by_ident[ident], ports)
                    label = "TCP " + ", ".join(map(str, sorted(set(ports))))
                    for source in previous:
                        edge(source, rule, label)
                    edge(rule, group)
                current.append(group)
            previous = current
        if exposure.path.nic:
            nic = next((n["id"] for n in nodes.values()
                        if n["kind"] == "nic" and n["label"] == exposure.path.nic), None)
            nic = nic or _node(nodes, f"nic{index}", kind="nic", label=exposure.path.nic)
            for source in previous:
                edge(source, nic)
            previous = [nic]
        for source in previous:
            edge(source, vm_id)

    for finding in findings:
        kind = _CONTROL_KINDS.get(finding.rule_id)
        if kind is None:
            continue
        on = vm_id if kind == "jit" else group_ids.get(finding.subject)
        if on is None:
            continue
        node_id = f"{kind}-{on}"
        _node(nodes, node_id, kind="control", control=kind, broken=True,
              label=_CONTROL_LABELS.get((finding.rule_id, vm.cloud), finding.title),
              rule_id=finding.rule_id, message=finding.message, attached_to=on,
              file=finding.resource.file, line=finding.span.line)
        edge(node_id, on, "missing")

    def changed_by_fix(node: dict[str, Any]) -> bool:
        if node["kind"] == "rule":
            return fix_kind == "close-rules" or (
                fix_kind == "close-rule" and (node["file"], node["line"]) == (fix_file, fix_line))
        wanted = {"extend-jit": "jit", "add-alert": "alert", "fix-alert": "alert"}
        return node["kind"] == "control" and wanted.get(fix_kind) == node.get("control")

    fixed = [node["id"] for node in nodes.values() if changed_by_fix(node)]
    order = {"vm": 1, "control": 2}  # the path first, then the VM, then the broken controls
    ordered = sorted(nodes.values(), key=lambda n: order.get(n["kind"], 0))
    return {"nodes": ordered, "edges": list(edges.values()), "fix": fixed}
