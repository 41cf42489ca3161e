"""The ready-to-copy CI examples in docs/ci/: valid YAML, and their iacjit command lines run as
written (paths substituted; the comment as a dry run) and produce the files the next steps use."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import OPEN_NSG, REPO, write_tree

EXAMPLES = sorted((REPO / "docs" / "ci").glob("*.yml"))


def _commands(text: str) -> list[str]:
    """Shell lines that call iacjit or the exit-code gate, in file order."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(- )?(script|run)?:?\s*", "", line).strip()
        if line.startswith(("iacjit ", "if [ -n", "python -c 'import json")):
            lines.append(line)
    return lines


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(example: Path, iacjit_bin, tmp_path):
    text = example.read_text(encoding="utf-8")
    assert isinstance(yaml.safe_load(text), dict)
    commands = _commands(text)
    assert any("--format sarif" in c for c in commands)
    assert any("iacjit comment" in c for c in commands)
    write_tree(tmp_path, {"main.tf": OPEN_NSG})
    reports = tmp_path / "reports"
    reports.mkdir()
    bin_dir = str(Path(iacjit_bin).parent)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "GITLAB", "CI_", "TF_BUILD", "SYSTEM_"))}
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["CI_MERGE_REQUEST_IID"] = "5"  # GitLab's guard: take the comment branch
    codes = []
    for command in commands:
        command = command.replace("$(REPORTS)", str(reports))
        command = command.replace("iacjit comment --report", "iacjit comment --dry-run --report")
        proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        codes.append(proc.returncode)
        assert "Traceback" not in proc.stderr, (command, proc.stderr)
    report = next(p for p in (tmp_path / "iacjit.json", reports / "iacjit.json") if p.exists())
    assert json.loads(report.read_text())["summary"]["exit_code"] == 1
    sarif = next(p for p in (tmp_path / "iacjit.sarif", reports / "iacjit.sarif") if p.exists())
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert codes[:-1] == [0] * (len(codes) - 1)
    assert codes[-1] == 1  # the gate fails the job on the high finding
