"""The one error every format's reader raises for input it cannot read.

Text that is not text, JSON or YAML that does not parse, HCL or Bicep with a syntax error, a
type constraint that is not a type: each parser raises :class:`ParseError` where it finds the
problem, with the position it knows, and whoever knows how the file is shown to the user turns
it into a located :class:`~iacjit.model.raw.InputError` with :meth:`ParseError.at`.  One type
means one ``except`` and one conversion for every format, and the same fields (file, line,
column, what was expected) in every report.

Evaluation errors are not parse errors and keep their evaluator's type (ARM's
``ExpressionError``, Terraform's ``EvalError``): a well-formed expression that cannot be
evaluated becomes an unknown value, not a file that cannot be read.
"""

from __future__ import annotations

from iacjit.model.raw import InputError


class ParseError(Exception):
    """Input that cannot be read: the message, its 1-based position when known, and what the
    parser expected there (``None`` when the problem is not a missing piece of syntax).

    ``limit`` marks input that exceeds a bound of the parser (nesting depth) rather than
    breaking the syntax: a reader stops collecting further errors at it.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None, *,
                 expected: str | None = None, limit: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.expected = expected
        self.limit = limit

    def at(self, file: str, prefix: str = "") -> InputError:
        """The located error of *file* (as the user sees its name), message after *prefix*."""
        return InputError(file, prefix + self.message, self.line, self.column)
