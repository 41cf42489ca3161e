"""``--gitlab-sast-output``: GitLab's SAST security report (schema 15.1.4), for
``artifacts: reports: sast:`` — findings then appear in the merge-request security widget and
the vulnerability report.

Built from the JSON document (docs/json-format.md). Choices, and why (docs/reports.md has the
user's view):

* Every unsuppressed finding and every chain target is a vulnerability; a suppressed one is
  left out, since GitLab has no "accepted" state a report can set and would reopen it.
* An unresolved check is a vulnerability of severity ``Unknown``: GitLab shows it for review
  instead of it passing silently.
* ``id`` is a UUID derived from the finding's fingerprint, so it is stable across runs and
  GitLab tracks one vulnerability rather than a new one per pipeline.
* Unreadable inputs are ``scan.messages`` at level ``warn``: the rest was still scanned; so is
  each deviation of the configuration from the default policy (docs/security.md).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from iacjit.deviations import where
from iacjit.reports.locations import repo_relative
from iacjit.reports.sarif_report import DOCS_URI, INFORMATION_URI, rule_help_uri
from iacjit.rules import rule_by_id

SCHEMA_VERSION = "15.1.4"
SCHEMA_URI = ("https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
              f"v{SCHEMA_VERSION}/dist/sast-report-format.json")
SEVERITY = {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low",
            "info": "Info"}
_NAMESPACE = uuid.UUID("5b0f1e1a-7f4c-4f0e-9d43-1a6b2c9e0a16")  # iacjit's, for uuid5 ids


def _identifier(kind: str, value: str, url: str) -> dict[str, str]:
    return {"type": kind, "name": f"iacjit {value}", "value": value, "url": url}


def _location(file: str | None, line: int | None, end_line: int | None) -> dict[str, Any]:
    location: dict[str, Any] = {"file": repo_relative(file) if file else "."}
    if line:
        location["start_line"] = int(line)
        if end_line and int(end_line) >= int(line):
            location["end_line"] = int(end_line)
    return location


def _vulnerability(key: str, name: str, description: str, severity: str,
                   identifier: dict[str, str], location: dict[str, Any],
                   solution: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": str(uuid.uuid5(_NAMESPACE, key)),
        "name": name[:255],
        "description": description[:1048576],
        "severity": severity,
        "identifiers": [identifier],
        "location": location,
        "links": [{"name": identifier["name"], "url": identifier["url"]}],
    }
    if solution:
        item["solution"] = solution[:7000]
    return item


def _fix(rule_id: str) -> str | None:
    rule = rule_by_id(rule_id)
    return rule.fix if rule else None


def _findings(document: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for f in document.get("findings") or []:
        if f.get("suppressed"):
            continue
        key = f.get("fingerprint") or json.dumps(
            [f["rule_id"], f["file"], f["resource"], f.get("evidence")], sort_keys=True,
            default=str)
        items.append(_vulnerability(
            f"finding:{key}", f["title"], f["message"], SEVERITY.get(f["severity"], "Unknown"),
            _identifier("iacjit_rule", f["rule_id"], rule_help_uri(f["rule_id"])),
            _location(f["file"], f.get("line"), f.get("end_line")), _fix(f["rule_id"])))
    return items


def _chains(document: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for chain in document.get("chains") or []:
        if chain.get("suppressed"):
            continue
        identifier = _identifier("iacjit_chain", chain["chain_id"],
                                 f"{DOCS_URI}chains/{chain['chain_id']}.md")
        for target in chain.get("targets") or []:
            path = " -> ".join(str(step) for step in target.get("path") or [])
            description = (f"{chain['title']}: the internet reaches {target['vm_name']} on "
                           f"port(s) {', '.join(map(str, target['ports']))}.\n\n"
                           f"Attack path: {path}")
            fix = (target.get("fix") or {}).get("description")
            items.append(_vulnerability(
                f"chain:{chain.get('fingerprint')}:{target['vm']}",
                f"{chain['chain_id']}: {chain['title']}", description,
                SEVERITY.get(chain["severity"], "Critical"), identifier,
                _location(target.get("file"), target.get("line"), target.get("end_line")),
                fix))
    return items


def _unresolved(document: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for u in document.get("unresolved") or []:
        rule = rule_by_id(u["rule_id"])
        title = rule.title if rule else u["rule_id"]
        items.append(_vulnerability(
            f"unresolved:{u['rule_id']}:{u['file']}:{u['resource']}:{u['reason']}",
            f"Undecided: {title}",
            f"{u['resource']}: {u['reason']}. Supply the value (--var, --var-file, "
            "--parameters) or review the resource by hand.",
            "Unknown",
            _identifier("iacjit_unresolved", f"{u['rule_id']}/unresolved",
                        rule_help_uri(u["rule_id"])),
            _location(u["file"], u.get("line"), u.get("end_line")), None))
    return items


def to_gitlab_sast(document: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The report (as data) for one JSON report document."""
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S")
    tool = document.get("tool") or {}
    component = {"id": "iacjit", "name": "iacjit", "url": INFORMATION_URI,
                 "version": str(tool.get("version") or "0"), "vendor": {"name": "iacjit"}}
    messages = [
        {"level": "warn", "value": f"{e['file']}"
                                   f"{':' + str(e['line']) if e.get('line') else ''}: "
                                   f"{e['message']}"}
        for e in document.get("errors") or []
    ] + [
        {"level": "warn", "value": f"policy deviation: {d.get('kind')} {d.get('subject')}: "
                                   f"{d.get('detail')} ({where(d)})"}
        for d in (document.get("policy") or {}).get("deviations") or []
    ]
    return {
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URI,
        "scan": {"analyzer": component, "scanner": component, "type": "sast",
                 "start_time": stamp, "end_time": stamp, "status": "success",
                 "messages": messages},
        "vulnerabilities": _chains(document) + _findings(document) + _unresolved(document),
    }


def render(document: dict[str, Any], color: bool = False) -> str:
    return json.dumps(to_gitlab_sast(document), indent=2, ensure_ascii=False) + "\n"
