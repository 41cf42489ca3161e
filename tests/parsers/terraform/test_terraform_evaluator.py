"""The Terraform evaluator: variables, locals, functions, loops and local modules."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPO, nsg_tf

from iacjit.model.values import ResourceRef, Unknown
from iacjit.parsers.common.options import ParseOptions


def attrs_of(result, address):
    (resource,) = [r for r in result.resources if r.address == address]
    return resource.attributes


def one_value(scan_files, expression: str, prelude: str = "", **kwargs):
    source = f'{prelude}\nresource "x_thing" "t" {{\n  v = {expression}\n}}\n'
    result = scan_files({"main.tf": source}, **kwargs)
    assert not result.errors, result.errors
    return attrs_of(result, "x_thing.t")["v"]


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ('"plain"', "plain"),
        ("42", 42),
        ("true", True),
        ("null", None),
        ('"a-${1 + 2}"', "a-3"),
        ('"esc \\"q\\" $${literal}"', 'esc "q" ${literal}'),
        ("[1, 2][1]", 2),
        ('{ a = { b = "c" } }.a.b', "c"),
        ('concat(["a"], ["b", "c"])', ["a", "b", "c"]),
        ('flatten([["a"], ["b", ["c"]]])', ["a", "b", "c"]),
        ('merge({ a = 1 }, { b = 2 })', {"a": 1, "b": 2}),
        ('lookup({ a = 1 }, "b", 7)', 7),
        ('element(["a", "b"], 3)', "b"),
        ("length([1, 2, 3])", 3),
        ('format("%s-%d", "web", 7)', "web-7"),
        ('join(",", ["a", "b"])', "a,b"),
        ('split(",", "22,3389")', ["22", "3389"]),
        ('toset(["a", "a", "b"])', ["a", "b"]),
        ('tolist(["x"])', ["x"]),
        ("tostring(22)", "22"),
        ('tonumber("22")', 22),
        ('lower("ABC")', "abc"),
        ('upper("abc")', "ABC"),
        ('try(["a"][5], "fallback")', "fallback"),
        ('coalesce("", "b")', "b"),
        ('contains(["a"], "a")', True),
        ("keys({ b = 1, a = 2 })", ["a", "b"]),
        ("values({ b = 1, a = 2 })", [2, 1]),
        ('distinct(["a", "b", "a"])', ["a", "b"]),
        ("true ? 1 : 2", 1),
        ("!false && 2 > 1", True),
        ("[for p in [22, 80] : tostring(p) if p < 100]", ["22", "80"]),
        ('{ for k, v in { a = 1 } : upper(k) => v }', {"A": 1}),
        ('[{ n = "a" }, { n = "b" }][*].n', ["a", "b"]),
        ('jsonencode({ a = [1] })', '{"a":[1]}'),
        ("<<EOT\nhello ${1 + 1}\nEOT\n", "hello 2\n"),
        ("<<-EOT\n    indented\n    EOT\n", "indented\n"),
    ],
)
def test_expressions(scan_files, expression, value):
    assert one_value(scan_files, expression) == value


def test_unsupported_function_is_unknown(scan_files):
    value = one_value(scan_files, 'cidrsubnet("10.0.0.0/16", 8, 1)')
    assert isinstance(value, Unknown) and "cidrsubnet" in value.reason


def test_data_source_is_unknown_with_reason(scan_files):
    value = one_value(scan_files, "data.http.ip.response_body")
    assert isinstance(value, Unknown) and "data.http.ip" in value.reason


def test_reference_to_unconfigured_attribute_links(scan_files):
    result = scan_files({"main.tf": '''
        resource "aws_security_group" "sg" { name = "web" }
        resource "x_thing" "t" {
          id_ref = aws_security_group.sg.id
          name_ref = aws_security_group.sg.name
        }
    '''})
    attrs = attrs_of(result, "x_thing.t")
    assert attrs["id_ref"] == ResourceRef("aws_security_group.sg", "id")
    assert attrs["name_ref"] == "web"


def test_local_cycle_is_unknown_not_a_crash(scan_files):
    value = one_value(scan_files, "local.a", prelude="locals {\n a = local.b\n b = local.a\n}")
    assert isinstance(value, Unknown) and "cycle" in value.reason


def test_variable_precedence(scan_files, tmp_path):
    files = {
        "main.tf": 'variable "a" { default = "default" }\nvariable "b" {}\n'
                   'variable "c" {}\nvariable "d" {}\nvariable "e" {}\n'
                   'resource "x_thing" "t" {\n a = var.a\n b = var.b\n c = var.c\n'
                   ' d = var.d\n e = var.e\n}\n',
        "terraform.tfvars": 'b = "tfvars"\nc = "tfvars"\nd = "tfvars"\ne = "tfvars"\n',
        "z.auto.tfvars": 'c = "auto"\nd = "auto"\ne = "auto"\n',
        "extra.tfvars": 'd = "var-file"\ne = "var-file"\n',
    }
    options = ParseOptions(var_files=(tmp_path / "extra.tfvars",), variables={"e": "cli"})
    result = scan_files(files, options)
    attrs = attrs_of(result, "x_thing.t")
    assert [attrs[k] for k in "abcde"] == ["default", "tfvars", "auto", "var-file", "cli"]


def test_cli_var_accepts_hcl_lists(scan_files):
    options = ParseOptions(variables={"ports": '["22", "3389"]'})
    value = one_value(scan_files, "var.ports", prelude='variable "ports" {}', options=options)
    assert value == ["22", "3389"]


def test_count_and_for_each_addresses(scan_files):
    result = scan_files({"main.tf": '''
        resource "x_thing" "c" {
          count = 2
          n = "c-${count.index}"
        }
        resource "x_thing" "f" {
          for_each = { web = 22, db = 3389 }
          n = "${each.key}:${each.value}"
        }
        resource "x_thing" "ref" {
          first = x_thing.c[1].n
          keyed = x_thing.f["db"].n
        }
    '''})
    addresses = {r.address: r.attributes.get("n") for r in result.resources}
    assert addresses['x_thing.c[0]'] == "c-0"
    assert addresses['x_thing.c[1]'] == "c-1"
    assert addresses['x_thing.f["db"]'] == "db:3389"
    assert addresses['x_thing.f["web"]'] == "web:22"
    ref = attrs_of(result, "x_thing.ref")
    assert ref == {"first": "c-1", "keyed": "db:3389"}


def test_huge_count_is_bounded(scan_files):
    result = scan_files({"main.tf": 'resource "x_thing" "c" {\n count = 100000000\n}\n'})
    assert len([r for r in result.resources if r.type == "x_thing"]) == 1
    assert any("exceeds the limit" in e.message for e in result.errors)


def test_local_module_uses_caller_arguments(scan_net):
    result = scan_net({
        "root/main.tf": '''
            module "net" {
              source = "../modules/nsg"
              ssh_source = "0.0.0.0/0"
            }
            resource "x_thing" "uses_output" { v = module.net.nsg_name }
        ''',
        "modules/nsg/main.tf": '\nvariable "ssh_source" { default = "10.0.0.0/8" }\n'
        + nsg_tf("this", name="mod-nsg", source="var.ssh_source")
        + 'output "nsg_name" { value = azurerm_network_security_group.this.name }\n',
        ".git/HEAD": "",  # one repository: ../modules is inside the trust boundary
    }, paths=["root"])
    (finding,) = result.findings
    assert finding.resource.address == "module.net.azurerm_network_security_group.this"
    assert finding.resource.file == "modules/nsg/main.tf"
    assert attrs_of(result, "x_thing.uses_output")["v"] == "mod-nsg"


def test_module_dir_scanned_together_is_not_a_second_root(scan_net):
    """Scanning the module directory too must not report it again with default inputs."""
    result = scan_net({
        "root/main.tf": 'module "net" {\n source = "../modules/nsg"\n src = "10.0.0.0/8"\n}\n',
        "modules/nsg/main.tf": '\nvariable "src" { default = "*" }\n'
        + nsg_tf("this", name="n", source="var.src"),
    })
    assert result.findings == []
    assert {r.address for r in result.resources} == {
        "module.net.azurerm_network_security_group.this"}


def test_module_with_count_and_remote_module(scan_files):
    result = scan_files({
        "main.tf": '''
            module "m" {
              count = 2
              source = "./m"
            }
            module "remote" {
              source = "Azure/network/azurerm"
            }
        ''',
        "m/main.tf": 'resource "x_thing" "t" { v = 1 }\n',
    })
    assert sorted(r.address for r in result.resources) == [
        "module.m[0].x_thing.t", "module.m[1].x_thing.t"]
    (skipped,) = result.not_scanned
    assert "Azure/network/azurerm" in skipped.what and skipped.line == 6


def test_self_sourcing_module_is_bounded(scan_files):
    result = scan_files({"main.tf": 'module "me" {\n source = "./"\n}\n'})
    assert [e.message for e in result.errors] == [
        "module 'me': source './' is this module or one of its callers (a module cycle); "
        "not evaluated"]


def test_subscription_data_source_is_the_deployment_subscription(scan_files):
    value = one_value(scan_files, "data.azurerm_subscription.current.id")
    assert value == "/subscriptions/<deployment-subscription>"


def test_repo_samples_parse_without_errors(monkeypatch):
    from iacjit.scan import run_scan

    monkeypatch.chdir(REPO)
    result = run_scan([Path("samples/terraform")])
    assert result.errors == []
