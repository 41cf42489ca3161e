"""The composite GitHub Action (action.yml): its steps' scripts run as the runner runs them — bash,
in a temporary workspace with the variables GitHub sets, ``${{ }}`` references resolved into the
steps' env, GITHUB_PATH and GITHUB_OUTPUT honoured between steps — against a stand-in for the
GitHub API on 127.0.0.1. Only the SARIF upload (another action) is not run: its input is checked.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from helpers import OPEN_NSG, REPO

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
CLOSED_NSG = OPEN_NSG.replace('source_address_prefix = "*"',
                              'source_address_prefix = "10.0.0.0/8"')


def _step(key: str) -> dict:
    return next(s for s in STEPS if s.get("id") == key or s.get("name") == key)


class FakeGitHub:
    """Records the API requests of ``iacjit comment`` and answers as GitHub would."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict | None]] = []
        self.url = ""


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            fake.requests.append((self.command, self.path.split("?")[0], body))
            status, answer = (201, {"id": 1}) if self.command == "POST" else (200, [])
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _serve

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Runner:
    """What the GitHub runner does around a composite action's ``run`` steps."""

    def __init__(self, root: Path, workspace: Path, inputs: dict[str, str], api: str) -> None:
        self.temp = root / "runner-temp"
        self.temp.mkdir(exist_ok=True)
        self.workspace = workspace
        self.inputs = {name: str(spec.get("default", "")) for name, spec in
                       ACTION["inputs"].items()}
        self.inputs.update(inputs, **{"github-token": "gh-token"})
        self.outputs: dict[str, dict[str, str]] = {}
        self.path_file = root / "github_path"
        self.path_file.touch()
        event = root / "event.json"
        event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": "abc"}}}))
        keep = {k: v for k, v in os.environ.items()
                if not k.startswith(("GITHUB_", "RUNNER_", "CI", "IACJIT", "VIRTUAL_ENV"))}
        keep["PATH"] = os.pathsep.join(p for p in keep.get("PATH", "").split(os.pathsep)
                                       if not p.startswith(str(REPO)))  # not the test venv
        self.env = {**keep, "CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_TEMP": str(self.temp),
                    "GITHUB_WORKSPACE": str(workspace), "GITHUB_ACTION_PATH": str(REPO),
                    "GITHUB_PATH": str(self.path_file), "GITHUB_EVENT_NAME": "pull_request",
                    "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "o/r",
                    "GITHUB_REF": "refs/pull/7/merge", "GITHUB_API_URL": api,
                    "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}

    def value(self, expression: str) -> str:
        scope, _, name = expression.partition(".")
        if scope == "inputs":
            return self.inputs[name]
        if scope == "steps":
            step, _, output = name.partition(".outputs.")
            return self.outputs.get(step, {}).get(output, "")
        raise AssertionError(f"unexpected expression in a step's env: {expression}")

    def run(self, key: str) -> subprocess.CompletedProcess:
        step = _step(key)
        assert step["shell"] == "bash" and "${{" not in step["run"]  # inputs only through env
        env = {name: EXPRESSION.sub(lambda m: self.value(m.group(1)), str(value))
               for name, value in (step.get("env") or {}).items()}
        output = self.temp / f"output-{key}"
        output.touch()
        added = [line for line in self.path_file.read_text().splitlines() if line]
        path = os.pathsep.join([*reversed(added), self.env["PATH"]])
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c",
                               step["run"]],
                              cwd=self.workspace, capture_output=True, text=True, timeout=900,
                              env={**self.env, **env, "PATH": path, "GITHUB_OUTPUT": str(output)})
        if step.get("id"):
            self.outputs[step["id"]] = dict(
                line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        return proc


def _git(workspace: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid",
                           *args], cwd=workspace, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def workspace(tmp_path) -> tuple[Path, str]:
    """A checkout whose base commit has a closed NSG and whose head opens SSH to the world."""
    ws = tmp_path / "ws"
    (ws / "infra").mkdir(parents=True)
    _git(ws, "init", "-q", "-b", "main")
    (ws / "infra" / "main.tf").write_text(CLOSED_NSG, encoding="utf-8")
    _git(ws, "add", ".")
    _git(ws, "commit", "-q", "-m", "base")
    base = _git(ws, "rev-parse", "HEAD")
    (ws / "infra" / "main.tf").write_text(OPEN_NSG, encoding="utf-8")
    _git(ws, "commit", "-q", "-am", "open ssh")
    return ws, base


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The install step, run once: iacjit in a virtualenv from the action's checkout."""
    root = tmp_path_factory.mktemp("install")
    runner = Runner(root, root, {}, "http://127.0.0.1:9")
    proc = runner.run("install")
    assert proc.returncode == 0, proc.stderr[-3000:]
    [bin_dir] = runner.path_file.read_text().split()
    return Path(bin_dir)


def _runner(tmp_path: Path, workspace: Path, installed: Path, inputs: dict, api: str) -> Runner:
    runner = Runner(tmp_path, workspace, inputs, api)
    runner.path_file.write_text(f"{installed}\n")
    return runner


def test_install_step_uses_its_own_virtualenv(installed):
    iacjit = installed / "iacjit"
    assert iacjit.is_file() and not installed.is_relative_to(REPO)
    where = subprocess.run([installed / "python", "-c", "import iacjit; print(iacjit.__file__)"],
                           capture_output=True, text=True, cwd=installed, check=True)
    assert Path(where.stdout.strip()).is_relative_to(installed.parent)


def test_new_finding_fails_the_job_after_upload_and_comment(tmp_path, workspace, installed,
                                                           github):
    ws, base = workspace
    runner = _runner(tmp_path, ws, installed, {"paths": "infra", "fail-on": "high",
                                               "base-ref": base}, github.url)
    scan = runner.run("scan")
    assert scan.returncode == 0, scan.stderr  # the verdict comes last, after upload and comment
    assert "zt_net_001" in scan.stdout  # the text report reaches the job log
    outputs = runner.outputs["scan"]
    assert outputs["exit-code"] == "1"
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]].count("zt_net_001") == 1
    report = json.loads(Path(outputs["json-file"]).read_text())
    assert report["base"] == {"ref": base, "merge_base": base}  # compared by iacjit --base-ref
    assert [(f["change"], f["suppressed"]) for f in report["findings"]
            if f["rule_id"] == "zt_net_001"] == [("new", False)]  # this change opened SSH
    assert {f["rule_id"]: f["change"] for f in report["findings"]} == {
        "zt_net_001": "new", "zt_vis_008": "existing"}  # the base's NSG had no alert either
    assert report["summary"]["new_findings"] == 1
    assert _git(ws, "worktree", "list").count("\n") == 0  # no checkout of the base
    assert _git(ws, "status", "--porcelain") == ""  # nor anything else written in the clone

    upload = _step("Upload SARIF to code scanning")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert EXPRESSION.sub(lambda m: runner.value(m.group(1)),
                          upload["with"]["sarif_file"]) == outputs["sarif-file"]
    assert "inputs.sarif-upload == 'true'" in upload["if"] and "always()" in upload["if"]

    comment = _step("Pull-request comment")
    assert "inputs.pr-comment == 'true'" in comment["if"] and "always()" in comment["if"]
    proc = runner.run("Pull-request comment")
    assert proc.returncode == 0, proc.stderr
    posts = [r for r in github.requests if r[0] == "POST"]
    assert [p[1] for p in posts] == ["/repos/o/r/issues/7/comments"]
    body = posts[0][2]["body"]
    assert "### ❌ iacjit: 1 new finding (1 high)" in body  # leads with what the change adds
    assert f"<summary>Already on {base} (1): not added by this change</summary>" in body

    verdict = runner.run("Verdict")
    assert verdict.returncode == 1
    assert "findings at or above the fail-on severity" in verdict.stdout


