"""One instance of a Terraform module: its declarations, inputs and resources.

Names resolve lazily (a local is evaluated the first time something reads it), so only what a
resource actually uses is computed, and reference cycles are caught instead of recursing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacjit.model.raw import InputError, NotScanned, RawResource, Span
from iacjit.model.values import (
    DEPLOYMENT_SUBSCRIPTION,
    ResourceRef,
    Unknown,
    is_known,
    unknown_reason,
)
from iacjit.parsers.terraform import ast
from iacjit.parsers.terraform.evaluator import Lazy, Scope, evaluate_safely
from iacjit.parsers.terraform.expansion import META_ATTRIBUTES, Origin, expand, instance_key
from iacjit.parsers.terraform.providers import account, block_name, default_provider, provider_name
from iacjit.parsers.terraform.variables import MISSING, variable_value
from iacjit.resolved import resolve

if TYPE_CHECKING:
    from iacjit.parsers.terraform.manifest import Manifest
    from iacjit.parsers.terraform.roots import Loader

META_BLOCKS = {"lifecycle", "provisioner", "connection", "dynamic", "timeouts"}

# Data sources that stand for the deploying subscription: ids built from them still compare.
_SUBSCRIPTION_DATA = {
    ("azurerm_subscription", "id"): f"/subscriptions/{DEPLOYMENT_SUBSCRIPTION}",
    ("azurerm_subscription", "subscription_id"): DEPLOYMENT_SUBSCRIPTION,
    ("azurerm_client_config", "subscription_id"): DEPLOYMENT_SUBSCRIPTION,
}


@dataclass
class Declarations:
    """Everything declared across the files of one module directory."""

    directory: Path
    variables: dict[str, ast.Block] = field(default_factory=dict)
    locals: dict[str, ast.Attribute] = field(default_factory=dict)
    resources: dict[tuple[str, str], tuple[ast.Block, str]] = field(default_factory=dict)
    data: set[tuple[str, str]] = field(default_factory=set)
    modules: dict[str, tuple[ast.Block, str]] = field(default_factory=dict)
    variable_files: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, ast.Block] = field(default_factory=dict)
    providers: dict[str, ast.Block] = field(default_factory=dict)  # "azurerm", "azurerm.alias"

    def add(self, body: ast.Body, file: str) -> None:
        for block in body.blocks:
            labels = block.labels
            if block.type == "variable" and labels:
                self.variables[labels[0]] = block
                self.variable_files[labels[0]] = file
            elif block.type == "locals":
                self.locals.update(block.body.attributes)
            elif block.type == "resource" and len(labels) == 2:
                self.resources[(labels[0], labels[1])] = (block, file)
            elif block.type == "data" and len(labels) == 2:
                self.data.add((labels[0], labels[1]))
            elif block.type == "module" and labels:
                self.modules[labels[0]] = (block, file)
            elif block.type == "output" and labels:
                self.outputs[labels[0]] = block
            elif block.type == "provider" and (name := block_name(block)):
                self.providers[name] = block


# A nested block to evaluate: (type, body, scope, line, end_line).
_Nested = tuple[str, ast.Body, Scope, int, int]


class ModuleInstance:
    """Resolves names for one module call (or the root) and emits its resources."""

    def __init__(self, loader: Loader, decls: Declarations, origin: Origin,
                 inputs: dict[str, Any], depth: int, manifest: Manifest):
        self.loader = loader
        self.origin = origin
        # A call back into a calling module's directory is a cycle.
        self.ancestors = (*origin.ancestors, resolve(decls.directory))
        self.decls = decls
        self.prefix = origin.prefix
        self.inputs = inputs
        self.depth = depth
        self.manifest = manifest  # the root's downloaded modules
        self.max_items = loader.options.limits.max_loop_items
        self.max_chars = loader.options.limits.max_string_chars
        self.for_steps = 0  # iterations of for expressions, bounded (see evaluator._for)
        self._limit_hits: list[str] = []  # values over a limit, reported per resource
        self._cache: dict[tuple[str, str], Any] = {}
        self._busy: set[tuple[str, str]] = set()
        self._resource_objects: dict[tuple[str, str], Any] = {}
        self.sink: tuple[list[RawResource], list[InputError], list[NotScanned], str] | None = None
        self.scope = Scope(self)
        self._accounts: dict[str, Any] | None = None

    def provider_accounts(self) -> dict[str, Any]:
        """Provider configuration -> account: the ones passed by the caller, then this module's
        own ``provider`` blocks (a root's, or a legacy module's)."""
        if self._accounts is None:
            self._accounts = dict(self.origin.providers)
            for name, block in self.decls.providers.items():
                values, _ = self._block_values(block, self.scope, (), {})
                self._accounts[name] = account(block.labels[0], values)
        return self._accounts

    def resource_account(self, rtype: str, block: ast.Block) -> Any:
        """The account of a resource's provider configuration (None: the unit's current)."""
        argument = block.body.attributes.get("provider")
        name = provider_name(argument.expr) if argument is not None else None
        return self.provider_accounts().get(name or default_provider(rtype))

    def over_limit(self, message: str) -> Unknown:
        """The Unknown for a value over a scan limit; reported with the resource reading it."""
        if message not in self._limit_hits:
            self._limit_hits.append(message)
        return Unknown(message)

    def _report_limits(self, errors: list[InputError], file: str, what: str,
                       line: int) -> None:
        for message in self._limit_hits:
            errors.append(InputError(file, f"{what}: {message}; evaluated as unknown", line))
        self._limit_hits.clear()

    # ----- name resolution -------------------------------------------------------------
    def _memo(self, kind: str, name: str, compute) -> Any:
        key = (kind, name)
        if key in self._cache:
            return self._cache[key]
        if key in self._busy:
            return Unknown(f"{kind}.{name} refers to itself (a reference cycle)")
        self._busy.add(key)
        try:
            value = compute()
        finally:
            self._busy.discard(key)
        self._cache[key] = value
        return value

    def variable(self, name: str) -> Any:
        return self._memo("var", name, lambda: self._variable(name))

    def _variable(self, name: str) -> Any:
        block = self.decls.variables.get(name)
        if block is None:
            return Unknown(f"variable {name!r} is not declared")
        value, problem = variable_value(block, name, self.inputs.get(name, MISSING),
                                        Scope(self))
        if problem is not None:
            site = self.origin.input_sites.get(name) if problem.at_caller else None
            file, line = site or (self.decls.variable_files[name], block.line)
            where = self.prefix[:-1] if self.prefix else "root module"
            self.loader.report(InputError(file, f"{where}: {problem.message} (Terraform would "
                                                "refuse the plan)", line))
        return value

    def local(self, name: str) -> Any:
        attribute = self.decls.locals.get(name)
        if attribute is None:
            return Unknown(f"local {name!r} is not declared")
        return self._memo("local", name, lambda: evaluate_safely(attribute.expr, Scope(self)))

    def resolve(self, name: str, scope: Scope) -> Any:
        if name == "var":
            return Lazy("var", self.variable)
        if name == "local":
            return Lazy("local", self.local)
        if name == "data":
            return Lazy("data", lambda t: Lazy(f"data.{t}", lambda n: _data_source(t, n)))
        if name == "module":
            return Lazy("module", self.module_outputs)
        if name == "path":
            return {"module": self.decls.directory.as_posix(), "root": ".", "cwd": "."}
        if name in {"count", "each", "self", "terraform"}:
            return Unknown(f"{name} is not available here")
        return Lazy(name, lambda res_name: self.resource_object(name, res_name))

    def resource_object(self, rtype: str, name: str) -> Any:
        key = (rtype, name)
        if key in self._resource_objects:
            return self._resource_objects[key]
        found = self.decls.resources.get(key)
        if found is None:
            value: Any = Unknown(f"{rtype}.{name} is not declared in this module")
        else:
            block, _ = found
            instances, _problem = expand(block, self.scope, self.max_items)
            address = f"{self.prefix}{rtype}.{name}"
            objects = {suffix: self._instance_object(block, address + suffix, bindings)
                       for suffix, bindings in instances}
            if "count" in block.body.attributes and "" not in objects:
                value = list(objects.values())
            elif "for_each" in block.body.attributes and "" not in objects:
                value = {instance_key(s): o for s, o in objects.items()}
            else:
                value = objects.get("") or Unknown(f"{address} has no instances")
        self._resource_objects[key] = value
        return value

    def _instance_object(self, block: ast.Block, address: str, bindings: dict) -> Lazy:
        scope = self.scope.child(**bindings)
        cache: dict[str, Any] = {}

        def read(attr: str) -> Any:
            if attr in cache:
                return cache[attr]
            if attr in block.body.attributes and attr not in META_ATTRIBUTES:
                cache[attr] = Unknown(f"{address}.{attr} refers to itself")
                cache[attr] = evaluate_safely(block.body.attributes[attr].expr, scope)
            elif block.body.blocks_of(attr):
                cache[attr] = [self._block_values(b, scope, (), {})[0]
                               for b in block.body.blocks_of(attr)]
            else:
                cache[attr] = ResourceRef(address, attr)
            return cache[attr]

        return Lazy(address, read)

    def module_outputs(self, name: str) -> Any:
        """Outputs of a module call, evaluating the call first if nothing has yet."""
        if name not in self.decls.modules:
            return Unknown(f"module {name!r} is not declared")
        return self._memo("module", name, lambda: self._call_module(name))

    # ----- resource emission -------------------------------------------------------------
    def _block_values(self, block: ast.Block | None, scope: Scope, path: tuple,
                      spans: dict, body: ast.Body | None = None) -> tuple[dict, Span]:
        """Evaluate a block body: attributes, static nested blocks and expanded dynamics."""
        body = body if body is not None else block.body
        values: dict[str, Any] = {}
        for attr_name, attribute in body.attributes.items():
            if attr_name in META_ATTRIBUTES:
                continue
            values[attr_name] = evaluate_safely(attribute.expr, scope)
        nested: list[_Nested] = []
        for child in body.blocks:
            if child.type == "dynamic" and child.labels:
                nested.extend(self._dynamic(child, scope))
            elif child.type not in META_BLOCKS:
                nested.append((child.type, child.body, scope, child.line, child.end_line))
        for block_type, child_body, child_scope, line, end_line in nested:
            items = values.setdefault(block_type, [])
            if not isinstance(items, list):
                continue
            child_path = (*path, block_type, len(items))
            spans[child_path] = Span(line, end_line)
            child_values, _ = self._block_values(None, child_scope, child_path, spans, child_body)
            items.append(child_values)
        span = Span(block.line, block.end_line) if block else Span(0, 0)
        return values, span

    def _dynamic(self, block: ast.Block, scope: Scope) -> list[_Nested]:
        block_type = block.labels[0]
        attrs = block.body.attributes
        iterator = block_type
        if "iterator" in attrs and isinstance(attrs["iterator"].expr, ast.Name):
            iterator = attrs["iterator"].expr.name
        content = next((b for b in block.body.blocks if b.type == "content"), None)
        if content is None or "for_each" not in attrs:
            return []
        collection = evaluate_safely(attrs["for_each"].expr, scope)
        if isinstance(collection, Unknown | ResourceRef):
            unknown = Unknown(f"dynamic {block_type!r}: " + (unknown_reason(collection) or ""))
            return [(block_type, content.body, scope.child(**{iterator: {
                "key": unknown, "value": unknown}}), content.line, content.end_line)]
        if isinstance(collection, dict):
            pairs = [(k, collection[k]) for k in sorted(collection)]
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            return []
        if len(pairs) > self.max_items:
            unknown = self.over_limit(f"dynamic {block_type!r} over {len(pairs)} items exceeds "
                                      f"the limit of {self.max_items} (raise it with "
                                      "--max-loop-items)")
            return [(block_type, content.body, scope.child(**{iterator: {
                "key": unknown, "value": unknown}}), content.line, content.end_line)]
        return [(block_type, content.body, scope.child(**{iterator: {"key": k, "value": v}}),
                 content.line, content.end_line) for k, v in pairs]

    def emit(self, result_resources: list[RawResource], errors: list[InputError],
             not_scanned: list[NotScanned], root: str) -> None:
        """Evaluate every resource instance of this module (and its child modules)."""
        self.sink = (result_resources, errors, not_scanned, root)
        for name in self.inputs:
            if name in self.decls.variables:
                self.variable(name)  # a value Terraform refuses is an error even if unread
        for name in self.decls.modules:
            self.module_outputs(name)
            block, file = self.decls.modules[name]
            self._report_limits(errors, file, f"{self.prefix}module.{name}", block.line)
        for (rtype, name), (block, file) in self.decls.resources.items():
            instances, problem = expand(block, self.scope, self.max_items)
            if problem:
                errors.append(InputError(file, f"{rtype}.{name}: {problem}", block.line))
            resource_account = self.resource_account(rtype, block)
            for suffix, bindings in instances:
                spans: dict = {}
                scope = self.scope.child(**bindings)
                values, span = self._block_values(block, scope, (), spans)
                notes = []
                if bindings and not is_known(list(bindings.values())):
                    notes.append("instance key unknown: "
                                 + (unknown_reason(list(bindings.values())) or ""))
                result_resources.append(RawResource(
                    type=rtype, address=f"{self.prefix}{rtype}.{name}{suffix}", file=file,
                    span=span, attributes=values, source_format="terraform", root=root,
                    spans=spans, notes=notes, via=self.origin.via, account=resource_account,
                ))
            self._report_limits(errors, file, f"{self.prefix}{rtype}.{name}", block.line)

    def child(self, decls: Declarations, origin: Origin, inputs: dict[str, Any],
              ) -> ModuleInstance:
        """The instance of a module this one calls (iacjit.parsers.terraform.calls)."""
        return ModuleInstance(self.loader, decls, origin, inputs, self.depth + 1, self.manifest)

    def _call_module(self, name: str) -> Any:
        """Evaluate one module call: emit its resources, return its outputs object."""
        from iacjit.parsers.terraform.calls import call_module  # the call recurses into here

        return call_module(self, name)

    def output(self, name: str) -> Any:
        block = self.decls.outputs.get(name)
        if block is None or "value" not in block.body.attributes:
            return Unknown(f"output {name!r} is not declared")
        return self._memo("output", name,
                          lambda: evaluate_safely(block.body.attributes["value"].expr, self.scope))


def _data_source(rtype: str, name: str) -> Lazy:
    def read(attr: str) -> Any:
        known = _SUBSCRIPTION_DATA.get((rtype, attr))
        if known is not None:
            return known
        return Unknown(f"data.{rtype}.{name}.{attr} is read from the cloud at plan time")

    return Lazy(f"data.{rtype}.{name}", read)
