"""The pre-commit hook: pure planning/filtering, and the real ``pre-commit try-repo``.

try-repo installs the hook from a git repository, so the working tree is copied into a
temporary repository and committed there; pre-commit then builds the hook environment with pip
(once per session, in a session-scoped PRE_COMMIT_HOME).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import REPO, nsg_tf, write_tree

from iacjit import hook
from iacjit.cli import main

VULNERABLE_TF = "\n" + nsg_tf("web", name="web-nsg", source='"0.0.0.0/0"', before_rule=(
    '  location = "westeurope"\n  resource_group_name = "rg"\n\n'))

CLEAN_TF = """
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
"""

GIT_ENV = {
    "GIT_AUTHOR_NAME": "iacjit tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "iacjit tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})


# --------------------------------------------------------------------------------------------
# plan / filter_document


def test_plan_scans_the_repository_when_iac_changed(tmp_path):
    """The hook is the full scan restricted: it reads the repository as `iacjit scan .` does."""
    write_tree(tmp_path, {
        "env/main.tf": CLEAN_TF,
        "env/nsg.tf": VULNERABLE_TF,
        "other/main.tf": VULNERABLE_TF,
        "README.md": "not IaC\n",
    })
    result = hook.plan([tmp_path / "env/main.tf"], tmp_path)
    assert result.paths == [tmp_path]
    assert result.concerned_files == {(tmp_path / "env/main.tf").resolve()}
    assert hook.plan([tmp_path / "README.md"], tmp_path).paths == []


def test_plan_tfvars_concerns_its_whole_root_and_parameters_their_template(tmp_path):
    write_tree(tmp_path, {
        "env/main.tf": CLEAN_TF,
        "env/prod.auto.tfvars": 'x = "1"\n',
        "arm/vm.json": "{}",
        "arm/vm.parameters.json": "{}",
    })
    result = hook.plan([tmp_path / "env/prod.auto.tfvars", tmp_path / "arm/vm.parameters.json"],
                       tmp_path)
    assert (tmp_path / "env").resolve() in result.concerned_dirs
    assert (tmp_path / "arm/vm.json").resolve() in result.concerned_files


def test_plan_bicep_parameters_concern_their_template(tmp_path):
    write_tree(tmp_path, {
        "bicep/main.bicep": "param source string = '10.0.0.0/8'\n",
        "bicep/prod.bicepparam": "using './main.bicep'\nparam source = '*'\n",
        "bicep/main.parameters.json": "{}",
    })
    result = hook.plan([tmp_path / "bicep/prod.bicepparam"], tmp_path)
    assert result.paths == [tmp_path]  # the repository, which holds main.bicep
    assert (tmp_path / "bicep").resolve() in result.concerned_dirs
    result = hook.plan([tmp_path / "bicep/main.parameters.json"], tmp_path)
    assert (tmp_path / "bicep/main.bicep").resolve() in result.concerned_files


def test_filter_document_keeps_what_concerns_the_changed_files_and_their_chains(tmp_path):
    changed = tmp_path / "a.tf"
    changed.write_text(CLEAN_TF)
    plan = hook.HookPlan(changed={changed.resolve()}, concerned_files={changed.resolve()})
    finding = {"rule_id": "zt_net_001", "severity": "high", "suppressed": False}
    document = {
        "findings": [{**finding, "file": "a.tf"}, {**finding, "file": "b.tf"}],
        "unresolved": [{"file": "b.tf"}],
        "errors": [{"file": "b.tf", "message": "bad"}],
        "not_scanned": [],
        "chains": [
            {"chain_id": "CHAIN-016", "severity": "critical", "suppressed": False,
             "triggers": [{"file": "b.tf"}],
             "targets": [{"file": "c.tf", "findings": [{"file": "a.tf"}]}]},
            {"chain_id": "CHAIN-016", "severity": "critical", "suppressed": False,
             "triggers": [{"file": "b.tf"}], "targets": []},
        ],
        "summary": {"findings": 2, "files_scanned": 2, "exit_code": 2},
    }
    filtered, dropped = hook.filter_document(document, plan, tmp_path)
    assert [f["file"] for f in filtered["findings"]] == ["a.tf"]
    assert filtered["unresolved"] == [] and filtered["errors"] == []
    assert len(filtered["chains"]) == 1
    assert dropped == 1
    assert filtered["summary"]["findings"] == 1
    assert filtered["summary"]["by_severity"]["high"] == 1
    assert hook.exit_code(filtered, "low") == 1
    assert hook.exit_code(filtered, "critical") == 1  # the chain is critical
    filtered["chains"] = []
    assert hook.exit_code(filtered, "critical") == 0
    assert hook.exit_code(filtered, "none") == 0


MODULE_CALL_TF = """
module "nsg" {
  source = "../modules/nsg"
}
"""


@pytest.mark.parametrize("changed", [
    ["envs/dev/main.tf"],  # a module call: the module's findings are placed at it
    ["modules/nsg/main.tf"],  # the module itself: its findings in every caller
    ["envs/prod/nsg.tf", "envs/dev/terraform.tfvars"],  # a root's variable file: all of it
    ["envs/prod/clean.tf"],  # nothing located there
])
def test_narrowing_before_serialising_changes_no_hook_report(tmp_path, monkeypatch, changed):
    """The hook serialises only the results that may concern the changed files, under the whole
    scan's counts: the filtered report is the one of the whole document."""
    from iacjit.reports.serialize import summary, to_document
    from iacjit.scan import run_scan

    write_tree(tmp_path, {
        "envs/dev/main.tf": MODULE_CALL_TF,
        "envs/dev/nsg.tf": VULNERABLE_TF,
        "envs/dev/terraform.tfvars": "",
        "envs/prod/main.tf": MODULE_CALL_TF,
        "envs/prod/nsg.tf": VULNERABLE_TF,
        "envs/prod/clean.tf": CLEAN_TF,
        "modules/nsg/main.tf": VULNERABLE_TF,
    })
    monkeypatch.chdir(tmp_path)
    plan = hook.plan([Path(name) for name in changed])
    result = run_scan(plan.paths)
    whole, _ = hook.filter_document(to_document(result, 1), plan)
    narrowed = to_document(hook.narrowed(result, plan), 1)
    assert len(narrowed["findings"]) < len(result.findings)
    narrowed["summary"] = summary(result, 1)
    assert hook.filter_document(narrowed, plan)[0] == whole


