"""A minimal JSON-over-HTTPS client on urllib, with the guarantees a CI token needs.

* Redirects are never followed: urllib would replay the ``Authorization`` header to whatever
  host a redirect names. A 3xx is reported as an error instead.
* A client is bound to the API's origin (scheme, host, port): a URL elsewhere — a pagination
  ``Link`` a hostile or misconfigured server names — is never sent the token.
* Every request has a timeout, so a hung API cannot hang the pipeline.
* Errors carry the status and the server's own message; callers turn them into one sentence.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

USER_AGENT = "iacjit-comment"
TIMEOUT_SECONDS = 30.0
OFF_ORIGIN = "not sent: outside the API's origin"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


class HttpError(Exception):
    """A request that did not succeed: status 0 means the server was not reached."""

    def __init__(self, status: int, method: str, url: str, detail: str = "") -> None:
        super().__init__(f"{method} {url}: HTTP {status} {detail}".strip())
        self.status = status
        self.method = method
        self.url = url
        self.detail = detail


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def json(self) -> Any:
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, _newurl):  # noqa: D102
        return None  # urllib then raises HTTPError with the 3xx status


def _detail(body: bytes) -> str:
    """The server's error message, short: GitHub ``message``, GitLab ``message``/``error``,
    Azure DevOps ``message``."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(data, dict):
        for key in ("message", "error_description", "error"):
            value = data.get(key)
            if isinstance(value, str | dict | list) and value:
                text = value if isinstance(value, str) else json.dumps(value)
                return " ".join(text.split())[:200]
    return ""


class HttpClient:
    """Sends JSON requests with fixed headers (the token) and returns parsed responses."""

    def __init__(self, headers: dict[str, str], timeout: float = TIMEOUT_SECONDS,
                 base_url: str | None = None) -> None:
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **headers}
        self.timeout = timeout
        self.origin = origin(base_url) if base_url else None
        self._opener = urllib.request.build_opener(_NoRedirect())

    def request(self, method: str, url: str, payload: Any = None) -> Response:
        if self.origin is not None and origin(url) != self.origin:
            raise HttpError(0, method, url, OFF_ORIGIN)
        data = None
        headers = dict(self.headers)
        if payload is not None:
            data = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self._opener.open(req, timeout=self.timeout) as raw:
                response = Response(raw.status, {k.lower(): v for k, v in raw.headers.items()},
                                    raw.read())
        except urllib.error.HTTPError as error:
            body = error.read() if error.fp else b""
            raise HttpError(error.code, method, url, _detail(body)) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise HttpError(0, method, url, str(reason)) from None
        return response


_LINK = re.compile(r'<([^>]*)>\s*;\s*([^,]*)')


def next_link(headers: dict[str, str]) -> str | None:
    """The ``rel="next"`` URL of an RFC 8288 ``Link`` header (GitHub, GitLab pagination)."""
    for url, params in _LINK.findall(headers.get("link", "")):
        if re.search(r'rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?', params):
            return url
    return None
