"""The CloudFormation loader: short tags, plain scalars, line marks and every error path."""

from __future__ import annotations

import codecs
import time

import pytest

from iacjit.model.raw import Span
from iacjit.model.values import Unknown
from iacjit.parsers.cloudformation import loader as cfn_loader
from iacjit.parsers.cloudformation.loader import load


def value_of(text: str):
    doc = load(text.encode())
    assert not doc.errors, doc.errors
    return doc.value["v"]


TAG_CASES = [
    # (YAML value, long form)
    ("!Ref Sg", {"Ref": "Sg"}),
    ("!Ref AWS::Region", {"Ref": "AWS::Region"}),
    ("!Condition IsProd", {"Condition": "IsProd"}),
    ("!GetAtt Sg.GroupId", {"Fn::GetAtt": ["Sg", "GroupId"]}),
    ("!GetAtt Db.Endpoint.Address", {"Fn::GetAtt": ["Db", "Endpoint.Address"]}),
    ("!GetAtt [Sg, GroupId]", {"Fn::GetAtt": ["Sg", "GroupId"]}),
    ('!Sub "${AWS::StackName}-sg"', {"Fn::Sub": "${AWS::StackName}-sg"}),
    ("!Sub ['${A}', {A: x}]", {"Fn::Sub": ["${A}", {"A": "x"}]}),
    ("!Join ['', [a, b]]", {"Fn::Join": ["", ["a", "b"]]}),
    ("!Select [0, [a, b]]", {"Fn::Select": [0, ["a", "b"]]}),
    ("!Split [',', 'a,b']", {"Fn::Split": [",", "a,b"]}),
    ("!FindInMap [M, k1, k2]", {"Fn::FindInMap": ["M", "k1", "k2"]}),
    ("!ImportValue shared-sg", {"Fn::ImportValue": "shared-sg"}),
    ("!Base64 hello", {"Fn::Base64": "hello"}),
    ("!Cidr [10.0.0.0/16, 2, 8]", {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}),
    ("!GetAZs ''", {"Fn::GetAZs": ""}),
    ("!If [C, a, b]", {"Fn::If": ["C", "a", "b"]}),
    ("!Equals [a, b]", {"Fn::Equals": ["a", "b"]}),
    ("!Not [!Equals [a, b]]", {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}),
    ("!And [!Condition A, !Condition B]",
     {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}),
    ("!Or [!Condition A, !Condition B]",
     {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
    ("!Transform {Name: M, Parameters: {}}",
     {"Fn::Transform": {"Name": "M", "Parameters": {}}}),
    ("!Length [a, b]", {"Fn::Length": ["a", "b"]}),
    ("!ToJsonString {a: 1}", {"Fn::ToJsonString": {"a": 1}}),
]


@pytest.mark.parametrize(("yaml_value", "expected"), TAG_CASES, ids=[c[0] for c in TAG_CASES])
def test_short_tags_become_long_form(yaml_value, expected):
    assert value_of(f"v: {yaml_value}\n") == expected


def test_every_tag_named_in_the_issue_is_supported():
    issue_tags = ["Ref", "Sub", "GetAtt", "If", "Join", "Select", "FindInMap", "ImportValue",
                  "Base64", "Cidr", "GetAZs", "Split", "Equals", "Not", "And", "Or",
                  "Condition", "Transform"]
    assert all(f"!{t}" in cfn_loader.SHORT_TAGS for t in issue_tags)


SCALAR_CASES = [
    ("2010-09-09", "2010-09-09"),  # not a date
    ("22", 22),
    ('"22"', "22"),
    ("-1", -1),
    ("'-1'", "-1"),
    ("0.0.0.0/0", "0.0.0.0/0"),
    ("::/0", "::/0"),
    ("true", True),
    ("1.5", 1.5),
    ("~", None),
    ("!!str 22", "22"),
    ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
]


@pytest.mark.parametrize(("yaml_value", "expected"), SCALAR_CASES,
                         ids=[c[0] for c in SCALAR_CASES])
def test_scalars(yaml_value, expected):
    assert value_of(f"v: {yaml_value}\n") == expected


def test_marks_cover_keys_and_list_elements():
    doc = load(b"""\
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 22

        - IpProtocol: tcp
          CidrIp: !If
            - C
            - 0.0.0.0/0
            - 10.0.0.0/8
  Other:
    Type: AWS::SNS::Topic
""")
    assert doc.marks[("Resources", "Sg")] == Span(2, 13)
    assert doc.marks[("Resources", "Sg", "Properties", "SecurityGroupIngress", 0)] == Span(6, 7)
    assert doc.marks[("Resources", "Sg", "Properties", "SecurityGroupIngress", 1)] == Span(9, 13)
    cidr = ("Resources", "Sg", "Properties", "SecurityGroupIngress", 1, "CidrIp")
    assert doc.marks[(*cidr, "Fn::If", 1)] == Span(12, 12)
    assert doc.marks[("Resources", "Other")] == Span(14, 15)
    assert doc.span_of((*cidr, "Fn::If", 1, "nothing")) == Span(12, 12)


def test_block_scalar_ends_on_its_last_line():
    doc = load(b"a: |\n  one\n  two\nb: 1\n")
    assert doc.marks[("a",)] == Span(1, 3)


def test_json_keeps_line_marks():
    doc = load(b'{\n  "Resources": {\n    "Sg": {\n      "Type": "AWS::EC2::SecurityGroup"\n'
               b"    }\n  }\n}\n")
    assert doc.line_numbers
    assert doc.marks[("Resources", "Sg")] == Span(3, 5)


def test_json_with_tabs_is_read_with_marks():
    doc = load(b'{\n\t"Resources": {\n\t\t"Sg": {"Type": "AWS::EC2::SecurityGroup"}\n\t}\n}\n')
    assert not doc.errors
    assert doc.line_numbers
    assert doc.marks[("Resources", "Sg")] == Span(3, 3)


def test_json_yaml_cannot_read_falls_back_to_json():
    # A key longer than YAML's 1024-character simple-key limit is fine in JSON.
    key = "k" * 1500
    doc = load(('{"' + key + '": 1, "AWSTemplateFormatVersion": "2010-09-09"}').encode())
    assert not doc.errors
    assert doc.value[key] == 1
    assert not doc.line_numbers


def test_merge_key():
    assert load(b"a: &x {k: 1, j: 2}\nb:\n  <<: *x\n  j: 3\n").value["b"] == {"k": 1, "j": 3}


def test_quoted_merge_key_is_a_plain_key():
    assert load(b"b:\n  '<<': 1\n").value["b"] == {"<<": 1}


def test_small_aliases_are_expanded():
    assert load(b"a: &x [1, 2]\nb: *x\n").value == {"a": [1, 2], "b": [1, 2]}


def test_second_document_is_counted_not_read():
    doc = load(b"a: 1\n---\nb: 2\n")
    assert doc.documents == 2
    assert doc.value == {"a": 1}


def test_utf8_bom_is_skipped():
    assert load(codecs.BOM_UTF8 + b"a: 1\n").value == {"a": 1}


def test_utf16_with_bom_is_read():
    assert load("a: é\n".encode("utf-16")).value == {"a": "é"}


ERROR_CASES = [
    # (id, input, fragment of the message, line, fatal)
    ("duplicate-key", b"Resources: {}\nX: 1\nResources: {}\n",
     "duplicate key 'Resources' (first at line 1)", 3, False),
    ("duplicate-nested", b"a:\n  b: 1\n  b: 2\n", "duplicate key 'b' (first at line 2)", 3,
     False),
    ("duplicate-json", b'{"a": 1,\n "a": 2}', "duplicate key 'a'", 2, False),
    ("python-object", b"a: !!python/object/apply:os.system [echo]\n",
     "unsafe YAML tag !!python/object/apply:os.system refused", 1, True),
    ("python-name-scalar", b"a: !!python/name:os.system ''\n",
     "unsafe YAML tag !!python/name:os.system refused", 1, False),
    ("unknown-tag", b"a: !Bogus x\n", "unsupported YAML tag !Bogus", 1, False),
    ("undefined-alias", b"a: *nope\n", "undefined alias *nope", 1, True),
    ("complex-key", b"? [a, b]\n: 1\n", "complex mapping keys", 1, True),
    ("not-utf8", b"a: 1\nb: caf\xe9\n", "not UTF-8 text: invalid byte 0xe9", 2, True),
    ("binary", b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary file", None, True),
    ("truncated-flow", b"Resources: {Sg: {Type: AWS::EC2::SecurityGroup\n",
     "YAML syntax error", 2, True),
    ("truncated-quote", b'a: "unterminated\n', "YAML syntax error", 2, True),
    ("bad-indent", b"a:\n  b: 1\n c: 2\n", "YAML syntax error", 3, True),
    ("truncated-json", b'{\n  "Resources": {\n    "Sg": {', "JSON syntax error", 3, True),
]


@pytest.mark.parametrize(("data", "fragment", "line", "fatal"),
                         [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_errors(data, fragment, line, fatal):
    doc = load(data)
    assert doc.errors, doc.value
    error = next((e for e in doc.errors if fragment in e.message), None)
    assert error is not None, doc.errors
    assert error.line == line
    assert doc.fatal is fatal


def test_unsafe_scalar_is_replaced_by_unknown():
    doc = load(b"a: !!python/name:os.system ''\n")
    assert isinstance(doc.value["a"], Unknown)


def test_empty_and_blank_files_are_no_document():
    for data in (b"", b"\n\n  \n", b"# only a comment\n"):
        doc = load(data)
        assert doc.value is None
        assert not doc.errors


def test_billion_laughs_is_an_error_not_a_hang():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    started = time.monotonic()
    doc = load("\n".join(lines).encode(), max_alias_nodes=10_000)
    assert time.monotonic() - started < 2
    assert doc.fatal
    assert any("alias expansion exceeds 10000 nodes" in e.message for e in doc.errors)


@pytest.mark.parametrize("style", ["flow", "block"])
def test_depth_is_bounded(style):
    depth = 100_000 if style == "flow" else 300
    if style == "flow":
        data = ("v: " + "[" * depth + "]" * depth).encode()
    else:
        data = "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)).encode() + b"  " * depth \
            + b"x: 1\n"
    doc = load(data, max_depth=50)
    assert doc.fatal
    # Our bound or PyYAML's own (6.0.4+ bounds flow nesting itself): either way a fatal,
    # named nesting error, never a RecursionError or an unbounded walk.
    assert any("nesting" in e.message for e in doc.errors)


def test_deep_json_that_yaml_refuses_is_not_retried_unbounded():
    data = ("[" * 100_000 + "]" * 100_000).encode()
    doc = load(data, max_depth=50)
    assert doc.fatal
    # Refused for its depth (by our bound or PyYAML's), not handed to the JSON reader.
    assert doc.line_numbers
    assert "nesting" in doc.errors[0].message


def test_pure_python_loader_gives_the_same_result(monkeypatch):
    import yaml

    text = b"AWSTemplateFormatVersion: 2010-09-09\nv: !GetAtt A.B\nw: [1, '2']\n"
    fast = load(text)
    monkeypatch.setattr(cfn_loader, "_BaseLoader", yaml.SafeLoader)
    slow = load(text)
    assert fast.value == slow.value
    assert fast.marks == slow.marks
