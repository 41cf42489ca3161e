"""Terraform plan JSON (``terraform show -json``): shapes, addresses, unknowns, references,
bad input, and the same findings as the HCL of the same configuration."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO

from iacjit.model.raw import Span
from iacjit.model.values import ResourceRef, Unknown
from iacjit.parsers.common.located_json import locate
from iacjit.parsers.common.options import Limits, ParseOptions
from iacjit.parsers.terraform_plan.marks import marks_for
from iacjit.parsers.terraform_plan.parser import SOURCE_FORMAT, parse_file
from iacjit.scan import run_scan

PLANS = REPO / "samples" / "terraform-plan"
HCL = REPO / "samples" / "terraform"


# ----- builders ----------------------------------------------------------------------------
def change(address: str, after: Any, *, unknown: Any = None, sensitive: Any = None,
           actions: tuple[str, ...] = ("create",), mode: str = "managed",
           module: str | None = None, **extra: Any) -> dict[str, Any]:
    """A resource_changes entry; type and name are read off the address."""
    match = re.match(r'(?:module\.\w+(?:\[[^\]]*\])?\.)*([^.]+)\.([^.\[]+)', address)
    rtype, name = match.groups() if match else ("", "")
    entry: dict[str, Any] = {
        "address": address, "mode": mode, "type": rtype, "name": name,
        "provider_name": "registry.terraform.io/hashicorp/azurerm",
        "change": {"actions": list(actions), "before": None, "after": after,
                   "after_unknown": unknown if unknown is not None else {},
                   "before_sensitive": False,
                   "after_sensitive": sensitive if sensitive is not None else {}},
        **extra,
    }
    if module:
        entry["module_address"] = module
    return entry


def config_resource(address: str, expressions: dict[str, Any]) -> dict[str, Any]:
    rtype, name = address.split(".")
    return {"address": address, "mode": "managed", "type": rtype, "name": name,
            "provider_config_key": rtype.split("_")[0], "expressions": expressions,
            "schema_version": 0}


def refs(*items: str) -> dict[str, Any]:
    """An expression's references, with the shorter forms Terraform adds after each."""
    out: list[str] = []
    for item in items:
        out.append(item)
        parts = item.split(".")
        if parts[0] not in {"var", "local", "module"} and len(parts) >= 3:
            out.append(".".join(parts[:2]))
    return {"references": out}


def plan(*changes: dict[str, Any], config: dict[str, Any] | None = None,
         **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"format_version": "1.2", "terraform_version": "1.7.5",
                           "resource_changes": list(changes)}
    if config is not None:
        doc["configuration"] = {"root_module": config}
    doc.update(extra)
    return doc


def parse(tmp_path: Path, doc: Any, *, indent: int | None = 2, name: str = "plan.json",
          options: ParseOptions | None = None):
    path = tmp_path / name
    text = doc if isinstance(doc, str | bytes) else json.dumps(doc, indent=indent)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return parse_file(path, name, options or ParseOptions())


def by_address(result) -> dict[str, Any]:
    return {r.address: r for r in result.resources}


# ----- shapes ------------------------------------------------------------------------------
def test_sample_shape_matches_the_hcl_evaluator():
    result = parse_file(PLANS / "azure" / "plan.json", "plan.json", ParseOptions())
    assert result.errors == [] and result.not_scanned == []
    resources = by_address(result)
    nsg = resources["azurerm_network_security_group.web"]
    assert nsg.type == "azurerm_network_security_group"
    assert nsg.source_format == SOURCE_FORMAT == "terraform-plan"
    assert nsg.file == nsg.root == "plan.json"
    assert [r["name"] for r in nsg.attributes["security_rule"]] == ["allow-https", "allow-ssh"]
    assert nsg.attributes["tags"] == {"env": "prod"}
    # Located: the resource's object in the file, and each nested block element inside it.
    lines = (PLANS / "azure" / "plan.json").read_text().splitlines()
    assert '"address": "azurerm_network_security_group.web"' in "".join(
        lines[nsg.span.line - 1: nsg.span.end_line])
    rule = nsg.spans[("security_rule", 1)]
    assert nsg.span.line < rule.line <= rule.end_line < nsg.span.end_line
    assert '"allow-ssh"' in "".join(lines[rule.line - 1: rule.end_line])
    # Configured attributes as HCL gives them; computed-only ones (id, guid) are absent.
    vm = resources["azurerm_linux_virtual_machine.vm"]
    assert vm.attributes["network_interface_ids"] == [
        ResourceRef("azurerm_network_interface.vm", "id")]
    assert "id" not in vm.attributes and "virtual_machine_id" not in vm.attributes
    assert vm.attributes["source_image_reference"][0]["publisher"] == "Canonical"


