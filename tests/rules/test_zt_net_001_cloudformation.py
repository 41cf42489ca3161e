"""zt_net_001 on CloudFormation, end to end (discovery → parser → aws provider → rule).

Each row is a case of domain.md §2 as CloudFormation writes it: protocol names and numbers,
string or number ports, CidrIp/CidrIpv6, prefix lists and source groups, values that come
from parameters, mappings, conditions and string functions.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import REPO

from iacjit.model.raw import Span
from iacjit.parsers.common.options import ParseOptions

SAMPLES = REPO / "samples" / "cloudformation"

HEADER = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Open: {Type: String, Default: 0.0.0.0/0}
  Admin: {Type: String, Default: 10.1.0.0/16}
  SshPort: {Type: Number, Default: "22"}
  Env: {Type: String, Default: prod}
Mappings:
  Sources: {prod: {Cidr: 0.0.0.0/0}, dev: {Cidr: 10.0.0.0/8}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  InRegion: !Equals [!Ref "AWS::Region", us-east-1]
Resources:
  Other:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: other}
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - {entry}
"""
ENTRY_LINE = 21  # the line of "- {entry}" above


def template(entry: str) -> str:
    return HEADER.replace("{entry}", entry)


def tcp(ports: str = "22", source: str = "CidrIp: 0.0.0.0/0", protocol: str = "tcp") -> str:
    low, _, high = ports.partition("-")
    return f"{{IpProtocol: {protocol}, FromPort: {low}, ToPort: {high or low}, {source}}}"


INLINE_CASES = [
    # (id, ingress entry, exposed ports or None)
    ("ssh-any-v4", tcp(), [22]),
    ("rdp", tcp("3389"), [3389]),
    ("protocol-uppercase", tcp(protocol="TCP"), [22]),
    ("protocol-6-number", tcp(protocol="6"), [22]),
    ("protocol-6-string", tcp(protocol='"6"'), [22]),
    ("ports-as-strings", '{IpProtocol: tcp, FromPort: "22", ToPort: "22", CidrIp: 0.0.0.0/0}',
     [22]),
    ("all-protocols-minus-one-no-ports", "{IpProtocol: -1, CidrIp: 0.0.0.0/0}", [22, 3389]),
    ("all-protocols-string", '{IpProtocol: "-1", CidrIp: 0.0.0.0/0}', [22, 3389]),
    ("all-protocols-ports-ignored", tcp("80", protocol="-1"), [22, 3389]),
    ("wide-range", tcp("0-65535"), [22, 3389]),
    ("range-below-rdp", tcp("1-3388"), [22]),
    ("tcp-port-0-only", tcp("0"), None),
    ("udp-22", tcp(protocol="udp"), None),
    ("protocol-17", tcp(protocol="17"), None),
    ("icmp", "{IpProtocol: icmp, FromPort: -1, ToPort: -1, CidrIp: 0.0.0.0/0}", None),
    ("https-only", tcp("443"), None),
    ("ipv6-any", tcp(source='CidrIpv6: "::/0"'), [22]),  # a flow plain scalar cannot start "::"
    ("slash-zero-with-bits", tcp(source="CidrIp: 192.168.1.0/0"), [22]),
    ("private", tcp(source="CidrIp: 10.0.0.0/8"), None),
    ("ipv6-private", tcp(source="CidrIpv6: fd00::/8"), None),
    ("prefix-list", tcp(source="SourcePrefixListId: pl-0123"), None),
    ("source-sg-ref", tcp(source="SourceSecurityGroupId: !Ref Other"), None),
    ("source-sg-id", tcp(source="SourceSecurityGroupId: sg-0123"), None),
    ("source-sg-name", tcp(source="SourceSecurityGroupName: other"), None),
    ("param-default-open", tcp(source="CidrIp: !Ref Open"), [22]),
    ("param-default-private", tcp(source="CidrIp: !Ref Admin"), None),
    ("param-port", "{IpProtocol: tcp, FromPort: !Ref SshPort, ToPort: !Ref SshPort, "
                   "CidrIp: 0.0.0.0/0}", [22]),
    ("join", tcp(source='CidrIp: !Join ["/", ["0.0.0.0", "0"]]'), [22]),
    ("sub", tcp(source='CidrIp: !Sub "${Open}"'), [22]),
    ("sub-list", tcp(source='CidrIp: !Sub ["${N}/0", {N: 0.0.0.0}]'), [22]),
    ("select-split", tcp(source='CidrIp: !Select [1, !Split [",", "10.0.0.0/8,0.0.0.0/0"]]'),
     [22]),
    ("findinmap", tcp(source="CidrIp: !FindInMap [Sources, !Ref Env, Cidr]"), [22]),
    ("if-known-true", tcp(source="CidrIp: !If [IsProd, 0.0.0.0/0, 10.0.0.0/8]"), [22]),
    ("if-known-false", tcp(source="CidrIp: !If [IsProd, 10.0.0.0/8, 0.0.0.0/0]"), None),
    ("cidr-function", tcp(source="CidrIp: !Select [0, !Cidr [0.0.0.0/0, 1, 32]]"), [22]),
]


def _run(scan_net, text: str, name: str = "stack.yaml", options=None):
    result = scan_net({name: text}, options)
    assert not result.errors, result.errors
    return result


@pytest.mark.parametrize(("entry", "ports"), [c[1:] for c in INLINE_CASES],
                         ids=[c[0] for c in INLINE_CASES])
def test_inline_ingress(scan_net, entry, ports):
    result = _run(scan_net, template(entry))
    assert not result.unresolved, result.unresolved
    if ports is None:
        assert result.findings == []
        return
    (finding,) = result.findings
    assert finding.rule_id == "zt_net_001"
    assert finding.evidence["ports"] == ports
    assert finding.resource.address == "Sg"
    assert finding.resource.file == "stack.yaml"
    assert finding.span == Span(ENTRY_LINE, ENTRY_LINE)


