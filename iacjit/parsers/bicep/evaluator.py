"""Evaluate Bicep expressions (our AST) to plain values, never guessing.

Anything that cannot be known before deployment becomes :class:`Unknown` with a reason and
flows through operators and functions; ``false && x`` and ``true || x`` still decide.  The
evaluator never raises on user input: type errors, missing properties and exceeded limits are
Unknowns too.  Identifiers that are not local (loop variables, lambda parameters) are looked up
through the ``resolve`` callback, so the template layer can evaluate declarations lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from iacjit.model.raw import Span
from iacjit.model.values import Unknown
from iacjit.parsers.arm.values import Budget
from iacjit.parsers.bicep import ast as A
from iacjit.parsers.bicep import functions as F
from iacjit.parsers.bicep.values import Closure, ModuleHandle, ResourceHandle
from iacjit.parsers.common.options import Limits

STEPS_PER_LOOP_ITEM = 200
Path = tuple[Any, ...]
Spans = dict[Path, Span]


class Evaluator:
    """One evaluator per template instance (a file evaluated with one set of parameters)."""

    def __init__(
        self,
        resolve: Callable[[str], Any],
        max_depth: int,
        max_loop_items: int,
        max_string_chars: int,
        user_functions: Mapping[str, A.FuncDecl] | None = None,
    ) -> None:
        self.resolve = resolve
        self.max_depth = max_depth
        self.max_loop_items = max_loop_items
        self.max_string_chars = max_string_chars
        self.user_functions = user_functions or {}
        self.depth = 0
        # Every evaluation step counts; past the budget everything is Unknown at once, so
        # nested loops and function calls cannot multiply into a hang.
        self.steps = 0
        self.max_steps = STEPS_PER_LOOP_ITEM * max_loop_items
        self._calling: set[str] = set()
        # (namespace, name) -> an imported function and its file's evaluator, set by the run.
        self.imported: Callable[[str, str], Any] | None = None
        self.arm = F.ArmContext(
            Limits(max_depth=max_depth, max_loop_items=max_loop_items,
                   max_string_chars=max_string_chars),
            Budget(self.max_steps),
        )

    # F.Context protocol
    def call(self, closure: Closure, args: list[Any]) -> Any:
        env = dict(closure.env)
        env.update(zip(closure.params, args, strict=False))
        return self.eval(closure.body, env)

    def eval(
        self, node: A.Node, env: dict[str, Any], spans: Spans | None = None, path: Path = ()
    ) -> Any:
        """Evaluate *node*; when *spans* is given, record the lines of nested literals by path."""
        self.depth += 1
        self.steps += 1
        try:
            if self.depth > self.max_depth:
                return Unknown(f"evaluation nested deeper than {self.max_depth} levels")
            if self.steps > self.max_steps:
                return Unknown(f"evaluation took more than {self.max_steps} steps")
            return self._eval(node, env, spans, path)
        finally:
            self.depth -= 1

    def _eval(self, node: A.Node, env: dict[str, Any], spans: Spans | None, path: Path) -> Any:
        if isinstance(node, A.Lit):
            return node.value
        if isinstance(node, A.Ident):
            return env[node.name] if node.name in env else self.resolve(node.name)
        if isinstance(node, A.Interp):
            return self._interp(node, env)
        if isinstance(node, A.Obj):
            return self._object(node.pairs, env, spans, path)
        if isinstance(node, A.Arr):
            return self._array(node, env, spans, path)
        if isinstance(node, A.NonNull):
            return self.eval(node.operand, env, spans, path)
        if isinstance(node, A.For):
            return self._for(node, env, spans, path)
        if isinstance(node, A.Member):
            return self.member(self.eval(node.target, env), node.name, node.safe)
        if isinstance(node, A.Index):
            return self._index(self.eval(node.target, env), self.eval(node.index, env), node.safe)
        if isinstance(node, A.NestedRef):
            target = self.eval(node.target, env)
            if isinstance(target, ResourceHandle):
                if node.name in target.children:
                    return target.children[node.name]
                return Unknown(f"{target.symbol} has no nested resource {node.name!r}")
            return (
                target
                if isinstance(target, Unknown)
                else Unknown(f"'::{node.name}' needs a resource on its left")
            )
        if isinstance(node, A.Call):
            return self._call(node, env)
        if isinstance(node, A.MethodCall):
            if isinstance(node.target, A.Ident) and node.target.name not in env:
                # ``ns.fn()`` on an ``import * as ns`` namespace is a function call.
                call = A.Call(node.line, node.end_line, node.name, node.args, node.target.name)
                found = self.imported(node.target.name, node.name) if self.imported else None
                if found is not None:
                    return self._call(call, env)
            return Unknown(f"{node.name}() is evaluated at deployment time")
        if isinstance(node, A.Lambda):
            return Closure(node.params, node.body, dict(env))
        if isinstance(node, A.Unary):
            return self._unary(node.op, self.eval(node.operand, env))
        if isinstance(node, A.Binary):
            return self._binary(node, env)
        if isinstance(node, A.Cond):
            return self._cond(node, env, spans, path)
        return Unknown(f"{type(node).__name__} cannot be used as a value here")

    # -- pieces --------------------------------------------------------------------------
    def _object(
        self, pairs: tuple[A.Pair | A.Spread, ...], env: dict[str, Any], spans: Spans | None,
        path: Path,
    ) -> Any:
        """Properties in source order; a spread or a later key overrides an earlier one."""
        out: dict[str, Any] = {}
        for pair in pairs:
            if isinstance(pair, A.Spread):
                value = self.eval(pair.value, env)
                if isinstance(value, Unknown):
                    return value
                if not isinstance(value, dict):
                    return Unknown("'...' in an object needs an object")
                out.update(value)
                continue
            key = self.key(pair, env)
            if isinstance(key, Unknown):
                return Unknown(f"a property name is not known: {key.reason}")
            if spans is not None:
                spans[(*path, key)] = Span(pair.line, pair.end_line)
            out[key] = self.eval(pair.value, env, spans, (*path, key))
        return out

    def key(self, pair: A.Pair, env: dict[str, Any]) -> Any:
        """The name of a property: as written, or its evaluated ``'${…}'`` interpolation."""
        if pair.key_node is None:
            return pair.key
        value = self.eval(pair.key_node, env)
        return value if isinstance(value, str | Unknown) else Unknown("a key is not a string")

    def _array(self, node: A.Arr, env: dict[str, Any], spans: Spans | None, path: Path) -> Any:
        items: list[Any] = []
        for item in node.items:
            if isinstance(item, A.Spread):
                value = self.eval(item.value, env)
                if isinstance(value, Unknown):
                    return value
                if not isinstance(value, list):
                    return Unknown("'...' in an array needs an array")
                items.extend(value)
                continue
            index = len(items)
            if spans is not None:
                spans[(*path, index)] = Span(item.line, item.end_line)
            items.append(self.eval(item, env, spans, (*path, index)))
        if len(items) > self.max_loop_items:
            return Unknown(f"array longer than the limit of {self.max_loop_items} items")
        return items

    def _interp(self, node: A.Interp, env: dict[str, Any]) -> Any:
        out: list[str] = []
        size = 0
        for part in node.parts:
            if isinstance(part, str):
                text = part
            else:
                value = self.eval(part, env)
                text = F.to_string(value, self.max_string_chars)
                if isinstance(text, Unknown):
                    return text
            size += len(text)
            if size > self.max_string_chars:
                return Unknown(f"string longer than the limit of {self.max_string_chars}")
            out.append(text)
        return "".join(out)

    def _for(self, node: A.For, env: dict[str, Any], spans: Spans | None, path: Path) -> Any:
        sequence = self.loop_items(node, env)
        if isinstance(sequence, Unknown):
            return sequence
        out: list[Any] = []
        for index, item in enumerate(sequence):
            local = self.loop_env(node, env, item, index)
            body = node.body
            if isinstance(body, A.IfBody):  # a filtered loop keeps the items whose test holds
                keep = self.eval(body.test, local)
                if keep is False:
                    continue
                if keep is not True:
                    reason = keep.reason if isinstance(keep, Unknown) else "not a boolean"
                    return Unknown(f"the filter of the loop on line {node.line} is not known "
                                   f"({reason})")
                body = body.body
            position = len(out)
            if spans is not None:
                spans[(*path, position)] = Span(body.line, body.end_line)
            out.append(self.eval(body, local, spans, (*path, position)))
        return out

    def loop_items(self, node: A.For, env: dict[str, Any]) -> list[Any] | Unknown:
        """The collection a ``for`` iterates, bounded; Unknown when it cannot be known."""
        value = self.eval(node.iterable, env)
        if isinstance(value, Unknown):
            return Unknown(f"loop over a collection that is not known: {value.reason}")
        if not isinstance(value, list):
            return Unknown("loop over something that is not an array")
        if len(value) > self.max_loop_items:
            return Unknown(
                f"loop over {len(value)} items exceeds the limit of {self.max_loop_items}"
            )
        return value

    @staticmethod
    def loop_env(node: A.For, env: dict[str, Any], item: Any, index: int) -> dict[str, Any]:
        local = dict(env)
        local[node.item] = item
        if node.index:
            local[node.index] = index
        return local

    def member(self, target: Any, name: str, safe: bool = False) -> Any:
        if isinstance(target, Unknown):
            return target
        if isinstance(target, ResourceHandle | ModuleHandle):
            return target.member(name)
        if isinstance(target, dict):
            if name in target:
                return target[name]
            lowered = name.lower()
            for key, value in target.items():
                if key.lower() == lowered:
                    return value
            return None if safe else Unknown(f"the object has no property {name!r}")
        if target is None and safe:
            return None
        if isinstance(target, list) and target and isinstance(target[0], ResourceHandle):
            return Unknown(f"'.{name}' on a resource collection needs an index")
        return Unknown(f"cannot read property {name!r} of {type(target).__name__} {target!r:.40}")

    def _index(self, target: Any, index: Any, safe: bool) -> Any:
        if isinstance(target, Unknown):
            return target
        if isinstance(index, Unknown):
            return index
        if isinstance(target, list) and isinstance(index, int) and not isinstance(index, bool):
            if 0 <= index < len(target):
                return target[index]
            return None if safe else Unknown(f"index {index} is out of range")
        if isinstance(target, dict | ResourceHandle | ModuleHandle) and isinstance(index, str):
            return self.member(target, index, safe)
        if target is None and safe:
            return None
        return Unknown("cannot index this value")

    def _call(self, node: A.Call, env: dict[str, Any]) -> Any:
        args = [self.eval(arg, env) for arg in node.args]
        decl = None if node.namespace else self.user_functions.get(node.name)
        if decl is not None:
            return self.invoke(decl, args)
        found = self.imported(node.namespace, node.name) if self.imported else None
        if isinstance(found, Unknown):
            return found
        if found is not None:
            return found[1].invoke(found[0], args)
        if node.namespace:
            return Unknown(f"{node.namespace}.{node.name}() is not an imported function")
        return F.call(self, node.name, args)

    def invoke(self, decl: A.FuncDecl, args: list[Any]) -> Any:
        """Call a user-defined function of this evaluator's file."""
        if decl.name in self._calling:
            return Unknown(f"function {decl.name}() calls itself")
        if len(args) != len(decl.params):
            return Unknown(f"{decl.name}() takes {len(decl.params)} argument(s)")
        # A Bicep function sees only its parameters (and other functions).
        self._calling.add(decl.name)
        try:
            return self.eval(decl.body, dict(zip(decl.params, args, strict=True)))
        finally:
            self._calling.discard(decl.name)

    @staticmethod
    def _unary(op: str, value: Any) -> Any:
        if isinstance(value, Unknown):
            return value
        if op == "!":
            return not value if isinstance(value, bool) else Unknown("'!' needs a boolean")
        if isinstance(value, int) and not isinstance(value, bool):
            return value if op == "+" else -value
        return Unknown(f"'{op}' needs an integer")

    def _binary(self, node: A.Binary, env: dict[str, Any]) -> Any:
        op = node.op
        left = self.eval(node.left, env)
        if op in ("&&", "||"):
            decisive = op == "||"  # the value that decides alone
            if left is decisive:
                return decisive
            right = self.eval(node.right, env)
            if right is decisive:
                return decisive
            for value in (left, right):
                if isinstance(value, Unknown):
                    return value
                if not isinstance(value, bool):
                    return Unknown(f"'{op}' needs booleans")
            return not decisive
        if op == "??":
            if isinstance(left, Unknown):
                return left
            return self.eval(node.right, env) if left is None else left
        right = self.eval(node.right, env)
        for value in (left, right):
            if isinstance(value, Unknown):
                return value
        return binary(op, left, right, self.max_string_chars)

    def _cond(self, node: A.Cond, env: dict[str, Any], spans: Spans | None, path: Path) -> Any:
        test = self.eval(node.test, env)
        if test is True:
            return self.eval(node.then, env, spans, path)
        if test is False:
            return self.eval(node.otherwise, env, spans, path)
        then, otherwise = self.eval(node.then, env), self.eval(node.otherwise, env)
        if not isinstance(then, Unknown) and strict_equal(then, otherwise):
            return then
        reason = test.reason if isinstance(test, Unknown) else "condition is not a boolean"
        return Unknown(f"depends on a condition that is not known: {reason}")


