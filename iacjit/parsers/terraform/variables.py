"""The value of one declared variable, as the module sees it after Terraform's checks.

Order, as Terraform applies it: the supplied value (or the default when none is supplied, or
when null is supplied to a ``nullable = false`` variable), then conversion to the declared
type, which fills omitted ``optional()`` attributes.  ``validation`` blocks are not evaluated:
they can only refuse a plan, never change a value, and refusing is the user's tool's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iacjit.model.values import Unknown
from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.terraform import ast
from iacjit.parsers.terraform.evaluator import Scope, evaluate_safely
from iacjit.parsers.terraform.types import (
    ANY,
    Mismatch,
    convert,
    parse_type,
)

MISSING = object()  # no value was supplied (None is a supplied null)


@dataclass(frozen=True)
class Problem:
    """Why Terraform would refuse the plan over this variable, and whose fault it is.

    ``at_caller``: the supplied value is wrong (reported where it was written: the module
    argument, the variable file); else the declaration itself is (reported at the variable).
    """

    message: str
    at_caller: bool


def declared_type(block: ast.Block, scope: Scope) -> tuple[Any, Problem | None]:
    """The variable's type constraint (``any`` when it has none or it is invalid)."""
    attribute = block.body.attributes.get("type")
    if attribute is None:
        return ANY, None
    try:
        return parse_type(attribute.expr, lambda node: evaluate_safely(node, scope)), None
    except ParseError as exc:
        return ANY, Problem(f"invalid type constraint: {exc.message}", at_caller=False)


def _nullable(block: ast.Block, scope: Scope) -> bool:
    attribute = block.body.attributes.get("nullable")
    if attribute is None:
        return True
    return evaluate_safely(attribute.expr, scope) not in (False, "false")


def variable_value(block: ast.Block, name: str, supplied: Any,
                   scope: Scope) -> tuple[Any, Problem | None]:
    """The value of variable *name*; *supplied* is ``MISSING`` when no value was given."""
    type_, problem = declared_type(block, scope)
    default = block.body.attributes.get("default")
    given = supplied is not MISSING
    value = supplied
    if given and supplied is None and not _nullable(block, scope):
        if default is None:
            return Unknown(f"variable {name!r} is null but nullable = false"), Problem(
                f"variable {name!r}: null is not allowed (nullable = false) and there is no "
                "default", at_caller=True)
        given = False
    if not given:
        if default is None:
            return Unknown(f"variable {name!r} has no default and no value was supplied"), \
                problem
        value = evaluate_safely(default.expr, scope)
    try:
        return convert(value, type_), problem
    except Mismatch as exc:
        whose = "value" if given else "default"
        reason = f"the {whose} of variable {name!r} does not match its type: {exc.describe()}"
        return Unknown(reason), Problem(reason, at_caller=given)

