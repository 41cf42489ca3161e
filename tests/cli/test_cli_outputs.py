"""Where a scan's reports go: several report files in one run, --format for standard output,
the text summary on the terminal unless --quiet, -o refusing a format name, colour only on a
terminal and never with NO_COLOR or --no-color, and --fail-on-unresolved."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from pathlib import Path

import pytest
from helpers import OPEN_NSG, write_tree
from junitparser import JUnitXml

from iacjit.reports.formats import FORMATS

UNKNOWN_SOURCE = OPEN_NSG.replace('source_address_prefix = "*"',
                                  "source_address_prefix = var.admin_source")
UNKNOWN_SOURCE = 'variable "admin_source" {}\n' + UNKNOWN_SOURCE
FILE_OPTIONS = {"json": "r.json", "sarif": "r.sarif", "markdown": "r.md", "html": "r.html",
                "junit": "r.xml", "gitlab-sast": "gl-sast.json"}


def run(iacjit_bin: str, *args: str, cwd: Path, env: dict | None = None):
    env = {**os.environ, **(env or {}), "IACJIT_CACHE_DIR": str(cwd / ".cache")}
    return subprocess.run([iacjit_bin, "scan", *args, "--rule", "zt_net_001"], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture
def plan(tmp_path) -> Path:
    write_tree(tmp_path, {"main.tf": OPEN_NSG})
    return tmp_path


@pytest.mark.parametrize("name", FORMATS)
def test_output_named_like_a_format_is_refused(iacjit_bin, plan, name):
    proc = run(iacjit_bin, "-o", name, cwd=plan)
    assert proc.returncode == 2
    assert f"did you mean --format {name}?" in proc.stderr
    assert not (plan / name).exists()


def test_output_with_an_extension_is_a_file(iacjit_bin, plan):
    assert run(iacjit_bin, "-o", "json.txt", cwd=plan).returncode == 1
    assert (plan / "json.txt").read_text().startswith("main.tf")


@pytest.mark.parametrize("cache", [(), ("--no-cache",)])
def test_every_report_file_in_one_run(iacjit_bin, plan, cache):
    files = [arg for fmt, name in FILE_OPTIONS.items() for arg in (f"--{fmt}-output", name)]
    proc = run(iacjit_bin, "-f", "json", *files, *cache, cwd=plan)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["summary"]["findings"] == 1  # --format: standard output
    assert "iacjit: 1 finding(s)" in proc.stderr  # the summary, off the JSON stream
    assert json.loads((plan / "r.json").read_text())["summary"]["exit_code"] == 1
    assert json.loads((plan / "r.sarif").read_text())["version"] == "2.1.0"
    assert "<!-- iacjit" in (plan / "r.md").read_text()
    assert (plan / "r.html").read_text().lstrip().lower().startswith("<!doctype html>")
    assert JUnitXml.fromfile(str(plan / "r.xml")).failures == 1
    sast = json.loads((plan / "gl-sast.json").read_text())
    assert [v["identifiers"][0]["value"] for v in sast["vulnerabilities"]] == ["zt_net_001"]


@pytest.mark.parametrize(("args", "stdout_ends", "stderr_has"), [
    ((), "error(s)\n", None),                                        # text report, as before
    (("--sarif-output", "r.sarif"), "error(s)\n", None),             # files + summary
    (("--sarif-output", "r.sarif", "--quiet"), None, None),          # files only
    (("-o", "r.txt"), "error(s)\n", None),                           # -o: summary still shown
    (("-o", "r.txt", "-q"), None, None),
    (("-f", "sarif", "--junit-output", "r.xml"), "}\n", "iacjit: 1 finding(s)"),
    (("-f", "sarif", "--quiet"), "}\n", None),                       # asked-for report stays
    (("--quiet",), None, None),
])
def test_what_reaches_the_terminal(iacjit_bin, plan, args, stdout_ends, stderr_has):
    proc = run(iacjit_bin, *args, cwd=plan)
    assert proc.returncode == 1
    if stdout_ends is None:
        assert proc.stdout == ""
    else:
        assert proc.stdout.endswith(stdout_ends)
    if stderr_has:
        assert stderr_has in proc.stderr
    else:
        assert proc.stderr == ""


def test_two_reports_into_one_file_are_refused(iacjit_bin, plan):
    proc = run(iacjit_bin, "--json-output", "r.json", "--sarif-output", "./r.json", cwd=plan)
    assert proc.returncode == 2 and "name the same file" in proc.stderr


def test_report_files_are_written_on_an_unchanged_rescan(iacjit_bin, plan):
    """A warm re-scan writes every report again: from the cache when each is cached (text,
    JSON, SARIF), else rendered from a scan (JUnit)."""
    first = run(iacjit_bin, "--json-output", "r.json", "--junit-output", "r.xml", cwd=plan)
    for name in ("r.json", "r.xml"):
        (plan / name).unlink()
    again = run(iacjit_bin, "--json-output", "r.json", "--junit-output", "r.xml", cwd=plan)
    assert again.returncode == first.returncode == 1 and again.stdout == first.stdout
    assert json.loads((plan / "r.json").read_text())["summary"]["findings"] == 1
    assert JUnitXml.fromfile(str(plan / "r.xml")).failures == 1
    (plan / "r.json").unlink()
    cached = run(iacjit_bin, "--json-output", "r.json", cwd=plan)
    cached = run(iacjit_bin, "--json-output", "r.json", cwd=plan)  # served from the cache
    assert cached.returncode == 1 and cached.stdout == first.stdout
    assert json.loads((plan / "r.json").read_text())["summary"]["findings"] == 1


def _on_terminal(iacjit_bin: str, cwd: Path, *args: str, env: dict[str, str]) -> bytes:
    """The output of a scan whose standard output is a pseudo-terminal."""
    leader, follower = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environment.update(env, IACJIT_CACHE_DIR=str(cwd / ".cache"))
    proc = subprocess.Popen([iacjit_bin, "scan", *args, "--rule", "zt_net_001"], cwd=cwd,
                            stdout=follower, stderr=subprocess.DEVNULL, env=environment)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the scan has finished
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=120) == 1
    return b"".join(chunks)


@pytest.mark.parametrize(("env", "args", "colored"), [
    ({}, (), True),
    ({"NO_COLOR": "1"}, (), False),
    ({"NO_COLOR": ""}, (), True),  # no-color.org: only a non-empty value counts
    ({}, ("--no-color",), False),
    ({}, ("--sarif-output", "r.sarif"), True),  # the summary on the terminal keeps colour
    ({"NO_COLOR": "yes"}, ("--sarif-output", "r.sarif"), False),
])
def test_colour_only_on_a_terminal_and_never_with_no_color(iacjit_bin, plan, env, args,
                                                           colored):
    output = _on_terminal(iacjit_bin, plan, *args, env=env)
    assert b"zt_net_001" in output
    assert (b"\x1b[" in output) is colored


@pytest.mark.parametrize(("args", "config", "code", "junit_failures"), [
    ((), "", 0, 0),                                      # unresolved: reported, passes
    (("--fail-on-unresolved",), "", 1, 1),               # fails at zt_net_001's severity
    (("--fail-on-unresolved", "--fail-on", "critical"), "", 0, 0),
    ((), "fail_on_unresolved: true\n", 1, 1),            # the same from .iacjit.yaml
    ((), "fail_on_unresolved: true\nseverity: {zt_net_001: low}\nfail_on: medium\n", 0, 0),
])
def test_fail_on_unresolved(iacjit_bin, tmp_path, args, config, code, junit_failures):
    write_tree(tmp_path, {"main.tf": UNKNOWN_SOURCE})
    if config:
        (tmp_path / ".iacjit.yaml").write_text(config, encoding="utf-8")
    proc = run(iacjit_bin, *args, "--json-output", "r.json", "--junit-output", "r.xml",
               cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    [entry] = json.loads((tmp_path / "r.json").read_text())["unresolved"]
    assert entry["failing"] is bool(code)
    assert JUnitXml.fromfile(str(tmp_path / "r.xml")).failures == junit_failures
