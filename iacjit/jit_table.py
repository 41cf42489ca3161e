"""The ``iacjit jit-status`` table: Defender's "unhealthy resources" view, before deployment."""

from __future__ import annotations

from typing import Any

from iacjit.model.semantic import Model
from iacjit.rules.base import Settings
from iacjit.rules.jit_status import jit_status


def rows(model: Model, settings: Settings) -> list[dict[str, Any]]:
    out = []
    for vm in sorted(model.vms.values(), key=lambda v: (v.resource.file, v.resource.span.line)):
        status = jit_status(vm, model, settings)
        out.append({
            "vm": vm.name,
            "resource": vm.resource.address,
            "file": vm.resource.file,
            "line": vm.resource.span.line,
            "cloud": vm.cloud,
            "os": vm.os if isinstance(vm.os, str) else "unknown",
            "security_groups": status.groups,
            "exposed_ports": status.exposed_ports,
            "jit_ports": status.jit_ports,
            "category": status.category,
            "reason": status.reason,
        })
    return out


def render_text(table: list[dict[str, Any]]) -> str:
    from iacjit.reports.text_report import clean

    if not table:
        return "no virtual machines or EC2 instances found\n"
    headers = ["VM", "OS", "IN FRONT", "EXPOSED", "JIT", "CATEGORY", "WHERE"]
    body = [[clean(r["vm"]), r["os"], clean(", ".join(r["security_groups"]) or "-"),
             ",".join(map(str, r["exposed_ports"])) or "-",
             ",".join(map(str, r["jit_ports"])) or "-", r["category"],
             f"{clean(r['file'])}:{r['line']}"] for r in table]
    widths = [max(len(str(row[i])) for row in [headers, *body]) for i in range(len(headers))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in [headers, *body]]
    lines.append("")
    lines += [f"{clean(r['vm'])}: {r['category']} — {clean(r['reason'])}" for r in table]
    return "\n".join(lines) + "\n"
