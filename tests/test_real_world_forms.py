"""The smoke corpus: each form that real templates use and the real tools accept.

Every directory of ``tests/corpus/forms`` is a small template written for the project around
one form (a trailing slash in a ``resourceId`` type, a heredoc marker followed by spaces, a
``!ValueOf`` rule...).  Each is scanned as its own plan; the table says what the scan must
report: which errors (none, when the real tool accepts the input), findings and unresolved.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iacjit.scan import run_scan

FORMS = Path(__file__).resolve().parent / "corpus" / "forms"

# case: (error text expected, or None for "no error"; findings; unresolved; rules absent)
CASES: dict[str, tuple[str | None, set[str], set[str], set[str]]] = {
    # ARM accepts a type with a trailing slash in resourceId(): the NIC finds its NSG and
    # the VM behind it is judged (zt_vis_010), not left without NSG.
    "arm_trailing_slash": (None, {"zt_net_001", "zt_vis_010"}, set(), set()),
    # comments, trailing commas and a raw line break inside a string
    "arm_lenient_json": (None, {"zt_net_001"}, set(), set()),
    # variables(concat(..., parameters('p'))) with p unknown: unresolved, not an error
    "arm_computed_variable": (None, set(), {"zt_net_001"}, set()),
    # "value": null in the parameters file: the default ("*") applies; without a default the
    # value comes at deployment (unknown), never an error
    "arm_null_parameter": (None, {"zt_net_001"}, {"zt_net_001"}, set()),
    # "value": null passed to an inner-scope nested deployment (a Bicep module call)
    "arm_nested_null": (None, {"zt_net_001"}, set(), set()),
    # what Bicep compiles to: a map() lambda with an index, createObject() with an unknown key
    "arm_bicep_compiled": (None, {"zt_net_001"}, set(), set()),
    # imageReference and the NIC list are unknown objects: a report, the VM still listed
    "arm_unknown_image": (None, set(), set(), set()),
    # the alert's condition.allOf is unknown: whether it watches NSG writes is unresolved
    "arm_unknown_alert": (None, set(), {"zt_vis_008"}, {"zt_vis_008"}),
    # a property written twice: the last wins, but sibling property copy loops all run
    "arm_duplicate_copy": (None, {"zt_net_001"}, set(), set()),
    # invalid JSON (a missing comma) is still an error, located
    "arm_invalid_json": ("invalid JSON", set(), set(), set()),
    # HCL trims the line of a heredoc's closing marker
    "tf_heredoc_spaces": (None, {"zt_net_001"}, set(), set()),
    # Terraform accepts an empty .tf file; the other file is scanned as usual
    "tf_empty_file": (None, {"zt_net_001"}, set(), set()),
    # the JIT policy names its VM through "${...}", format() or an interpolated id: all cover it
    "tf_interpolation_ref": (None, set(), set(), {"zt_vis_010"}),
    "tf_format_id": (None, set(), set(), {"zt_vis_010"}),
    "tf_interpolated_id": (None, set(), set(), {"zt_vis_010"}),
    # every documented short-form tag, including the Rules functions (!ValueOf, !Contains...)
    "cfn_rules_tags": (None, {"zt_net_001"}, set(), set()),
    # a template of the rain CLI (!Rain::Module): one located error, as CloudFormation rejects it
    "cfn_rain_source": ("rain source template", set(), set(), set()),
    # invalid input still gets a located error
    "tf_unterminated_heredoc": ("invalid HCL", set(), set(), set()),
}


def test_every_corpus_directory_has_a_row():
    assert {p.name for p in FORMS.iterdir() if p.is_dir()} == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_form(case, monkeypatch):
    monkeypatch.chdir(FORMS)
    error, findings, unresolved, absent = CASES[case]
    result = run_scan([Path(case)])
    messages = [e.message for e in result.errors]
    assert not [m for m in messages if "internal error" in m]
    if error is None:
        assert messages == []
    else:
        assert len(messages) == 1 and error in messages[0]
        assert result.errors[0].line is not None
    found = {f.rule_id for f in result.findings}
    assert findings <= found
    assert unresolved <= {u.rule_id for u in result.unresolved}
    assert not absent & found


def test_unknown_vm_shape_keeps_the_vm():
    """An unknown imageReference makes the OS unknown, never a crash or a dropped VM."""
    result = run_scan([FORMS / "arm_unknown_image"])
    (row,) = result.jit_status
    assert row["vm"] == "app-vm" and row["os"] == "unknown"


@pytest.mark.parametrize("case", ["tf_interpolation_ref", "tf_format_id", "tf_interpolated_id"])
def test_jit_policy_reference_forms_cover_the_vm(case):
    result = run_scan([FORMS / case])
    (row,) = result.jit_status
    assert row["category"] == "healthy", row