def test_one_line_plan_locates_everything_on_line_1(tmp_path):
    doc = json.loads((PLANS / "aws" / "plan.json").read_text())
    result = parse(tmp_path, doc, indent=None)
    sg = by_address(result)["aws_security_group.bastion"]
    assert sg.span == Span(1, 1)
    assert sg.spans == {} or all(s == Span(1, 1) for s in sg.spans.values())
    assert len(result.resources) == 6


def test_pretty_printed_marks_agree_with_the_yaml_marks_and_other_layouts_fall_back(tmp_path):
    text = (PLANS / "azure" / "plan.json").read_text()
    doc = json.loads(text)
    fast = marks_for(doc, text, ("resource_changes",))
    slow = locate(doc, text)
    changes = doc["resource_changes"]
    for index, entry in enumerate(changes):
        assert fast.span(changes, index) == slow.locate(changes, index)
        for items in entry["change"]["after"].values():
            if isinstance(items, list) and items and isinstance(items[0], dict):
                assert fast.span(items, 0) == slow.locate(items, 0)
    # A layout with a compact inner array is not "one container per line": YAML marks.
    compact = re.sub(r'"address_space": \[\s*"10.0.0.0/16"\s*\]',
                     '"address_space": ["10.0.0.0/16"]', text, count=1)
    assert compact != text
    result = parse(tmp_path, compact)
    nsg = by_address(result)["azurerm_network_security_group.web"]
    expected = by_address(parse_file(PLANS / "azure" / "plan.json", "p", ParseOptions()))[
        "azurerm_network_security_group.web"]
    shift = text.count("\n") - compact.count("\n")
    assert nsg.span == Span(expected.span.line - shift, expected.span.end_line - shift)
    assert nsg.spans[("security_rule", 1)].line == expected.spans[("security_rule", 1)].line \
        - shift


# ----- addresses ---------------------------------------------------------------------------
def test_addresses_of_modules_count_and_for_each(tmp_path):
    doc = plan(
        change("aws_security_group.web[0]", {"name": "a"}, index=0),
        change("aws_security_group.web[1]", {"name": "b"}, index=1),
        change('aws_security_group.keyed["x.y"]', {"name": "x"}, index="x.y"),
        change("module.net.aws_security_group.inner", {"name": "n"}, module="module.net"),
        change('module.app["eu"].module.db.aws_security_group.db[0]', {"name": "db"},
               module='module.app["eu"].module.db', index=0),
    )
    result = parse(tmp_path, doc)
    assert [r.address for r in result.resources] == [
        "aws_security_group.web[0]", "aws_security_group.web[1]",
        'aws_security_group.keyed["x.y"]', "module.net.aws_security_group.inner",
        'module.app["eu"].module.db.aws_security_group.db[0]',
    ]
    assert {r.type for r in result.resources} == {"aws_security_group"}


def test_planned_values_root_and_child_modules(tmp_path):
    doc = {
        "format_version": "1.2", "terraform_version": "1.7.5",
        "planned_values": {"root_module": {
            "resources": [{"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc",
                           "name": "main", "values": {"cidr_block": "10.0.0.0/16"},
                           "sensitive_values": {}},
                          {"address": "data.aws_region.r", "mode": "data",
                           "type": "aws_region", "name": "r", "values": {"name": "x"}}],
            "child_modules": [{"address": "module.net", "resources": [
                {"address": "module.net.aws_subnet.a", "mode": "managed", "type": "aws_subnet",
                 "name": "a", "values": {"cidr_block": "10.0.1.0/24"}}],
                "child_modules": [{"address": "module.net.module.deep", "resources": [
                    {"address": "module.net.module.deep.aws_eip.ip", "mode": "managed",
                     "type": "aws_eip", "name": "ip", "values": {"domain": "vpc"}}]}]}],
        }},
    }
    resources = by_address(parse(tmp_path, doc))
    assert list(resources) == ["aws_vpc.main", "module.net.aws_subnet.a",
                               "module.net.module.deep.aws_eip.ip"]
    assert resources["module.net.aws_subnet.a"].attributes == {"cidr_block": "10.0.1.0/24"}


