"""``--format text``: grouped by file, ``file:line`` first, colour only on a terminal."""

from __future__ import annotations

import re
from itertools import groupby
from typing import Any

from iacjit.deviations import where as deviation_source
from iacjit.reports.call_sites import editable, via_text
from iacjit.reports.paths import target_lines

_COLORS = {"critical": "1;35", "high": "1;31", "medium": "33", "low": "36", "dim": "2",
           "ok": "32", "bold": "1"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_BREAKS = {"\n": "\\n", "\r": "\\r", "\t": " ",
           "##vso[": "##vso\\["}  # Azure Pipelines acts on this anywhere in a line


def clean(text: Any) -> str:
    """Scanned strings (file names included) may hold terminal escapes, line breaks or CI
    logging commands; a break shows as ``\\n`` so a value can never start a forged line of its
    own, and ``##vso[`` is escaped."""
    value = str(text)
    for raw, shown in _BREAKS.items():
        value = value.replace(raw, shown)
    return _CONTROL.sub("?", value)


def _no_workflow_command(line: str) -> str:
    """GitHub's runner acts on lines starting with ``::`` (``::error::``, ``::add-mask::``): a
    scanned name at the start of a line (a file's heading) must not be one."""
    stripped = line.lstrip()
    if stripped.startswith("::"):
        indent = line[: len(line) - len(stripped)]
        return f"{indent}\\{stripped}"
    return line


def _located(item: dict[str, Any]) -> str:
    """`` (file:line)``, with the module calls that lead there; something in a downloaded
    module is shown by its call sites only (its own file is not the user's to edit)."""
    own = f"{item['file']}:{item['line']}"
    via = via_text(item)
    if not via:
        return f" ({clean(own)})"
    if editable(item)["file"] != item["file"]:
        return f" ({clean(via)})"
    return f" ({clean(own)}, {clean(via)})"


def _change(item: dict[str, Any]) -> str:
    """`` new``/`` existing`` after the severity with --base-ref."""
    return f" {item['change']}" if item.get("change") else ""


def render(document: dict[str, Any], color: bool = False) -> str:
    def paint(text: str, style: str) -> str:
        return f"\x1b[{_COLORS[style]}m{text}\x1b[0m" if color else text

    lines: list[str] = []
    units = document.get("units") or []
    several = len(units) > 1  # one unit needs no naming: the scanned path says it
    for chain in document["chains"]:
        label = chain["severity"].upper() + (" (suppressed)" if chain["suppressed"] else "") \
            + _change(chain)
        lines.append(f"{paint(label, chain['severity'])}  {chain['chain_id']}  "
                     f"{clean(chain['title'])}")
        rules = sorted({t["rule_id"] for t in chain["triggers"]})
        lines.append(f"  triggered by {len(chain['triggers'])} finding(s) of {', '.join(rules)}")
        for target in chain["targets"]:
            unit = f" in unit {clean(target.get('unit'))}" if several else ""
            lines.append(f"  attack path to {clean(target['vm_name'])}"
                         f"{_located(target)}{unit}, port(s) "
                         f"{', '.join(map(str, target['ports']))}:")
            lines += ["      " + line for line in target_lines(target, clean)]
            for name, fix in (("cheapest fix", target["fix"]),
                              ("closes the exposure", target.get("closing_fix"))):
                if fix:
                    where = _located(fix) if fix["file"] else ""
                    lines.append(f"      {name}: {clean(fix['description'])}{where}")
        lines.append("")
    findings = document["findings"]
    for file, items in groupby(findings, key=lambda f: f["file"]):
        lines.append(paint(clean(file), "bold"))
        for f in items:
            label = f["severity"].upper() + (" (suppressed)" if f["suppressed"] else "") \
                + _change(f)
            lines.append(f"  {clean(file)}:{f['line']}  {paint(label, f['severity'])}  "
                         f"{f['rule_id']}  {clean(f['resource'])}")
            lines.append(f"      {clean(f['message'])}")
            if via_text(f):
                lines.append(f"      {clean(via_text(f))}")
            if isinstance(f.get("declared"), dict):  # placed at its call site (the hook)
                lines.append(f"      declared in {clean(f['declared'].get('file'))}:"
                             f"{f['declared'].get('line')}")
        lines.append("")
    if document["unresolved"]:
        lines.append(paint("Unresolved (a deciding value is unknown before deployment):", "bold"))
        for u in document["unresolved"]:
            lines.append(f"  {clean(u['file'])}:{u['line']}  {u['rule_id']}  "
                         f"{clean(u['resource'])}")
            lines.append(f"      {clean(u['reason'])}")
            if via_text(u):
                lines.append(f"      {clean(via_text(u))}")
        lines.append("")
    if document["not_scanned"]:
        lines.append(paint("Not scanned:", "bold"))
        for n in document["not_scanned"]:
            lines.append(f"  {clean(n['file'])}:{n['line'] or 1}  {clean(n['what'])}: "
                         f"{clean(n['reason'])}")
        lines.append("")
    if document.get("warnings"):
        lines.append(paint("Warnings (suppressions and baseline):", "bold"))
        for w in document["warnings"]:
            where = f"{clean(w['file'])}:{w['line']}" if w.get("line") else clean(w["file"])
            lines.append(f"  {where}  {w['kind']}: {clean(w['message'])}")
        lines.append("")
    deviations = (document.get("policy") or {}).get("deviations") or []
    if deviations:
        lines.append(paint(f"Policy: {len(deviations)} deviation(s) from the defaults:", "bold"))
        for d in deviations:
            lines.append(f"  {clean(deviation_source(d))}  {d['kind']} {clean(d['subject'])}: "
                         f"{clean(d['detail'])}")
        lines.append("")
    if document["errors"]:
        lines.append(paint("Errors:", "bold"))
        for e in document["errors"]:
            where = ":".join(str(x) for x in (e["line"], e["column"]) if x)
            lines.append(f"  {clean(e['file'])}{':' + where if where else ''}  "
                         f"{clean(e['message'])}")
        lines.append("")
    if several:
        lines.append(paint("Deployment units (docs/deployment-units.md):", "bold"))
        for u in units:
            shared = f"; shares with {', '.join(map(clean, u['shared_with']))}" \
                if u.get("shared_with") else ""
            lines.append(f"  {clean(u['unit'])}  {', '.join(u['formats'])}, {u['resources']} "
                         f"resource(s), in {'; '.join(map(clean, u['accounts']))}{shared}")
        lines.append("")
    s = document["summary"]
    counts = ", ".join(f"{n} {sev}" for sev, n in s["by_severity"].items() if n)
    verdict = (paint(f"{s['findings']} finding(s) ({counts})", "high") if s["findings"]
               else paint("no findings", "ok"))
    if s["chains"]:
        verdict = paint(f"{s['chains']} attack chain(s)", "critical") + ", " + verdict
    lines.append(
        f"iacjit: {verdict} in {s['files_scanned']} file(s), {s['resources']} resource(s); "
        + (f"{len(deviations)} policy deviation(s), " if deviations else "")
        + f"{s['unresolved']} unresolved, {s['suppressed']} suppressed, {s['errors']} error(s)"
    )
    return "\n".join(_no_workflow_command(line) for line in lines) + "\n"
