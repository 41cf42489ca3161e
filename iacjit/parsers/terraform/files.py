"""One Terraform file (``.tf`` or HCL ``.tfvars``) → its AST and the problems found reading it.

A pure function of the file's bytes, so it can run in a worker process and its result can be
cached by content (see :mod:`iacjit.cache.files`).
"""

from __future__ import annotations

from pathlib import Path

from iacjit.model.raw import InputError
from iacjit.parsers.common.options import Limits
from iacjit.parsers.common.text import TextError, read_text
from iacjit.parsers.terraform import ast
from iacjit.parsers.terraform.hcl import HclError, parse_body


def parse_tf_file(path: Path, shown: str, limits: Limits) -> tuple[ast.Body | None,
                                                                   list[InputError]]:
    """The file's Body (None when it cannot be used) and its errors, named *shown*."""
    errors: list[InputError] = []
    try:
        text, warning = read_text(path, limits.max_file_bytes)
    except TextError as exc:
        return None, [InputError(shown, exc.message, exc.line, exc.column)]
    if warning:
        errors.append(InputError(shown, warning, 1, 1))
    try:
        return parse_body(text), errors
    except HclError as exc:
        errors.append(InputError(shown, f"invalid HCL: {exc.message}", exc.line, exc.column))
        return None, errors
