"""What many tests share: the repository, the smallest open-SSH plan, writing and copying trees.

Import from here (``from helpers import OPEN_NSG``); fixtures live in tests/conftest.py.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
AZURE_SAMPLE = REPO / "samples/terraform/azure/vulnerable"

# The smallest plan with a zt_net_001 finding: SSH open to "*" on line 4 (inline rule 4-12).
OPEN_NSG = '''
resource "azurerm_network_security_group" "nsg" {
  name = "nsg"
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


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


def copy_samples(work: Path, samples: Mapping[str, Path] | Path) -> Path:
    """Copy sample directories into *work*/src (each under its name when a mapping); the
    copy, not the repository, is what cache tests change."""
    target = work / "src"
    if isinstance(samples, Path):
        shutil.copytree(samples, target)
    else:
        for name, source in samples.items():
            shutil.copytree(source, target / name)
    return target
