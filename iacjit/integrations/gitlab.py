"""GitLab: one merge-request note, found again by its hidden marker.

REST v4: ``GET /projects/:id/merge_requests/:iid/notes`` (paginated: ``Link`` or
``X-Next-Page``), then ``PUT .../notes/:note_id`` or ``POST .../notes``.  Only a note whose
author is the token's user (``GET /user``) is updated: anyone can paste the marker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from iacjit.integrations.base import CommentError, Outcome, explain, is_marked, require
from iacjit.integrations.http import HttpClient, HttpError, next_link

NAME = "GitLab"
MAX_PAGES = 100
HINTS = {
    401: "GITLAB_TOKEN (or CI_JOB_TOKEN) is missing, expired or wrong",
    403: "the token lacks permission to write merge-request notes; put a project access token "
         "with the 'api' scope and at least the Reporter role in GITLAB_TOKEN (CI_JOB_TOKEN "
         "cannot post notes)",
    404: "check CI_PROJECT_ID and CI_MERGE_REQUEST_IID, and that the token can see the project",
}


@dataclass(frozen=True)
class Target:
    api_url: str  # CI_API_V4_URL, e.g. https://gitlab.example.com/api/v4
    project: str
    iid: int
    token: str
    token_header: str  # PRIVATE-TOKEN or JOB-TOKEN

    def describe(self) -> str:
        return f"GitLab merge request !{self.iid} of project {self.project}"


def target_from_env(env: Mapping[str, str], number: int | None = None) -> Target:
    api, project = require(env, ("CI_API_V4_URL", "CI_PROJECT_ID"), NAME)
    iid_text = str(number or env.get("CI_MERGE_REQUEST_IID") or "")
    if not iid_text.isdigit():
        raise CommentError(
            "GitLab: CI_MERGE_REQUEST_IID is not set, so this is not a merge-request pipeline; "
            "add 'rules: - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"' or pass --pr.")
    if env.get("GITLAB_TOKEN"):
        token, header = env["GITLAB_TOKEN"], "PRIVATE-TOKEN"
    elif env.get("CI_JOB_TOKEN"):
        token, header = env["CI_JOB_TOKEN"], "JOB-TOKEN"
    else:
        raise CommentError(
            "GitLab: GITLAB_TOKEN is not set; store a project access token with the 'api' "
            "scope as a masked CI/CD variable named GITLAB_TOKEN.")
    return Target(api.rstrip("/"), project, int(iid_text), token, header)


def client(target: Target) -> HttpClient:
    return HttpClient({target.token_header: target.token}, base_url=target.api_url)


def identity(http: HttpClient, target: Target) -> int | None:
    """The id of the token's user; None when the token may not say (a job token)."""
    try:
        user_id = (http.request("GET", f"{target.api_url}/user").json() or {}).get("id")
    except HttpError as error:
        if error.status in (401, 403):
            return None
        raise
    return user_id if isinstance(user_id, int) else None


def _notes_url(target: Target) -> str:
    return (f"{target.api_url}/projects/{quote(target.project, safe='')}"
            f"/merge_requests/{target.iid}/notes")


def _with_page(url: str, page: str) -> str:
    parts = urlsplit(url)
    query = [q for q in parts.query.split("&") if q and not q.startswith("page=")]
    query.append(urlencode({"page": page}))
    return urlunsplit(parts._replace(query="&".join(query)))


def marked_notes(http: HttpClient, target: Target, author: int | None) -> list[dict]:
    """Notes of *author* carrying the marker, oldest first, across all pages (system notes
    such as "added 1 commit" are skipped; none when the author is unknown)."""
    url: str | None = f"{_notes_url(target)}?per_page=100&sort=asc&order_by=created_at"
    found: list[dict] = []
    for _ in range(MAX_PAGES):
        if not url:
            break
        response = http.request("GET", url)
        page = response.json() or []
        found.extend(n for n in page if isinstance(n, dict) and not n.get("system")
                     and is_marked(n.get("body")) and author is not None
                     and isinstance(n.get("author"), dict) and n["author"].get("id") == author)
        following = next_link(response.headers)
        if not following and response.headers.get("x-next-page", "").strip():
            following = _with_page(url, response.headers["x-next-page"].strip())
        url = following
    return found


def upsert(target: Target, body: str, http: HttpClient | None = None) -> Outcome:
    """Update the marked note, or create one; notes the token cannot edit are skipped."""
    http = http or client(target)
    try:
        for note in marked_notes(http, target, identity(http, target)):
            try:
                http.request("PUT", f"{_notes_url(target)}/{note['id']}", {"body": body})
            except HttpError as error:
                if error.status in (403, 404):
                    continue
                raise
            return Outcome("updated", NAME, target.describe(), str(note["id"]))
        created = http.request("POST", _notes_url(target), {"body": body}).json() or {}
    except HttpError as error:
        raise explain(error, NAME, HINTS) from None
    return Outcome("created", NAME, target.describe(), str(created.get("id", "")))
