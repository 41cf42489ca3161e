"""``--format text``: grouped by file, ``file:line`` first, colour only on a terminal."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
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


Paint = Callable[[str, str], str]


def _painter(color: bool) -> Paint:
    def paint(text: str, style: str) -> str:
        return f"\x1b[{_COLORS[style]}m{text}\x1b[0m" if color else text

    return paint


def _section(paint: Paint, heading: str, body: list[str]) -> list[str]:
    """A bold heading over its lines and a blank line; nothing at all when there are none."""
    return [paint(heading, "bold"), *body, ""] if body else []


def _label(item: dict[str, Any]) -> str:
    """``HIGH``, ``HIGH (suppressed)``, ``HIGH new``: the severity as a line shows it."""
    return item["severity"].upper() + (" (suppressed)" if item["suppressed"] else "") \
        + _change(item)


def _chain_lines(chain: dict[str, Any], paint: Paint, several: bool) -> list[str]:
    """One attack chain: its title, what triggered it, and each VM's path with its fixes."""
    lines = [f"{paint(_label(chain), chain['severity'])}  {chain['chain_id']}  "
             f"{clean(chain['title'])}"]
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
    return [*lines, ""]


def _file_lines(file: str, findings: Iterable[dict[str, Any]], paint: Paint) -> list[str]:
    """The findings of one file under its name."""
    lines = [paint(clean(file), "bold")]
    for f in findings:
        lines.append(f"  {clean(file)}:{f['line']}  {paint(_label(f), f['severity'])}  "
                     f"{f['rule_id']}  {clean(f['resource'])}")
        lines.append(f"      {clean(f['message'])}")
        if via_text(f):
            lines.append(f"      {clean(via_text(f))}")
        if isinstance(f.get("declared"), dict):  # placed at its call site (the hook)
            lines.append(f"      declared in {clean(f['declared'].get('file'))}:"
                         f"{f['declared'].get('line')}")
    return [*lines, ""]


def _unresolved_lines(document: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for u in document["unresolved"]:
        lines.append(f"  {clean(u['file'])}:{u['line']}  {u['rule_id']}  "
                     f"{clean(u['resource'])}")
        lines.append(f"      {clean(u['reason'])}")
        if via_text(u):
            lines.append(f"      {clean(via_text(u))}")
    return lines


def _not_scanned_lines(document: dict[str, Any]) -> list[str]:
    return [f"  {clean(n['file'])}:{n['line'] or 1}  {clean(n['what'])}: {clean(n['reason'])}"
            for n in document["not_scanned"]]


def _warning_lines(document: dict[str, Any]) -> list[str]:
    lines = []
    for w in document.get("warnings") or []:
        where = f"{clean(w['file'])}:{w['line']}" if w.get("line") else clean(w["file"])
        lines.append(f"  {where}  {w['kind']}: {clean(w['message'])}")
    return lines


def _deviation_lines(deviations: list[dict[str, Any]]) -> list[str]:
    return [f"  {clean(deviation_source(d))}  {d['kind']} {clean(d['subject'])}: "
            f"{clean(d['detail'])}" for d in deviations]


def _error_lines(document: dict[str, Any]) -> list[str]:
    lines = []
    for e in document["errors"]:
        where = ":".join(str(x) for x in (e["line"], e["column"]) if x)
        lines.append(f"  {clean(e['file'])}{':' + where if where else ''}  "
                     f"{clean(e['message'])}")
    return lines


def _unit_lines(units: list[dict[str, Any]]) -> list[str]:
    lines = []
    for u in units:
        shared = f"; shares with {', '.join(map(clean, u['shared_with']))}" \
            if u.get("shared_with") else ""
        lines.append(f"  {clean(u['unit'])}  {', '.join(u['formats'])}, {u['resources']} "
                     f"resource(s), in {'; '.join(map(clean, u['accounts']))}{shared}")
    return lines


def _summary_line(summary: dict[str, Any], deviations: int, paint: Paint) -> str:
    """The last line: chains, findings by severity, and what else the scan met."""
    s = summary
    counts = ", ".join(f"{n} {sev}" for sev, n in s["by_severity"].items() if n)
    verdict = (paint(f"{s['findings']} finding(s) ({counts})", "high") if s["findings"]
               else paint("no findings", "ok"))
    if s["chains"]:
        verdict = paint(f"{s['chains']} attack chain(s)", "critical") + ", " + verdict
    return (
        f"iacjit: {verdict} in {s['files_scanned']} file(s), {s['resources']} resource(s); "
        + (f"{deviations} policy deviation(s), " if deviations else "")
        + f"{s['unresolved']} unresolved, {s['suppressed']} suppressed, {s['errors']} error(s)"
    )


def render(document: dict[str, Any], color: bool = False) -> str:
    paint = _painter(color)
    units = document.get("units") or []
    several = len(units) > 1  # one unit needs no naming: the scanned path says it
    deviations = (document.get("policy") or {}).get("deviations") or []
    lines: list[str] = []
    for chain in document["chains"]:
        lines += _chain_lines(chain, paint, several)
    for file, findings in groupby(document["findings"], key=lambda f: f["file"]):
        lines += _file_lines(file, findings, paint)
    lines += _section(paint, "Unresolved (a deciding value is unknown before deployment):",
                      _unresolved_lines(document))
    lines += _section(paint, "Not scanned:", _not_scanned_lines(document))
    lines += _section(paint, "Warnings (suppressions and baseline):", _warning_lines(document))
    lines += _section(paint, f"Policy: {len(deviations)} deviation(s) from the defaults:",
                      _deviation_lines(deviations))
    lines += _section(paint, "Errors:", _error_lines(document))
    if several:
        lines += _section(paint, "Deployment units (docs/deployment-units.md):",
                          _unit_lines(units))
    lines.append(_summary_line(document["summary"], len(deviations), paint))
    return "\n".join(_no_workflow_command(line) for line in lines) + "\n"
