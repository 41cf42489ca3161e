"""Every file iacjit writes on the user's behalf (reports, baselines) goes through here.

In CI the output path usually lies inside the checkout of a pull request, whose author controls
every directory entry in it: a committed ``iacjit.sarif -> ~/.bashrc`` symlink would make a plain
``open(path, "w")`` overwrite a file of the CI machine. So the report is written to a new file
beside the target and renamed over it (the rename replaces the directory entry, never what a
link points to), and a path whose last component, or a directory component inside the working
directory, is a symbolic link is refused with one sentence.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click


class OutputError(click.ClickException):
    """An output file that must not or could not be written; exits 2 with one sentence."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:
        click.echo(f"iacjit: {self.format_message()}", err=True, file=file)


def write_output(path: Path | str, text: str) -> None:
    """Write *text* (UTF-8) to *path* as a new file replacing any old one atomically.

    Raises OutputError (exit 2) when *path* or one of its directories inside the working
    directory is a symbolic link, or when the file cannot be written.
    """
    path = Path(path)
    link = _symlink_on_the_way(path)
    if link is not None:
        raise OutputError(f"refusing to write {path}: {link} is a symbolic link, which could "
                          "point outside the working directory; write to another path")
    directory = path.parent
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.",
                                             suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~_umask())  # what open(path, "w") would have created
        os.replace(temporary, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if os.path.lexists(temporary):  # not renamed: the write or the rename failed
            os.unlink(temporary)


def _symlink_on_the_way(path: Path) -> Path | None:
    """The first symbolic link among *path* and its directories below the working directory.

    Directories above the working directory (``/tmp`` is a link on some systems) are the
    machine's, not the pull request's, and stay allowed.
    """
    cwd = Path(os.getcwd())
    absolute = path if path.is_absolute() else cwd / path
    if path.is_symlink():
        return path
    try:
        relative = absolute.parent.relative_to(cwd)
    except ValueError:
        return None
    current = cwd
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


def _umask() -> int:
    """The process umask (reading it means setting it; restored at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
