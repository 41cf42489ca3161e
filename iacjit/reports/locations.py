"""Where a reported file lives for a code host: repository-relative paths and source links.

The JSON report names files relative to the current directory. Code hosts (GitHub code
scanning, pull-request links) need them relative to the repository root, which differs when
iacjit runs in a sub-directory of the checkout. Both the SARIF and the Markdown report use
these helpers so a finding points at the same place everywhere.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import quote

# CI variables that name the checkout root, in the order the platforms are detected.
_WORKSPACE_VARS = ("GITHUB_WORKSPACE", "CI_PROJECT_DIR", "BUILD_SOURCESDIRECTORY")

LinkBuilder = Callable[[str, int | None], str | None]


def repository_root(cwd: Path, env: Mapping[str, str]) -> Path | None:
    """The checkout root: the CI workspace when cwd is inside it, else the nearest ``.git``."""
    cwd = cwd.resolve()
    for name in _WORKSPACE_VARS:
        value = env.get(name)
        if value:
            root = Path(value).resolve()
            if cwd == root or root in cwd.parents:
                return root
    for candidate in (cwd, *cwd.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def repo_relative(file: str, cwd: Path | None = None,
                  env: Mapping[str, str] | None = None) -> str:
    """*file* (as the JSON report spells it) relative to the repository root, POSIX style.

    Files outside the repository (or when no root is known) keep the report's spelling: a
    relative path stays relative to the current directory, an absolute one stays absolute.
    """
    cwd = (cwd or Path.cwd()).resolve()
    env = os.environ if env is None else env
    return relative_to_root(file, cwd, repository_root(cwd, env))


def relative_to_root(file: str, cwd: Path, root: Path | None) -> str:
    """:func:`repo_relative` with the resolved *cwd* and its repository *root* already known
    (one look-up per scan instead of one per file)."""
    path = Path(file)
    absolute = path if path.is_absolute() else cwd / path
    if root is not None:
        try:
            return Path(os.path.normpath(absolute)).relative_to(root).as_posix()
        except ValueError:
            pass
    return file if path.is_absolute() else path.as_posix()


def _quoted(path: str) -> str:
    return quote(path, safe="/")


def _github_head_sha(env: Mapping[str, str]) -> str | None:
    """The pull request's head commit: GITHUB_SHA of a PR build is a transient merge commit."""
    event_path = env.get("GITHUB_EVENT_PATH")
    if event_path:
        try:
            event = json.loads(Path(event_path).read_text(encoding="utf-8"))
            sha = event.get("pull_request", {}).get("head", {}).get("sha")
            if isinstance(sha, str) and sha:
                return sha
        except (OSError, ValueError, AttributeError):
            pass
    return env.get("GITHUB_SHA") or None


def link_builder(env: Mapping[str, str] | None = None,
                 cwd: Path | None = None) -> LinkBuilder | None:
    """A function (file, line) -> URL of that line on the code host, or None outside CI.

    Recognises GitHub Actions, GitLab CI and Azure Pipelines from their predefined
    variables. Links are optional decoration: without the variables, reports show plain
    ``file:line``.
    """
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    base: str | None = None
    style = ""
    if env.get("GITHUB_SERVER_URL") and env.get("GITHUB_REPOSITORY"):
        sha = _github_head_sha(env)
        if sha:
            base = (f"{env['GITHUB_SERVER_URL'].rstrip('/')}/{env['GITHUB_REPOSITORY']}"
                    f"/blob/{sha}/")
            style = "github"
    elif env.get("CI_PROJECT_URL") and env.get("CI_COMMIT_SHA"):
        base = f"{env['CI_PROJECT_URL'].rstrip('/')}/-/blob/{env['CI_COMMIT_SHA']}/"
        style = "gitlab"
    elif (env.get("SYSTEM_COLLECTIONURI") and env.get("SYSTEM_TEAMPROJECT")
          and env.get("BUILD_REPOSITORY_NAME")):
        sha = env.get("SYSTEM_PULLREQUEST_SOURCECOMMITID") or env.get("BUILD_SOURCEVERSION")
        if sha:
            base = (f"{env['SYSTEM_COLLECTIONURI'].rstrip('/')}/"
                    f"{quote(env['SYSTEM_TEAMPROJECT'], safe='')}/_git/"
                    f"{quote(env['BUILD_REPOSITORY_NAME'], safe='')}")
            style = f"azure:{sha}"
    if base is None:
        return None

    def build(file: str, line: int | None) -> str | None:
        path = repo_relative(file, cwd, env)
        if path.startswith(("/", "../")) or "://" in path:
            return None  # outside the repository: no page on the code host
        if style.startswith("azure:"):
            url = f"{base}?path=/{quote(path, safe='/')}&version=GC{style[6:]}"
            if line:
                url += f"&line={line}&lineEnd={line}&lineStartColumn=1&lineEndColumn=1"
            return url
        return f"{base}{_quoted(path)}" + (f"#L{line}" if line else "")

    return build
