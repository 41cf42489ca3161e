"""Terraform resources from Checkov's tree, judged by iacjit's rule.

Checkov wraps values in one-element lists (lists twice), renders variables and locals where it
can, and leaves the rest as text (``var.x``, ``${...}``, function calls, ``ingress.value``).
This module unwraps the values, expands ``dynamic`` blocks over rendered collections
(:mod:`iacjit_pack_dynamic`), turns every text Checkov did not render into an
:class:`iacjit.model.values.Unknown` and a ``type.name.attr`` reference into a resource
reference, and runs the rule on the resource with its Azure peers from Checkov's graph.

It imports nothing from Checkov, so it is tested without Checkov.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import iacjit_pack_dynamic as dynamic
from iacjit_pack_loader import api
from iacjit_pack_verdict import Verdict, judge, shorten

if TYPE_CHECKING:  # pragma: no cover - typing only
    from iacjit.model.raw import RawResource

AZURE_TYPES = ("azurerm_network_security_group", "azurerm_network_security_rule")
AWS_TYPES = ("aws_security_group", "aws_security_group_rule",
             "aws_vpc_security_group_ingress_rule")
TYPES = AZURE_TYPES + AWS_TYPES

# Blocks that hold rules: each is a list of dicts, one per block.
_RULE_BLOCKS = {"security_rule", "ingress", "egress"}
# Fields the providers read from one rule: a dict there is an expression Checkov kept as a tree.
_RULE_FIELDS = {
    "priority", "direction", "access", "protocol", "type", "name",
    "destination_port_range", "destination_port_ranges", "source_address_prefix",
    "source_address_prefixes", "network_security_group_name", "from_port", "to_port",
    "cidr_blocks", "ipv6_cidr_blocks", "ip_protocol", "cidr_ipv4", "cidr_ipv6",
}
_NAMED = re.compile(r"^(?:var|local|module|data|each|count|self|path|terraform)\.\S+$")
_ITERATOR = re.compile(r"^[a-z_][a-z0-9_]*\.(?:key|value)(?:[.\[].*)?$")
_CALL = re.compile(r"^[a-z][a-z0-9_]*\(.*\)$", re.S)
_RESOURCE = re.compile(
    r"^([a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][\w-]*)(?:\[[^\]]*\])?(?:\.([A-Za-z_][\w.]*))?$"
)


@dataclass
class Subject:
    """The resource a check runs on, its peers (what else the rule may see) and what could
    not be represented (each entry makes a non-failing verdict UNKNOWN)."""

    resource: RawResource
    peers: list[RawResource] = field(default_factory=list)
    undecidable: list[str] = field(default_factory=list)


def evaluate(rule_id: str, subject: Subject) -> Verdict:
    """Run the rule over the subject and its peers; judge the outputs on the subject."""
    a = api()
    model = a.build_model([subject.resource, *subject.peers])
    outputs = [o for o in a.rule(rule_id).check(model, a.Settings())
               if o.resource is subject.resource]
    return judge(outputs, a.Finding, [f"unknown: {u}" for u in subject.undecidable])


def _is_meta(key: Any) -> bool:
    return isinstance(key, str) and key.startswith("__") and key.endswith("__")


def _line(conf: dict[str, Any], key: str) -> int:
    value = conf.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def tf_string(text: str) -> Any:
    """A Terraform string from Checkov: literal, or an expression it left unrendered."""
    a = api()
    stripped = text.strip()
    if "${" in stripped or _NAMED.match(stripped) or _ITERATOR.match(stripped) \
            or _CALL.match(stripped):
        return a.Unknown(f"Terraform expression {shorten(text)!r} was not rendered by Checkov")
    if stripped[:2] in ("{'", "['"):  # Checkov's text of a value it rendered only in part
        return a.Unknown(f"Checkov rendered a Terraform expression only in part "
                         f"({shorten(text)!r})")
    match = _RESOURCE.match(stripped)
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
    """Checkov wraps every attribute value in a one-element list: unwrap it once."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return tf_plain(value)


def _scalar_fields(entry: dict[str, Any]) -> dict[str, Any]:
    """In one rule, a dict where a scalar (or a list of scalars) belongs is an expression."""
    Unknown = api().Unknown
    fixed = dict(entry)
    for key, value in entry.items():
        if key not in _RULE_FIELDS:
            continue
        if isinstance(value, dict):
            fixed[key] = Unknown(f"{key} is an expression Checkov did not evaluate")
        elif isinstance(value, list):
            fixed[key] = [Unknown(f"{key} holds an expression Checkov did not evaluate")
                          if isinstance(v, dict | list) else v for v in value]
    return fixed


