"""Values that stand in for what a static scan cannot know.

Parsers never guess: a value that depends on a data source, an unset variable, an ARM
``reference()`` or an unsupported function becomes an :class:`Unknown` carrying the reason, so
rules can report the resource as unresolved instead of silently passing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The subscription and resource group a template is deployed into are not known before
# deployment, but every resource of one deployment shares them: ARM/Bicep ids use these
# markers so ids still compare and scopes (``subscription().id``) still cover the plan.
DEPLOYMENT_SUBSCRIPTION = "<deployment-subscription>"
DEPLOYMENT_RESOURCE_GROUP = "<deployment-resource-group>"


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known before deployment, with a human-readable reason."""

    reason: str
    # For a string built from known text and unknown parts, the text with ``*`` for each
    # unknown part (``arn:*:iam::aws:policy/AmazonSSMManagedInstanceCore``): enough to decide
    # when only an account, partition or region is unknown.
    pattern: str | None = None

    def __str__(self) -> str:
        return f"<unknown: {self.reason}>"


@dataclass(frozen=True)
class ResourceRef:
    """A reference to another resource of the plan (``aws_security_group.web.id``, ``!Ref Sg``).

    Its concrete value is unknown until apply, but the graph can still link the two resources.
    """

    address: str
    attribute: str = "id"

    def __str__(self) -> str:
        return f"{self.address}.{self.attribute}" if self.attribute else self.address


def is_known(value: Any) -> bool:
    """True when *value* and everything inside it is concrete."""
    if isinstance(value, Unknown | ResourceRef):
        return False
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(is_known(v) for v in value)
    return True


def unknown_reason(value: Any) -> str | None:
    """The first reason found inside *value* that makes it not concrete, or None."""
    if isinstance(value, Unknown):
        return value.reason
    if isinstance(value, ResourceRef):
        return f"depends on {value} (known only after apply)"
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        for item in value:
            reason = unknown_reason(item)
            if reason:
                return reason
    return None


def string_pattern(parts: list[Any]) -> str | None:
    """The ``*``-pattern of a string made of *parts*, or None when a part is not text."""
    pieces = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(part)
        elif isinstance(part, Unknown | ResourceRef):
            pieces.append("*")
        else:
            return None
    return "".join(pieces)


def text_matches(value: Any, suffix: str) -> bool | None:
    """Does *value* end with *suffix*? None when an unknown part could decide it."""
    if isinstance(value, str):
        return value.endswith(suffix)
    if isinstance(value, Unknown) and value.pattern is not None:
        tail = value.pattern.rsplit("*", 1)[-1]
        if len(tail) >= len(suffix):
            return tail.endswith(suffix)
    return None