def test_findings_already_in_the_base_pass(tmp_path, workspace, installed, github):
    ws, _ = workspace
    head = _git(ws, "rev-parse", "HEAD")
    runner = _runner(tmp_path, ws, installed, {"paths": "infra", "base-ref": head}, github.url)
    runner.run("scan")
    assert runner.outputs["scan"]["exit-code"] == "0"
    report = json.loads(Path(runner.outputs["scan"]["json-file"]).read_text())
    assert report["findings"] and {(f["change"], f["suppressed"]) for f in report["findings"]} \
        == {("existing", False)}  # listed as what the base already had, not hidden
    assert runner.run("Verdict").returncode == 0
    assert runner.run("Pull-request comment").returncode == 0
    body = [r[2]["body"] for r in github.requests if r[0] == "POST"][0]
    assert f"nothing new ({len(report['findings'])} already on {head})" in body


def test_a_branch_name_is_compared_at_its_merge_base(tmp_path, workspace, installed, github):
    """base-ref names the target branch, which made the same change after the fork point: the
    comparison is with the merge base (as iacjit --base-ref does), not the branch's tip, so the
    change still adds the finding."""
    ws, base = workspace
    _git(ws, "checkout", "-q", "-b", "feature")
    _git(ws, "checkout", "-q", "-b", "target", base)
    (ws / "infra" / "main.tf").write_text(OPEN_NSG, encoding="utf-8")
    _git(ws, "commit", "-q", "-am", "the target branch opens SSH too")
    _git(ws, "checkout", "-q", "feature")
    runner = _runner(tmp_path, ws, installed, {"paths": "infra", "base-ref": "target"},
                     github.url)
    runner.run("scan")
    report = json.loads(Path(runner.outputs["scan"]["json-file"]).read_text())
    assert report["base"] == {"ref": "target", "merge_base": base}
    assert {f["rule_id"]: f["change"] for f in report["findings"]} == {
        "zt_net_001": "new", "zt_vis_008": "existing"}  # "existing" on the target's tip
    assert runner.outputs["scan"]["exit-code"] == "1"


