"""Attack paths read as the attacker's choices: alternatives as branches, each rule once, and
both fixes (the cheapest that breaks the chain, the one that closes the exposure) once each."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import REPO
from helpers import nsg_tf, write_tree

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
    # one alert per deployment unit (each its own subscription or account), not per group
    alerts = [f["file"] for f in chain["fix"] if f["kind"] == "add-alert"]
    assert sorted(alerts) == sorted({t["unit"]: t["fix"]["file"] for t in chain["targets"]
                                     if t["fix"]["kind"] == "add-alert"}.values())
    for target in chain["targets"]:
        breaking, closing = target["fix"], target["closing_fix"]
        if breaking["kind"] in ("close-rule", "close-rules"):
            assert closing is None
        else:
            assert closing["kind"] in ("close-rule", "close-rules")
            assert (closing["kind"], closing["description"]) in fixes


RDP_RULE = """\
  security_rule {
    name = "rdp"
    priority = 110
    direction = "Inbound"
    access = "Allow"
    protocol = "Tcp"
    destination_port_range = "3389"
    source_address_prefix = "*"
  }
"""


def site(n: str) -> str:
    """An open VM behind its own NSG, names suffixed with *n*; two rules open it, so no one
    rule is the cheapest fix: the alert is."""
    nsg = nsg_tf(f"nsg{n}", name=f"nsg-{n}", after_rule=RDP_RULE)
    return "\n" + nsg + f'''resource "azurerm_public_ip" "pip{n}" {{
  name = "pip-{n}"
}}
resource "azurerm_network_interface" "nic{n}" {{
  name = "nic-{n}"
  ip_configuration {{
    name = "ip"
    public_ip_address_id = azurerm_public_ip.pip{n}.id
  }}
}}
resource "azurerm_network_interface_security_group_association" "a{n}" {{
  network_interface_id = azurerm_network_interface.nic{n}.id
  network_security_group_id = azurerm_network_security_group.nsg{n}.id
}}
resource "azurerm_linux_virtual_machine" "vm{n}" {{
  name = "vm-{n}"
  network_interface_ids = [azurerm_network_interface.nic{n}.id]
}}
'''


FIX_LIST_CASES = [
    # (files, configuration, the alerts of the chain's fix list: (file, where))
    ("one unit, two groups", {"main.tf": site("1") + site("2")}, "",
     [("main.tf", "in the subscription")]),
    ("two units", {"a/main.tf": site("1"), "b/main.tf": site("2")}, "",
     [("a/main.tf", "in the subscription of deployment unit a"),
      ("b/main.tf", "in the subscription of deployment unit b")]),
    ("two units sharing a subscription", {"a/main.tf": site("1"), "b/main.tf": site("2")},
     "shared_accounts:\n  - [a, b]\n", [("a/main.tf", "in the subscription")]),
]


@pytest.mark.parametrize(("files", "config", "alerts"), [c[1:] for c in FIX_LIST_CASES],
                         ids=[c[0] for c in FIX_LIST_CASES])
def test_one_alert_per_subscription_in_the_fix_list(tmp_path, monkeypatch, files, config,
                                                    alerts):
    """The subscription-wide alert is one change per subscription, however many groups it
    covers: the HTML fix list names it once per subscription, never once per NSG."""
    write_tree(tmp_path, {**files, ".iacjit.yaml": config})
    monkeypatch.chdir(tmp_path)
    paths = sorted({name.split("/")[0] for name in files if "/" in name}) or ["."]
    run = CliRunner().invoke(main, ["scan", *paths, "-f", "json", "--no-cache"])
    (chain,) = json.loads(run.stdout)["chains"]
    assert len(chain["targets"]) == 2
    assert [(f["file"], f["description"].rsplit("one alert covers every group ", 1)[1])
            for f in chain["fix"] if f["kind"] == "add-alert"] == alerts
    html = CliRunner().invoke(main, ["scan", *paths, "-f", "html", "--no-cache"]).stdout
    fix_list = html.split("<h4>Fix</h4>", 1)[1].split("</ul>", 1)[0]
    assert fix_list.count("Add an activity-log alert") == len(alerts)


@pytest.mark.parametrize(("platform", "mermaid"), [
    ("github", True), ("gitlab", True), ("azure", False)])
def test_azure_devops_gets_the_text_path_not_mermaid(platform, mermaid):
    document = json.loads(scan("terraform/azure", "json"))
    body = plan(document, {}, platform, 1, strict=False).body
    assert ("```mermaid" in body) is mermaid
    assert ("**Attack path to web\\-vm**" in body) is not mermaid