def strict_equal(left: Any, right: Any) -> bool:
    """Equality that keeps booleans and integers apart (Python's ``True == 1`` is not ARM's)."""
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(strict_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(
            strict_equal(a, b) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, ResourceHandle):
        left = left.id
    if isinstance(right, ResourceHandle):
        right = right.id
    return type(left) is type(right) and left == right


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def binary(op: str, left: Any, right: Any, max_string_chars: int) -> Any:
    """Known operands only.  Type mismatches are Unknown (Bicep would reject the file)."""
    if op == "==":
        return strict_equal(left, right)
    if op == "!=":
        return not strict_equal(left, right)
    if op in ("=~", "!~"):
        if not (isinstance(left, str) and isinstance(right, str)):
            return Unknown(f"'{op}' needs strings")
        same = left.lower() == right.lower()
        return same if op == "=~" else not same
    if op in ("<", "<=", ">", ">="):
        if not (
            (_is_int(left) and _is_int(right)) or (isinstance(left, str) and isinstance(right, str))
        ):
            return Unknown(f"'{op}' needs two integers or two strings")
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        if len(left) + len(right) > max_string_chars:
            return Unknown("string longer than the limit")
        return left + right
    if not (_is_int(left) and _is_int(right)):
        return Unknown(f"'{op}' needs integers")
    if op in ("+", "-", "*"):
        result = left + right if op == "+" else left - right if op == "-" else left * right
        if not INT64_MIN <= result <= INT64_MAX:
            return Unknown("integer overflow (ARM integers are 64-bit)")
        return result
    if right == 0:
        return Unknown("division by zero")
    quotient = abs(left) // abs(right)
    if op == "/":
        return quotient if (left >= 0) == (right >= 0) else -quotient
    remainder = abs(left) - quotient * abs(right)  # "%": sign follows the dividend, as in .NET
    return remainder if left >= 0 else -remainder