def test_hook_command_reports_only_the_changed_file(tmp_path, monkeypatch):
    write_tree(tmp_path, {"net/a.tf": CLEAN_TF, "net/b.tf": VULNERABLE_TF})
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    clean = runner.invoke(main, ["hook", "--format", "json", "net/a.tf"])
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.output)["findings"] == []
    vulnerable = runner.invoke(main, ["hook", "--format", "json", "net/b.tf", "README.md"])
    assert vulnerable.exit_code == 1, vulnerable.output
    findings = json.loads(vulnerable.output)["findings"]
    assert {f["rule_id"] for f in findings} >= {"zt_net_001"}
    assert {f["file"] for f in findings} == {"net/b.tf"}
    assert runner.invoke(main, ["hook", "README.md"]).exit_code == 0


def test_checkov_pack_command_prints_the_pack_directory():
    result = CliRunner().invoke(main, ["checkov-pack"])
    assert result.exit_code == 0
    pack = Path(result.output.strip())
    assert (pack / "iacjit_zt_net_001.py").is_file()
    assert (pack / "__init__.py").is_file()


# --------------------------------------------------------------------------------------------
# The real pre-commit


_COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", ".ci-venvs", "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache",
    "*.egg-info", "build", "dist", "node_modules", ".iacjit-cache",
)


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory) -> Path:
    """The working tree, committed in a throwaway repository (try-repo needs a commit)."""
    repo = tmp_path_factory.mktemp("hook-repo") / "iacjit"
    shutil.copytree(REPO, repo, ignore=_COPY_IGNORE, symlinks=True)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "snapshot for try-repo")
    return repo


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _try_repo(hook_repo: Path, home: Path, project: Path, *files: str):
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "iacjit",
         "--verbose", "--files", *files],
        cwd=project, capture_output=True, text=True, timeout=1800,
        env={**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"},
    )


