"""Bicep source files → located raw resources, shaped like the ARM parser's output.

Entry point :func:`parse_file`.  Reading is strict about bytes (UTF-8, optional UTF-8 BOM,
no NULs) and never raises: unreadable input and syntax errors become :class:`InputError`
entries with file, line, column and what was expected.  A file with a syntax error is not
evaluated (``bicep build`` would not compile it, and half a file can hide a Deny rule); every
other file of the scan is.
"""

from __future__ import annotations

from pathlib import Path

from iacjit.model.raw import InputError, ParseResult
from iacjit.parsers.bicep import ast as A
from iacjit.parsers.bicep.deploy import REMOTE_PREFIXES, Session, TemplateRun
from iacjit.parsers.bicep.params import sibling_parameters
from iacjit.parsers.bicep.syntax import parse_template
from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.common.options import ParseOptions
from iacjit.parsers.common.text import check_regular
from iacjit.parsers.common.text import read_text as shared_read_text

_OTHER_BOMS = {
    b"\xff\xfe": "UTF-16/32",
    b"\xfe\xff": "UTF-16",
    b"\x00\x00\xfe\xff": "UTF-32",
}


def read_text(
    path: Path, display: str, options: ParseOptions
) -> tuple[str | None, list[InputError]]:
    """The file's text (or None) and the problems found reading it.

    Same byte rules as every other text input (:mod:`iacjit.parsers.common.text`): a UTF-8 BOM is
    reported and skipped, anything that is not UTF-8 text is an error.  UTF-16/32 files get a
    specific message because editors on Windows produce them.
    """
    try:
        check_regular(path)  # before open(): a FIFO named x.bicep would block forever
        with path.open("rb") as handle:
            head = handle.read(4)
    except ParseError as exc:
        return None, [exc.at(display)]
    except OSError as exc:
        return None, [InputError(display, f"cannot read: {exc.strerror or exc}")]
    for bom, encoding in _OTHER_BOMS.items():
        if head.startswith(bom):
            message = f"file is {encoding}-encoded; Bicep files must be UTF-8 (re-save as UTF-8)"
            return None, [InputError(display, message, 1, 1)]
    try:
        text, warning = shared_read_text(path, options.limits.max_file_bytes)
    except ParseError as exc:
        return None, [exc.at(display)]
    problems = [InputError(display, warning, 1, 1)] if warning else []
    if not text.strip():
        problems.append(InputError(display, "empty Bicep file: nothing to scan"))
        return None, problems
    return text.replace("\r\n", "\n").replace("\r", "\n"), problems


def load_template(
    path: Path, display: str, options: ParseOptions, param_file: bool = False
) -> tuple[A.Template | None, list[InputError]]:
    """Read and parse one file; every problem becomes a located InputError."""
    text, problems = read_text(path, display, options)
    if text is None:
        return None, problems
    template, errors = parse_template(text, options.limits.max_depth, param_file)
    for error in errors:
        prefix = "input exceeds a parser limit: " if error.limit else "syntax error: "
        problems.append(error.at(display, prefix))
    return (None if errors else template), problems


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
    params, problems = sibling_parameters(path, display, options, load_template)
    session.errors.extend(problems)
    try:
        run = TemplateRun(session, template, path, display, params)
        result.resources.extend(run.emit())
    except RecursionError:
        session.errors.append(
            InputError(display, "evaluation nested too deeply (module or reference chains)")
        )
    result.errors.extend(dict.fromkeys(session.errors))  # a module loop repeats its errors
    result.not_scanned.extend(dict.fromkeys(session.not_scanned))
    return result


def local_module_files(path: Path, options: ParseOptions) -> list[Path]:
    """The local ``.bicep`` files that *path* calls as modules (resolved, existing ones only).

    A scan that is given a directory finds module files as well as their callers; a module
    scanned on its own gets default (often missing) parameters and reports noise.  Callers of
    the parser can use this list to skip such files as roots of their own.
    """
    template, _ = load_template(path, path.as_posix(), options)
    if template is None:
        return []
    found: list[Path] = []
    for decl in template.modules:
        if decl.path.startswith(REMOTE_PREFIXES) or not decl.path.lower().endswith(".bicep"):
            continue
        target = (path.parent / decl.path).resolve()
        # A file calling itself is still a root: skipping it would hide it and its cycle error.
        if target.is_file() and target not in found and target != path.resolve():
            found.append(target)
    return found
