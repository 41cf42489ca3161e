"""zt_vis_008 — no effective alert on NSG/security-group rule writes.

Without it, an attacker who got in through an open port adds a rule on an obscure port for a
persistent way back, and nobody hears of it (ATT&CK T1562.001).
"""

from __future__ import annotations

from collections.abc import Iterator

from iacjit.model.semantic import ChangeAlert, Model, SecurityGroup
from iacjit.model.values import Unknown
from iacjit.providers.accounts import describe, same_account
from iacjit.providers.azure_alerts import describe_scope, scope_covers
from iacjit.rules.base import Finding, Rule, RuleOutput, Settings, Unresolved

RULE_ID = "zt_vis_008"
SEVERITY = "medium"
TITLE = "No effective alert on NSG rule writes"
ACCOUNT = "*"


def covers(alert: ChangeAlert, group: SecurityGroup) -> bool | Unknown:
    """True if any scope covers the group; Unknown if one might; else False."""
    undecided: Unknown | None = None
    for scope in alert.scopes:
        if scope == ACCOUNT and group.cloud == "aws":
            verdict = same_account(alert.account, group.account)
        else:
            verdict = scope_covers(scope, group.scope_id) if group.cloud == "azure" else False
        if verdict is True:
            return True
        if isinstance(verdict, Unknown):
            undecided = verdict
    return undecided or False


def _out_of_scope(alert: ChangeAlert, group: SecurityGroup) -> str:
    """Why a working alert misses the group; another account says which and what to declare."""
    if group.cloud == "aws" and ACCOUNT in alert.scopes:
        shown = f"account-wide in {describe(alert.account)}"
    else:
        shown = ", ".join(describe_scope(s) for s in alert.scopes) or "nothing"
    if alert.resource.root != group.resource.root and same_account(
            alert.account, group.account) is False:
        return (f"its scope ({shown}) does not cover this group, which deployment unit "
                f"{group.resource.root} places in {describe(group.account)} (declare "
                "shared_accounts if both units deploy into one subscription/account)")
    return f"its scope ({shown}) does not cover this group"


def _verdict(group: SecurityGroup, alerts: list[ChangeAlert]) -> tuple[str, list[str], str | None]:
    """("covered"|"uncovered"|"unresolved", reasons, covering alert name)."""
    reasons: list[str] = []
    unknown: list[str] = []
    for alert in alerts:
        reach = covers(alert, group)
        label = f"{alert.kind} {alert.name!r}"
        if reach is True and not alert.problems:
            return "covered", [], alert.name
        if reach is False:
            reasons.append(f"{label}: {_out_of_scope(alert, group)}")
        elif isinstance(reach, Unknown):
            if alert.problems:
                reasons.append(f"{label}: {'; '.join(alert.problems)}")
            else:
                unknown.append(f"{label}: {reach.reason}")
        else:
            reasons.append(f"{label}: {'; '.join(alert.problems)}")
    if unknown:
        return "unresolved", unknown, None
    return "uncovered", reasons, None


def _what(group: SecurityGroup) -> tuple[str, str]:
    if group.cloud == "azure":
        return ("NSG", "no activity-log alert on Microsoft.Network/networkSecurityGroups/"
                       "securityRules/write and no Deny policy on NSG rule writes exists in "
                       "the scanned plan")
    return ("security group", "no CloudWatch metric filter + alarm (CIS AWS 4.10) and no "
                              "EventBridge rule on security-group changes exists in the "
                              "scanned plan")


def check(model: Model, settings: Settings) -> Iterator[RuleOutput]:
    for group in model.groups.values():
        if not group.declared:
            continue
        alerts = [a for a in model.alerts if a.cloud == group.cloud]
        state, reasons, _ = _verdict(group, alerts)
        if state == "covered":
            continue
        kind, nothing = _what(group)
        evidence = {"security_group": group.name, "alerts_considered": [a.name for a in alerts],
                    "reasons": reasons or [nothing]}
        span = group.resource.span
        if state == "unresolved":
            yield Unresolved(RULE_ID, group.resource, span,
                             f"{kind} {group.name!r}: {reasons[0]}", evidence)
            continue
        if RULE_ID in settings.external_controls:
            evidence["external_control"] = True
            yield Finding(RULE_ID, "info", TITLE,
                          f"{kind} {group.name!r}: rule writes are declared as watched by a "
                          "control outside the scanned plan (not verified by iacjit)",
                          group.resource, span, evidence, subject=group.key)
            continue
        detail = "; ".join(reasons) if reasons else nothing
        yield Finding(RULE_ID, SEVERITY, TITLE,
                      f"{kind} {group.name!r}: no effective alert on rule writes ({detail})",
                      group.resource, span, evidence, subject=group.key)


