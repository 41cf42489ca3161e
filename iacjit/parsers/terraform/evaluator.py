"""Evaluate our HCL AST against one module instance.

Values are plain Python data; what cannot be known becomes Unknown (with the reason) or a
ResourceRef (linkable, known after apply).  Operations on them stay Unknown rather than guess.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, Protocol

from iacjit.model.values import (
    ResourceRef,
    Unknown,
    is_known,
    string_pattern,
    unknown_reason,
)
from iacjit.parsers.terraform import ast
from iacjit.parsers.terraform.functions import EvalError, LimitError, call, to_number


class Resolver(Protocol):
    """What a scope needs from its module: the values behind top-level names."""

    def resolve(self, name: str, scope: Scope) -> Any: ...

    max_items: int
    max_chars: int


class Lazy:
    """A namespace (``var``, ``local``, a resource, a module) read one attribute at a time."""

    def __init__(self, label: str, getter: Callable[[str], Any]):
        self.label = label
        self._getter = getter

    def get(self, name: str) -> Any:
        return self._getter(name)


class Scope:
    """Bindings (count, each, for-expression and dynamic iterators) over a module resolver."""

    def __init__(self, resolver: Resolver, bindings: dict[str, Any] | None = None, depth: int = 0):
        self.resolver = resolver
        self.bindings = bindings or {}
        self.depth = depth

    def child(self, **bindings: Any) -> Scope:
        return Scope(self.resolver, {**self.bindings, **bindings}, self.depth)


_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "%": operator.mod, "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge,
}

MAX_DEPTH = 100


def _over(scope: Scope, message: str) -> Unknown:
    """An Unknown for a value over a scan limit, reported by the module (when it can)."""
    report = getattr(scope.resolver, "over_limit", None)
    return report(message) if report else Unknown(message)


def _bounded(value: Any, scope: Scope) -> Any:
    """*value*, or Unknown when it expands to too many elements or characters.

    Values share structure: ``[local.a, local.a]`` doubles in size without costing memory,
    and forty such locals are 2**40 elements once jsonencode(), flatten() or a rule walks
    them.  The walk stops at the limit, so checking costs at most the limit.
    """
    if not isinstance(value, list | dict | str):
        return value
    max_nodes = 10 * scope.resolver.max_items
    max_chars = 10 * scope.resolver.max_chars
    nodes = chars = 0
    stack = [value]
    while stack:
        item = stack.pop()
        nodes += 1
        if isinstance(item, str):
            chars += len(item)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        if nodes > max_nodes:
            return _over(scope, f"a value with more than {max_nodes} elements (the loop limit "
                                "x 10; raise it with --max-loop-items)")
        if chars > max_chars:
            return _over(scope, f"a value holding more than {max_chars} characters (the string "
                                "limit x 10; raise it with --max-string-chars)")
    return value


def _first_unknown(*values: Any) -> Unknown | None:
    for value in values:
        if isinstance(value, Unknown):
            return value
        if isinstance(value, ResourceRef):
            return Unknown(unknown_reason(value) or str(value))
    return None


def _stringify(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None or isinstance(value, dict | list | Lazy):
        raise EvalError("cannot interpolate this value into a string")
    return str(value)


def get_attr(target: Any, name: str) -> Any:
    if isinstance(target, Lazy):
        return target.get(name)
    if isinstance(target, Unknown):
        return target
    if isinstance(target, ResourceRef):
        return ResourceRef(target.address, f"{target.attribute}.{name}")
    if isinstance(target, dict):
        if name in target:
            return target[name]
        raise EvalError(f"no attribute {name!r}")
    if isinstance(target, list):
        raise EvalError(f"a list has no attribute {name!r} (missing index or [*]?)")
    raise EvalError(f"cannot read attribute {name!r} of {type(target).__name__}")


def get_index(target: Any, key: Any) -> Any:
    if isinstance(target, Unknown):
        return target
    if isinstance(key, Unknown | ResourceRef):
        return _first_unknown(key)
    if isinstance(target, ResourceRef):
        return ResourceRef(target.address, f"{target.attribute}[{key!r}]")
    if isinstance(target, Lazy):
        return target.get(str(key))
    if isinstance(target, list):
        index = int(to_number(key))
        if not 0 <= index < len(target):
            raise EvalError(f"index {index} out of range")
        return target[index]
    if isinstance(target, dict):
        if key in target:
            return target[key]
        if str(key) in target:
            return target[str(key)]
        raise EvalError(f"key {key!r} not found")
    raise EvalError(f"cannot index {type(target).__name__}")


def _iterate(collection: Any) -> list[tuple[Any, Any]]:
    if isinstance(collection, dict):
        return [(k, collection[k]) for k in sorted(collection)]
    if isinstance(collection, list):
        return list(enumerate(collection))
    raise EvalError("a for expression needs a list, set or map")


def _truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise EvalError(f"not a bool: {value!r}")


def evaluate(node: Any, scope: Scope) -> Any:
    """Evaluate *node*; raises EvalError for expressions Terraform would reject."""
    if scope.depth > MAX_DEPTH:
        return Unknown("expression nests or recurses too deeply")
    scope = Scope(scope.resolver, scope.bindings, scope.depth + 1)
    kind = type(node)
    if kind is ast.Literal:
        return node.value
    if kind is ast.Name:
        if node.name in scope.bindings:
            return scope.bindings[node.name]
        return scope.resolver.resolve(node.name, scope)
    if kind is ast.GetAttr:
        return get_attr(evaluate(node.target, scope), node.name)
    if kind is ast.Index:
        return get_index(evaluate(node.target, scope), evaluate(node.key, scope))
    if kind is ast.Template:
        return _template(node, scope)
    if kind is ast.TupleExpr:
        return _bounded([evaluate(item, scope) for item in node.items], scope)
    if kind is ast.ObjectExpr:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.items:
            key = evaluate(key_node, scope)
            if not is_known(key):
                return _first_unknown(key)
            out[_stringify(key)] = evaluate(value_node, scope)
        return _bounded(out, scope)
    if kind is ast.Call:
        return _call(node, scope)
    if kind is ast.Conditional:
        condition = evaluate(node.condition, scope)
        if not is_known(condition):
            return _first_unknown(condition)
        return evaluate(node.true if _truth(condition) else node.false, scope)
    if kind is ast.BinOp:
        return _binop(node, scope)
    if kind is ast.Unary:
        value = evaluate(node.operand, scope)
        if not is_known(value):
            return _first_unknown(value)
        return (not _truth(value)) if node.op == "!" else -to_number(value)
    if kind is ast.Splat:
        return _splat(node, scope)
    if kind is ast.ForExpr:
        return _bounded(_for(node, scope), scope)
    if kind is ast.Unsupported:
        return Unknown(f"{node.what} is not evaluated by iacjit")
    raise EvalError(f"cannot evaluate {kind.__name__}")


def _template(node: ast.Template, scope: Scope) -> Any:
    if len(node.parts) == 1 and not isinstance(node.parts[0], str):
        # "${expr}" alone is exactly expr, not its text (the legacy interpolation-only form)
        return evaluate(node.parts[0], scope)
    pieces: list[str] = []
    size = 0
    for index, part in enumerate(node.parts):
        value = part if isinstance(part, str) else evaluate(part, scope)
        if not is_known(value):
            missing = _first_unknown(value) or Unknown("unknown value in a string")
            rest = [_pattern_part(p, scope) for p in node.parts[index + 1:]]
            return Unknown(missing.reason, string_pattern([*pieces, missing, *rest]))
        text = _stringify(value)
        size += len(text)
        if size > scope.resolver.max_chars:
            return _over(scope, f"a string longer than {scope.resolver.max_chars} characters "
                                "(raise the limit with --max-string-chars)")
        pieces.append(text)
    return "".join(pieces)


def _pattern_part(part: Any, scope: Scope) -> Any:
    """A later part of a string that is already unknown: its text when it is known (so
    ``"${rg.id}/providers/…/${vm.name}"`` keeps the VM's name), else an Unknown."""
    if isinstance(part, str):
        return part
    try:
        value = evaluate(part, scope)
    except EvalError:
        return Unknown("later part")
    return _stringify(value) if is_known(value) and isinstance(value, str | int | float) \
        else Unknown("later part")


def _call(node: ast.Call, scope: Scope) -> Any:
    if node.name in {"try", "can"}:
        for arg in node.args:
            try:
                value = evaluate(arg, scope)
            except EvalError:
                continue
            return True if node.name == "can" else value
        if node.name == "can":
            return False
        raise EvalError("try(): every argument failed")
    args = [evaluate(a, scope) for a in node.args]
    if node.expand_last and args:
        last = args.pop()
        if not is_known(last) and not isinstance(last, list):
            return _first_unknown(last)
        args.extend(last)
    try:
        result = call(node.name, tuple(args), scope.resolver.max_chars)
    except LimitError as exc:
        return _over(scope, f"{node.name}(): {exc}")
    if isinstance(result, str) and len(result) > scope.resolver.max_chars:
        return _over(scope, f"{node.name}(): a string longer than {scope.resolver.max_chars} "
                            "characters (raise the limit with --max-string-chars)")
    return _bounded(result, scope)


def _binop(node: ast.BinOp, scope: Scope) -> Any:
    left = evaluate(node.left, scope)
    if node.op in {"&&", "||"} and is_known(left):
        # Short-circuit on a known left side, as Terraform's result would not depend on the right.
        if node.op == "&&" and not _truth(left):
            return False
        if node.op == "||" and _truth(left):
            return True
        right = evaluate(node.right, scope)
        return _first_unknown(right) or _truth(right)
    right = evaluate(node.right, scope)
    missing = _first_unknown(left, right)
    if node.op == "==":
        return missing or left == right
    if node.op == "!=":
        return missing or left != right
    if missing or not (is_known(left) and is_known(right)):
        return missing or Unknown("unknown operand")
    if node.op in {"&&", "||"}:
        return _truth(left) and _truth(right) if node.op == "&&" else _truth(left) or _truth(right)
    try:
        result = _BINOPS[node.op](to_number(left), to_number(right))
    except ZeroDivisionError:
        raise EvalError("division by zero") from None
    if isinstance(result, float) and result.is_integer() and node.op != "/":
        return int(result)
    return result


def _splat(node: ast.Splat, scope: Scope) -> Any:
    target = evaluate(node.target, scope)
    if isinstance(target, Unknown):
        return target
    if target is None:
        return []
    items = target if isinstance(target, list) else [target]
    out = []
    for item in items:
        for op, arg in node.ops:
            item = get_attr(item, arg) if op == "attr" else get_index(item, evaluate(arg, scope))
        out.append(item)
    return out


def _for(node: ast.ForExpr, scope: Scope) -> Any:
    collection = evaluate(node.collection, scope)
    if isinstance(collection, Unknown | ResourceRef):
        return _first_unknown(collection)
    size = len(collection) if isinstance(collection, list | dict) else 0
    if size > scope.resolver.max_items:
        return _over(scope, f"for expression over {size} items exceeds the limit of "
                            f"{scope.resolver.max_items} (raise it with --max-loop-items)")
    # Nested loops multiply: every iteration of a module instance counts against one budget,
    # checked before the collection is even copied.
    steps = getattr(scope.resolver, "for_steps", 0) + size
    if hasattr(scope.resolver, "for_steps"):
        scope.resolver.for_steps = steps
    if steps > 10 * scope.resolver.max_items:
        return _over(scope, f"for expressions of this module ran more than "
                            f"{10 * scope.resolver.max_items} iterations (the loop limit x 10; "
                            "raise it with --max-loop-items)")
    pairs = _iterate(collection)
    tuple_out: list[Any] = []
    object_out: dict[str, Any] = {}
    for key, value in pairs:
        bindings = {node.value_var: value}
        if node.key_var:
            bindings[node.key_var] = key
        inner = scope.child(**bindings)
        if node.condition is not None:
            keep = evaluate(node.condition, inner)
            if not is_known(keep):
                return _first_unknown(keep)
            if not _truth(keep):
                continue
        if node.key is None:
            tuple_out.append(evaluate(node.value, inner))
            continue
        out_key = evaluate(node.key, inner)
        if not is_known(out_key):
            return _first_unknown(out_key)
        out_value = evaluate(node.value, inner)
        if node.group:
            object_out.setdefault(_stringify(out_key), []).append(out_value)
        else:
            object_out[_stringify(out_key)] = out_value
    return tuple_out if node.key is None else object_out


def evaluate_safely(node: Any, scope: Scope) -> Any:
    """Evaluate, turning an invalid expression into Unknown with its reason."""
    try:
        return evaluate(node, scope)
    except EvalError as exc:
        return Unknown(f"invalid expression: {exc}")
    except RecursionError:
        return Unknown("expression nests or recurses too deeply")
