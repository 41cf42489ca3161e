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
from helpers import OPEN_NSG, REPO, write_tree

GITHUB_EXAMPLE = REPO / "docs" / "ci" / "github-actions.yml"
# The GitHub example uses the action (action.yml, tests/test_github_action.py); the others call
# iacjit themselves.
EXAMPLES = sorted(p for p in (REPO / "docs" / "ci").glob("*.yml") if p != GITHUB_EXAMPLE)


def _commands(text: str) -> list[str]:
    """Shell lines that call iacjit or end the job with its exit code, in file order."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(- )?(script|run)?:?\s*", "", line).strip()
        if line.startswith(("iacjit ", "if [ -n", "code=", "exit ")):
            lines.append(line)
    return lines


def _run(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    proc = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    assert "Traceback" not in proc.stderr, (script, proc.stderr)
    return proc


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(example: Path, iacjit_bin, tmp_path):
    """GitLab runs a job's script lines in one shell and stops at the first failing one; Azure
    runs each step in its own shell and expands ``$(NAME)`` from ``##vso[task.setvariable]``."""
    text = example.read_text(encoding="utf-8")
    assert isinstance(yaml.safe_load(text), dict)
    commands = [c.replace("iacjit comment --report", "iacjit comment --dry-run --report")
                for c in _commands(text)]
    [scan] = [c for c in commands if "iacjit scan" in c]  # one scan writes every report
    assert "--sarif-output" in scan and "--json-output" in scan and "--junit-output" in scan
    assert any("iacjit comment" in c for c in commands)
    write_tree(tmp_path, {"main.tf": OPEN_NSG})
    reports = tmp_path / "reports"
    reports.mkdir()
    bin_dir = str(Path(iacjit_bin).parent)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "GITLAB", "CI_", "TF_BUILD", "SYSTEM_", "NO_COLOR"))}
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["CI_MERGE_REQUEST_IID"] = "5"  # GitLab's guard: take the comment branch
    if "gitlab" in example.name:
        proc = _run("set -e\n" + "\n".join(commands), tmp_path, env)
        log, final = proc.stdout, proc.returncode
        sast = json.loads((tmp_path / "gl-sast-report.json").read_text())
        assert "zt_net_001" in [v["identifiers"][0]["value"] for v in sast["vulnerabilities"]]
    else:
        variables = {"REPORTS": str(reports)}
        codes, log = [], ""
        for command in commands:
            command = re.sub(r"\$\((\w+)\)", lambda m: variables[m.group(1)], command)
            proc = _run(command, tmp_path, env)
            codes.append(proc.returncode)
            log += proc.stdout
            variables.update(re.findall(r"##vso\[task\.setvariable variable=(\w+)\](.*)",
                                        proc.stdout))
        assert codes[:-1] == [0] * (len(codes) - 1)
        final = codes[-1]
    assert final == 1  # the job fails on the high finding, after the reports and the comment
    assert "zt_net_001" in log  # the text summary reached the job log
    folder = next(d for d in (tmp_path, reports) if (d / "iacjit.json").exists())
    assert json.loads((folder / "iacjit.json").read_text())["summary"]["exit_code"] == 1
    assert json.loads((folder / "iacjit.sarif").read_text())["version"] == "2.1.0"
    assert "<testsuites" in (folder / "iacjit-junit.xml").read_text()


def test_github_example_uses_the_action_with_its_inputs():
    workflow = yaml.safe_load(GITHUB_EXAMPLE.read_text(encoding="utf-8"))
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    [job] = workflow["jobs"].values()
    [step] = [s for s in job["steps"] if s.get("uses", "").startswith("iacjit/iacjit@")]
    assert set(step["with"]) <= set(action["inputs"])
    assert {"security-events": "write", "pull-requests": "write"}.items() <= \
        job["permissions"].items()
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # base-ref needs the base commit
