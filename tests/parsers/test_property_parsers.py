"""Property-based: arbitrary text or bytes into every parser and both expression evaluators.

They must never raise: whatever the input, a parser returns resources and/or errors, an
evaluator returns a value or an Unknown.  Examples stay few and small to keep the suite fast.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iacjit.model.raw import ParseResult
from iacjit.parsers.arm import parser as arm
from iacjit.parsers.arm.expressions import EvalContext, evaluate
from iacjit.parsers.bicep import parser as bicep
from iacjit.parsers.cloudformation import parser as cloudformation
from iacjit.parsers.common.options import ParseOptions
from iacjit.parsers.terraform.evaluator import Scope, evaluate_safely
from iacjit.parsers.terraform.hcl import parse_expression
from iacjit.parsers.terraform.roots import _NoNames
from iacjit.parsers.terraform_plan import parser as terraform_plan
from iacjit.scan import run_scan

FAST = settings(max_examples=150, deadline=2000, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])

# Text biased towards the syntax each format cares about, plus anything at all.
TOKENS = ['{', '}', '[', ']', '(', ')', '"', "'", ",", ":", "=", "\n", " ", "${", "$", "#",
          "//", "/*", "*/", "<<EOF\n", "EOF", "resource", "locals", "var.", "local.a",
          "module", "source", "count", "for", "in", "if", "concat(", "parameters('p')",
          "variables('v')", "[", "]", "-", "!Ref", "!Sub", "Fn::", "&a", "*a", "<<: ",
          "AWSTemplateFormatVersion", "Resources", "Type", "AWS::EC2::SecurityGroup",
          "Microsoft.Network/networkSecurityGroups", "$schema", "deploymentTemplate.json",
          "planned_values", "0", "1e999", "-1", "null", "true", "\t", "\r", "\x00", "\ufeff",
          "\ud800", "é", "\u202e"]
syntaxy = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=8)),
                   max_size=40).map("".join)
texts = st.one_of(syntaxy, st.text(max_size=200))
blobs = st.one_of(texts.map(lambda t: t.encode("utf-8", "surrogatepass")),
                  st.binary(max_size=200))

OPTIONS = ParseOptions()


def _through(parser, suffix: str, data: bytes) -> ParseResult:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"input{suffix}"
        path.write_bytes(data)
        result = parser.parse_file(path, path.name, OPTIONS)
    assert isinstance(result, ParseResult)
    return result


@FAST
@given(blobs)
def test_arm_parse_file_never_raises(data):
    _through(arm, ".json", data)


@FAST
@given(blobs)
def test_cloudformation_yaml_never_raises(data):
    _through(cloudformation, ".yaml", data)


@FAST
@given(blobs)
def test_cloudformation_json_never_raises(data):
    _through(cloudformation, ".json", data)


@FAST
@given(blobs)
def test_bicep_parse_file_never_raises(data):
    _through(bicep, ".bicep", data)


@FAST
@given(blobs)
def test_terraform_plan_never_raises(data):
    _through(terraform_plan, ".json", b'{"format_version": "1.2", "planned_values": ' + data)
    _through(terraform_plan, ".json", data)


@FAST
@given(blobs)
def test_terraform_scan_never_raises(data):
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "main.tf").write_bytes(data)
        result = run_scan([Path(directory)])
    assert isinstance(result.errors, list)


@FAST
@given(texts)
def test_arm_expression_evaluator_never_raises(text):
    for candidate in (text, f"[{text}]", f"[concat({text})]"):
        evaluate(candidate, EvalContext())


@FAST
@given(texts)
def test_hcl_expression_evaluator_never_raises(text):
    evaluate_safely(parse_expression(text), Scope(_NoNames()))
