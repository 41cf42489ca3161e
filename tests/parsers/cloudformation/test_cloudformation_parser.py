"""The CloudFormation parser: resources, spans, conditions, parameter files, what it skips."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from helpers import REPO

from iacjit.model.raw import Span
from iacjit.model.values import ResourceRef, Unknown
from iacjit.parsers.cloudformation.parser import parse_file, read_parameter_file
from iacjit.parsers.common.options import Limits, ParseOptions

SAMPLES = REPO / "samples" / "cloudformation"


def parse(tmp_path: Path, text: str | bytes, name: str = "t.yaml",
          options: ParseOptions | None = None):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return parse_file(path, f"shown/{name}", options or ParseOptions())


def by_id(result):
    return {r.address: r for r in result.resources}


SG_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  SSHLocation:
    Type: String
    Default: 192.168.1.0/0
  Env:
    Type: String
    Default: dev
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  InRegion: !Equals [!Ref "AWS::Region", eu-west-1]
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: ssh
      SecurityGroupIngress:
        - !If
          - IsProd
          - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0}
          - !Ref AWS::NoValue
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: !Ref SSHLocation
  ProdOnly:
    Type: AWS::EC2::SecurityGroupIngress
    Condition: IsProd
    Properties: {GroupId: !Ref Sg, IpProtocol: "-1", CidrIp: 0.0.0.0/0}
  RegionOnly:
    Type: AWS::EC2::SecurityGroupIngress
    Condition: InRegion
    DependsOn: Sg
    Properties:
      GroupId: !GetAtt Sg.GroupId
      IpProtocol: tcp
      FromPort: 3389
      ToPort: 3389
      CidrIpv6: ::/0
"""


def test_resources_shape(tmp_path):
    result = parse(tmp_path, SG_TEMPLATE)
    assert not result.errors
    resources = by_id(result)
    assert set(resources) == {"Sg", "RegionOnly"}  # ProdOnly's condition is false
    sg = resources["Sg"]
    assert sg.type == "AWS::EC2::SecurityGroup"
    assert sg.file == sg.root == "shown/t.yaml"
    assert sg.source_format == "cloudformation"
    assert sg.span == Span(13, 25)
    assert sg.attributes["Type"] == "AWS::EC2::SecurityGroup"
    ingress = sg.attributes["Properties"]["SecurityGroupIngress"]
    assert ingress == [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                        "CidrIp": "192.168.1.0/0"}]
    # The surviving entry keeps the lines it was written on, not those of the dropped one.
    assert sg.spans[("Properties", "SecurityGroupIngress", 0)] == Span(22, 25)
    assert sg.spans[("Properties", "SecurityGroupIngress", 0, "CidrIp")] == Span(25, 25)
    assert sg.spans[("Properties",)] == Span(15, 25)


def test_unknown_condition_keeps_the_resource_with_a_note(tmp_path):
    region = by_id(parse(tmp_path, SG_TEMPLATE))["RegionOnly"]
    assert region.attributes["Condition"] == "InRegion"
    assert region.attributes["DependsOn"] == "Sg"
    assert region.attributes["Properties"]["GroupId"] == ResourceRef("Sg", "GroupId")
    assert any("InRegion" in n and "AWS::Region" in n for n in region.notes)


def test_condition_true_keeps_the_resource(tmp_path):
    params = tmp_path / "params.json"
    params.write_text(json.dumps([{"ParameterKey": "Env", "ParameterValue": "prod"}]))
    result = parse(tmp_path, SG_TEMPLATE, options=ParseOptions(cfn_parameter_files=(params,)))
    resources = by_id(result)
    assert "ProdOnly" in resources
    assert resources["ProdOnly"].attributes["Properties"]["GroupId"] == ResourceRef("Sg", "")
    assert len(resources["Sg"].attributes["Properties"]["SecurityGroupIngress"]) == 2
    assert resources["Sg"].spans[("Properties", "SecurityGroupIngress", 0)] == Span(20, 20)


PARAMETER_FILES = [
    ("params.json", json.dumps([{"ParameterKey": "SSHLocation", "ParameterValue": "10.0.0.0/8"},
                                {"ParameterKey": "Env", "UsePreviousValue": True}])),
    ("params.txt", "# overrides\nSSHLocation=10.0.0.0/8\n\nEnv = dev\n"),
    ("config.json", json.dumps({"Parameters": {"SSHLocation": "10.0.0.0/8"}})),
    ("shorthand.txt", "ParameterKey=SSHLocation,ParameterValue=10.0.0.0/8\n"),
    ("quoted.txt", 'SSHLocation="10.0.0.0/8"\n'),
]