def _rule_blocks(value: Any, what: str, undecidable: list[str]) -> list[dict[str, Any]]:
    """The blocks of one rule-block name as dicts; what is no dict is noted, not guessed."""
    if value is None:
        return []
    if not isinstance(value, list):
        undecidable.append(f"{what} is built by an expression Checkov does not evaluate")
        return []
    kept = []
    for index, entry in enumerate(value):
        if isinstance(entry, dict):
            kept.append(_scalar_fields(entry))
        else:
            undecidable.append(f"{what}[{index}] is an expression Checkov does not evaluate")
    return kept


def _block(item: Any) -> list[Any]:
    if isinstance(item, dict):
        return [{k: tf_attribute(v) for k, v in item.items() if not _is_meta(k)}]
    if isinstance(item, list):  # attribute syntax: a list of objects
        return [tf_plain(v) for v in item]
    return [tf_plain(item)]


def tf_attributes(conf: dict[str, Any], undecidable: list[str]) -> dict[str, Any]:
    """Unwrapped attributes of one Terraform resource, rule blocks (static and generated by
    ``dynamic`` blocks) as lists of dicts."""
    attributes: dict[str, Any] = {}
    for key, value in conf.items():
        if _is_meta(key) or key == "dynamic":
            continue
        if key in _RULE_BLOCKS and isinstance(value, list):
            attributes[key] = [block for item in value for block in _block(item)]
        else:
            attributes[key] = tf_attribute(value)
    generated = dynamic.expand(conf, _RULE_BLOCKS, tf_string, undecidable)
    for name, blocks in generated.items():
        existing = attributes.get(name)
        static = existing if isinstance(existing, list) else []
        attributes[name] = static + [b for block in blocks for b in _block(block)]
    for key in _RULE_BLOCKS & attributes.keys():
        attributes[key] = _rule_blocks(attributes[key], key, undecidable)
    return _scalar_fields(attributes)


def _address(conf: dict[str, Any], rtype: str, name: str) -> str:
    address = conf.get("__address__")
    return address if isinstance(address, str) and address else f"{rtype}.{name}"


def terraform_resource(rtype: str, name: str, conf: dict[str, Any], file: str,
                       undecidable: list[str]) -> RawResource:
    a = api()
    line = _line(conf, "__start_line__")
    return a.RawResource(
        type=rtype, address=_address(conf, rtype, name), file=file,
        span=a.Span(line, max(line, _line(conf, "__end_line__"))),
        attributes=tf_attributes(conf, undecidable), source_format="terraform",
        root=os.path.dirname(file),
    )


def _node_attributes(node: Any) -> dict[str, Any] | None:
    """rustworkx nodes are ``(index, attributes)``; networkx-style ones are the attributes."""
    if isinstance(node, tuple) and len(node) == 2 and isinstance(node[1], dict):
        return node[1]
    return node if isinstance(node, dict) else None


def _vertices(graph: Any) -> list[dict[str, Any]]:
    if graph is None:
        return []
    try:
        return [v for v in (_node_attributes(n) for n in graph.nodes()) if v]
    except Exception:  # noqa: BLE001 - an unexpected graph shape only loses the peers
        return []


def terraform_subject(rtype: str, name: str, conf: dict[str, Any], scanned_file: str,
                      graph: Any) -> Subject:
    """The Terraform resource plus, for Azure, every NSG and NSG rule of the same module
    instance from Checkov's graph: Azure evaluates them as one list in priority order."""
    undecidable: list[str] = []
    vertices = _vertices(graph)
    address = _address(conf, rtype, name)
    wanted = scanned_file.replace("\\", "/")
    own = next((v for v in vertices
                if v.get("__address__") == address
                and v.get("__start_line__") == conf.get("__start_line__")
                and ((path := str(v.get("file_path_") or "").replace("\\", "/")).endswith(wanted)
                     or wanted.endswith(path))), None)
    file = str(own.get("file_path_")) if own else scanned_file
    subject = Subject(terraform_resource(rtype, name, conf, file, undecidable),
                      undecidable=undecidable)
    if own is None or rtype not in AZURE_TYPES:
        return subject
    directory = os.path.dirname(file)
    module = own.get("source_module_object_")
    for vertex in vertices:
        if vertex is own or vertex.get("resource_type") not in AZURE_TYPES:
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
