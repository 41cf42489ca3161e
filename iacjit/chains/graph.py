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
    graph = _Graph(model, vm)
    for index, exposure in enumerate(exposures):
        graph.add_path(index, exposure)
    for finding in findings:
        graph.add_control(finding)
    fixed = [node["id"] for node in graph.nodes.values()
             if _changed_by_fix(node, fix_kind, fix_file, fix_line)]
    order = {"vm": 1, "control": 2}  # the path first, then the VM, then the broken controls
    ordered = sorted(graph.nodes.values(), key=lambda n: order.get(n["kind"], 0))
    return {"nodes": ordered, "edges": list(graph.edges.values()), "fix": fixed}


class _Graph:
    """Nodes and edges of one VM's graph; a rule, group, entry or NIC on several paths is
    one node."""

    def __init__(self, model: Model, vm: VirtualMachine):
        self.model = model
        self.vm = vm
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: dict[tuple[str, str], dict[str, Any]] = {}
        self.rule_ids: dict[tuple[int, int], str] = {}
        self.group_ids: dict[str, str] = {}
        self.internet = _node(self.nodes, "internet", kind="internet", label="Internet")
        self.vm_id = _node(self.nodes, "vm", kind="vm", label=vm.name, file=vm.resource.file,
                           line=vm.resource.span.line)

    def edge(self, source: str, target: str, label: str = "") -> None:
        found = self.edges.setdefault((source, target),
                                      {"from": source, "to": target, "label": ""})
        if label and label not in found["label"].split(", "):
            found["label"] = f"{found['label']}, {label}" if found["label"] else label

    def _labelled(self, kind: str, label: str, new_id: str) -> str:
        """The node of *kind* with *label* (entries and NICs shared by paths), or a new one."""
        found = next((n["id"] for n in self.nodes.values()
                      if n["kind"] == kind and n["label"] == label), None)
        return found or _node(self.nodes, new_id, kind=kind, label=label)

    def rule_node(self, key: str, rule: NetworkRule, ports: list[int]) -> str:
        ident = (id(rule.resource), rule.span.line)
        if ident not in self.rule_ids:
            group = self.model.groups[key]
            self.rule_ids[ident] = _node(
                self.nodes, f"rule{len(self.rule_ids)}", kind="rule", label=rule.name,
                group=group.name, group_kind="NSG" if group.cloud == "azure" else "security group",
                priority=rule.priority if isinstance(rule.priority, int) else None,
                protocol="TCP", ports=[], file=rule.resource.file, line=rule.span.line)
        node = self.nodes[self.rule_ids[ident]]
        node["ports"] = sorted(set(node["ports"]) | set(ports))
        return self.rule_ids[ident]

    def group_node(self, key: str) -> str:
        if key not in self.group_ids:
            group = self.model.groups[key]
            self.group_ids[key] = _node(
                self.nodes, f"group{len(self.group_ids)}", kind="group", label=group.name,
                group_kind="NSG" if group.cloud == "azure" else "security group",
                file=group.resource.file, line=group.resource.span.line)
        return self.group_ids[key]

    def add_path(self, index: int, exposure: PathExposure) -> None:
        """Internet → entry → each layer's opening rules and their groups → NIC → VM."""
        entry = self._labelled("entry", exposure.path.via, f"entry{index}")
        self.edge(self.internet, entry)
        previous = [entry]
        for layer in exposure.path.layers:
            previous = self._add_layer(layer, exposure, previous)
        if exposure.path.nic:
            nic = self._labelled("nic", exposure.path.nic, f"nic{index}")
            for source in previous:
                self.edge(source, nic)
            previous = [nic]
        for source in previous:
            self.edge(source, self.vm_id)

    def _add_layer(self, layer: list[str], exposure: PathExposure,
                   previous: list[str]) -> list[str]:
        """The rules of one layer that open the path's ports; the layer's groups, or
        *previous* when none of its rules is involved."""
        opened: dict[str, dict[int, list[int]]] = {}  # group -> rule ident -> ports
        by_ident: dict[int, tuple[str, NetworkRule]] = {}
        for port in exposure.ports:
            for key, rule in exposure.rules.get(port, []):
                if key in layer:
                    opened.setdefault(key, {}).setdefault(id(rule), []).append(port)
                    by_ident[id(rule)] = (key, rule)
        if not opened:
            return previous
        current = []
        for key, rules in opened.items():
            group = self.group_node(key)
            for ident, ports in rules.items():
                rule = self.rule_node(*by_ident[ident], ports)
                label = "TCP " + ", ".join(map(str, sorted(set(ports))))
                for source in previous:
                    self.edge(source, rule, label)
                self.edge(rule, group)
            current.append(group)
        return current

    def add_control(self, finding: Finding) -> None:
        """A broken control (missing JIT, unwatched group) hanging off what it fails to
        protect: the VM, or the group."""
        kind = _CONTROL_KINDS.get(finding.rule_id)
        if kind is None:
            return
        on = self.vm_id if kind == "jit" else self.group_ids.get(finding.subject)
        if on is None:
            return
        node_id = f"{kind}-{on}"
        _node(self.nodes, node_id, kind="control", control=kind, broken=True,
              label=_CONTROL_LABELS.get((finding.rule_id, self.vm.cloud), finding.title),
              rule_id=finding.rule_id, message=finding.message, attached_to=on,
              file=finding.resource.file, line=finding.span.line)
        self.edge(node_id, on, "missing")


def _changed_by_fix(node: dict[str, Any], fix_kind: str, fix_file: str | None,
                    fix_line: int | None) -> bool:
    if node["kind"] == "rule":
        return fix_kind == "close-rules" or (
            fix_kind == "close-rule" and (node["file"], node["line"]) == (fix_file, fix_line))
    wanted = {"extend-jit": "jit", "add-alert": "alert", "fix-alert": "alert"}
    return node["kind"] == "control" and wanted.get(fix_kind) == node.get("control")
