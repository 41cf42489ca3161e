"""Deployment units and account identity: an alert covers an NSG/SG only in its own account.

docs/deployment-units.md is the specification; each row below is one of its cases.
"""

from __future__ import annotations

import pytest
from test_vis_rules_terraform import alert, plan
from test_vis_rules_terraform_aws import EVENT_RULE, TARGET

from iacjit.model.values import Unknown
from iacjit.providers.accounts import Accounts, current, matches_unit, same_account
from iacjit.rules import ZT_NET_001, ZT_VIS_008, ZT_VIS_010
from iacjit.rules.base import Settings

SUB1 = "11111111-1111-1111-1111-111111111111"
SUB2 = "22222222-2222-2222-2222-222222222222"


def provider(subscription: str | None = None, alias: str | None = None) -> str:
    lines = ["  features {}"]
    if alias:
        lines.append(f'  alias = "{alias}"')
    if subscription:
        lines.append(f"  subscription_id = {subscription}")
    return 'provider "azurerm" {\n' + "\n".join(lines) + "\n}\n"


def nsg_via(alias: str) -> dict[str, str]:
    """The standard plan with its NSG deployed through provider configuration *alias*."""
    files = plan()
    files["main.tf"] = files["main.tf"].replace(
        'name = "web-nsg"', f'provider = azurerm.{alias}\n  name = "web-nsg"')
    return files


def units(files: dict[str, str], more: str = "", **by_unit: str) -> dict[str, str]:
    """*files* (plus *more* in main.tf) as unit ``envs/prod``, and one main.tf per other unit
    (``platform="..."``)."""
    tree = {f"envs/prod/{name}": text for name, text in files.items()}
    tree["envs/prod/main.tf"] += more
    for unit, text in by_unit.items():
        tree[f"{unit}/main.tf"] = text
    return tree


# (id, files, shared_accounts, verdict on web-nsg: covered | finding | unresolved)
AZURE_CASES = [
    ("same-root-current", units(plan(), alert()), (), "covered"),
    ("other-root-current", units(plan(), platform=alert()), (), "finding"),
    ("other-root-declared-shared", units(plan(), platform=alert()),
     (("platform", "envs/prod"),), "covered"),
    ("shared-by-glob", units(plan(), platform=alert()), (("platform", "envs/*"),), "covered"),
    ("alias-with-literal-vs-current",
     units(nsg_via("conn"), provider(f'"{SUB2}"', "conn") + alert()), (), "unresolved"),
    ("alias-and-default-literal-differ",
     units(nsg_via("conn"), provider(f'"{SUB1}"') + provider(f'"{SUB2}"', "conn") + alert()),
     (), "finding"),
    ("alias-and-default-literal-equal",
     units(nsg_via("conn"), provider(f'"{SUB1}"') + provider(f'"{SUB1}"', "conn") + alert()),
     (), "covered"),
    ("literal-scope-matches-provider",
     units(plan(), provider(f'"{SUB1}"') + alert(scope=f'"/subscriptions/{SUB1}"')), (),
     "covered"),
    ("literal-scope-other-subscription",
     units(plan(), provider(f'"{SUB2}"') + alert(scope=f'"/subscriptions/{SUB1}"')), (),
     "finding"),
    ("literal-scope-vs-current", units(plan(), alert(scope=f'"/subscriptions/{SUB1}"')), (),
     "unresolved"),
    ("unknown-subscription-id",
     units(plan(), 'variable "sub" {}\n' + provider("var.sub") + alert()), (), "unresolved"),
    ("literal-scope-across-roots",
     units(plan(), provider(f'"{SUB1}"'), platform=alert(scope=f'"/subscriptions/{SUB1}"')),
     (), "covered"),
]


def _verdict(result) -> str:
    if [f for f in result.findings if f.resource.address.endswith("security_group.nsg")]:
        return "finding"
    if [u for u in result.unresolved if u.resource.address.endswith("security_group.nsg")]:
        return "unresolved"
    return "covered"


@pytest.mark.parametrize(("files", "shared", "verdict"), [c[1:] for c in AZURE_CASES],
                         ids=[c[0] for c in AZURE_CASES])