def test_pre_commit_try_repo_fails_vulnerable_and_passes_clean(hook_repo, pre_commit_home,
                                                               tmp_path):
    project = tmp_path / "project"
    write_tree(project, {
        "vulnerable/main.tf": VULNERABLE_TF,
        "clean/main.tf": CLEAN_TF,
        "docs/notes.md": "not IaC\n",
    })
    _git(project, "init", "-q")
    _git(project, "add", "-A")

    failed = _try_repo(hook_repo, pre_commit_home, project, "vulnerable/main.tf")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "zt_net_001" in output and "vulnerable/main.tf" in output

    passed = _try_repo(hook_repo, pre_commit_home, project, "clean/main.tf", "docs/notes.md")
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert "Passed" in output
    assert "vulnerable/main.tf" not in output.split("iacjit", 1)[-1]


def test_hook_reads_the_repository_configuration(iacjit_bin, tmp_path):
    """`.iacjit.yaml` applies to the hook as to `iacjit scan` (here: an external control)."""
    import json
    import subprocess

    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "nsg.tf").write_text(
        'resource "azurerm_network_security_group" "n" {\n  name = "n"\n}\n')
    (tmp_path / ".iacjit.yaml").write_text("external_controls: [zt_vis_008]\n")
    proc = subprocess.run([iacjit_bin, "hook", "--format", "json", "infra/nsg.tf"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    document = json.loads(proc.stdout)
    assert [f["severity"] for f in document["findings"]] == ["info"]
    assert proc.returncode == 0


def _hook_json(completed: subprocess.CompletedProcess) -> dict:
    """The JSON document the hook printed inside pre-commit's verbose output."""
    lines = completed.stdout.splitlines()
    start = lines.index("{")
    end = len(lines) - lines[::-1].index("}")
    return json.loads("\n".join(lines[start:end]))


def _verdicts(document: dict, files: set[str] | None = None) -> dict:
    """What the hook and the scan must agree on, restricted to results in *files*."""
    def keep(item: dict) -> bool:
        return files is None or item["file"] in files

    def involves(chain: dict) -> bool:
        return files is None or any(
            t["file"] in files for t in [*chain["triggers"], *chain["targets"]])

    return {
        "findings": sorted((f["rule_id"], f["file"], f["resource"], f["unit"], f["message"])
                           for f in document["findings"] if keep(f)),
        "unresolved": sorted((u["rule_id"], u["file"], u["resource"], u["reason"])
                             for u in document["unresolved"] if keep(u)),
        "chains": sorted((c["chain_id"], tuple(t["vm"] for t in c["targets"]))
                         for c in document["chains"] if involves(c)),
        "units": document["units"],
    }


def test_hook_is_the_full_scan_restricted_on_a_monorepo(hook_repo, pre_commit_home, tmp_path,
                                                       iacjit_bin):
    """envs/dev, envs/prod and platform/ are three units; platform's alert reaches envs/prod
    only (shared_accounts). The real pre-commit, on one changed file or on all of them, reports
    exactly what `iacjit scan .` reports about those files."""
    from rules.test_vis_rules_terraform import alert, plan

    project = tmp_path / "project"
    write_tree(project, {
        **{f"envs/dev/{k}": v for k, v in plan().items()},
        **{f"envs/prod/{k}": v for k, v in plan().items()},
        "platform/main.tf": alert(),
        ".iacjit.yaml": "format: json\nshared_accounts:\n  - [platform, envs/prod]\n",
    })
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    scan = subprocess.run([iacjit_bin, "scan", ".", "--format", "json"], cwd=project,
                          capture_output=True, text=True, timeout=300)
    full = json.loads(scan.stdout)
    assert [u["unit"] for u in full["units"]] == ["envs/dev", "envs/prod", "platform"]
    assert [(f["rule_id"], f["unit"]) for f in full["findings"]
            if f["rule_id"] == "zt_vis_008"] == [("zt_vis_008", "envs/dev")]
    assert _verdicts(full)["chains"] == [("CHAIN-016", ("azurerm_linux_virtual_machine.vm",))]

    for files in (["envs/dev/main.tf"], ["envs/prod/main.tf"], ["platform/main.tf"]):
        hooked = _try_repo(hook_repo, pre_commit_home, project, *files)
        assert hooked.returncode in (0, 1), hooked.stdout + hooked.stderr
        assert _verdicts(_hook_json(hooked)) == _verdicts(full, set(files)), files

    everything = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "iacjit", "--verbose",
         "--all-files"], cwd=project, capture_output=True, text=True, timeout=1800,
        env={**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(pre_commit_home), "NO_COLOR": "1"})
    assert everything.returncode == 1
    assert _verdicts(_hook_json(everything)) == _verdicts(full)