# ----- actions -----------------------------------------------------------------------------
def test_delete_skipped_no_op_and_replace_kept_data_skipped(tmp_path):
    doc = plan(
        change("aws_vpc.gone", None, actions=("delete",)),
        change("aws_vpc.kept", {"cidr_block": "10.1.0.0/16"}, actions=("no-op",)),
        change("aws_vpc.swap", {"cidr_block": "10.2.0.0/16"}, actions=("delete", "create")),
        change("aws_vpc.forgotten", None, actions=("forget",)),
        change("data.aws_vpc.lookup", {"id": "vpc-1"}, actions=("read",), mode="data"),
        change("aws_vpc.kept", {"cidr_block": "old"}, actions=("delete",), deposed="00000001"),
    )
    resources = by_address(parse(tmp_path, doc))
    assert list(resources) == ["aws_vpc.kept", "aws_vpc.swap"]
    assert resources["aws_vpc.kept"].attributes == {"cidr_block": "10.1.0.0/16"}


# ----- unknowns and references -------------------------------------------------------------
def test_after_unknown_becomes_unknown_unless_a_reference_names_its_source(tmp_path):
    doc = plan(
        change("azurerm_network_security_group.web", {"name": "web-nsg"},
               unknown={"id": True}),
        change("azurerm_subnet_network_security_group_association.a",
               {"timeouts": None},
               unknown={"id": True, "network_security_group_id": True, "subnet_id": True}),
        config={"resources": [
            config_resource("azurerm_network_security_group.web", {"name": {"constant_value":
                                                                            "web-nsg"}}),
            config_resource("azurerm_subnet_network_security_group_association.a", {
                "network_security_group_id": refs("azurerm_network_security_group.web.id"),
                "subnet_id": refs("local.subnet_id"),
            }),
        ]},
    )
    attrs = by_address(parse(tmp_path, doc))[
        "azurerm_subnet_network_security_group_association.a"].attributes
    assert attrs["network_security_group_id"] == ResourceRef(
        "azurerm_network_security_group.web", "id")
    # Configured from a local (the plan keeps no locals): unknown, with the reason.
    assert isinstance(attrs["subnet_id"], Unknown)
    assert "subnet_id is known only after apply" in attrs["subnet_id"].reason
    # Computed by the provider and not configured: absent, as the HCL evaluator has it.
    assert "id" not in attrs
    assert attrs["timeouts"] is None


def test_unknown_without_configuration_section_stays_unknown(tmp_path):
    doc = plan(change("aws_instance.vm", {"ami": "ami-1"}, unknown={"id": True}))
    attrs = by_address(parse(tmp_path, doc))["aws_instance.vm"].attributes
    assert attrs["ami"] == "ami-1"
    assert attrs["id"] == Unknown("aws_instance.vm.id is known only after apply")


def test_lists_of_references_and_known_references_filtered(tmp_path):
    doc = plan(
        change("azurerm_resource_group.rg", {"location": "westeurope", "name": "rg"},
               unknown={"id": True}),
        change("azurerm_network_interface.a", {"name": "a"}, unknown={"id": True}),
        change("azurerm_network_interface.b", {"name": "b"}, unknown={"id": True}),
        change("azurerm_linux_virtual_machine.vm",
               {"network_interface_ids": [None, None], "location": "westeurope"},
               unknown={"network_interface_ids": [True, True]}),
        config={"resources": [
            config_resource("azurerm_linux_virtual_machine.vm", {
                "location": refs("azurerm_resource_group.rg.location"),
                "network_interface_ids": refs("azurerm_resource_group.rg.location",
                                              "azurerm_network_interface.a.id",
                                              "azurerm_network_interface.b.id"),
            }),
        ]},
    )
    attrs = by_address(parse(tmp_path, doc))["azurerm_linux_virtual_machine.vm"].attributes
    # rg.location is known in the plan, so it cannot be what the unknown ids come from.
    assert attrs["network_interface_ids"] == [ResourceRef("azurerm_network_interface.a"),
                                              ResourceRef("azurerm_network_interface.b")]
    assert attrs["location"] == "westeurope"


