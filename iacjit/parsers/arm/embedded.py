"""ARM templates embedded in Terraform: ``azurerm_*_template_deployment.template_content``.

Terraform has no azurerm resource for some Azure resources (a JIT policy is the common case,
domain.md §2), so configurations deploy an ARM template from Terraform.  After parsing, each
``azurerm_resource_group_template_deployment`` / ``azurerm_subscription_template_deployment``
(and the other scopes) is expanded by the ARM parser, and the template's resources join the
plan as if they were declared beside it:

* ``root`` and ``file`` are those of the Terraform resource, ``span`` its span, so findings
  point at the deployment block and references resolve within the same root;
* ``address`` is the Terraform address, a slash, then the ARM address:
  ``azurerm_resource_group_template_deployment.jit/Microsoft.Security/locations/
  jitNetworkAccessPolicies/westeurope/web-jit``;
* ``template_content`` may be a JSON string (a literal, a heredoc, ``jsonencode`` of known
  values) or the structure itself (``jsonencode`` of values holding references, which the
  Terraform evaluator keeps as a structure): a ``ResourceRef`` such as
  ``azurerm_linux_virtual_machine.vm.id`` stays a reference and still links the resources;
* ``parameters_content`` is read like a parameters file (``{"name": {"value": ...}}``);
* ``resource_group_name``, when known, is what ``resourceGroup()`` names inside.

A ``template_content`` that is unknown before apply (``file()``, ``templatefile()``, a data
source) is listed as not scanned, never silently dropped.
"""

from __future__ import annotations

import json
from typing import Any

from iacjit.model.raw import InputError, NotScanned, ParseResult, RawResource
from iacjit.model.values import is_known, unknown_reason
from iacjit.parsers.arm.parser import is_template, parse_document
from iacjit.parsers.arm.template import parameter_values
from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.common.options import ParseOptions

DEPLOYMENT_TYPES = frozenset({
    "azurerm_resource_group_template_deployment",
    "azurerm_subscription_template_deployment",
    "azurerm_management_group_template_deployment",
    "azurerm_tenant_template_deployment",
})


def _document(value: Any) -> tuple[Any, str | None]:
    """The template/parameters document, or a reason it cannot be read."""
    if isinstance(value, str):
        try:
            return json.loads(value), None
        except ValueError as exc:
            return None, f"is not valid JSON ({exc})"
    if isinstance(value, dict):
        return value, None
    if value is None:
        return None, "is not set"
    return None, f"is not known before apply ({unknown_reason(value) or 'unknown'})"


def _parameters(value: Any, deployment: RawResource, result: ParseResult) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    document, problem = _document(value)
    if document is None and isinstance(value, str):
        result.errors.append(InputError(deployment.file, f"{deployment.address}: "
                                        f"parameters_content {problem}", deployment.span.line))
        return {}
    if document is None:
        result.not_scanned.append(NotScanned(
            deployment.file, deployment.span.line, f"parameters_content of {deployment.address}",
            f"it {problem}; the template's parameters without a default are unknown"))
        return {}
    try:
        return parameter_values(document)
    except ParseError as exc:
        result.errors.append(InputError(deployment.file, f"{deployment.address}: "
                                        f"parameters_content: {exc.message}",
                                        deployment.span.line))
        return {}


def _expand(deployment: RawResource, options: ParseOptions) -> ParseResult:
    result = ParseResult()
    attrs = deployment.attributes
    content = attrs.get("template_content")
    document, problem = _document(content)
    if document is None and isinstance(content, str):
        result.errors.append(InputError(deployment.file, f"{deployment.address}: "
                                        f"template_content {problem}", deployment.span.line))
        return result
    if document is None:
        if "template_spec_version_id" in attrs and attrs.get("template_content") is None:
            what, reason = "template spec", "template specs are not fetched"
        else:
            what, reason = "template_content", f"it {problem}"
        result.not_scanned.append(NotScanned(
            deployment.file, deployment.span.line, f"{what} of {deployment.address}",
            f"{reason}; the resources it deploys are not part of the plan"))
        return result
    if not is_template(document):
        result.errors.append(InputError(
            deployment.file, f"{deployment.address}: template_content is not an ARM template "
            "(no $schema and no Microsoft.* resources)", deployment.span.line))
        return result
    parameters = _parameters(attrs.get("parameters_content"), deployment, result)
    group = attrs.get("resource_group_name")
    parsed = parse_document(
        document, deployment.file, options, parameters, span=deployment.span,
        resource_group=group if isinstance(group, str) and is_known(group) and group else None)
    for resource in parsed.resources:
        resource.address = f"{deployment.address}/{resource.address}"
        resource.root = deployment.root
        resource.account = resource.account or deployment.account
        resource.span = deployment.span
        resource.spans = {}  # every nested declaration is located at the deployment block
        resource.notes = [*deployment.notes, *resource.notes]
    result.extend(parsed)
    return result


def expand(resources: list[RawResource], options: ParseOptions) -> ParseResult:
    """The resources of every ARM template embedded in *resources* (which are not changed)."""
    result = ParseResult()
    for resource in resources:
        if resource.type in DEPLOYMENT_TYPES:
            result.extend(_expand(resource, options))
    return result
