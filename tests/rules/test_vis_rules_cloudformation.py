"""zt_vis_010, zt_vis_008 and CHAIN-016 on CloudFormation templates, end to end.

AWS has no JIT resource (domain.md §2): an instance whose security groups admit SSH/RDP is
healthy only with an access path that needs no standing ingress, an EC2 Instance Connect
Endpoint in its VPC or Session Manager through its instance profile.  Security-group changes
are watched by an EventBridge rule with a target or by the CIS AWS 4.10 metric filter with an
alarm that acts.  One row per reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iacjit.parsers.common.options import ParseOptions
from iacjit.providers import build_model
from iacjit.rules.base import Settings
from iacjit.rules.jit_status import jit_status
from iacjit.scan import parse_inputs

SSM_ARN = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
CIS_PATTERN = (
    "{ ($.eventName = AuthorizeSecurityGroupIngress) || "
    "($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) "
    "|| ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || "
    "($.eventName = DeleteSecurityGroup) }")


# ----- template builders (JSON form; YAML short tags are tested separately) --------------------

def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def network(vpc: str = "Vpc", subnet: str = "Subnet", public: bool = True) -> dict[str, Any]:
    return {
        vpc: {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        subnet: {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": ref(vpc), "CidrBlock": "10.0.1.0/24", "MapPublicIpOnLaunch": public}},
    }


def group(name: str = "Sg", source: str = "0.0.0.0/0", port: int = 22,
          vpc: str = "Vpc") -> dict[str, Any]:
    return {name: {"Type": "AWS::EC2::SecurityGroup", "Properties": {
        "GroupDescription": name, "VpcId": ref(vpc),
        "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                                  "CidrIp": source}]}}}


def instance(name: str = "Web", subnet: str = "Subnet", sg: str = "Sg",
             profile: Any = None) -> dict[str, Any]:
    props: dict[str, Any] = {"InstanceType": "t3.micro", "ImageId": "ami-0123456789abcdef0",
                             "SubnetId": ref(subnet), "SecurityGroupIds": [ref(sg)]}
    if profile is not None:
        props["IamInstanceProfile"] = profile
    return {name: {"Type": "AWS::EC2::Instance", "Properties": props}}


def endpoint(subnet: Any = None, name: str = "Eice") -> dict[str, Any]:
    return {name: {"Type": "AWS::EC2::InstanceConnectEndpoint", "Properties": {
        "SubnetId": subnet if subnet is not None else ref("Subnet")}}}


def ssm_profile(arns: list[Any]) -> dict[str, Any]:
    return {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole"}]},
            "ManagedPolicyArns": arns}},
        "Profile": {"Type": "AWS::IAM::InstanceProfile",
                    "Properties": {"Roles": [ref("Role")]}},
    }


EC2_EVENTS = {"source": ["aws.ec2"], "detail-type": ["AWS API Call via CloudTrail"],
              "detail": {"eventSource": ["ec2.amazonaws.com"],
                         "eventName": ["AuthorizeSecurityGroupIngress",
                                       "ModifySecurityGroupRules"]}}


def event_rule(pattern: Any = None, state: str | None = "ENABLED",
               targets: bool = True) -> dict[str, Any]:
    props: dict[str, Any] = {"EventPattern": EC2_EVENTS if pattern is None else pattern}
    if state is not None:
        props["State"] = state
    if targets:
        props["Targets"] = [{"Id": "notify", "Arn": ref("Topic")}]
    return {"Topic": {"Type": "AWS::SNS::Topic"},
            "SgChanges": {"Type": "AWS::Events::Rule", "Properties": props}}


def metric_filter(pattern: str = CIS_PATTERN, alarm: bool = True, actions: bool = True,
                  actions_enabled: Any = None, metric: str = "SgEvents") -> dict[str, Any]:
    found: dict[str, Any] = {
        "Topic": {"Type": "AWS::SNS::Topic"},
        "SgFilter": {"Type": "AWS::Logs::MetricFilter", "Properties": {
            "LogGroupName": "cloudtrail", "FilterPattern": pattern,
            "MetricTransformations": [{"MetricName": "SgEvents", "MetricNamespace": "CIS",
                                       "MetricValue": "1"}]}},
    }
    if alarm:
        props: dict[str, Any] = {
            "MetricName": metric, "Namespace": "CIS", "Statistic": "Sum", "Period": 300,
            "EvaluationPeriods": 1, "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold"}
        if actions:
            props["AlarmActions"] = [ref("Topic")]
        if actions_enabled is not None:
            props["ActionsEnabled"] = actions_enabled
        found["SgAlarm"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": props}
    return found


def template(*parts: dict[str, Any]) -> str:
    resources: dict[str, Any] = {}
    for part in parts:
        resources.update(part)
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources},
                      indent=2)


def web(*extra: dict[str, Any], source: str = "0.0.0.0/0", profile: Any = None,
        public: bool = True) -> list[dict[str, Any]]:
    return [network(public=public), group(source=source), instance(profile=profile), *extra]


def statuses(tmp_path: Path) -> dict[str, Any]:
    parsed, _ = parse_inputs([tmp_path], ParseOptions())
    assert not parsed.errors, parsed.errors
    model = build_model(parsed.resources)
    return {vm.resource.address: jit_status(vm, model, Settings())
            for vm in model.vms.values()}


def outputs(result, rule_id: str) -> tuple[list, list]:
    return ([f for f in result.findings if f.rule_id == rule_id],
            [u for u in result.unresolved if u.rule_id == rule_id])


WATCHED = event_rule()
PRIVATE = "10.0.0.0/8"


# ----- zt_vis_010: access without standing ingress -------------------------------------------

ACCESS_CASES = [
    # (id, template parts, category, words of the reason)
    ("unhealthy-no-alternative", web(WATCHED), "unhealthy",
     "admits port(s) 22 as standing ingress and no access path avoids it"),
    ("unhealthy-private-source-still-standing", web(WATCHED, source="10.0.0.0/8"),
     "unhealthy", "standing ingress"),
    ("healthy-no-ingress", [network(), group(port=443), instance(), WATCHED], "healthy",
     "no security group admits a management port"),
    ("healthy-eice-same-vpc", web(endpoint(), WATCHED, source=PRIVATE), "healthy",
     "EC2 Instance Connect Endpoint Eice"),
    ("unhealthy-eice-bypassed-by-internet-ingress", web(endpoint(), WATCHED), "unhealthy",
     "from the internet as standing ingress, which bypasses EC2 Instance Connect Endpoint Eice"),
    ("healthy-eice-other-subnet-same-vpc",
     web({"Other": {"Type": "AWS::EC2::Subnet", "Properties": {
         "VpcId": ref("Vpc"), "CidrBlock": "10.0.2.0/24"}}}, endpoint(ref("Other")), WATCHED,
         source=PRIVATE),
     "healthy", "EC2 Instance Connect Endpoint Eice"),
    ("unhealthy-eice-other-vpc",
     web(network("OtherVpc", "OtherSubnet"), endpoint(ref("OtherSubnet")), WATCHED),
     "unhealthy", "no access path avoids it"),
    ("unresolved-eice-subnet-outside-plan", web(endpoint("subnet-0abc"), WATCHED,
                                                source=PRIVATE),
     "unresolved", "cannot tell whether Eice serves this instance's VPC"),
    # Internet ingress bypasses any access path, so an undecidable one decides nothing.
    ("unhealthy-internet-ingress-whatever-the-endpoint", web(endpoint("subnet-0abc"), WATCHED),
     "unhealthy", "no access path avoids it"),
    ("healthy-ssm-instance-profile", web(ssm_profile([SSM_ARN]), WATCHED,
                                         profile=ref("Profile"), source=PRIVATE),
     "healthy", "Session Manager (instance profile Profile)"),
    ("unhealthy-ssm-bypassed-by-internet-ingress", web(ssm_profile([SSM_ARN]), WATCHED,
                                                       profile=ref("Profile")),
     "unhealthy", "which bypasses Session Manager (instance profile Profile)"),
    ("unhealthy-profile-without-ssm",
     web(ssm_profile(["arn:aws:iam::aws:policy/ReadOnlyAccess"]), WATCHED,
         profile=ref("Profile")),
     "unhealthy", "no access path avoids it"),
    # !Sub "arn:${AWS::Partition}:..." leaves only the partition unknown: the policy name,
    # which decides, is known.
    ("healthy-ssm-arn-with-partition",
     web(ssm_profile([{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/"
                                  "AmazonSSMManagedInstanceCore"}]), WATCHED,
         profile=ref("Profile"), source=PRIVATE),
     "healthy", "Session Manager (instance profile Profile)"),
    # An unknown policy name still decides nothing.
    ("unresolved-ssm-arn-unknown-name",
     web(ssm_profile([{"Fn::Sub": "arn:aws:iam::aws:policy/${AWS::StackName}"}]), WATCHED,
         profile=ref("Profile"), source=PRIVATE),
     "unresolved", "a managed policy of instance profile Profile is unknown"),
    ("unresolved-profile-unknown",
     web(WATCHED, profile={"Fn::ImportValue": "shared-profile"}, source=PRIVATE), "unresolved",
     "is outside the plan"),
]


@pytest.mark.parametrize(("parts", "category", "reason"), [c[1:] for c in ACCESS_CASES],
                         ids=[c[0] for c in ACCESS_CASES])
def test_access_without_standing_ingress(scan_files, tmp_path, parts, category, reason):
    result = scan_files({"stack.json": template(*parts)})
    status = statuses(tmp_path)["Web"]
    assert status.category == category, status.reason
    assert reason in status.reason
    findings, unresolved = outputs(result, "zt_vis_010")
    assert len(findings) == (category == "unhealthy")
    assert len(unresolved) == (category == "unresolved")
    for finding in findings:
        assert finding.message.startswith("EC2 instance 'Web': ")
        assert reason in finding.message


def test_ssm_profile_in_yaml_with_short_tags(scan_files, tmp_path):
    yaml_template = f"""\
        AWSTemplateFormatVersion: "2010-09-09"
        Resources:
          Vpc: {{Type: AWS::EC2::VPC, Properties: {{CidrBlock: 10.0.0.0/16}}}}
          Subnet:
            Type: AWS::EC2::Subnet
            Properties: {{VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}}
          Sg:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: ssh
              VpcId: !Ref Vpc
              SecurityGroupIngress:
                - {{IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.0/8}}
          Role:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument: {{}}
              ManagedPolicyArns: [{SSM_ARN}]
          Profile:
            Type: AWS::IAM::InstanceProfile
            Properties: {{Roles: [!Ref Role]}}
          Web:
            Type: AWS::EC2::Instance
            Properties:
              ImageId: ami-0123456789abcdef0
              SubnetId: !Ref Subnet
              SecurityGroupIds: [!GetAtt Sg.GroupId]
              IamInstanceProfile: !Ref Profile
        """
    scan_files({"stack.yaml": yaml_template})
    assert statuses(tmp_path)["Web"].category == "healthy"


# ----- zt_vis_008: what watches security-group changes ---------------------------------------

ALERT_CASES = [
    # (id, template parts, verdict, words of the reason)
    ("eventbridge-effective", [event_rule()], "covered", None),
    ("eventbridge-pattern-as-string", [event_rule(json.dumps(EC2_EVENTS))], "covered", None),
    ("eventbridge-state-omitted", [event_rule(state=None)], "covered", None),
    ("eventbridge-no-event-name-filter",
     [event_rule({"source": ["aws.ec2"], "detail-type": ["AWS API Call via CloudTrail"]})],
     "covered", None),
    ("eventbridge-disabled", [event_rule(state="DISABLED")], "uncovered", "it is disabled"),
    ("eventbridge-no-target", [event_rule(targets=False)], "uncovered", "it has no target"),
    ("eventbridge-no-detail-type",
     [event_rule({"source": ["aws.ec2"],
                  "detail": {"eventName": ["AuthorizeSecurityGroupIngress"]}})],
     "uncovered", "does not select 'AWS API Call via CloudTrail' events"),
    ("eventbridge-wrong-source",
     [event_rule({**EC2_EVENTS, "source": ["aws.s3"]})], "uncovered",
     "no CloudWatch metric filter + alarm"),
    ("eventbridge-other-events",
     [event_rule({**EC2_EVENTS, "detail": {"eventName": ["RunInstances"]}})], "uncovered",
     "no CloudWatch metric filter + alarm"),
    ("eventbridge-invalid-json", [event_rule("{not json")], "uncovered",
     "its event pattern is not valid JSON"),
    ("metric-filter-cis", [metric_filter()], "covered", None),
    ("metric-filter-minimal-opening-calls",
     [metric_filter('{($.eventName="AuthorizeSecurityGroupIngress")||'
                    '($.eventName=ModifySecurityGroupRules)}')], "covered", None),
    ("metric-filter-nested-parentheses",
     [metric_filter("{ (($.eventName = AuthorizeSecurityGroupIngress) || "
                    "($.eventName = RevokeSecurityGroupIngress)) }")], "covered", None),
    ("metric-filter-and-narrows",
     [metric_filter("{ ($.eventName = AuthorizeSecurityGroupIngress) && "
                    "($.userIdentity.type = Root) }")],
     "uncovered", "combines conditions with &&, which narrows it"),
    ("metric-filter-other-field-term",
     [metric_filter("{ ($.eventName = AuthorizeSecurityGroupIngress) || "
                    "($.errorCode = AccessDenied) }")],
     "uncovered", "is not an eventName match"),
    ("metric-filter-unrelated-pattern",
     [metric_filter("{ ($.eventName = ConsoleLogin) }")], "uncovered",
     "no CloudWatch metric filter + alarm"),
    ("metric-filter-no-alarm", [metric_filter(alarm=False)], "uncovered",
     "no CloudWatch alarm watches its metric"),
    ("metric-filter-alarm-on-other-metric", [metric_filter(metric="Other")], "uncovered",
     "no CloudWatch alarm watches its metric"),
    ("metric-filter-alarm-without-actions", [metric_filter(actions=False)], "uncovered",
     "its alarm has no enabled action"),
    ("metric-filter-alarm-actions-disabled", [metric_filter(actions_enabled=False)],
     "uncovered", "its alarm has no enabled action"),
    ("none", [], "uncovered", "no CloudWatch metric filter + alarm (CIS AWS 4.10)"),
]


@pytest.mark.parametrize(("parts", "verdict", "reason"), [c[1:] for c in ALERT_CASES],
                         ids=[c[0] for c in ALERT_CASES])
def test_security_group_change_alert(scan_files, parts, verdict, reason):
    result = scan_files({"stack.json": template(network(), group(), *parts)})
    findings, unresolved = outputs(result, "zt_vis_008")
    assert not unresolved, [u.reason for u in unresolved]
    if verdict == "covered":
        assert not findings, [f.message for f in findings]
        return
    (finding,) = findings
    assert finding.resource.address == "Sg"
    assert reason in finding.message


@pytest.mark.parametrize(("shared", "covered"), [
    ((), False),  # two stacks: two deployments, two accounts as far as anyone knows
    ((("app.json", "security.json"),), True),
], ids=["separate-units", "declared-shared"])
def test_alert_in_another_stack_covers_its_account_only(scan_files, shared, covered):
    result = scan_files({"app.json": template(*web()),
                         "security.json": template(metric_filter())},
                        settings=Settings(shared_accounts=shared))
    assert (not outputs(result, "zt_vis_008")[0]) is covered


# ----- CHAIN-016 -----------------------------------------------------------------------------

def two_instances(*extra: dict[str, Any], source: str = "0.0.0.0/0") -> list[dict[str, Any]]:
    """'Web' with a public IP from its subnet; 'Internal' in a private subnet, same group."""
    return [network(), {"Private": {"Type": "AWS::EC2::Subnet", "Properties": {
                "VpcId": ref("Vpc"), "CidrBlock": "10.0.9.0/24"}}},
            group(source=source), instance(), instance("Internal", "Private"), *extra]


def chain_targets(result) -> list[str] | None:
    chains = [c for c in result.chains if c.definition.id == "CHAIN-016"]
    return sorted(t.vm.name for t in chains[0].targets) if chains else None


def test_chain_fires_per_instance_where_all_three_coincide(scan_files):
    result = scan_files({"stack.json": template(*two_instances())})
    assert chain_targets(result) == ["Web"]
    (target,) = result.chains[0].targets
    assert {f.rule_id for f in target.findings} == {"zt_net_001", "zt_vis_010", "zt_vis_008"}
    assert target.ports == [22]
    assert len(outputs(result, "zt_vis_010")[0]) == 2  # both lack an alternative


@pytest.mark.parametrize(("source", "targets"), [
    ("0.0.0.0/0", ["Web"]),  # internet ingress bypasses Session Manager: the chain forms
    ("10.0.0.0/8", None),    # no internet rule: no step 1, and SSM is the access path
], ids=["internet-ingress-bypasses-ssm", "private-ingress"])
def test_chain_with_session_manager(scan_files, source, targets):
    parts = two_instances(ssm_profile([SSM_ARN]), source=source)
    parts[3] = instance(profile=ref("Profile"))  # Web gets SSM; Internal stays unreachable
    result = scan_files({"stack.json": template(*parts)})
    assert chain_targets(result) == targets


def test_chain_with_instance_connect_endpoint_and_internet_ingress(scan_files):
    """The endpoint is no just-in-time path while the group admits the internet on 22."""
    result = scan_files({"stack.json": template(*two_instances(endpoint()))})
    assert chain_targets(result) == ["Web"]


@pytest.mark.parametrize(("extra", "source"), [
    ((event_rule(),), "0.0.0.0/0"),                    # alert added
    ((metric_filter(),), "0.0.0.0/0"),                 # or the CIS 4.10 filter + alarm
    ((), "10.0.0.0/8"),                                # internet rule closed
], ids=["eventbridge", "metric-filter", "close-rule"])
def test_chain_broken_by_fixing_any_one_step(scan_files, extra, source):
    result = scan_files({"stack.json": template(*two_instances(*extra, source=source))})
    assert chain_targets(result) is None


def test_chain_stands_when_the_alert_is_ineffective(scan_files):
    result = scan_files({"stack.json": template(*two_instances(event_rule(targets=False)))})
    assert chain_targets(result) == ["Web"]
