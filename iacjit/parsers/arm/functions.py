"""ARM's function library, listed once: the tables of its families.

The implementations live by family (:mod:`~iacjit.parsers.arm.text_functions`,
:mod:`~iacjit.parsers.arm.collection_functions`, :mod:`~iacjit.parsers.arm.logic_functions`,
the deployment scope in :mod:`~iacjit.parsers.arm.resource_ids`).  Each receives evaluated
arguments and the evaluation context (for limits and budget); the ARM and the Bicep evaluators
check the arity against this table.
"""

from __future__ import annotations

from typing import Any

from iacjit.model.values import Unknown
from iacjit.parsers.arm.collection_functions import COLLECTION_FUNCTIONS
from iacjit.parsers.arm.logic_functions import LOGIC_FUNCTIONS
from iacjit.parsers.arm.resource_ids import SCOPE_FUNCTIONS
from iacjit.parsers.arm.text_functions import TEXT_FUNCTIONS
from iacjit.parsers.arm.values import Impl


def _constant(value: Any) -> Impl:
    return lambda args, ctx: value


def _unknown(reason: str) -> Impl:
    return lambda args, ctx: Unknown(reason)


# name -> (min args, max args or None, implementation, strict on top-level Unknown)
FUNCTIONS: dict[str, tuple[int, int | None, Impl, bool]] = {
    **TEXT_FUNCTIONS,
    **COLLECTION_FUNCTIONS,
    **LOGIC_FUNCTIONS,
    **SCOPE_FUNCTIONS,
    "true": (0, 0, _constant(True), True),
    "false": (0, 0, _constant(False), True),
    "null": (0, 0, _constant(None), True),
    "newguid": (0, 0, _unknown("newGuid() differs on every deployment"), True),
    "utcnow": (0, 1, _unknown("utcNow() is the deployment time"), True),
    "datetimeadd": (2, 3, _unknown("dateTimeAdd() is not evaluated statically"), True),
    "environment": (0, 0, _unknown("environment() describes the target cloud at deployment"),
                    True),
    "tenant": (0, 0, _unknown("tenant() is known only at deployment"), True),
    "managementgroup": (0, 1, _unknown("managementGroup() is known only at deployment"), True),
    "pickzones": (3, 5, _unknown("pickZones() depends on the region's zones"), True),
    "providers": (1, 2, _unknown("providers() queries Azure at deployment"), True),
}

# Names whose result (an array or object) must be size-checked: they can multiply shared data.
CONTAINER_BUILDERS = frozenset(
    {"concat", "union", "createarray", "createobject", "array", "json", "split", "items",
     "flatten", "range"}
)


def arity_problem(low: int, high: int | None, count: int) -> str | None:
    """Why *count* arguments do not fit a library entry taking *low*..*high* (None when they
    do): one wording for the ARM and the Bicep evaluators, which share this library."""
    if count >= low and (high is None or count <= high):
        return None
    expected = f"{low}" if low == high else f"{low}..{high if high is not None else 'n'}"
    return f"takes {expected} argument(s), got {count}"
