"""Account identity: which Azure subscription or AWS account a resource is deployed into.

Every resource belongs to one deployment unit (``RawResource.root``: a Terraform root with its
modules, a top-level ARM/Bicep template, a CloudFormation template, a plan file).  Its account is
the literal id its input names (a provider's ``subscription_id``, an assume-role ARN, a nested
deployment's ``subscriptionId``) or else *the current one of its unit*: the token
``<current:UNIT>``.  Two units are assumed to deploy into different accounts — two Terraform
roots usually do — unless the configuration's ``shared_accounts`` puts them in one group, whose
units then share one token.

An alert, policy, trail or alarm covers a group only when the accounts match: equal literal ids,
or the same token.  Two different tokens never match (different units); a token and a literal id
may or may not be the same account, so that comparison stays unknown — unresolved, never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from iacjit.model.values import DEPLOYMENT_SUBSCRIPTION, Unknown

CURRENT = "<current:"


def current(label: str) -> str:
    """The token of "the current account" of the units labelled *label*.

    It stands as one segment of Azure ids (``/subscriptions/<token>/...``), so the unit's
    slashes are written as ``|``.
    """
    return f"{CURRENT}{label.replace('/', '|')}>"


def is_current(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(CURRENT) and value.endswith(">")


def describe(account: str | Unknown) -> str:
    """An account for messages: a literal id, or whose current account a token is."""
    if isinstance(account, Unknown):
        return str(account)
    if is_current(account):
        return ("the current account of deployment unit "
                f"{account[len(CURRENT):-1].replace('|', '/')}")
    return account


def matches_unit(unit: str, pattern: str) -> bool:
    """Does a ``shared_accounts`` entry (a path or glob) name the unit *unit*?

    A path names the unit itself and every unit below it (``platform`` names the template
    ``platform/alerts.json``); a glob is matched against the unit's path.
    """
    unit, pattern = unit.strip().rstrip("/"), pattern.strip().rstrip("/")
    if pattern in {"", "."}:
        return unit in {"", "."}
    return (unit == pattern or unit.startswith(pattern + "/") or fnmatchcase(unit, pattern)
            or fnmatchcase(unit, pattern + "/*"))


@dataclass(frozen=True)
class Accounts:
    """The identities of one scan, with the groups of units the user declared as shared."""

    shared: tuple[tuple[str, ...], ...] = ()

    def label(self, unit: str) -> str:
        """The unit, or its ``shared_accounts`` group (patterns joined by ``+``)."""
        for group in self.shared:
            if any(matches_unit(unit, pattern) for pattern in group):
                return " + ".join(group)
        return unit or "."

    def of(self, resource: Any) -> str | Unknown:
        """The account of a raw resource: its literal id, Unknown, or its unit's token."""
        account = getattr(resource, "account", None)
        if isinstance(account, Unknown):
            return account
        if account:
            return str(account).strip().lower()
        return current(self.label(resource.root))


def same_account(ours: Any, theirs: Any) -> bool | Unknown:
    """Are two accounts (ids or tokens) the same?  See the module docstring."""
    if isinstance(ours, Unknown):
        return ours
    if isinstance(theirs, Unknown):
        return theirs
    if ours == theirs:
        return True
    if is_current(ours) and is_current(theirs):
        return False
    if is_current(ours) or is_current(theirs) or DEPLOYMENT_SUBSCRIPTION in (ours, theirs):
        return Unknown(f"whether {describe(ours)} is {describe(theirs)} depends on where the "
                       "template is deployed")
    return False


def localise(text: Any, account: str | Unknown) -> Any:
    """An id or scope with the deploying-subscription marker replaced by *account*."""
    if not isinstance(text, str) or DEPLOYMENT_SUBSCRIPTION not in text:
        return text
    if isinstance(account, Unknown):
        return account
    return text.replace(DEPLOYMENT_SUBSCRIPTION, account)


def unit_rows(resources: list[Any], accounts: Accounts) -> list[dict[str, Any]]:
    """One row per deployment unit of the scan, for reports: its formats, how many resources
    it declares, and the accounts they are deployed into (``units`` in docs/json-format.md)."""
    rows: dict[str, dict[str, Any]] = {}
    for resource in resources:
        name = resource.root or "."
        row = rows.setdefault(name, {"unit": name, "formats": [], "resources": 0,
                                     "accounts": []})
        row["resources"] += 1
        if resource.source_format not in row["formats"]:
            row["formats"].append(resource.source_format)
        account = describe(accounts.of(resource))
        if account not in row["accounts"]:
            row["accounts"].append(account)
    for row in rows.values():
        row["formats"].sort()
        row["shared_with"] = [other for other in sorted(rows) if other != row["unit"]
                              and accounts.label(other) == accounts.label(row["unit"])]
    return [rows[name] for name in sorted(rows)]