def test_azure_alert_covers_only_its_subscription(scan_files, files, shared, verdict):
    result = scan_files(files, rules=(ZT_VIS_008,), settings=Settings(shared_accounts=shared))
    assert not result.errors
    assert _verdict(result) == verdict


def test_other_unit_finding_says_which_unit_and_what_to_declare(scan_files):
    result = scan_files(units(plan(), platform=alert()), rules=(ZT_VIS_008,))
    (finding,) = result.findings
    assert "deployment unit envs/prod" in finding.message
    assert "shared_accounts" in finding.message


MODULE_CALL = '''
module "net" {
  source    = "./net"
  providers = { azurerm = azurerm.conn }
}
'''
MODULE_NSG = '''
resource "azurerm_network_security_group" "nsg" {
  name                = "mod-nsg"
  resource_group_name = "rg"
}
'''


@pytest.mark.parametrize(("call", "verdict"), [
    (MODULE_CALL, "finding"),  # the module deploys with the aliased configuration (SUB2)
    (MODULE_CALL.replace("  providers = { azurerm = azurerm.conn }\n", ""), "covered"),
], ids=["providers-argument", "inherits-default"])
def test_module_uses_the_provider_configuration_its_call_passes(scan_files, call, verdict):
    files = {
        "root/main.tf": provider(f'"{SUB1}"') + provider(f'"{SUB2}"', "conn") + call
        + alert(),
        "root/net/main.tf": MODULE_NSG,
    }
    result = scan_files(files, rules=(ZT_VIS_008,))
    assert not result.errors
    assert _verdict(result) == verdict


AWS_INSTANCE = '''
resource "aws_security_group" "sg" {
  name = "web"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
'''


def aws_provider(account: str = "", role: str = "") -> str:
    body = f'  allowed_account_ids = ["{account}"]\n' if account else ""
    if role:
        body += f'  assume_role {{\n    role_arn = "arn:aws:iam::{role}:role/deploy"\n  }}\n'
    return 'provider "aws" {\n' + body + "}\n"


WATCH = EVENT_RULE % {"state": "", "source": "aws.ec2"} + TARGET
AWS_CASES = [
    ("same-root", {"app/main.tf": AWS_INSTANCE + WATCH}, (), "covered"),
    ("other-root", {"app/main.tf": AWS_INSTANCE, "security/main.tf": WATCH}, (), "finding"),
    ("other-root-shared", {"app/main.tf": AWS_INSTANCE, "security/main.tf": WATCH},
     (("app", "security"),), "covered"),
    ("assume-role-equals-allowed-account", {
        "app/main.tf": aws_provider(account="123456789012") + AWS_INSTANCE,
        "security/main.tf": aws_provider(role="123456789012") + WATCH}, (), "covered"),
    ("different-literal-accounts", {
        "app/main.tf": aws_provider(account="123456789012") + AWS_INSTANCE,
        "security/main.tf": aws_provider(role="210987654321") + WATCH}, (), "finding"),
    ("literal-vs-current", {
        "app/main.tf": AWS_INSTANCE,
        "security/main.tf": aws_provider(role="210987654321") + WATCH}, (), "unresolved"),
]


@pytest.mark.parametrize(("files", "shared", "verdict"), [c[1:] for c in AWS_CASES],
                         ids=[c[0] for c in AWS_CASES])
def test_aws_controls_cover_only_their_account(scan_files, files, shared, verdict):
    result = scan_files(files, rules=(ZT_VIS_008,), settings=Settings(shared_accounts=shared))
    assert not result.errors
    found = "finding" if result.findings else "unresolved" if result.unresolved else "covered"
    assert found == verdict


NESTED = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [
        {"type": "Microsoft.Insights/activityLogAlerts", "apiVersion": "2020-10-01",
         "name": "nsg-write", "location": "Global",
         "properties": {
             "enabled": True, "scopes": ["[subscription().id]"],
             "condition": {"allOf": [
                 {"field": "category", "equals": "Administrative"},
                 {"field": "operationName",
                  "equals": "Microsoft.Network/networkSecurityGroups/securityRules/write"}]},
             "actions": {"actionGroups": [{"actionGroupId": "/subscriptions/x/ag"}]}}},
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
         "name": "spoke", "subscriptionId": "%s", "resourceGroup": "rg-spoke",
         "properties": {"mode": "Incremental", "template": {
             "$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                        "deploymentTemplate.json#",
             "contentVersion": "1.0.0.0",
             "resources": [{"type": "Microsoft.Network/networkSecurityGroups",
                            "apiVersion": "2023-04-01", "name": "spoke-nsg",
                            "location": "westeurope", "properties": {"securityRules": []}}]}}},
    ],
}


