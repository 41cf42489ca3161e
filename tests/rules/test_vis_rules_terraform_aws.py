"""zt_vis_010 and zt_vis_008 for AWS in Terraform: access without standing ingress, CIS 4.10."""

from __future__ import annotations

import pytest

from iacjit.providers.aws_alerts import parse_filter_pattern
from iacjit.rules import ZT_NET_001, ZT_VIS_008, ZT_VIS_010

BASE = '''
resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
resource "aws_vpc" "other" { cidr_block = "10.1.0.0/16" }
resource "aws_subnet" "a" { vpc_id = aws_vpc.main.id }
resource "aws_subnet" "b" { vpc_id = aws_vpc.other.id }
resource "aws_security_group" "sg" {
  name = "web"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["%(cidr)s"]
  }
}
resource "aws_instance" "web" {
  subnet_id                   = aws_subnet.a.id
  vpc_security_group_ids      = [aws_security_group.sg.id]
  associate_public_ip_address = true
  %(instance_extra)s
}
'''
SSM = '''
resource "aws_iam_role" "r" {
  name = "web"
  %(arns)s
}
resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.r.name
  policy_arn = "%(attached)s"
}
resource "aws_iam_instance_profile" "p" { role = aws_iam_role.r.name }
'''
CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"


def files(cidr="0.0.0.0/0", instance_extra="", extra="") -> dict[str, str]:
    return {"main.tf": BASE % {"cidr": cidr, "instance_extra": instance_extra} + extra}