RULE = Rule(
    id=RULE_ID,
    severity=SEVERITY,
    title=TITLE,
    description=(
        "No effective alert fires when a rule is written to this NSG or security group, and no "
        "policy denies such writes. Azure: an enabled activity-log alert, category "
        "Administrative, operation Microsoft.Network/networkSecurityGroups/securityRules/write, "
        "a scope covering the NSG, no level/status/caller filter, and an action group; or an "
        "enforced Deny policy on NSG rule writes. AWS: the CIS 4.10 metric filter with an "
        "alarm and an action, or an enabled EventBridge rule on security-group API calls with "
        "a target."
    ),
    rationale=(
        "An attacker with a foothold adds an NSG rule on an obscure port to keep a way back in "
        "(ATT&CK T1562.001, impair defenses). An alert on networkSecurityGroups/write alone "
        "does not see a rule added on its own: only securityRules/write is logged for it."
    ),
    fix=(
        "Deploy one activity-log alert scoped to the subscription on "
        "Microsoft.Network/networkSecurityGroups/securityRules/write with an action group "
        "(Terraform: azurerm_monitor_activity_log_alert), or assign a Deny policy for NSG rule "
        "writes. On AWS add the CIS 4.10 metric filter and alarm or an EventBridge rule. If the "
        "alert lives in another repository, declare it with --external-control zt_vis_008."
    ),
    example=(
        'resource "azurerm_monitor_activity_log_alert" "nsg_rule_write" {\n'
        '  name                = "nsg-rule-write"\n'
        "  resource_group_name = azurerm_resource_group.rg.name\n"
        '  location            = "global"\n'
        "  scopes              = [data.azurerm_subscription.current.id]\n"
        "  criteria {\n"
        '    category       = "Administrative"\n'
        '    operation_name = "Microsoft.Network/networkSecurityGroups/securityRules/write"\n'
        "  }\n"
        "  action {\n"
        "    action_group_id = azurerm_monitor_action_group.secops.id\n"
        "  }\n"
        "}"
    ),
    references=(
        "https://learn.microsoft.com/azure/azure-monitor/alerts/activity-log-alerts",
        "https://learn.microsoft.com/azure/templates/microsoft.insights/activitylogalerts",
        "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html",
        "https://attack.mitre.org/techniques/T1562/001/",
    ),
    check=check,
    technique="T1562.001",
    semantics="""\
- **Azure alert**: `Microsoft.Insights/activityLogAlerts` / `azurerm_monitor_activity_log_alert`
  is effective when enabled, in category `Administrative`, on operation
  `Microsoft.Network/networkSecurityGroups/securityRules/write` (in `allOf`, `anyOf` or
  `containsAny`), without a level/status/caller filter, with at least one action group, and with
  a scope covering the NSG: a subscription id covers every NSG in it, a resource-group id only that
  group. `subscription().id`, `data.azurerm_subscription.current.id` and
  `/subscriptions/${data.azurerm_client_config.current.subscription_id}` are the current
  subscription of the alert's deployment unit: they cover the NSGs of that unit (and of units
  declared as sharing it with `shared_accounts`), not those of another Terraform root or template.
  A literal subscription id covers the NSGs placed in it (a provider's `subscription_id`, a
  nested deployment's `subscriptionId`); compared with a unit's current subscription it is
  unresolved ([deployment units](../deployment-units.md)).
- **Azure policy**: an assignment (not `DoNotEnforce`) of a definition whose rule targets
  `Microsoft.Network/networkSecurityGroups/securityRules` with effect Deny (or the landing-zone
  `Deny-MgmtPorts-From-Internet`) also satisfies the rule.
- **AWS**: a metric filter whose pattern (parsed, not compared as text) matches
  `AuthorizeSecurityGroupIngress` or `ModifySecurityGroupRules` without `&&` narrowing, with a
  CloudWatch alarm on its metric that has an enabled action; or an enabled EventBridge rule with
  `source: aws.ec2`, `detail-type: AWS API Call via CloudTrail` and those event names, with a
  target. Both cover every security group of their account: the same deployment unit, units
  declared as sharing one with `shared_accounts`, or the same literal account id (a provider's
  `assume_role` ARN or single `allowed_account_ids` entry).
- **One finding per NSG/security group** of the plan that nothing effective covers, located at
  the group, with every reason found (none exists / disabled / wrong operation / scope / no action
  / another subscription or account, naming the group's deployment unit).
- **Controls outside the repository**: `--external-control zt_vis_008` turns the findings into
  informational notes (severity `info`) — stated, never silently passed.""",
    peer_mistakes="""\
KICS's alert query ignores the alert's scope and `enabled` flag and says nothing when no alert
exists at all; the reference chain scanner has no NSG-write alert check in IaC mode; checkov and
trivy have none.""",
)
