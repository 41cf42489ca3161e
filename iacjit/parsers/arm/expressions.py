"""Safe evaluation of ARM template expressions and of whole JSON values that contain them.

Public API (also used by the Bicep parser)::

    ctx = EvalContext(parameters={"vmName": "web"}, variables={})
    evaluate("[concat(parameters('vmName'), '-nsg')]", ctx)   # -> "web-nsg"
    evaluate({"name": "[parameters('vmName')]"}, ctx)        # -> {"name": "web"}

Evaluation never raises for bad input: an expression ARM would reject becomes an
:class:`~iacjit.model.values.Unknown` and a :class:`Problem` in ``ctx.problems``; anything not
knowable before deployment (``reference()``, ``list*()``, unsupported functions, missing
parameter values) becomes an Unknown with its reason.  The only exception that escapes is
:class:`EvaluationLimit`, raised when the shared step budget of a file is spent, so a hostile
template stops instead of stalling the scan.  There is no ``eval``: expressions are parsed
into a small AST (:mod:`arm_expr_parse`) and walked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from iacjit.model.raw import Span
from iacjit.model.values import (
    DEPLOYMENT_RESOURCE_GROUP,
    DEPLOYMENT_SUBSCRIPTION,
    ResourceRef,
    Unknown,
    unknown_reason,
)
from iacjit.parsers.arm import functions, lambdas
from iacjit.parsers.arm.expr_parse import (
    Call,
    ExpressionError,
    Literal,
    Node,
    Property,
    parse_expression,
)
from iacjit.parsers.arm.lambdas import LAMBDA_FUNCTIONS, as_condition
from iacjit.parsers.arm.values import (
    Budget,
    EvaluationLimit,
    first_unknown,
    type_name,
)
from iacjit.parsers.common.options import Limits

__all__ = [
    "EvalContext",
    "EvaluationLimit",
    "ExpressionError",
    "LazyValues",
    "Problem",
    "UserFunction",
    "evaluate",
    "evaluate_tree",
    "is_expression",
]

# (path inside the evaluated value, original parent container, key in it) -> None
SpanSink = Callable[[tuple[Any, ...], Any, Any], None]
# (original parent container, key in it) -> where that value is written
Locator = Callable[[Any, Any], Span | None]


@dataclass(frozen=True)
class Problem:
    """An expression ARM would reject, where it is written when known."""

    message: str
    span: Span | None = None


@dataclass(frozen=True)
class UserFunction:
    """A template-defined function (``functions`` section; Bicep ``func``)."""

    parameters: tuple[str, ...]
    output: Any


@dataclass(frozen=True)
class _Lambda:
    parameters: tuple[str, ...]
    body: Node
    ctx: EvalContext


def _default_budget() -> Budget:
    return Budget(200 * Limits().max_loop_items)


@dataclass
class EvalContext:
    """Everything an expression can see.  Child contexts share budget, problems and caches.

    ``parameters``/``variables`` may be plain dicts of evaluated values or :class:`LazyValues`
    (evaluated on first use, which ARM requires: defaults and variables refer to each other).
    Lookups are case-insensitive, as in ARM.
    """

    parameters: Mapping[str, Any] = field(default_factory=dict)
    variables: Mapping[str, Any] = field(default_factory=dict)
    functions: Mapping[str, UserFunction] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    subscription_id: Any = DEPLOYMENT_SUBSCRIPTION
    resource_group: Any = DEPLOYMENT_RESOURCE_GROUP
    copy_indexes: Mapping[str | None, Any] = field(default_factory=dict)
    lambda_vars: Mapping[str, Any] = field(default_factory=dict)
    locator: Locator | None = None
    budget: Budget = field(default_factory=_default_budget)
    problems: list[Problem] = field(default_factory=list)
    ast_cache: dict[str, Node | ExpressionError] = field(default_factory=dict)

    def with_copy_index(self, name: str | None, index: Any, *, default: bool) -> EvalContext:
        """A child context inside loop *name*; ``default`` makes it what ``copyIndex()`` reads."""
        indexes = dict(self.copy_indexes)
        if name is not None:
            indexes[name.lower()] = index
        if default:
            indexes[None] = index
        return replace(self, copy_indexes=indexes)

    def child(self, **changes: Any) -> EvalContext:
        return replace(self, **changes)

    def problem(self, message: str, parent: Any = None, key: Any = None) -> None:
        span = self.locator(parent, key) if self.locator and parent is not None else None
        self.problems.append(Problem(message, span))


class LazyValues(Mapping[str, Any]):
    """Declarations evaluated on first lookup, with cycle detection; keys case-insensitive."""

    def __init__(self, raw: Mapping[str, Any], resolve: Callable[[str, Any], Any], what: str):
        self._raw = {str(k).lower(): (str(k), v) for k, v in raw.items()}
        self._resolve = resolve
        self._what = what
        self._done: dict[str, Any] = {}
        self._busy: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        key = name.lower()
        if key in self._done:
            return self._done[key]
        if key not in self._raw:
            raise KeyError(name)
        if key in self._busy:
            raise ExpressionError(f"{self._what} {name!r} refers to itself")
        self._busy.add(key)
        try:
            value = self._resolve(*self._raw[key])
        finally:
            self._busy.discard(key)
        self._done[key] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._raw.values())

    def __len__(self) -> int:
        return len(self._raw)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._raw


def _lookup(mapping: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    if isinstance(mapping, LazyValues):
        return (True, mapping[name]) if name in mapping else (False, None)
    if name in mapping:
        return True, mapping[name]
    lowered = name.lower()
    for key, value in mapping.items():
        if str(key).lower() == lowered:
            return True, value
    return False, None


def is_expression(text: Any) -> bool:
    """ARM's rule: ``[...]`` is an expression, ``[[...`` an escaped literal ``[...``."""
    return (
        isinstance(text, str)
        and text.startswith("[")
        and text.endswith("]")
        and not text.startswith("[[")
    )


