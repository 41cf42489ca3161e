"""The cached pre-commit hook reports what ``--no-cache`` reports, after any sequence of edits.

The hook scans the whole repository, and with the cache only the Terraform roots whose reads
changed are evaluated again (iacjit.cache.units): a root that keeps a stale outcome would hide
a finding, or a chain across units.  Hypothesis edits, deletes and renames files of a monorepo
of several units (two environments calling modules, a platform unit holding the NSG-write
alert, variable files, the configuration declaring which units share a subscription) and
retargets a symbolic link to a module directory; after each step the hook runs on the touched
files and both environments' main files with the cache (twice: once filling it, once reading
it) and without it, in-process through the CLI, and the reports must be identical.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from iacjit.cli import main

RULE = '''  security_rule {
    name = "ssh"
    priority = 100
    direction = "Inbound"
    access = "Allow"
    protocol = "Tcp"
    destination_port_range = "22"
    source_address_prefix = %s
  }
'''
ENV = ('variable "src" {\n  default = "10.0.0.0/8"\n}\n'
       'resource "azurerm_network_security_group" "%s" {\n  name = "%s"\n'
       '  resource_group_name = "rg"\n'
       + RULE % "var.src" + '}\nmodule "m" {\n  source = "%s"\n  src = var.src\n}\n')
MODULE = ('variable "src" {}\nresource "azurerm_network_security_group" "m" {\n  name = "m"\n'
          '  resource_group_name = "rg"\n'
          + RULE % "%s" + '}\n')
ALERT = '''data "azurerm_subscription" "current" {}
resource "azurerm_monitor_activity_log_alert" "w" {
  name     = "w"
  location = "global"
  scopes   = [data.azurerm_subscription.current.id]
  criteria {
    category       = "Administrative"
    operation_name = "Microsoft.Network/networkSecurityGroups/securityRules/write"
  }
  action {
    action_group_id = "/subscriptions/x/resourceGroups/r/providers/x/actionGroups/a"
  }
}
'''


def _src(open_: bool) -> str:
    return "*" if open_ else "10.0.0.0/8"


WRITERS = {
    "envs/dev/main.tf": lambda o: ENV % ("dev", "dev", "../../modules/nsg"),
    "envs/dev/x.auto.tfvars": lambda o: f'src = "{_src(o)}"\n',
    "envs/prod/main.tf": lambda o: ENV % ("prod", "prod", "../../lib"),
    "envs/prod/terraform.tfvars": lambda o: f'src = "{_src(o)}"\n',
    "modules/nsg/main.tf": lambda o: MODULE % "var.src",
    "modules/open/main.tf": lambda o: MODULE % ('"*"' if o else "var.src"),
    "platform/alert.tf": lambda o: ALERT,
    ".iacjit.yaml": lambda o: ("shared_accounts:\n  - [platform, envs/prod]\n" if o
                               else "shared_accounts:\n  - [platform, envs/dev]\n"),
}

STEP = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(sorted(WRITERS)), st.booleans()),
    st.tuples(st.just("delete"), st.sampled_from(sorted(WRITERS)), st.booleans()),
    st.tuples(st.just("rename"), st.sampled_from(sorted(WRITERS)),
              st.sampled_from(sorted(WRITERS))),
    st.tuples(st.just("link"), st.sampled_from(["modules/nsg", "modules/open"]), st.booleans()),
)


def _apply(root: Path, step: tuple) -> list[str]:
    """Apply one step; the files it touched (as pre-commit names them)."""
    kind, name, arg = step
    path = root / name
    if kind == "write":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(WRITERS[name](arg))
        return [name]
    if kind == "delete":
        if path.exists():
            path.unlink()
        return [name]
    if kind == "link":  # lib -> one module directory or the other, as a checkout could do
        link = root / "lib"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(name, target_is_directory=True)
        return ["envs/prod/main.tf"]
    if path.exists() and name != arg:
        target = root / arg
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    return [name, arg]


def _hook(runner: CliRunner, files: list[str], cache_dir: Path, cached: bool) -> tuple[int, str]:
    extra = [] if cached else ["--no-cache"]
    result = runner.invoke(main, ["hook", *files, "--format", "json", "--fail-on", "none",
                                  *extra],
                           env={"IACJIT_CACHE_DIR": str(cache_dir), "IACJIT_JOBS": "1",
                                "IACJIT_TODAY": "2026-12-07"})
    gc.enable()  # the command turns the collector off for its process
    return result.exit_code, result.output


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()  # one repository: ../../modules and the link stay inside it
    monkeypatch.chdir(root)
    return root


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=5))
@example(steps=[("write", "modules/nsg/main.tf", True), ("link", "modules/open", True),
                ("write", "modules/open/main.tf", True)])  # a module edit reaches its callers
@example(steps=[("write", "envs/prod/terraform.tfvars", True),
                ("delete", "envs/prod/terraform.tfvars", False)])  # a variable file goes
@example(steps=[("delete", "platform/alert.tf", False),
                ("write", ".iacjit.yaml", False)])  # another unit's alert, the configuration
@example(steps=[("rename", "envs/dev/x.auto.tfvars", "envs/prod/terraform.tfvars")])
def test_cached_hook_equals_uncached_after_every_step(repo, steps):
    runner = CliRunner()
    cache_dir = repo.parent / f"cache-{abs(hash(tuple(steps)))}"
    for name in sorted(WRITERS):
        _apply(repo, ("write", name, False))
    _apply(repo, ("link", "modules/nsg", False))
    _hook(runner, ["envs/dev/main.tf"], cache_dir, cached=True)  # every unit in the cache
    for step in steps:
        touched = _apply(repo, step)
        shown = [*touched, "envs/dev/main.tf", "envs/prod/main.tf"]  # what each unit reports
        files = list(dict.fromkeys(name for name in shown if (repo / name).is_file()))
        cold = _hook(runner, files, cache_dir, cached=False)
        warm = _hook(runner, files, cache_dir, cached=True)
        again = _hook(runner, files, cache_dir, cached=True)
        assert warm == cold, (step, files)
        assert again == cold, (step, files)
