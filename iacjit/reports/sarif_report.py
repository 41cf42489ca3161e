"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning, Azure DevOps and other viewers.

Built from the JSON document (docs/json-format.md), never from the scan objects, so SARIF says
exactly what the JSON contract says. Choices, and why (docs/sarif.md has the user's view):

* Every result carries ``physicalLocation.artifactLocation.uri`` relative to the repository
  root: GitHub rejects results without it and resolves relative URIs against the checkout.
* ``partialFingerprints`` hash the file, the resource address, the rule id and the rule's
  evidence, never line numbers: an alert keeps its identity when unrelated lines move.
* A chain is a result of its own rule (``CHAIN-016``) whose ``relatedLocations`` are the
  findings that trigger it and the machines it reaches.
* A value that is unknown before deployment is never a silent pass: unresolved checks become
  ``warning`` results of a child rule ``<rule>/unresolved`` (not the rule itself, whose
  severity would overstate them).
* A result inside a module carries the ``module`` blocks that lead to it as
  ``relatedLocations``; one inside a downloaded module (``.terraform/modules``, not in the
  repository) is located at the innermost call site the user can edit.
* Unreadable inputs and deliberately skipped ones are tool notifications, not results: they
  are facts about the run, not about the code.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from iacjit.deviations import where
from iacjit.reports.call_sites import call_sites, editable, via_text
from iacjit.reports.locations import repo_relative
from iacjit.rules import ALL_RULES, rule_by_id
from iacjit.rules.base import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/iacjit/iacjit"
DOCS_URI = f"{INFORMATION_URI}/blob/main/docs/"
FINGERPRINT_KEY = "iacjitFindingHash/v1"
SRCROOT = "%SRCROOT%"

# GitHub buckets security-severity as critical >= 9.0, high >= 7.0, medium >= 4.0, low > 0.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def rule_help_uri(rule_id: str) -> str:
    """Absolute URL of a rule's page: SARIF requires ``helpUri`` to be absolute."""
    return f"{DOCS_URI}rules/{rule_id}.md"


def _digest(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _Locator:
    """Turns report file names into SARIF artifact locations relative to the repository."""

    def __init__(self, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.cwd = cwd
        self.env = env

    def uri(self, file: str) -> tuple[str, bool]:
        """(uri, relative?) — relative URIs are resolved against ``%SRCROOT%``."""
        path = repo_relative(file, self.cwd, self.env)
        if Path(path).is_absolute():
            return Path(path).as_uri(), False
        return quote(path, safe="/"), True

    def physical(self, file: str | None, line: int | None, end_line: int | None = None,
                 column: int | None = None) -> dict[str, Any]:
        uri, relative = self.uri(file or ".")
        artifact: dict[str, Any] = {"uri": uri}
        if relative:
            artifact["uriBaseId"] = SRCROOT
        location: dict[str, Any] = {"artifactLocation": artifact}
        if line:
            region: dict[str, Any] = {"startLine": int(line)}
            if end_line and int(end_line) >= int(line):
                region["endLine"] = int(end_line)
            if column:
                region["startColumn"] = int(column)
            location["region"] = region
        return location


def _camel(title: str) -> str:
    """SARIF ``name``: a readable identifier that must differ from the opaque ``id``."""
    return "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", title)) or "Rule"


def _text(value: Any) -> str:
    """A scanned value inside a message: one line, and its brackets escaped, so that a name
    such as ``x](https://evil)`` cannot become an embedded link (SARIF 3.11.6) in any message."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    help_text = (f"{rule.description}\n\nWhy: {rule.rationale}\n\nFix: {rule.fix}\n\n"
                 f"Example of a violation:\n{rule.example}\n\nReferences:\n"
                 + "\n".join(f"- {ref}" for ref in rule.references))
    help_markdown = (
        f"{rule.description}\n\n**Why.** {rule.rationale}\n\n**Fix.** {rule.fix}\n\n"
        f"Example of a violation:\n\n```\n{rule.example}\n```\n\n**References**\n\n"
        + "\n".join(f"- <{ref}>" for ref in rule.references)
    )
    return {
        "id": rule.id,
        "name": _camel(rule.title),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": help_text, "markdown": help_markdown},
        "helpUri": rule_help_uri(rule.id),
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "problem.severity": "error" if LEVEL[rule.severity] == "error" else "warning",
            "precision": "high",
            "tags": ["security", "iac", "network"],
        },
    }


def _unresolved_descriptor(rule_id: str) -> dict[str, Any]:
    rule = rule_by_id(rule_id)
    title = rule.title if rule else rule_id
    text = (f"iacjit could not decide {rule_id} ({title}) for a resource because a deciding "
            "value is unknown before deployment (a variable without value, a data source, "
            "a runtime function). Supply the value (--var, --var-file, --parameters) or "
            "review the resource by hand.")
    return {
        "id": f"{rule_id}/unresolved",
        "name": _camel(f"Undecided {title}"),
        "shortDescription": {"text": f"Undecided: {title}"},
        "fullDescription": {"text": text},
        "help": {"text": text, "markdown": text},
        "helpUri": rule_help_uri(rule_id),
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["iac", "unresolved"]},
    }


def _chain_descriptor(chain: dict[str, Any]) -> dict[str, Any]:
    severity = chain.get("severity", "high")
    steps = sorted(chain.get("steps") or [], key=lambda s: s.get("order") or 0)
    walkthrough = "\n".join(
        f"{s.get('order', i + 1)}. {_text(s.get('actor'))}: {_text(s.get('action'))}"
        + (f" ({_text(s.get('technique'))})" if s.get("technique") else "")
        + (f"; enabled by {_text(s.get('enabled_by'))}" if s.get("enabled_by") else "")
        + (f"; gains {_text(s.get('gain'))}" if s.get("gain") else "")
        for i, s in enumerate(steps)
    )
    fixes = "\n".join(f"- {_text(f.get('description'))}" for f in chain.get("fix") or [])
    title = _text(chain.get("title")) or chain["chain_id"]
    full = (f"Attack chain {chain['chain_id']}: {title}. Several findings together let an "
            "attacker go from the internet to a persistent foothold.")
    help_text = f"{full}\n\nWalkthrough:\n{walkthrough}" + (f"\n\nFix:\n{fixes}" if fixes else "")
    return {
        "id": chain["chain_id"],
        "name": _camel(f"Attack chain {title}"),
        "shortDescription": {"text": title},
        "fullDescription": {"text": full},
        "help": {"text": help_text, "markdown": help_text},
        "helpUri": f"{DOCS_URI}chains/{chain['chain_id']}.md",
        "defaultConfiguration": {"level": LEVEL.get(severity, "error")},
        "properties": {
            "security-severity": SECURITY_SEVERITY.get(severity, "8.0"),
            "problem.severity": "error" if LEVEL.get(severity) == "error" else "warning",
            "precision": "high",
            "tags": ["security", "iac", "attack-chain"],
        },
    }


def _suppressions(item: dict[str, Any]) -> list[dict[str, Any]] | None:
    """SARIF ``suppressions`` for a suppressed finding or chain, with the reason when known.

    ``suppression`` may be absent, a reason string or an object (``reason``/``justification``,
    ``kind``/``source``); inline comments in the scanned file are ``inSource``.
    """
    if not item.get("suppressed"):
        return None
    info = item.get("suppression")
    entry: dict[str, Any] = {"kind": "external", "status": "accepted"}
    if isinstance(info, str):
        entry["justification"] = info
    elif isinstance(info, dict):
        reason = info.get("reason") or info.get("justification")
        if reason:
            entry["justification"] = str(reason)
        source = str(info.get("kind") or info.get("source") or "").lower()
        if source in {"insource", "inline", "comment", "in_source", "in-source"}:
            entry["kind"] = "inSource"
    return [entry]


def _finding_fingerprint(f: dict[str, Any], locator: _Locator) -> str:
    if f.get("fingerprint"):  # the report's own (iacjit.suppressions.fingerprint)
        return str(f["fingerprint"])
    return _digest(locator.uri(f.get("file") or "")[0], f.get("resource"), f.get("rule_id"),
                   f.get("evidence") or {})


def _call_site_locations(item: dict[str, Any], at: dict[str, Any],
                         locator: _Locator) -> list[dict[str, Any]]:
    """``relatedLocations`` for a result inside a module: each ``module`` block from the root
    down, and the declaration itself when the result is shown at a call site instead."""
    related: list[dict[str, Any]] = []
    for hop in call_sites(item):
        related.append({
            "id": len(related) + 1,
            "physicalLocation": locator.physical(hop.get("file"), hop.get("line"),
                                                 hop.get("end_line")),
            "message": {"text": f"via {_text(hop.get('module'))}"},
        })
    if related and at.get("file") != item.get("file"):
        related.append({
            "id": len(related) + 1,
            "physicalLocation": locator.physical(item.get("file"), item.get("line"),
                                                 item.get("end_line")),
            "message": {"text": f"declared in the downloaded module as "
                                f"{_text(item.get('resource'))}"},
        })
    return related


def _finding_result(f: dict[str, Any], index: int, locator: _Locator) -> dict[str, Any]:
    severity = f.get("severity", "high")
    at = editable(f)
    result: dict[str, Any] = {
        "ruleId": f["rule_id"],
        "ruleIndex": index,
        "level": LEVEL.get(severity, "error"),
        "message": {"text": f"{_text(f.get('message'))} [{_text(f.get('resource'))}]"
                            + (f" ({_text(via_text(f))})" if via_text(f) else "")},
        "locations": [{
            "physicalLocation": locator.physical(at["file"], at["line"], at["end_line"]),
            "logicalLocations": [{"fullyQualifiedName": str(f.get("resource")),
                                  "kind": "resource"}],
        }],
        "partialFingerprints": {FINGERPRINT_KEY: _finding_fingerprint(f, locator)},
        "properties": {
            "security-severity": SECURITY_SEVERITY.get(severity, "8.0"),
            "severity": severity,
            "resource": f.get("resource"),
            "resourceType": f.get("resource_type"),
            "unit": f.get("unit"),
            "evidence": f.get("evidence") or {},
        },
    }
    related = _call_site_locations(f, at, locator)
    if related:
        result["relatedLocations"] = related
    _baseline_state(result, f)
    suppressions = _suppressions(f)
    if suppressions:
        result["suppressions"] = suppressions
    return result


def _baseline_state(result: dict[str, Any], item: dict[str, Any]) -> None:
    """With --base-ref: SARIF's own word for new and existing results (section 3.27.24)."""
    if item.get("change"):
        result["baselineState"] = "new" if item["change"] == "new" else "unchanged"


def _unresolved_result(u: dict[str, Any], index: int, locator: _Locator) -> dict[str, Any]:
    at = editable(u)
    result: dict[str, Any] = {
        "ruleId": f"{u['rule_id']}/unresolved",
        "ruleIndex": index,
        "level": "warning",
        "message": {"text": f"{u['rule_id']} could not be decided for "
                            f"{_text(u.get('resource'))}: {_text(u.get('reason'))}"
                            + (f" ({_text(via_text(u))})" if via_text(u) else "")},
        "locations": [{
            "physicalLocation": locator.physical(at["file"], at["line"], at["end_line"]),
            "logicalLocations": [{"fullyQualifiedName": str(u.get("resource")),
                                  "kind": "resource"}],
        }],
        "partialFingerprints": {FINGERPRINT_KEY: _digest(
            "unresolved", locator.uri(u.get("file") or "")[0], u.get("resource"),
            u.get("rule_id"), u.get("reason"))},
        "properties": {"resource": u.get("resource"), "resourceType": u.get("resource_type"),
                       "unit": u.get("unit")},
    }
    related = _call_site_locations(u, at, locator)
    if related:
        result["relatedLocations"] = related
    return result


def _chain_result(chain: dict[str, Any], index: int, locator: _Locator) -> dict[str, Any]:
    """A chain, located at its first trigger, pointing at every trigger and target."""
    triggers = list(chain.get("triggers") or [])
    targets = list(chain.get("targets") or [])
    related: list[dict[str, Any]] = []
    trigger_links: list[str] = []
    for t in triggers:
        rid = len(related) + 1
        at = editable(t)
        related.append({
            "id": rid,
            "physicalLocation": locator.physical(at["file"], at["line"]),
            "message": {"text": f"trigger: {t.get('rule_id')} on {_text(t.get('resource'))}"},
        })
        trigger_links.append(f"[{_link_text(t.get('rule_id'))} on "
                             f"{_link_text(t.get('resource'))}]({rid})")
    target_links: list[str] = []
    for t in targets:
        rid = len(related) + 1
        name = t.get("vm_name") or t.get("vm")
        ports = ", ".join(str(p) for p in t.get("ports") or [])
        at = editable(t)
        related.append({
            "id": rid,
            "physicalLocation": locator.physical(at["file"], at["line"]),
            "message": {"text": f"target: {_text(name)}"
                                + (f" reachable on port(s) {ports}" if ports else "")},
        })
        target_links.append(f"[{_link_text(name)}]({rid})")
    severity = chain.get("severity", "high")
    text = f"{chain['chain_id']} ({severity}"
    if chain.get("likelihood"):
        text += f", likelihood {chain['likelihood']}"
    text += f"): {_text(chain.get('title'))}."
    if trigger_links:
        text += " Triggered by " + "; ".join(trigger_links) + "."
    if target_links:
        text += " Reaches " + ", ".join(target_links) + "."
    first = editable(triggers[0] if triggers else (targets[0] if targets else {}))
    result: dict[str, Any] = {
        "ruleId": chain["chain_id"],
        "ruleIndex": index,
        "level": LEVEL.get(severity, "error"),
        "message": {"text": text},
        "locations": [{"physicalLocation": locator.physical(first.get("file"),
                                                            first.get("line"))}],
        "partialFingerprints": {FINGERPRINT_KEY: chain.get("fingerprint") or _digest(
            chain["chain_id"],
            sorted((locator.uri(t.get("file") or "")[0], str(t.get("resource")),
                    str(t.get("rule_id"))) for t in triggers),
            sorted(str(t.get("vm")) for t in targets),
        )},
        "properties": {
            "security-severity": SECURITY_SEVERITY.get(severity, "8.0"),
            "severity": severity,
            "likelihood": chain.get("likelihood"),
            "steps": chain.get("steps") or [],
            "fix": chain.get("fix") or [],
            "blastRadius": chain.get("blast_radius") or {},
        },
    }
    if related:
        result["relatedLocations"] = related
    _baseline_state(result, chain)
    suppressions = _suppressions(chain)
    if suppressions:
        result["suppressions"] = suppressions
    return result


def _link_text(value: Any) -> str:
    """Text inside a SARIF embedded link: brackets would end the link early (escaped by
    :func:`_text` like every scanned value)."""
    return _text(value)


def _notifications(document: dict[str, Any], locator: _Locator) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    for e in document.get("errors") or []:
        notes.append({
            "level": "error",
            "descriptor": {"id": "input-error"},
            "message": {"text": f"{_text(e.get('file'))}: {_text(e.get('message'))}"},
            "locations": [{"physicalLocation": locator.physical(e.get("file"), e.get("line"),
                                                                column=e.get("column"))}],
        })
    for n in document.get("not_scanned") or []:
        notes.append({
            "level": "warning",
            "descriptor": {"id": "not-scanned"},
            "message": {"text": f"not scanned: {_text(n.get('what'))}: "
                                f"{_text(n.get('reason'))}"},
            "locations": [{"physicalLocation": locator.physical(n.get("file"),
                                                                n.get("line"))}],
        })
    return notes


def _policy_notifications(document: dict[str, Any], locator: _Locator) -> list[dict[str, Any]]:
    """Each deviation from the default policy, at the configuration line that causes it."""
    notes: list[dict[str, Any]] = []
    for d in (document.get("policy") or {}).get("deviations") or []:
        note: dict[str, Any] = {
            "level": "warning",
            "descriptor": {"id": f"policy/{d.get('kind')}"},
            "message": {"text": f"{_text(d.get('kind'))} {_text(d.get('subject'))}: "
                                f"{_text(d.get('detail'))} ({_text(where(d))})"},
        }
        if d.get("file"):
            note["locations"] = [{"physicalLocation": locator.physical(d["file"],
                                                                       d.get("line"))}]
        notes.append(note)
    return notes


def _version_control(document: dict[str, Any]) -> list[dict[str, Any]]:
    """SARIF's ``versionControlProvenance`` from the ``scan`` object: code scanning and SARIF
    viewers use it to tie results to the commit they were found in.  SARIF requires an
    absolute ``repositoryUri``, so a remote given as ``host:path`` or a local path gives none."""
    repository = (document.get("scan") or {}).get("repository") or {}
    url = repository.get("url")
    if not url or "://" not in url:
        return []
    details: dict[str, Any] = {"repositoryUri": url, "mappedTo": {"uriBaseId": SRCROOT}}
    if repository.get("commit"):
        details["revisionId"] = repository["commit"]
    if repository.get("branch"):
        details["branch"] = repository["branch"]
    return [details]


def _rules_in_use(document: dict[str, Any]) -> Iterable[str]:
    for f in document.get("findings") or []:
        yield f["rule_id"]


def to_sarif(document: dict[str, Any], cwd: Path | None = None,
             env: dict[str, str] | None = None) -> dict[str, Any]:
    """The SARIF log (as data) for one JSON report document."""
    locator = _Locator(cwd, env)
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}

    def add(descriptor: dict[str, Any]) -> None:
        if descriptor["id"] not in index:
            index[descriptor["id"]] = len(descriptors)
            descriptors.append(descriptor)

    for rule in ALL_RULES:
        add(_rule_descriptor(rule))
    for rule_id in _rules_in_use(document):
        if rule_id not in index:  # a rule this version does not ship (a report from elsewhere)
            add({"id": rule_id, "shortDescription": {"text": rule_id},
                 "fullDescription": {"text": rule_id},
                 "help": {"text": rule_id}, "helpUri": rule_help_uri(rule_id)})

    results: list[dict[str, Any]] = []
    for chain in document.get("chains") or []:
        add(_chain_descriptor(chain))
        results.append(_chain_result(chain, index[chain["chain_id"]], locator))
    for f in document.get("findings") or []:
        results.append(_finding_result(f, index[f["rule_id"]], locator))
    for u in document.get("unresolved") or []:
        add(_unresolved_descriptor(u["rule_id"]))
        results.append(_unresolved_result(u, index[f"{u['rule_id']}/unresolved"], locator))

    tool = document.get("tool") or {}
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": tool.get("name", "iacjit"),
            "version": str(tool.get("version", "")),
            "semanticVersion": str(tool.get("version", "")),
            "informationUri": INFORMATION_URI,
            "rules": descriptors,
        }},
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": _notifications(document, locator),
            "toolConfigurationNotifications": _policy_notifications(document, locator),
            "exitCode": (document.get("summary") or {}).get("exit_code", 0),
        }],
        "originalUriBaseIds": {SRCROOT: {
            "description": {"text": "The root of the repository (or of the scanned tree)."}}},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"summary": document.get("summary") or {},
                       "policy": document.get("policy") or {"configuration": None,
                                                            "deviations": []}},
    }
    provenance = _version_control(document)
    if provenance:
        run["versionControlProvenance"] = provenance
    return {"version": "2.1.0", "$schema": SCHEMA_URI, "runs": [run]}


def render(document: dict[str, Any], color: bool = False) -> str:
    return json.dumps(to_sarif(document), indent=2, ensure_ascii=False) + "\n"
