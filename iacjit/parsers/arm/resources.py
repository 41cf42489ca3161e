"""Expand a template's resource declarations into the resource instances ARM would deploy.

Handles resource ``copy`` loops, ``condition``, ``existing``, child resources nested under
``resources`` (type and name composed from the parent's), both the array and the symbolic
name (``languageVersion 2.0``) forms, and nested ``Microsoft.Resources/deployments`` with an
inline template (scope inner or outer).  Linked templates are listed as not scanned.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iacjit.model.raw import InputError, NotScanned, ParseResult, RawResource, Span
from iacjit.model.values import DEPLOYMENT_SUBSCRIPTION, Unknown, is_known
from iacjit.parsers.arm.expressions import (
    EvalContext,
    ExpressionError,
    evaluate_tree,
    loop_count,
)
from iacjit.parsers.arm.template import KEY_VAULT_REFERENCE, template_context
from iacjit.parsers.arm.values import tree_size
from iacjit.parsers.common.located_json import SourceMap

DEPLOYMENTS = "microsoft.resources/deployments"
# Keys of a resource declaration that drive expansion rather than describe the resource.
_CONTROL_KEYS = frozenset({"copy", "resources", "condition", "existing"})


def _declarations(resources: Any) -> Iterable[tuple[Any, Any]]:
    """(key in the container, declaration) for the array and the symbolic-name forms."""
    if isinstance(resources, list):
        return enumerate(resources)
    if isinstance(resources, dict):
        return resources.items()
    return ()


def _account(subscription: Any) -> Any:
    """A nested deployment's ``subscriptionId`` as the resources' account (None: the one the
    template is deployed into, which is the unit's current subscription)."""
    if isinstance(subscription, str) and subscription and subscription != DEPLOYMENT_SUBSCRIPTION:
        return subscription.strip().lower()
    return subscription if isinstance(subscription, Unknown) else None


def _compose_type(parent_type: str | None, child_type: Any) -> Any:
    if parent_type is None or not isinstance(child_type, str):
        return child_type
    first = child_type.split("/", 1)[0]
    return child_type if "." in first else f"{parent_type}/{child_type}"


def _compose_name(parent_name: Any, name: Any, full_type: Any) -> Any:
    if parent_name is None:
        return name
    if isinstance(name, Unknown):
        return name
    if isinstance(parent_name, Unknown):
        return parent_name
    depth = len(str(full_type).split("/")) - 1 if isinstance(full_type, str) else 0
    if isinstance(name, str) and len(name.split("/")) >= depth:
        return name
    return f"{parent_name}/{name}"


class Expander:
    """Walks one file's templates; collects resources, errors and not-scanned entries."""

    def __init__(self, display: str, source: SourceMap, result: ParseResult) -> None:
        self.display = display
        self.source = source
        self.result = result

    def span(self, parent: Any, key: Any) -> Span:
        return self.source.locate(parent, key) or self.source.root

    def error(self, message: str, span: Span | None) -> None:
        self.result.errors.append(
            InputError(self.display, message, span.line if span else None)
        )

    # --- templates -------------------------------------------------------------------------

    def template(self, template: dict[str, Any], ctx: EvalContext, depth: int,
                 inherited: tuple[str, ...] = ()) -> None:
        """Expand *template*'s resources; *inherited* notes come from an enclosing deployment
        whose own deployment is uncertain (unknown condition or loop count)."""
        resources = template.get("resources")
        for key, declaration in _declarations(resources):
            self.declaration(resources, key, declaration, ctx, None, depth, inherited)

    def declaration(self, container: Any, key: Any, decl: Any, ctx: EvalContext,
                    parent: tuple[str, Any] | None, depth: int,
                    inherited: tuple[str, ...]) -> None:
        span = self.span(container, key)
        if not isinstance(decl, dict):
            self.error("a resource declaration must be an object", span)
            return
        if decl.get("existing") is True:
            # referenced, not deployed; children nested under it still are
            self.children(decl, ctx, parent, depth, inherited)
            return
        loop = decl.get("copy")
        if not isinstance(loop, dict):
            self.instance(decl, span, ctx, parent, depth, inherited)
            return
        name = evaluate_tree(loop.get("name", ""), ctx, parent=loop, key="name")
        name = name if isinstance(name, str) else ""
        try:
            count = loop_count(loop.get("count"), ctx, f"copy loop {name!r}", loop)
        except ExpressionError as exc:
            self.error(f"resource not expanded: {exc}", span)
            return
        if isinstance(count, Unknown):
            note = f"copy loop {name!r}: {count.reason}; one instance evaluated with unknown index"
            inner = ctx.with_copy_index(name or None, Unknown(count.reason), default=True)
            self.instance(decl, span, inner, parent, depth, (*inherited, note))
            return
        for index in range(count):
            inner = ctx.with_copy_index(name or None, index, default=True)
            self.instance(decl, span, inner, parent, depth, inherited)

    def children(self, decl: dict[str, Any], ctx: EvalContext, parent: tuple[str, Any] | None,
                 depth: int, inherited: tuple[str, ...],
                 identity: tuple[Any, Any] | None = None) -> None:
        """Expand the resources nested under *decl* (ARM conditions do not cascade to them)."""
        nested = decl.get("resources")
        if not nested:
            return
        if identity is None:
            raw_type = evaluate_tree(decl.get("type"), ctx, parent=decl, key="type")
            full_type = _compose_type(parent[0] if parent else None, raw_type)
            raw_name = evaluate_tree(decl.get("name"), ctx, parent=decl, key="name")
            identity = (full_type, _compose_name(parent[1] if parent else None, raw_name,
                                                 full_type))
        if not isinstance(identity[0], str):
            return
        for key, child in _declarations(nested):
            self.declaration(nested, key, child, ctx, identity, depth, inherited)

    # --- one instance ----------------------------------------------------------------------

    def _condition(self, decl: dict[str, Any], ctx: EvalContext) -> bool | str:
        """True/False, or a note saying why the condition is unknown."""
        if "condition" not in decl:
            return True
        value = evaluate_tree(decl["condition"], ctx, parent=decl, key="condition")
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        if isinstance(value, bool):
            return value
        reason = value.reason if isinstance(value, Unknown) else f"not a bool: {value!r}"
        return f"condition unknown ({reason}); the resource may not be deployed"

    def instance(self, decl: dict[str, Any], span: Span, ctx: EvalContext,
                 parent: tuple[str, Any] | None, depth: int,
                 inherited: tuple[str, ...]) -> None:
        condition = self._condition(decl, ctx)
        if condition is False:
            self.children(decl, ctx, parent, depth, inherited)
            return
        notes = (*inherited, condition) if isinstance(condition, str) else inherited
        spans: dict[tuple[Any, ...], Span] = {}

        def sink(path: tuple[Any, ...], source_parent: Any, source_key: Any) -> None:
            located = self.source.locate(source_parent, source_key)
            if located is not None:
                spans[path] = located

        is_deployment = str(decl.get("type", "")).lower() == DEPLOYMENTS
        attributes: dict[str, Any] = {}
        for key, value in decl.items():
            if key in _CONTROL_KEYS:
                continue
            sink((key,), decl, key)
            if is_deployment and key == "properties" and isinstance(value, dict):
                value = {k: v for k, v in value.items() if k != "template"}
                attributes[key] = {
                    k: evaluate_tree(v, ctx, parent=decl["properties"], key=k,
                                     path=(key, k), sink=sink)
                    for k, v in value.items()
                }
                continue
            attributes[key] = evaluate_tree(value, ctx, parent=decl, key=key, path=(key,),
                                            sink=sink)
        full_type = _compose_type(parent[0] if parent else None, attributes.get("type"))
        full_name = _compose_name(parent[1] if parent else None, attributes.get("name"),
                                  full_type)
        attributes["type"], attributes["name"] = full_type, full_name
        if not isinstance(full_type, str):
            self.error("resource type is missing or not a string", span)
            return
        cap = 100 * ctx.limits.max_loop_items
        if tree_size(attributes, cap) > cap:
            self.error(f"resource {full_type} is larger than {cap} values; skipped", span)
        else:
            self.emit(full_type, full_name, decl, attributes, span, spans, list(notes),
                      _account(ctx.subscription_id))
        if is_deployment:
            self.deployment(decl, attributes, span, ctx, depth, notes)
        self.children(decl, ctx, parent, depth, inherited, (full_type, full_name))

    def emit(self, full_type: str, name: Any, decl: dict[str, Any],
             attributes: dict[str, Any], span: Span, spans: dict[tuple[Any, ...], Span],
             notes: list[str], account: Any = None) -> None:
        if is_known(name):
            shown = str(name)
        else:
            raw = decl.get("name")
            shown = raw if isinstance(raw, str) else "<unknown name>"
            reason = name.reason if isinstance(name, Unknown) else "not known"
            notes = [*notes, f"name unknown: {reason}"]
        self.result.resources.append(
            RawResource(
                type=full_type,
                address=f"{full_type}/{shown}",
                file=self.display,
                span=span,
                attributes=attributes,
                source_format="arm",
                root=self.display,
                spans=spans,
                notes=notes,
                account=account,
            )
        )

    # --- nested deployments ----------------------------------------------------------------

    def deployment(self, decl: dict[str, Any], attributes: dict[str, Any], span: Span,
                   ctx: EvalContext, depth: int, notes: tuple[str, ...]) -> None:
        raw_props = decl.get("properties")
        if not isinstance(raw_props, dict):
            return
        props = attributes.get("properties") or {}
        link = props.get("templateLink") if isinstance(props, dict) else None
        if link is not None:
            target = link.get("uri") or link.get("id") if isinstance(link, dict) else link
            what = f"linked template {target}" if is_known(target) else "linked template"
            self.result.not_scanned.append(NotScanned(
                self.display, span.line, what,
                "linked templates are not fetched; scan the linked template file directly",
            ))
            return
        template = raw_props.get("template")
        if not isinstance(template, dict):
            return
        if depth + 1 > ctx.limits.max_module_depth:
            self.error(f"nested deployments deeper than {ctx.limits.max_module_depth} levels; "
                       "inner resources not scanned", span)
            return
        scope = ctx.child(
            subscription_id=attributes.get("subscriptionId") or ctx.subscription_id,
            resource_group=attributes.get("resourceGroup") or ctx.resource_group,
        )
        options = props.get("expressionEvaluationOptions") if isinstance(props, dict) else None
        mode = options.get("scope") if isinstance(options, dict) else None
        if isinstance(mode, str) and mode.lower() == "inner":
            supplied = self._passed_parameters(raw_props, props, ctx, span)
            inner = template_context(template, supplied, scope)
        else:
            inner = scope  # outer scope: the nested template sees the parent's names
        self.template(template, inner, depth + 1, notes)

    def _passed_parameters(self, raw_props: dict[str, Any], props: Any, ctx: EvalContext,
                           span: Span) -> dict[str, Any]:
        """Values given to an inner-scope nested template (already evaluated outside)."""
        if "parametersLink" in raw_props:
            self.result.not_scanned.append(NotScanned(
                self.display, span.line, "linked parameters file",
                "parameter files by URI are not fetched; inner parameters are unknown",
            ))
        passed = props.get("parameters") if isinstance(props, dict) else None
        supplied: dict[str, Any] = {}
        for name, entry in (passed or {}).items() if isinstance(passed, dict) else ():
            if isinstance(entry, dict) and "value" in entry:
                supplied[name] = entry["value"]
            elif isinstance(entry, dict) and "reference" in entry:
                supplied[name] = Unknown(KEY_VAULT_REFERENCE)
        if "parametersLink" in raw_props:
            declared = (raw_props.get("template") or {}).get("parameters") or {}
            for name in declared:
                supplied.setdefault(name, Unknown("passed in a linked parameters file"))
        return supplied
