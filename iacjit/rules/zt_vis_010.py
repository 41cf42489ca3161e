"""zt_vis_010 — a VM is not protected by just-in-time access (AWS: no path without ingress)."""

from __future__ import annotations

from collections.abc import Iterator

from iacjit.model.semantic import Model
from iacjit.rules.base import Finding, Rule, RuleOutput, Settings, Unresolved
from iacjit.rules.jit_status import UNHEALTHY, UNRESOLVED, jit_status

RULE_ID = "zt_vis_010"
SEVERITY = "high"
TITLE = "VM not protected by just-in-time access"


def check(model: Model, settings: Settings) -> Iterator[RuleOutput]:
    for vm in model.vms.values():
        status = jit_status(vm, model, settings)
        evidence = {
            "vm": vm.name,
            "os": str(vm.os) if not isinstance(vm.os, str) else vm.os,
            "category": status.category,
            "reason": status.reason,
            "security_groups": status.groups,
            "exposed_ports": status.exposed_ports,
            "jit_ports": status.jit_ports,
            "jit_policies": [p.name for p in status.policies],
        }
        if status.category == UNHEALTHY:
            kind = "VM" if vm.cloud == "azure" else "EC2 instance"
            yield Finding(RULE_ID, SEVERITY, TITLE, f"{kind} {vm.name!r}: {status.reason}",
                          vm.resource, vm.resource.span, evidence, subject=vm.key)
        elif status.category == UNRESOLVED:
            yield Unresolved(RULE_ID, vm.resource, vm.resource.span,
                             f"VM {vm.name!r}: {status.reason}", evidence)


RULE = Rule(
    id=RULE_ID,
    severity=SEVERITY,
    title=TITLE,
    description=(
        "A VM sits behind an NSG but no Defender for Cloud just-in-time policy covers its "
        "management port, or a standing Allow from the internet on a JIT port bypasses the "
        "policy. On AWS, an EC2 instance admits SSH/RDP as standing ingress and has no access "
        "path that avoids it (EC2 Instance Connect Endpoint, Session Manager)."
    ),
    rationale=(
        "JIT keeps management ports closed and opens them only on approved request, for a "
        "bounded time, from the requester's address. Without it, the port is either always "
        "open or opened by hand and forgotten. JIT's deny rules do not outrank existing rules: "
        "a standing Allow keeps the port open whatever the policy says (ATT&CK T1133)."
    ),
    fix=(
        "Add the VM and its management port to a Microsoft.Security/locations/"
        "jitNetworkAccessPolicies policy (Terraform: azapi_resource) and remove standing "
        "Allow rules for that port. On AWS, create an EC2 Instance Connect Endpoint or attach "
        "AmazonSSMManagedInstanceCore to the instance role and remove the ingress rule."
    ),
    example=(
        'resource "azapi_resource" "jit" {\n'
        '  type      = "Microsoft.Security/locations/jitNetworkAccessPolicies@2020-01-01"\n'
        '  name      = "default"\n'
        "  parent_id = \"${azurerm_resource_group.rg.id}/providers/Microsoft.Security/"
        'locations/westeurope"\n'
        "  body = {\n"
        '    kind = "Basic"\n'
        "    properties = {\n"
        "      virtualMachines = [{\n"
        "        id    = azurerm_linux_virtual_machine.vm.id\n"
        '        ports = [{ number = 22, protocol = "TCP", allowedSourceAddressPrefix = "*",'
        ' maxRequestAccessDuration = "PT3H" }]\n'
        "      }]\n"
        "    }\n"
        "  }\n"
        "}"
    ),
    references=(
        "https://learn.microsoft.com/azure/defender-for-cloud/just-in-time-access-usage",
        "https://learn.microsoft.com/azure/templates/microsoft.security/locations/"
        "jitnetworkaccesspolicies",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/connect-with-ec2-instance-connect-"
        "endpoint.html",
        "https://attack.mitre.org/techniques/T1133/",
    ),
    check=check,
    technique="T1133",
    semantics="""\
- **Policies**: `Microsoft.Security/locations/jitNetworkAccessPolicies` from ARM/Bicep, Terraform
  `azapi_resource` (`body` as an object or `jsonencode(...)`) and ARM embedded in
  `azurerm_resource_group_template_deployment`; all policies of the plan are united. An entry
  covers a VM when its `id` resolves to it (reference, `resourceId(...)` or evaluated id) and a
  port when its protocol is `TCP` or `*`.
- **Categories** (Defender's): *not applicable* when no NSG sits in front of the VM (subnet or NIC
  NSG); *unhealthy* when no policy covers it, when the policy misses the VM's management port
  (Linux 22, Windows 3389, from the resource type, OS profile or image; both when unknown) or a
  port its NSGs expose, or when a standing Allow from the internet on a covered port bypasses
  JIT (existing rules keep priority over JIT's deny rules); *healthy* otherwise.
- **AWS**: there is no JIT resource. An EC2 instance whose security groups admit 22/3389 from any
  source is unhealthy unless an EC2 Instance Connect Endpoint sits in its VPC or its instance
  profile's role carries `AmazonSSMManagedInstanceCore` (Session Manager). That access path
  counts only while no security group of the instance admits the *internet* on a management
  port: such standing ingress bypasses it, exactly as a standing Allow bypasses Azure JIT, and
  the instance is unhealthy (the finding names the rule and the bypassed path).
- **Unknown values**: a JIT entry whose VM id is unknown, or an access path that cannot be
  decided, makes the VM unresolved, not healthy.
- `iacjit jit-status` prints the categorisation of every VM.""",
    peer_mistakes="""\
The reference chain scanner passes this check as soon as any JIT policy exists anywhere; checkov,
KICS and trivy have no JIT check at all.""",
)
