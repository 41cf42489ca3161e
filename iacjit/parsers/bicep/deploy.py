"""Evaluate one Bicep template with one set of parameters into deployed resource instances.

Declarations are evaluated lazily and memoised (Bicep allows any declaration order), with a
busy set that turns a reference cycle into an Unknown instead of a recursion.  Resource
symbols become :class:`ResourceHandle` s so ``nsg.id``/``nsg.name``/``parent:``/``nsg::rule``
work; modules with a local path are evaluated as child runs with the caller's ``params``.
Output mirrors what the ARM parser emits for the compiled template: one resource object per
deployed instance, type and name fully composed for children.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacjit.model.raw import InputError, NotScanned, RawResource, Span
from iacjit.model.values import Unknown
from iacjit.parsers.bicep import ast as A
from iacjit.parsers.bicep.evaluator import Evaluator, Spans
from iacjit.parsers.bicep.imports import Imports
from iacjit.parsers.bicep.values import (
    Closure,
    ModuleHandle,
    ResourceHandle,
    resource_id,
    scope_prefix,
)
from iacjit.parsers.common.options import ParseOptions

REMOTE_PREFIXES = ("br:", "br/", "ts:", "ts/")
# Keys of a resource body that are Bicep wiring, not part of the deployed resource object.
WIRING = {"name", "parent", "scope", "dependsOn"}

LoadTemplate = Callable[[Path, str, int], "A.Template | None"]


@dataclass
class Session:
    """State shared by every template run of one ``parse_file`` call."""

    options: ParseOptions
    root_display: str
    load: LoadTemplate  # (path, display, line in caller) -> Template, reporting its own errors
    errors: list[InputError] = field(default_factory=list)
    not_scanned: list[NotScanned] = field(default_factory=list)


@dataclass
class Instance:
    """One instance of a resource declaration (one per loop item)."""

    decl: A.ResourceDecl
    handle: ResourceHandle
    body: A.Obj | None
    env: dict[str, Any]
    deployed: bool | Unknown
    notes: list[str]
    index: int | None
    children: list[Instance] = field(default_factory=list)


@dataclass
class ModuleInstance:
    decl: A.ModuleDecl
    handle: ModuleHandle
    deployed: bool | Unknown
    notes: list[str]
    run: Callable[[], TemplateRun | None]


class TemplateRun:
    """A template evaluated with concrete parameter values (root defaults or module params)."""

    def __init__(
        self,
        session: Session,
        template: A.Template,
        path: Path,
        display: str,
        params: dict[str, Any] | None = None,
        module_stack: tuple[Path, ...] = (),
        notes: tuple[str, ...] = (),
    ) -> None:
        self.session = session
        self.tpl = template
        self.path = path
        self.display = display
        self.given = params if params is not None else {}
        self.module_stack = module_stack
        self.notes = list(notes)
        limits = session.options.limits
        self.ev = Evaluator(
            self.resolve,
            limits.max_depth,
            limits.max_loop_items,
            limits.max_string_chars,
            template.functions,
        )
        self.prefix = scope_prefix(template.target_scope)
        self._values: dict[str, Any] = {}
        self._busy: set[str] = set()
        self._resources = {d.symbol: d for d in template.resources}
        self._modules = {d.symbol: d for d in template.modules}
        self._instances: dict[str, list[Instance]] = {}
        self._module_instances: dict[str, list[ModuleInstance]] = {}
        self._outputs: dict[str, Any] | None = None
        self.imports = Imports(template.imports, self._import_run)
        self.ev.imported = self.imports.function

    # -- symbols -------------------------------------------------------------------------
    def resolve(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        if name in self._busy:
            return Unknown(f"{name!r} refers to itself")
        self._busy.add(name)
        try:
            value = self._compute(name)
        finally:
            self._busy.discard(name)
        self._values[name] = value
        return value

    def _compute(self, name: str) -> Any:
        tpl = self.tpl
        if name in tpl.params:
            decl = tpl.params[name]
            if name in self.given:
                return self.given[name]
            if decl.default is not None:
                return self.ev.eval(decl.default, {})
            if decl.nullable:
                return None
            return Unknown(f"parameter {name!r} has no default value and none was given")
        if name in tpl.variables:
            return self.ev.eval(tpl.variables[name].value, {})
        if name in self._resources:
            decl = self._resources[name]
            instances = self.instances(decl)
            handles = [i.handle for i in instances]
            return handles if isinstance(decl.value, A.For) else handles[0]
        if name in self._modules:
            decl = self._modules[name]
            modules = self.module_instances(decl)
            handles = [m.handle for m in modules]
            return handles if isinstance(decl.value, A.For) else handles[0]
        if self.imports.has(name):
            return self.imports.value(name)
        return Unknown(f"{name!r} is not declared in {self.display}")

    def _import_run(self, decl: A.ImportDecl) -> TemplateRun | Unknown:
        """A run of an imported local file, without parameters (exports cannot use any)."""
        if decl.source.startswith(REMOTE_PREFIXES):
            return Unknown(f"imported from {decl.source}, which is not fetched")
        target = (self.path.parent / decl.source).resolve()
        if target in self.module_stack or target == self.path.resolve():
            return Unknown(f"import cycle through {decl.source}")
        if len(self.module_stack) >= self.session.options.limits.max_module_depth:
            return Unknown(f"imports nested deeper than the module limit at {decl.source}")
        if not target.is_file():
            self.session.errors.append(
                InputError(self.display, f"import: file not found: {decl.source}", decl.line)
            )
            return Unknown(f"imported file not found: {decl.source}")
        display = posixpath.normpath(posixpath.join(posixpath.dirname(self.display), decl.source))
        template = self.session.load(target, display, decl.line)
        if template is None:
            return Unknown(f"the imported file {decl.source} could not be read")
        stack = (*self.module_stack, self.path.resolve())
        return TemplateRun(self.session, template, target, display, {}, stack, tuple(self.notes))

    # -- resources -----------------------------------------------------------------------
    def instances(self, decl: A.ResourceDecl) -> list[Instance]:
        if decl.symbol not in self._instances:
            self._instances[decl.symbol] = self._expand(decl, None, {})
        return self._instances[decl.symbol]

    def _expand(
        self, decl: A.ResourceDecl, parent: Instance | None, env: dict[str, Any]
    ) -> list[Instance]:
        value = decl.value
        if not isinstance(value, A.For):
            return [self._instance(decl, value, env, parent, None, [])]
        items = self.ev.loop_items(value, env)
        if isinstance(items, Unknown):
            if "exceeds the limit" in items.reason:
                self.session.errors.append(
                    InputError(self.display, f"resource {decl.symbol}: {items.reason}", decl.line)
                )
            # One representative instance with an unknown loop item: its rules still get
            # looked at, and whatever depends on the item is reported as unresolved.
            local = self.ev.loop_env(value, env, Unknown(items.reason), 0)
            if value.index:
                local[value.index] = Unknown(items.reason)
            note = f"instances of a loop that could not be expanded: {items.reason}"
            return [self._instance(decl, value.body, local, parent, None, [note])]
        return [
            self._instance(decl, value.body, self.ev.loop_env(value, env, item, i), parent, i, [])
            for i, item in enumerate(items)
        ]

    def _instance(
        self,
        decl: A.ResourceDecl,
        body: A.Node,
        env: dict[str, Any],
        parent: Instance | None,
        index: int | None,
        notes: list[str],
    ) -> Instance:
        deployed, body = self._condition(body, env, notes, "")
        obj = body if isinstance(body, A.Obj) else None
        pairs = plain_pairs(obj)
        name = self.ev.eval(pairs["name"].value, env) if "name" in pairs else Unknown("no name")
        rtype, _, api = decl.type_api.partition("@")
        parent_handle: Any = parent.handle if parent else None
        if parent is None and "parent" in pairs:
            parent_handle = self.ev.eval(pairs["parent"].value, env)
        prefix: Any = self.prefix
        if "scope" in pairs:
            scope = self.ev.eval(pairs["scope"].value, env)
            if isinstance(scope, ResourceHandle):
                prefix = scope.id
            elif isinstance(scope, dict) and "id" in scope:
                prefix = scope["id"]
            else:
                prefix = scope if isinstance(scope, Unknown) else Unknown("scope is not known")
        if parent_handle is not None:
            if isinstance(parent_handle, ResourceHandle):
                if parent is not None and "/" not in rtype:
                    rtype = f"{parent_handle.type}/{rtype}"
                    api = api or parent_handle.api_version
                name = _join_name(parent_handle.name, name)
                prefix = _parent_prefix(parent_handle)
            else:
                reason = (
                    parent_handle.reason
                    if isinstance(parent_handle, Unknown)
                    else "parent is not a resource"
                )
                name = Unknown(f"the parent resource is not known: {reason}")
        if isinstance(name, int) and not isinstance(name, bool):
            name = str(name)
        handle = ResourceHandle(
            decl.symbol, rtype, api, name, resource_id(prefix, rtype, name), decl.existing
        )
        inst = Instance(decl, handle, obj, env, deployed, notes, index)
        for child in obj.children if obj else ():
            child_instances = self._expand(child, inst, env)
            handles = [c.handle for c in child_instances]
            handle.children[child.symbol] = (
                handles if isinstance(child.value, A.For) else handles[0]
            )
            inst.children.extend(child_instances)
        return inst

    # -- modules -------------------------------------------------------------------------
    def module_instances(self, decl: A.ModuleDecl) -> list[ModuleInstance]:
        if decl.symbol in self._module_instances:
            return self._module_instances[decl.symbol]
        value = decl.value
        found: list[ModuleInstance] = []
        if isinstance(value, A.For):
            items = self.ev.loop_items(value, {})
            if isinstance(items, Unknown):
                local = self.ev.loop_env(value, {}, Unknown(items.reason), 0)
                if value.index:
                    local[value.index] = Unknown(items.reason)
                note = f"instances of a module loop that could not be expanded: {items.reason}"
                found.append(self._module(decl, value.body, local, [note]))
            else:
                for i, item in enumerate(items):
                    found.append(
                        self._module(decl, value.body, self.ev.loop_env(value, {}, item, i), [])
                    )
        else:
            found.append(self._module(decl, value, {}, []))
        self._module_instances[decl.symbol] = found
        return found

    def _condition(self, body: A.Node, env: dict[str, Any], notes: list[str],
                   subject: str) -> tuple[bool | Unknown, A.Node]:
        """Whether an ``if (…)`` body is deployed (False drops it, Unknown keeps it noted)."""
        if not isinstance(body, A.IfBody):
            return True, body
        test = self.ev.eval(body.test, env)
        if test is False or test is True:
            return test, body.body
        deployed = test if isinstance(test, Unknown) else Unknown("not a boolean")
        notes.append(f"{subject}deployed only if the condition on line {body.line} holds; it "
                     f"is not known before deployment ({deployed.reason})")
        return deployed, body.body

    def _module(
        self, decl: A.ModuleDecl, body: A.Node, env: dict[str, Any], notes: list[str]
    ) -> ModuleInstance:
        deployed, body = self._condition(body, env, notes, f"module {decl.symbol} is ")
        pairs = plain_pairs(body)
        name = self.ev.eval(pairs["name"].value, env) if "name" in pairs else decl.symbol
        cache: list[TemplateRun | None] = []

        def run() -> TemplateRun | None:
            if not cache:
                cache.append(self._module_run(decl, pairs, env, notes))
            return cache[0]

        def outputs() -> Any:
            child = run()
            return (
                child.outputs()
                if child
                else Unknown(
                    f"outputs of module {decl.symbol} are not known (module not evaluated)"
                )
            )

        return ModuleInstance(decl, ModuleHandle(decl.symbol, name, outputs), deployed, notes, run)

    def _module_run(
        self, decl: A.ModuleDecl, pairs: dict[str, A.Pair], env: dict[str, Any], notes: list[str]
    ) -> TemplateRun | None:
        session = self.session
        if decl.path.startswith(REMOTE_PREFIXES):
            session.not_scanned.append(
                NotScanned(
                    self.display,
                    decl.line,
                    f"module {decl.symbol} ({decl.path})",
                    "remote modules (Bicep registry, template specs) are not fetched; "
                    "restore them locally or scan the compiled template",
                )
            )
            return None
        target = (self.path.parent / decl.path).resolve()
        display = posixpath.normpath(posixpath.join(posixpath.dirname(self.display), decl.path))
        if target.suffix.lower() == ".json":
            session.not_scanned.append(
                NotScanned(
                    self.display,
                    decl.line,
                    f"module {decl.symbol} ({decl.path})",
                    "ARM JSON modules are scanned as templates of their own, without the "
                    "parameters this file passes",
                )
            )
            return None
        limit = session.options.limits.max_module_depth
        if target in self.module_stack or target == self.path.resolve():
            session.errors.append(
                InputError(
                    self.display,
                    f"module {decl.symbol}: module cycle through {decl.path}",
                    decl.line,
                )
            )
            return None
        if len(self.module_stack) >= limit:
            session.errors.append(
                InputError(
                    self.display,
                    f"module {decl.symbol}: modules nested deeper than {limit} levels",
                    decl.line,
                )
            )
            return None
        if not target.is_file():
            session.errors.append(
                InputError(
                    self.display, f"module {decl.symbol}: file not found: {decl.path}", decl.line
                )
            )
            return None
        template = session.load(target, display, decl.line)
        if template is None:
            return None
        params: dict[str, Any] = {}
        if "params" in pairs:
            given = self.ev.eval(pairs["params"].value, env)
            if isinstance(given, dict):
                params = given
            else:
                reason = given.reason if isinstance(given, Unknown) else "params is not an object"
                params = {
                    name: Unknown(f"module params not known: {reason}") for name in template.params
                }
        via = f"deployed through module {decl.symbol} ({self.display}:{decl.line})"
        return TemplateRun(
            session,
            template,
            target,
            display,
            params,
            (*self.module_stack, self.path.resolve()),
            (*self.notes, *notes, via),
        )

    def outputs(self) -> dict[str, Any]:
        if self._outputs is None:
            self._outputs = {}
            for name, decl in self.tpl.outputs.items():
                self._outputs[name] = finalize(self.ev.eval(decl.value, {}), 0, 50)
        return self._outputs

    # -- emission ------------------------------------------------------------------------
    def emit(self) -> list[RawResource]:
        """Every deployed resource of this run and of its modules, in declaration order."""
        out: list[RawResource] = []
        for decl in self.tpl.resources:
            for inst in self.instances(decl):
                self._emit_instance(inst, [], out)
        for decl in self.tpl.modules:
            for module in self.module_instances(decl):
                if module.deployed is False:
                    continue
                child = module.run()
                if child is not None:
                    out.extend(child.emit())
        return out

    def _emit_instance(self, inst: Instance, inherited: list[str], out: list[RawResource]) -> None:
        if inst.deployed is False:
            return
        notes = [*self.notes, *inherited, *inst.notes]
        if not inst.decl.existing and inst.body is not None:
            out.append(self._raw(inst, notes))
        for child in inst.children:
            self._emit_instance(child, [*inherited, *inst.notes], out)

    def _raw(self, inst: Instance, notes: list[str]) -> RawResource:
        handle = inst.handle
        spans: Spans = {}
        attributes: dict[str, Any] = {
            "type": handle.type,
            "apiVersion": handle.api_version,
            "name": handle.name,
        }
        assert inst.body is not None
        limits = self.session.options.limits
        for pair in inst.body.pairs:
            if isinstance(pair, A.Spread) or pair.key_node is not None:
                # A spread or a computed key: evaluated as a one-member object and merged.
                value = self.ev.eval(A.Obj(pair.line, pair.end_line, (pair,)), inst.env, spans)
                if isinstance(value, dict):
                    for key, item in value.items():
                        if key not in WIRING:
                            attributes[key] = finalize(item, 0, limits.max_depth)
                continue
            if pair.key == "name":
                spans[("name",)] = Span(pair.line, pair.end_line)
            if pair.key in WIRING:
                continue
            spans[(pair.key,)] = Span(pair.line, pair.end_line)
            value = self.ev.eval(pair.value, inst.env, spans, (pair.key,))
            attributes[pair.key] = finalize(value, 0, limits.max_depth)
        name = handle.name
        label = (
            name
            if isinstance(name, str)
            else handle.symbol + (f"[{inst.index}]" if inst.index is not None else "")
        )
        return RawResource(
            type=handle.type,
            address=f"{handle.type}/{label}",
            file=self.display,
            span=Span(inst.decl.line, inst.decl.end_line),
            attributes=attributes,
            source_format="bicep",
            root=self.session.root_display,
            spans=spans,
            notes=list(dict.fromkeys(notes)),
        )


def plain_pairs(body: A.Node | None) -> dict[str, A.Pair]:
    """The properties of an object body written with a literal name, by name."""
    if not isinstance(body, A.Obj):
        return {}
    return {p.key: p for p in body.pairs if isinstance(p, A.Pair) and p.key_node is None}


def _join_name(parent: Any, name: Any) -> Any:
    if isinstance(parent, Unknown):
        return parent
    if isinstance(name, Unknown):
        return name
    return f"{parent}/{name}"


def _parent_prefix(parent: ResourceHandle) -> Any:
    """The scope id of a parent: its id without the ``/providers/...`` part."""
    if isinstance(parent.id, Unknown):
        return parent.id
    head, sep, _ = str(parent.id).rpartition("/providers/")
    return head if sep else ""


def finalize(value: Any, depth: int, max_depth: int) -> Any:
    """Replace evaluation-only values by what the deployed resource object would hold."""
    if depth > max_depth:
        return Unknown("value nested too deeply")
    if isinstance(value, ResourceHandle):
        return value.id
    if isinstance(value, ModuleHandle | Closure):
        return Unknown("a module or lambda is not a deployable value")
    if isinstance(value, dict):
        return {k: finalize(v, depth + 1, max_depth) for k, v in value.items()}
    if isinstance(value, list):
        return [finalize(v, depth + 1, max_depth) for v in value]
    return value
