"""--base-ref: findings and chains new in a change, against its merge base, in real git
repositories built in temporary directories."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import OPEN_NSG, REPO, write_tree

from iacjit.base_ref import default_ref
from iacjit.cli.app import main

VULNERABLE_TF = (REPO / "samples/terraform/azure/vulnerable/main.tf").read_text(encoding="utf-8")
RDP_NSG = OPEN_NSG.replace('"nsg"', '"rdp"').replace('"22"', '"3389"')


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


def repo_with(tmp_path: Path, base: dict[str, str], change: dict[str, str]) -> Path:
    """main holds *base*; the checked-out branch ``pr`` adds *change* on top."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_tree(root, base)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base", "--allow-empty")
    git(root, "checkout", "-qb", "pr")
    write_tree(root, change)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "change", "--allow-empty")
    return root


def scan(root: Path, *args: str, env: dict[str, str] | None = None):
    old = Path.cwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(main, ["scan", *args], env=env, catch_exceptions=False)
    finally:
        os.chdir(old)


def changes(output: str) -> dict[str, str]:
    document = json.loads(output)
    marks = {f"{f['rule_id']} {f['resource']}": f["change"] for f in document["findings"]}
    marks.update({c["chain_id"]: c["change"] for c in document["chains"]})
    return marks


@pytest.mark.parametrize(("base", "change", "expected", "code"), [
    ({"infra/main.tf": OPEN_NSG}, {"infra/rdp.tf": RDP_NSG},
     {"zt_net_001 azurerm_network_security_group.nsg": "existing",
      "zt_vis_008 azurerm_network_security_group.nsg": "existing",
      "zt_net_001 azurerm_network_security_group.rdp": "new",
      "zt_vis_008 azurerm_network_security_group.rdp": "new"}, 1),
    ({"infra/main.tf": OPEN_NSG}, {"infra/README.md": "docs only"},
     {"zt_net_001 azurerm_network_security_group.nsg": "existing",
      "zt_vis_008 azurerm_network_security_group.nsg": "existing"}, 0),
    ({"infra/README.md": "nothing yet"}, {"infra/main.tf": VULNERABLE_TF},
     {"zt_vis_008 azurerm_network_security_group.web": "new",
      "zt_net_001 azurerm_network_security_group.web": "new",
      "zt_net_001 azurerm_network_security_rule.rdp": "new",
      "zt_vis_010 azurerm_linux_virtual_machine.vm": "new", "CHAIN-016": "new"}, 1),
    ({"infra/main.tf": VULNERABLE_TF}, {"infra/main.tf": VULNERABLE_TF + "\n# moved\n"},
     {"zt_vis_008 azurerm_network_security_group.web": "existing",
      "zt_net_001 azurerm_network_security_group.web": "existing",
      "zt_net_001 azurerm_network_security_rule.rdp": "existing",
      "zt_vis_010 azurerm_linux_virtual_machine.vm": "existing", "CHAIN-016": "existing"}, 0),
], ids=["adds-an-nsg", "adds-nothing", "adds-the-chain", "edits-around-old-debt"])
def test_marks_new_and_existing_and_counts_only_new(tmp_path, base, change, expected, code):
    root = repo_with(tmp_path, base, change)
    result = scan(root, "infra", "--base-ref", "main", "--format", "json", "--no-cache")
    assert result.exit_code == code, result.output
    assert changes(result.stdout) == expected
    document = json.loads(result.stdout)
    assert document["base"]["ref"] == "main"
    assert document["base"]["merge_base"] == git(root, "merge-base", "HEAD", "main")
    assert document["summary"]["new_findings"] == sum(
        v == "new" for k, v in expected.items() if not k.startswith("CHAIN"))


def test_scanning_from_a_subdirectory_gives_the_same_marks(tmp_path):
    root = repo_with(tmp_path, {"infra/main.tf": OPEN_NSG}, {"infra/rdp.tf": RDP_NSG})
    result = scan(root / "infra", ".", "--base-ref", "main", "--format", "json")
    assert changes(result.stdout)["zt_net_001 azurerm_network_security_group.nsg"] == "existing"
    assert changes(result.stdout)["zt_net_001 azurerm_network_security_group.rdp"] == "new"


