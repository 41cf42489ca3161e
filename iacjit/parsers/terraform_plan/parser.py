"""Terraform plan and state JSON (``terraform show -json``) → located raw resources.

A plan is the most faithful Terraform input there is: Terraform itself has evaluated
variables, locals, modules, ``count``/``for_each`` and ``dynamic`` blocks.  What it cannot
know before apply (ids of resources not created yet) it leaves out of ``change.after`` and
flags in ``after_unknown``; the ``configuration`` section still says which resource each such
value comes from.  This parser emits one :class:`RawResource` per managed resource instance,
in the shape the HCL evaluator emits (``source_format`` aside), so providers and rules treat
both alike: nested blocks are lists of dicts, an id known only after apply whose expression
refers to one resource becomes :class:`ResourceRef` (so an association, a VM's NIC list or a
JIT policy body still links in the graph), anything else unknown becomes :class:`Unknown`.

Values come from :func:`json.loads`; line marks from :mod:`terraform_plan_marks`.
``terraform show -json`` writes a single line, so spans are only useful on a pretty-printed
file (``jq . plan.json``); a one-line file is not located at all (every span is line 1).
It never raises: unreadable or invalid input is an :class:`InputError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iacjit.model.raw import InputError, NotScanned, ParseResult, RawResource, Span
from iacjit.model.values import ResourceRef, Unknown
from iacjit.parsers.common.accounts import account
from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.common.options import ParseOptions
from iacjit.parsers.common.text import read_text
from iacjit.parsers.terraform_plan.marks import Marks, marks_for
from iacjit.parsers.terraform_plan.refs import (
    Key,
    ModuleContext,
    Resolver,
    Target,
    context_for,
    expression_references,
    module_path,
    split_address,
)

SOURCE_FORMAT = "terraform-plan"
# format_version majors this reader understands ("0.1"/"0.2" from 0.12-0.15, "1.x" since).
_SUPPORTED_MAJORS = {"0", "1"}
# Actions that leave nothing behind: the instance is not part of the planned state.
_GONE = {"delete", "forget"}
# A wholly unknown attribute with these name endings is a list (a plan carries no schema):
# ``vpc_security_group_ids = [aws_security_group.web.id]`` planned as an unknown set.
_LIST_SUFFIXES = ("_ids", "_groups", "_arns", "_names")
_SENSITIVE = "sensitive value not included in the plan"
# Top-level sections resources are read from (and so located).
_READ_SECTIONS = ("resource_changes", "planned_values", "values", "prior_state")


@dataclass
class _Instance:
    """One managed resource instance and where its values were read."""

    address: str
    type: str
    name: str
    path: tuple[tuple[str, str], ...]
    values: dict[str, Any]
    unknown: Any
    sensitive: Any
    holder: Any  # the JSON list holding the located object, and its index
    index: int

    @property
    def key(self) -> Key | None:
        """The instance key (``[0]``, ``["web"]``), None for a resource without one."""
        steps = split_address(self.address) or []
        return steps[-1] if steps and isinstance(steps[-1], Key) else None


@dataclass
class _Slot:
    """A value unknown until apply, waiting for its reference to be resolved."""

    container: dict[Any, Any] | list[Any]
    key: Any
    expression: dict[str, Any] | None
    path: tuple[Any, ...]


# Where conversion stands in the configuration: a block's expression map, a list of nested
# block maps, or one attribute expression (which covers everything below that attribute).
_Context = tuple[str, Any] | None
# An attribute the configuration does not set although its block is known: computed by the
# provider.  Left out when unknown, like the HCL evaluator, which only sees what is written.
_UNCONFIGURED: _Context = ("unconfigured", None)


def _has_true(value: Any) -> bool:
    if value is True:
        return True
    if isinstance(value, dict):
        return any(_has_true(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_true(v) for v in value)
    return False


def _sub(marks: Any, key: Any) -> Any:
    """The ``after_unknown``/``after_sensitive`` marks below *key* (``True`` covers all)."""
    if marks is True:
        return True
    if isinstance(marks, dict) and isinstance(key, str):
        return marks.get(key)
    if isinstance(marks, list) and isinstance(key, int) and key < len(marks):
        return marks[key]
    return None


def _is_expression(node: dict[str, Any]) -> bool:
    return set(node) <= {"constant_value", "references"}


def _descend(context: _Context, key: str) -> _Context:
    if context is None:
        return None
    kind, node = context
    if kind in {"attr", "unconfigured"}:
        return context
    if kind != "block":
        return None
    if key not in node:
        return _UNCONFIGURED
    child = node.get(key)
    if isinstance(child, list):
        return ("blocks", child)
    if isinstance(child, dict):
        return ("attr", child) if _is_expression(child) else ("block", child)
    return None


def _same(config: Any, value: Any) -> bool:
    if config == value:
        return True
    if isinstance(config, list) and isinstance(value, list):
        return sorted(map(str, config)) == sorted(map(str, value))
    if isinstance(config, dict | list) or isinstance(value, dict | list):
        return False
    return str(config).lower() == str(value).lower()


def _match_block(blocks: list[Any], index: int, item: Any, length: int) -> dict | None:
    """The configuration block an element of a planned block list came from.

    Set-typed blocks (``security_rule``, ``ingress``) are reordered by Terraform and
    ``dynamic`` blocks are absent from ``configuration``, so the element is matched on the
    constant values it shares with a block; position is the fallback when counts agree.
    """
    maps = [b for b in blocks if isinstance(b, dict)]
    if isinstance(item, dict):
        matching = [
            b for b in maps
            if all(_same(e["constant_value"], item[k]) for k, e in b.items()
                   if isinstance(e, dict) and "constant_value" in e and k in item)
        ]
        if len(matching) == 1:
            return matching[0]
        if len(maps) == length and any(maps[index] is b for b in matching):
            return maps[index]
        return None
    return maps[index] if len(maps) == length else None


def _descend_index(context: _Context, index: int, item: Any, length: int) -> _Context:
    if context is None:
        return None
    kind, node = context
    if kind == "attr":
        return context
    if kind == "blocks":
        block = _match_block(node, index, item, length)
        return ("block", block) if block is not None else None
    return None


def _dotted(path: tuple[Any, ...]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _list_like(slot: _Slot) -> bool:
    return isinstance(slot.key, str) and (slot.key == "ids" or slot.key.endswith(_LIST_SUFFIXES))


def _sort_key(address: str) -> tuple[int, Any]:
    steps = split_address(address) or []
    last = steps[-1] if steps else None
    if isinstance(last, Key):
        return (0, last.value) if isinstance(last.value, int) else (1, str(last.value))
    return (0, -1)


class _Plan:
    """One plan or state document being read."""

    def __init__(self, doc: dict[str, Any], marks: Marks | None, display: str,
                 options: ParseOptions, result: ParseResult) -> None:
        self.doc = doc
        self.marks = marks
        self.display = display
        self.max_depth = options.limits.max_depth
        self.result = result
        configuration = doc.get("configuration")
        root = configuration.get("root_module") if isinstance(configuration, dict) else None
        self.root_config: dict[str, Any] = root if isinstance(root, dict) else {}
        self.instances: dict[str, _Instance] = {}
        self._by_resource: dict[str, list[str]] = {}
        self._contexts: dict[tuple[tuple[str, str], ...], ModuleContext] = {}
        self._config_index: dict[int, dict[tuple[Any, Any], dict[str, Any]]] = {}
        self.resolver = Resolver(self._instances_of, options.limits.max_module_depth * 2)

    # ----- collecting instances ----------------------------------------------------------
    def collect(self) -> None:
        changes = self.doc.get("resource_changes")
        if isinstance(changes, list):
            for index, change in enumerate(changes):
                self._from_change(changes, index, change)
        planned = self.doc.get("planned_values")
        if isinstance(planned, dict):
            self._from_values(planned.get("root_module"), 0)
        if not self.instances and not isinstance(changes, list) and not isinstance(planned,
                                                                                   dict):
            # A state (``terraform show -json`` on a state file), or a plan holding only its
            # prior state: the same values representation.
            values = self.doc.get("values")
            if not isinstance(values, dict):
                prior = self.doc.get("prior_state")
                values = prior.get("values") if isinstance(prior, dict) else None
            if isinstance(values, dict):
                self._from_values(values.get("root_module"), 0)
        for address in self.instances:
            steps = split_address(address) or []
            base = address[: -len(steps[-1].raw)] if steps and isinstance(steps[-1], Key) \
                else address
            self._by_resource.setdefault(base, []).append(address)
        for addresses in self._by_resource.values():
            addresses.sort(key=_sort_key)

    def _add(self, entry: dict[str, Any], values: Any, unknown: Any, sensitive: Any,
             holder: list[Any], index: int, module_address: Any = None) -> None:
        address, rtype, name = entry.get("address"), entry.get("type"), entry.get("name")
        if not (isinstance(address, str) and isinstance(rtype, str) and isinstance(values, dict)):
            return
        if address in self.instances:
            return
        path = module_path(module_address if isinstance(module_address, str) else address)
        if path is None:
            self.result.errors.append(InputError(
                self.display, f"resource address {address!r} is not a Terraform address",
                (self._span(holder, index) or Span(1, 1)).line))
            return
        self.instances[address] = _Instance(address, rtype, str(name or ""), path, values,
                                            unknown, sensitive, holder, index)

    def _from_change(self, holder: list[Any], index: int, entry: Any) -> None:
        if not isinstance(entry, dict) or entry.get("mode") != "managed" or "deposed" in entry:
            return
        change = entry.get("change")
        if not isinstance(change, dict):
            return
        actions = change.get("actions")
        if isinstance(actions, list) and actions and set(actions) <= _GONE:
            return
        self._add(entry, change.get("after"), change.get("after_unknown"),
                  change.get("after_sensitive"), holder, index, entry.get("module_address"))

    def _from_values(self, module: Any, depth: int) -> None:
        if not isinstance(module, dict) or depth > self.max_depth:
            return
        resources = module.get("resources")
        if isinstance(resources, list):
            for index, entry in enumerate(resources):
                if isinstance(entry, dict) and entry.get("mode") == "managed":
                    self._add(entry, entry.get("values"), None, entry.get("sensitive_values"),
                              resources, index)
        children = module.get("child_modules")
        if isinstance(children, list):
            for child in children:
                self._from_values(child, depth + 1)

    def _instances_of(self, base: str) -> list[str]:
        return self._by_resource.get(base, [])

    # ----- configuration -----------------------------------------------------------------
    def _context(self, path: tuple[tuple[str, str], ...]) -> ModuleContext:
        if path not in self._contexts:
            self._contexts[path] = context_for(self.root_config, path)
        return self._contexts[path]

    def _expressions(self, instance: _Instance) -> dict[str, Any] | None:
        """The configuration expressions of the resource block an instance comes from."""
        config = self._context(instance.path).config
        index = self._config_index.get(id(config))
        if index is None:
            index = {}
            resources = config.get("resources")
            for entry in resources if isinstance(resources, list) else []:
                if (isinstance(entry, dict) and entry.get("mode", "managed") == "managed"
                        and isinstance(entry.get("expressions"), dict)):
                    index.setdefault((entry.get("type"), entry.get("name")),
                                     entry["expressions"])
            self._config_index[id(config)] = index
        return index.get((instance.type, instance.name))

    def _account(self, instance: _Instance) -> Any:
        """The account of the provider configuration the instance's block uses, from
        ``configuration.provider_config`` (None: the current one of the plan)."""
        config = self._context(instance.path).config
        resources = config.get("resources")
        key = next((entry.get("provider_config_key") for entry in (
            resources if isinstance(resources, list) else [])
            if isinstance(entry, dict) and (entry.get("type"), entry.get("name")) == (
                instance.type, instance.name)), None)
        configuration = self.doc.get("configuration")
        providers = configuration.get("provider_config") if isinstance(
            configuration, dict) else None
        provider = providers.get(key) if isinstance(providers, dict) and isinstance(
            key, str) else None
        if not isinstance(provider, dict):
            return None
        name = str(provider.get("name") or key.split(":")[-1].split(".")[0])
        return account(name, _constants(provider.get("expressions")))

    # ----- values --------------------------------------------------------------------------
    def attributes(self, instance: _Instance) -> dict[str, Any]:
        expressions = self._expressions(instance)
        context: _Context = ("block", expressions) if expressions is not None else None
        attributes: dict[str, Any] = {}
        slots: list[_Slot] = []
        self._fill_object(attributes, instance.values, instance.unknown, instance.sensitive,
                          context, slots, (), 0)
        self._resolve(instance, slots)
        return attributes

    def _fill_object(self, out: dict[str, Any], value: dict[str, Any], unknown: Any,
                     sensitive: Any, context: _Context, slots: list[_Slot],
                     path: tuple[Any, ...], depth: int) -> None:
        keys = list(value)
        for marks in (unknown, sensitive):
            if isinstance(marks, dict):
                keys += [k for k in marks if k not in value and k not in keys
                         and _has_true(marks[k])]
        for key in keys:
            self._put(out, key, value.get(key), key in value, _sub(unknown, key),
                      _sub(sensitive, key), _descend(context, key), slots, (*path, key),
                      depth + 1)

    def _put(self, out: dict[Any, Any] | list[Any], key: Any, value: Any, present: bool,
             unknown: Any, sensitive: Any, context: _Context, slots: list[_Slot],
             path: tuple[Any, ...], depth: int) -> None:
        if not present and isinstance(unknown, dict | list) and _has_true(unknown):
            # Older Terraform drops a collection whose elements are all unknown (sets).
            value, present = ({} if isinstance(unknown, dict) else [None] * len(unknown)), True
        if unknown is True or (value is None and _has_true(unknown)):
            if context is _UNCONFIGURED and isinstance(out, dict):
                return  # computed by the provider, not configured: absent, as in HCL
            expression = context[1] if context and context[0] == "attr" else None
            out[key] = None
            slots.append(_Slot(out, key, expression, path))
            return
        if not present:  # left out of the plan, flagged sensitive
            out[key] = Unknown(_SENSITIVE)
            return
        if depth > self.max_depth:
            out[key] = Unknown(f"nested deeper than {self.max_depth} levels")
            return
        if isinstance(value, dict):
            child: dict[str, Any] = {}
            out[key] = child
            self._fill_object(child, value, unknown, sensitive, context, slots, path, depth)
        elif isinstance(value, list):
            items: list[Any] = [None] * len(value)
            out[key] = items
            for index, item in enumerate(value):
                self._put(items, index, item, True, _sub(unknown, index),
                          _sub(sensitive, index),
                          _descend_index(context, index, item, len(value)), slots,
                          (*path, index), depth + 1)
        else:
            out[key] = value

    def _target_unknown(self, target: Target) -> bool:
        """Whether a referenced attribute is itself unknown until apply.

        An unknown value can only come from unknown inputs, so known references (a
        resource group's ``location``) are dropped before deciding which one it is.
        """
        instance = self.instances.get(target.address)
        if instance is None or target.attribute is None:
            return True
        if _has_true(_sub(instance.unknown, target.attribute)):
            return True
        return instance.unknown is None and target.attribute not in instance.values

    def _resolve(self, instance: _Instance, slots: list[_Slot]) -> None:
        groups: dict[int, tuple[dict[str, Any] | None, list[_Slot]]] = {}
        for slot in slots:
            key = id(slot.expression) if slot.expression is not None else 0
            groups.setdefault(key, (slot.expression, []))[1].append(slot)
        context = self._context(instance.path)
        for expression, members in groups.values():
            targets: list[Target] = []
            if expression is not None:
                found = self.resolver.targets(expression_references(expression), context,
                                              own_key=instance.key)
                targets = [t for t in found if self._target_unknown(t)]
            refs = [ResourceRef(t.address, t.attribute or "id") for t in targets]
            if len(members) == 1 and refs and _list_like(members[0]) and not isinstance(
                    members[0].container, list):
                members[0].container[members[0].key] = refs
                continue
            for position, slot in enumerate(members):
                if len(refs) == len(members):
                    value: Any = refs[position]
                elif len(refs) == 1:
                    value = refs[0]
                else:
                    reason = f"{instance.address}.{_dotted(slot.path)} is known only after apply"
                    if refs:
                        reason += f" (depends on {', '.join(map(str, refs))})"
                    value = Unknown(reason)
                slot.container[slot.key] = value

    # ----- spans -----------------------------------------------------------------------------
    def _span(self, holder: Any, key: Any) -> Span | None:
        return self.marks.span(holder, key) if self.marks else None

    def _nested_spans(self, value: dict[str, Any], path: tuple[Any, ...],
                      spans: dict[tuple[Any, ...], Span], depth: int) -> None:
        if self.marks is None or depth > self.max_depth:
            return
        for key, items in value.items():
            if not isinstance(items, list):
                continue
            for index, item in enumerate(items):
                if isinstance(item, dict):
                    span = self._span(items, index)
                    if span is not None:  # else span_of() falls back to the resource
                        spans[(*path, key, index)] = span
                    self._nested_spans(item, (*path, key, index), spans, depth + 1)

    def emit(self) -> None:
        for instance in self.instances.values():
            spans: dict[tuple[Any, ...], Span] = {}
            self._nested_spans(instance.values, (), spans, 0)
            self.result.resources.append(RawResource(
                type=instance.type, address=instance.address, file=self.display,
                span=self._span(instance.holder, instance.index) or Span(1, 1),
                attributes=self.attributes(instance), source_format=SOURCE_FORMAT,
                root=self.display, spans=spans, account=self._account(instance),
            ))


def _constants(expressions: Any) -> dict[str, Any]:
    """A provider block's expressions as values: constants as such, references as Unknown."""
    if not isinstance(expressions, dict):
        return {}
    values: dict[str, Any] = {}
    for name, expression in expressions.items():
        if isinstance(expression, list):
            values[name] = [_constants(e) for e in expression]
        elif isinstance(expression, dict) and "constant_value" in expression:
            values[name] = expression["constant_value"]
        elif isinstance(expression, dict) and "references" in expression:
            names = ", ".join(map(str, expression["references"]))
            values[name] = Unknown(f"{name} refers to {names}")
    return values


def _is_raw_state(doc: dict[str, Any]) -> bool:
    return "format_version" not in doc and isinstance(doc.get("resources"), list) and (
        "lineage" in doc or "serial" in doc)


def _is_plan_or_state(doc: dict[str, Any]) -> bool:
    if any(k in doc for k in ("planned_values", "resource_changes", "prior_state")):
        return True
    return "format_version" in doc and isinstance(doc.get("values"), dict)


def _load(path: Path, display: str, options: ParseOptions,
          result: ParseResult) -> tuple[Any, str] | None:
    try:
        text, warning = read_text(path, options.limits.max_file_bytes)
    except ParseError as exc:
        result.errors.append(exc.at(display))
        return None
    if warning:
        result.errors.append(InputError(display, warning, 1, 1))
    if not text.strip():
        result.errors.append(InputError(display, "file is empty: nothing to scan", 1, 1))
        return None
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        result.errors.append(InputError(display, f"invalid JSON: {exc.msg}", exc.lineno,
                                        exc.colno))
    except RecursionError:
        result.errors.append(InputError(display, "invalid plan JSON: nested too deeply"))
    return None


def parse_file(path: Path, display: str, options: ParseOptions) -> ParseResult:
    """Read one ``terraform show -json`` file (plan or state); never raises."""
    result = ParseResult()
    loaded = _load(path, display, options, result)
    if loaded is None:
        return result
    doc, text = loaded
    if not isinstance(doc, dict):
        return result
    if _is_raw_state(doc):
        result.not_scanned.append(NotScanned(
            display, 1, "raw Terraform state file",
            "read the output of `terraform show -json` instead (the state's own format is "
            "internal to Terraform)"))
        return result
    if not _is_plan_or_state(doc):
        return result
    version = doc.get("format_version")
    if version is not None and str(version).split(".")[0] not in _SUPPORTED_MAJORS:
        result.errors.append(InputError(
            display, f"plan JSON format_version {version} is not supported (iacjit reads "
            "0.x and 1.x); the file was not scanned", 1, 1))
        return result
    if doc.get("errored") is True:
        result.errors.append(InputError(
            display, "Terraform marked this plan as errored: planning stopped early, so "
            "resources may be missing from it", 1, 1))
    try:
        marks = marks_for(doc, text, _READ_SECTIONS)
        plan = _Plan(doc, marks, display, options, result)
        plan.collect()
        plan.emit()
    except RecursionError:
        result.resources.clear()
        result.errors.append(InputError(display, "plan JSON nested too deeply to read"))
    return result
