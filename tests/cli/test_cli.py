"""The installed console script: formats, exit codes, outputs, errors (no tracebacks)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from helpers import OPEN_NSG, REPO, write_tree


def run(bin_path: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([bin_path, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def run_net(bin_path: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Only zt_net_001: these tests are about the CLI, not about the other rules."""
    if args and args[0] == "scan":
        args = (*args, "--rule", "zt_net_001")
    return run(bin_path, *args, cwd=cwd)


def test_version_and_rules(iacjit_bin, tmp_path):
    version = run(iacjit_bin, "--version", cwd=tmp_path)
    assert version.returncode == 0 and "iacjit, version" in version.stdout
    rules = run(iacjit_bin, "rules", cwd=tmp_path)
    assert rules.returncode == 0
    assert "zt_net_001" in rules.stdout and "high" in rules.stdout


def test_text_output_and_exit_code(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"infra/main.tf": OPEN_NSG})
    proc = run_net(iacjit_bin, "scan", "infra", cwd=tmp_path)
    assert proc.returncode == 1
    assert "infra/main.tf:4" in proc.stdout
    assert "\x1b[" not in proc.stdout  # no colour when not on a terminal
    assert proc.stdout.strip().splitlines()[-1].startswith("iacjit: 1 finding(s)")


def test_default_path_is_current_directory(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": OPEN_NSG})
    proc = run(iacjit_bin, "scan", "--format", "json", cwd=tmp_path)
    assert json.loads(proc.stdout)["findings"][0]["file"] == "main.tf"


def test_fail_on_threshold(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": OPEN_NSG})
    assert run(iacjit_bin, "scan", "--fail-on", "critical", cwd=tmp_path).returncode == 0
    assert run(iacjit_bin, "scan", "--fail-on", "high", cwd=tmp_path).returncode == 1
    assert run(iacjit_bin, "scan", "--fail-on", "none", cwd=tmp_path).returncode == 0


def test_clean_input_exits_zero(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": OPEN_NSG.replace('"*"', '"10.0.0.0/8"')})
    proc = run_net(iacjit_bin, "scan", cwd=tmp_path)
    assert proc.returncode == 0 and "no findings" in proc.stdout


def test_output_file(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": OPEN_NSG})
    proc = run_net(iacjit_bin, "scan", "--format", "json", "--output", "out.json",
                   cwd=tmp_path)
    assert proc.returncode == 1  # the text summary still says why, in the CI log
    assert proc.stdout.splitlines()[-1].startswith("iacjit: 1 finding(s) (1 high)")
    assert json.loads((tmp_path / "out.json").read_text())["summary"]["findings"] == 1
    quiet = run_net(iacjit_bin, "scan", "-f", "json", "-o", "out.json", "--quiet",
                    cwd=tmp_path)
    assert quiet.returncode == 1 and quiet.stdout == ""


def test_broken_file_exit_2_and_others_still_scanned(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"a/main.tf": OPEN_NSG, "b/broken.tf": 'resource "x" "y" {\n  a = \n'})
    proc = run_net(iacjit_bin, "scan", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    document = json.loads(proc.stdout)
    assert len(document["findings"]) == 1
    (error,) = document["errors"]
    assert error["file"] == "b/broken.tf" and error["line"] == 2


def test_var_and_var_file_flags(iacjit_bin, tmp_path):
    write_tree(tmp_path, {
        "main.tf": 'variable "src" {}\n' + OPEN_NSG.replace('"*"', "var.src"),
        "prod.tfvars": 'src = "Internet"\n',
    })
    unresolved = json.loads(run_net(iacjit_bin, "scan", "--format", "json",
                                    cwd=tmp_path).stdout)
    assert unresolved["findings"] == [] and len(unresolved["unresolved"]) == 1
    with_file = run_net(iacjit_bin, "scan", "--var-file", "prod.tfvars", cwd=tmp_path)
    assert with_file.returncode == 1
    with_var = run_net(iacjit_bin, "scan", "--var", "src=10.0.0.0/8", cwd=tmp_path)
    assert with_var.returncode == 0


def test_usage_errors_are_clear(iacjit_bin, tmp_path):
    proc = run(iacjit_bin, "scan", "--var", "novalue", cwd=tmp_path)
    assert proc.returncode == 2 and "NAME=VALUE" in proc.stderr
    assert "Traceback" not in proc.stderr
    missing = run(iacjit_bin, "scan", "does-not-exist", "--format", "json", cwd=tmp_path)
    assert missing.returncode == 2
    assert "no such file" in json.loads(missing.stdout)["errors"][0]["message"]


def test_python_dash_m(tmp_path):
    import sys

    proc = subprocess.run([sys.executable, "-m", "iacjit", "--version"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0 and "iacjit" in proc.stdout


def test_samples_demo_shows_findings(iacjit_bin):
    proc = run_net(iacjit_bin, "scan", "samples/terraform", "--format", "json", cwd=REPO)
    document = json.loads(proc.stdout)
    files = {f["file"] for f in document["findings"]}
    assert "samples/terraform/azure/vulnerable/main.tf" in files
    assert "samples/terraform/aws/vulnerable/main.tf" in files
    assert not any("/fixed/" in f for f in files)


def test_rule_selection(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": OPEN_NSG})
    everything = json.loads(run(iacjit_bin, "scan", "--format", "json", cwd=tmp_path).stdout)
    assert {f["rule_id"] for f in everything["findings"]} == {"zt_net_001", "zt_vis_008"}
    skipped = json.loads(run(iacjit_bin, "scan", "--format", "json", "--skip-rule",
                             "zt_net_001", cwd=tmp_path).stdout)
    assert {f["rule_id"] for f in skipped["findings"]} == {"zt_vis_008"}
    bad = run(iacjit_bin, "scan", "--rule", "zt_nope", cwd=tmp_path)
    assert bad.returncode == 2 and "unknown rule" in bad.stderr


def test_external_control_turns_finding_into_note(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": OPEN_NSG})
    proc = run(iacjit_bin, "scan", "--format", "json", "--rule", "zt_vis_008",
               "--external-control", "zt_vis_008", cwd=tmp_path)
    document = json.loads(proc.stdout)
    (note,) = document["findings"]
    assert note["severity"] == "info" and note["evidence"]["external_control"] is True
    assert proc.returncode == 0