@pytest.mark.parametrize(("env", "expected"), [
    ({"GITHUB_BASE_REF": "main"}, "main"),
    ({"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "develop"}, "develop"),
    ({"SYSTEM_PULLREQUEST_TARGETBRANCH": "refs/heads/release/1"}, "release/1"),
    ({"GITHUB_BASE_REF": ""}, None),
    ({}, None),
])
def test_the_ci_variables_name_the_default_base(env, expected):
    assert default_ref(env) == expected


def test_the_ci_default_applies_and_an_empty_flag_turns_it_off(tmp_path):
    root = repo_with(tmp_path, {"main.tf": OPEN_NSG}, {"README.md": "docs"})
    on_ci = scan(root, ".", "--format", "json", env={"GITHUB_BASE_REF": "main"})
    assert on_ci.exit_code == 0 and set(changes(on_ci.stdout).values()) == {"existing"}
    off = scan(root, ".", "--format", "json", "--base-ref", "",
               env={"GITHUB_BASE_REF": "main"})
    assert off.exit_code == 1 and "base" not in json.loads(off.stdout)


def test_origin_branch_of_a_clone_is_found(tmp_path):
    upstream = repo_with(tmp_path, {"main.tf": OPEN_NSG}, {"rdp.tf": RDP_NSG})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--no-local", "--branch", "pr", str(upstream), str(clone))
    result = scan(clone, ".", "--base-ref", "main", "--format", "json")
    assert result.exit_code == 1
    assert sorted(changes(result.stdout).values()) == ["existing", "existing", "new", "new"]


@pytest.mark.parametrize(("make", "words"), [
    ("unknown-ref", "no branch or commit 'nosuch'"),
    ("shallow", "have no merge base in this clone"),
    ("not-a-repository", "needs a git repository"),
])
def test_a_missing_base_is_one_sentence_and_everything_is_new(tmp_path, make, words):
    upstream = repo_with(tmp_path, {"main.tf": OPEN_NSG}, {"README.md": "docs"})
    where, ref = upstream, "nosuch"
    if make == "shallow":
        where, ref = tmp_path / "shallow", "origin/main"
        git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", "--branch", "pr",
            f"file://{upstream}", str(where))
        git(where, "fetch", "-q", "--depth", "1", "origin", "main")
    elif make == "not-a-repository":
        where, ref = tmp_path / "plain", "main"
        write_tree(where, {"main.tf": OPEN_NSG})
    result = scan(where, ".", "--base-ref", ref, "--format", "json")
    assert result.exit_code == 1
    assert words in result.stderr and result.stderr.count("\n") == 1
    assert set(changes(result.stdout).values()) == {"new"}
    assert words in json.loads(result.stdout)["base"]["error"]


def test_the_base_tree_is_read_only_inside_its_temporary_copy(tmp_path):
    """A symbolic link in the base tree pointing outside is not followed: the secret file's
    NSG is not in the base, so the same NSG in the change stays new."""
    secret = tmp_path / "outside"
    write_tree(secret, {"main.tf": RDP_NSG})
    root = repo_with(tmp_path, {"main.tf": OPEN_NSG}, {"rdp.tf": RDP_NSG})
    git(root, "checkout", "-q", "main")
    (root / "link.tf").symlink_to(secret / "main.tf")
    (root / "linkdir").symlink_to(secret)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "links")
    git(root, "checkout", "-q", "pr")
    git(root, "merge", "-q", "--no-edit", "main")
    (root / "link.tf").unlink()
    (root / "linkdir").unlink()
    git(root, "commit", "-qam", "drop links")
    result = scan(root, ".", "--base-ref", "main", "--format", "json")
    assert changes(result.stdout)["zt_net_001 azurerm_network_security_group.rdp"] == "new"


def test_hook_and_comment_take_the_base_too(tmp_path):
    root = repo_with(tmp_path, {"main.tf": OPEN_NSG}, {"rdp.tf": RDP_NSG})
    old = Path.cwd()
    os.chdir(root)
    try:
        hook = CliRunner().invoke(main, ["hook", "--base-ref", "main", "--format", "json",
                                         "main.tf"])
        comment = CliRunner().invoke(main, ["comment", ".", "--dry-run", "--base-ref", "main",
                                            "--platform", "github", "--fail-on", "low"])
    finally:
        os.chdir(old)
    assert hook.exit_code == 0, hook.output  # main.tf's NSG is on main already
    assert set(changes(hook.stdout).values()) == {"existing"}
    assert comment.exit_code == 1  # rdp.tf is new
    body = comment.stdout.split("---\n", 1)[1]
    assert body.index("rdp") < body.index("Already on")


@pytest.mark.parametrize(("fmt", "new", "existing"), [
    ("sarif", '"baselineState": "new"', '"baselineState": "unchanged"'),
    ("text", "HIGH new  zt_net_001", "HIGH existing  zt_net_001"),
    ("html", '<td class="nw change-new">new</td>', '<td class="nw change-existing">existing</td>'),
])
def test_every_format_shows_new_and_existing(tmp_path, fmt, new, existing):
    root = repo_with(tmp_path, {"main.tf": OPEN_NSG}, {"rdp.tf": RDP_NSG})
    result = scan(root, ".", "--base-ref", "main", "--format", fmt)
    assert new in result.stdout and existing in result.stdout


@pytest.mark.parametrize(("change", "badge"), [
    ({"README.md": "docs"}, '<span class="badge">PASS</span> <strong>exit code 0: nothing new'),
    ({"rdp.tf": RDP_NSG}, '<span class="badge">FAIL</span>'),
])
def test_the_html_badge_agrees_with_the_exit_code(tmp_path, change, badge):
    root = repo_with(tmp_path, {"main.tf": OPEN_NSG}, change)
    result = scan(root, ".", "--base-ref", "main", "--format", "html")
    assert badge in result.stdout
    assert ("FAIL" in result.stdout) is (result.exit_code == 1)