@pytest.mark.parametrize(("name", "content"), PARAMETER_FILES, ids=[p[0] for p in PARAMETER_FILES])
def test_parameter_files(tmp_path, name, content):
    params = tmp_path / name
    params.write_text(content)
    result = parse(tmp_path, SG_TEMPLATE, options=ParseOptions(cfn_parameter_files=(params,)))
    assert not result.errors
    ingress = by_id(result)["Sg"].attributes["Properties"]["SecurityGroupIngress"]
    assert ingress[-1]["CidrIp"] == "10.0.0.0/8"


@pytest.mark.parametrize(("content", "message", "line"), [
    ("[{\"ParameterKey\": \"A\",", "JSON syntax error", 1),
    ('{"Parameters": {"A": {"nested": 1}}}', "expected [{", None),
    ("A=1\njust words\n", "expected Key=Value", 2),
])
def test_bad_parameter_files(tmp_path, content, message, line):
    params = tmp_path / "p.txt"
    params.write_text(content)
    errors: list = []
    read_parameter_file(params, errors)
    assert errors[0].file == str(params)
    assert message in errors[0].message
    assert errors[0].line == line


def test_missing_parameter_file_is_an_error(tmp_path):
    result = parse(tmp_path, SG_TEMPLATE,
                   options=ParseOptions(cfn_parameter_files=(tmp_path / "nope.json",)))
    assert any("cannot read parameter file" in e.message for e in result.errors)
    assert result.resources  # the template is still read


def test_parameter_without_default_is_unknown(tmp_path):
    result = parse(tmp_path, """\
        AWSTemplateFormatVersion: "2010-09-09"
        Parameters:
          Cidr: {Type: String}
        Resources:
          Sg:
            Type: AWS::EC2::SecurityGroup
            Properties:
              SecurityGroupIngress:
                - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Cidr}
        """)
    entry = result.resources[0].attributes["Properties"]["SecurityGroupIngress"][0]
    assert isinstance(entry["CidrIp"], Unknown)
    assert "--cfn-parameters" in entry["CidrIp"].reason


NOT_TEMPLATES = [
    ("k8s.yaml", "apiVersion: v1\nkind: ConfigMap\ndata:\n  note: AWS::EC2::Instance\n"),
    ("multi.yaml", "Resources:\n  A: {Type: AWS::SNS::Topic}\n---\nb: 1\n"),
    ("list.json", '[{"Type": "AWS::SNS::Topic"}]'),
    ("other.json", '{"Resources": {"x": {"Type": "Custom"}}, "note": "AWS::"}'),
    ("ci.yaml", "job: !reference [a, b]\nimage: AWS::thing\n"),  # foreign tags are not ours
    ("empty.yaml", ""),
]


@pytest.mark.parametrize(("name", "text"), NOT_TEMPLATES, ids=[n[0] for n in NOT_TEMPLATES])
def test_files_that_are_not_templates_yield_nothing(tmp_path, name, text):
    result = parse(tmp_path, text, name=name)
    assert not result.resources and not result.errors and not result.not_scanned


def test_template_without_version_detected_by_resource_types(tmp_path):
    result = parse(tmp_path, "Resources:\n  T:\n    Type: AWS::SNS::Topic\n")
    assert [r.address for r in result.resources] == ["T"]


@pytest.mark.parametrize(("data", "fragment", "line"), [
    (b"AWSTemplateFormatVersion: x\nResources: {}\nResources: {}\n", "duplicate key", 3),
    (b"AWSTemplateFormatVersion: x\nResources:\n  A: !!python/object/apply:os.system [id]\n",
     "unsafe YAML tag", 3),
    (b"AWSTemplateFormatVersion: x\nResources: {A: {Type: AWS::SNS::Topic\n",
     "YAML syntax error", 3),
    (b"AWSTemplateFormatVersion: x\nDescription: caf\xe9\n", "not UTF-8", 2),
    (b"\x00\x01AWS::", "binary file", None),
])
def test_loader_errors_reach_the_result(tmp_path, data, fragment, line):
    result = parse(tmp_path, data)
    error = next(e for e in result.errors if fragment in e.message)
    assert error.file == "shown/t.yaml"
    assert error.line == line


