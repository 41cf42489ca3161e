"""Reading input files as text, with the precise complaint when they are not text."""

from __future__ import annotations

import stat
from pathlib import Path

from iacjit import boundary

BOM = b"\xef\xbb\xbf"


class TextError(Exception):
    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def check_regular(path: Path) -> None:
    """Raise TextError unless *path* is a regular file (after links) inside the scan's
    trust boundary (iacjit.boundary).

    Opening a FIFO named ``x.tf`` would block the scan forever, and a device could be endless:
    they are refused before any ``open``.
    """
    try:
        boundary.check(path)
        mode = path.stat().st_mode
    except OSError as exc:
        raise TextError(f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise TextError("a directory, not a file")
    if not stat.S_ISREG(mode):
        raise TextError("not a regular file (a FIFO, socket or device); not read")


def read_text(path: Path, max_bytes: int) -> tuple[str, str | None]:
    """The file's text and an optional warning; raises TextError for what is not text.

    A UTF-8 byte-order mark is reported and removed so the file is still scanned.
    """
    check_regular(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise TextError(f"file is {size} bytes, over the {max_bytes}-byte limit "
                            "(raise it with --max-file-bytes)")
        data = path.read_bytes()
    except OSError as exc:
        raise TextError(f"cannot read: {exc.strerror or exc}") from None
    warning = None
    if data.startswith(BOM):
        data = data[len(BOM):]
        warning = "file starts with a UTF-8 byte-order mark; it was ignored and the file scanned"
    if b"\x00" in data:
        offset = data.index(b"\x00")
        line = data.count(b"\n", 0, offset) + 1
        raise TextError("binary file (contains NUL bytes), not text", line)
    try:
        return data.decode("utf-8"), warning
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise TextError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", line, column) from None


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
