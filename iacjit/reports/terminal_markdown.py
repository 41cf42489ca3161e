"""Markdown for a terminal: what ``iacjit explain`` prints unless ``--format markdown``.

The rule and chain pages (docs/rules/*.md, docs/chains/*.md) are Markdown so that GitHub renders
them; on a terminal the fences, ``#`` marks, pipes and link targets are noise.  This renders the
subset those pages use — headings, paragraphs, ``-`` and ``1.`` lists with continuation lines,
fenced code, pipe tables, ``**bold**``, ``*emphasis*``, code spans and links — as wrapped plain
text: headings underlined, code blocks indented four spaces without fences, ordered lists
renumbered, a table row as a small block of ``header: value`` lines, a link as its text with the
target in parentheses (a relative ``.md`` target as its path in the repository), a code span in
colour or, without colour, between its backticks (they delimit literal values such as
``source: aws.ec2`` inside a sentence).  Colour (bold headings and bold text, coloured code
spans, dim code blocks) only adds emphasis: piped output reads the same.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

BOLD, DIM, CYAN, RESET = "\x1b[1m", "\x1b[2m", "\x1b[36m", "\x1b[0m"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*(.+?)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?!\s)([^*]+?)\*(?![\w*])")
_ITEM = re.compile(r"^(\s*)(?:([-*])|(\d+)\.)\s+(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


class _Style:
    """ANSI emphasis, or none: the text and layout do not depend on it."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if self.color and text else text


def _target(url: str, base: str) -> str:
    """Where a link points, for a reader: a URL as is, a relative page as its repository path."""
    if re.match(r"^[a-z]+:", url) or url.startswith("#"):
        return url
    return posixpath.normpath(posixpath.join(base, url))


def _inline(text: str, style: _Style, base: str) -> str:
    codes: list[str] = []

    def keep_code(match: re.Match[str]) -> str:  # code spans are literal: no links, no bold
        code = match.group(1)  # delimited by colour, or else by its backticks
        codes.append(style(code, CYAN) if style.color else f"`{code}`")
        return f"\0{len(codes) - 1}\0"

    def link(match: re.Match[str]) -> str:
        label, target = match.group(1), _target(match.group(2), base)
        plain_label = re.sub(r"\0\d+\0", "", label)
        return label if plain_label == target else f"{label} ({target})"

    text = _CODE.sub(keep_code, text)
    text = _LINK.sub(link, text)
    text = _STRONG.sub(lambda m: style(m.group(1), BOLD), text)
    text = _EMPHASIS.sub(lambda m: m.group(1), text)
    return re.sub(r"\0(\d+)\0", lambda m: codes[int(m.group(1))], text)


def visible_width(text: str) -> int:
    return len(_ANSI.sub("", text))


def wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    """Greedy word wrap that measures what is visible (colour codes have no width)."""
    lines: list[str] = []
    line, used = first, visible_width(first)
    empty = True
    for word in text.split():
        size = visible_width(word)
        if not empty and used + 1 + size > width:
            lines.append(line)
            line, used, empty = rest, visible_width(rest), True
        line, used = (line + word, used + size) if empty else (f"{line} {word}",
                                                                 used + 1 + size)
        empty = False
    lines.append(line)
    return lines


def _cells(row: str) -> list[str]:
    body = row.strip().removeprefix("|").removesuffix("|")
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", body)]


def _blocks(markdown: str) -> Iterator[tuple[str, list[str]]]:
    """(kind, lines) for each block: heading, code, table, item, paragraph, blank."""
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            end = next((j for j in range(i + 1, len(lines))
                        if lines[j].lstrip().startswith("```")), len(lines))
            yield "code", lines[i + 1:end]
            i = end + 1
        elif not line.strip():
            yield "blank", []
            i += 1
        elif _HEADING.match(line):
            yield "heading", [line]
            i += 1
        elif line.lstrip().startswith("|"):
            end = i
            while end < len(lines) and lines[end].lstrip().startswith("|"):
                end += 1
            yield "table", lines[i:end]
            i = end
        else:
            kind = "item" if _ITEM.match(line) else "paragraph"
            end = i + 1
            while end < len(lines) and lines[end].strip() and not _ITEM.match(lines[end]) \
                    and not _HEADING.match(lines[end]) and not lines[end].lstrip().startswith(
                        ("```", "|")):
                end += 1
            yield kind, lines[i:end]
            i = end


def render(markdown: str, width: int = 80, color: bool = False, base: str = "docs/rules") -> str:
    """*markdown* as terminal text, wrapped at *width* columns.

    *base* is the folder the page lives in, for relative links (``../deployment-units.md`` from
    ``docs/rules`` is ``docs/deployment-units.md``).
    """
    style = _Style(color)
    out: list[str] = []
    numbers: dict[int, int] = {}  # the next number of the ordered list at each indentation

    def blank() -> None:
        if out and out[-1]:
            out.append("")

    for kind, lines in _blocks(markdown):
        if kind != "item":
            numbers.clear()
        if kind == "blank":
            continue
        if kind == "heading":
            match = _HEADING.match(lines[0])
            assert match is not None
            title = _inline(match.group(2), _Style(False), base)
            blank()
            out.append(style(title, BOLD))
            out.append(("=" if len(match.group(1)) == 1 else "-") * min(len(title), width))
            out.append("")
        elif kind == "code":
            blank()
            out.extend(style(f"    {code}".rstrip(), DIM) for code in lines)
            out.append("")
        elif kind == "table":
            blank()
            out.extend(_table(lines, width, style, base))
        elif kind == "item":
            match = _ITEM.match(lines[0])
            assert match is not None
            depth = len(match.group(1).expandtabs(4))
            for deeper in [d for d in numbers if d > depth]:
                del numbers[deeper]
            if match.group(3) is not None:
                numbers[depth] = numbers.get(depth, 0) + 1
                mark = f"{numbers[depth]}. "
            else:
                numbers.pop(depth, None)
                mark = "- "
            indent = " " * depth
            text = " ".join([match.group(4), *(rest.strip() for rest in lines[1:])])
            out.extend(wrap(_inline(text, style, base), width, indent + mark,
                            indent + " " * len(mark)))
        else:
            blank()
            out.extend(wrap(_inline(" ".join(s.strip() for s in lines), style, base), width,
                            "", ""))
            out.append("")
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def _table(lines: list[str], width: int, style: _Style, base: str) -> list[str]:
    """Each row as a block: its first cell as a title, then ``header: value`` lines."""
    rows = [_cells(line) for line in lines
            if not re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", line)]
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    out: list[str] = []
    for row in body:
        out.extend(wrap(_inline(f"{header[0]} {row[0]}" if header[0] else row[0], style, base),
                        width, "", "  "))
        for name, cell in zip(header[1:], row[1:], strict=False):
            if cell:
                out.extend(wrap(_inline(cell, style, base), width, f"  {name}: ", "    "))
        out.append("")
    return out
