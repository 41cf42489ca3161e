"""``--junit-output``: JUnit XML, so CI test-report views (GitLab, Jenkins, Azure Pipelines,
GitHub test-report actions) list iacjit's verdicts next to the unit tests.

Built from the JSON document (docs/json-format.md). Choices, and why (docs/reports.md has the
user's view):

* One ``testsuite`` per rule and per chain, one ``testcase`` per rule × resource: several
  findings of one rule on one resource (two ports, say) are one failing test, so the count of
  failures is the count of resources to fix.
* A finding or a chain target is a ``failure`` whose ``type`` is its severity; a suppressed
  one is ``skipped`` with its reason (an accepted risk is not a passing test, nor a failure).
* An unresolved check is ``skipped`` with its reason, or a ``failure`` when the gate counts it
  (``--fail-on-unresolved`` marks it ``failing`` in the document): never a silent pass.
* A suite ``iacjit`` always holds one testcase for the scan itself, erroring for every input
  that could not be read: consumers that refuse a report without tests still get one.
* Each deviation of the configuration from the default policy (docs/security.md) is a
  ``property`` of that suite and a line of the scan testcase's ``system-out``: a pull request
  that disables a rule or excludes files shows it in the test report too.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from iacjit.deviations import where as deviation_source
from iacjit.reports.text_report import clean as _clean_terminal

_NOT_XML = re.compile("[\ufffe\uffff]")  # the rest XML 1.0 forbids, clean() already replaces


def clean(text: Any) -> str:
    """Scanned strings as XML 1.0 character data (no control characters, no U+FFFE/FFFF)."""
    return _NOT_XML.sub("?", _clean_terminal(text))

Case = tuple[str, str, str | None, int | None]  # suite, name, file, line


def _where(file: str | None, line: int | None) -> str:
    return f"{file}:{line}" if file and line else (file or "")


class _Suites:
    """Testcases grouped by suite, each with its failures, errors or skip reasons."""

    def __init__(self) -> None:
        self.cases: dict[str, dict[Case, dict[str, list[str]]]] = defaultdict(dict)
        self.properties: dict[str, list[tuple[str, str]]] = defaultdict(list)

    def add(self, case: Case, kind: str | None = None, text: str = "",
            severity: str = "") -> None:
        outcome = self.cases[case[0]].setdefault(case, defaultdict(list))
        if kind:
            outcome[kind].append(text)
            if severity:
                outcome["severity"].append(severity)

    def note(self, case: Case, name: str, value: str) -> None:
        """A property of *case*'s suite, repeated as a line of the testcase's output."""
        self.add(case, "output", f"{name}: {value}")
        self.properties[case[0]].append((name, value))

    def element(self) -> ET.Element:
        root = ET.Element("testsuites", name="iacjit")
        totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
        for suite_name, cases in self.cases.items():
            suite = ET.SubElement(root, "testsuite", name=suite_name)
            if self.properties.get(suite_name):
                properties = ET.SubElement(suite, "properties")
                for name, value in self.properties[suite_name]:
                    ET.SubElement(properties, "property", name=name, value=value)
            counts = dict.fromkeys(totals, 0)
            for (_, name, file, line), outcome in cases.items():
                counts["tests"] += 1
                case = ET.SubElement(suite, "testcase", classname=suite_name, name=name,
                                     time="0")
                if file:
                    case.set("file", file)
                if line:
                    case.set("line", str(line))
                _outcome(case, outcome, counts)
                if outcome.get("output"):
                    ET.SubElement(case, "system-out").text = "\n".join(outcome["output"])
            for key, value in counts.items():
                suite.set(key, str(value))
                totals[key] += value
            suite.set("time", "0")
        for key, value in totals.items():
            root.set(key, str(value))
        root.set("time", "0")
        return root


def _outcome(case: ET.Element, outcome: dict[str, list[str]], counts: dict[str, int]) -> None:
    """The one result element a testcase carries: error > failure > skipped > passed."""
    for kind, tag, counter in (("error", "error", "errors"), ("failure", "failure", "failures"),
                               ("skipped", "skipped", "skipped")):
        texts = outcome.get(kind)
        if not texts:
            continue
        first = texts[0].split("\n", 1)[0]
        element = ET.SubElement(case, tag, message=first if len(texts) == 1
                                else f"{first} (+{len(texts) - 1} more)")
        if kind == "failure":
            severities = outcome.get("severity") or ["high"]
            element.set("type", min(severities, key=_rank))
        if kind != "skipped":
            element.text = "\n\n".join(texts)
        counts[counter] += 1
        return


def _rank(severity: str) -> int:
    order = ("critical", "high", "medium", "low", "info")
    return order.index(severity) if severity in order else len(order)


def _findings(suites: _Suites, document: dict[str, Any]) -> None:
    for f in document.get("findings") or []:
        case = (f["rule_id"], clean(f["resource"]), clean(f["file"]), f.get("line"))
        where = _where(clean(f["file"]), f.get("line"))
        text = f"{clean(f['title'])}: {clean(f['message'])}\n{where}"
        if f.get("suppressed"):
            reason = (f.get("suppression") or {}).get("reason") if isinstance(
                f.get("suppression"), dict) else None
            suites.add(case, "skipped", f"suppressed: {clean(reason or 'no reason given')}")
        else:
            suites.add(case, "failure", text, f["severity"])


def _unresolved(suites: _Suites, document: dict[str, Any]) -> None:
    for u in document.get("unresolved") or []:
        case = (u["rule_id"], clean(u["resource"]), clean(u["file"]), u.get("line"))
        text = f"unresolved: {clean(u['reason'])}"
        if u.get("failing"):
            where = _where(clean(u["file"]), u.get("line"))
            suites.add(case, "failure", f"{text}\n{where}", u.get("severity") or "high")
        else:
            suites.add(case, "skipped", text)


def _chains(suites: _Suites, document: dict[str, Any]) -> None:
    for chain in document.get("chains") or []:
        title = clean(chain["title"])
        targets = chain.get("targets") or [{}]
        for target in targets:
            vm = clean(target.get("vm") or "the plan")
            case = (chain["chain_id"], vm, clean(target.get("file") or "") or None,
                    target.get("line"))
            if chain.get("suppressed"):
                suites.add(case, "skipped", "suppressed")
                continue
            path = " -> ".join(clean(step) for step in target.get("path") or [])
            fix = (target.get("fix") or {}).get("description")
            text = "\n".join(part for part in (
                f"{title}", f"attack path: {path}" if path else "",
                f"cheapest fix: {clean(fix)}" if fix else "") if part)
            suites.add(case, "failure", text, chain["severity"])


def _scan(suites: _Suites, document: dict[str, Any]) -> None:
    summary = document.get("summary") or {}
    case = ("iacjit", f"scan of {summary.get('files_scanned', 0)} file(s)", None, None)
    suites.add(case)
    for e in document.get("errors") or []:
        where = ":".join(str(x) for x in (e.get("line"), e.get("column")) if x)
        suites.add(case, "error",
                   f"{clean(e['file'])}{':' + where if where else ''}: {clean(e['message'])}")
    for d in (document.get("policy") or {}).get("deviations") or []:
        suites.note(case, "policy deviation",
                    f"{clean(d.get('kind'))} {clean(d.get('subject'))}: {clean(d.get('detail'))}"
                    f" ({clean(deviation_source(d))})")


def render(document: dict[str, Any], color: bool = False) -> str:
    suites = _Suites()
    _scan(suites, document)
    _chains(suites, document)
    _findings(suites, document)
    _unresolved(suites, document)
    root = suites.element()
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(
        root, encoding="unicode") + "\n"
