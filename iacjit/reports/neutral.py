"""Scanned text made inert for every rich report (Markdown comment, HTML, diagrams): no
control bytes, invisible or bidi characters, autolinks; one scanned string cut at
:data:`MAX_STRING` characters."""

from __future__ import annotations

import re
from typing import Any

MAX_STRING = 500  # one scanned string never eats the comment

_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"[\t\n\r\u2028\u2029\x85]+")
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]{0,31}):(?=/)")
_WWW = re.compile(r"(?i)\bwww\.")
ZWSP = "\u200b"


def neutral(value: Any, multiline: bool = False) -> str:
    """Plain text with no control bytes, invisible characters or autolinks."""
    text = "" if value is None else str(value)
    if len(text) > MAX_STRING:
        text = text[:MAX_STRING] + "…"
    text = _INVISIBLE.sub("", text)
    if not multiline:
        text = _WHITESPACE.sub(" ", text)
    text = _CONTROL.sub("?", text)
    text = _SCHEME.sub(lambda m: f"{m.group(1)}:{ZWSP}", text)
    return _WWW.sub(lambda m: m.group(0)[:3] + ZWSP + ".", text)
