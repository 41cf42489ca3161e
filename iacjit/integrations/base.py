"""What every platform shares: the target, the outcome, and errors worth one sentence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from iacjit.integrations.http import OFF_ORIGIN, HttpError

MARKER = "<!-- iacjit-report -->"


class CommentError(Exception):
    """A problem the user can fix (a missing variable, a rejected token), said in one
    sentence: the CLI prints it without a traceback."""


@dataclass(frozen=True)
class Outcome:
    action: str  # "created" or "updated"
    platform: str
    where: str  # human description of the pull request
    comment_id: str


def is_marked(body: object) -> bool:
    return isinstance(body, str) and MARKER in body


def require(env: Mapping[str, str], names: tuple[str, ...], platform: str,
            hint: str = "") -> list[str]:
    """The values of *names*, or a CommentError naming every missing variable."""
    values = [str(env.get(name) or "") for name in names]
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise CommentError(
            f"{platform}: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set"
            + (f" ({hint})" if hint else "") + "."
        )
    return values


def explain(error: HttpError, platform: str, hints: dict[int, str]) -> CommentError:
    """One sentence for an HTTP failure, with what to check for 401/403/404."""
    if error.status == 0 and error.detail == OFF_ORIGIN:
        return CommentError(f"{platform}: the API pointed to {error.url}, outside its own "
                            "origin; the request was not sent (the token goes to the API only).")
    if error.status == 0:
        return CommentError(f"{platform}: could not reach {error.url} ({error.detail}).")
    hint = hints.get(error.status)
    if 300 <= error.status < 400:
        hint = "the API URL redirects; set it to the final address (redirects are not followed)"
    detail = f": {error.detail}" if error.detail else ""
    text = f"{platform} answered HTTP {error.status} to {error.method} {error.url}{detail}"
    return CommentError(f"{text} — {hint}." if hint else f"{text}.")
