"""``iacjit jit-status``: the per-VM table, text and JSON."""

from __future__ import annotations

import json
import subprocess

import pytest
from helpers import REPO


def test_jit_status_json_on_samples(iacjit_bin):
    proc = subprocess.run([iacjit_bin, "jit-status", "--format", "json",
                           "samples/terraform/azure/vulnerable", "samples/terraform/azure/fixed"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    table = json.loads(proc.stdout)["vms"]
    by_file = {row["file"]: row for row in table}
    vulnerable = by_file["samples/terraform/azure/vulnerable/main.tf"]
    assert vulnerable["category"] == "unhealthy" and vulnerable["exposed_ports"] == [22, 3389]
    assert vulnerable["security_groups"] == ["web-nsg"] and vulnerable["os"] == "linux"
    fixed = by_file["samples/terraform/azure/fixed/main.tf"]
    assert fixed["category"] == "healthy" and fixed["jit_ports"] == [22]


def test_jit_status_text(iacjit_bin):
    proc = subprocess.run([iacjit_bin, "jit-status", "samples/terraform/aws/fixed"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    header = proc.stdout.splitlines()[0].split()
    assert header[:2] == ["VM", "OS"] and "CATEGORY" in header
    assert "healthy" in proc.stdout and "Instance Connect Endpoint" in proc.stdout


@pytest.mark.parametrize("flags, ports", [
    ((), [22]),  # .iacjit.yaml: SSH is the only management port of this repository
    (("--no-config",), [22, 3389]),
])
def test_jit_status_honours_the_configuration(iacjit_bin, tree, flags, ports):
    (tree.parent / ".iacjit.yaml").write_text("management_ports: [22]\n", encoding="utf-8")
    proc = subprocess.run([iacjit_bin, "jit-status", "--format", "json", *flags, "src"],
                          cwd=tree.parent, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    [row] = json.loads(proc.stdout)["vms"]
    assert row["exposed_ports"] == ports
