"""What the project configuration and the command line say about suppressions.

Kept apart from the engine: the command line builds a Policy (and the report cache keys on it)
without importing the suppression engine.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iacjit.deviations import Deviation
    from iacjit.suppressions.baseline import Baseline
    from iacjit.suppressions.model import Suppression

TODAY_ENV = "IACJIT_TODAY"  # a fixed "today" for reproducible runs and tests (YYYY-MM-DD)


@dataclass
class Policy:
    """What the project configuration and the command line say about suppressions."""

    suppressions: list[Suppression] = field(default_factory=list)  # from the configuration
    baseline: Baseline | None = None
    severity: dict[str, str] = field(default_factory=dict)  # rule id -> severity
    trusted_sources: tuple[str, ...] = ()
    require_reason: bool = False  # a suppression without reason is an error, not applied
    inline: bool = True  # read iacjit:ignore comments and metadata
    today: dt.date | None = None
    config_file: str | None = None  # as reports show it
    deviations: tuple[Deviation, ...] = ()  # iacjit.deviations: every report shows them

    def report(self) -> dict:
        """The JSON ``policy`` object (docs/json-format.md)."""
        from iacjit.deviations import document

        return document(self.config_file, self.deviations)

    def current_date(self) -> dt.date:
        if self.today is not None:
            return self.today
        fixed = os.environ.get(TODAY_ENV)
        if fixed:
            try:
                return dt.date.fromisoformat(fixed)
            except ValueError:
                pass
        return dt.date.today()

    def cache_key(self) -> tuple:
        """Everything that decides what this policy does to a scan, in a stable order: part of
        the report cache key (docs/performance.md).  The date is today's when none is set."""
        baseline = None if self.baseline is None else (
            self.baseline.file, sorted(self.baseline.findings), sorted(self.baseline.chains))
        suppressions = [(s.ids, s.reason, s.expires, s.source, s.file, s.line, s.resource,
                         s.path) for s in self.suppressions]
        return (suppressions, baseline, sorted(self.severity.items()), self.trusted_sources,
                self.require_reason, self.inline, self.current_date().isoformat(),
                self.config_file, self.deviations)
