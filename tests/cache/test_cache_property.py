"""Cached output equals ``--no-cache`` output after any sequence of edits (issue 16, point 3).

A stale cache entry hides a finding exactly like a suppression nobody can see.  Hypothesis
applies random edit / add / delete / rename steps to a small tree holding every kind of file a
format reads beside a scanned one (``terraform.tfvars``, ``*.auto.tfvars``, a module,
``<template>.parameters.json`` for ARM and Bicep) and, after each step, scans it the way the
pre-commit hook does (the files, not the directory) and as a directory, with and without the
cache: the reports must be identical.  The scans run in-process through the CLI (click's
runner), so every cache layer takes part: per-file outcomes, the plan, the analysis and the
stored report.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import nsg_tf
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from iacjit.cli import main

NSG = 'variable "src" {\n  default = "10.0.0.0/8"\n}\n' + nsg_tf("n%d", source="var.src")
MODULE_CALL = 'module "m" {\n  source = "../mod"\n  src = "%s"\n}\n'
MODULE = 'variable "src" {}\n' + nsg_tf("m", source="var.src")
ARM = ('{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.'
       'json#", "contentVersion": "1.0.0.0", "parameters": {"src": {"type": "string", '
       '"defaultValue": "10.0.0.0/8"}}, "resources": [{"type": '
       '"Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-05-01", "name": "a", '
       '"location": "westeurope", "properties": {"securityRules": [{"name": "ssh", '
       '"properties": {"priority": 100, "direction": "Inbound", "access": "Allow", "protocol": '
       '"Tcp", "sourceAddressPrefix": "[parameters(\'src\')]", "sourcePortRange": "*", '
       '"destinationAddressPrefix": "*", "destinationPortRange": "22"}}]}}]}')
BICEP = ("param src string = '10.0.0.0/8'\nresource nsg 'Microsoft.Network/networkSecurityGroups"
         "@2023-05-01' = {\n  name: 'b'\n  location: 'westeurope'\n  properties: {\n"
         "    securityRules: [\n      {\n        name: 'ssh'\n        properties: {\n"
         "          priority: 100\n          direction: 'Inbound'\n          access: 'Allow'\n"
         "          protocol: 'Tcp'\n          sourceAddressPrefix: src\n"
         "          sourcePortRange: '*'\n          destinationAddressPrefix: '*'\n"
         "          destinationPortRange: '22'\n        }\n      }\n    ]\n  }\n}\n")


def _src(open_: bool) -> str:
    return "*" if open_ else "10.0.0.0/8"


def _params(open_: bool) -> str:
    return '{"parameters": {"src": {"value": "' + _src(open_) + '"}}}'


# Files that a step may write, by name: content from a flag (an open or a closed source).
WRITERS = {
    "env/main.tf": lambda o: NSG % (1, 1) + MODULE_CALL % _src(o),
    "env/extra.tf": lambda o: NSG % (2, 2),
    "env/terraform.tfvars": lambda o: f'src = "{_src(o)}"\n',
    "env/x.auto.tfvars": lambda o: f'src = "{_src(o)}"\n',
    "env/terraform.tfvars.json": lambda o: '{"src": "' + _src(o) + '"}',
    "mod/main.tf": lambda o: MODULE,
    "arm/t.json": lambda o: ARM,
    "arm/t.parameters.json": _params,
    "bicep/main.bicep": lambda o: BICEP,
    "bicep/main.parameters.json": _params,
}
SCANNED = ["env/main.tf", "env/extra.tf", "arm/t.json", "bicep/main.bicep"]

STEP = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(sorted(WRITERS)), st.booleans()),
    st.tuples(st.just("delete"), st.sampled_from(sorted(WRITERS)), st.booleans()),
    st.tuples(st.just("rename"), st.sampled_from(sorted(WRITERS)),
              st.sampled_from(sorted(WRITERS))),
)


def _apply(root: Path, step: tuple) -> None:
    kind, name, arg = step
    path = root / name
    if kind == "write":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(WRITERS[name](arg))
    elif kind == "delete":
        if path.exists():
            path.unlink()
    elif path.exists() and name != arg:
        target = root / arg
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)


def _scan(runner: CliRunner, args: list[str], cache_dir: Path, cached: bool) -> tuple[int, str]:
    extra = [] if cached else ["--no-cache"]
    result = runner.invoke(main, ["scan", *args, "--format", "json", "--no-config",
                                  "--fail-on", "none", *extra],
                           env={"IACJIT_CACHE_DIR": str(cache_dir), "IACJIT_JOBS": "1",
                                "IACJIT_TODAY": "2026-12-07"})
    gc.enable()  # the scan command turns the collector off for its process
    return result.exit_code, result.output


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()  # one repository: ../mod is inside the trust boundary
    monkeypatch.chdir(root)
    return root


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=5))
@example(steps=[("write", "arm/t.parameters.json", True)])  # the cases, always run
@example(steps=[("delete", "env/terraform.tfvars", False),
                ("write", "env/terraform.tfvars.json", True)])
@example(steps=[("write", "bicep/main.parameters.json", True)])
@example(steps=[("delete", "env/x.auto.tfvars", False), ("write", "env/x.auto.tfvars", True)])
def test_cached_scans_equal_uncached_after_every_step(repo, steps):
    runner = CliRunner()
    cache_dir = repo.parent / f"cache-{abs(hash(tuple(steps)))}"
    for name in sorted(WRITERS):
        _apply(repo, ("write", name, False))
    for step in [("write", "env/main.tf", False), *steps]:
        _apply(repo, step)
        files = [name for name in SCANNED if (repo / name).exists()] or ["."]
        for args in (files, ["."]):
            cold = _scan(runner, args, cache_dir, cached=False)
            warm = _scan(runner, args, cache_dir, cached=True)
            again = _scan(runner, args, cache_dir, cached=True)
            assert warm == cold, (step, args)
            assert again == cold, (step, args)
