"""Terraform addresses and ``configuration`` references in a plan JSON.

A plan leaves an id that does not exist yet out of ``change.after`` and flags it in
``after_unknown``; the only trace of *which* resource it will come from is the
``references`` list that ``configuration`` keeps for each attribute expression
(``["azurerm_network_security_group.web.id", "azurerm_network_security_group.web"]``).
This module turns such a list into the resource instances it names, with full addresses,
following module inputs (``var.x`` inside a module → the caller's argument) and module
outputs (``module.net.nsg_id`` → the output's own expression) so that a reference across a
module boundary still links.  References are module-relative in the plan; the module
*instance* prefix (``module.net[0].``) comes from the instance being read, because the
configuration section describes each module call once, not once per instance.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Names that are not resources: their references never name a resource instance directly.
_NOT_RESOURCES = {"local", "data", "count", "each", "path", "terraform", "self", "ephemeral"}

_TOKEN = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+|\*|"(?:[^"\\]|\\.)*")\]')


@dataclass(frozen=True)
class Key:
    """An instance key as written in an address: ``[0]`` or ``["web"]`` (raw text kept)."""

    raw: str
    value: int | str


Step = str | Key


def split_address(text: str) -> list[Step] | None:
    """``module.a["x"].aws_sg.web[0].id`` → ``["module", "a", Key, "aws_sg", ...]``; None if
    the text is not a Terraform address or traversal."""
    steps: list[Step] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or (match.group(1) and position and not match.group().startswith(".")):
            return None
        if match.group(1) is not None:
            steps.append(match.group(1))
        else:
            raw = match.group(2)
            if raw == "*":
                value: int | str = "*"
            elif raw.startswith('"'):
                try:
                    value = json.loads(raw)
                except ValueError:
                    return None
            else:
                value = int(raw)
            steps.append(Key(f"[{raw}]", value))
        position = match.end()
    return steps


def module_path(address: str) -> tuple[tuple[str, str], ...] | None:
    """The module instance path of a resource instance address: ``(("net", "[0]"), ...)``."""
    steps = split_address(address)
    if steps is None:
        return None
    path: list[tuple[str, str]] = []
    index = 0
    while index + 1 < len(steps) and steps[index] == "module" and isinstance(steps[index + 1],
                                                                            str):
        name = steps[index + 1]
        index += 2
        key = ""
        if index < len(steps) and isinstance(steps[index], Key):
            key = steps[index].raw  # type: ignore[union-attr]
            index += 1
        path.append((str(name), key))
    return tuple(path)


def prefix_of(path: tuple[tuple[str, str], ...]) -> str:
    """``(("net", "[0]"),)`` → ``"module.net[0]."``."""
    return "".join(f"module.{name}{key}." for name, key in path)


@dataclass(frozen=True)
class Target:
    """A resource instance (full address) and the attribute a reference reads from it."""

    address: str
    attribute: str | None


@dataclass(frozen=True)
class _Ref:
    """One parsed reference string, relative to a module."""

    kind: str  # "resource", "var", "module"
    name: str  # "TYPE.NAME", the variable name, or the module call name
    key: Key | None
    attribute: str | None  # first attribute after the subject, or module output name

    def covers(self, other: _Ref) -> bool:
        """True when *other* is this reference or a shorter form of it (Terraform lists both)."""
        return (self.kind == other.kind and self.name == other.name
                and (other.key is None or other.key == self.key)
                and (other.attribute is None or other.attribute == self.attribute)
                and self != other)


def _parse_ref(text: Any) -> _Ref | None:
    if not isinstance(text, str):
        return None
    steps = split_address(text)
    if not steps or not isinstance(steps[0], str) or steps[0] in _NOT_RESOURCES:
        return None
    head = steps[0]
    rest = steps[1:]
    if head == "var":
        return _Ref("var", rest[0], None, None) if rest and isinstance(rest[0], str) else None
    if head == "module":
        if not rest or not isinstance(rest[0], str):
            return None
        key = rest[1] if len(rest) > 1 and isinstance(rest[1], Key) else None
        after = rest[2:] if key else rest[1:]
        output = after[0] if after and isinstance(after[0], str) else None
        return _Ref("module", rest[0], key, output)
    if not rest or not isinstance(rest[0], str):
        return None
    key = rest[1] if len(rest) > 1 and isinstance(rest[1], Key) else None
    if key is not None and key.value == "*":
        key = None
    after = rest[2:] if len(rest) > 1 and isinstance(rest[1], Key) else rest[1:]
    attribute = after[0] if after and isinstance(after[0], str) else None
    return _Ref("resource", f"{head}.{rest[0]}", key, attribute)


def most_specific(references: Any) -> list[_Ref]:
    """Parsed references without the shorter forms Terraform adds for each one, in order."""
    if not isinstance(references, list):
        return []
    parsed = [r for r in (_parse_ref(t) for t in references) if r is not None]
    kept: list[_Ref] = []
    for ref in parsed:
        if ref in kept or any(other.covers(ref) for other in parsed):
            continue
        kept.append(ref)
    return kept


@dataclass
class ModuleContext:
    """One module instance: its address prefix, its configuration, and how it was called."""

    prefix: str
    config: dict[str, Any]
    parent: ModuleContext | None = None
    call: str | None = None

    def call_config(self, name: str) -> dict[str, Any]:
        calls = self.config.get("module_calls")
        call = calls.get(name) if isinstance(calls, dict) else None
        return call if isinstance(call, dict) else {}


def _child_config(call: dict[str, Any]) -> dict[str, Any]:
    module = call.get("module")
    return module if isinstance(module, dict) else {}


def context_for(root_config: dict[str, Any],
                path: tuple[tuple[str, str], ...]) -> ModuleContext:
    """The context of a module instance path, built from the root down."""
    context = ModuleContext("", root_config)
    for depth, (name, _key) in enumerate(path, start=1):
        call = context.call_config(name)
        context = ModuleContext(prefix_of(path[:depth]), _child_config(call), context, name)
    return context


def expression_references(expression: Any) -> Any:
    return expression.get("references") if isinstance(expression, dict) else None


class Resolver:
    """Turns reference lists into resource-instance targets across module boundaries.

    *instances_of* maps a resource address without instance key (``module.a.aws_x.y``) to
    its instance addresses in index order, so a reference to a counted resource as a whole
    (``aws_sg.web[*].id`` shows up as ``aws_sg.web``) expands to every instance.
    """

    def __init__(self, instances_of: Callable[[str], list[str]], max_depth: int) -> None:
        self.instances_of = instances_of
        self.max_depth = max_depth

    def targets(self, references: Any, context: ModuleContext, depth: int = 0,
                own_key: Key | None = None) -> list[Target]:
        """Targets of an expression's *references* read in *context*.

        *own_key* is the instance key of the resource being read: ``nic[count.index]`` or
        ``nic[each.key]`` appears in the references as ``nic`` plus ``count.index`` /
        ``each.key``, and then means the instance with the reader's own key.
        """
        found: list[Target] = []
        if depth > self.max_depth:
            return found
        same_key = own_key if isinstance(references, list) and any(
            r in ("count.index", "each.key") for r in references) else None
        for ref in most_specific(references):
            for target in self._resolve(ref, context, depth, same_key):
                if target not in found:
                    found.append(target)
        return found

    def _resolve(self, ref: _Ref, context: ModuleContext, depth: int,
                 same_key: Key | None) -> list[Target]:
        if ref.kind == "resource":
            base = f"{context.prefix}{ref.name}"
            if ref.key is not None:
                return [Target(base + ref.key.raw, ref.attribute)]
            instances = self.instances_of(base)
            if same_key is not None and base + same_key.raw in instances:
                return [Target(base + same_key.raw, ref.attribute)]
            return [Target(a, ref.attribute) for a in instances] or [Target(base, ref.attribute)]
        if ref.kind == "var":
            if context.parent is None or context.call is None:
                return []  # a root variable has a known value in the plan, not a resource
            call = context.parent.call_config(context.call)
            expressions = call.get("expressions")
            expression = expressions.get(ref.name) if isinstance(expressions, dict) else None
            return self.targets(expression_references(expression), context.parent, depth + 1)
        # A module output: follow the output's expression inside the called module.
        call = context.call_config(ref.name)
        if ref.attribute is None or not call:
            return []
        if ref.key is None and ("count_expression" in call or "for_each_expression" in call):
            return []  # which instance is meant is not written in the reference
        outputs = _child_config(call).get("outputs")
        output = outputs.get(ref.attribute) if isinstance(outputs, dict) else None
        expression = output.get("expression") if isinstance(output, dict) else None
        child = ModuleContext(f"{context.prefix}module.{ref.name}{ref.key.raw if ref.key else ''}.",
                              _child_config(call), context, ref.name)
        return self.targets(expression_references(expression), child, depth + 1)
