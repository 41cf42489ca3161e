"""Terraform ``dynamic`` blocks expanded over what Checkov rendered.

Checkov renders a dynamic block's ``for_each`` when it is a literal or a variable or local it
could resolve, but leaves the ``content`` unexpanded (``from_port = "ingress.value"``).  Here
each item of a rendered list or map becomes one block, with ``<iterator>.key`` and
``<iterator>.value`` (and attribute or index accesses on it) substituted.  What cannot be
substituted stays text, which the Terraform adapter turns into an Unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

_MISSING = object()
_ACCESS = re.compile(r"\.([A-Za-z_][\w-]*)|\[\s*\"([^\"]*)\"\s*\]|\[\s*(\d+)\s*\]")


def _is_meta(key: Any) -> bool:
    """Keys Checkov adds to parsed documents (``__startline__``, ``__address__``, ...)."""
    return isinstance(key, str) and key.startswith("__") and key.endswith("__")


def _unwrap(value: Any) -> Any:
    """Checkov wraps every attribute value in a one-element list."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _items(for_each: Any) -> Iterator[tuple[Any, Any]] | None:
    """(key, value) pairs of a rendered collection: map keys, list indexes; None otherwise."""
    if isinstance(for_each, dict):
        return ((k, v) for k, v in for_each.items() if not _is_meta(k))
    if isinstance(for_each, list):
        return enumerate(for_each)
    return None


def _access(value: Any, path: str) -> Any:
    """``.attr``, ``["attr"]`` and ``[0]`` accesses on an item; _MISSING when one fails."""
    position = 0
    while position < len(path):
        match = _ACCESS.match(path, position)
        if match is None:
            return _MISSING
        name, quoted, index = match.groups()
        key: Any = name if name is not None else quoted if quoted is not None else int(index)
        in_map = isinstance(value, dict) and isinstance(key, str) and key in value
        in_list = isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value)
        if not (in_map or in_list):
            return _MISSING
        value = value[key]
        position = match.end()
    return value


class _Substitution:
    """Replaces one iterator's references in the content of one block instance."""

    def __init__(self, iterator: str, key: Any, value: Any) -> None:
        name = re.escape(iterator)
        self._whole = re.compile(
            rf"^\s*(?:\$\{{\s*)?{name}\.(key|value)((?:{_ACCESS.pattern})*)\s*(?:\}})?\s*$")
        self._inline = re.compile(rf"\$\{{\s*{name}\.(key|value)((?:{_ACCESS.pattern})*)\s*\}}")
        self._key, self._value = key, value

    def _resolve(self, which: str, path: str) -> Any:
        if which == "key":
            return self._key if not path else _MISSING
        return _access(self._value, path)

    def text(self, text: str) -> Any:
        match = self._whole.match(text)
        if match:
            found = self._resolve(match.group(1), match.group(2) or "")
            return text if found is _MISSING else found

        def inline(m: re.Match[str]) -> str:
            found = self._resolve(m.group(1), m.group(2) or "")
            scalar = isinstance(found, str | int | float) and not isinstance(found, bool)
            return str(found) if scalar else m.group(0)

        return self._inline.sub(inline, text)

    def tree(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.tree(v) for v in value]
        if isinstance(value, dict):
            return {k: self.tree(v) for k, v in value.items() if not _is_meta(k)}
        return value


def expand(conf: dict[str, Any], blocks: set[str], rendered: Callable[[Any], Any],
           undecidable: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The blocks that the ``dynamic`` blocks named in *blocks* generate, by block name.

    *rendered* turns Checkov's value into iacjit's (an unrendered expression becomes an
    Unknown); a ``for_each`` that is not a rendered list or map is noted in *undecidable*.
    """
    generated: dict[str, list[dict[str, Any]]] = {}
    for dynamic in conf.get("dynamic") or []:
        if not isinstance(dynamic, dict):
            continue
        for name, body in dynamic.items():
            if name not in blocks or not isinstance(body, dict):
                continue
            for_each = _unwrap(body.get("for_each"))
            if isinstance(for_each, str | int | float) and not isinstance(for_each, bool) \
                    and isinstance(rendered(for_each), str | int | float):
                for_each = [for_each]  # a one-element list, its wrapping lost
            items = _items(for_each)
            content = _unwrap(body.get("content"))
            if items is None or not isinstance(content, dict):
                undecidable.append(f"dynamic {name!r} block: Checkov did not render its "
                                   f"for_each ({for_each!r})")
                continue
            iterator = _unwrap(body.get("iterator"))
            iterator = iterator if isinstance(iterator, str) and iterator else name
            for key, value in items:
                generated.setdefault(name, []).append(
                    _Substitution(iterator, key, value).tree(content))
    return generated
