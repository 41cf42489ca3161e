"""Adapt checkov's parsed ``conf`` to iacjit's raw resources and run iacjit's own rules on them.

There is one implementation of every rule: the one in ``iacjit.rules``.  This module only
translates what checkov hands a check (list-wrapped Terraform values, unevaluated ARM
expressions, CloudFormation intrinsics with line markers, pycep's Bicep tree) into
:class:`iacjit.model.raw.RawResource` attributes, marks every value checkov did not evaluate as
:class:`iacjit.model.values.Unknown`, builds the model with ``iacjit.providers.build_model`` and
runs ``rule.check``.  A deciding Unknown makes the verdict UNKNOWN, never PASSED.

It imports nothing from checkov, so the adapters can be tested without checkov; and it loads the
``iacjit`` package by path (from beside this folder), without putting any directory on
``sys.path``: checkov's environment must never see iacjit's dependencies (python-hcl2 would
shadow checkov's bc-python-hcl2, domain.md §5).  ``iacjit.rules``, ``iacjit.providers``,
``iacjit.model`` and ``iacjit.semantics`` import only the standard library.

The file name is unique on purpose: checkov executes every ``.py`` here under its bare name.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from iacjit.model.raw import RawResource

PASSED, FAILED, UNKNOWN = "PASSED", "FAILED", "UNKNOWN"
GUIDELINE = "https://github.com/iacjit/iacjit/blob/main/docs/rules/{rule_id}.md"

TF_AZURE_TYPES = ("azurerm_network_security_group", "azurerm_network_security_rule")
TF_AWS_TYPES = (
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
)
TF_TYPES = TF_AZURE_TYPES + TF_AWS_TYPES
ARM_NSG = "Microsoft.Network/networkSecurityGroups"
ARM_RULE = "Microsoft.Network/networkSecurityGroups/securityRules"
ARM_TYPES = (ARM_NSG, ARM_RULE)
CFN_TYPES = ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress")

# Blocks that hold rules: each is a list of dicts, one per block.
_TF_RULE_BLOCKS = {"security_rule", "ingress", "egress"}
# Fields the providers read from one rule: a dict there is an expression checkov kept as a tree.
_RULE_FIELDS = {
    "priority", "direction", "access", "protocol", "type", "name",
    "destination_port_range", "destination_port_ranges", "destinationPortRange",
    "destinationPortRanges", "source_address_prefix", "source_address_prefixes",
    "sourceAddressPrefix", "sourceAddressPrefixes", "network_security_group_name",
    "from_port", "to_port", "cidr_blocks", "ipv6_cidr_blocks", "ip_protocol", "cidr_ipv4",
    "cidr_ipv6", "IpProtocol", "FromPort", "ToPort", "CidrIp", "CidrIpv6",
}


# --------------------------------------------------------------------------------------------
# Loading iacjit without touching sys.path


def _package_dir() -> Path:
    """Where the ``iacjit`` package is: beside ``custom_checks/`` in a source checkout, or the
    package that contains this folder (``iacjit/checkov_pack``) in an installed wheel."""
    override = os.environ.get("IACJIT_PACKAGE_DIR")
    here = Path(__file__).resolve().parent
    candidates = [Path(override)] if override else []
    candidates += [here.parent / "iacjit", here.parent]
    for candidate in candidates:
        if candidate.name == "iacjit" and (candidate / "__init__.py").is_file() \
                and (candidate / "rules").is_dir():
            return candidate
    raise ImportError(
        f"iacjit checkov pack: cannot find the iacjit package near {here}; "
        "set IACJIT_PACKAGE_DIR to the directory of iacjit/__init__.py"
    )


def load_iacjit() -> None:
    """Import the ``iacjit`` package from its directory (only it, none of its dependencies)."""
    if "iacjit" in sys.modules:
        return
    package = _package_dir()
    spec = importlib.util.spec_from_file_location(
        "iacjit", package / "__init__.py", submodule_search_locations=[str(package)]
    )
    if spec is None or spec.loader is None:  # pragma: no cover - defensive
        raise ImportError(f"cannot load iacjit from {package}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["iacjit"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["iacjit"]
        raise


class _Api:
    """iacjit's names, imported on first use (after :func:`load_iacjit`)."""

    def __init__(self) -> None:
        load_iacjit()
        from iacjit.model.raw import RawResource, Span
        from iacjit.model.values import ResourceRef, Unknown
        from iacjit.providers import build_model
        from iacjit.rules import rule_by_id
        from iacjit.rules.base import Finding, Settings, Unresolved

        self.RawResource, self.Span = RawResource, Span
        self.ResourceRef, self.Unknown = ResourceRef, Unknown
        self.build_model, self.rule_by_id = build_model, rule_by_id
        self.Finding, self.Settings, self.Unresolved = Finding, Settings, Unresolved


