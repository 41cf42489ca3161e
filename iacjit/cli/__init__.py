"""Command line: wires discovery, scan and reports; the only place that prints.

:mod:`iacjit.cli.app` holds the ``iacjit`` group; each command is one module beside it, and
:mod:`iacjit.cli.pipeline` what the scanning commands share.
"""

from iacjit.cli.app import main

__all__ = ["main"]
