"""What watches security-group changes in AWS (CIS AWS 4.10).

Either a CloudWatch Logs metric filter whose pattern matches the security-group API calls,
with an alarm on its metric that has an action, or an enabled EventBridge rule matching those
calls with a target.  Patterns are parsed, not string-compared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from iacjit.model.raw import RawResource
from iacjit.model.semantic import ChangeAlert, Model
from iacjit.model.values import Unknown, is_known, unknown_reason
from iacjit.providers.guard import guarded
from iacjit.providers.index import ResourceIndex
from iacjit.providers.shape import items, obj

OPENING_CALLS = {"authorizesecuritygroupingress", "modifysecuritygrouprules"}
ACCOUNT = "*"

_TERM = re.compile(r"^\$\.eventName\s*=\s*\"?([A-Za-z0-9_*]+)\"?$")


def _props(resource: RawResource) -> Mapping[str, Any]:
    """CloudFormation keeps properties under ``Properties``; Terraform has them at the top."""
    if resource.type.startswith("AWS::"):
        return obj(resource.attributes.get("Properties"), "Properties")
    return resource.attributes


def parse_filter_pattern(pattern: str) -> tuple[set[str], str | None]:
    """Event names a JSON metric-filter pattern matches, and why it is narrower, if it is.

    Accepts ``{ ($.eventName = A) || ($.eventName = B) }`` with any parentheses; an ``&&``
    or a term on another field narrows the match, so it is reported.
    """
    text = pattern.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return set(), "it is not a JSON metric-filter pattern"
    names: set[str] = set()
    other: list[str] = []
    for term in re.split(r"\|\||&&", text[1:-1]):
        cleaned = term.strip().strip("()").strip()
        match = _TERM.match(cleaned)
        if match:
            names.add(match.group(1).lower())
        elif cleaned:
            other.append(cleaned)
    if "&&" in text:
        return names, "its pattern combines conditions with &&, which narrows it"
    if other:
        return names, f"its pattern term {other[0]!r} is not an eventName match"
    return names, None


def _metric_alarms(resources: list[RawResource]) -> list[RawResource]:
    return [r for r in resources if r.type in {"aws_cloudwatch_metric_alarm",
                                               "AWS::CloudWatch::Alarm"}]


def _metric_filter(resource: RawResource, alarms: list[RawResource]) -> ChangeAlert | None:
    if resource.type not in {"aws_cloudwatch_log_metric_filter", "AWS::Logs::MetricFilter"}:
        return None
    props = _props(resource)
    pattern = props.get("pattern", props.get("FilterPattern"))
    alert = ChangeAlert(name=resource.address, cloud="aws", kind="metric-filter-alarm",
                        resource=resource, scopes=[ACCOUNT])
    if not is_known(pattern) or pattern is None:
        alert.scopes = [Unknown(unknown_reason(pattern) or "the filter pattern is unknown")]
        return alert
    names, narrowing = parse_filter_pattern(str(pattern))
    if not names & OPENING_CALLS:
        return None  # a filter about something else: not an attempt at this control
    if narrowing:
        alert.problems.append(narrowing)
    transforms = props.get("metric_transformation") or props.get("MetricTransformations")
    metrics = {_metric(t.get("name", t.get("MetricName")), t.get("namespace",
                                                                 t.get("MetricNamespace")))
               for t in items(transforms, "the metric transformations") if isinstance(t, dict)}
    watching = [a for a in alarms if _metric(
        _props(a).get("metric_name", _props(a).get("MetricName")),
        _props(a).get("namespace", _props(a).get("Namespace"))) in metrics - {None}]
    if not watching:
        alert.problems.append("no CloudWatch alarm watches its metric")
        return alert
    acting = [a for a in watching if _alarm_acts(a)]
    if not acting:
        alert.problems.append("its alarm has no enabled action, so nobody is notified")
    return alert


def _metric(name: Any, namespace: Any) -> tuple[str, str] | None:
    """A metric's identity when both parts are known text, else None (matches nothing)."""
    if isinstance(name, str) and isinstance(namespace, str):
        return name, namespace
    return None


def _alarm_acts(alarm: RawResource) -> bool:
    props = _props(alarm)
    enabled = props.get("actions_enabled", props.get("ActionsEnabled", True))
    actions = props.get("alarm_actions") or props.get("AlarmActions") or []
    return bool(actions) and str(enabled).lower() != "false"


def _event_pattern_problem(pattern: Any) -> str | None | bool:
    """None when it matches security-group changes; a reason otherwise; False if unrelated."""
    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern)
        except ValueError:
            return "its event pattern is not valid JSON"
    if not isinstance(pattern, dict):
        return False

    def values(value: Any) -> list[str]:
        items = value if isinstance(value, list) else [value]
        return [str(v).lower() for v in items if isinstance(v, str | int | float)]

    if "aws.ec2" not in values(pattern.get("source")):
        return False
    detail_type = values(pattern.get("detail-type"))
    if detail_type and "aws api call via cloudtrail" not in detail_type:
        return False
    detail = pattern.get("detail") if isinstance(pattern.get("detail"), dict) else {}
    events = values(detail.get("eventName"))
    if events and not set(events) & OPENING_CALLS:
        return False
    if not detail_type:
        return "its pattern does not select 'AWS API Call via CloudTrail' events"
    return None


def _event_rule(resource: RawResource, targets: list[RawResource],
                index: ResourceIndex) -> ChangeAlert | None:
    if resource.type not in {"aws_cloudwatch_event_rule", "AWS::Events::Rule"}:
        return None
    props = _props(resource)
    pattern = props.get("event_pattern", props.get("EventPattern"))
    if not is_known(pattern):
        return ChangeAlert(name=resource.address, cloud="aws", kind="eventbridge-rule",
                           resource=resource,
                           scopes=[Unknown(unknown_reason(pattern) or "pattern unknown")])
    problem = _event_pattern_problem(pattern)
    if problem is False:
        return None
    alert = ChangeAlert(name=resource.address, cloud="aws", kind="eventbridge-rule",
                        resource=resource, scopes=[ACCOUNT])
    if problem:
        alert.problems.append(problem)
    state = props.get("state", props.get("State", "ENABLED"))
    if props.get("is_enabled") is False or str(state).upper() == "DISABLED":
        alert.problems.append("it is disabled")
    has_target = bool(props.get("Targets")) or any(
        index.resolve(t.attributes.get("rule"), t) is resource
        or t.attributes.get("rule") == props.get("name") for t in targets)
    if not has_target:
        alert.problems.append("it has no target, so nobody is notified")
    return alert


def add_alerts(model: Model, resources: list[RawResource], index: ResourceIndex) -> None:
    alarms = _metric_alarms(resources)
    targets = [r for r in resources if r.type == "aws_cloudwatch_event_target"]
    for resource in resources:
        with guarded(model.errors, resource, "reading the alarm or rule"):
            found = _metric_filter(resource, alarms) or _event_rule(resource, targets, index)
            if found is not None:
                model.alerts.append(found)
