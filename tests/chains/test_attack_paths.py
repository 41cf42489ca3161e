"""Attack paths read as the attacker's choices: alternatives as branches, each rule once, and
both fixes (the cheapest that breaks the chain, the one that closes the exposure) once each."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import REPO

from iacjit.cli.app import main
from iacjit.integrations.comment import plan

SAMPLES = ["terraform/azure", "arm", "bicep", "cloudformation"]


def scan(sample: str, fmt: str) -> str:
    return CliRunner().invoke(main, ["scan", str(REPO / "samples" / sample / "vulnerable"),
                                     "--format", fmt, "--no-cache"]).stdout


@pytest.mark.parametrize("sample", SAMPLES)
def test_each_rule_appears_once_per_path(sample):
    document = json.loads(scan(sample, "json"))
    assert document["chains"]
    for target in document["chains"][0]["targets"]:
        rules = [hop.split(" allows ")[0] for hop in target["path"] if hop.startswith("rule ")]
        assert len(rules) == len(set(rules)), target["path"]


@pytest.mark.parametrize("sample", SAMPLES)
def test_text_shows_alternative_rules_as_branches(sample):
    text = scan(sample, "text")
    hops = [line.strip() for line in text.splitlines()]
    for line in hops:
        if line.startswith("-> rule "):
            assert " -> rule " not in line  # never one rule after another in one sequence
    assert any(line.startswith("or rule ") for line in hops)


@pytest.mark.parametrize("sample", SAMPLES)
def test_fixes_are_each_distinct_change_once(sample):
    chain = json.loads(scan(sample, "json"))["chains"][0]
    fixes = [(f["kind"], f["description"]) for f in chain["fix"]]
    assert len(fixes) == len(set(fixes))
    assert sum(kind == "add-alert" for kind, _ in fixes) <= 1  # one alert covers every group
    for target in chain["targets"]:
        breaking, closing = target["fix"], target["closing_fix"]
        if breaking["kind"] in ("close-rule", "close-rules"):
            assert closing is None
        else:
            assert closing["kind"] in ("close-rule", "close-rules")
            assert (closing["kind"], closing["description"]) in fixes


def test_html_fix_list_names_the_alert_once():
    """Two VMs behind two groups: one subscription-wide alert, listed once in the chain's fixes."""
    chain = json.loads(scan("cloudformation", "json"))["chains"][0]
    assert len(chain["targets"]) > 1
    html = scan("cloudformation", "html")
    fix_list = html.split("<h4>Fix</h4>", 1)[1].split("</ul>", 1)[0]
    assert fix_list.count("Add an EventBridge rule") == 1


@pytest.mark.parametrize(("platform", "mermaid"), [
    ("github", True), ("gitlab", True), ("azure", False)])
def test_azure_devops_gets_the_text_path_not_mermaid(platform, mermaid):
    document = json.loads(scan("terraform/azure", "json"))
    body = plan(document, {}, platform, 1, strict=False).body
    assert ("```mermaid" in body) is mermaid
    assert ("**Attack path to web\\-vm**" in body) is not mermaid
