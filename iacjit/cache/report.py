"""The last layer of the content cache: the rendered report of a scan whose inputs are unchanged.

A warm re-scan (nothing changed since the last run) would otherwise still unpickle the analysis,
run the suppression engine and render the report again, which is most of its time.  The report
text and the exit code are stored under a key over everything that shapes those bytes:

* the plan key (iacjit.cache.plan: versions, working directory, every input file's bytes,
  options), so inline suppressions and ``.iacjit*`` files are covered;
* the rule ids that run and the settings (management ports, external controls);
* the policy: configuration suppressions, severity overrides, the baseline's contents, trusted
  sources, whether a reason is required, and the date expiry is judged against;
* the repository root (fingerprints and SARIF paths are relative to it);
* the report format, colour and the gate (``--fail-on``, ``--fail-on-unresolved``).

A run that writes several reports (a file and the text summary, say) has one entry per report
and is served from here only when every one of them is.

Directories read from outside the scanned paths are checked as for the plan entry.  Only text,
JSON and SARIF are cached: the Markdown and HTML reports link to sources using the CI
environment and its event file.  A scan that writes a baseline is never served from here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iacjit.cache import plan as plan_cache
from iacjit.cache import store as cache_module
from iacjit.parsers.common.options import ParseOptions

REPORT_FORMAT = 1
CACHED_FORMATS = frozenset({"text", "json", "sarif"})


@dataclass
class Report:
    """A rendered report and the exit code it came with."""

    text: str
    code: int


@dataclass
class ReportSlot:
    """Where one scan's report is (or will be) stored; *plan* is reused by the scan itself."""

    cache: cache_module.Cache
    plan: plan_cache.PlanKey
    key: str | None

    def get(self) -> Report | None:
        if self.key is None:
            return None
        entry = self.cache.get(self.key)
        if not (isinstance(entry, dict) and entry.get("format") == REPORT_FORMAT
                and isinstance(entry.get("text"), bytes) and isinstance(entry.get("code"), int)
                and self.plan.outside_unchanged(entry.get("outside"))):
            return None
        return Report(entry["text"].decode("utf-8", "surrogatepass"), entry["code"])

    def put(self, report: Report) -> None:
        if self.key is not None and self.plan.outside is not None:
            text = report.text.encode("utf-8", "surrogatepass")  # a pickled 3 MB str: 10 ms
            self.cache.put(self.key, {"format": REPORT_FORMAT, "text": text,  # bytes: under 1
                                      "code": report.code, "outside": self.plan.outside})


def slots(cache: cache_module.Cache | None, paths: list[Path], options: ParseOptions,
          excluded: Iterable[str], rule_ids: Iterable[str], settings: Any, policy: Any,
          renderings: list[tuple[str, bool]], fail_on: str) -> list[ReportSlot] | None:
    """The places of one scan's reports in *cache*, one per (format, colour) it writes and all
    sharing one plan key (the inputs are hashed once); None unless every one is cacheable."""
    if cache is None or not cache.enabled or not renderings or any(
            fmt not in CACHED_FORMATS for fmt, _ in renderings):
        return None
    plan = plan_cache.plan_key(cache, paths, options, excluded)
    if plan.key is None:
        return [ReportSlot(cache, plan, None) for _ in renderings]
    from iacjit.reports.locations import repository_root

    cwd = Path.cwd().resolve()
    common = (plan.key, sorted(rule_ids), settings.cache_key(), policy.cache_key(),
              str(repository_root(cwd, os.environ)))
    return [ReportSlot(cache, plan, cache_module.make_key("report", REPORT_FORMAT, *common,
                                                          fmt, color, fail_on))
            for fmt, color in renderings]
