"""The Checkov pack's modules without Checkov: the template reader path, dynamic blocks and
Checkov's Terraform values (the real CLI runs in test_checkov_pack.py)."""

from __future__ import annotations

import sys

import pytest
from helpers import ARM_SSH_NSG, CFN_SSH_SG, REPO, write_tree

PACK = REPO / "custom_checks"
ARM_NSG = "Microsoft.Network/networkSecurityGroups"
ARM_RULE = f"{ARM_NSG}/securityRules"


@pytest.fixture(scope="module")
def pack():
    """The pack's helper modules, imported as Checkov does (the folder on sys.path)."""
    sys.path.insert(0, str(PACK))
    try:
        import iacjit_pack_documents
        import iacjit_pack_dynamic
        import iacjit_pack_templates
        import iacjit_pack_terraform
        import iacjit_pack_verdict
    finally:
        sys.path.remove(str(PACK))
    yield type("Pack", (), {"templates": iacjit_pack_templates,
                            "documents": iacjit_pack_documents,
                            "terraform": iacjit_pack_terraform,
                            "dynamic": iacjit_pack_dynamic, "verdict": iacjit_pack_verdict})


# --------------------------------------------------------------------------------------------
# Templates through iacjit's own readers

_BICEP = """\
    param src string%s

    resource nsg 'Microsoft.Network/networkSecurityGroups@2023-04-01' = {
      name: 'nsg'
      properties: {
        securityRules: [
          {
            name: 'ssh'
            properties: {
              priority: 100
              direction: 'Inbound'
              access: 'Allow'
              protocol: 'Tcp'
              sourceAddressPrefix: src
              destinationPortRange: '22'
            }
          }
        ]
      }
    }
    """
_ARM_LINES = {"__startline__": 6, "__endline__": 14}
_BICEP_LINES = {"__start_line__": 3, "__end_line__": 20}

# (file, its text, framework, Checkov's entity type, name, conf) → verdict, reason excerpt
READER_CASES = [
    ("t.json", ARM_SSH_NSG % ', "defaultValue": "Internet"', "arm", ARM_NSG, "nsg", _ARM_LINES,
     "FAILED", "port(s) 22"),
    ("t.json", ARM_SSH_NSG % ', "defaultValue": "10.0.0.0/8"', "arm", ARM_NSG, "nsg", _ARM_LINES,
     "PASSED", ""),
    ("t.json", ARM_SSH_NSG % "", "arm", ARM_NSG, "nsg", _ARM_LINES,
     "UNKNOWN", "parameter 'src' has no value"),
    ("t.yaml", CFN_SSH_SG % ", Default: 0.0.0.0/0", "cloudformation", "AWS::EC2::SecurityGroup",
     "Sg", {}, "FAILED", "port(s) 22"),
    ("t.yaml", CFN_SSH_SG % "", "cloudformation", "AWS::EC2::SecurityGroup", "Sg", {},
     "UNKNOWN", "parameter Src has no Default"),
    ("t.bicep", _BICEP % " = '*'", "arm", ARM_NSG, "nsg", _BICEP_LINES, "FAILED", "port(s) 22"),
    ("t.bicep", _BICEP % "", "arm", ARM_NSG, "nsg", _BICEP_LINES,
     "UNKNOWN", "parameter 'src' has no default"),
    # Checkov's entity names a place where iacjit declares nothing of that kind.
    ("t.json", ARM_SSH_NSG % "", "arm", ARM_RULE, "nsg/x", _ARM_LINES,
     "UNKNOWN", "finds no such resource"),
    # A template iacjit cannot read: its located error, never an exception.
    ("t.json", '{"resources": [{"type": "Microsoft.Network/networkSecurityGroups",\n'
     ' "name": "a", "name": "b"}]}', "arm", ARM_NSG, "b", {"__startline__": 1,
                                                            "__endline__": 2},
     "UNKNOWN", "t.json:2"),
    ("t.json", "\x00\x01 not json", "arm", ARM_NSG, "b", _ARM_LINES, "UNKNOWN", "t.json"),
    ("t.yaml", "Resources: [unclosed", "cloudformation", "AWS::EC2::SecurityGroup", "Sg", {},
     "UNKNOWN", "t.yaml"),
]


@pytest.mark.parametrize(("name", "text", "framework", "etype", "entity", "conf", "result",
                          "reason"), READER_CASES)
def test_reader_path_verdicts(pack, tmp_path, capsys, name, text, framework, etype, entity,
                              conf, result, reason):
    write_tree(tmp_path, {name: text})
    reader = pack.templates.TemplateReader("zt_net_001")
    judged = reader.judge(framework, str(tmp_path / name), etype, entity, conf, tmp_path)
    assert judged.verdict.result == result
    assert reason in " ".join(judged.verdict.details)
    pack.verdict.announce(judged.verdict, "ZT_NET_001", judged.file, judged.resource)
    lines = capsys.readouterr().err.splitlines()
    if result == "UNKNOWN":  # exactly one line: the file, the resource, the reason
        assert len(lines) == 1
        assert name in lines[0] and f"{etype}.{entity}" in lines[0] and reason in lines[0]
    else:
        assert lines == []


