"""ARM JSON templates (classic and ``languageVersion 2.0``) → located raw resources.

Entry points :func:`parse_file` and, for a template already read (embedded in another
format), :func:`parse_document`.  Reading and locating is :mod:`arm_source`, the expression
language :mod:`arm_expressions`, parameters/variables :mod:`arm_template`, and resource
expansion (loops, conditions, children, nested deployments) :mod:`arm_resources`.
Nothing here raises: every problem becomes an :class:`InputError` or an Unknown value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iacjit.model.raw import InputError, ParseResult, Span
from iacjit.parsers.arm.expressions import EvalContext, EvaluationLimit
from iacjit.parsers.arm.resources import Expander
from iacjit.parsers.arm.template import (
    read_parameters_file,
    sibling_parameters_file,
    template_context,
)
from iacjit.parsers.arm.values import Budget
from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.common.located_json import SourceMap, load
from iacjit.parsers.common.options import ParseOptions

# Evaluation steps allowed per file, per allowed loop item: generous for real templates
# (a few thousand steps), small enough that a hostile one stops within seconds.
STEPS_PER_LOOP_ITEM = 200


def is_template(document: Any) -> bool:
    """A deployment template by its ``$schema``, or by ``resources`` of ``Microsoft.*`` types."""
    if not isinstance(document, dict):
        return False
    schema = document.get("$schema")
    if isinstance(schema, str) and "deploymenttemplate.json" in schema.lower():
        return True
    resources = document.get("resources")
    declarations = (
        resources if isinstance(resources, list)
        else list(resources.values()) if isinstance(resources, dict) else []
    )
    return any(
        isinstance(r, dict) and str(r.get("type", "")).lower().startswith("microsoft.")
        for r in declarations
    )


def _display_of(parameters: Path, template: Path, display: str) -> str:
    """Show a sibling parameters file the way the template is shown."""
    if parameters.parent == template.parent and display.endswith(template.name):
        return display[: -len(template.name)] + parameters.name
    return str(parameters)


def _supplied_parameters(path: Path, display: str, options: ParseOptions,
                         result: ParseResult) -> dict[str, Any]:
    """Sibling ``<stem>.parameters.json`` first, then ``--parameters`` files (later win)."""
    files: list[Path] = []
    sibling = sibling_parameters_file(path)
    if sibling is not None:
        files.append(sibling)
    files.extend(options.arm_parameter_files)
    supplied: dict[str, Any] = {}
    for parameters_file in files:
        shown = _display_of(parameters_file, path, display)
        try:
            supplied.update(read_parameters_file(parameters_file, options.limits.max_file_bytes))
        except ParseError as exc:
            result.errors.append(exc.at(shown, "parameters file: "))
    return supplied


def parse_file(path: Path, display: str, options: ParseOptions) -> ParseResult:
    """Parse one ARM template file; *display* is how the file is named to users."""
    result = ParseResult()
    try:
        document, source = load(path, options.limits.max_file_bytes)
    except ParseError as exc:
        result.errors.append(exc.at(display))
        return result
    if not is_template(document):
        return result
    supplied = _supplied_parameters(path, display, options, result)
    result.extend(parse_document(document, display, options, supplied, source=source))
    return result


def parse_document(document: dict[str, Any], display: str, options: ParseOptions,
                   parameters: dict[str, Any] | None = None, *, span: Span | None = None,
                   source: SourceMap | None = None,
                   resource_group: Any = None) -> ParseResult:
    """Expand an already-read template *document* into resources of file *display*.

    *parameters* are the supplied values (``{name: value}``, as in a parameters file).  A
    template read from a file passes its *source* map, so resources get their own lines; a
    template embedded in another declaration (Terraform's ``template_content``) passes the
    *span* of that declaration instead, and every resource and problem is located there.
    Values that are not JSON (a Terraform ResourceRef or Unknown inside ``jsonencode``) pass
    through evaluation unchanged.  *resource_group* names the group the template deploys to
    when the caller knows it (what ``resourceGroup()`` returns).
    """
    result = ParseResult()
    if source is None:
        source = SourceMap(root=span or Span(1, 1))
    limits = options.limits
    base = EvalContext(
        limits=limits,
        locator=source.locate,
        budget=Budget(STEPS_PER_LOOP_ITEM * limits.max_loop_items),
    )
    if resource_group is not None:
        base = base.child(resource_group=resource_group)
    ctx = template_context(document, parameters or {}, base)
    expander = Expander(display, source, result)
    try:
        expander.template(document, ctx, depth=0)
    except EvaluationLimit as exc:
        result.errors.append(InputError(display, f"{exc}; later resources were not read"))
    except RecursionError:
        result.errors.append(
            InputError(display, "template nests too deeply to evaluate; later resources "
                       "were not read")
        )
    except Exception as exc:  # noqa: BLE001 - last resort: one bad file must not end the scan
        result.errors.append(
            InputError(display, f"internal error while evaluating the template "
                       f"({type(exc).__name__}: {exc}); please report it")
        )
    seen: set[tuple[str, int | None]] = set()
    for problem in base.problems:
        line = problem.span.line if problem.span else (span.line if span else None)
        if (problem.message, line) not in seen:
            seen.add((problem.message, line))
            result.errors.append(InputError(display, problem.message, line))
    return result
