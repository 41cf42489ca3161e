"""A bug met on one resource costs that resource, never the report (iacjit.providers.guard).

The failures are injected: each test makes one step raise for one resource and checks that the
error is an ``errors`` entry naming the resource, that the run exits 2, and that everything else
was still analysed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from iacjit.cli import main
from iacjit.providers import azure_compute
from iacjit.scan import run_scan

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "terraform" / "azure" / "vulnerable"


def _fail_for(target: str, original):
    def failing(resource, *args, **kwargs):
        if resource.address == target:
            raise KeyError("injected")
        return original(resource, *args, **kwargs)

    return failing


def test_a_provider_error_names_the_resource_and_the_rest_is_analysed(monkeypatch):
    monkeypatch.setattr(azure_compute, "vm_os",
                        _fail_for("azurerm_linux_virtual_machine.vm", azure_compute.vm_os))
    result = run_scan([SAMPLE])
    (error,) = result.errors
    assert "internal error while analysing azurerm_linux_virtual_machine.vm" in error.message
    assert "KeyError" in error.message and error.file.endswith("main.tf") and error.line
    assert {f.rule_id for f in result.findings} >= {"zt_net_001", "zt_vis_008"}


def test_a_rule_error_names_the_resource_it_was_judging():
    def broken(model, settings):
        yield from ()
        group = next(iter(model.groups.values()))
        raise ValueError(f"injected for {group.name}")

    rules = [r if r.id != "zt_vis_008" else _replace_check(r, broken) for r in _all_rules()]
    result = run_scan([SAMPLE], rules=rules)
    (error,) = [e for e in result.errors if "internal error" in e.message]
    assert "rule zt_vis_008" in error.message and "azurerm_network_security_group" in error.message
    assert {f.rule_id for f in result.findings} >= {"zt_net_001", "zt_vis_010"}


def _all_rules():
    from iacjit.rules import ALL_RULES

    return list(ALL_RULES)


def _replace_check(rule, check):
    from dataclasses import replace

    return replace(rule, check=check)


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_the_command_line_reports_it_and_exits_2(monkeypatch, fmt):
    monkeypatch.setattr(azure_compute, "vm_os",
                        _fail_for("azurerm_linux_virtual_machine.vm", azure_compute.vm_os))
    outcome = CliRunner().invoke(main, ["scan", str(SAMPLE), "--no-cache", "--format", fmt])
    assert outcome.exit_code == 2, outcome.output
    assert "internal error while analysing azurerm_linux_virtual_machine.vm" in outcome.output
    if fmt == "json":
        document = json.loads(outcome.output)
        assert document["findings"] and document["errors"]
