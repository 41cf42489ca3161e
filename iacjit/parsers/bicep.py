"""Bicep source files → located raw resources, shaped like the ARM parser's output.

Entry point :func:`parse_file`.  Reading is strict about bytes (UTF-8, optional UTF-8 BOM,
no NULs) and never raises: unreadable input, syntax pycep cannot parse and the newer
constructs its grammar lacks all become :class:`InputError` entries with a position and, for
the known gaps, the workaround (compile with ``bicep build`` and scan the JSON).
"""

from __future__ import annotations

from pathlib import Path

from iacjit.model.raw import InputError, ParseResult
from iacjit.parsers import bicep_ast as A
from iacjit.parsers.bicep_deploy import Session, TemplateRun
from iacjit.parsers.bicep_syntax import SyntaxProblem, parse_template
from iacjit.parsers.bicep_text import WORKAROUND, mask, unsupported_constructs
from iacjit.parsers.options import ParseOptions

_OTHER_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}


def read_text(
    path: Path, display: str, options: ParseOptions
) -> tuple[str | None, InputError | None]:
    """The file's text, or why it cannot be read as a Bicep source file."""
    limit = options.limits.max_file_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            return None, InputError(display, f"file is {size} bytes, over the {limit}-byte limit")
        data = path.read_bytes()
    except OSError as exc:
        return None, InputError(display, f"cannot read file: {exc.strerror or exc}")
    for bom, encoding in _OTHER_BOMS.items():
        if data.startswith(bom):
            return None, InputError(
                display, f"file is {encoding}-encoded; Bicep files must be UTF-8", 1, 1
            )
    data = data.removeprefix(b"\xef\xbb\xbf")  # the Bicep tooling accepts a UTF-8 BOM
    if b"\x00" in data:
        offset = data.index(b"\x00")
        line = data.count(b"\n", 0, offset) + 1
        return None, InputError(display, "file contains NUL bytes: not a text file", line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, InputError(
            display,
            f"invalid UTF-8 byte 0x{data[exc.start]:02x}; Bicep files must be UTF-8",
            line,
            column,
        )
    if not text.strip():
        return None, InputError(display, "empty Bicep file: nothing to scan")
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def load_template(
    path: Path, display: str, options: ParseOptions
) -> tuple[A.Template | None, list[InputError]]:
    """Read and parse one file; every problem becomes a located InputError."""
    text, error = read_text(path, display, options)
    if error is not None or text is None:
        return None, [error] if error else []
    hint = WORKAROUND.format(name=Path(display).name)
    found = unsupported_constructs(mask(text))
    if found:
        return None, [
            InputError(
                display,
                f"{u.construct} is not supported by the Bicep parser (pycep); {hint}",
                u.line,
                u.column,
            )
            for u in found
        ]
    try:
        return parse_template(text + "\n", options.limits.max_depth), []
    except SyntaxProblem as exc:
        return None, [
            InputError(
                display,
                f"cannot parse Bicep: {exc}; if the file is valid Bicep, the construct is not "
                f"supported by the Bicep parser (pycep): {hint}",
                exc.line,
                exc.column,
            )
        ]
    except RecursionError:
        return None, [InputError(display, "nesting too deep to read")]


def parse_file(path: Path, display: str, options: ParseOptions) -> ParseResult:
    """Parse and evaluate one ``.bicep`` file (and the local modules it calls).

    ``display`` is how users see the path; it names the file and the root of every resource.
    """
    result = ParseResult()
    template, errors = load_template(path, display, options)
    result.errors.extend(errors)
    if template is None:
        return result
    cache: dict[Path, A.Template | None] = {}

    def load(target: Path, module_display: str, line: int) -> A.Template | None:
        if target not in cache:
            loaded, problems = load_template(target, module_display, options)
            session.errors.extend(problems)
            cache[target] = loaded
        return cache[target]

    session = Session(options=options, root_display=display, load=load)
    try:
        run = TemplateRun(session, template, path, display)
        result.resources.extend(run.emit())
    except RecursionError:
        session.errors.append(
            InputError(display, "evaluation nested too deeply (module or reference chains)")
        )
    result.errors.extend(session.errors)
    result.not_scanned.extend(session.not_scanned)
    return result