_API: _Api | None = None


def api() -> _Api:
    global _API
    if _API is None:
        _API = _Api()
    return _API


def rule_metadata(rule_id: str) -> tuple[str, str]:
    """(title, severity) of an iacjit rule, for the check's name and checkov severity."""
    rule = api().rule_by_id(rule_id)
    if rule is None:
        raise LookupError(f"iacjit has no rule {rule_id!r}")
    return rule.title, rule.severity


# --------------------------------------------------------------------------------------------
# Results


@dataclass
class Subject:
    """The resource a check runs on, its peers (what else the rule may see) and what the
    adapter could not represent (each entry makes a non-failing verdict UNKNOWN)."""

    resource: RawResource
    peers: list[RawResource] = field(default_factory=list)
    undecidable: list[str] = field(default_factory=list)
    members: list[RawResource] = field(default_factory=list)  # peers judged as the subject


@dataclass
class Verdict:
    result: str  # PASSED | FAILED | UNKNOWN
    details: list[str] = field(default_factory=list)


def evaluate(rule_id: str, subject: Subject) -> Verdict:
    """Run the iacjit rule over the subject and its peers; judge the outputs on the subject.

    A finding on the subject fails it; otherwise an unresolved output or anything the adapter
    could not represent makes it UNKNOWN; only a fully decided resource passes.
    """
    a = api()
    rule = a.rule_by_id(rule_id)
    if rule is None:
        raise LookupError(f"iacjit has no rule {rule_id!r}")
    model = a.build_model([subject.resource, *subject.peers])
    findings: list[str] = []
    unresolved: list[str] = []
    judged = {id(subject.resource), *(id(m) for m in subject.members)}
    for output in rule.check(model, a.Settings()):
        if id(output.resource) not in judged:
            continue
        if isinstance(output, a.Finding):
            if not output.suppressed:
                findings.append(f"line {output.span.line}: {output.message}")
        else:
            unresolved.append(f"line {output.span.line}: unresolved: {output.reason}")
    if findings:
        return Verdict(FAILED, findings)
    if unresolved or subject.undecidable:
        return Verdict(UNKNOWN, unresolved + [f"unknown: {u}" for u in subject.undecidable])
    return Verdict(PASSED)


# --------------------------------------------------------------------------------------------
# Shared helpers


def _is_meta(key: Any) -> bool:
    """Keys checkov adds to parsed documents (``__startline__``, ``__file__``, ...)."""
    return isinstance(key, str) and key.startswith("__") and key.endswith("__")


def _line(conf: dict[str, Any], *keys: str) -> int:
    for key in keys:
        value = conf.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return 1


def _scalar_fields(entry: Any) -> Any:
    """In one rule, a dict where a scalar (or a list of scalars) belongs is an expression."""
    if not isinstance(entry, dict):
        return entry
    Unknown = api().Unknown
    fixed = dict(entry)
    for key, value in entry.items():
        if key not in _RULE_FIELDS:
            continue
        if isinstance(value, dict):
            fixed[key] = Unknown(f"{key} is an expression checkov did not evaluate")
        elif isinstance(value, list):
            fixed[key] = [
                Unknown(f"{key} holds an expression checkov did not evaluate")
                if isinstance(v, dict | list) else v
                for v in value
            ]
    return fixed


