"""EC2 instances, the security groups in front of them, and access without standing ingress.

Security groups reach an instance directly, through its network interfaces, or through its
launch template.  An EC2 Instance Connect Endpoint in the instance's VPC, or an instance profile
whose role carries ``AmazonSSMManagedInstanceCore``, gives administrators a way in that needs no
open management port.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iacjit.model.raw import RawResource
from iacjit.model.semantic import AccessPath, Model, VirtualMachine
from iacjit.model.values import ResourceRef, Unknown, is_known, text_matches, unknown_reason
from iacjit.providers.guard import guarded
from iacjit.providers.index import ResourceIndex
from iacjit.providers.shape import obj

SSM_POLICY = "AmazonSSMManagedInstanceCore"


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _props(resource: RawResource) -> Mapping[str, Any]:
    """CloudFormation keeps properties under ``Properties``; Terraform has them at the top."""
    if resource.type.startswith("AWS::"):
        return obj(resource.attributes.get("Properties"), "Properties")
    return resource.attributes


class AwsNetwork:
    """Lookups shared by every instance of the plan."""

    def __init__(self, model: Model, resources: list[RawResource], index: ResourceIndex):
        self.model = model
        self.index = index
        self.sg_by_resource = {id(g.resource): g.key for g in model.groups.values()
                               if g.cloud == "aws" and g.declared}
        self.sg_by_name = {}
        for group in model.groups.values():
            if group.cloud == "aws" and group.declared:
                self.sg_by_name.setdefault((group.resource.root, group.name), group.key)
        self.endpoints: list[RawResource] = []
        self.policy_attachments: list[RawResource] = []
        self.eips: list[RawResource] = []
        self.roles = [r for r in resources if r.type in {"aws_iam_role", "AWS::IAM::Role"}]
        for resource in resources:
            if resource.type in {"aws_ec2_instance_connect_endpoint",
                                 "AWS::EC2::InstanceConnectEndpoint"}:
                self.endpoints.append(resource)
            elif resource.type in {"aws_iam_role_policy_attachment",
                                   "aws_iam_role_policy_attachments_exclusive"}:
                self.policy_attachments.append(resource)
            elif resource.type in {"aws_eip", "aws_eip_association", "AWS::EC2::EIP",
                                   "AWS::EC2::EIPAssociation"}:
                self.eips.append(resource)

    # ----- security groups -------------------------------------------------------------
    def group_keys(self, values: list[Any], origin: RawResource) -> list[str]:
        keys = []
        for value in values:
            target = self.index.resolve(value, origin)
            key = self.sg_by_resource.get(id(target)) if target is not None else None
            if key is None and isinstance(value, str):
                key = self.sg_by_name.get((origin.root, value))
            if key:
                keys.append(key)
        return keys

    def instance_groups(self, instance: RawResource) -> list[str]:
        props = _props(instance)
        values = (_as_list(props.get("vpc_security_group_ids"))
                  + _as_list(props.get("security_groups"))
                  + _as_list(props.get("SecurityGroupIds"))
                  + _as_list(props.get("SecurityGroups")))
        for nic in _as_list(props.get("NetworkInterfaces")) + _as_list(
                props.get("network_interface")):
            if isinstance(nic, dict):
                values += _as_list(nic.get("GroupSet"))
                target = self.index.resolve(nic.get("network_interface_id"), instance)
                if target is not None:
                    values += _as_list(target.attributes.get("security_groups"))
        template = self._launch_template(instance, props)
        if template is not None:
            data = (obj(_props(template).get("LaunchTemplateData"), "LaunchTemplateData")
                    if template.type.startswith("AWS::") else _props(template))
            values += (_as_list(data.get("SecurityGroupIds")) + _as_list(data.get("SecurityGroups"))
                       + _as_list(data.get("vpc_security_group_ids"))
                       + _as_list(data.get("security_group_names")))
            for nic in _as_list(data.get("NetworkInterfaces")) + _as_list(
                    data.get("network_interfaces")):
                if isinstance(nic, dict):
                    values += _as_list(nic.get("Groups")) + _as_list(nic.get("security_groups"))
            return list(dict.fromkeys(self.group_keys(values, template)
                                      + self.group_keys(values, instance)))
        return list(dict.fromkeys(self.group_keys(values, instance)))

    def _launch_template(self, instance: RawResource,
                         props: Mapping[str, Any]) -> RawResource | None:
        spec = (_as_list(props.get("launch_template")) or [props.get("LaunchTemplate")])[0]
        if not isinstance(spec, dict):
            return None
        ref = spec.get("id") or spec.get("LaunchTemplateId") or spec.get("name") or spec.get(
            "LaunchTemplateName")
        return self.index.resolve(ref, instance)

    # ----- reachability ----------------------------------------------------------------
    def public_entry(self, instance: RawResource) -> tuple[str, bool | Unknown]:
        props = _props(instance)
        for eip in self.eips:
            eprops = _props(eip)
            target = eprops.get("instance") or eprops.get("InstanceId")
            if self.index.resolve(target, eip) is instance:
                return "Elastic IP", True
        nics = [n for n in _as_list(props.get("NetworkInterfaces")) if isinstance(n, dict)]
        flags = [props.get("associate_public_ip_address")] + [
            n.get("AssociatePublicIpAddress") for n in nics]
        for flag in flags:
            if flag is True or str(flag).lower() == "true":
                return "public IP address", True
        if any(f is not None and not is_known(f) for f in flags):
            return "public IP address", Unknown(unknown_reason(flags) or "unknown")
        if any(f is False or str(f).lower() == "false" for f in flags if f is not None):
            return "no public IP address", False
        subnet_ref = _subnet_ref(props)
        if subnet_ref is None:
            return "default-VPC public IP address (assigned by default)", True
        subnet = self.index.resolve(subnet_ref, instance)
        if subnet is None:
            return "subnet outside the plan", Unknown("the subnet is not part of the scanned plan")
        mapped = _props(subnet).get("map_public_ip_on_launch", _props(subnet).get(
            "MapPublicIpOnLaunch"))
        if mapped is True or str(mapped).lower() == "true":
            return "public IP address assigned by its subnet", True
        if mapped is not None and not is_known(mapped):
            return "public IP address", Unknown(unknown_reason(mapped) or "unknown")
        return "no public IP address", False

    # ----- access without standing ingress --------------------------------------------
    def _vpc_of_subnet(self, subnet_ref: Any, origin: RawResource) -> RawResource | None:
        subnet = self.index.resolve(subnet_ref, origin)
        if subnet is None:
            return None
        return self.index.resolve(_props(subnet).get("vpc_id") or _props(subnet).get("VpcId"),
                                  subnet)

    def alternatives(self, instance: RawResource) -> tuple[list[str], list[str]]:
        found: list[str] = []
        problems: list[str] = []
        props = _props(instance)
        subnet_ref = _subnet_ref(props)
        # No subnet at all means the default VPC, which no endpoint of the plan is declared in.
        vpc = self._vpc_of_subnet(subnet_ref, instance) if subnet_ref is not None else None
        for endpoint in self.endpoints:
            eprops = _props(endpoint)
            endpoint_vpc = self._vpc_of_subnet(eprops.get("subnet_id") or eprops.get("SubnetId"),
                                               endpoint)
            if vpc is not None and endpoint_vpc is vpc:
                found.append(f"EC2 Instance Connect Endpoint {endpoint.address}")
            elif (subnet_ref is not None and endpoint.root == instance.root
                  and (vpc is None or endpoint_vpc is None)):
                problems.append(f"cannot tell whether {endpoint.address} serves this instance's "
                                "VPC")
        ssm, ssm_problem = self._ssm_profile(instance, props)
        if ssm:
            found.append(ssm)
        if ssm_problem:
            problems.append(ssm_problem)
        return found, problems

    def _role_named(self, name: Any, origin: RawResource) -> RawResource | None:
        """Terraform profiles name their role (``role = aws_iam_role.r.name``)."""
        if not isinstance(name, str):
            return None
        return next((r for r in self.roles if r.root == origin.root
                     and _props(r).get("name") == name), None)

    def _ssm_profile(self, instance: RawResource,
                     props: Mapping[str, Any]) -> tuple[str | None, str | None]:
        ref = props.get("iam_instance_profile") or props.get("IamInstanceProfile")
        if ref is None:
            return None, None
        profile = self.index.resolve(ref, instance)
        if profile is None:
            if isinstance(ref, str) and is_known(ref):
                return None, None
            return None, f"instance profile {ref} is outside the plan"
        roles = _as_list(_props(profile).get("role")) + _as_list(_props(profile).get("Roles"))
        unknown: list[str] = []
        for role_ref in roles:
            role = self.index.resolve(role_ref, profile) or self._role_named(role_ref, profile)
            arns = []
            if role is not None:
                arns += _as_list(_props(role).get("managed_policy_arns"))
                arns += _as_list(_props(role).get("ManagedPolicyArns"))
            for attachment in self.policy_attachments:
                aprops = attachment.attributes
                target = aprops.get("role") or aprops.get("role_name")
                if (role is not None and self.index.resolve(target, attachment) is role) or (
                        role is not None and target == _props(role).get("name")) or (
                        role is None and target == role_ref):
                    arns += _as_list(aprops.get("policy_arn")) + _as_list(
                        aprops.get("policy_arns"))
            for arn in arns:
                matches = text_matches(arn, f"/{SSM_POLICY}")
                if matches:
                    return f"Session Manager (instance profile {profile.address})", None
                if matches is None and not isinstance(arn, ResourceRef):
                    unknown.append(unknown_reason(arn) or "unknown")
        if unknown:
            return None, f"a managed policy of instance profile {profile.address} is unknown " \
                         f"({unknown[0]})"
        return None, None


def add_instances(model: Model, resources: list[RawResource], index: ResourceIndex) -> None:
    network = AwsNetwork(model, resources, index)
    for resource in resources:
        if resource.type in {"aws_instance", "AWS::EC2::Instance"}:
            with guarded(model.errors, resource, "finding the paths to the instance"):
                _add_instance(model, resource, network)


def _add_instance(model: Model, resource: RawResource, network: AwsNetwork) -> None:
    props = _props(resource)
    tags = props.get("tags") or {}
    name = tags.get("Name") if isinstance(tags, dict) else None
    via, reachable = network.public_entry(resource)
    groups = network.instance_groups(resource)
    vm = VirtualMachine(
        key=f"aws-instance:{resource.root}:{resource.address}",
        name=str(name) if name and is_known(name) else resource.address,
        cloud="aws", os=_instance_os(props), resource=resource,
        paths=[AccessPath(via=via, reachable=reachable, layers=[groups] if groups else [],
                          filtered_when_no_group=True)],
    )
    vm.alternatives, vm.alternative_problems = network.alternatives(resource)
    model.vms[vm.key] = vm


def _subnet_ref(props: Mapping[str, Any]) -> Any:
    """The instance's subnet, set directly or on its first network interface."""
    nics = [n for n in _as_list(props.get("NetworkInterfaces")) if isinstance(n, dict)]
    return props.get("subnet_id") or props.get("SubnetId") or next(
        (n.get("SubnetId") for n in nics if n.get("SubnetId")), None)


def _instance_os(props: Mapping[str, Any]) -> str | Unknown:
    platform = props.get("get_password_data") or props.get("Platform")
    if platform is True or str(platform).lower() == "windows":
        return "windows"
    return Unknown("an EC2 instance's operating system comes from its AMI, which is not read")
