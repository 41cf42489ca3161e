"""Baselines: only findings and chains not in the baseline fail the run; fingerprints are stable."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers import OPEN_NSG, REPO, write_tree

from iacjit.rules import ALL_RULES
from iacjit.scan import run_scan
from iacjit.suppressions import Policy
from iacjit.suppressions.baseline import BaselineError, load, write

VULNERABLE_TF = (REPO / "samples/terraform/azure/vulnerable/main.tf").read_text(encoding="utf-8")
NSG = OPEN_NSG.lstrip("\n")


@pytest.fixture
def scan(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def run(files=None, baseline=None):
        if files:
            write_tree(tmp_path, files)
        return run_scan([Path(".")], rules=ALL_RULES, policy=Policy(baseline=baseline))

    return run


def active(result):
    return [f for f in result.findings if not f.suppressed] + [
        c for c in result.chains if not c.suppressed]


def test_baseline_suppresses_everything_it_holds(scan, tmp_path):
    first = scan({"main.tf": VULNERABLE_TF})
    assert first.chains and first.findings
    baseline = write(tmp_path / "baseline.json", first)
    again = scan(baseline=load(tmp_path / "baseline.json"))
    assert active(again) == []
    assert {f.suppression["source"] for f in again.findings} == {"baseline"}
    assert again.chains[0].suppressed and again.chains[0].suppression["source"] == "baseline"
    assert again.warnings == []
    assert baseline.findings == {f.fingerprint for f in again.findings}


def test_unrelated_edit_above_a_finding_keeps_it_known(scan, tmp_path):
    first = scan({"main.tf": VULNERABLE_TF})
    write(tmp_path / "baseline.json", first)
    edited = ('# a new header comment\n\nresource "azurerm_resource_group" "other" {\n'
              '  name = "other"\n  location = "westeurope"\n}\n\n' + VULNERABLE_TF)
    again = scan({"main.tf": edited}, baseline=load(tmp_path / "baseline.json"))
    assert [f.span.line for f in again.findings] != [f.span.line for f in first.findings]
    assert active(again) == []


def test_same_address_in_another_file_is_not_absorbed(scan, tmp_path):
    first = scan({"a/main.tf": NSG})
    write(tmp_path / "baseline.json", first)
    again = scan({"b/main.tf": NSG}, baseline=load(tmp_path / "baseline.json"))
    by_file = {(f.resource.file, f.rule_id): f.suppressed for f in again.findings}
    assert by_file[("a/main.tf", "zt_net_001")] is True
    assert by_file[("b/main.tf", "zt_net_001")] is False
    a, b = (f for f in again.findings if f.rule_id == "zt_net_001")
    assert a.resource.address == b.resource.address and a.fingerprint != b.fingerprint


def test_a_new_rule_is_new(scan, tmp_path):
    write(tmp_path / "baseline.json", scan({"main.tf": NSG}))
    grown = NSG.replace('  security_rule {', '  security_rule {\n    name = "rdp"\n'
                        '    priority = 110\n    direction = "Inbound"\n    access = "Allow"\n'
                        '    protocol = "Tcp"\n    destination_port_range = "3389"\n'
                        '    source_address_prefix = "*"\n  }\n  security_rule {', 1)
    again = scan({"main.tf": grown}, baseline=load(tmp_path / "baseline.json"))
    new = [f.evidence.get("rule") for f in active(again)]
    assert new == ["rdp"]


def test_fixed_findings_make_the_baseline_stale(scan, tmp_path):
    write(tmp_path / "baseline.json", scan({"main.tf": NSG}))
    again = scan({"main.tf": NSG.replace('"*"', '"10.0.0.0/8"')},
                 baseline=load(tmp_path / "baseline.json"))
    assert [w.kind for w in again.warnings] == ["stale-baseline"]


def test_baselined_findings_still_join_a_new_chain(scan, tmp_path):
    first = scan({"main.tf": VULNERABLE_TF})
    data = json.loads((Path(write(tmp_path / "b.json", first).file)).read_text())
    data["chains"] = []  # as if the chain had not fired when the baseline was written
    (tmp_path / "b.json").write_text(json.dumps(data))
    again = scan(baseline=load(tmp_path / "b.json"))
    assert all(f.suppressed for f in again.findings)
    (chain,) = again.chains
    assert not chain.suppressed  # a chain not in the baseline fails the run


def test_invalid_baseline(tmp_path):
    (tmp_path / "b.json").write_text('{"version": 7}')
    with pytest.raises(BaselineError, match="version"):
        load(tmp_path / "b.json")
    (tmp_path / "b.json").write_text('{"version": 1, "findings": [{"fp": 1}]}')
    with pytest.raises(BaselineError, match=r"findings\[0\]"):
        load(tmp_path / "b.json")


def _cli(iacjit_bin, cwd, *args):
    return subprocess.run([iacjit_bin, "scan", "--no-config", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_cli_create_and_use_baseline(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"infra/main.tf": VULNERABLE_TF})
    created = _cli(iacjit_bin, tmp_path, "infra", "--create-baseline", "iacjit-baseline.json")
    assert created.returncode == 0, created.stdout + created.stderr
    data = json.loads((tmp_path / "iacjit-baseline.json").read_text())
    assert data["version"] == 1 and data["findings"] and data["chains"]

    same = _cli(iacjit_bin, tmp_path, "infra", "--baseline", "iacjit-baseline.json",
                "--format", "json")
    document = json.loads(same.stdout)
    assert same.returncode == 0
    assert all(f["suppressed"] and f["suppression"]["source"] == "baseline"
               for f in document["findings"])
    assert document["chains"][0]["suppression"]["source"] == "baseline"

    # scanning from inside the directory gives the same fingerprints (repository-relative)
    (tmp_path / ".git").mkdir()
    inside = _cli(iacjit_bin, tmp_path / "infra", ".", "--baseline", "../iacjit-baseline.json")
    assert inside.returncode == 0, inside.stdout

    (tmp_path / "infra/extra.tf").write_text(NSG.replace('"nsg"', '"nsg2"'), encoding="utf-8")
    new = _cli(iacjit_bin, tmp_path, "infra", "--baseline", "iacjit-baseline.json",
               "--format", "json")
    assert new.returncode == 1
    document = json.loads(new.stdout)
    assert {f["resource"] for f in document["findings"] if not f["suppressed"]} == {
        "azurerm_network_security_group.nsg2"}


def test_cli_bad_baseline_is_exit_2(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": NSG, "b.json": "not json"})
    proc = _cli(iacjit_bin, tmp_path, ".", "--baseline", "b.json")
    assert proc.returncode == 2 and "b.json" in proc.stderr
    proc = _cli(iacjit_bin, tmp_path, ".", "--baseline", "missing.json")
    assert proc.returncode == 2 and "missing.json" in proc.stderr