def test_wholly_unknown_set_of_ids_becomes_a_list_of_references(tmp_path):
    doc = plan(
        change("aws_security_group.web[0]", {"name": "a"}, unknown={"id": True}, index=0),
        change("aws_security_group.web[1]", {"name": "b"}, unknown={"id": True}, index=1),
        change("aws_instance.vm", {"ami": "ami-1"},
               unknown={"vpc_security_group_ids": True, "subnet_id": True}),
        change("aws_subnet.s", {"cidr_block": "10.0.0.0/24"}, unknown={"id": True}),
        config={"resources": [config_resource("aws_instance.vm", {
            # aws_security_group.web[*].id: the reference names the resource, not an instance
            "vpc_security_group_ids": {"references": ["aws_security_group.web"]},
            "subnet_id": refs("aws_subnet.s.id"),
        })]},
    )
    attrs = by_address(parse(tmp_path, doc))["aws_instance.vm"].attributes
    assert attrs["vpc_security_group_ids"] == [ResourceRef("aws_security_group.web[0]"),
                                               ResourceRef("aws_security_group.web[1]")]
    assert attrs["subnet_id"] == ResourceRef("aws_subnet.s")


def test_count_index_reference_picks_the_instance_with_the_same_key(tmp_path):
    doc = plan(*[
        change(f"azurerm_network_interface.nic[{i}]", {}, unknown={"id": True}, index=i)
        for i in range(2)
    ], *[
        change(f"azurerm_linux_virtual_machine.vm[{i}]", {"network_interface_ids": [None]},
               unknown={"network_interface_ids": [True]}, index=i)
        for i in range(2)
    ], config={"resources": [config_resource("azurerm_linux_virtual_machine.vm", {
        "network_interface_ids": {"references": ["azurerm_network_interface.nic",
                                                 "count.index"]}})]})
    resources = by_address(parse(tmp_path, doc))
    for i in range(2):
        assert resources[f"azurerm_linux_virtual_machine.vm[{i}]"].attributes[
            "network_interface_ids"] == [ResourceRef(f"azurerm_network_interface.nic[{i}]")]


def test_nested_block_references_match_the_block_by_its_constants(tmp_path):
    after = {"ip_configuration": [
        {"name": "second", "subnet_id": None, "public_ip_address_id": None},
        {"name": "first", "subnet_id": None, "public_ip_address_id": None},
    ]}
    unknown = {"ip_configuration": [{"subnet_id": True, "primary": True},
                                    {"subnet_id": True, "public_ip_address_id": True}]}
    doc = plan(
        change("azurerm_subnet.one", {}, unknown={"id": True}),
        change("azurerm_subnet.two", {}, unknown={"id": True}),
        change("azurerm_public_ip.pip", {}, unknown={"id": True}),
        change("azurerm_network_interface.nic", after, unknown=unknown),
        config={"resources": [config_resource("azurerm_network_interface.nic", {
            "ip_configuration": [
                {"name": {"constant_value": "first"}, "subnet_id": refs("azurerm_subnet.one.id"),
                 "public_ip_address_id": refs("azurerm_public_ip.pip.id")},
                {"name": {"constant_value": "second"},
                 "subnet_id": refs("azurerm_subnet.two.id")},
            ]})]},
    )
    nic = by_address(parse(tmp_path, doc))["azurerm_network_interface.nic"]
    second, first = nic.attributes["ip_configuration"]
    assert second["subnet_id"] == ResourceRef("azurerm_subnet.two")
    assert "primary" not in second  # computed, not configured
    assert second["public_ip_address_id"] is None  # configured as null in that block
    assert first["subnet_id"] == ResourceRef("azurerm_subnet.one")
    assert first["public_ip_address_id"] == ResourceRef("azurerm_public_ip.pip")
    assert set(nic.spans) == {("ip_configuration", 0), ("ip_configuration", 1)}


