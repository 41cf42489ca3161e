"""GitHub: one issue comment on the pull request, found again by its hidden marker.

REST: ``GET /repos/{repo}/issues/{n}/comments`` (paginated with ``Link``), then
``PATCH /repos/{repo}/issues/comments/{id}`` or ``POST /repos/{repo}/issues/{n}/comments``.
Pull-request conversation comments are issue comments in GitHub's API.

Only a comment the token's own identity wrote is updated: anyone can paste the marker, and the
pull request's author could otherwise have iacjit edit their comment (which they can then edit
back to "no findings").  The identity is ``GET /user``'s login; Actions' ``GITHUB_TOKEN`` may not
read it and writes as ``github-actions[bot]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from iacjit.integrations.base import CommentError, Outcome, explain, is_marked, require
from iacjit.integrations.http import HttpClient, HttpError, next_link

NAME = "GitHub"
MAX_PAGES = 100
ACTIONS_BOT = "github-actions[bot]"
HINTS = {
    401: "GITHUB_TOKEN is missing, expired or wrong",
    403: "the token lacks permission to write pull-request comments; give the job "
         "'permissions: pull-requests: write' (forks' pull requests get a read-only token)",
    404: "check GITHUB_REPOSITORY and the pull-request number, and that the token can see "
         "the repository",
}


@dataclass(frozen=True)
class Target:
    api_url: str
    repository: str  # owner/name
    number: int
    token: str
    actions: bool = False  # running in GitHub Actions: GITHUB_TOKEN writes as the Actions bot

    def describe(self) -> str:
        return f"GitHub pull request {self.repository}#{self.number}"


def pull_request_number(env: Mapping[str, str]) -> int | None:
    """The PR number from the event payload (pull_request, pull_request_target,
    issue_comment on a PR) or, failing that, from ``GITHUB_REF`` (``refs/pull/N/merge``)."""
    event_path = env.get("GITHUB_EVENT_PATH")
    if event_path:
        try:
            event = json.loads(Path(event_path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            event = {}
        if isinstance(event, dict):
            pr = event.get("pull_request")
            issue = event.get("issue")
            for candidate in (
                pr.get("number") if isinstance(pr, dict) else None,
                issue.get("number") if isinstance(issue, dict)
                and issue.get("pull_request") else None,
                event.get("number") if pr else None,
            ):
                if isinstance(candidate, int):
                    return candidate
    match = re.fullmatch(r"refs/pull/(\d+)/(?:merge|head)", env.get("GITHUB_REF", ""))
    return int(match.group(1)) if match else None


def target_from_env(env: Mapping[str, str], number: int | None = None) -> Target:
    repository, token = require(env, ("GITHUB_REPOSITORY", "GITHUB_TOKEN"), NAME,
                                "pass the token with 'env: GITHUB_TOKEN: "
                                "${{ secrets.GITHUB_TOKEN }}'")
    number = number or pull_request_number(env)
    if not number:
        raise CommentError(
            "GitHub: this run is not for a pull request (no number in GITHUB_EVENT_PATH or "
            "GITHUB_REF); run on 'pull_request' events or pass --pr.")
    api = (env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
    return Target(api, repository, number, token, env.get("GITHUB_ACTIONS") == "true")


def client(target: Target) -> HttpClient:
    return HttpClient({
        "Authorization": f"Bearer {target.token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
    }, base_url=target.api_url)


def identity(http: HttpClient, target: Target) -> str | None:
    """The login comments written with this token carry; None when it cannot be known."""
    try:
        login = (http.request("GET", f"{target.api_url}/user").json() or {}).get("login")
    except HttpError as error:
        if error.status in (401, 403):  # an installation token (Actions) cannot read /user
            return ACTIONS_BOT if target.actions else None
        raise
    return login if isinstance(login, str) and login else None


def _repo_path(target: Target) -> str:
    owner, _, name = target.repository.partition("/")
    return f"{target.api_url}/repos/{quote(owner, safe='')}/{quote(name, safe='')}"


def marked_comments(http: HttpClient, target: Target, author: str | None) -> list[dict]:
    """Every comment carrying the marker written by *author*, oldest first, across all pages
    (none when the author is unknown)."""
    url: str | None = (f"{_repo_path(target)}/issues/{target.number}/comments?per_page=100")
    found: list[dict] = []
    for _ in range(MAX_PAGES):
        if not url:
            break
        response = http.request("GET", url)
        page = response.json() or []
        found.extend(c for c in page if isinstance(c, dict) and is_marked(c.get("body"))
                     and author is not None and _login(c) == author)
        url = next_link(response.headers)
    return found


def _login(comment: dict) -> str | None:
    user = comment.get("user")
    return user.get("login") if isinstance(user, dict) else None


def upsert(target: Target, body: str, http: HttpClient | None = None) -> Outcome:
    """Update our own marked comment, or create one when there is none.

    A comment of ours that cannot be edited any more (403/404) is passed over for the next.
    """
    http = http or client(target)
    try:
        for comment in marked_comments(http, target, identity(http, target)):
            try:
                http.request("PATCH", f"{_repo_path(target)}/issues/comments/{comment['id']}",
                             {"body": body})
            except HttpError as error:
                if error.status in (403, 404):
                    continue
                raise
            return Outcome("updated", NAME, target.describe(), str(comment["id"]))
        created = http.request("POST", f"{_repo_path(target)}/issues/{target.number}/comments",
                               {"body": body}).json() or {}
    except HttpError as error:
        raise explain(error, NAME, HINTS) from None
    return Outcome("created", NAME, target.describe(), str(created.get("id", "")))