def _rule_list(
    container: dict[str, Any], key: str, what: str, undecidable: list[str], nested: str | None
) -> None:
    """Keep a rule list only when it is a concrete list of dicts; note what is not.

    ``nested`` names the per-rule properties dict (ARM ``properties``) whose fields are checked.
    """
    if key not in container:
        return
    value = container[key]
    if value is None:
        container[key] = []
        return
    if not isinstance(value, list):
        undecidable.append(f"{what} is built by an expression or loop that checkov does not "
                           "evaluate")
        container[key] = []
        return
    kept = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            undecidable.append(f"{what}[{index}] is an expression checkov does not evaluate")
            continue
        entry = _scalar_fields(entry)
        if nested and isinstance(entry.get(nested), dict):
            entry = {**entry, nested: _scalar_fields(entry[nested])}
        elif nested and nested in entry:
            undecidable.append(f"{what}[{index}].{nested} is an expression checkov does not "
                               "evaluate")
            continue
        kept.append(entry)
    container[key] = kept


def _raw(rtype: str, address: str, file: str, line: int, end_line: int,
         attributes: dict[str, Any], source_format: str) -> RawResource:
    a = api()
    return a.RawResource(
        type=rtype,
        address=address,
        file=file,
        span=a.Span(line, max(line, end_line)),
        attributes=attributes,
        source_format=source_format,
        root=os.path.dirname(file),
    )


# --------------------------------------------------------------------------------------------
# Source text: what checkov's conf no longer tells (was this value written as a literal?)

_AZURE_FIELDS = (
    "priority", "direction", "access", "protocol", "destinationPortRange",
    "destinationPortRanges", "sourceAddressPrefix", "sourceAddressPrefixes",
)
_BICEP_FIELD = re.compile(r"^\s*(\w+)\s*:\s*(.*?)\s*(?://.*)?$")
_BICEP_LITERAL = re.compile(r"^(?:'(?:[^'\\]|\\.)*'|-?\d+|true|false|null)$")
_ARM_EXPRESSION_FIELD = re.compile(r'^\s*"(\w+)"\s*:\s*"\[(?!\[)')


def read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _bicep_list_literal(lines: list[str], index: int, rhs: str) -> tuple[bool, int]:
    """Whether an array value is all literals, and the index of its last line."""
    if rhs.endswith("]"):
        items = [i.strip() for i in rhs[1:-1].split(",") if i.strip()]
        return all(_BICEP_LITERAL.match(i) for i in items), index
    literal = True
    while index + 1 < len(lines):
        index += 1
        item = lines[index].split("//", 1)[0].strip()
        if item == "]":
            break
        if item and not _BICEP_LITERAL.match(item.rstrip(",")):
            literal = False
    return literal, index


def bicep_field_literals(lines: list[str], start: int, end: int) -> dict[str, list[bool]]:
    """For each rule field inside lines start..end, in source order: written as a literal?"""
    found: dict[str, list[bool]] = {}
    index = max(start, 1) - 1
    while index < min(end, len(lines)):
        match = _BICEP_FIELD.match(lines[index])
        if match and match.group(1) in _AZURE_FIELDS:
            rhs = match.group(2)
            if rhs.startswith("["):
                literal, index = _bicep_list_literal(lines, index, rhs)
            else:
                literal = bool(_BICEP_LITERAL.match(rhs))
            found.setdefault(match.group(1), []).append(literal)
        index += 1
    return found


def _mark_written_expressions(holders: list[dict[str, Any]], found: dict[str, list[bool]],
                              reason: str) -> None:
    """Replace values that the source wrote as expressions by Unknown, holder by holder when
    the occurrences line up with the holders, else every holder of that field."""
    Unknown = api().Unknown
    for name, literals in found.items():
        having = [h for h in holders if name in h]
        if len(having) == len(literals):
            pairs = zip(having, literals, strict=True)
            for holder, literal in pairs:
                if not literal:
                    holder[name] = Unknown(reason.format(field=name))
        elif not all(literals):
            for holder in having:
                holder[name] = Unknown(reason.format(field=name))


