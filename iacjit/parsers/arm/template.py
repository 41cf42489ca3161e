"""One template's evaluation scope: its parameters, variables and user-defined functions.

Parameter values come, in order of precedence, from what the caller supplies (a parameters
file, ``--parameters``, or the ``parameters`` of a nested deployment), then from the
declaration's ``defaultValue`` (an expression itself, evaluated lazily because defaults may
refer to other parameters); a parameter with neither is Unknown, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from iacjit.model.values import Unknown
from iacjit.parsers.arm.companions import sibling_parameters
from iacjit.parsers.arm.expressions import (
    EvalContext,
    ExpressionError,
    LazyValues,
    UserFunction,
    evaluate_tree,
    loop_count,
)
from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.common.located_json import load

KEY_VAULT_REFERENCE = "the value is a Key Vault secret reference, read at deployment"


def parameter_values(document: Any) -> dict[str, Any]:
    """Values of a deploymentParameters document (``{"parameters": {"x": {"value": …}}}``).

    The bare form without the ``parameters`` wrapper, which the Azure CLI also accepts, is
    read too.  Values are literals: ARM does not evaluate expressions in parameter files.
    """
    if not isinstance(document, dict):
        raise ParseError("a parameters file must be a JSON object")
    entries = document.get("parameters", document)
    if not isinstance(entries, dict):
        raise ParseError("'parameters' must be an object")
    values: dict[str, Any] = {}
    for name, entry in entries.items():
        if name.startswith("$") or name == "contentVersion":
            continue
        if isinstance(entry, dict) and "value" in entry:
            values[name] = entry["value"]
        elif isinstance(entry, dict) and "reference" in entry:
            values[name] = Unknown(KEY_VAULT_REFERENCE)
    return values


def sibling_parameters_file(template: Path) -> Path | None:
    """``main.json`` → ``main.parameters.json`` when that file exists."""
    candidate = sibling_parameters(template)
    return candidate if candidate.is_file() else None


def read_parameters_file(path: Path, max_bytes: int) -> dict[str, Any]:
    document, _ = load(path, max_bytes)
    return parameter_values(document)


def _functions(template: dict[str, Any]) -> dict[str, UserFunction]:
    found: dict[str, UserFunction] = {}
    namespaces = template.get("functions")
    if not isinstance(namespaces, list):
        return found
    for namespace in namespaces:
        if not isinstance(namespace, dict) or not isinstance(namespace.get("members"), dict):
            continue
        prefix = str(namespace.get("namespace", ""))
        for member, definition in namespace["members"].items():
            if not isinstance(definition, dict):
                continue
            params = definition.get("parameters") or []
            names = tuple(
                str(p.get("name")) for p in params if isinstance(p, dict) and "name" in p
            )
            output = definition.get("output")
            value = output.get("value") if isinstance(output, dict) else None
            found[f"{prefix}.{member}".lower()] = UserFunction(names, value)
    return found


def _parameter_resolver(
    declared: Mapping[str, Any], supplied: Mapping[str, Any], ctx_ref: list[EvalContext]
):
    lowered = {str(k).lower(): v for k, v in supplied.items()}

    def resolve(name: str, declaration: Any) -> Any:
        # A value given as null means "not supplied": ARM applies the default (Bicep passes
        # null for every optional module parameter left out).
        if lowered.get(name.lower()) is not None:
            return lowered[name.lower()]
        has_default = isinstance(declaration, dict) and "defaultValue" in declaration
        if name.lower() in lowered and not has_default:
            if isinstance(declaration, dict) and declaration.get("nullable") is True:
                return None
            return Unknown(f"parameter {name!r} is given as null and has no default: its "
                           "value is supplied at deployment")
        if has_default:
            return evaluate_tree(declaration["defaultValue"], ctx_ref[0],
                                 parent=declaration, key="defaultValue")
        return Unknown(f"parameter {name!r} has no value (no default, not in a parameters file)")

    return resolve


def _variable_loops(variables: dict[str, Any], ctx_ref: list[EvalContext]) -> dict[str, Any]:
    """``variables.copy``: each spec declares a variable holding the array it builds."""
    specs = variables.get("copy")
    if not isinstance(specs, list):
        return {}
    loops: dict[str, Any] = {}
    for spec in specs:
        if isinstance(spec, dict) and isinstance(spec.get("name"), str) and "input" in spec:
            loops[spec["name"]] = spec
    return loops


def _resolve_variable_loop(spec: dict[str, Any], ctx: EvalContext) -> Any:
    name = spec["name"]
    try:
        count = loop_count(spec.get("count"), ctx, f"variable copy loop {name!r}", spec)
    except ExpressionError as exc:
        ctx.problem(str(exc), spec, "count")
        return Unknown(str(exc))
    if isinstance(count, Unknown):
        return count
    return [
        evaluate_tree(spec["input"], ctx.with_copy_index(name, index, default=False),
                      parent=spec, key="input")
        for index in range(count)
    ]


def template_context(
    template: dict[str, Any], supplied: Mapping[str, Any], base: EvalContext
) -> EvalContext:
    """A context for *template* that shares *base*'s budget, limits, locator and scope."""
    ctx_ref: list[EvalContext] = []
    declared = template.get("parameters")
    declared = declared if isinstance(declared, dict) else {}
    variables = template.get("variables")
    variables = variables if isinstance(variables, dict) else {}
    loops = _variable_loops(variables, ctx_ref)
    plain = {k: v for k, v in variables.items() if not (k == "copy" and loops)}

    def resolve_variable(name: str, raw: Any) -> Any:
        if name in loops:
            return _resolve_variable_loop(loops[name], ctx_ref[0])
        return evaluate_tree(raw, ctx_ref[0], parent=variables, key=name)

    ctx = base.child(
        parameters=LazyValues(declared, _parameter_resolver(declared, supplied, ctx_ref),
                              "parameter"),
        variables=LazyValues({**plain, **loops}, resolve_variable, "variable"),
        functions=_functions(template),
        copy_indexes={},
        lambda_vars={},
    )
    ctx_ref.append(ctx)
    return ctx
