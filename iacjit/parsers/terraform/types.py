"""Terraform type constraints on variables: parsed from the AST, applied as Terraform does.

A module sees its inputs only after Terraform converted them to the declared type: omitted
``optional()`` object attributes exist (null, or their default), numbers given as strings are
numbers, sets have no duplicates, extra object attributes are gone.  Reading a module without
this makes its own ``each.value.destination_port_ranges`` fail ("no attribute"), which turns an
open rule into an unresolved one.  An input that cannot be converted is what Terraform refuses
at plan time: :class:`Mismatch` carries the path to the offending value so the caller can
report it where the value was written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iacjit.model.values import ResourceRef, Unknown
from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.terraform import ast
from iacjit.parsers.terraform.evaluator import Lazy
from iacjit.parsers.terraform.functions import EvalError, to_number

PRIMITIVES = ("string", "number", "bool", "any")
COLLECTIONS = ("list", "set", "map")


class Mismatch(Exception):
    """A value that the type constraint does not accept, and where inside the value."""

    def __init__(self, message: str, path: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.path = path

    def describe(self) -> str:
        return ": ".join((*self.path, self.message))


@dataclass(frozen=True)
class Primitive:
    name: str  # string, number, bool or any


@dataclass(frozen=True)
class Collection:
    kind: str  # list, set or map
    element: Any


@dataclass(frozen=True)
class Attribute:
    type: Any
    optional: bool = False
    default: Any = None  # only with optional(T, default); already converted to T


@dataclass(frozen=True)
class ObjectType:
    attributes: tuple[tuple[str, Attribute], ...]


@dataclass(frozen=True)
class TupleType:
    elements: tuple[Any, ...]


ANY = Primitive("any")


def parse_type(node: Any, constant: Callable[[Any], Any]) -> Any:
    """The type a ``type =`` expression declares.

    *constant* evaluates an ``optional(T, default)`` default (a constant expression).
    """
    if isinstance(node, ast.Name) or (isinstance(node, ast.Literal)
                                      and isinstance(node.value, str)):
        # A quoted name ("string", "list", "map") is the pre-0.12 spelling, still accepted.
        name = node.name if isinstance(node, ast.Name) else node.value
        if name in PRIMITIVES:
            return Primitive(name)
        if name in COLLECTIONS:
            return Collection(name, ANY)
        raise ParseError(f"{name!r} is not a type (expected string, number, bool, any, "
                              "list(...), set(...), map(...), object({...}) or tuple([...]))")
    if not isinstance(node, ast.Call):
        raise ParseError("a type constraint is a type name or a type constructor call")
    if node.name == "optional":
        raise ParseError("optional() is only allowed on an attribute of object({...})")
    if len(node.args) != 1:
        raise ParseError(f"{node.name}() takes exactly one argument")
    arg = node.args[0]
    if node.name in COLLECTIONS:
        return Collection(node.name, parse_type(arg, constant))
    if node.name == "object" and isinstance(arg, ast.ObjectExpr):
        return ObjectType(tuple(_attribute(key, value, constant) for key, value in arg.items))
    if node.name == "tuple" and isinstance(arg, ast.TupleExpr):
        return TupleType(tuple(parse_type(item, constant) for item in arg.items))
    raise ParseError(f"{node.name}(...) is not a type constructor (expected list, set, "
                          "map, object or tuple)")


def _attribute(key: Any, value: Any, constant: Callable[[Any], Any]) -> tuple[str, Attribute]:
    if not (isinstance(key, ast.Literal) and isinstance(key.value, str)):
        raise ParseError("an object type attribute name must be a plain name")
    name = key.value
    if not (isinstance(value, ast.Call) and value.name == "optional"):
        return name, Attribute(parse_type(value, constant))
    if not 1 <= len(value.args) <= 2:
        raise ParseError("optional() takes a type and an optional default value")
    inner = parse_type(value.args[0], constant)
    if len(value.args) == 1:
        return name, Attribute(inner, optional=True)
    try:
        default = convert(constant(value.args[1]), inner)
    except Mismatch as exc:
        raise ParseError(f"the default of attribute {name!r} does not match its type: "
                              f"{exc.describe()}") from None
    return name, Attribute(inner, optional=True, default=default)


def _opaque(value: Any) -> bool:
    """Values whose shape is not known here: left as they are, never guessed."""
    return isinstance(value, Unknown | ResourceRef | Lazy)


def convert(value: Any, type_: Any, path: tuple[str, ...] = ()) -> Any:
    """*value* converted to *type_* as Terraform converts a variable's value; raises Mismatch."""
    if value is None or _opaque(value):
        return value
    if isinstance(type_, Primitive):
        return _primitive(value, type_.name, path)
    if isinstance(type_, Collection):
        return _collection(value, type_, path)
    if isinstance(type_, ObjectType):
        return _object(value, type_, path)
    if isinstance(type_, TupleType):
        if not isinstance(value, list):
            raise Mismatch(f"a tuple is required, got {_kind(value)}", path)
        if len(value) != len(type_.elements):
            raise Mismatch(f"a tuple of {len(type_.elements)} elements is required, got "
                           f"{len(value)}", path)
        return [convert(item, element, (*path, f"element {index}"))
                for index, (item, element) in enumerate(zip(value, type_.elements,
                                                             strict=True))]
    return value


def _primitive(value: Any, name: str, path: tuple[str, ...]) -> Any:
    if name == "any":
        return value
    if isinstance(value, dict | list):
        raise Mismatch(f"a {name} is required, got {_kind(value)}", path)
    if name == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    if name == "number":
        if isinstance(value, bool):
            raise Mismatch("a number is required, got a bool", path)
        try:
            return to_number(value)
        except EvalError:
            raise Mismatch(f"a number is required, got {value!r}", path) from None
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise Mismatch(f"a bool is required, got {value!r}", path)


def _collection(value: Any, type_: Collection, path: tuple[str, ...]) -> Any:
    if type_.kind == "map":
        if not isinstance(value, dict):
            raise Mismatch(f"a map is required, got {_kind(value)}", path)
        return {key: convert(item, type_.element, (*path, f'element "{key}"'))
                for key, item in value.items()}
    if not isinstance(value, list):
        raise Mismatch(f"a {type_.kind} is required, got {_kind(value)}", path)
    items = [convert(item, type_.element, (*path, f"element {index}"))
             for index, item in enumerate(value)]
    if type_.kind == "set":
        unique: list[Any] = []
        for item in items:
            if item not in unique:
                unique.append(item)
        items = unique
    return items


def _object(value: Any, type_: ObjectType, path: tuple[str, ...]) -> Any:
    if not isinstance(value, dict):
        raise Mismatch(f"an object is required, got {_kind(value)}", path)
    out: dict[str, Any] = {}
    for name, attribute in type_.attributes:
        given = value.get(name)
        if given is not None:
            out[name] = convert(given, attribute.type, (*path, f'attribute "{name}"'))
        elif attribute.optional:
            # Omitted or null: the default (already converted), else null.
            out[name] = attribute.default
        elif name in value:
            out[name] = None  # a required attribute may be null explicitly
        else:
            raise Mismatch(f'attribute "{name}" is required', path)
    return out


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, int | float):
        return "a number"
    return "a string"
