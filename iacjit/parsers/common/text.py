"""Reading input files as text, with the precise complaint when they are not text."""

from __future__ import annotations

import stat
from pathlib import Path

from iacjit import boundary
from iacjit.parsers.common.errors import ParseError

BOM = b"\xef\xbb\xbf"


def check_regular(path: Path) -> None:
    """Raise ParseError unless *path* is a regular file (after links) inside the scan's
    trust boundary (iacjit.boundary).

    Opening a FIFO named ``x.tf`` would block the scan forever, and a device could be endless:
    they are refused before any ``open``.
    """
    try:
        boundary.check(path)
        mode = path.stat().st_mode
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise ParseError("a directory, not a file")
    if not stat.S_ISREG(mode):
        raise ParseError("not a regular file (a FIFO, socket or device); not read")


def read_text(path: Path, max_bytes: int) -> tuple[str, str | None]:
    """The file's text and an optional warning; raises ParseError for what is not text.

    A UTF-8 byte-order mark is reported and removed so the file is still scanned.
    """
    check_regular(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ParseError(f"file is {size} bytes, over the {max_bytes}-byte limit "
                            "(raise it with --max-file-bytes)")
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror or exc}") from None
    warning = None
    if data.startswith(BOM):
        data = data[len(BOM):]
        warning = "file starts with a UTF-8 byte-order mark; it was ignored and the file scanned"
    if b"\x00" in data:
        offset = data.index(b"\x00")
        line = data.count(b"\n", 0, offset) + 1
        raise ParseError("binary file (contains NUL bytes), not text", line)
    try:
        return data.decode("utf-8"), warning
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ParseError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", line, column) from None


def peek_text(path: Path, max_bytes: int) -> str:
    """The text of *path* for a cheap search (module calls, references): "" when it is not a
    readable regular file within *max_bytes* (a FIFO would block), bad bytes replaced."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return ""
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ""