# --- expressions -----------------------------------------------------------------------------


def _parse(text: str, ctx: EvalContext) -> Node:
    cached = ctx.ast_cache.get(text)
    if cached is None:
        try:
            cached = parse_expression(text, ctx.limits.max_depth)
        except ExpressionError as exc:
            cached = exc
        if len(ctx.ast_cache) < 50_000:
            ctx.ast_cache[text] = cached
    if isinstance(cached, ExpressionError):
        raise ExpressionError(str(cached))
    return cached


def evaluate_string(text: str, ctx: EvalContext) -> Any:
    """Evaluate one JSON string of a template; raises ExpressionError on invalid input."""
    if text.startswith("[["):
        return text[1:]
    if not is_expression(text):
        return text
    return _eval(_parse(text[1:-1], ctx), ctx)


def _eval(node: Node, ctx: EvalContext) -> Any:
    ctx.budget.tick()
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Call):
        budget = ctx.budget
        budget.depth += 1
        try:
            if budget.depth > ctx.limits.max_depth:
                raise ExpressionError(f"evaluation nested deeper than {ctx.limits.max_depth}")
            return _call(node, ctx)
        finally:
            budget.depth -= 1
    if isinstance(node, Property):
        return _member(_eval(node.base, ctx), node.name)
    return _member(_eval(node.base, ctx), _eval(node.index, ctx))


def _member(base: Any, key: Any) -> Any:
    """``base.key`` / ``base[key]``: property names are case-insensitive in ARM."""
    if isinstance(base, Unknown):
        return base
    if isinstance(key, Unknown):
        return key
    if isinstance(base, dict) and isinstance(key, str):
        if key in base:
            return base[key]
        for name, value in base.items():
            if str(name).lower() == key.lower():
                return value
        raise ExpressionError(f"the object has no property {key!r}")
    if isinstance(base, list) and isinstance(key, int) and not isinstance(key, bool):
        if 0 <= key < len(base):
            return base[key]
        raise ExpressionError(f"index {key} is outside an array of {len(base)} elements")
    raise ExpressionError(f"cannot index {type_name(base)} with {type_name(key)}")


def _fn_if(node: Call, ctx: EvalContext) -> Any:
    if len(node.args) != 3:
        raise ExpressionError("if() takes 3 arguments")
    condition = as_condition(_eval(node.args[0], ctx), "if")
    if isinstance(condition, bool):
        return _eval(node.args[1 if condition else 2], ctx)
    when_true, when_false = _eval(node.args[1], ctx), _eval(node.args[2], ctx)
    if type(when_true) is type(when_false) and when_true == when_false:
        return when_true
    return Unknown(f"condition unknown: {condition.reason}")


def _fn_logic(node: Call, ctx: EvalContext, stop: bool) -> Any:
    """``and`` (stop=False) / ``or`` (stop=True): a deciding known value wins over unknowns."""
    name = "or" if stop else "and"
    if len(node.args) < 2:
        raise ExpressionError(f"{name}() takes at least 2 arguments")
    pending: Unknown | None = None
    for arg in node.args:
        value = as_condition(_eval(arg, ctx), name)
        if isinstance(value, Unknown):
            pending = pending or value
        elif value is stop:
            return stop
    return pending if pending is not None else not stop