def test_billion_laughs_template(tmp_path):
    lines = ["AWSTemplateFormatVersion: x", 'a: &a ["lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefghi", "bcdefghij", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    result = parse(tmp_path, "\n".join(lines) + "\n")
    assert any("alias expansion exceeds" in e.message for e in result.errors)


def test_file_size_limit(tmp_path):
    options = ParseOptions(limits=Limits(max_file_bytes=100))
    result = parse(tmp_path, "AWSTemplateFormatVersion: x\n" + "#" * 200 + "\n", options=options)
    assert "larger than 100 bytes" in result.errors[0].message


def test_unreadable_file_is_an_error(tmp_path):
    result = parse_file(tmp_path / "missing.yaml", "missing.yaml", ParseOptions())
    assert result.errors[0].message.startswith("cannot read")


@pytest.mark.parametrize(("template", "fragment", "line"), [
    ("Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties: {Name: !Ref Nope}\n",
     "Ref to 'Nope'", 4),
    ("Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      Name: !Join [a]\n",
     "malformed Fn::Join", 5),
    ("AWSTemplateFormatVersion: x\nResources:\n  A: [1]\n", "must be a mapping", 3),
    ("AWSTemplateFormatVersion: x\nResources:\n  A: {Properties: {}}\n", "has no Type", 3),
    ("AWSTemplateFormatVersion: x\nResources: []\n", "Resources must be a mapping", 2),
    ("Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Condition: Nope\n",
     "condition 'Nope' is not defined", 4),
])
def test_template_problems_are_located(tmp_path, template, fragment, line):
    result = parse(tmp_path, template)
    error = next((e for e in result.errors if fragment in e.message), None)
    assert error is not None, result.errors
    assert error.line == line


def test_sam_template_is_read_as_cloudformation(tmp_path):
    result = parse(tmp_path, """\
        AWSTemplateFormatVersion: '2010-09-09'
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Timeout: 3}
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {Handler: app.handler, Runtime: python3.12}
          Sg:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: sam
              SecurityGroupIngress:
                - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}
        """)
    assert not result.errors and not result.not_scanned
    assert {r.type for r in result.resources} == {"AWS::Serverless::Function",
                                                  "AWS::EC2::SecurityGroup"}


def test_what_is_not_scanned_is_said(tmp_path):
    result = parse(tmp_path, """\
        AWSTemplateFormatVersion: '2010-09-09'
        Transform: [AWS::LanguageExtensions, MyMacro]
        Resources:
          Fn::ForEach::Topics:
            - Name
            - [a, b]
            - Topic${Name}: {Type: AWS::SNS::Topic}
          Child:
            Type: AWS::CloudFormation::Stack
            Properties: {TemplateURL: https://example.com/child.yaml}
        """)
    whats = sorted(n.what for n in result.not_scanned)
    assert whats == ["Fn::ForEach::Topics", "Transform MyMacro",
                     "nested stack Child (https://example.com/child.yaml)"]
    assert [r.address for r in result.resources] == ["Child"]


def test_json_fallback_notes_missing_lines(tmp_path):
    key = "k" * 1500
    template = {"AWSTemplateFormatVersion": "2010-09-09", key: 1,
                "Resources": {"T": {"Type": "AWS::SNS::Topic"}}}
    result = parse(tmp_path, json.dumps(template), name="t.json")
    assert not result.errors
    (topic,) = result.resources
    assert any("line numbers unavailable" in n for n in topic.notes)


@pytest.mark.parametrize("sample", sorted(p.name for p in (SAMPLES / "vulnerable").iterdir()))
def test_samples_parse_cleanly(sample):
    for kind in ("vulnerable", "fixed"):
        path = SAMPLES / kind / sample
        result = parse_file(path, str(path), ParseOptions())
        assert not result.errors, result.errors
        types = {r.type for r in result.resources}
        assert {"AWS::EC2::SecurityGroup", "AWS::EC2::Instance"} <= types


def test_sample_links_ingress_to_group_and_instance():
    path = SAMPLES / "vulnerable" / "bastion-vpc.yaml"
    resources = by_id(parse_file(path, "b.yaml", ParseOptions()))
    assert resources["BastionRdpIngress"].attributes["Properties"]["GroupId"] == \
        ResourceRef("BastionSecurityGroup", "GroupId")
    interface = resources["BastionInstance"].attributes["Properties"]["NetworkInterfaces"][0]
    assert interface["GroupSet"] == [ResourceRef("BastionSecurityGroup", "")]
    assert interface["AssociatePublicIpAddress"] is True
