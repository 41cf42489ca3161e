"""Heredoc templates arrive from python-hcl2 as one raw token; split out their interpolations."""

from __future__ import annotations

import re
from typing import Any

from iacjit.parsers.terraform import ast

_HEAD = re.compile(r"^<<-?([A-Za-z][A-Za-z0-9._-]*)\r?\n")


def _body_text(raw: str, trim: bool) -> str:
    match = _HEAD.match(raw)
    if not match:
        return raw
    lines = raw[match.end():].splitlines(keepends=True)
    if lines and lines[-1].strip() == match.group(1):
        lines = lines[:-1]
    if trim:
        indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
        cut = min(indents, default=0)
        lines = [line[cut:] for line in lines]
    return "".join(lines)


def _interpolation_end(text: str, start: int) -> int:
    """Index of the ``}`` closing the interpolation opened before *start*, or -1."""
    depth, i, quote = 1, start, False
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def heredoc_template(raw: str, trim: bool) -> Any:
    from iacjit.parsers.terraform.hcl import parse_expression

    text = _body_text(raw, trim)
    if "%{" in text.replace("%%{", ""):
        return ast.Unsupported("template directives (%{ if }/%{ for })")
    parts: list[Any] = []
    pos = 0
    while True:
        start = text.find("${", pos)
        while start > 0 and text[start - 1] == "$":
            start = text.find("${", start + 2)
        if start < 0:
            parts.append(text[pos:].replace("$${", "${"))
            break
        end = _interpolation_end(text, start + 2)
        if end < 0:
            return ast.Unsupported("unterminated interpolation in heredoc")
        parts.append(text[pos:start].replace("$${", "${"))
        parts.append(parse_expression(text[start + 2 : end]))
        pos = end + 1
    if all(isinstance(p, str) for p in parts):
        return ast.Literal("".join(parts))
    return ast.Template(tuple(p for p in parts if p != ""))
