"""Which provider configuration a resource uses (the account it names: parsers/common/accounts).

Two resources of one Terraform root deploy into different subscriptions when they use different
provider configurations (``provider = azurerm.connectivity`` with its own ``subscription_id``).
The account a configuration names is a literal id when the configuration says so (azurerm
``subscription_id``; aws ``assume_role.role_arn`` or a single ``allowed_account_ids`` entry),
an Unknown when it says so with a value not known before apply, and None when it does not say:
then it is "the current one" of the deployment unit (the credentials ``terraform apply`` runs
with), which iacjit.providers.accounts turns into the unit's identity.
"""

from __future__ import annotations

from typing import Any

from iacjit.parsers.common.accounts import account
from iacjit.parsers.terraform import ast

__all__ = ["account", "block_name", "default_provider", "provider_name"]


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
