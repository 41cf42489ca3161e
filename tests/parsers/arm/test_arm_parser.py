"""ARM template parser: resource shapes, names, lines, loops, conditions, nested deployments,
parameter files, bad inputs, and zt_net_001 end to end on the samples."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from helpers import REPO

from iacjit.model.raw import Span
from iacjit.model.values import DEPLOYMENT_RESOURCE_GROUP, DEPLOYMENT_SUBSCRIPTION, Unknown
from iacjit.parsers.arm.parser import parse_file
from iacjit.parsers.common import located_json as arm_source
from iacjit.parsers.common.options import Limits, ParseOptions
from iacjit.rules import ZT_NET_001
from iacjit.scan import run_scan

SAMPLES = REPO / "samples" / "arm"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
NSG = "Microsoft.Network/networkSecurityGroups"
RULE = "Microsoft.Network/networkSecurityGroups/securityRules"


def template(resources, **extra) -> str:
    return json.dumps({"$schema": SCHEMA, "contentVersion": "1.0.0.0", **extra,
                       "resources": resources}, indent=2)


def parse(tmp_path: Path, text: str | bytes, name: str = "main.json",
          options: ParseOptions | None = None, files: dict[str, str] | None = None):
    for other, content in (files or {}).items():
        (tmp_path / other).write_text(content, encoding="utf-8")
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return parse_file(path, f"infra/{name}", options or ParseOptions())


def by_address(result):
    return {r.address: r for r in result.resources}


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the *occurrence*-th line containing *needle*."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


# --- samples: shapes, names, spans -------------------------------------------------------------


def test_classic_sample_shapes_names_and_spans():
    path = SAMPLES / "vulnerable" / "classic-vm.json"
    text = path.read_text()
    result = parse_file(path, "samples/arm/vulnerable/classic-vm.json", ParseOptions())
    assert result.errors == [] and result.not_scanned == []
    resources = by_address(result)
    assert list(resources) == [
        "Microsoft.Network/publicIPAddresses/web-pip",
        f"{NSG}/web-nsg",
        f"{RULE}/web-nsg/allow-rdp",
        "Microsoft.Network/virtualNetworks/web-vnet",
        "Microsoft.Network/networkInterfaces/web-nic",
        "Microsoft.Compute/virtualMachines/web",
    ]
    nsg = resources[f"{NSG}/web-nsg"]
    assert nsg.type == NSG and nsg.source_format == "arm"
    assert nsg.file == nsg.root == "samples/arm/vulnerable/classic-vm.json"
    assert nsg.attributes["name"] == "web-nsg"
    assert nsg.attributes["location"] == Unknown(
        "the resource group's location is known only at deployment")
    rules = nsg.attributes["properties"]["securityRules"]
    # the property copy loop is materialised; the parameters file sets the SSH source
    assert [r["name"] for r in rules] == ["allow-ssh", "allow-https"]
    assert rules[0]["properties"]["sourceAddressPrefix"] == "0.0.0.0/0"
    assert [r["properties"]["priority"] for r in rules] == [100, 110]
    assert "copy" not in nsg.attributes["properties"]
    # the NSG spans its object; each generated rule points at the copy input
    assert nsg.span.line == line_of(text, '"type": "Microsoft.Network/networkSecurityGroups"') - 1
    input_line = line_of(text, '"input": {')
    assert nsg.spans[("properties", "securityRules", 0)].line == input_line
    assert nsg.spans[("properties", "securityRules", 1)].line == input_line
    child = resources[f"{RULE}/web-nsg/allow-rdp"]
    assert child.type == RULE
    assert child.attributes["name"] == "web-nsg/allow-rdp"
    assert child.attributes["dependsOn"] == [
        f"/subscriptions/{DEPLOYMENT_SUBSCRIPTION}/resourceGroups/{DEPLOYMENT_RESOURCE_GROUP}"
        f"/providers/{NSG}/web-nsg"
    ]
    assert child.span.line == line_of(text, '"type": "securityRules"') - 1
    vm = resources["Microsoft.Compute/virtualMachines/web"]
    key = vm.attributes["properties"]["osProfile"]["linuxConfiguration"]["ssh"]["publicKeys"][0]
    assert isinstance(key["keyData"], Unknown)  # Key Vault reference in the parameters file
    assert "Key Vault" in key["keyData"].reason
    assert "resources" not in nsg.attributes


def test_symbolic_sample_existing_condition_and_copy():
    path = SAMPLES / "vulnerable" / "symbolic-vm.json"
    text = path.read_text()
    result = parse_file(path, "symbolic-vm.json", ParseOptions())
    assert result.errors == []
    resources = by_address(result)
    assert "Microsoft.Network/virtualNetworks/hub-vnet" not in resources  # existing
    assert not any("bastion" in a for a in resources)  # condition false
    assert [a for a in resources if "virtualMachines" in a] == [
        "Microsoft.Compute/virtualMachines/jump-0",
        "Microsoft.Compute/virtualMachines/jump-1",
    ]
    rule = resources[f"{RULE}/jump-nsg/allow-rdp"]
    assert rule.attributes["properties"]["sourceAddressPrefixes"] == ["0.0.0.0/1", "128.0.0.0/1"]
    assert rule.attributes["dependsOn"] == ["nsg"]
    nsg = resources[f"{NSG}/jump-nsg"]
    assert nsg.spans[("properties", "securityRules", 1)] == Span(
        line_of(text, '"name": "allow-https"') - 1, line_of(text, '"name": "allow-https"') + 11
    )
    nic = resources["Microsoft.Network/networkInterfaces/jump-1-nic"]
    pip_id = nic.attributes["properties"]["ipConfigurations"][0]["properties"][
        "publicIPAddress"]["id"]
    assert pip_id.endswith("/providers/Microsoft.Network/publicIPAddresses/jump-1-pip")


def test_nested_deployment_sample_inner_outer_and_linked():
    path = SAMPLES / "vulnerable" / "nested-deployment.json"
    result = parse_file(path, "nested.json", ParseOptions())
    assert result.errors == []
    resources = by_address(result)
    inner = resources[f"{NSG}/mgmt-prod-nsg"]
    rule = inner.attributes["properties"]["securityRules"][0]["properties"]
    assert rule["sourceAddressPrefix"] == "Internet"  # overrides the inner default 10.0.0.0/8
    outer = resources[f"{NSG}/app-prod-nsg"]
    assert outer.attributes["properties"]["securityRules"][1]["properties"][
        "sourceAddressPrefix"] == "0.0.0.0/0"  # outer scope sees the outer variables
    deployment = resources["Microsoft.Resources/deployments/mgmt-nsg"]
    assert "template" not in deployment.attributes["properties"]
    assert deployment.attributes["properties"]["parameters"]["sourcePrefix"] == {
        "value": "Internet"}
    [linked] = result.not_scanned
    assert linked.what == "linked template https://example.com/templates/monitoring.json"
    assert linked.line == line_of(path.read_text(), '"name": "shared-monitoring"') - 3


# --- constructs ------------------------------------------------------------------------------


def nsg_decl(name: str = "nsg", source: str = "Internet", **extra) -> dict:
    return {
        "type": NSG, "apiVersion": "2023-04-01", "name": name, **extra,
        "properties": {"securityRules": [{"name": "ssh", "properties": {
            "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourceAddressPrefix": source, "destinationPortRange": "22"}}]},
    }


def test_resource_copy_loop_names_and_indexes(tmp_path):
    decl = nsg_decl("[format('nsg-{0}', copyIndex(1))]",
                    copy={"name": "nsgs", "count": "[parameters('n')]"})
    decl["properties"]["securityRules"][0]["properties"]["priority"] = (
        "[add(100, copyIndex('nsgs'))]")
    result = parse(tmp_path, template([decl], parameters={
        "n": {"type": "int", "defaultValue": 3}}))
    assert [r.attributes["name"] for r in result.resources] == ["nsg-1", "nsg-2", "nsg-3"]
    assert [r.attributes["properties"]["securityRules"][0]["properties"]["priority"]
            for r in result.resources] == [100, 101, 102]
    assert len({id(r.attributes) for r in result.resources}) == 3
    assert all("copy" not in r.attributes for r in result.resources)


def test_copy_count_zero_and_unknown(tmp_path):
    zero = nsg_decl("a", copy={"name": "l", "count": 0})
    unknown = nsg_decl("[concat('b', copyIndex())]",
                       copy={"name": "m", "count": "[length(reference('x').items)]"})
    result = parse(tmp_path, template([zero, unknown]))
    [only] = result.resources
    assert isinstance(only.attributes["name"], Unknown)
    assert only.address == f"{NSG}/[concat('b', copyIndex())]"
    assert any("copy loop 'm'" in note and "unknown" in note for note in only.notes)
    assert any("name unknown" in note for note in only.notes)


def test_huge_copy_count_is_an_error_not_a_hang(tmp_path):
    text = template([nsg_decl("[concat('n', copyIndex())]",
                              copy={"name": "l", "count": 100000000})])
    started = time.monotonic()
    result = parse(tmp_path, text)
    assert time.monotonic() - started < 2
    assert result.resources == []
    [error] = result.errors
    assert "exceeds the limit of 10000" in error.message
    assert error.line == line_of(text, f'"type": "{NSG}"') - 1


def test_nested_loops_stop_at_the_step_budget(tmp_path):
    options = ParseOptions(limits=Limits(max_loop_items=50))
    inner = template([nsg_decl("[concat('n', copyIndex(), string(range(0, 50)))]",
                               copy={"name": "l", "count": 50})])
    deployments = {
        "type": "Microsoft.Resources/deployments", "name": "[concat('d', copyIndex())]",
        "copy": {"name": "d", "count": 50},
        "properties": {"mode": "Incremental", "template": json.loads(inner)},
    }
    started = time.monotonic()
    result = parse(tmp_path, template([deployments]), options=options)
    assert time.monotonic() - started < 5
    assert any("evaluation stopped" in e.message for e in result.errors)


def test_conditions(tmp_path):
    result = parse(tmp_path, template([
        nsg_decl("off", condition=False),
        nsg_decl("off-expr", condition="[equals(parameters('env'), 'dev')]"),
        nsg_decl("on", condition="[equals(parameters('env'), 'prod')]"),
        nsg_decl("maybe", condition="[reference('x').enabled]"),
    ], parameters={"env": {"type": "string", "defaultValue": "prod"}}))
    resources = by_address(result)
    assert list(resources) == [f"{NSG}/on", f"{NSG}/maybe"]
    assert resources[f"{NSG}/on"].notes == []
    [note] = resources[f"{NSG}/maybe"].notes
    assert "condition unknown" in note and "reference()" in note


def test_existing_resources_are_not_deployed(tmp_path):
    result = parse(tmp_path, template([nsg_decl("old", existing=True), nsg_decl("new")]))
    assert [r.address for r in result.resources] == [f"{NSG}/new"]


def test_child_resources_nested_and_parent_slash_child(tmp_path):
    parent = nsg_decl("web-nsg")
    parent["resources"] = [
        {"type": "securityRules", "name": "short", "properties": {"priority": 200}},
        {"type": RULE, "name": "web-nsg/full", "properties": {"priority": 210}},
    ]
    top = {"type": RULE, "name": "web-nsg/top", "properties": {"priority": 220}}
    result = parse(tmp_path, template([parent, top]))
    assert [r.address for r in result.resources] == [
        f"{NSG}/web-nsg", f"{RULE}/web-nsg/short", f"{RULE}/web-nsg/full", f"{RULE}/web-nsg/top",
    ]
    assert all(r.type == RULE for r in result.resources[1:])


def test_children_of_a_looped_parent_see_its_index(tmp_path):
    parent = nsg_decl("[concat('nsg', copyIndex())]", copy={"name": "p", "count": 2})
    parent["resources"] = [{"type": "securityRules",
                            "name": "[concat('r', copyIndex('p'))]", "properties": {}}]
    result = parse(tmp_path, template([parent]))
    assert [r.attributes["name"] for r in result.resources] == [
        "nsg0", "nsg0/r0", "nsg1", "nsg1/r1"]


def test_symbolic_names_form(tmp_path):
    text = json.dumps({"$schema": SCHEMA, "languageVersion": "2.0", "contentVersion": "1.0.0.0",
                       "resources": {"first": nsg_decl("a"), "second": nsg_decl("b")}},
                      indent=2)
    result = parse(tmp_path, text)
    assert [r.address for r in result.resources] == [f"{NSG}/a", f"{NSG}/b"]
    assert result.resources[1].span.line == line_of(text, '"second": {')


def test_variables_copy_loops_and_user_functions(tmp_path):
    text = template(
        [nsg_decl("[ops.name('web')]")],
        functions=[{"namespace": "ops", "members": {"name": {
            "parameters": [{"name": "base", "type": "string"}],
            "output": {"type": "string", "value": "[concat(parameters('base'), '-nsg')]"}}}}],
        variables={"copy": [{"name": "ports", "count": 2,
                             "input": "[string(add(22, mul(copyIndex('ports'), 3367)))]"}],
                   "joined": "[join(variables('ports'), ',')]"},
    )
    decl = json.loads(text)
    decl["resources"][0]["tags"] = {"ports": "[variables('joined')]"}
    result = parse(tmp_path, json.dumps(decl))
    [nsg] = result.resources
    assert nsg.attributes["name"] == "web-nsg"
    assert nsg.attributes["tags"] == {"ports": "22,3389"}


def test_nested_deployment_inner_defaults_outer_params_and_scope(tmp_path):
    inner_template = {
        "$schema": SCHEMA, "contentVersion": "1.0.0.0",
        "parameters": {"src": {"type": "string", "defaultValue": "10.0.0.0/8"},
                       "name": {"type": "string"}},
        "variables": {"v": "inner-var"},
        "resources": [nsg_decl("[parameters('name')]", source="[parameters('src')]",
                               tags={"v": "[variables('v')]",
                                     "rg": "[resourceGroup().name]"})],
    }
    nested = {
        "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
        "resourceGroup": "net-rg",
        "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                       "parameters": {"name": {"value": "[concat(parameters('p'), '-nsg')]"}},
                       "template": inner_template},
    }
    result = parse(tmp_path, template([nested], parameters={
        "p": {"type": "string", "defaultValue": "mgmt"}}))
    nsg = by_address(result)[f"{NSG}/mgmt-nsg"]
    assert nsg.attributes["properties"]["securityRules"][0]["properties"][
        "sourceAddressPrefix"] == "10.0.0.0/8"  # not passed: the inner default
    assert nsg.attributes["tags"] == {"v": "inner-var", "rg": "net-rg"}
    assert result.errors == []


def test_nested_deployment_outer_scope_is_default(tmp_path):
    nested = {
        "type": "Microsoft.Resources/deployments", "name": "outer",
        "properties": {"mode": "Incremental", "template": {
            "resources": [nsg_decl("[variables('n')]", source="[parameters('s')]")]}},
    }
    result = parse(tmp_path, template([nested], parameters={
        "s": {"type": "string", "defaultValue": "*"}}, variables={"n": "outer-nsg"}))
    nsg = by_address(result)[f"{NSG}/outer-nsg"]
    assert nsg.attributes["properties"]["securityRules"][0]["properties"][
        "sourceAddressPrefix"] == "*"


def test_nested_deployment_depth_is_bounded(tmp_path):
    body: dict = {"resources": [nsg_decl("deepest")]}
    for level in range(20):
        body = {"resources": [{"type": "Microsoft.Resources/deployments", "name": f"d{level}",
                               "properties": {"template": body}}]}
    result = parse(tmp_path, template(body["resources"]))
    assert f"{NSG}/deepest" not in by_address(result)
    assert any("nested deployments deeper than 16" in e.message for e in result.errors)


def test_parameters_file_beside_template_and_explicit_files(tmp_path):
    text = template([nsg_decl("[parameters('name')]", source="[parameters('src')]")],
                    parameters={"name": {"type": "string", "defaultValue": "default-nsg"},
                                "src": {"type": "string"}})
    sibling = json.dumps({"parameters": {"name": {"value": "sibling-nsg"},
                                         "src": {"value": "Internet"}}})
    result = parse(tmp_path, text, files={"main.parameters.json": sibling})
    [nsg] = result.resources
    assert nsg.attributes["name"] == "sibling-nsg"
    explicit = tmp_path / "prod.json"
    explicit.write_text(json.dumps({"name": {"value": "prod-nsg"}}))  # bare form
    result = parse(tmp_path, text, options=ParseOptions(arm_parameter_files=(explicit,)))
    [nsg] = result.resources
    assert nsg.attributes["name"] == "prod-nsg"
    rule = nsg.attributes["properties"]["securityRules"][0]["properties"]
    assert rule["sourceAddressPrefix"] == "Internet"  # still from the sibling


def test_missing_parameter_is_unknown(tmp_path):
    result = parse(tmp_path, template([nsg_decl("n", source="[parameters('src')]")],
                                      parameters={"src": {"type": "string"}}))
    source = result.resources[0].attributes["properties"]["securityRules"][0]["properties"][
        "sourceAddressPrefix"]
    assert isinstance(source, Unknown) and "has no value" in source.reason
    assert result.errors == []


def test_broken_parameters_file_is_reported_with_its_name(tmp_path):
    result = parse(tmp_path, template([nsg_decl("n")]),
                   files={"main.parameters.json": '{"parameters": {'})
    [error] = result.errors
    assert error.file == "infra/main.parameters.json"
    assert error.message.startswith("parameters file: invalid JSON") and error.line == 1
    assert len(result.resources) == 1


def test_invalid_expression_is_reported_at_its_line(tmp_path):
    text = template([nsg_decl("n", source="[concat('a', ]")])
    result = parse(tmp_path, text)
    [error] = result.errors
    assert "invalid expression" in error.message
    assert error.line == line_of(text, "concat('a', ]")
    rule = result.resources[0].attributes["properties"]["securityRules"][0]["properties"]
    assert isinstance(rule["sourceAddressPrefix"], Unknown)


# --- input formats and bad inputs ------------------------------------------------------------


def test_comments_tabs_and_minified_json(tmp_path):
    commented = template([nsg_decl("c")]).replace(
        '"resources": [', '// deployed by ops\n  "resources": [ /* one */')
    result = parse(tmp_path, commented)
    assert [r.address for r in result.resources] == [f"{NSG}/c"]
    assert result.resources[0].span.line == line_of(commented, f'"type": "{NSG}"') - 1
    tabbed = template([nsg_decl("t")]).replace("  ", "\t")
    assert parse(tmp_path, tabbed).resources[0].span.line == line_of(
        tabbed, f'"type": "{NSG}"') - 1
    minified = json.dumps({"$schema": SCHEMA, "resources": [nsg_decl("m")]})
    [nsg] = parse(tmp_path, minified).resources
    assert nsg.span == Span(1, 1) and nsg.attributes["name"] == "m"


def test_lines_survive_escapes_yaml_rejects(tmp_path):
    """Surrogate-pair escapes make YAML fail; the fallback scanner still finds the lines."""
    text = template([nsg_decl("a"), nsg_decl("\ud83d\ude00-nsg")])
    assert "\\ud83d" in text
    assert arm_source._yaml_tree(text) is None  # the fallback really is exercised
    result = parse(tmp_path, text)
    second = result.resources[1]
    assert second.attributes["name"] == "\U0001f600-nsg"
    assert second.span.line == line_of(text, f'"type": "{NSG}"', 2) - 1
    assert second.spans[("properties", "securityRules", 0)].line == line_of(
        text, '"securityRules": [', 2) + 1


@pytest.mark.parametrize("encode", [
    lambda text: b"\xef\xbb\xbf" + text.encode(),
    lambda text: text.encode("utf-16"),  # with a byte-order mark
    lambda text: text.encode("utf-32"),
])
def test_byte_order_marked_files_are_read(tmp_path, encode):
    text = template([nsg_decl("bom")])
    result = parse(tmp_path, encode(text))
    assert [r.attributes["name"] for r in result.resources] == ["bom"]
    assert result.resources[0].span.line == line_of(text, f'"type": "{NSG}"') - 1


@pytest.mark.parametrize(("content", "message", "line"), [
    (b"", "file is empty", None),
    (b"  \n\t\n", "file is empty", None),
    (b"\x00\x01\x02binary", "binary", None),
    (b"\xff\xfe{\x00\x00\xd8", "not valid UTF-16", 1),
    ("\n".encode("utf-16"), "file is empty", None),
    (b'{\n  "a": "caf\xe9"\n}', "not valid UTF-8", 2),
    (b'{\n  "resources": [\n    {"type": "Microsoft.Network/x"', "invalid JSON", 3),
    (b'{"resources": [}', "invalid JSON", 1),
])
def test_bad_inputs_become_input_errors(tmp_path, content, message, line):
    result = parse(tmp_path, content)
    assert result.resources == []
    [error] = result.errors
    assert message in error.message
    assert error.file == "infra/main.json"
    assert error.line == line


def test_oversized_file_is_refused(tmp_path):
    options = ParseOptions(limits=Limits(max_file_bytes=100))
    result = parse(tmp_path, template([nsg_decl("big")]), options=options)
    [error] = result.errors
    assert "above the limit of 100" in error.message


@pytest.mark.parametrize("text", [
    '[{"type": "Microsoft.Network/networkSecurityGroups"}]',
    '{"name": "package", "resources": ["Microsoft.Foo"]}',
    '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/'
    'deploymentParameters.json#", "parameters": {}}',
])
def test_json_that_is_not_a_template_is_ignored(tmp_path, text):
    result = parse(tmp_path, text)
    assert result.resources == [] and result.errors == []


def test_non_object_resource_declarations_are_errors(tmp_path):
    text = template(["oops", nsg_decl("ok"), {"name": "no-type"}])
    result = parse(tmp_path, text)
    assert [r.address for r in result.resources] == [f"{NSG}/ok"]
    assert [e.message for e in result.errors] == [
        "a resource declaration must be an object",
        "resource type is missing or not a string",
    ]


# --- end to end --------------------------------------------------------------------------------


def test_zt_net_001_on_vulnerable_samples(monkeypatch):
    monkeypatch.chdir(REPO)
    result = run_scan([Path("samples/arm/vulnerable")], rules=(ZT_NET_001,))
    assert result.errors == []
    found = sorted((f.resource.file, f.span.line, f.evidence["rule"]) for f in result.findings
                   if f.rule_id == "zt_net_001")
    classic = (SAMPLES / "vulnerable" / "classic-vm.json").read_text()
    nested = (SAMPLES / "vulnerable" / "nested-deployment.json").read_text()
    symbolic = (SAMPLES / "vulnerable" / "symbolic-vm.json").read_text()
    assert found == sorted([
        ("samples/arm/vulnerable/classic-vm.json", line_of(classic, '"input": {'), "allow-ssh"),
        ("samples/arm/vulnerable/classic-vm.json",
         line_of(classic, '"type": "securityRules"') - 1, "allow-rdp"),
        ("samples/arm/vulnerable/nested-deployment.json",
         line_of(nested, '"name": "allow-ssh"') - 1, "allow-ssh"),
        ("samples/arm/vulnerable/nested-deployment.json",
         line_of(nested, '"name": "allow-rdp"') - 1, "allow-rdp"),
        ("samples/arm/vulnerable/symbolic-vm.json",
         line_of(symbolic, '"name": "allow-ssh"') - 1, "allow-ssh"),
        ("samples/arm/vulnerable/symbolic-vm.json",
         line_of(symbolic, '"rdpRule": {'), "allow-rdp"),
    ])
    assert result.unresolved == []


def test_no_findings_on_fixed_samples(monkeypatch):
    monkeypatch.chdir(REPO)
    result = run_scan([Path("samples/arm/fixed")], rules=(ZT_NET_001,))
    assert result.errors == []
    assert [f for f in result.findings if f.rule_id == "zt_net_001"] == []
    assert result.unresolved == []


# --- robustness ------------------------------------------------------------------------------

_MUTATIONS = [None, True, -5, 1.5, 10**9, "x", [], {}, "[copyIndex()]", "[parameters('nope')]",
              "[concat(", "[range(0, 99999)]", "[[", "[reference('a').b[0]]",
              {"copy": [{"name": {}, "count": "[variables('x')]", "input": 1}]},
              {"copy": [{"name": "a", "count": 3, "input": "[copyIndex('a')]"}]},
              {"copy": {"name": "l", "count": 2}}, {"scope": "inner"},
              {"template": {"resources": [{"type": "Microsoft.X/y", "name": "[copyIndex()]"}]}}]


def _slots(value, found):
    if isinstance(value, dict):
        for key in list(value):
            found.append((value, key))
            _slots(value[key], found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((value, index))
            _slots(item, found)
    return found


def test_mutated_samples_never_crash(tmp_path):
    """Structure-aware mutations of the samples: errors and Unknowns, never an exception."""
    import random

    rng = random.Random(20240601)
    sources = sorted(p for p in SAMPLES.rglob("*.json") if "parameters" not in p.name)
    options = ParseOptions(limits=Limits(max_loop_items=200))
    for _ in range(300):
        document = json.loads(rng.choice(sources).read_text())
        slots = _slots(document, [])
        for _ in range(rng.randint(1, 4)):
            parent, key = rng.choice(slots)
            current = parent[key]
            if isinstance(current, str) and current.startswith("[") and rng.random() < 0.5:
                cut = rng.randrange(len(current))
                parent[key] = current[:cut] + rng.choice(["'", ")", "(", ",", "]", ".x"]) \
                    + current[cut:]
            else:
                parent[key] = rng.choice(_MUTATIONS)
        path = tmp_path / "fuzz.json"
        path.write_text(json.dumps(document, indent=1))
        result = parse_file(path, "fuzz.json", options)
        assert not [e for e in result.errors if "internal error" in e.message]


def test_conditions_do_not_cascade_to_nested_children(tmp_path):
    """ARM: "Conditional deployment doesn't cascade to child resources"."""
    off = nsg_decl("off-nsg", condition=False)
    off["resources"] = [{"type": "securityRules", "name": "still", "properties": {}}]
    old = {"type": NSG, "name": "old-nsg", "existing": True,
           "resources": [{"type": "securityRules", "name": "added", "properties": {}}]}
    result = parse(tmp_path, template([off, old]))
    assert [r.address for r in result.resources] == [
        f"{RULE}/off-nsg/still", f"{RULE}/old-nsg/added"]


def test_uncertain_deployment_marks_its_inner_resources(tmp_path):
    nested = {
        "type": "Microsoft.Resources/deployments", "name": "maybe",
        "condition": "[reference('flag').enabled]",
        "properties": {"mode": "Incremental", "template": {"resources": [nsg_decl("inner")]}},
    }
    result = parse(tmp_path, template([nested]))
    resources = by_address(result)
    for address in ("Microsoft.Resources/deployments/maybe", f"{NSG}/inner"):
        assert any("condition unknown" in n for n in resources[address].notes), address