def _fn_copy_index(args: list[Any], ctx: EvalContext) -> Any:
    name: str | None = None
    offset: Any = 0
    if args and isinstance(args[0], str):
        name, args = args[0], args[1:]
    if args:
        offset = args[0]
    if len(args) > 1:
        raise ExpressionError("copyIndex() takes a loop name and an offset at most")
    key = name.lower() if name else None
    if key not in ctx.copy_indexes:
        where = f"copy loop {name!r}" if name else "a copy loop"
        raise ExpressionError(f"copyIndex() used outside {where}")
    index = ctx.copy_indexes[key]
    unknown = first_unknown([index, offset])
    if unknown is not None:
        return unknown
    if not isinstance(offset, int) or isinstance(offset, bool):
        raise ExpressionError("copyIndex(): the offset must be an int")
    return index + offset


def _fn_named(args: list[Any], mapping: Mapping[str, Any], what: str) -> Any:
    if len(args) == 1 and isinstance(args[0], Unknown | ResourceRef):
        # a computed name (``variables(concat('x', parameters('p')))``) that is not known
        return Unknown(f"the {what} name is unknown: {unknown_reason(args[0])}")
    if len(args) != 1 or not isinstance(args[0], str):
        raise ExpressionError(f"{what}s() takes one name")
    found, value = _lookup(mapping, args[0])
    if not found:
        raise ExpressionError(f"{what} {args[0]!r} is not declared")
    return value


def _fn_lambda(node: Call, ctx: EvalContext) -> _Lambda:
    if len(node.args) < 2:
        raise ExpressionError("lambda() takes parameter names and a body")
    names = tuple(_eval(arg, ctx) for arg in node.args[:-1])
    if not all(isinstance(n, str) for n in names):
        raise ExpressionError("lambda(): parameter names must be strings")
    return _Lambda(names, node.args[-1], ctx)


class _ArmLambdas:
    """ARM's ``lambda()`` values for the functions that take lambdas."""

    def parameters(self, value: Any) -> int | None:
        return len(value.parameters) if isinstance(value, _Lambda) else None

    def call(self, function: _Lambda, values: list[Any]) -> Any:
        bound = dict(function.ctx.lambda_vars)
        bound.update({p.lower(): v for p, v in zip(function.parameters, values, strict=True)})
        return _eval(function.body, function.ctx.child(lambda_vars=bound))


def _fn_user(name: str, args: list[Any], ctx: EvalContext) -> Any:
    found, function = _lookup(ctx.functions, name)
    if not found:
        return Unknown(f"function {name}() is not defined in the template")
    if len(args) != len(function.parameters):
        raise ExpressionError(f"{name}() takes {len(function.parameters)} argument(s)")
    inner = ctx.child(
        parameters=dict(zip(function.parameters, args, strict=True)),
        variables={},
        copy_indexes={},
        lambda_vars={},
    )
    return evaluate_tree(function.output, inner)


_RUNTIME_ONLY = frozenset({"reference", "resourceinfo", "listaccountsas", "listservicesas"})


def _call(node: Call, ctx: EvalContext) -> Any:
    """A function call: special forms see their arguments unevaluated; the rest read the
    template's context or go to the function library."""
    name = node.name
    if name == "if":
        return _fn_if(node, ctx)
    if name in ("and", "or"):
        return _fn_logic(node, ctx, stop=name == "or")
    if name == "lambda":
        return _fn_lambda(node, ctx)
    if name in _RUNTIME_ONLY or name.startswith("list"):
        return Unknown(f"{name}() reads the deployed state of a resource")
    args = [_eval(arg, ctx) for arg in node.args]
    if "." in name:
        return _fn_user(name, args, ctx)
    if name in _CONTEXT_FUNCTIONS:
        return _CONTEXT_FUNCTIONS[name](args, ctx)
    if name in LAMBDA_FUNCTIONS:
        return lambdas.call(name, args, _ArmLambdas())
    if not functions.knows(name):
        return Unknown(f"function {name}() is not evaluated by iacjit")
    return functions.call(name, args, ctx, opaque=(_Lambda,))


# Functions that read the template's own context rather than compute from their arguments.
_CONTEXT_FUNCTIONS: dict[str, Callable[[list[Any], EvalContext], Any]] = {
    "parameters": lambda args, ctx: _fn_named(args, ctx.parameters, "parameter"),
    "variables": lambda args, ctx: _fn_named(args, ctx.variables, "variable"),
    "copyindex": lambda args, ctx: _fn_copy_index(args, ctx),
    "lambdavariables": lambda args, ctx: _fn_named(
        [a.lower() if isinstance(a, str) else a for a in args], ctx.lambda_vars,
        "lambda variable"),
}


# --- whole JSON values -----------------------------------------------------------------------


def _loop_specs(value: Any) -> list[dict[str, Any]] | None:
    """The specs of a property ``copy`` array, or None when ``copy`` is an ordinary property."""
    if not isinstance(value, list) or not value:
        return None
    if all(isinstance(s, dict) and {"name", "count", "input"} <= s.keys() for s in value):
        return value
    return None


