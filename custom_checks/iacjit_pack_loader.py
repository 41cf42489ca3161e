"""Load the ``iacjit`` package by path inside Checkov's process, and the names the pack uses.

Checkov's environment must never see iacjit's dependencies: python-hcl2 would shadow Checkov's
bc-python-hcl2 (domain.md §5).  So no directory is put on ``sys.path``: the ``iacjit`` package
alone is imported from its directory (beside this folder in a checkout, or the package that
contains it in a wheel), and only its parts that need nothing but the standard library and
PyYAML (both in Checkov's environment): the model, providers, rules and the ARM, Bicep and
CloudFormation readers.  The registry of formats is not imported: it names Terraform, whose
parser needs lark.

The file name is unique on purpose: Checkov executes every ``.py`` here under its bare name.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

GUIDELINE = "https://github.com/iacjit/iacjit/blob/main/docs/rules/{rule_id}.md"


def _package_dir() -> Path:
    """Where the ``iacjit`` package is: beside ``custom_checks/`` in a source checkout, or the
    package that contains this folder (``iacjit/checkov_pack``) in an installed wheel."""
    override = os.environ.get("IACJIT_PACKAGE_DIR")
    here = Path(__file__).resolve().parent
    candidates = [Path(override)] if override else []
    candidates += [here.parent / "iacjit", here.parent]
    for candidate in candidates:
        if candidate.name == "iacjit" and (candidate / "__init__.py").is_file() \
                and (candidate / "rules").is_dir():
            return candidate
    raise ImportError(
        f"iacjit checkov pack: cannot find the iacjit package near {here}; "
        "set IACJIT_PACKAGE_DIR to the directory of iacjit/__init__.py"
    )


def load_iacjit() -> None:
    """Import the ``iacjit`` package from its directory (only it, none of its dependencies)."""
    if "iacjit" in sys.modules:
        return
    package = _package_dir()
    spec = importlib.util.spec_from_file_location(
        "iacjit", package / "__init__.py", submodule_search_locations=[str(package)]
    )
    if spec is None or spec.loader is None:  # pragma: no cover - defensive
        raise ImportError(f"cannot load iacjit from {package}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["iacjit"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["iacjit"]
        raise


class _Api:
    """iacjit's names, imported on first use (after :func:`load_iacjit`)."""

    def __init__(self) -> None:
        load_iacjit()
        from iacjit.model.raw import RawResource, Span
        from iacjit.model.values import ResourceRef, Unknown
        from iacjit.providers import build_model
        from iacjit.rules import rule_by_id
        from iacjit.rules.base import Finding, Settings, Unresolved

        self.RawResource, self.Span = RawResource, Span
        self.ResourceRef, self.Unknown = ResourceRef, Unknown
        self.build_model, self.rule_by_id = build_model, rule_by_id
        self.Finding, self.Settings, self.Unresolved = Finding, Settings, Unresolved

    def rule(self, rule_id: str) -> Any:
        rule = self.rule_by_id(rule_id)
        if rule is None:
            raise LookupError(f"iacjit has no rule {rule_id!r}")
        return rule


_API: _Api | None = None


def api() -> _Api:
    global _API
    if _API is None:
        _API = _Api()
    return _API


def rule_metadata(rule_id: str) -> tuple[str, str]:
    """(title, severity) of an iacjit rule, for the check's name and Checkov severity."""
    rule = api().rule(rule_id)
    return rule.title, rule.severity
