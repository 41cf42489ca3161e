"""Parameter values for a Bicep file: ``<name>.parameters.json`` or a ``.bicepparam`` file.

``az deployment … --parameters`` takes either.  A ``.bicepparam`` file names the template it
supplies (``using './main.bicep'``); iacjit uses ``<name>.bicepparam`` beside ``<name>.bicep``,
else the one ``.bicepparam`` file of the directory whose ``using`` names the template.  Its
values are Bicep expressions, evaluated like the template's own; ``readEnvironmentVariable()``
and ``getSecret()`` are Unknown (read at deployment).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iacjit import boundary
from iacjit.model.raw import InputError
from iacjit.model.values import Unknown
from iacjit.parsers.bicep import ast as A
from iacjit.parsers.bicep.evaluator import Evaluator
from iacjit.parsers.common.options import ParseOptions

LoadTemplate = Callable[..., tuple["A.Template | None", list[InputError]]]


def _shown(display: str, candidate: Path) -> str:
    return f"{display.rpartition('/')[0]}/{candidate.name}" if "/" in display else candidate.name


def sibling_parameters(
    path: Path, display: str, options: ParseOptions, load: LoadTemplate
) -> tuple[dict[str, Any] | None, list[InputError]]:
    """The parameter values supplied next to *path*, or None when there are none."""
    candidate = path.with_name(f"{path.stem}.parameters.json")
    if candidate.is_file():
        return _json_parameters(candidate, _shown(display, candidate), options)
    param_file = _bicepparam_for(path, load, options)
    if param_file is None:
        return None, []
    return bicepparam_values(param_file, _shown(display, param_file), options, load)


def _json_parameters(
    candidate: Path, shown: str, options: ParseOptions
) -> tuple[dict[str, Any] | None, list[InputError]]:
    """Literal values; a Key Vault ``reference`` is Unknown (read at deployment)."""
    try:
        boundary.check(candidate)
        if candidate.stat().st_size > options.limits.max_file_bytes:
            return None, [InputError(shown, "parameters file over the size limit; not used")]
        document = json.loads(candidate.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        return None, [InputError(shown, f"cannot read parameters file: {exc.strerror or exc}")]
    except (UnicodeDecodeError, ValueError) as exc:
        return None, [InputError(shown, f"cannot read parameters file: {exc}")]
    except RecursionError:
        return None, [InputError(shown, "cannot read parameters file: nested too deeply")]
    entries = document.get("parameters", document) if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        return None, [InputError(shown, "a parameters file must hold a 'parameters' object")]
    values: dict[str, Any] = {}
    for name, entry in entries.items():
        if isinstance(entry, dict) and "value" in entry:
            values[name] = entry["value"]
        elif isinstance(entry, dict) and "reference" in entry:
            values[name] = Unknown("the value is a Key Vault secret reference, read at deployment")
    return values, []


def _bicepparam_for(path: Path, load: LoadTemplate, options: ParseOptions) -> Path | None:
    beside = path.with_suffix(".bicepparam")
    if beside.is_file():
        return beside
    target = path.resolve()
    found = []
    for candidate in sorted(path.parent.glob("*.bicepparam")):
        template, _ = load(candidate, candidate.name, options, True)
        using = template.using if template else None
        if using and (candidate.parent / using).resolve() == target:
            found.append(candidate)
    return found[0] if len(found) == 1 else None


def bicepparam_values(
    param_file: Path, shown: str, options: ParseOptions, load: LoadTemplate
) -> tuple[dict[str, Any] | None, list[InputError]]:
    """The evaluated ``param name = value`` assignments of a ``.bicepparam`` file."""
    template, errors = load(param_file, shown, options, True)
    if template is None:
        return None, errors
    limits = options.limits
    values: dict[str, Any] = {}
    busy: set[str] = set()

    def resolve(name: str) -> Any:
        if name in values:
            return values[name]
        decl = template.assignments.get(name) or template.variables.get(name)
        if decl is None:
            return Unknown(f"{name!r} is not declared in {shown}")
        if name in busy:
            return Unknown(f"{name!r} refers to itself")
        busy.add(name)
        try:
            value = evaluator.eval(decl.value, {})
        finally:
            busy.discard(name)
        values[name] = value
        return value

    evaluator = Evaluator(
        resolve, limits.max_depth, limits.max_loop_items, limits.max_string_chars,
        template.functions,
    )
    result = {name: resolve(name) for name in template.assignments}
    return result, errors
