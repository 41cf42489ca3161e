"""ZT_NET_001 — iacjit's zt_net_001 (management port open to the internet) as Checkov checks.

One check class per Checkov framework, all with the same upper-case id (``--check`` and ARM
``metadata.checkov`` suppressions are case-sensitive).  The ARM check also runs on Bicep:
Checkov registers ARM checks with its Bicep runner.  Terraform verdicts come from Checkov's
tree (:mod:`iacjit_pack_terraform`); ARM, Bicep and CloudFormation verdicts from iacjit's own
readers (:mod:`iacjit_pack_templates`); the JSON-framework check reports the ARM results
Checkov's ARM runner never shows (:mod:`iacjit_pack_documents`).  Every UNKNOWN prints one
line on stderr.
"""

from __future__ import annotations

from typing import Any

import iacjit_pack_files as files
import iacjit_pack_terraform as terraform
import iacjit_pack_verdict as verdicts
from checkov.arm.base_resource_check import BaseResourceCheck as ArmResourceCheck
from checkov.cloudformation.checks.resource.base_resource_check import (
    BaseResourceCheck as CfnResourceCheck,
)
from checkov.common.bridgecrew.severities import get_severity
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.json_doc.base_json_check import BaseJsonCheck
from checkov.json_doc.enums import BlockType
from checkov.terraform.checks.resource.base_resource_check import (
    BaseResourceCheck as TerraformResourceCheck,
)
from iacjit_pack_documents import judge_document
from iacjit_pack_loader import GUIDELINE, rule_metadata
from iacjit_pack_templates import ARM_TYPES, CFN_TYPES, TemplateReader

RULE_ID = "zt_net_001"
CHECK_ID = RULE_ID.upper()
TITLE, SEVERITY = rule_metadata(RULE_ID)
_RESULTS = {
    verdicts.PASSED: CheckResult.PASSED,
    verdicts.FAILED: CheckResult.FAILED,
    verdicts.UNKNOWN: CheckResult.UNKNOWN,
}
_READER = TemplateReader(RULE_ID)  # one per Checkov process: each template is read once


class _IacjitCheck:
    """What the checks share: metadata, Checkov's call, verdict → CheckResult."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(name=TITLE, id=CHECK_ID, categories=[CheckCategories.NETWORKING],
                         **kwargs)
        self.guideline = GUIDELINE.format(rule_id=RULE_ID)  # the JSON base takes no argument
        self.severity = get_severity(SEVERITY.upper())
        self._scanned_file = ""
        self._entity_name = ""

    def run(self, scanned_file: str, entity_configuration: dict[str, Any],
            entity_name: str, entity_type: str, skip_info: Any) -> Any:
        # conf carries neither the file nor, for CloudFormation, the logical id.
        self._scanned_file = scanned_file
        self._entity_name = entity_name
        return super().run(scanned_file, entity_configuration, entity_name, entity_type,
                           skip_info)

    def _result(self, verdict: verdicts.Verdict, file: str, resource: str) -> CheckResult:
        self.details = list(verdict.details)
        verdicts.announce(verdict, CHECK_ID, file, resource)
        return _RESULTS[verdict.result]

    def _template(self, framework: str, conf: dict[str, Any], entity_type: str,
                  ) -> CheckResult:
        judged = _READER.judge(framework, self._scanned_file, entity_type, self._entity_name,
                               conf, files.checkov_root())
        return self._result(judged.verdict, judged.file, judged.resource)


class TerraformZtNet001(_IacjitCheck, TerraformResourceCheck):
    def __init__(self) -> None:
        super().__init__(supported_resources=list(terraform.TYPES))

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        name = self._entity_name.rsplit(".", 1)[-1] if self._entity_name else "resource"
        subject = terraform.terraform_subject(self.entity_type, name, conf,
                                              self._scanned_file, self.graph)
        return self._result(terraform.evaluate(RULE_ID, subject), subject.resource.file,
                            subject.resource.address)


class ArmZtNet001(_IacjitCheck, ArmResourceCheck):
    """ARM templates, and Bicep files through Checkov's Bicep runner."""

    def __init__(self) -> None:
        super().__init__(supported_resources=list(ARM_TYPES))

    def scan_entity_conf(self, conf: dict[str, Any], entity_type: str) -> CheckResult:
        self.entity_type = entity_type
        return self._template("arm", conf, entity_type)

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:  # pragma: no cover
        raise NotImplementedError("scan_entity_conf handles ARM and Bicep")


class CloudFormationZtNet001(_IacjitCheck, CfnResourceCheck):
    def __init__(self) -> None:
        super().__init__(supported_resources=list(CFN_TYPES))

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return self._template("cloudformation", conf, str(conf.get("Type") or ""))


class ArmDocumentZtNet001(_IacjitCheck, BaseJsonCheck):
    """ARM results Checkov's ARM runner never shows (``languageVersion`` 2.0 templates, and
    failures on resources named with ``toLower(...)`` and the like), through its JSON
    framework: one result per template, the most Checkov allows for a JSON document."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["resources"], block_type=BlockType.DOCUMENT)

    def scan_entity_conf(self, conf: Any, entity_type: str) -> CheckResult:
        judged = judge_document(_READER, self._scanned_file, conf, files.checkov_root())
        if judged is None:
            return CheckResult.UNKNOWN  # the ARM check says everything: nothing to add
        self.evaluated_keys = ["resources"]  # the result's lines: the template's resources
        return self._result(judged.verdict, judged.file, judged.resource)


TerraformZtNet001()
ArmZtNet001()
CloudFormationZtNet001()
ArmDocumentZtNet001()