def test_module_relative_references_get_the_module_instance_prefix(tmp_path):
    doc = plan(
        change("module.net[0].azurerm_network_security_group.web", {"name": "n"},
               unknown={"id": True}, module="module.net[0]"),
        change("module.net[0].azurerm_subnet_network_security_group_association.a", {},
               unknown={"network_security_group_id": True}, module="module.net[0]"),
        config={"resources": [], "module_calls": {"net": {
            "source": "./net", "count_expression": {"constant_value": 1},
            "module": {"resources": [config_resource(
                "azurerm_subnet_network_security_group_association.a",
                {"network_security_group_id": refs("azurerm_network_security_group.web.id")},
            )]},
        }}},
    )
    attrs = by_address(parse(tmp_path, doc))[
        "module.net[0].azurerm_subnet_network_security_group_association.a"].attributes
    assert attrs["network_security_group_id"] == ResourceRef(
        "module.net[0].azurerm_network_security_group.web", "id")


def test_references_through_module_outputs_and_inputs(tmp_path):
    doc = plan(
        change("module.net.azurerm_network_security_group.web", {"name": "n"},
               unknown={"id": True}, module="module.net"),
        change("azurerm_network_interface.nic", {"name": "nic"}, unknown={"id": True}),
        # root resource reading a module output
        change("azurerm_subnet_network_security_group_association.a", {},
               unknown={"network_security_group_id": True}),
        # module resource reading a module input that the root passes a reference to
        change("module.net.azurerm_network_interface_security_group_association.b", {},
               unknown={"network_interface_id": True}, module="module.net"),
        config={
            "resources": [config_resource(
                "azurerm_subnet_network_security_group_association.a",
                {"network_security_group_id": {"references": ["module.net.nsg_id",
                                                              "module.net"]}})],
            "module_calls": {"net": {
                "source": "./net",
                "expressions": {"nic_id": refs("azurerm_network_interface.nic.id")},
                "module": {
                    "outputs": {"nsg_id": {"expression": refs(
                        "azurerm_network_security_group.web.id")}},
                    "resources": [config_resource(
                        "azurerm_network_interface_security_group_association.b",
                        {"network_interface_id": refs("var.nic_id")})],
                },
            }},
        },
    )
    resources = by_address(parse(tmp_path, doc))
    assert resources["azurerm_subnet_network_security_group_association.a"].attributes[
        "network_security_group_id"] == ResourceRef(
        "module.net.azurerm_network_security_group.web", "id")
    assert resources["module.net.azurerm_network_interface_security_group_association.b"] \
        .attributes["network_interface_id"] == ResourceRef("azurerm_network_interface.nic")


def test_azapi_jit_body_links_to_the_vm_whose_id_is_unknown(tmp_path):
    body_after = {"properties": {"virtualMachines": [
        {"ports": [{"number": 22, "protocol": "TCP", "allowedSourceAddressPrefix": "*",
                    "maxRequestAccessDuration": "PT3H"}]}]}, "kind": "Basic"}
    doc = plan(
        change("azurerm_resource_group.rg", {"location": "westeurope"}, unknown={"id": True}),
        change("azurerm_linux_virtual_machine.vm", {"name": "vm"},
               unknown={"id": True}),
        change("azapi_resource.jit", {
            "type": "Microsoft.Security/locations/jitNetworkAccessPolicies@2020-01-01",
            "name": "default", "body": body_after},
            unknown={"id": True, "parent_id": True,
                     "body": {"properties": {"virtualMachines": [{"id": True}]}}}),
        config={"resources": [config_resource("azapi_resource.jit", {
            "type": {"constant_value":
                     "Microsoft.Security/locations/jitNetworkAccessPolicies@2020-01-01"},
            "name": {"constant_value": "default"},
            "parent_id": refs("azurerm_resource_group.rg.id"),
            "body": refs("azurerm_linux_virtual_machine.vm.id",
                         "azurerm_resource_group.rg.location"),
        })]},
    )
    jit = by_address(parse(tmp_path, doc))["azapi_resource.jit"]
    machines = jit.attributes["body"]["properties"]["virtualMachines"]
    assert machines[0]["id"] == ResourceRef("azurerm_linux_virtual_machine.vm", "id")
    assert machines[0]["ports"][0]["number"] == 22
    assert jit.attributes["parent_id"] == ResourceRef("azurerm_resource_group.rg", "id")