EICE_A = 'resource "aws_ec2_instance_connect_endpoint" "e" { subnet_id = aws_subnet.a.id }'
EICE_B = 'resource "aws_ec2_instance_connect_endpoint" "e" { subnet_id = aws_subnet.b.id }'
PROFILE = "iam_instance_profile = aws_iam_instance_profile.p.name"
PRIVATE = "10.8.0.0/16"
# (id, plan, category, text the finding names): an access path without standing ingress counts
# only while no group admits the internet on a management port; otherwise it is bypassed.
CASES = [
    ("standing-ingress-no-alternative", files(), "unhealthy", "Instance Connect Endpoint"),
    ("private-source-still-standing", files(cidr=PRIVATE), "unhealthy",
     "Instance Connect Endpoint"),
    ("eice-same-vpc-private-ingress", files(cidr=PRIVATE, extra=EICE_A), "healthy", None),
    ("eice-same-vpc-internet-ingress-bypasses", files(extra=EICE_A), "unhealthy",
     "bypasses EC2 Instance Connect Endpoint"),
    ("eice-other-vpc", files(cidr=PRIVATE, extra=EICE_B), "unhealthy",
     "Instance Connect Endpoint"),
    ("ssm-attachment-private-ingress",
     files(cidr=PRIVATE, instance_extra=PROFILE, extra=SSM % {"arns": "", "attached": CORE}),
     "healthy", None),
    ("ssm-attachment-internet-ingress-bypasses",
     files(instance_extra=PROFILE, extra=SSM % {"arns": "", "attached": CORE}),
     "unhealthy", "bypasses Session Manager"),
    ("ssm-managed-policy-arns",
     files(cidr=PRIVATE, instance_extra=PROFILE,
           extra=SSM % {"arns": f'managed_policy_arns = ["{CORE}"]',
                        "attached": "arn:aws:iam::aws:policy/ReadOnlyAccess"}), "healthy", None),
    ("profile-without-ssm",
     files(cidr=PRIVATE, instance_extra=PROFILE,
           extra=SSM % {"arns": "", "attached": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
     "unhealthy", "Instance Connect Endpoint"),
]


@pytest.mark.parametrize(("tf", "category", "text"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_aws_access_paths(scan_files, tf, category, text):
    result = scan_files(tf, rules=(ZT_VIS_010,))
    assert not result.errors and not result.unresolved
    if category == "unhealthy":
        (finding,) = result.findings
        assert finding.resource.address == "aws_instance.web"
        assert text in finding.message
    else:
        assert result.findings == []


EVENT_RULE = '''
resource "aws_cloudwatch_event_rule" "sg" {
  name          = "sg-changes"
  %(state)s
  event_pattern = jsonencode({
    source        = ["%(source)s"]
    "detail-type" = ["AWS API Call via CloudTrail"]
    detail        = { eventName = ["AuthorizeSecurityGroupIngress"] }
  })
}
'''
TARGET = '''
resource "aws_cloudwatch_event_target" "t" {
  rule = aws_cloudwatch_event_rule.sg.name
  arn  = "arn:aws:sns:eu-west-1:111122223333:secops"
}
'''
CIS = ("{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = "
       "AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || "
       "($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || "
       "($.eventName = DeleteSecurityGroup) }")
METRIC = '''
resource "aws_cloudwatch_log_metric_filter" "sg" {
  name           = "sg-changes"
  log_group_name = "cloudtrail"
  pattern        = "%(pattern)s"
  metric_transformation {
    name      = "SecurityGroupChanges"
    namespace = "CIS"
    value     = "1"
  }
}
resource "aws_cloudwatch_metric_alarm" "sg" {
  alarm_name          = "sg-changes"
  metric_name         = "SecurityGroupChanges"
  namespace           = "CIS"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = 1
  %(actions)s
}
'''
ACTIONS = 'alarm_actions = ["arn:aws:sns:eu-west-1:111122223333:secops"]'

ALERT_CASES = [
    ("none", "", "no CloudWatch metric filter"),
    ("eventbridge", EVENT_RULE % {"state": "", "source": "aws.ec2"} + TARGET, None),
    ("eventbridge-disabled",
     EVENT_RULE % {"state": 'state = "DISABLED"', "source": "aws.ec2"} + TARGET, "disabled"),
    ("eventbridge-no-target", EVENT_RULE % {"state": "", "source": "aws.ec2"}, "no target"),
    ("eventbridge-other-source", EVENT_RULE % {"state": "", "source": "aws.s3"} + TARGET,
     "no CloudWatch metric filter"),
    ("cis-metric-filter", METRIC % {"pattern": CIS, "actions": ACTIONS}, None),
    ("cis-without-alarm-action", METRIC % {"pattern": CIS, "actions": ""},
     "no enabled action"),
    ("narrowed-pattern",
     METRIC % {"pattern": "{ ($.eventName = AuthorizeSecurityGroupIngress) && "
                          "($.userIdentity.type = Root) }", "actions": ACTIONS}, "&&"),
]


@pytest.mark.parametrize(("extra", "text"), [c[1:] for c in ALERT_CASES],
                         ids=[c[0] for c in ALERT_CASES])
def test_aws_change_alerts(scan_files, extra, text):
    result = scan_files(files(extra=extra), rules=(ZT_VIS_008,))
    assert not result.errors and not result.unresolved
    if text is None:
        assert result.findings == []
    else:
        (finding,) = result.findings
        assert finding.resource.address == "aws_security_group.sg"
        assert text in finding.message


def test_cis_pattern_is_parsed_not_compared():
    names, problem = parse_filter_pattern(CIS.replace(" ", "").replace("||", " || "))
    assert problem is None and "authorizesecuritygroupingress" in names and len(names) == 6


def test_chain_on_aws(scan_files):
    result = scan_files(files(), rules=(ZT_NET_001, ZT_VIS_010, ZT_VIS_008))
    (chain,) = result.chains
    (target,) = chain.targets
    assert target.vm.resource.address == "aws_instance.web" and target.ports == [22]


def test_ssm_arn_with_unknown_partition_still_matches(scan_files):
    extra = SSM % {"arns": "", "attached": "arn:${data.aws_partition.current.partition}:iam::aws"
                                          ":policy/AmazonSSMManagedInstanceCore"}
    tf = files(cidr=PRIVATE, instance_extra=PROFILE,
               extra='data "aws_partition" "current" {}\n' + extra)
    result = scan_files(tf, rules=(ZT_VIS_010,))
    assert result.findings == [] and result.unresolved == []