def _rule_property_dicts(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-rule property dicts of an NSG (inline rules) or of a rule resource."""
    props = config.get("properties")
    if not isinstance(props, dict):
        return []
    rules = props.get("securityRules")
    if isinstance(rules, list):
        return [r["properties"] for r in rules
                if isinstance(r, dict) and isinstance(r.get("properties"), dict)]
    return [props]


def arm_parameters_file(file: str) -> str | None:
    """``<template>.parameters.json`` beside the template (iacjit reads it; checkov does not)."""
    path = Path(file)
    candidate = path.with_name(f"{path.stem}.parameters.json")
    return str(candidate) if path.suffix.lower() == ".json" and candidate.is_file() else None


def _copy_tree(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_tree(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------
# Terraform: values list-wrapped (lists sometimes twice), references left as text when checkov
# could not render them.

_TF_NAMED = re.compile(r"^(?:var|local|module|data|each|count|self|path|terraform)\.\S+$")
_TF_ITERATOR = re.compile(r"^[a-z_][a-z0-9_]*\.(?:key|value)(?:[.\[].*)?$")
_TF_CALL = re.compile(r"^[a-z][a-z0-9_]*\(.*\)$", re.S)
_TF_RESOURCE = re.compile(
    r"^([a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][\w-]*)(?:\[[^\]]*\])?(?:\.([A-Za-z_][\w.]*))?$"
)


def tf_string(text: str) -> Any:
    """A Terraform string from checkov: literal, or an expression it left unrendered."""
    a = api()
    stripped = text.strip()
    if "${" in stripped or _TF_NAMED.match(stripped) or _TF_ITERATOR.match(stripped) \
            or _TF_CALL.match(stripped):
        return a.Unknown(f"Terraform expression {text!r} was not rendered by checkov")
    match = _TF_RESOURCE.match(stripped)
    if match:
        return a.ResourceRef(match.group(1), match.group(2) or "")
    return text


def tf_plain(value: Any) -> Any:
    if isinstance(value, str):
        return tf_string(value)
    if isinstance(value, list):
        return [tf_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: tf_plain(v) for k, v in value.items() if not _is_meta(k)}
    return value


def tf_attribute(value: Any) -> Any:
    """checkov wraps every attribute value in a one-element list: unwrap it once."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return tf_plain(value)


def tf_attributes(conf: dict[str, Any], undecidable: list[str]) -> dict[str, Any]:
    """Unwrapped attributes of one Terraform resource, rule blocks as lists of dicts."""
    attributes: dict[str, Any] = {}
    for key, value in conf.items():
        if _is_meta(key) or key == "dynamic":
            continue
        if key in _TF_RULE_BLOCKS and isinstance(value, list):
            blocks: list[Any] = []
            for item in value:
                if isinstance(item, dict):
                    blocks.append({k: tf_attribute(v) for k, v in item.items()
                                   if not _is_meta(k)})
                elif isinstance(item, list):  # attribute syntax: a list of objects
                    blocks.extend(tf_plain(v) for v in item)
                else:
                    blocks.append(tf_plain(item))
            attributes[key] = blocks
        else:
            attributes[key] = tf_attribute(value)
    for dynamic in conf.get("dynamic") or []:
        if not isinstance(dynamic, dict):
            continue
        for name, body in dynamic.items():
            if name not in _TF_RULE_BLOCKS or not isinstance(body, dict):
                continue
            for_each = tf_attribute(body.get("for_each"))
            if not isinstance(for_each, dict | list):
                undecidable.append(f"dynamic {name!r} block: checkov could not expand its "
                                   "for_each")
    for key in _TF_RULE_BLOCKS & attributes.keys():
        _rule_list(attributes, key, key, undecidable, None)
    return attributes


def _tf_address(conf: dict[str, Any], rtype: str, name: str) -> str:
    address = conf.get("__address__")
    return address if isinstance(address, str) and address else f"{rtype}.{name}"


def terraform_resource(rtype: str, name: str, conf: dict[str, Any], file: str,
                       undecidable: list[str]) -> RawResource:
    attributes = _scalar_fields(tf_attributes(conf, undecidable))
    return _raw(rtype, _tf_address(conf, rtype, name), file,
                _line(conf, "__start_line__"), _line(conf, "__end_line__"), attributes,
                "terraform")


def _node_attributes(node: Any) -> dict[str, Any] | None:
    """rustworkx nodes are ``(index, attributes)``; networkx-style ones are the attributes."""
    if isinstance(node, tuple) and len(node) == 2 and isinstance(node[1], dict):
        return node[1]
    return node if isinstance(node, dict) else None


def terraform_subject(rtype: str, name: str, conf: dict[str, Any], scanned_file: str,
                      graph: Any) -> Subject:
    """The Terraform resource plus, for Azure, every NSG and NSG rule of the same module
    instance from checkov's graph: Azure evaluates them as one list in priority order."""
    undecidable: list[str] = []
    vertices = []
    if graph is not None:
        try:
            vertices = [v for v in (_node_attributes(n) for n in graph.nodes()) if v]
        except Exception:  # noqa: BLE001 - an unexpected graph shape only loses the peers
            vertices = []
    address = _tf_address(conf, rtype, name)
    own = None
    wanted_file = scanned_file.replace("\\", "/")
    for vertex in vertices:
        path = str(vertex.get("file_path_") or "").replace("\\", "/")
        if (vertex.get("__address__") == address
                and vertex.get("__start_line__") == conf.get("__start_line__")
                and (path.endswith(wanted_file) or wanted_file.endswith(path))):
            own = vertex
            break
    file = str(own.get("file_path_")) if own else scanned_file
    subject = Subject(terraform_resource(rtype, name, conf, file, undecidable),
                      undecidable=undecidable)
    if own is None or rtype not in TF_AZURE_TYPES:
        return subject
    directory = os.path.dirname(file)
    module = own.get("source_module_object_")
    for vertex in vertices:
        if vertex is own or vertex.get("resource_type") not in TF_AZURE_TYPES:
            continue
        path = str(vertex.get("file_path_") or "")
        if os.path.dirname(path) != directory or vertex.get("source_module_object_") != module:
            continue
        peer_type = vertex["resource_type"]
        config = (vertex.get("config_") or {}).get(peer_type) or {}
        for peer_name, peer_conf in config.items():
            if isinstance(peer_conf, dict):
                # A peer's unknowns only matter when the rule needs them; it reports them.
                subject.peers.append(terraform_resource(peer_type, peer_name, peer_conf, path,
                                                        []))
    return subject


# --------------------------------------------------------------------------------------------
# ARM: expressions stay unevaluated strings (``[parameters('x')]``); child rules may be nested.


def arm_plain(value: Any) -> Any:
    Unknown = api().Unknown
    if isinstance(value, str):
        if value.startswith("[["):
            return value[1:]
        if value.startswith("[") and value.rstrip().endswith("]"):
            return Unknown(f"ARM expression {value!r} is not evaluated by checkov")
        return value
    if isinstance(value, list):
        return [arm_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: arm_plain(v) for k, v in value.items() if not _is_meta(k)}
    return value


def _azure_rule_props(attributes: dict[str, Any], undecidable: list[str], what: str) -> None:
    props = attributes.get("properties")
    if isinstance(props, dict):
        attributes["properties"] = _scalar_fields(props)
    elif props is not None:
        undecidable.append(f"{what} properties are an expression checkov does not evaluate")
        attributes["properties"] = {}


def _nsg_rules(attributes: dict[str, Any], undecidable: list[str]) -> None:
    props = attributes.get("properties")
    if not isinstance(props, dict):
        if props is not None:
            undecidable.append("properties are an expression checkov does not evaluate")
            attributes["properties"] = {}
        return
    props = dict(props)
    attributes["properties"] = props
    for loop in props.get("copy") or []:
        if isinstance(loop, dict) and loop.get("name") == "securityRules":
            undecidable.append("securityRules are built by a copy loop that checkov does not "
                               "expand")
    _rule_list(props, "securityRules", "securityRules", undecidable, "properties")


def arm_subject(conf: dict[str, Any], name: str, file: str) -> Subject:
    """An ARM NSG (with its nested child rules as peers) or a standalone rule resource."""
    undecidable: list[str] = []
    rtype = str(conf.get("type") or "")
    parameters = arm_parameters_file(file)
    if parameters:
        # checkov renders parameters from their defaultValue; the parameters file beside the
        # template may set them otherwise, so an expression there is not known.
        conf = _copy_tree(conf)
        lines = read_lines(file)
        reason = (f"{{field}} is an ARM expression and {Path(parameters).name} may set it "
                  "(checkov does not read parameters files)")
        holders = _rule_property_dicts(conf) + [
            c["properties"] for c in conf.get("resources") or []
            if isinstance(c, dict) and isinstance(c.get("properties"), dict)
        ]
        for holder in holders:
            start, end = _line(holder, "__startline__"), _line(holder, "__endline__")
            written = {m.group(1) for line in lines[start - 1:end]
                       if (m := _ARM_EXPRESSION_FIELD.match(line))}
            _mark_written_expressions([holder], {f: [False] for f in written}, reason)
    attributes = arm_plain(conf)
    line, end = _line(conf, "__startline__"), _line(conf, "__endline__")
    children = attributes.pop("resources", None)
    if rtype.lower() == ARM_NSG.lower():
        _nsg_rules(attributes, undecidable)
    else:
        _azure_rule_props(attributes, undecidable, "rule")
    subject = Subject(_raw(rtype, f"{rtype}.{name}", file, line, end, attributes, "arm"),
                      undecidable=undecidable)
    if rtype.lower() != ARM_NSG.lower() or not isinstance(children, list):
        return subject
    raw_children = conf.get("resources") or []
    nsg_name = attributes.get("name")
    nsg_label = nsg_name if isinstance(nsg_name, str) and nsg_name else subject.resource.address
    for index, child in enumerate(children):
        if not isinstance(child, dict):
            continue
        child_type = str(child.get("type") or "")
        if child_type.lower() not in {"securityrules", ARM_RULE.lower()}:
            continue
        child_name = child.get("name")
        label = child_name.rsplit("/", 1)[-1] if isinstance(child_name, str) else f"[{index}]"
        child_attrs = {**child, "name": f"{nsg_label}/{label}", "type": ARM_RULE}
        _azure_rule_props(child_attrs, undecidable, f"child rule {label!r}")
        source = raw_children[index] if index < len(raw_children) else {}
        child_line = _line(source, "__startline__") if isinstance(source, dict) else line
        child_end = _line(source, "__endline__") if isinstance(source, dict) else end
        subject.peers.append(_raw(ARM_RULE, f"{subject.resource.address}/{label}", file,
                                  child_line, child_end, child_attrs, "arm"))
    # checkov reports nested child rules as part of the NSG: their outputs are the NSG's.
    subject.members = list(subject.peers)
    return subject


# --------------------------------------------------------------------------------------------
# Bicep (pycep's tree, as checkov passes it to ARM checks): string literals and bare identifiers
# look the same, so identifiers are recognised by the names the file declares.

_BICEP_DECL = re.compile(r"^\s*(?:param|var|resource|module|output)\s+([A-Za-z_]\w*)", re.M)
_BICEP_LOOP = re.compile(r"\bfor\s*\(?\s*([A-Za-z_]\w*)\s*(?:,\s*([A-Za-z_]\w*)\s*)?\)?\s+in\b")


def bicep_names(text: str) -> frozenset[str]:
    """Names a Bicep file declares (params, vars, resources, modules, loop variables)."""
    names = set(_BICEP_DECL.findall(text))
    for item, index in _BICEP_LOOP.findall(text):
        names.update(n for n in (item, index) if n)
    return frozenset(names)


def _is_bicep_expression(value: dict[str, Any]) -> bool:
    return set(value) in ({"operator"}, {"function"}) or "loop_type" in value


def bicep_plain(value: Any, names: frozenset[str]) -> Any:
    Unknown = api().Unknown
    if isinstance(value, str):
        if "${" in value or value in names:
            return Unknown(f"Bicep expression {value!r} is not evaluated by checkov")
        return value
    if isinstance(value, list):
        return [bicep_plain(v, names) for v in value]
    if isinstance(value, dict):
        if _is_bicep_expression(value):
            return Unknown("Bicep expression is not evaluated by checkov")
        return {k: bicep_plain(v, names) for k, v in value.items() if not _is_meta(k)}
    return value


def bicep_subject(entity: dict[str, Any], rtype: str, name: str, file: str,
                  names: frozenset[str], lines: list[str] | None = None) -> Subject:
    """A Bicep resource: pycep's ``config`` (loops and ``if`` unwrapped) as ARM attributes.

    checkov substitutes parameter and variable values into the tree, but across the files of
    one scan it may take them from another file with the same names (seen with checkov 3.3):
    a rule field that the source writes as anything but a literal is therefore Unknown.
    """
    undecidable: list[str] = []
    config = entity.get("config") or {}
    if isinstance(config, dict) and "loop_type" in config:
        config = config.get("config") or {}
    if isinstance(config, dict) and set(config) == {"condition", "config"}:
        config = config.get("config") or {}  # deployed only if the condition holds
    if isinstance(config, dict) and lines:
        config = _copy_tree(config)
        found = bicep_field_literals(lines, _line(entity, "__start_line__"),
                                     _line(entity, "__end_line__"))
        _mark_written_expressions(
            _rule_property_dicts(config), found,
            "{field} is a Bicep expression; checkov's substituted value is not reliable")
    attributes = bicep_plain(config, names) if isinstance(config, dict) else {}
    attributes["type"] = rtype
    if rtype.lower() == ARM_NSG.lower():
        _nsg_rules(attributes, undecidable)
    else:
        _azure_rule_props(attributes, undecidable, "rule")
        parent = config.get("parent") if isinstance(config, dict) else None
        if isinstance(parent, str) and isinstance(attributes.get("name"), str):
            # ``parent: nsg`` names a symbolic resource, not the NSG's name: the NSG's other
            # rules are not visible to an ARM/Bicep check.
            attributes["name"] = f"{parent}/{attributes['name']}"
    line = _line(entity, "__start_line__", "__startline__")
    end = _line(entity, "__end_line__", "__endline__")
    return Subject(_raw(rtype, f"{rtype}.{name}", file, line, end, attributes, "bicep"),
                   undecidable=undecidable)


# --------------------------------------------------------------------------------------------
# CloudFormation: intrinsic functions stay dicts; every mapping carries line markers.

_CFN_INTRINSICS = {"Ref", "Condition"}


def _is_intrinsic(value: dict[str, Any]) -> bool:
    keys = [k for k in value if not _is_meta(k)]
    return len(keys) == 1 and (keys[0] in _CFN_INTRINSICS or keys[0].startswith("Fn::"))


def cfn_plain(value: Any) -> Any:
    Unknown = api().Unknown
    if isinstance(value, list):
        return [cfn_plain(v) for v in value]
    if isinstance(value, dict):
        if _is_intrinsic(value):
            key = next(k for k in value if not _is_meta(k))
            return Unknown(f"CloudFormation {key} is not evaluated by checkov")
        return {k: cfn_plain(v) for k, v in value.items() if not _is_meta(k)}
    return value


def cfn_subject(conf: dict[str, Any], name: str, file: str) -> Subject:
    undecidable: list[str] = []
    attributes = cfn_plain(conf)
    rtype = str(conf.get("Type") or "")
    props = attributes.get("Properties")
    raw_props = conf.get("Properties") if isinstance(conf.get("Properties"), dict) else {}
    if isinstance(props, dict):
        props = _scalar_fields(props)
        attributes["Properties"] = props
        _rule_list(props, "SecurityGroupIngress", "SecurityGroupIngress", undecidable, None)
    elif props is not None:
        undecidable.append("Properties are an expression checkov does not evaluate")
        attributes["Properties"] = {}
    line = _line(raw_props, "__startline__")
    end = _line(raw_props, "__endline__")
    return Subject(_raw(rtype, name, file, line, end, attributes, "cloudformation"),
                   undecidable=undecidable)
