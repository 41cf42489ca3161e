"""Nested stacks whose template is one of the scanned files join their parent's unit.

``aws cloudformation package`` uploads a nested stack's local ``TemplateURL`` (``./network.yaml``)
and deploys it with the parent: both are one deployment into one account.  The nested template
is still parsed as a file of its own (with its parameter defaults: the values the parent passes
are not applied); only its deployment unit becomes the parent's.  A remote ``TemplateURL``
stays under ``not_scanned``.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import Any

from iacjit.model.raw import ParseResult, RawResource
from iacjit.model.values import is_known

STACK = "AWS::CloudFormation::Stack"


def _local_template(stack: RawResource) -> str | None:
    """The display path of a nested stack's template when it is a relative local path."""
    props: Any = stack.attributes.get("Properties") or {}
    url = props.get("TemplateURL") if isinstance(props, dict) else None
    if not isinstance(url, str) or not is_known(url) or ":" in url or url.startswith("/"):
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(stack.file), url))


def join_nested_stacks(result: ParseResult) -> None:
    """Give the resources of scanned nested templates the unit of their outermost parent."""
    roots = {r.root for r in result.resources if r.source_format == "cloudformation"}
    parent_of: dict[str, tuple[str, RawResource]] = {}
    for stack in result.resources:
        if stack.type == STACK and (child := _local_template(stack)) in roots \
                and child != stack.root:
            parent_of.setdefault(child, (stack.root, stack))
    if not parent_of:
        return

    def outermost(unit: str) -> str:
        seen = {unit}
        while unit in parent_of and parent_of[unit][0] not in seen:
            unit = parent_of[unit][0]
            seen.add(unit)
        return unit

    result.resources[:] = [replace(r, root=outermost(r.root)) if r.root in parent_of else r
                           for r in result.resources]
    joined = {(stack.file, f"nested stack {stack.address} (") for _, stack in parent_of.values()}
    result.not_scanned[:] = [n for n in result.not_scanned
                             if not any(n.file == f and n.what.startswith(w) for f, w in joined)]