def test_a_base_ref_that_cannot_be_found_reports_everything_as_new(tmp_path, workspace,
                                                                   installed, github):
    ws, _ = workspace
    runner = _runner(tmp_path, ws, installed, {"paths": "infra", "base-ref": "no-such-branch"},
                     github.url)
    scan = runner.run("scan")
    assert "--base-ref no-such-branch: no branch or commit" in scan.stderr  # one sentence
    assert runner.outputs["scan"]["exit-code"] == "1"
    report = json.loads(Path(runner.outputs["scan"]["json-file"]).read_text())
    assert report["base"]["merge_base"] is None and "no-such-branch" in report["base"]["error"]
    assert {f["change"] for f in report["findings"]} == {"new"}


def test_empty_base_ref_is_off_even_in_a_pull_request(tmp_path, workspace, installed, github):
    ws, _ = workspace
    runner = _runner(tmp_path, ws, installed, {"paths": "infra"}, github.url)
    runner.env["GITHUB_BASE_REF"] = "main"  # what GitHub sets in every pull-request job
    runner.run("scan")
    report = json.loads(Path(runner.outputs["scan"]["json-file"]).read_text())
    assert "base" not in report and all("change" not in f for f in report["findings"])
    assert runner.outputs["scan"]["exit-code"] == "1"


def test_a_base_ref_is_never_an_option_of_git(tmp_path, workspace, installed, github):
    ws, _ = workspace
    marker = tmp_path / "pwned"
    runner = _runner(tmp_path, ws, installed,
                     {"paths": "infra", "base-ref": f"--upload-pack=touch {marker}"}, github.url)
    runner.run("scan")
    assert not marker.exists()
    assert runner.outputs["scan"]["exit-code"] == "1"  # not found: everything is new


def test_inputs_cannot_inject_shell(tmp_path, workspace, installed, github):
    ws, _ = workspace
    marker = tmp_path / "injected"
    runner = _runner(tmp_path, ws, installed,
                     {"paths": f"infra $(touch {marker})", "fail-on": "none"}, github.url)
    runner.run("scan")
    assert not marker.exists()
    # "$(touch" and "...)" stay words: paths that do not exist, an input error (exit 2)
    assert runner.outputs["scan"]["exit-code"] == "2"
