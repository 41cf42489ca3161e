"""Every format's reader reports unreadable input as the one ParseError, with its position.

One table over the readers: a caller (each parser's ``parse_file``) catches one type and makes
the file's InputError with ``at``, so a new reader that raises its own type fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from iacjit.model.raw import InputError
from iacjit.parsers.bicep.lexer import tokenize
from iacjit.parsers.bicep.syntax import parse_template
from iacjit.parsers.cloudformation import loader as cfn_loader
from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.common.located_json import load_text
from iacjit.parsers.common.text import read_text
from iacjit.parsers.terraform.hcl import parse_body


def _first_bicep_error(text: str) -> None:
    _template, errors = parse_template(text, max_depth=50)
    raise errors[0]


def _first_cfn_error(data: bytes) -> None:
    doc = cfn_loader.load(data)
    assert doc.fatal
    raise doc.errors[-1]


def _read_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "input.tf"
    path.write_bytes(data)
    read_text(path, 1_000_000)


# (id, reader of the bad input, line, column, what was expected)
CASES: list[tuple[str, Callable[[Path], None], int | None, int | None, str | None]] = [
    ("text-not-utf8", lambda tmp: _read_bytes(tmp, b"a = 1\nb = \"caf\xe9\"\n"), 2, 9, None),
    ("json", lambda tmp: load_text('{\n  "a": 1\n  "b": 2\n}'), 3, 3, None),
    ("hcl", lambda tmp: parse_body("a = [1, 2\nb = 3\n"), 2, None, None),
    ("bicep-lexer", lambda tmp: tokenize("var a = 'open\n"), 1, 9, None),
    ("bicep-syntax", lambda tmp: _first_bicep_error("var a = \n"), 1, 9, "an expression"),
    ("cloudformation-yaml", lambda tmp: _first_cfn_error(b"a:\n  b: 1\n c: 2\n"), 3, 2, None),
    ("cloudformation-json", lambda tmp: _first_cfn_error(b'{\n  "a": [1,\n'), 3, 1, None),
]


@pytest.mark.parametrize(("read", "line", "column", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_each_reader_raises_the_common_error(tmp_path, read, line, column, expected):
    with pytest.raises(ParseError) as raised:
        read(tmp_path)
    error = raised.value
    assert (error.line, error.expected) == (line, expected)
    if column is not None:
        assert error.column == column


def test_at_locates_the_error_in_the_file_as_shown():
    error = ParseError("expected '=' but found a new line", 3, 7, expected="'='")
    assert error.at("infra/main.bicep", "syntax error: ") == InputError(
        "infra/main.bicep", "syntax error: expected '=' but found a new line", 3, 7)
