"""Typed access to evaluated attributes, so a provider never assumes a shape.

Any attribute may hold an Unknown (an unset parameter, a data source), a ResourceRef, or a
value of the wrong type (a string where the template author meant an object).  A provider
reads through these accessors: an object it cannot see into becomes an :class:`Opaque`
mapping whose every key is that Unknown, and a list it cannot iterate becomes one Unknown
entry.  What is unknown therefore reaches the model as Unknown (reported as unresolved)
instead of raising ``AttributeError`` or being skipped as if it were absent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from iacjit.model.values import ResourceRef, Unknown, unknown_reason


class Opaque(Mapping[str, Any]):
    """An object whose contents are unknown: no keys, and every ``get`` is the Unknown."""

    def __init__(self, unknown: Unknown):
        self.unknown = unknown

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def get(self, key: str, default: Any = None) -> Any:
        return self.unknown

    def __repr__(self) -> str:
        return f"Opaque({self.unknown.reason!r})"


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def unknown_of(value: Any, what: str, expected: str) -> Unknown:
    """Why *value* cannot be read as *expected*: its own reason, or its wrong type."""
    if isinstance(value, Unknown | ResourceRef | Opaque):
        inner = value.unknown if isinstance(value, Opaque) else value
        return Unknown(unknown_reason(inner) or f"{what} is unknown")
    return Unknown(f"{what} is {_kind(value)}, not {expected}")


def obj(value: Any, what: str) -> Mapping[str, Any]:
    """*value* as an object: itself, empty when absent, or Opaque when it cannot be one."""
    if isinstance(value, dict | Opaque):
        return value
    if value is None:
        return {}
    return Opaque(unknown_of(value, what, "an object"))


def items(value: Any, what: str) -> list[Any]:
    """*value* as a list: itself, empty when absent, else one Unknown entry saying why."""
    if isinstance(value, list | tuple):
        return list(value)
    if value is None or value == "":
        return []
    return [unknown_of(value, what, "a list")]


def dig(value: Any, *keys: str | int) -> Any:
    """The value at *keys* below *value*: None when a key is absent, an Unknown when an
    unknown or wrongly typed value stands on the way."""
    walked: list[str] = []
    for key in keys:
        if value is None:
            return None
        if isinstance(key, int) and isinstance(value, list | tuple):
            value = value[key] if -len(value) <= key < len(value) else None
        elif isinstance(key, str) and isinstance(value, dict | Opaque):
            value = value.get(key)
        else:
            where = ".".join(walked) or "the value"
            return unknown_of(value, where, "a list" if isinstance(key, int) else "an object")
        walked.append(str(key))
    return value
