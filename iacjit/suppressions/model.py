"""What a suppression is, where it came from, and the notes the scan reports about them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

INLINE, CONFIG, BASELINE = "inline", "config", "baseline"


@dataclass
class Suppression:
    """One accepted risk: some rule or chain ids on some resources, with a reason and expiry.

    Inline suppressions are attached to the resources they sit next to (``resources``);
    config suppressions select resources by address glob (``resource``) and file glob.
    """

    ids: tuple[str, ...]  # lower-case rule ids / upper-case chain ids, compared case-insensitively
    reason: str | None
    expires: dt.date | None
    source: str  # INLINE or CONFIG
    file: str | None  # where the suppression is written
    line: int | None
    resource: str | None = None  # config: glob on the resource address
    path: str | None = None  # config: glob on the file path
    resources: list[Any] = field(default_factory=list)  # inline: the RawResources it concerns
    inside: bool = False  # inline: the comment sits inside the resource's span
    scope: Any = None  # inline, inside: the nested block (Span) the comment is about, if any
    matched: set[str] = field(default_factory=set)  # ids that matched something
    usable: bool = True  # False once rejected (invalid expiry, missing reason when required)

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires

    def record(self, expired: bool = False) -> dict[str, Any]:
        """The ``suppression`` object of a finding or chain in the JSON report."""
        data: dict[str, Any] = {
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
            "source": self.source,
            "file": self.file,
            "line": self.line,
        }
        if expired:
            data["expired"] = True
        return data


@dataclass(frozen=True)
class Note:
    """A warning about a suppression or baseline entry (``warnings[]`` in the JSON report).

    ``kind``: ``missing-reason``, ``far-expiry``, ``expired``, ``stale``, ``invalid``,
    ``partial-chain``, ``stale-baseline``.
    """

    kind: str
    message: str
    file: str | None = None
    line: int | None = None
    id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "file": self.file,
                "line": self.line, "id": self.id}


def parse_date(value: Any) -> dt.date:
    """An expiry date: a YAML date or an ISO ``YYYY-MM-DD`` string; ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")
