"""The import graph read from the source (imports inside functions included, those only for
type checkers not): no cycle, and no module imports a layer above its own
(docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import REPO

PACKAGE = REPO / "iacjit"

# Higher imports lower (or its own layer); never the other way.  The longest prefix decides.
LAYERS = {
    "iacjit.cli": 9, "iacjit.__main__": 9,
    "iacjit.integrations": 8,
    "iacjit.scan": 7, "iacjit.hook": 7, "iacjit.base_ref": 7,
    "iacjit.cache": 6,
    "iacjit.reports": 5, "iacjit.chains": 5, "iacjit.result": 5, "iacjit.jit_table": 5,
    "iacjit.explain": 5, "iacjit.suppressions": 5, "iacjit.config": 5, "iacjit.gate": 5,
    "iacjit.config_lines": 5, "iacjit.deviations": 5,
    "iacjit.rules": 4,
    "iacjit.semantics": 3,
    "iacjit.providers": 2,
    "iacjit.discovery": 1.5, "iacjit.parsers": 1.5,
    "iacjit.model": 1, "iacjit.progress": 1, "iacjit.output_files": 1, "iacjit.boundary": 1,
    "iacjit.provenance": 1, "iacjit.resolved": 1,
    "iacjit": 0,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _runtime_nodes(tree: ast.Module) -> list[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    skipped = {id(n) for block in ast.walk(tree)
               if isinstance(block, ast.If) and isinstance(block.test, ast.Name)
               and block.test.id == "TYPE_CHECKING"
               for statement in block.body for n in ast.walk(statement)}
    return [n for n in ast.walk(tree) if id(n) not in skipped]


def _imports(name: str) -> set[str]:
    """The iacjit modules *name* imports when it runs, at the top or inside functions."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import module`` imports pkg.module; ``from module import name`` module
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                       for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in MODULES and t != name)
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def _layer(name: str) -> float:
    prefix = max((p for p in LAYERS if name == p or name.startswith(p + ".")), key=len)
    return LAYERS[prefix]


def test_every_module_has_a_layer():
    assert all(any(n == p or n.startswith(p + ".") for p in LAYERS if p != "iacjit")
               or n == "iacjit" for n in MODULES), "add new top-level modules to LAYERS"


def test_no_import_against_the_layer_order():
    upward = sorted(f"{a} -> {b}" for a, targets in GRAPH.items() for b in targets
                    if _layer(b) > _layer(a))
    assert upward == []


def test_parsers_import_only_parsers_the_model_and_the_trust_boundary():
    # (iacjit.resolved: the paths the trust boundary compares, resolved once per scan)
    outside = sorted(f"{a} -> {b}" for a, targets in GRAPH.items() if a.startswith("iacjit.parsers")
                     for b in targets
                     if not b.startswith(("iacjit.parsers", "iacjit.model", "iacjit.boundary",
                                           "iacjit.resolved"))
                     and b != "iacjit")
    assert outside == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle():
    assert _cycles(GRAPH) == []


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert _cycles(graph) == expected
