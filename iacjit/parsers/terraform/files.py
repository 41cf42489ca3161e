"""One Terraform file (``.tf`` or HCL ``.tfvars``) → its AST and the problems found reading it.

A pure function of the file's bytes, so it can run in a worker process and its result can be
cached by content (see :mod:`iacjit.cache.files`).
"""

from __future__ import annotations

from pathlib import Path

from iacjit.model.raw import InputError
from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.common.options import Limits
from iacjit.parsers.common.text import read_text
from iacjit.parsers.terraform import ast
from iacjit.parsers.terraform.hcl import parse_body


def parse_tf_file(path: Path, shown: str, limits: Limits) -> tuple[ast.Body | None,
                                                                   list[InputError]]:
    """The file's Body (None when it cannot be used) and its errors, named *shown*."""
    errors: list[InputError] = []
    try:
        text, warning = read_text(path, limits.max_file_bytes)
    except ParseError as exc:
        return None, [exc.at(shown)]
    if warning:
        errors.append(InputError(shown, warning, 1, 1))
    try:
        return parse_body(text), errors
    except ParseError as exc:
        errors.append(exc.at(shown, "invalid HCL: "))
        return None, errors
