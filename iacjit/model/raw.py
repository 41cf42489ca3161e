"""Located raw resources: what every parser produces, whatever the input format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    """1-based inclusive line range of a declaration in its file."""

    line: int
    end_line: int


@dataclass(frozen=True)
class CallSite:
    """One ``module`` block on the way from a root to a resource declared in a module.

    A finding inside a module is about code the user may not own (a downloaded module): the
    call sites are where they passed the values that made it, and where they can change it.
    """

    module: str  # the call's name with its instance key: ``module.nsg``, ``module.vm["a"]``
    file: str
    line: int
    end_line: int


@dataclass
class RawResource:
    """One resource as declared, with its attributes evaluated as far as they can be.

    ``type`` keeps the vocabulary of the input (``azurerm_network_security_group``,
    ``Microsoft.Network/networkSecurityGroups``, ``AWS::EC2::SecurityGroup``); providers map it
    onto the semantic model.  ``spans`` locates nested declarations by their attribute path,
    e.g. ``("security_rule", 0)`` or ``("Properties", "SecurityGroupIngress", 1)``.
    """

    type: str
    address: str
    file: str
    span: Span
    attributes: dict[str, Any]
    source_format: str
    root: str = ""
    spans: dict[tuple[Any, ...], Span] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    via: tuple[CallSite, ...] = ()  # the module calls from the root down, outermost first
    # The subscription/account id the input places the resource in (a Terraform provider's
    # subscription_id or assume-role ARN, an ARM nested deployment's subscriptionId), an Unknown
    # when that value is not known, None for "the current one of its unit" (``root``).
    account: Any = None

    def span_of(self, path: tuple[Any, ...]) -> Span:
        """The span of a nested declaration, falling back to the closest enclosing one."""
        while path:
            if path in self.spans:
                return self.spans[path]
            path = path[:-1]
        return self.span


@dataclass(frozen=True)
class InputError:
    """An input that could not be read or parsed; the rest of the scan goes on."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class NotScanned:
    """Something referenced by the input that iacjit deliberately does not fetch or read."""

    file: str
    line: int | None
    what: str
    reason: str


@dataclass
class ParseResult:
    """What one parser produced for one file or root."""

    resources: list[RawResource] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    not_scanned: list[NotScanned] = field(default_factory=list)

    def extend(self, other: ParseResult) -> None:
        self.resources.extend(other.resources)
        self.errors.extend(other.errors)
        self.not_scanned.extend(other.not_scanned)
