"""``iacjit comment`` against a real HTTP server on 127.0.0.1 that plays GitHub, GitLab and
Azure DevOps and records every request. The installed console script is run end to end."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers.documents import full_document

MARKER = "<!-- iacjit-report -->"
PAGE_SIZE = 2
# Who the token is, as each platform names it: Actions' GITHUB_TOKEN cannot read GET /user
# and writes as the Actions bot; a GitLab user id; an Azure DevOps identity id.
IDENTITY = {"github": "github-actions[bot]", "gitlab": 77, "azure": "build-service-guid"}


@dataclass
class Recorded:
    method: str
    path: str  # raw, still percent-encoded
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: object


@dataclass
class FakeHost:
    """In-memory comments plus the requests seen; ``status`` forces every answer."""

    platform: str
    comments: list[dict] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    status: int | None = None
    foreign_ids: set[int] = field(default_factory=set)  # comments the token may not edit
    next_id: int = 100
    base: str = ""
    github_login: str | None = None  # a personal token: GET /user answers with this login
    next_origin: str | None = None  # where GitHub's Link rel="next" points (another origin)

    def identity(self) -> object:
        return self.github_login or IDENTITY[self.platform]

    def add(self, text: str, foreign: bool = False, author: object = None) -> int:
        self.next_id += 1
        self.comments.append({"id": self.next_id, "text": text, "status": "active",
                              "author": self.identity() if author is None else author})
        if foreign:
            self.foreign_ids.add(self.next_id)
        return self.next_id

    def marked(self) -> list[dict]:
        return [c for c in self.comments if MARKER in c["text"]]

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method != "GET"]


def _page(items: list, query: dict) -> tuple[list, int | None]:
    page = int(query.get("page", ["1"])[0])
    chunk = items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return chunk, (page + 1 if page * PAGE_SIZE < len(items) else None)


def _github(host: FakeHost, r: Recorded) -> tuple[int, dict, object]:
    listing = "/repos/o/r/issues/7/comments"
    if r.method == "GET" and r.path == "/user":
        if host.github_login:
            return 200, {}, {"login": host.github_login, "type": "User"}
        return 403, {}, {"message": "Resource not accessible by integration"}
    if r.method == "GET" and r.path == listing:
        chunk, following = _page(host.comments, r.query)
        headers = {}
        if following:
            base = host.next_origin or host.base
            headers["Link"] = (f'<{base}{listing}?per_page=100&page={following}>; '
                               f'rel="next", <{host.base}{listing}?page=9>; rel="last"')
        return 200, headers, [{"id": c["id"], "body": c["text"],
                               "user": {"login": c["author"]}} for c in chunk]
    if r.method == "POST" and r.path == listing:
        new = host.add(r.body["body"])
        return 201, {}, {"id": new, "body": r.body["body"]}
    if r.method == "PATCH" and r.path.startswith("/repos/o/r/issues/comments/"):
        return _edit(host, int(r.path.rsplit("/", 1)[1]), r.body["body"])
    return 404, {}, {"message": "Not Found"}


def _gitlab(host: FakeHost, r: Recorded) -> tuple[int, dict, object]:
    notes = "/api/v4/projects/42/merge_requests/5/notes"
    if r.method == "GET" and r.path == "/api/v4/user":
        return 200, {}, {"id": IDENTITY["gitlab"], "username": "iacjit-bot"}
    if r.method == "GET" and r.path == notes:
        chunk, following = _page(host.comments, r.query)
        headers = {"X-Next-Page": str(following or "")}
        if following and host.next_origin:
            headers["Link"] = (f'<{host.next_origin}/projects/42/merge_requests/5/notes'
                               f'?page={following}>; rel="next"')
        system = [{"id": 1, "body": f"{MARKER} mentioned in a commit", "system": True,
                   "author": {"id": IDENTITY["gitlab"]}}]
        return 200, headers, system + [{"id": c["id"], "body": c["text"], "system": False,
                                        "author": {"id": c["author"]}} for c in chunk]
    if r.method == "POST" and r.path == notes:
        new = host.add(r.body["body"])
        return 201, {}, {"id": new}
    if r.method == "PUT" and r.path.startswith(notes + "/"):
        return _edit(host, int(r.path.rsplit("/", 1)[1]), r.body["body"])
    return 404, {}, {"message": "404 Not Found"}


def _azure(host: FakeHost, r: Recorded) -> tuple[int, dict, object]:
    threads = "/org/My%20Project/_apis/git/repositories/repo-1/pullRequests/9/threads"
    if r.method == "GET" and r.path == "/org/_apis/connectionData":
        return 200, {}, {"authenticatedUser": {"id": IDENTITY["azure"]}}
    assert r.query.get("api-version") == ["6.0"]
    if r.method == "GET" and r.path == threads:
        token = r.query.get("continuationToken", ["1"])[0]
        chunk, following = _page(host.comments, {"page": [token]})
        headers = {"x-ms-continuationtoken": str(following)} if following else {}
        value = [{"id": c["id"], "status": c["status"], "isDeleted": False,
                  "comments": [{"id": 1, "content": c["text"],
                                "author": {"id": c["author"]}}]} for c in chunk]
        return 200, headers, {"value": value, "count": len(value)}
    if r.method == "POST" and r.path == threads:
        new = host.add(r.body["comments"][0]["content"])
        host.comments[-1]["status"] = r.body["status"]
        return 200, {}, {"id": new}
    if r.method == "PATCH" and r.path.startswith(threads + "/"):
        parts = r.path[len(threads) + 1:].split("/")
        if len(parts) == 3:  # {thread}/comments/{comment}
            return _edit(host, int(parts[0]), r.body["content"])
        for c in host.comments:
            if c["id"] == int(parts[0]):
                c["status"] = r.body["status"]
                return 200, {}, {"id": c["id"]}
    return 404, {}, {"message": "TF401180: The requested pull request was not found."}


def _edit(host: FakeHost, comment_id: int, text: str) -> tuple[int, dict, object]:
    if comment_id in host.foreign_ids:
        return 403, {}, {"message": "Resource not accessible by integration"}
    for c in host.comments:
        if c["id"] == comment_id:
            c["text"] = text
            return 200, {}, {"id": comment_id}
    return 404, {}, {"message": "Not Found"}


ROUTES = {"github": _github, "gitlab": _gitlab, "azure": _azure}


@pytest.fixture(params=["github", "gitlab", "azure"])
def host(request) -> Iterator[FakeHost]:
    """A fake code host on 127.0.0.1 for one platform; stopped after the test."""
    fake = FakeHost(request.param)

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            record = Recorded(self.command, parts.path, parse_qs(parts.query),
                              {k.lower(): v for k, v in self.headers.items()},
                              json.loads(raw) if raw else None)
            fake.requests.append(record)
            if fake.status == 302:
                status, headers, body = 302, {"Location": "http://127.0.0.2:9/steal"}, {}
            elif fake.status == 203:
                status, headers, body = 203, {"Content-Type": "text/html"}, "<html>sign in"
            elif fake.status:
                status, headers, body = fake.status, {}, {"message": "Bad credentials"}
            else:
                status, headers, body = ROUTES[fake.platform](fake, record)
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = _serve

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 5
    fake.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def ci_env(host: FakeHost, tmp_path: Path) -> dict[str, str]:
    """The variables each CI system sets (and the token), pointing at the fake host."""
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith(("GITHUB_", "GITLAB", "CI_", "SYSTEM_", "BUILD_",
                                        "TF_BUILD", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"))}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    if host.platform == "github":
        event = tmp_path / "event.json"
        event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": "abc"}}}))
        env.update(GITHUB_ACTIONS="true", GITHUB_API_URL=host.base, GITHUB_REPOSITORY="o/r",
                   GITHUB_EVENT_PATH=str(event), GITHUB_TOKEN="gh-secret",
                   GITHUB_REF="refs/pull/7/merge")
    elif host.platform == "gitlab":
        env.update(GITLAB_CI="true", CI_API_V4_URL=f"{host.base}/api/v4", CI_PROJECT_ID="42",
                   CI_MERGE_REQUEST_IID="5", GITLAB_TOKEN="gl-secret")
    else:
        env.update(TF_BUILD="True", SYSTEM_COLLECTIONURI=f"{host.base}/org/",
                   SYSTEM_TEAMPROJECT="My Project", BUILD_REPOSITORY_ID="repo-1",
                   SYSTEM_PULLREQUEST_PULLREQUESTID="9", SYSTEM_ACCESSTOKEN="ado-secret")
    return env


def run_comment(iacjit_bin: str, env: dict[str, str], tmp_path: Path, *args: str,
                document: dict | None = None) -> subprocess.CompletedProcess:
    report = tmp_path / "report.json"
    report.write_text(json.dumps(document or full_document()), encoding="utf-8")
    return subprocess.run([iacjit_bin, "comment", "--report", str(report), *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)


def test_creates_then_updates_without_duplicating(host, iacjit_bin, tmp_path):
    host.add("LGTM")
    host.add("please fix the NSG")
    host.add("third, on page two")
    env = ci_env(host, tmp_path)
    first = run_comment(iacjit_bin, env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "created the comment" in first.stderr
    assert len(host.marked()) == 1 and host.marked()[0]["text"].startswith(MARKER)
    assert [r.method for r in host.writes()] == ["POST"]
    # who the token is, then every page, before deciding to create
    assert len([r for r in host.requests if r.method == "GET"]) == 3

    host.requests.clear()
    second = run_comment(iacjit_bin, env, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "updated the comment" in second.stderr
    assert len(host.marked()) == 1 and len(host.comments) == 4
    assert "POST" not in [r.method for r in host.writes()]


def test_updates_the_marked_comment_found_on_page_two(host, iacjit_bin, tmp_path):
    host.add("first")
    host.add("second")
    marked = host.add(f"{MARKER}\nold report")
    env = ci_env(host, tmp_path)
    proc = run_comment(iacjit_bin, env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [c["id"] for c in host.marked()] == [marked]
    assert "old report" not in host.marked()[0]["text"]
    assert "CHAIN" in host.marked()[0]["text"]
    writes = host.writes()
    assert writes and writes[0].method in ("PATCH", "PUT") and str(marked) in writes[0].path
    auth = {"github": ("authorization", "Bearer gh-secret"),
            "gitlab": ("private-token", "gl-secret"),
            "azure": ("authorization", "Bearer ado-secret")}[host.platform]
    assert all(r.headers.get(auth[0]) == auth[1] for r in host.requests)


@pytest.mark.parametrize("status,words", [
    (401, "token"), (403, "permission"), (404, "check"),
])
def test_http_errors_are_one_clear_sentence(host, iacjit_bin, tmp_path, status, words):
    host.status = status
    proc = run_comment(iacjit_bin, ci_env(host, tmp_path), tmp_path)
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"HTTP {status}" in lines[0]
    assert words in lines[0].lower() or words in lines[0]
    assert "secret" not in proc.stderr  # the token is never printed


def test_missing_variables(host, iacjit_bin, tmp_path):
    env = ci_env(host, tmp_path)
    token_var = {"github": "GITHUB_TOKEN", "gitlab": "GITLAB_TOKEN",
                 "azure": "SYSTEM_ACCESSTOKEN"}[host.platform]
    del env[token_var]
    proc = run_comment(iacjit_bin, env, tmp_path)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr
    assert token_var in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert host.requests == []


def test_not_a_pull_request_build(host, iacjit_bin, tmp_path):
    env = ci_env(host, tmp_path)
    for name in ("GITHUB_EVENT_PATH", "GITHUB_REF", "CI_MERGE_REQUEST_IID",
                 "SYSTEM_PULLREQUEST_PULLREQUESTID"):
        env.pop(name, None)
    proc = run_comment(iacjit_bin, env, tmp_path)
    assert proc.returncode == 3 and "--pr" in proc.stderr and host.requests == []
    number = {"github": "7", "gitlab": "5", "azure": "9"}[host.platform]
    assert run_comment(iacjit_bin, env, tmp_path, "--pr", number).returncode == 0
    assert len(host.marked()) == 1


def test_dry_run_sends_nothing(host, iacjit_bin, tmp_path):
    proc = run_comment(iacjit_bin, ci_env(host, tmp_path), tmp_path, "--dry-run")
    assert proc.returncode == 0, proc.stderr
    head, _, body = proc.stdout.partition("---\n")
    assert "would create or update" in head and body.startswith(MARKER)
    assert {"github": "o/r#7", "gitlab": "!5", "azure": "pull request 9"}[host.platform] in head
    assert host.requests == []


def test_redirects_are_not_followed(host, iacjit_bin, tmp_path):
    host.status = 302
    proc = run_comment(iacjit_bin, ci_env(host, tmp_path), tmp_path)
    assert proc.returncode == 3 and "redirect" in proc.stderr and "Traceback" not in proc.stderr
    assert len(host.requests) == 1


def test_fail_on_after_posting(host, iacjit_bin, tmp_path):
    document = full_document()
    document["errors"] = []
    proc = run_comment(iacjit_bin, ci_env(host, tmp_path), tmp_path, "--fail-on", "high",
                       document=document)
    assert proc.returncode == 1 and len(host.marked()) == 1


@pytest.mark.parametrize("host", ["github"], indirect=True)
def test_github_passes_over_an_own_comment_it_cannot_edit(host, iacjit_bin, tmp_path):
    locked = host.add(f"{MARKER} an old report of ours, now locked", foreign=True)
    proc = run_comment(iacjit_bin, ci_env(host, tmp_path), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [r.method for r in host.writes()] == ["PATCH", "POST"]
    assert [c["id"] for c in host.marked()][0] == locked and len(host.marked()) == 2


def test_never_edits_a_marked_comment_someone_else_wrote(host, iacjit_bin, tmp_path):
    """The PR author pastes the marker: editing their comment would let them edit it back."""
    author = {"github": "pr-author", "gitlab": 12, "azure": "pr-author-guid"}[host.platform]
    spoof = host.add(f"{MARKER}\n### ✅ iacjit: no findings", author=author)
    proc = run_comment(iacjit_bin, ci_env(host, tmp_path), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [r.method for r in host.writes()] == ["POST"]
    assert host.comments[0]["id"] == spoof and "no findings" in host.comments[0]["text"]
    again = run_comment(iacjit_bin, ci_env(host, tmp_path), tmp_path)
    assert again.returncode == 0 and "updated the comment" in again.stderr
    assert len(host.marked()) == 2


@pytest.mark.parametrize("host", ["github"], indirect=True)
def test_github_personal_token_is_known_by_its_login(host, iacjit_bin, tmp_path):
    host.github_login = "ci-user"
    mine = host.add(f"{MARKER} old", author="ci-user")
    host.add(f"{MARKER} spoof", author="github-actions[bot]")
    proc = run_comment(iacjit_bin, ci_env(host, tmp_path), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [(r.method, r.path.rsplit("/", 1)[1]) for r in host.writes()] == \
        [("PATCH", str(mine))]


@pytest.mark.parametrize("host", ["github", "gitlab"], indirect=True)
def test_pagination_never_leaves_the_api_origin(host, iacjit_bin, tmp_path):
    """A Link rel="next" to another origin is not followed: the token would go there."""
    stolen: list[dict] = []

    class Thief(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            stolen.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"[]")

        def log_message(self, *args) -> None:
            pass

    thief = ThreadingHTTPServer(("127.0.0.1", 0), Thief)
    threading.Thread(target=thief.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    try:
        host.next_origin = f"http://127.0.0.1:{thief.server_port}"
        if host.platform == "gitlab":
            host.next_origin += "/api/v4"
        for i in range(3):
            host.add(f"comment {i}")
        proc = run_comment(iacjit_bin, ci_env(host, tmp_path), tmp_path)
    finally:
        thief.shutdown()
        thief.server_close()
    assert stolen == []
    assert proc.returncode == 3 and "outside its own origin" in proc.stderr
    assert "Traceback" not in proc.stderr and host.writes() == []


@pytest.mark.parametrize("host", ["azure"], indirect=True)
def test_azure_thread_status_follows_the_result(host, iacjit_bin, tmp_path):
    env = ci_env(host, tmp_path)
    assert run_comment(iacjit_bin, env, tmp_path).returncode == 0
    assert host.marked()[0]["status"] == "active"
    clean = full_document()
    clean.update(findings=[], chains=[], unresolved=[], errors=[])
    clean["summary"].update(findings=0, unresolved=0, errors=0)
    assert run_comment(iacjit_bin, env, tmp_path, document=clean).returncode == 0
    assert len(host.marked()) == 1 and host.marked()[0]["status"] == "fixed"
    assert "no findings" in host.marked()[0]["text"]


@pytest.mark.parametrize("host", ["azure"], indirect=True)
def test_azure_sign_in_page_is_a_token_error(host, iacjit_bin, tmp_path):
    host.status = 203
    proc = run_comment(iacjit_bin, ci_env(host, tmp_path), tmp_path)
    assert proc.returncode == 3 and "sign-in page" in proc.stderr
    assert "SYSTEM_ACCESSTOKEN" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_report_and_usage(iacjit_bin, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    proc = subprocess.run([iacjit_bin, "comment", "--report", str(bad), "--dry-run"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2 and "not an iacjit JSON report" in proc.stderr
    proc = subprocess.run([iacjit_bin, "comment", "x", "--report", str(bad)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2 and "not both" in proc.stderr


def test_scans_paths_when_no_report_is_given(iacjit_bin, tmp_path):
    from helpers import OPEN_NSG, write_tree

    write_tree(tmp_path, {"infra/main.tf": OPEN_NSG})
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "GITLAB", "CI_", "TF_BUILD", "SYSTEM_"))}
    proc = subprocess.run([iacjit_bin, "comment", "infra", "--dry-run"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "no target: no CI platform detected" in proc.stdout
    assert "infra/main.tf:4" in proc.stdout
