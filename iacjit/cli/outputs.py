"""Where the reports of one scan go: the ``--format`` report to standard output (or to
``-o FILE``), any number of report files (``--json-output FILE``, ``--junit-output FILE``, ...),
and the text summary, which still reaches the terminal when reports go to files so a CI log
always says why a step failed (``--quiet`` silences it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from iacjit.reports.formats import FORMATS

FILE_FORMATS = ("json", "sarif", "markdown", "html", "junit", "gitlab-sast")


def _dest(fmt: str) -> str:
    return f"{fmt.replace('-', '_')}_output"


def refuse_format_name(ctx: click.Context, param: click.Parameter, value: Path | None):
    """``-o json`` is checkov's spelling of a format: writing a file named ``json`` instead
    would pass silently in CI, so the value is refused with the flag meant."""
    if value is not None and str(value) in FORMATS:
        raise click.BadParameter(f"{str(value)!r} is a report format, not a file name; "
                                 f"did you mean --format {value}?", ctx=ctx, param=param)
    return value


def output_options(command):
    """Add -o/--output, the per-format ``--<format>-output FILE`` options, --quiet, --no-color."""
    path = click.Path(dir_okay=False, path_type=Path)
    options = [
        click.option("--output", "-o", type=path, callback=refuse_format_name,
                     help="Write the --format report to FILE instead of standard output."),
        *(click.option(f"--{fmt}-output", _dest(fmt), type=path, metavar="FILE",
                       help=f"Also write the {fmt} report to FILE (combinable).")
          for fmt in FILE_FORMATS),
        click.option("--quiet", "-q", is_flag=True,
                     help="No text report on the terminal; the exit code, report files and a "
                          "--format other than text still say everything."),
        click.option("--no-color", is_flag=True,
                     help="No colours in the text report (also: the NO_COLOR variable)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def color_allowed(no_color: bool, stream: Any) -> bool:
    """Colour only on a terminal, and never with --no-color or a non-empty NO_COLOR
    (https://no-color.org)."""
    return not no_color and not os.environ.get("NO_COLOR") and stream.isatty()


@dataclass
class Destinations:
    """The reports one run writes, decided from the command line before the scan."""

    fmt: str
    output: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)
    quiet: bool = False
    no_color: bool = False

    @classmethod
    def from_options(cls, fmt: str, output: Path | None, quiet: bool, no_color: bool,
                     options: dict[str, Path | None]) -> Destinations:
        files = {fmt_: options.pop(_dest(fmt_)) for fmt_ in FILE_FORMATS}
        dest = cls(fmt, output, {k: v for k, v in files.items() if v is not None}, quiet,
                   no_color)
        dest.check()
        return dest

    def check(self) -> None:
        """Two reports into one file would silently keep only the last: refused."""
        seen: dict[Path, str] = {}
        named = [("--output", self.output)] + [(f"--{f}-output", p) for f, p in self.files.items()]
        for flag, target in named:
            if target is None:
                continue
            key = Path(os.path.abspath(target))
            if key in seen:
                raise click.UsageError(f"{flag} and {seen[key]} name the same file {target}")
            seen[key] = flag

    @property
    def stdout_format(self) -> str | None:
        """The report on standard output, if any."""
        if self.output is not None or (self.quiet and self.fmt == "text"):
            return None
        return self.fmt

    @property
    def summary_stream(self) -> Any:
        """Where the text summary goes besides the reports: nowhere when quiet or when the
        text report is already on standard output; stderr when another report is there."""
        if self.quiet or self.stdout_format == "text":
            return None
        if not self.files and self.output is None:
            return None
        return sys.stderr if self.stdout_format else sys.stdout

    @property
    def stdout_color(self) -> bool:
        return self.fmt == "text" and self.output is None and color_allowed(self.no_color,
                                                                              sys.stdout)

    def renderings(self) -> list[tuple[str, bool]]:
        """Every (format, colour) this run writes, each once."""
        wanted = [(self.fmt, False)] if self.output is not None else []
        wanted += [(fmt, False) for fmt in self.files]
        if self.stdout_format:
            wanted.append((self.stdout_format, self.stdout_color))
        stream = self.summary_stream
        if stream is not None:
            wanted.append(("text", color_allowed(self.no_color, stream)))
        return list(dict.fromkeys(wanted))

    def write(self, render: Callable[[str, bool], str]) -> None:
        """Write every report; *render(fmt, color)* gives a report's text."""
        from iacjit.output_files import write_output

        if self.output is not None:
            write_output(self.output, render(self.fmt, False))
        for fmt, path in self.files.items():
            write_output(path, render(fmt, False))
        if self.stdout_format:
            click.echo(render(self.stdout_format, self.stdout_color), nl=False)
        stream = self.summary_stream
        if stream is not None:
            click.echo(render("text", color_allowed(self.no_color, stream)), nl=False,
                       file=stream)