_DOC = {"variables": {"n": "[toLower('A')]", "plain": "a", "deep": "[variables('n')]"},
        "parameters": {"p": {"type": "string", "defaultValue": "[trim(' a ')]"}}}


@pytest.mark.parametrize(("name", "dropped"), [
    ("[toLower('A')]", True),
    ("[variables('n')]", True),  # Checkov renders the variable before it filters
    ("[variables('deep')]", True),
    ("[parameters('p')]", True),
    ("[variables('plain')]", False),
    ("[concat('a', 'b')]", False),
    ("web-nsg", False),
])
def test_names_whose_failures_checkov_drops(pack, name, dropped):
    rendered = pack.documents._rendered_name(name, _DOC)
    assert any(c in rendered for c in pack.documents.DROPPED_NAME_CALLS) == dropped


def test_a_rule_that_fails_gives_unknown_never_passed(pack, tmp_path):
    write_tree(tmp_path, {"t.json": ARM_SSH_NSG % ', "defaultValue": "10.0.0.0/8"'})
    reader = pack.templates.TemplateReader("no_such_rule")
    judged = reader.judge("arm", str(tmp_path / "t.json"), ARM_NSG, "nsg", _ARM_LINES, tmp_path)
    assert judged.verdict.result == "UNKNOWN"
    assert "iacjit's rule failed" in judged.verdict.details[0]


def test_a_template_is_read_once_per_process(pack, tmp_path, monkeypatch):
    write_tree(tmp_path, {"t.json": ARM_SSH_NSG % ', "defaultValue": "Internet"'})
    reader = pack.templates.TemplateReader("zt_net_001")
    reads = []
    original = reader._parse
    monkeypatch.setattr(reader, "_parse", lambda *a: reads.append(a) or original(*a))
    for _ in range(3):
        reader.judge("arm", str(tmp_path / "t.json"), ARM_NSG, "nsg", _ARM_LINES, tmp_path)
    assert len(reads) == 1


def test_a_bicep_module_is_judged_with_its_callers_parameters(pack, tmp_path):
    """As iacjit scan does: a module called from the scanned directory gets the caller's
    parameters; on its own (no caller) its missing parameter makes it UNKNOWN."""
    write_tree(tmp_path, {
        "main.bicep": "module m 'modules/nsg.bicep' = {\n  name: 'm'\n"
                      "  params: {\n    src: 'Internet'\n  }\n}\n",
        "modules/nsg.bicep": _BICEP % "",
    })
    module = str(tmp_path / "modules/nsg.bicep")
    reader = pack.templates.TemplateReader("zt_net_001")
    judged = reader.judge("arm", module, ARM_NSG, "nsg", _BICEP_LINES, tmp_path)
    assert judged.verdict.result == "FAILED"
    alone = pack.templates.TemplateReader("zt_net_001")
    judged = alone.judge("arm", module, ARM_NSG, "nsg", _BICEP_LINES, tmp_path / "modules")
    assert judged.verdict.result == "UNKNOWN"


@pytest.mark.parametrize(("scanned", "root", "found"), [
    ("{abs}/d/t.json", None, True),  # absolute, as given
    ("/d/t.json", "{abs}", True),  # CloudFormation: relative to the scanned directory
    ("d/t.json", None, True),  # ARM, Bicep: relative to the current directory
    ("/d/missing.json", "{abs}", False),
])
def test_the_scanned_file_is_found(pack, tmp_path, monkeypatch, scanned, root, found):
    import iacjit_pack_files as files

    write_tree(tmp_path, {"d/t.json": "{}"})
    monkeypatch.chdir(tmp_path)
    located = files.locate(scanned.format(abs=tmp_path),
                           None if root is None else tmp_path)
    assert (located == (tmp_path / "d/t.json").resolve()) if found else located is None


# --------------------------------------------------------------------------------------------
# Terraform: Checkov's tree


def _tf(pack, rtype, conf, peers=()):
    t = pack.terraform
    subject = t.Subject(t.terraform_resource(rtype, "x", conf, "/m/main.tf", []))
    subject.undecidable = []
    subject.resource = t.terraform_resource(rtype, "x", conf, "/m/main.tf", subject.undecidable)
    subject.peers = [t.terraform_resource(k, n, c, "/m/main.tf", []) for k, n, c in peers]
    return t.evaluate("zt_net_001", subject).result


_RULE = {"type": ["ingress"], "from_port": [22], "to_port": [22], "protocol": ["tcp"],
         "security_group_id": ["aws_security_group.x.id"]}


@pytest.mark.parametrize(("cidr_blocks", "verdict"), [
    ([["0.0.0.0/1", "128.0.0.0/1"]], "FAILED"),
    ([["10.0.0.0/8"]], "PASSED"),
    (["var.admin_cidrs"], "UNKNOWN"),
    ([["${var.a}/0"]], "UNKNOWN"),
    # Checkov's text of a lookup() it rendered only in part
    (["{'ssh-tcp': [22, 22, 'SSH', 'tcp']}"], "UNKNOWN"),
])
def test_terraform_values_are_unwrapped_and_unrendered_ones_unknown(pack, cidr_blocks, verdict):
    assert _tf(pack, "aws_security_group_rule", {**_RULE, "cidr_blocks": cidr_blocks}) == verdict