def loop_count(raw: Any, ctx: EvalContext, what: str, parent: Any = None) -> int | Unknown:
    """Evaluate a ``copy.count``; raises ExpressionError when it is invalid or too large."""
    count = evaluate_tree(raw, ctx, parent=parent, key="count")
    if isinstance(count, Unknown):
        return Unknown(f"the count of {what} is unknown: {count.reason}")
    if isinstance(count, str) and count.strip().isdigit():
        count = int(count)
    if not isinstance(count, int) or isinstance(count, bool):
        raise ExpressionError(f"the count of {what} is not an int: {count!r}")
    if count < 0:
        raise ExpressionError(f"the count of {what} is negative ({count})")
    if count > ctx.limits.max_loop_items:
        raise ExpressionError(
            f"the count of {what} ({count}) exceeds the limit of {ctx.limits.max_loop_items}"
        )
    return count


def _property_loop(spec: dict[str, Any], ctx: EvalContext, path: tuple[Any, ...],
                   sink: SpanSink | None) -> tuple[str, Any]:
    name = evaluate_tree(spec["name"], ctx, parent=spec, key="name")
    if not isinstance(name, str):
        raise ExpressionError(f"a property copy loop name must be a string, got {name!r}")
    count = loop_count(spec["count"], ctx, f"property copy loop {name!r}", spec)
    if isinstance(count, Unknown):
        return name, count
    items = []
    for index in range(count):
        inner = ctx.with_copy_index(name, index, default=False)
        item_path = (*path, name, index)
        if sink:
            sink(item_path, spec, "input")
        items.append(evaluate_tree(spec["input"], inner, parent=spec, key="input",
                                   path=item_path, sink=sink))
    return name, items


def _tree_dict(value: dict[str, Any], ctx: EvalContext, path: tuple[Any, ...],
               sink: SpanSink | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    specs = _loop_specs(value.get("copy")) if "copy" in value else None
    for key, item in value.items():
        if specs is not None and key == "copy":
            continue
        name: Any = key
        if is_expression(key):
            try:
                name = evaluate_string(key, ctx)
            except ExpressionError as exc:
                ctx.problem(f"invalid property name {key!r}: {exc}", value, key)
            if not isinstance(name, str):
                name = key
        if sink:
            sink((*path, name), value, key)
        out[name] = evaluate_tree(item, ctx, parent=value, key=key, path=(*path, name), sink=sink)
    for position, spec in enumerate(specs or ()):
        try:
            name, items = _property_loop(spec, ctx, path, sink)
        except ExpressionError as exc:
            ctx.problem(f"property copy loop: {exc}", value["copy"], position)
            continue
        if sink:
            sink((*path, name), value["copy"], position)
        out[name] = items
    return out


def _quote(expression: str, limit: int = 120) -> str:
    """The expression for a message: a hostile one may be megabytes long."""
    if len(expression) <= limit:
        return repr(expression)
    return f"{expression[:limit]!r}... ({len(expression)} characters)"


def evaluate_tree(
    value: Any,
    ctx: EvalContext,
    *,
    parent: Any = None,
    key: Any = None,
    path: tuple[Any, ...] = (),
    sink: SpanSink | None = None,
) -> Any:
    """Evaluate every expression inside *value*, materialising property ``copy`` loops.

    *parent*/*key* say where *value* sits in the source document (for problem locations);
    *sink* is told the source position of every nested value by its evaluated path, which is
    how resources get spans for e.g. ``("properties", "securityRules", 2)``.
    """
    if isinstance(value, str):
        try:
            return evaluate_string(value, ctx)
        except ExpressionError as exc:
            ctx.problem(f"invalid expression {_quote(value)}: {exc}", parent, key)
            return Unknown(f"invalid expression: {exc}")
        except RecursionError:
            ctx.problem(f"expression {_quote(value)} nests too deeply", parent, key)
            return Unknown("expression nests too deeply")
    if not isinstance(value, dict | list):
        return value
    budget = ctx.budget
    budget.tick()
    budget.depth += 1
    try:
        if budget.depth > ctx.limits.max_depth:
            ctx.problem(f"value nested deeper than {ctx.limits.max_depth} levels", parent, key)
            return Unknown("value nested too deeply")
        if isinstance(value, dict):
            return _tree_dict(value, ctx, path, sink)
        items = []
        for index, item in enumerate(value):
            if sink:
                sink((*path, index), value, index)
            items.append(evaluate_tree(item, ctx, parent=value, key=index,
                                       path=(*path, index), sink=sink))
        return items
    finally:
        budget.depth -= 1


def evaluate(text_or_value: Any, context: EvalContext) -> Any:
    """Evaluate an expression string or a JSON value holding expressions (see module doc)."""
    return evaluate_tree(text_or_value, context)

