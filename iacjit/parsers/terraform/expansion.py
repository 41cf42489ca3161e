"""Instances of a block: ``count`` and ``for_each`` expanded into address suffixes and the
``count``/``each`` bindings, and where a module instance sits (:class:`Origin`).

Shared by resources (iacjit.parsers.terraform.module) and module calls
(iacjit.parsers.terraform.calls).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacjit.model.raw import CallSite
from iacjit.model.values import Unknown, is_known, unknown_reason
from iacjit.parsers.terraform import ast
from iacjit.parsers.terraform.evaluator import Scope, evaluate_safely

META_ATTRIBUTES = {"count", "for_each", "depends_on", "provider", "lifecycle"}


def _index_suffix(key: Any) -> str:
    return f"[{key}]" if isinstance(key, int) else f'["{key}"]'


def expand(block: ast.Block, scope: Scope, limit: int) -> tuple[list[tuple[str, dict]], str | None]:
    """Instances of a block with count/for_each: (address suffix, bindings), plus a problem."""
    attrs = block.body.attributes
    if "count" in attrs:
        count = evaluate_safely(attrs["count"].expr, scope)
        if not is_known(count):
            reason = unknown_reason(count) or "count is unknown"
            return [("", {"count": {"index": Unknown(reason)}})], None
        try:
            number = int(count)
        except (TypeError, ValueError):
            return [], f"count is not a number: {count!r}"
        if number > limit:
            return [("", {"count": {"index": Unknown("count exceeds the loop limit")}})], (
                f"count {number} exceeds the limit of {limit} instances; evaluated as one "
                "instance with an unknown index"
            )
        return [(_index_suffix(i), {"count": {"index": i}}) for i in range(max(number, 0))], None
    if "for_each" in attrs:
        each = evaluate_safely(attrs["for_each"].expr, scope)
        if isinstance(each, list):
            if not all(is_known(x) for x in each):
                each = Unknown(unknown_reason(each) or "for_each is unknown")
            else:
                each = {str(x): x for x in each}
        if not isinstance(each, dict):
            reason = unknown_reason(each) or "for_each is not a map or set"
            unknown = Unknown(reason)
            return [("", {"each": {"key": unknown, "value": unknown}})], None
        if len(each) > limit:
            return [], f"for_each over {len(each)} items exceeds the limit of {limit} instances"
        return [(_index_suffix(k), {"each": {"key": k, "value": each[k]}})
                for k in sorted(each)], None
    return [("", {})], None


@dataclass(frozen=True)
class Origin:
    """Where a module instance sits: its address prefix, its call chain and its inputs' sites."""

    prefix: str = ""
    key: str = ""  # call names from the root, as .terraform/modules/modules.json keys them
    via: tuple[CallSite, ...] = ()
    # input name -> (file, line) of the argument that supplied it, for type errors
    input_sites: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    ancestors: tuple[Path, ...] = ()  # resolved directories of the calling modules
    # provider configurations passed down: local name ("azurerm", "azurerm.x") -> the account
    # it names (iacjit.parsers.terraform.providers.account)
    providers: dict[str, Any] = field(default_factory=dict)


def instance_key(suffix: str) -> str:
    """The key of a ``for_each`` instance in its object of instances: ``["a"]`` -> ``a``."""
    return suffix[2:-2]
