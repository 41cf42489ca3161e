"""Peak memory of a scan whose input holds one huge literal (issue 16): must stay < 1 GiB.

Each case is one file just under the default 10 MB file bound made of a single string (HCL
quoted string and heredoc, ARM/CloudFormation JSON, CloudFormation YAML, Bicep), beside an
open-SSH control file.  The scan runs as ``iacjit scan`` in a child process; its resident
memory, summed over the child and every process below it (the parse pool), is sampled every
10 ms from /proc.  Usage::

    .venv/bin/python benchmarks/memory_huge_literals.py [--jobs N] [--size BYTES]

Prints one line per case (peak MiB, seconds, exit code) and exits 1 when a case reaches the
limit.  Linux only (/proc).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT_MIB = 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
CONTROL = '''resource "azurerm_network_security_group" "control" {
  name = "control"
  security_rule {
    name = "ssh"
    priority = 100
    direction = "Inbound"
    access = "Allow"
    protocol = "Tcp"
    destination_port_range = "22"
    source_address_prefix = "*"
  }
}
'''


def cases(size: int) -> dict[str, tuple[str, str]]:
    """name -> (file name, content) with one literal of about *size* bytes."""
    blob = "a" * size
    arm = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                      "deploymentTemplate.json#", "contentVersion": "1.0.0.0",
           "resources": [{"type": "Microsoft.Network/networkSecurityGroups",
                          "apiVersion": "2023-05-01", "name": "n", "location": "westeurope",
                          "tags": {"blob": blob}, "properties": {"securityRules": []}}]}
    return {
        "hcl-string": ("big.tf", f'locals {{\n  blob = "{blob}"\n}}\n'),
        "hcl-heredoc": ("big.tf", f"locals {{\n  blob = <<EOT\n{blob}\nEOT\n}}\n"),
        "hcl-interpolated": ("big.tf", f'locals {{\n  blob = "${{local.x}}{blob}"\n'
                                       '  x = "y"\n}\n'),
        "arm-json": ("big.json", json.dumps(arm)),
        "cfn-yaml": ("big.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
                                 "  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n"
                                 f"      GroupDescription: '{blob}'\n"),
        "bicep": ("big.bicep", f"var blob = '{blob}'\n"),
        "tfvars": ("terraform.tfvars", f'blob = "{blob}"\n'),
    }


def _tree_rss(root: int) -> int:
    """Resident bytes of *root* and all its descendants."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    todo.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(directory: Path, jobs: int) -> tuple[float, float, int]:
    """(peak MiB over the process tree, seconds, exit code) of one scan of *directory*."""
    env = {**os.environ, "IACJIT_JOBS": str(jobs)}
    command = [str(Path(sys.executable).with_name("iacjit")), "scan", ".", "--no-cache",
               "--no-config", "--format", "json", "--fail-on", "none"]
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=directory, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    peak = 0
    while child.poll() is None:
        peak = max(peak, _tree_rss(child.pid))
        time.sleep(0.01)
    return peak / 2**20, time.perf_counter() - start, child.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="IACJIT_JOBS for the scan")
    parser.add_argument("--size", type=int, default=9_500_000, help="literal size in bytes")
    parser.add_argument("--copies", type=int, default=2,
                        help="files with a huge literal per case (one per pool worker)")
    args = parser.parse_args()
    worst = 0.0
    for name, (file_name, content) in cases(args.size).items():
        with tempfile.TemporaryDirectory() as temporary:
            root = Path(temporary)
            (root / "control.tf").write_text(CONTROL)
            for copy in range(args.copies):
                folder = root / f"d{copy}"
                folder.mkdir()
                (folder / file_name).write_text(content)
                if file_name.endswith(".tfvars"):  # read for the root beside it
                    (folder / "main.tf").write_text('variable "blob" {}\n')
            peak, seconds, code = measure(root, args.jobs)
        worst = max(worst, peak)
        print(f"{name:18} peak {peak:7.1f} MiB  {seconds:6.1f} s  exit {code}", flush=True)
    print(f"worst peak {worst:.1f} MiB (limit {LIMIT_MIB} MiB)")
    return 0 if worst < LIMIT_MIB else 1


if __name__ == "__main__":
    sys.exit(main())
