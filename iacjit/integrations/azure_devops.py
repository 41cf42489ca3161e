"""Azure DevOps: one pull-request thread, found again by the marker in its first comment.

REST (api-version 6.0, which Azure DevOps Services and Server 2020+ accept):
``GET .../pullRequests/{id}/threads``, then ``PATCH .../threads/{t}/comments/{c}`` plus the
thread's status, or ``POST .../threads``. The thread is ``active`` while there is something to
fix and ``fixed`` once the scan is clean, so a "resolve all comments" branch policy follows it.
Only a thread whose first comment the token's identity wrote (``_apis/connectionData``) is
updated: anyone can paste the marker, and editing their thread would fail with 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from iacjit.integrations.base import CommentError, Outcome, explain, is_marked, require
from iacjit.integrations.http import HttpClient, HttpError, Response

NAME = "Azure DevOps"
API_VERSION = "6.0"
MAX_PAGES = 100
HINTS = {
    401: "SYSTEM_ACCESSTOKEN is missing or wrong; map it in the step with "
         "'env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)'",
    403: "the build service identity needs the 'Contribute to pull requests' permission on "
         "the repository",
    404: "check SYSTEM_COLLECTIONURI, SYSTEM_TEAMPROJECT, BUILD_REPOSITORY_ID and the "
         "pull-request id",
}


@dataclass(frozen=True)
class Target:
    collection_url: str
    project: str
    repository_id: str
    pull_request_id: int
    token: str

    def describe(self) -> str:
        return f"Azure DevOps pull request {self.pull_request_id} in {self.project}"


def target_from_env(env: Mapping[str, str], number: int | None = None) -> Target:
    collection, project, repo = require(
        env, ("SYSTEM_COLLECTIONURI", "SYSTEM_TEAMPROJECT", "BUILD_REPOSITORY_ID"), NAME)
    pr_text = str(number or env.get("SYSTEM_PULLREQUEST_PULLREQUESTID") or "")
    if not pr_text.isdigit():
        raise CommentError(
            "Azure DevOps: SYSTEM_PULLREQUEST_PULLREQUESTID is not set, so this build is not "
            "for a pull request; run it from a branch policy build validation or pass --pr.")
    (token,) = require(env, ("SYSTEM_ACCESSTOKEN",), NAME,
                       "map it in the step with 'env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)'")
    return Target(collection.rstrip("/"), project, repo, int(pr_text), token)


def client(target: Target) -> HttpClient:
    return HttpClient({"Authorization": f"Bearer {target.token}"},
                      base_url=target.collection_url)


def identity(http: HttpClient, target: Target) -> str | None:
    """The id of the token's identity (the build service for System.AccessToken)."""
    data = _json(http.request("GET", f"{target.collection_url}/_apis/connectionData"))
    user = data.get("authenticatedUser")
    user_id = user.get("id") if isinstance(user, dict) else None
    return user_id if isinstance(user_id, str) and user_id else None


def _threads_url(target: Target) -> str:
    return (f"{target.collection_url}/{quote(target.project, safe='')}/_apis/git/repositories/"
            f"{quote(target.repository_id, safe='')}/pullRequests/{target.pull_request_id}"
            "/threads")


def _json(response: Response, platform: str = NAME) -> dict:
    """Azure DevOps answers a rejected token with 203 and an HTML sign-in page, not 401."""
    if response.status == 203 or "json" not in response.headers.get("content-type", "json"):
        raise CommentError(
            f"{platform}: the server answered with a sign-in page instead of JSON, so the token "
            f"was not accepted — {HINTS[401]}.")
    data = response.json()
    return data if isinstance(data, dict) else {}


def marked_thread(http: HttpClient, target: Target,
                  author: str | None) -> tuple[dict, dict] | None:
    """(thread, first comment) of the live thread whose first comment has the marker and was
    written by *author* (None when the author is unknown)."""
    if author is None:
        return None
    token: str | None = None
    for _ in range(MAX_PAGES):
        query = {"api-version": API_VERSION}
        if token:
            query["continuationToken"] = token
        response = http.request("GET", f"{_threads_url(target)}?{urlencode(query)}")
        for thread in _json(response).get("value") or []:
            comments = thread.get("comments") or []
            if (not thread.get("isDeleted") and comments
                    and is_marked(comments[0].get("content"))
                    and not comments[0].get("isDeleted")
                    and (comments[0].get("author") or {}).get("id") == author):
                return thread, comments[0]
        token = response.headers.get("x-ms-continuationtoken")
        if not token:
            return None
    return None


def upsert(target: Target, body: str, active: bool = True,
           http: HttpClient | None = None) -> Outcome:
    """Update the marked thread's first comment and status, or start a new thread."""
    http = http or client(target)
    status = "active" if active else "fixed"
    version = urlencode({"api-version": API_VERSION})
    try:
        found = marked_thread(http, target, identity(http, target))
        if found:
            thread, comment = found
            base = f"{_threads_url(target)}/{thread['id']}"
            _json(http.request("PATCH", f"{base}/comments/{comment['id']}?{version}",
                               {"content": body}))
            if thread.get("status") != status:
                _json(http.request("PATCH", f"{base}?{version}", {"status": status}))
            return Outcome("updated", NAME, target.describe(), str(thread["id"]))
        created = _json(http.request("POST", f"{_threads_url(target)}?{version}", {
            "comments": [{"parentCommentId": 0, "content": body, "commentType": "text"}],
            "status": status,
        }))
    except HttpError as error:
        raise explain(error, NAME, HINTS) from None
    return Outcome("created", NAME, target.describe(), str(created.get("id", "")))
