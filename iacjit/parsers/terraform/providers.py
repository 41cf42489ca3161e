"""Which provider configuration a resource uses, and the account it names.

Two resources of one Terraform root deploy into different subscriptions when they use different
provider configurations (``provider = azurerm.connectivity`` with its own ``subscription_id``).
The account a configuration names is a literal id when the configuration says so (azurerm
``subscription_id``; aws ``assume_role.role_arn`` or a single ``allowed_account_ids`` entry),
an Unknown when it says so with a value not known before apply, and None when it does not say:
then it is "the current one" of the deployment unit (the credentials ``terraform apply`` runs
with), which iacjit.providers.accounts turns into the unit's identity.
"""

from __future__ import annotations

import re
from typing import Any

from iacjit.model.values import DEPLOYMENT_SUBSCRIPTION, Unknown, is_known, unknown_reason
from iacjit.parsers.terraform import ast

_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):", re.I)


def provider_name(expr: Any) -> str | None:
    """``azurerm`` or ``azurerm.alias`` from a ``provider`` argument or ``providers`` value."""
    if isinstance(expr, ast.Name):
        return expr.name
    if isinstance(expr, ast.GetAttr) and isinstance(expr.target, ast.Name):
        return f"{expr.target.name}.{expr.name}"
    if isinstance(expr, ast.Literal) and isinstance(expr.value, str):
        return expr.value
    return None


def default_provider(resource_type: str) -> str:
    """The provider a resource uses without a ``provider`` argument: its type's prefix."""
    return resource_type.split("_", 1)[0]


def block_name(block: ast.Block) -> str | None:
    """``azurerm`` or ``azurerm.<alias>`` for a ``provider`` block."""
    if not block.labels:
        return None
    alias = block.body.attributes.get("alias")
    if alias is not None and isinstance(alias.expr, ast.Literal):
        return f"{block.labels[0]}.{alias.expr.value}"
    if alias is not None and isinstance(alias.expr, ast.Template):
        text = "".join(p for p in alias.expr.parts if isinstance(p, str))
        return f"{block.labels[0]}.{text}"
    return block.labels[0]


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
