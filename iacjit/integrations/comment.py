"""``iacjit comment``: choose the platform, render the comment, create or update it.

Kept free of click so tests and other front ends can call :func:`post` directly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iacjit.integrations import azure_devops, github, gitlab
from iacjit.integrations.base import MARKER, CommentError, Outcome

SUMMARY_COUNTS = ("files_scanned", "resources", "findings", "unresolved", "suppressed",
                  "errors")  # what the comment shows; "chains" came later and is optional
_MODULES = {"github": github, "gitlab": gitlab, "azure": azure_devops}


def detect_platform(env: Mapping[str, str]) -> str:
    """The CI system this runs in, from the variable each one always sets."""
    if env.get("GITHUB_ACTIONS") == "true":
        return "github"
    if env.get("GITLAB_CI"):
        return "gitlab"
    if env.get("TF_BUILD"):
        return "azure"
    raise CommentError(
        "no CI platform detected (GITHUB_ACTIONS, GITLAB_CI or TF_BUILD is not set); "
        "pass --platform github|gitlab|azure.")


def load_report(path: Path) -> dict[str, Any]:
    """A JSON report written by ``iacjit scan --format json``; a clear error otherwise."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CommentError(f"cannot read {path}: {error.strerror or error}.") from None
    except (ValueError, UnicodeDecodeError):
        raise CommentError(f"{path} is not JSON; write it with "
                           "'iacjit scan --format json -o FILE'.") from None
    if not (isinstance(document, dict) and isinstance(document.get("findings"), list)
            and isinstance(document.get("summary"), dict)):
        raise CommentError(f"{path} is not an iacjit JSON report (no findings and summary).")
    for key in ("chains", "unresolved", "errors", "not_scanned", "warnings"):
        document.setdefault(key, [])
        if not isinstance(document[key], list) or not all(
                isinstance(item, dict) for item in document[key]):
            raise CommentError(f"{path} is not a complete iacjit JSON report: {key} is not a "
                               "list of objects.")
    summary = document["summary"]
    missing = [k for k in SUMMARY_COUNTS if isinstance(summary.get(k), bool)
               or not isinstance(summary.get(k), int)]
    if missing or not isinstance(summary.get("by_severity"), dict):
        what = ", ".join(missing + ([] if isinstance(summary.get("by_severity"), dict)
                                    else ["by_severity"]))
        raise CommentError(f"{path} is not a complete iacjit JSON report: its summary lacks "
                           f"{what}; write it with 'iacjit scan --format json -o FILE'.")
    _renders(document, path)
    return document


def _renders(document: dict[str, Any], path: Path) -> None:
    """Render the comment once: an item lacking what the comment shows is said here, in one
    sentence, rather than as a traceback when posting."""
    from jinja2 import TemplateError

    from iacjit.reports import markdown_report

    try:
        markdown_report.render(document, link=False)
    except (LookupError, TypeError, AttributeError, ValueError, TemplateError) as error:
        raise CommentError(f"{path} is not a complete iacjit JSON report ({error!r} while "
                           "rendering it); write it with 'iacjit scan --format json'.") from None


def needs_attention(document: Mapping[str, Any]) -> bool:
    """True while something is left to fix or check (keeps an Azure thread active)."""
    summary = document.get("summary") or {}
    return bool(summary.get("findings") or summary.get("unresolved") or summary.get("errors")
                or any(not c.get("suppressed") for c in document.get("chains") or []))


@dataclass(frozen=True)
class Plan:
    """What would be sent: the target (or why there is none) and the body."""

    platform: str | None
    target: Any
    problem: str | None
    body: str

    def describe(self) -> str:
        where = (self.target.describe() if self.target is not None
                 else f"no target: {self.problem}")
        return (f"iacjit comment (dry run): would create or update the comment marked "
                f"{MARKER} on {where}\n")


def plan(document: dict[str, Any], env: Mapping[str, str], platform: str = "auto",
         number: int | None = None, strict: bool = True) -> Plan:
    """Resolve the target from the CI variables; with ``strict=False`` (dry run) a missing
    variable is reported in the plan instead of raised."""
    from iacjit.reports import markdown_report
    from iacjit.reports.locations import link_builder

    try:  # Azure DevOps threads do not render Mermaid: the attack paths as text there
        guess = detect_platform(env) if platform == "auto" else platform
    except CommentError:
        guess = None
    body = markdown_report.render(document, link=link_builder(env), mermaid=guess != "azure")
    try:
        name = detect_platform(env) if platform == "auto" else platform
        target = _MODULES[name].target_from_env(env, number)
    except CommentError as error:
        if strict:
            raise
        return Plan(None if platform == "auto" else platform, None, str(error), body)
    return Plan(name, target, None, body)


def post(document: dict[str, Any], env: Mapping[str, str], platform: str = "auto",
         number: int | None = None) -> Outcome:
    """Create or update the marked comment; raises CommentError with one sentence."""
    chosen = plan(document, env, platform, number)
    module = _MODULES[chosen.platform or "github"]
    if module is azure_devops:
        return azure_devops.upsert(chosen.target, chosen.body, active=needs_attention(document))
    return module.upsert(chosen.target, chosen.body)
