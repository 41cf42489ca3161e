"""Attack-path diagrams: Mermaid for the pull-request comment, an SVG layout for the HTML report.

Both draw ``targets[].path_graph`` (iacjit/chains/graph.py): Internet → entry point → the
allowing rules → NSG/security group → NIC → VM, the broken controls (missing JIT policy,
unwatched NSG) hanging off the node they fail to protect, and the cheapest fix highlighted.
A JSON report without ``path_graph`` (older iacjit) is drawn as the straight ``path``.

Every label comes from scanned files.  It is cleaned the way the comment cleans text
(``iacjit.reports.neutral``: no control bytes, bidi overrides, autolinks; cut at 500
characters), then cut to ``MAX_LABEL``.  For Mermaid every character outside a small
allow-list becomes an entity code (``#35;``), so no quote, bracket, pipe, ``%%`` directive,
backtick, ``<`` or newline of a label can end the label, the statement or the code fence.
The SVG is rendered by a Jinja template with HTML autoescape; this module only does geometry.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from markupsafe import Markup

from iacjit.reports.neutral import neutral

MAX_DIAGRAMS = 3  # Mermaid diagrams per chain in the comment; further targets are listed only
MAX_RULES = 4  # rule nodes per group before "+N more rules"
MAX_LABEL = 80
_MERMAID_SAFE = frozenset(" .,-_/:'=+*")

KIND_PREFIX = {"entry": "", "rule": "rule ", "nic": "NIC ", "vm": "VM ", "internet": ""}


def clean(value: Any, limit: int = MAX_LABEL) -> str:
    text = neutral(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def mermaid_text(value: Any) -> str:
    """A label for inside Mermaid's ``"..."``: letters and digits stay, the rest is ``#N;``."""
    return "".join(c if c.isalnum() or c in _MERMAID_SAFE else f"#{ord(c)};"
                   for c in clean(value))


# --- the graph --------------------------------------------------------------------------------

def graph_of(target: dict[str, Any]) -> dict[str, Any]:
    """The target's ``path_graph``, or a straight line built from its ``path`` strings."""
    graph = target.get("path_graph")
    if isinstance(graph, dict) and graph.get("nodes"):
        return graph
    hops = [str(h) for h in target.get("path") or []] or ["Internet", str(target.get("vm"))]
    nodes = [{"id": f"hop{i}", "kind": "internet" if i == 0 else "hop", "label": hop}
             for i, hop in enumerate(hops)]
    edges = [{"from": f"hop{i}", "to": f"hop{i + 1}", "label": ""} for i in range(len(hops) - 1)]
    return {"nodes": nodes, "edges": edges, "fix": []}


def node_lines(node: dict[str, Any], fix: bool = False) -> list[str]:
    """What a box says, one entry per line (uncut scanned text; callers clean and escape)."""
    kind = node.get("kind")
    label = str(node.get("label", ""))
    if kind == "rule":
        detail = []
        if node.get("priority") is not None:
            detail.append(f"priority {node['priority']}")
        if node.get("ports"):
            detail.append(f"{node.get('protocol') or 'TCP'} "
                          + ", ".join(str(p) for p in node["ports"]))
        lines = [f"rule {label}", " · ".join(detail)] if detail else [f"rule {label}"]
    elif kind == "group":
        lines = [f"{node.get('group_kind') or 'NSG'} {label}"]
    elif kind == "control":
        lines = [f"✗ {label}"]
    elif kind == "more":
        lines = [label]
    else:
        lines = [KIND_PREFIX.get(str(kind), "") + label]
    if fix:
        lines.append("★ cheapest fix")
    return [line for line in lines if line]


def _signature(graph: dict[str, Any]) -> str:
    """Two targets whose graphs differ only in the VM share one diagram."""
    nodes = []
    for node in graph["nodes"]:
        if node.get("kind") == "vm" or node.get("control") == "jit":
            node = {"id": node["id"], "kind": node["kind"], "control": node.get("control")}
        nodes.append(node)
    return json.dumps([nodes, graph.get("edges"), graph.get("fix")], sort_keys=True,
                      default=str)


def prune(graph: dict[str, Any], max_rules: int = MAX_RULES) -> dict[str, Any]:
    """At most *max_rules* rule nodes into each group; the rest become one "+N more" node."""
    nodes = {n["id"]: dict(n) for n in graph["nodes"]}
    edges = [dict(e) for e in graph.get("edges") or []]
    fixed = set(graph.get("fix") or [])
    into: dict[str, list[str]] = {}
    for e in edges:
        if nodes.get(e["from"], {}).get("kind") == "rule":
            into.setdefault(e["to"], []).append(e["from"])
    dropped: set[str] = set()
    for group, rules in into.items():
        rules = list(dict.fromkeys(rules))
        if len(rules) <= max_rules:
            continue
        keep = sorted(rules, key=lambda r: (r not in fixed, rules.index(r)))[:max_rules - 1]
        gone = [r for r in rules if r not in keep]
        dropped |= set(gone)
        more = f"more-{group}"
        nodes[more] = {"id": more, "kind": "more", "label": f"+{len(gone)} more rules"}
        sources = {e["from"] for e in edges if e["to"] in gone}
        edges += [{"from": s, "to": more, "label": ""} for s in sorted(sources)]
        edges.append({"from": more, "to": group, "label": ""})
    return {
        "nodes": [n for i, n in nodes.items() if i not in dropped],
        "edges": [e for e in edges if e["from"] not in dropped and e["to"] not in dropped],
        "fix": [f for f in graph.get("fix") or [] if f not in dropped],
    }