def test_two_unknown_sources_for_one_value_stay_unknown(tmp_path):
    doc = plan(
        change("aws_security_group.a", {}, unknown={"id": True}),
        change("aws_security_group.b", {}, unknown={"id": True}),
        change("aws_security_group_rule.r", {"type": "ingress"},
               unknown={"security_group_id": True}),
        config={"resources": [config_resource("aws_security_group_rule.r", {
            "security_group_id": refs("var.use_a", "aws_security_group.a.id",
                                      "aws_security_group.b.id")})]},
    )
    value = by_address(parse(tmp_path, doc))["aws_security_group_rule.r"].attributes[
        "security_group_id"]
    assert isinstance(value, Unknown)
    assert "aws_security_group.a.id, aws_security_group.b.id" in value.reason


def test_sensitive_values_kept_when_present_unknown_when_left_out(tmp_path):
    doc = plan(change("azurerm_linux_virtual_machine.vm",
                      {"admin_password": "hunter2", "admin_username": "azureuser"},
                      sensitive={"admin_password": True, "custom_data": True}))
    attrs = by_address(parse(tmp_path, doc))["azurerm_linux_virtual_machine.vm"].attributes
    assert attrs["admin_password"] == "hunter2"
    assert isinstance(attrs["custom_data"], Unknown)
    assert "sensitive" in attrs["custom_data"].reason


# ----- state -------------------------------------------------------------------------------
def test_state_json_and_prior_state_fallback(tmp_path):
    module = {"resources": [{"address": "aws_security_group.web", "mode": "managed",
                             "type": "aws_security_group", "name": "web",
                             "values": {"id": "sg-1", "ingress": [{"from_port": 22}]}}]}
    state = {"format_version": "1.0", "terraform_version": "1.7.5",
             "values": {"root_module": module}}
    resources = by_address(parse(tmp_path, state, name="state.json"))
    assert resources["aws_security_group.web"].attributes["id"] == "sg-1"
    assert ("ingress", 0) in resources["aws_security_group.web"].spans
    prior_only = {"format_version": "1.2", "terraform_version": "1.7.5",
                  "prior_state": {"format_version": "1.0", "values": {"root_module": module}}}
    assert list(by_address(parse(tmp_path, prior_only))) == ["aws_security_group.web"]


# ----- bad input -------------------------------------------------------------------------
@pytest.mark.parametrize("content, message, line", [
    ('{\n  "format_version": "1.2",\n  "planned_values": {,}\n}', "invalid JSON", 3),
    ("", "file is empty", 1),
    ("   \n", "file is empty", 1),
    (b'{"format_version": "1.2"\x00}', "binary file", 1),
    (b'{\n"terraform_version": "\xff"}', "not valid UTF-8", 2),
    ('{"format_version": "2.0", "planned_values": {}}', "format_version 2.0 is not supported",
     1),
])
def test_bad_inputs_are_errors_not_exceptions(tmp_path, content, message, line):
    result = parse(tmp_path, content)
    assert result.resources == []
    assert len(result.errors) == 1
    error = result.errors[0]
    assert message in error.message and error.line == line and error.file == "plan.json"


