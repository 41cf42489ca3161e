"""The account a Terraform provider configuration names, whatever wrote it down.

Shared by the HCL evaluator (``provider`` blocks) and the plan reader
(``configuration.provider_config``).  A literal id when the configuration says so (azurerm
``subscription_id``; aws ``assume_role.role_arn`` or a single ``allowed_account_ids`` entry), an
Unknown when it says so with a value not known before apply, and None when it does not say: then
it is "the current one" of the deployment unit (the credentials ``terraform apply`` runs with),
which iacjit.providers.accounts turns into the unit's identity.
"""

from __future__ import annotations

import re
from typing import Any

from iacjit.model.values import DEPLOYMENT_SUBSCRIPTION, Unknown, is_known, unknown_reason

_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):", re.I)


def _unknown(what: str, value: Any) -> Unknown:
    return Unknown(f"the provider's {what} is not known before apply: "
                   f"{unknown_reason(value) or value}")


def account(provider_type: str, values: dict[str, Any]) -> str | Unknown | None:
    """The literal subscription/account id a provider configuration deploys into, if it says."""
    if provider_type in {"azurerm", "azapi"}:
        subscription = values.get("subscription_id")
        if subscription is None:
            return None
        if not is_known(subscription):
            return _unknown("subscription_id", subscription)
        text = str(subscription).strip().lower()
        return None if not text or text == DEPLOYMENT_SUBSCRIPTION else text
    if provider_type == "aws":
        for role in values.get("assume_role") or []:
            arn = role.get("role_arn") if isinstance(role, dict) else None
            if arn is None:
                continue
            if not is_known(arn):
                return _unknown("assume_role.role_arn", arn)
            found = _ROLE_ARN.match(str(arn))
            if found:
                return found.group(1)
        allowed = values.get("allowed_account_ids")
        if allowed is None:
            return None
        if not is_known(allowed):
            return _unknown("allowed_account_ids", allowed)
        ids = [str(a).strip() for a in allowed] if isinstance(allowed, list) else []
        return ids[0] if len(ids) == 1 else None
    return None
