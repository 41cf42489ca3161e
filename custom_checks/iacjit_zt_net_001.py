"""ZT_NET_001 — iacjit's zt_net_001 (management port open to the internet) as Checkov checks.

One check class per checkov framework, all with the same upper-case id (``--check`` and ARM
``metadata.checkov`` suppressions are case-sensitive).  The ARM check also runs on Bicep:
checkov registers ARM checks with its Bicep runner and hands them pycep's resource tree.
The verdict comes from iacjit's rule itself, through ``iacjit_checkov_bridge``.
"""

from __future__ import annotations

from typing import Any

import iacjit_checkov_bridge as bridge
from checkov.arm.base_resource_check import BaseResourceCheck as ArmResourceCheck
from checkov.cloudformation.checks.resource.base_resource_check import (
    BaseResourceCheck as CfnResourceCheck,
)
from checkov.common.bridgecrew.severities import get_severity
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import (
    BaseResourceCheck as TerraformResourceCheck,
)

RULE_ID = "zt_net_001"
CHECK_ID = RULE_ID.upper()
TITLE, SEVERITY = bridge.rule_metadata(RULE_ID)
GUIDELINE = bridge.GUIDELINE.format(rule_id=RULE_ID)
_RESULTS = {
    bridge.PASSED: CheckResult.PASSED,
    bridge.FAILED: CheckResult.FAILED,
    bridge.UNKNOWN: CheckResult.UNKNOWN,
}


class _IacjitCheck:
    """What the three checks share: metadata, the scanned file, verdict → CheckResult."""

    def _setup(self: Any) -> None:
        self.severity = get_severity(SEVERITY.upper())
        self._scanned_file = ""
        self._entity_name = ""

    def run(self: Any, scanned_file: str, entity_configuration: dict[str, Any],
            entity_name: str, entity_type: str, skip_info: Any) -> Any:
        # conf carries neither the file (needed for Terraform peers and Bicep names) nor,
        # for CloudFormation, the logical id: keep them from checkov's call.
        self._scanned_file = scanned_file
        self._entity_name = entity_name
        return super().run(scanned_file, entity_configuration, entity_name, entity_type,
                           skip_info)

    def _result(self: Any, verdict: bridge.Verdict) -> CheckResult:
        self.details = list(verdict.details)
        return _RESULTS[verdict.result]


class TerraformZtNet001(_IacjitCheck, TerraformResourceCheck):
    def __init__(self) -> None:
        super().__init__(name=TITLE, id=CHECK_ID, categories=[CheckCategories.NETWORKING],
                         supported_resources=list(bridge.TF_TYPES), guideline=GUIDELINE)
        self._setup()

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        name = self._entity_name.rsplit(".", 1)[-1] if self._entity_name else "resource"
        subject = bridge.terraform_subject(self.entity_type, name, conf, self._scanned_file,
                                           self.graph)
        return self._result(bridge.evaluate(RULE_ID, subject))


class ArmZtNet001(_IacjitCheck, ArmResourceCheck):
    """ARM templates, and Bicep files through checkov's Bicep runner."""

    def __init__(self) -> None:
        super().__init__(name=TITLE, id=CHECK_ID, categories=[CheckCategories.NETWORKING],
                         supported_resources=list(bridge.ARM_TYPES), guideline=GUIDELINE)
        self._setup()

    def scan_entity_conf(self, conf: dict[str, Any], entity_type: str) -> CheckResult:
        self.entity_type = entity_type
        if "existing" in conf and "config" in conf:  # pycep's tree: a Bicep resource
            if conf.get("existing") is True:
                return CheckResult.UNKNOWN  # declared elsewhere: its rules are not here
            lines = bridge.read_lines(self._scanned_file)
            names = bridge.bicep_names("\n".join(lines))
            subject = bridge.bicep_subject(conf, entity_type, self._entity_name,
                                           self._scanned_file, names, lines)
        else:
            subject = bridge.arm_subject(conf, self._entity_name, self._scanned_file)
        return self._result(bridge.evaluate(RULE_ID, subject))

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:  # pragma: no cover
        raise NotImplementedError("scan_entity_conf handles ARM and Bicep")


class CloudFormationZtNet001(_IacjitCheck, CfnResourceCheck):
    def __init__(self) -> None:
        super().__init__(name=TITLE, id=CHECK_ID, categories=[CheckCategories.NETWORKING],
                         supported_resources=list(bridge.CFN_TYPES), guideline=GUIDELINE)
        self._setup()

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        subject = bridge.cfn_subject(conf, self._entity_name, self._scanned_file)
        return self._result(bridge.evaluate(RULE_ID, subject))


TerraformZtNet001()
ArmZtNet001()
CloudFormationZtNet001()