def test_terraform_references(pack):
    assert pack.terraform.tf_string("aws_security_group.x.id").address == "aws_security_group.x"
    assert pack.terraform.tf_string("Storage.WestEurope") == "Storage.WestEurope"


def test_terraform_nsg_priority_across_resources(pack):
    allow = {"name": ["allow"], "priority": [200], "direction": ["Inbound"],
             "access": ["Allow"], "protocol": ["Tcp"], "destination_port_range": ["3389"],
             "source_address_prefix": ["Internet"], "network_security_group_name": ["n"]}
    deny = {**allow, "name": ["deny"], "priority": [100], "access": ["Deny"],
            "source_address_prefix": ["*"]}
    nsg = ("azurerm_network_security_group", "n", {"name": ["n"]})
    assert _tf(pack, "azurerm_network_security_rule", allow, [nsg]) == "FAILED"
    assert _tf(pack, "azurerm_network_security_rule", allow,
               [nsg, ("azurerm_network_security_rule", "d", deny)]) == "PASSED"


def _sg_with_dynamic(for_each, content, iterator=None):
    body = {"for_each": [for_each], "content": [content]}
    if iterator:
        body["iterator"] = [iterator]
    return {"name": ["sg"], "dynamic": [{"ingress": body}],
            "ingress": [{"from_port": [443], "to_port": [443], "protocol": ["tcp"],
                         "cidr_blocks": [["0.0.0.0/0"]]}]}


_OPEN = {"protocol": ["tcp"], "cidr_blocks": ["0.0.0.0/0"]}

# Checkov's rendering of a dynamic block → verdict (Checkov leaves ``ingress.value`` as text)
DYNAMIC_CASES = [
    ({"ssh": 22}, {**_OPEN, "from_port": ["ingress.value"], "to_port": ["ingress.value"]},
     None, "FAILED"),
    ({"https": 443}, {**_OPEN, "from_port": ["ingress.value"], "to_port": ["ingress.value"]},
     None, "PASSED"),
    ([22, 3389], {**_OPEN, "from_port": ["${port.value}"], "to_port": ["port.value"]},
     "port", "FAILED"),
    ({"a": {"port": 3389, "cidr": "0.0.0.0/0"}},
     {"protocol": ["tcp"], "from_port": ["ingress.value.port"],
      "to_port": ['ingress.value["port"]'], "cidr_blocks": ["ingress.value.cidr"]},
     None, "FAILED"),
    ({"a": {"port": 22, "cidr": "10.0.0.0/8"}},
     {"protocol": ["tcp"], "from_port": ["ingress.value.port"],
      "to_port": ["ingress.value.port"], "cidr_blocks": ["ingress.value.cidr"]},
     None, "PASSED"),
    # an attribute the item lacks stays unrendered: unknown, never a pass
    ({"a": {"port": 22}}, {**_OPEN, "from_port": ["ingress.value.from"],
                           "to_port": ["ingress.value.from"]}, None, "UNKNOWN"),
    # Checkov could not render the collection itself
    ("local.ports", {**_OPEN, "from_port": ["ingress.value"], "to_port": ["ingress.value"]},
     None, "UNKNOWN"),
    # an empty collection generates no block
    ({}, {**_OPEN, "from_port": ["ingress.value"], "to_port": ["ingress.value"]},
     None, "PASSED"),
]


@pytest.mark.parametrize(("for_each", "content", "iterator", "verdict"), DYNAMIC_CASES)
def test_dynamic_blocks_are_expanded_over_rendered_collections(pack, for_each, content,
                                                               iterator, verdict):
    conf = _sg_with_dynamic(for_each, content, iterator)
    assert _tf(pack, "aws_security_group", conf) == verdict


def test_dynamic_interpolation_in_text(pack):
    generated = pack.dynamic.expand(
        {"dynamic": [{"ingress": {"for_each": [{"ssh": 22}],
                                  "content": [{"description": ["mgmt ${ingress.key}"]}]}}]},
        {"ingress"}, lambda v: v, [])
    assert generated == {"ingress": [{"description": ["mgmt ssh"]}]}


def test_announce_prints_nothing_but_for_unknown(pack, capsys):
    v = pack.verdict
    v.announce(v.Verdict(v.FAILED, ["x"]), "ZT_NET_001", "f", "r")
    v.announce(v.Verdict(v.UNKNOWN, ["a\nb", "c"]), "ZT_NET_001", "main.tf", "aws_x.y")
    assert capsys.readouterr().err == "iacjit ZT_NET_001 UNKNOWN main.tf: aws_x.y: a b; c\n"
    v.announce(v.Verdict(v.UNKNOWN, ["x" * 5000]), "ZT_NET_001", "main.tf", "aws_x.y")
    line, = capsys.readouterr().err.splitlines()
    assert len(line) < 600 and line.endswith("…")