@pytest.mark.parametrize(("subscription", "verdict"), [
    (SUB2, "unresolved"),  # the top-level subscription may or may not be SUB2
    ("[subscription().subscriptionId]", "covered"),  # the same, current one
], ids=["nested-literal-subscription", "nested-current-subscription"])
def test_arm_nested_deployment_subscription(scan_files, subscription, verdict):
    import json

    text = json.dumps(NESTED).replace("%s", subscription)
    result = scan_files({"hub/main.json": text}, rules=(ZT_VIS_008,))
    assert not result.errors
    found = "finding" if result.findings else "unresolved" if result.unresolved else "covered"
    assert found == verdict


SAME_ACCOUNT_CASES = [
    ("equal-literals", SUB1, SUB1, True),
    ("different-literals", SUB1, SUB2, False),
    ("same-unit", current("envs/prod"), current("envs/prod"), True),
    ("different-units", current("envs/prod"), current("envs/dev"), False),
    ("unit-vs-literal", current("envs/prod"), SUB1, None),
    ("unknown", Unknown("var.sub"), SUB1, None),
]


@pytest.mark.parametrize(("ours", "theirs", "expected"), [c[1:] for c in SAME_ACCOUNT_CASES],
                         ids=[c[0] for c in SAME_ACCOUNT_CASES])
def test_same_account(ours, theirs, expected):
    verdict = same_account(ours, theirs)
    assert (None if isinstance(verdict, Unknown) else verdict) is expected


@pytest.mark.parametrize(("unit", "pattern", "expected"), [
    ("envs/prod", "envs/prod", True),
    ("envs/prod", "envs/*", True),
    ("platform/alerts.json", "platform", True),
    ("platform-old", "platform", False),
    ("envs/dev", "envs/prod", False),
    (".", ".", True),
])
def test_matches_unit(unit, pattern, expected):
    assert matches_unit(unit, pattern) is expected


def test_shared_units_get_one_token():
    accounts = Accounts((("platform", "envs/prod"),))
    assert accounts.label("platform") == accounts.label("envs/prod") != accounts.label("envs/dev")


def test_chain_in_the_unit_the_alert_does_not_reach(scan_files):
    """The monorepo of docs/deployment-units.md: the alert in platform/ reaches envs/prod only."""
    tree = {**units(plan()), **{f"envs/dev/{k}": v for k, v in plan().items()},
            "platform/main.tf": alert()}
    shared = Settings(shared_accounts=(("platform", "envs/prod"),))
    result = scan_files(tree, rules=(ZT_NET_001, ZT_VIS_010, ZT_VIS_008), settings=shared)
    (chain,) = result.chains
    assert [t.vm.resource.root for t in chain.targets] == ["envs/dev"]


PARENT = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
    "Network": {"Type": "AWS::CloudFormation::Stack",
                "Properties": {"TemplateURL": "%s"}},
    "SgChanges": {"Type": "AWS::Events::Rule", "Properties": {
        "EventPattern": {"source": ["aws.ec2"], "detail-type": ["AWS API Call via CloudTrail"],
                         "detail": {"eventName": ["AuthorizeSecurityGroupIngress"]}},
        "Targets": [{"Id": "notify", "Arn": "arn:aws:sns:eu-west-1:111122223333:secops"}]}}}}
CHILD = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
    "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
        "GroupDescription": "ssh", "SecurityGroupIngress": [
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}]}}}}


@pytest.mark.parametrize(("url", "unit", "covered"), [
    ("./nested/network.json", "stacks/parent.json", True),  # joins the parent's unit
    ("https://s3.amazonaws.com/b/network.json", "stacks/nested/network.json", False),
], ids=["local-template-url", "remote-template-url"])
def test_nested_stack_joins_its_parents_unit(scan_files, url, unit, covered):
    import json

    result = scan_files({"stacks/parent.json": json.dumps(PARENT).replace("%s", url),
                         "stacks/nested/network.json": json.dumps(CHILD)},
                        rules=(ZT_VIS_008,))
    assert not result.errors
    (group,) = [r for r in result.resources if r.type == "AWS::EC2::SecurityGroup"]
    assert group.root == unit
    assert (result.findings == []) is covered
    assert bool(result.not_scanned) is not covered  # a remote template is listed, never fetched