def test_byte_order_mark_is_reported_and_the_plan_read(tmp_path):
    doc = plan(change("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}))
    result = parse(tmp_path, b"\xef\xbb\xbf" + json.dumps(doc).encode())
    assert [r.address for r in result.resources] == ["aws_vpc.main"]
    assert "byte-order mark" in result.errors[0].message


def test_size_limit(tmp_path):
    options = ParseOptions(limits=Limits(max_file_bytes=10))
    result = parse(tmp_path, plan(), options=options)
    assert "limit" in result.errors[0].message


@pytest.mark.parametrize("doc", [
    [1, 2, 3],
    '"just a string"',
    {"terraform_version": "1.7.5", "platform": "linux_amd64", "provider_selections": {}},
    {"name": "package", "version": "1.0.0"},
])
def test_json_that_is_not_a_plan_gives_nothing(tmp_path, doc):
    result = parse(tmp_path, doc)
    assert (result.resources, result.errors, result.not_scanned) == ([], [], [])


def test_raw_state_file_is_listed_as_not_scanned(tmp_path):
    raw = {"version": 4, "terraform_version": "1.7.5", "serial": 3, "lineage": "x",
           "outputs": {}, "resources": []}
    result = parse(tmp_path, raw)
    assert result.resources == [] and result.errors == []
    assert "terraform show -json" in result.not_scanned[0].reason


def test_errored_plan_is_read_with_a_warning(tmp_path):
    result = parse(tmp_path, plan(change("aws_vpc.main", {}), errored=True))
    assert [r.address for r in result.resources] == ["aws_vpc.main"]
    assert "errored" in result.errors[0].message


@pytest.mark.parametrize("doc", [
    plan("not an object", {"address": 5}, {"mode": "managed", "change": []},
         change("aws_vpc.a", "not a dict"),
         change("aws_vpc.b", {"x": 1}, unknown=[True], sensitive="yes"),
         config={"resources": "nope", "module_calls": []}),
    {"format_version": "1.2", "planned_values": {"root_module": {"resources": {},
                                                                 "child_modules": [1]}}},
    {"format_version": "1.2", "resource_changes": {}, "configuration": []},
    plan(change("not.an address!", {"x": 1})),
])
def test_malformed_fields_never_raise(tmp_path, doc):
    result = parse(tmp_path, doc)
    assert all(r.address for r in result.resources)


def test_deeply_nested_values_are_bounded(tmp_path):
    deep: Any = 1
    for _ in range(300):
        deep = {"a": deep}
    result = parse(tmp_path, plan(change("aws_vpc.a", {"deep": deep})), indent=None)
    assert [r.address for r in result.resources] == ["aws_vpc.a"]


# ----- end to end ------------------------------------------------------------------------
def _comparable(result) -> tuple[list, list]:
    findings = sorted((f.rule_id, f.resource.address, json.dumps(f.evidence, sort_keys=True,
                                                                 default=str))
                      for f in result.findings)
    unresolved = sorted((u.rule_id, u.resource.address) for u in result.unresolved)
    return findings, unresolved


@pytest.mark.parametrize("cloud", ["azure", "aws"])
def test_plan_gives_the_same_zt_net_001_findings_as_the_hcl(cloud, monkeypatch):
    monkeypatch.chdir(REPO)
    from_plan = run_scan([Path("samples/terraform-plan") / cloud / "plan.json"])
    from_hcl = run_scan([Path("samples/terraform") / cloud / "vulnerable"])
    assert from_plan.errors == [] and from_hcl.errors == []

    def net(result) -> list[tuple]:
        return sorted((f.rule_id, f.resource.address, f.evidence["rule"],
                       tuple(f.evidence["ports"]), tuple(f.evidence["sources"]))
                      for f in result.findings if f.rule_id == "zt_net_001")

    assert net(from_plan) == net(from_hcl)
    assert len(net(from_plan)) == {"azure": 2, "aws": 3}[cloud]
    # Every rule, not just zt_net_001: the graph links the plan as it links the HCL.
    assert _comparable(from_plan) == _comparable(from_hcl)
    assert {f.resource.source_format for f in from_plan.findings} == {"terraform-plan"}


def test_discovery_routes_plan_files_to_this_parser(monkeypatch):
    monkeypatch.chdir(REPO)
    result = run_scan([Path("samples/terraform-plan")])
    assert result.errors == []
    assert {r.source_format for r in result.resources} == {"terraform-plan"}
    assert {r.file for r in result.resources} >= {"samples/terraform-plan/azure/plan.json",
                                                  "samples/terraform-plan/aws/plan.json"}