def collapse(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Targets grouped by identical diagrams, largest group first: ``{graph, targets}``."""
    groups: dict[str, dict[str, Any]] = {}
    for target in targets:
        graph = graph_of(target)
        groups.setdefault(_signature(graph), {"graph": graph, "targets": []})["targets"].append(
            target)
    ordered = sorted(groups.values(), key=lambda g: -len(g["targets"]))
    for group in ordered:
        names = [str(t.get("vm_name") or t.get("vm")) for t in group["targets"]]
        label = ", ".join(names[:3]) + (f" +{len(names) - 3} more" if len(names) > 3 else "")
        graph = prune(group["graph"])
        for node in graph["nodes"]:
            if node.get("kind") == "vm":
                node["label"] = label
        group["graph"] = graph
        group["vms"] = names
    return ordered


# --- Mermaid ----------------------------------------------------------------------------------

_SHAPES = {"internet": ('(("', '"))'), "vm": ('[["', '"]]'), "control": ('{{"', '"}}'),
           "group": ('[/"', '"\\]'), "more": ('("', '")')}


def mermaid(graph: dict[str, Any]) -> Markup:
    """One ``flowchart LR`` (without the code fence); every label entity-encoded."""
    ids = {n["id"]: f"n{i}" for i, n in enumerate(graph["nodes"])}
    fixed = set(graph.get("fix") or [])
    lines = ["flowchart LR"]
    for node in graph["nodes"]:
        left, right = _SHAPES.get(str(node.get("kind")), ('["', '"]'))
        text = "<br/>".join(mermaid_text(line)
                            for line in node_lines(node, node["id"] in fixed))
        lines.append(f"  {ids[node['id']]}{left}{text}{right}")
    for edge in graph.get("edges") or []:
        if edge["from"] not in ids or edge["to"] not in ids:
            continue
        source, target = ids[edge["from"]], ids[edge["to"]]
        label = f'|"{mermaid_text(edge["label"])}"|' if edge.get("label") else ""
        broken = any(n["id"] == edge["from"] and n.get("kind") == "control"
                     for n in graph["nodes"])
        lines.append(f"  {source} {'-.-x' if broken else '-->'}{label} {target}")
    lines += [
        "  classDef internet fill:#fde2e2,stroke:#b42318,color:#000",
        "  classDef broken fill:#fff4f4,stroke:#b42318,stroke-width:2px,"
        "stroke-dasharray:5 4,color:#b42318",
        "  classDef fix fill:#e7f6ec,stroke:#067647,stroke-width:4px,color:#000",
        "  classDef brokenfix fill:#fff4f4,stroke:#067647,stroke-width:4px,"
        "stroke-dasharray:5 4,color:#b42318",
    ]
    control = {n["id"] for n in graph["nodes"] if n.get("kind") == "control"}
    for cls, members in (
            ("internet", [n["id"] for n in graph["nodes"] if n.get("kind") == "internet"]),
            ("broken", sorted(control - fixed, key=list(ids).index)),
            ("fix", [i for i in ids if i in fixed and i not in control]),
            ("brokenfix", [i for i in ids if i in fixed and i in control])):
        if members:
            lines.append(f"  class {','.join(ids[m] for m in members)} {cls}")
    return Markup("\n".join(lines))


def mermaid_blocks(chain: dict[str, Any], limit: int = MAX_DIAGRAMS) -> dict[str, Any]:
    """What the comment shows for a chain: ``{"diagrams": [{vms, text}], "more": n}``."""
    groups = collapse(list(chain.get("targets") or []))
    shown = [{"vms": g["vms"], "text": mermaid(g["graph"])} for g in groups[:limit]]
    return {"diagrams": shown, "more": sum(len(g["vms"]) for g in groups[limit:])}


# --- SVG geometry -----------------------------------------------------------------------------

BOX_W, BOX_H, GAP_X, GAP_Y, PAD, LINE_H, WRAP = 144, 60, 34, 22, 12, 14, 21


def _wrap(lines: list[str], max_lines: int = 3) -> list[str]:
    out: list[str] = []
    for line in lines:
        out += textwrap.wrap(clean(line), WRAP, break_long_words=True) or [""]
    if len(out) > max_lines:
        out = out[:max_lines]
        out[-1] = out[-1][:WRAP - 1] + "…"
    return out


def svg_layout(graph: dict[str, Any]) -> dict[str, Any]:
    """Boxes and connectors of a left-to-right drawing: columns by distance from the internet,
    broken controls in a row underneath the node they fail to protect."""
    graph = prune(graph)
    nodes = {n["id"]: n for n in graph["nodes"]}
    fixed = set(graph.get("fix") or [])
    main = [n for n in graph["nodes"] if n.get("kind") != "control"]
    column = _columns(main, [e for e in graph.get("edges") or []
                             if e["from"] in nodes and e["to"] in nodes
                             and nodes[e["from"]].get("kind") != "control"])
    boxes, main_h = _main_boxes(main, column)
    _control_boxes([n for n in graph["nodes"] if n.get("kind") == "control"], column, boxes,
                   control_y=PAD + main_h + GAP_Y * 2)
    out_nodes = [_svg_node(nodes[ident], box, ident in fixed) for ident, box in boxes.items()]
    out_edges = [_svg_edge(e, boxes, nodes[e["from"]].get("kind") == "control")
                 for e in graph.get("edges") or [] if e["from"] in boxes and e["to"] in boxes]
    width = max((b["x"] for b in boxes.values()), default=0) + BOX_W + PAD
    height = max((b["y"] for b in boxes.values()), default=0) + BOX_H + PAD
    return {"nodes": out_nodes, "edges": out_edges, "width": round(width),
            "height": round(height)}


def _columns(main: list[dict[str, Any]], flow: list[dict[str, Any]]) -> dict[str, int]:
    """Each node's column: its longest distance from the internet (the graph is acyclic)."""
    column = {n["id"]: 0 for n in main}
    for _ in range(len(main)):
        changed = False
        for e in flow:
            if column[e["to"]] < column[e["from"]] + 1:
                column[e["to"]] = column[e["from"]] + 1
                changed = True
        if not changed:
            break
    return column


def _main_boxes(main: list[dict[str, Any]], column: dict[str, int],
                ) -> tuple[dict[str, dict[str, Any]], float]:
    """Positions of the path's boxes, each column centred; and the height of the tallest."""
    columns: dict[int, list[str]] = {}
    for n in main:
        columns.setdefault(column[n["id"]], []).append(n["id"])
    rows = max((len(v) for v in columns.values()), default=1)
    main_h = rows * BOX_H + (rows - 1) * GAP_Y
    boxes: dict[str, dict[str, Any]] = {}
    for col, members in columns.items():
        top = PAD + (main_h - (len(members) * BOX_H + (len(members) - 1) * GAP_Y)) / 2
        for row, ident in enumerate(members):
            boxes[ident] = {"x": PAD + col * (BOX_W + GAP_X), "y": top + row * (BOX_H + GAP_Y)}
    return boxes, main_h


def _control_boxes(controls: list[dict[str, Any]], column: dict[str, int],
                   boxes: dict[str, dict[str, Any]], control_y: float) -> None:
    """Broken controls below the node they are attached to, stacked when several share it."""
    used: dict[int, int] = {}
    for n in controls:
        anchor = boxes.get(n.get("attached_to", ""))
        col = column.get(n.get("attached_to", ""), 0)
        slot = used.get(col, 0)
        used[col] = slot + 1
        x = (anchor["x"] if anchor else PAD) + slot * 24
        boxes[n["id"]] = {"x": x, "y": control_y + slot * (BOX_H + GAP_Y)}


def _svg_node(node: dict[str, Any], box: dict[str, Any], fix: bool) -> dict[str, Any]:
    lines = _wrap(node_lines(node, fix))
    first = box["y"] + BOX_H / 2 - (len(lines) - 1) * LINE_H / 2 + 4
    return {
        "id": node["id"], "kind": node.get("kind"), "x": box["x"], "y": box["y"],
        "w": BOX_W, "h": BOX_H, "fix": fix,
        "broken": node.get("kind") == "control",
        "title": " — ".join(clean(x, 300) for x in [
            *node_lines(node), node.get("message") or "",
            f"{node['file']}:{node['line']}" if node.get("file") else ""] if x),
        "lines": [{"text": t, "x": box["x"] + BOX_W / 2, "y": first + i * LINE_H}
                  for i, t in enumerate(lines)],
    }


def _svg_edge(e: dict[str, Any], boxes: dict[str, dict[str, Any]], broken: bool,
              ) -> dict[str, Any]:
    a, b = boxes[e["from"]], boxes[e["to"]]
    if broken:  # from the control's top up to the protected node's bottom
        x1, y1 = a["x"] + BOX_W / 2, a["y"]
        x2, y2 = b["x"] + BOX_W / 2, b["y"] + BOX_H
        d = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{y1 - 20:.0f} {x2:.0f},{y2 + 20:.0f} " \
            f"{x2:.0f},{y2:.0f}"
    else:
        x1, y1 = a["x"] + BOX_W, a["y"] + BOX_H / 2
        x2, y2 = b["x"], b["y"] + BOX_H / 2
        mid = (x1 + x2) / 2
        d = f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
    # Flow edges carry no label: the rule box says its ports; a broken control says why.
    label = clean(e.get("label") or "", 40) if broken else ""
    return {"d": d, "broken": broken, "label": label,
            "lx": (x1 + x2) / 2 + 6, "ly": (y1 + y2) / 2 + 4}