def _plan_with_providers(alert_key: str, nsg_key: str) -> str:
    """A `terraform show -json` plan: an alert scoped to SUB1 and an NSG, each created through
    the provider configuration named by its key."""
    import json

    def change(address: str, after: dict) -> dict:
        rtype, name = address.split(".")
        return {"address": address, "mode": "managed", "type": rtype, "name": name,
                "change": {"actions": ["create"], "before": None, "after": after,
                           "after_unknown": {}}}

    def config(address: str, key: str) -> dict:
        rtype, name = address.split(".")
        return {"address": address, "mode": "managed", "type": rtype, "name": name,
                "provider_config_key": key, "expressions": {}}

    alert_after = {
        "name": "nsg-write", "enabled": True, "scopes": [f"/subscriptions/{SUB1}"],
        "criteria": [{"category": "Administrative", "operation_name":
                      "Microsoft.Network/networkSecurityGroups/securityRules/write"}],
        "action": [{"action_group_id": "/subscriptions/x/ag"}]}
    doc = {
        "format_version": "1.2", "terraform_version": "1.7.5",
        "resource_changes": [
            change("azurerm_monitor_activity_log_alert.a", alert_after),
            change("azurerm_network_security_group.nsg",
                   {"name": "web-nsg", "resource_group_name": "rg", "security_rule": []})],
        "configuration": {
            "provider_config": {
                "azurerm": {"name": "azurerm", "expressions": {
                    "subscription_id": {"constant_value": SUB1}}},
                "azurerm.conn": {"name": "azurerm", "alias": "conn", "expressions": {
                    "subscription_id": {"constant_value": SUB2}}},
                "azurerm.var": {"name": "azurerm", "alias": "var", "expressions": {
                    "subscription_id": {"references": ["var.sub"]}}}},
            "root_module": {"resources": [
                config("azurerm_monitor_activity_log_alert.a", alert_key),
                config("azurerm_network_security_group.nsg", nsg_key)]}},
    }
    return json.dumps(doc)


@pytest.mark.parametrize(("nsg_key", "verdict"), [
    ("azurerm", "covered"),           # the default configuration's subscription_id is SUB1
    ("azurerm.conn", "finding"),      # the alias deploys into SUB2
    ("azurerm.var", "unresolved"),    # a subscription_id known only at apply
], ids=["default-provider", "alias-other-subscription", "alias-unknown-subscription"])
def test_plan_json_provider_configurations(scan_files, nsg_key, verdict):
    result = scan_files({"plan.json": _plan_with_providers("azurerm", nsg_key)},
                        rules=(ZT_VIS_008,))
    assert not result.errors
    assert _verdict(result) == verdict


def test_reports_name_the_units(scan_files):
    """JSON names each result's unit; text adds the units (and each attack path's unit) when
    the scan has several, and SARIF carries the unit in each result's properties."""
    from iacjit.reports import sarif_report, text_report
    from iacjit.reports.serialize import to_document

    tree = {**units(plan()), **{f"envs/dev/{k}": v for k, v in plan().items()},
            "platform/main.tf": alert()}
    shared = Settings(shared_accounts=(("platform", "envs/prod"),))
    document = to_document(scan_files(tree, settings=shared), 1)
    assert {f["unit"] for f in document["findings"]} == {"envs/dev", "envs/prod"}
    assert [(u["unit"], u["shared_with"]) for u in document["units"]] == [
        ("envs/dev", []), ("envs/prod", ["platform"]), ("platform", ["envs/prod"])]
    text = text_report.render(document)
    assert "attack path to web-vm (envs/dev/main.tf:" in text and " in unit envs/dev," in text
    assert "  envs/prod  terraform" in text and "shares with platform" in text
    sarif = sarif_report.render(document)
    assert '"unit": "envs/dev"' in sarif
