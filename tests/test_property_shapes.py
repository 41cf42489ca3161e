"""Property-based: no value of any shape makes the analysis crash or drop the rest of the plan.

Every sample and smoke-corpus plan is parsed once; each example replaces one value of one
resource (a scalar, a list or an object, at any depth) with an Unknown or a value of the wrong
type, and analyses the plan again.  The providers must read it through their typed accessors:
a report and no internal error; and when the new value is unknown, every other resource the
plan reported on is still reported on (an unknown never makes something pass silently).
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iacjit.model.raw import ParseResult
from iacjit.model.values import ResourceRef, Unknown
from iacjit.parsers.common.options import ParseOptions
from iacjit.result import ScanResult
from iacjit.rules import ALL_RULES
from iacjit.rules.base import Settings
from iacjit.scan import _analyse, parse_inputs
from iacjit.suppressions import Policy

REPO = Path(__file__).resolve().parent.parent
ALL_PLANS = sorted(
    [p for p in (REPO / "samples").rglob("*") if p.is_dir() and p.name in {"vulnerable", "fixed"}]
    + [p for p in (REPO / "samples").rglob("plan.json")]
    + [p for p in (REPO / "tests" / "corpus" / "forms").iterdir() if p.is_dir()]
)

# Values that stand for something unknown: the plan's other verdicts may only become unresolved.
UNKNOWN_VALUES = [
    Unknown("replaced by the test"), [Unknown("element")], {"k": Unknown("member")},
    {"id": Unknown("id")}, ResourceRef("missing.resource"),
]
# Values of the wrong type or absent ones: they may change what is found, never crash.
WRONG_VALUES = [
    None, 0, -1, 65536, 1.5, True, "", "text",
    "/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/networkSecurityGroups/",
    [], {}, [None], ["a", 1, None], [[1]], {"properties": "x"},
]

PROPERTY = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def parsed(plan: Path) -> ParseResult:
    result, _ = parse_inputs([plan], ParseOptions())
    return result


def analyse(result: ParseResult) -> ScanResult:
    return _analyse(result, 1, Settings(), tuple(ALL_RULES), Policy())


PLANS = [plan for plan in ALL_PLANS if parsed(plan).resources]  # not the invalid ones


@functools.cache
def reported(plan: Path) -> frozenset[str]:
    """Addresses of the resources the unchanged plan reports on (findings, unresolved)."""
    scan = analyse(copy.deepcopy(parsed(plan)))
    return frozenset(o.resource.address for o in [*scan.findings, *scan.unresolved])


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every position below *value*: keys of objects and indexes of lists, at any depth."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replace(attributes: dict[str, Any], path: tuple, new: Any) -> None:
    for key in path[:-1]:
        attributes = attributes[key]
    attributes[path[-1]] = new


@st.composite
def mutations(draw: st.DrawFn) -> tuple[Path, ParseResult, int, tuple, Any]:
    plan = draw(st.sampled_from(PLANS))
    result = copy.deepcopy(parsed(plan))
    index = draw(st.integers(0, len(result.resources) - 1))
    candidates = paths(result.resources[index].attributes)
    path = draw(st.sampled_from(candidates)) if candidates else ()
    return plan, result, index, path, draw(st.sampled_from(UNKNOWN_VALUES + WRONG_VALUES))


def test_every_valid_plan_takes_part():
    assert len(ALL_PLANS) - len(PLANS) == 3  # the invalid JSON and HCL, the rain template


@PROPERTY
@given(mutations())
def test_any_value_of_any_shape_is_analysed(mutation):
    plan, result, index, path, new = mutation
    mutated = result.resources[index]
    if path:
        replace(mutated.attributes, path, copy.deepcopy(new))
    else:
        mutated.attributes = {"properties": copy.deepcopy(new)}
    scan = analyse(result)
    internal = [e.message for e in scan.errors if "internal error" in e.message]
    assert internal == [], (plan.name, mutated.address, path, new)
    if not any(new == value for value in UNKNOWN_VALUES):
        return
    still = {o.resource.address for o in [*scan.findings, *scan.unresolved]}
    lost = reported(plan) - still - {mutated.address}
    assert not lost, (plan.name, mutated.address, path, new, lost)