UNRESOLVED_CASES = [
    ("pseudo-parameter", tcp(source='CidrIp: !Sub "${AWS::Region}"'), "AWS::Region"),
    ("import", tcp(source="CidrIp: !ImportValue shared-cidr"), "another stack"),
    ("if-unknown-condition", tcp(source="CidrIp: !If [InRegion, 0.0.0.0/0, 10.0.0.0/8]"),
     "InRegion"),
]


@pytest.mark.parametrize(("entry", "reason"), [c[1:] for c in UNRESOLVED_CASES],
                         ids=[c[0] for c in UNRESOLVED_CASES])
def test_unknown_sources_are_unresolved_not_passed(scan_net, entry, reason):
    result = _run(scan_net, template(entry))
    assert result.findings == []
    (unresolved,) = result.unresolved
    assert unresolved.resource.address == "Sg"
    assert reason in unresolved.reason


def test_entry_added_under_an_unknown_condition_is_kept_with_a_note(scan_net):
    entry = f"!If [InRegion, {tcp()}, !Ref AWS::NoValue]"
    result = _run(scan_net, template(entry))
    (finding,) = result.findings
    assert finding.span == Span(ENTRY_LINE, ENTRY_LINE)
    assert any("InRegion" in note for note in finding.resource.notes)


def test_parameter_file_overrides_default(scan_net, tmp_path):
    (tmp_path / "params").mkdir()
    params = tmp_path / "params" / "prod.txt"
    params.write_text("Open=10.9.0.0/16\n")
    result = _run(scan_net, template(tcp(source="CidrIp: !Ref Open")),
                  options=ParseOptions(cfn_parameter_files=(params,)))
    assert result.findings == []


STANDALONE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
  Rdp:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: {group}
      IpProtocol: "6"
      FromPort: "3389"
      ToPort: "3389"
      CidrIpv6: ::/0
"""


@pytest.mark.parametrize("group", ["!Ref Sg", "!GetAtt Sg.GroupId", "sg-0123456789",
                                   "!ImportValue shared-sg"])
def test_standalone_ingress(scan_net, group):
    result = _run(scan_net, STANDALONE.replace("{group}", group))
    (finding,) = result.findings
    assert finding.resource.address == "Rdp"
    assert finding.evidence["ports"] == [3389]
    assert finding.span == Span(7, 14)
    if group.startswith("!"):
        assert finding.evidence["security_group"] in ("Sg", "Rdp", "sg-0123456789")


def test_standalone_ingress_joins_its_group(scan_net):
    result = _run(scan_net, STANDALONE.replace("{group}", "!Ref Sg"))
    assert result.findings[0].evidence["security_group"] == "Sg"


def test_condition_false_drops_the_rule(scan_net):
    text = STANDALONE.replace("{group}", "!Ref Sg").replace(
        "  Rdp:\n    Type: AWS::EC2::SecurityGroupIngress\n",
        "  Rdp:\n    Type: AWS::EC2::SecurityGroupIngress\n    Condition: Never\n",
    ).replace("Resources:\n", "Conditions:\n  Never: !Equals [a, b]\nResources:\n")
    assert _run(scan_net, text).findings == []


def test_json_template(scan_net):
    text = json.dumps({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
                "GroupDescription": "web",
                "SecurityGroupIngress": [
                    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"},
                    {"IpProtocol": 6, "FromPort": "22", "ToPort": "22", "CidrIp": "0.0.0.0/0"},
                ]}},
        },
    }, indent=2)
    result = _run(scan_net, text, name="stack.json")
    (finding,) = result.findings
    line = next(i for i, t in enumerate(text.splitlines(), 1) if '"IpProtocol": 6' in t)
    assert finding.span.line == line - 1  # the "{" that opens the entry
    assert finding.resource.address == "Sg"


def _copy_samples(tmp_path: Path, kind: str) -> Path:
    target = tmp_path / kind
    shutil.copytree(SAMPLES / kind, target)
    return target


def test_vulnerable_samples(scan_net, tmp_path):
    _copy_samples(tmp_path, "vulnerable")
    result = scan_net({}, paths=["vulnerable"])
    assert not result.errors
    got = sorted((f.resource.file, f.resource.address, f.span.line, tuple(f.evidence["ports"]))
                 for f in result.findings if f.rule_id == "zt_net_001")
    assert got == [
        ("vulnerable/bastion-vpc.yaml", "BastionRdpIngress", 67, (3389,)),
        ("vulnerable/bastion-vpc.yaml", "BastionSecurityGroup", 58, (22,)),
        ("vulnerable/windows-web.json", "WebRdpIngress", 36, (3389,)),
        ("vulnerable/windows-web.json", "WebSecurityGroup", 32, (22, 3389)),
    ]


def test_fixed_samples(scan_net, tmp_path):
    _copy_samples(tmp_path, "fixed")
    result = scan_net({}, paths=["fixed"])
    assert not result.errors
    assert [f for f in result.findings if f.rule_id == "zt_net_001"] == []
    assert [u for u in result.unresolved if u.rule_id == "zt_net_001"] == []


@pytest.mark.parametrize("ingress", [
    "\n        - !If [InRegion, " + tcp() + ", " + tcp(source="CidrIp: 10.0.0.0/8") + "]",
    " !If [InRegion, [" + tcp() + "], []]",
])
def test_unknown_entries_are_unresolved(scan_net, ingress):
    text = HEADER.replace("\n        - {entry}", ingress)
    result = _run(scan_net, text)
    assert result.findings == []
    (unresolved,) = result.unresolved
    assert "InRegion" in unresolved.reason
