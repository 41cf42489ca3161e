"""What the user can tell the parsers, and the limits that keep hostile input bounded."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Hard bounds for every parser and evaluator (documented in docs/limits.md)."""

    max_file_bytes: int = 10 * 1024 * 1024
    max_depth: int = 200
    max_loop_items: int = 10_000
    max_string_chars: int = 1_000_000
    max_module_depth: int = 16


@dataclass(frozen=True)
class ParseOptions:
    """Inputs beyond the scanned files: variable values and parameter files."""

    var_files: tuple[Path, ...] = ()
    variables: dict[str, Any] = field(default_factory=dict)
    arm_parameter_files: tuple[Path, ...] = ()
    cfn_parameter_files: tuple[Path, ...] = ()
    limits: Limits = Limits()
