"""CloudFormation templates (YAML and JSON, SAM included) → located raw resources.

One job: glue.  :mod:`cfn_loader` reads the file into values with line marks, this module
finds the template's sections, resolves parameters (defaults and ``--cfn-parameters`` files),
drops resources whose ``Condition`` is false, and has :mod:`cfn_intrinsics` evaluate each
resource so providers see concrete values, :class:`Unknown` or :class:`ResourceRef`.
It never raises: every problem is an :class:`InputError` pointing at a line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iacjit import boundary
from iacjit.model.raw import InputError, NotScanned, ParseResult, RawResource, Span
from iacjit.model.values import Unknown
from iacjit.parsers.cloudformation import loader as cfn_loader
from iacjit.parsers.cloudformation.intrinsics import NO_VALUE, Evaluator, Problem, parameter_values
from iacjit.parsers.common.options import ParseOptions

SOURCE_FORMAT = "cloudformation"
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# Transforms that do not change the resources we check, or whose functions we evaluate.
_READ_AS_WRITTEN = {SAM_TRANSFORM, "AWS::LanguageExtensions"}
# Top-level resource keys kept as written: they are names, not values to evaluate.
_LITERAL_KEYS = {"Type", "Condition", "DependsOn"}


def _is_template(value: Any) -> bool:
    """A CloudFormation template: the version key, or Resources holding AWS::/Custom:: types."""
    if not isinstance(value, dict):
        return False
    if "AWSTemplateFormatVersion" in value:
        return True
    resources = value.get("Resources")
    if not isinstance(resources, dict):
        return False
    return any(
        isinstance(r, dict) and isinstance(r.get("Type"), str)
        and r["Type"].startswith(("AWS::", "Custom::"))
        for r in resources.values()
    )


def _read(path: Path, display: str, options: ParseOptions,
          result: ParseResult) -> bytes | None:
    limit = options.limits.max_file_bytes
    try:
        boundary.check(path)
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        result.errors.append(InputError(display, f"cannot read: {exc.strerror or exc}"))
        return None
    if len(data) > limit:
        result.errors.append(InputError(display, f"file larger than {limit} bytes, not read"))
        return None
    return data


# -- parameter files ------------------------------------------------------------------------

def _parameters_from_json(value: Any) -> dict[str, Any] | None:
    """``[{"ParameterKey", "ParameterValue"}]`` (AWS CLI), ``{"Parameters": {...}}`` or a map."""
    if isinstance(value, list):
        found: dict[str, Any] = {}
        for item in value:
            if not isinstance(item, dict) or "ParameterKey" not in item:
                return None
            if "ParameterValue" in item:  # UsePreviousValue entries carry no value
                found[str(item["ParameterKey"])] = item["ParameterValue"]
        return found
    if isinstance(value, dict):
        inner = value.get("Parameters", value)
        if isinstance(inner, dict) and all(not isinstance(v, dict) for v in inner.values()):
            return {str(k): v for k, v in inner.items()}
    return None


def _parameters_from_lines(text: str, file: str,
                           errors: list[InputError]) -> dict[str, Any]:
    """``Key=Value`` lines (``--parameter-overrides`` style); ``#`` starts a comment."""
    found: dict[str, Any] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("ParameterKey="):  # ParameterKey=K,ParameterValue=V shorthand
            fields = dict(p.split("=", 1) for p in line.split(",", 1) if "=" in p)
            if "ParameterValue" in fields:
                found[fields["ParameterKey"]] = fields["ParameterValue"]
                continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            errors.append(InputError(file, "expected Key=Value", number, 1))
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        found[key.strip()] = value
    return found


def read_parameter_file(path: Path, errors: list[InputError]) -> dict[str, Any]:
    """Values of one ``--cfn-parameters`` file; problems go to *errors*."""
    file = str(path)
    try:
        boundary.check(path)
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        errors.append(InputError(file, f"cannot read parameter file: {exc.strerror or exc}"))
        return {}
    except UnicodeDecodeError as exc:
        errors.append(InputError(file, f"cannot read parameter file: {exc}"))
        return {}
    if text.lstrip()[:1] in ("[", "{"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            errors.append(InputError(file, f"JSON syntax error: {exc.msg}", exc.lineno,
                                     exc.colno))
            return {}
        values = _parameters_from_json(parsed)
        if values is None:
            errors.append(InputError(
                file, 'expected [{"ParameterKey": ..., "ParameterValue": ...}] '
                      'or {"Parameters": {...}}'))
            return {}
        return values
    return _parameters_from_lines(text, file, errors)


def _supplied(options: ParseOptions, result: ParseResult) -> dict[str, Any]:
    supplied: dict[str, Any] = {}
    for path in options.cfn_parameter_files:
        supplied.update(read_parameter_file(Path(path), result.errors))
    return supplied


# -- template -------------------------------------------------------------------------------

class _Template:
    """One loaded template being turned into resources."""

    def __init__(self, doc: cfn_loader.Document, display: str, options: ParseOptions,
                 result: ParseResult) -> None:
        self.doc = doc
        self.display = display
        self.result = result
        self.template: dict[str, Any] = doc.value
        limits = options.limits
        problems: list[Problem] = []
        resources = self.template.get("Resources")
        self.resources = resources if isinstance(resources, dict) else {}
        mappings = self.template.get("Mappings")
        conditions = self.template.get("Conditions")
        self.evaluator = Evaluator(
            parameters=parameter_values(self.template.get("Parameters"),
                                        _supplied(options, result), problems),
            mappings=mappings if isinstance(mappings, dict) else {},
            conditions=conditions if isinstance(conditions, dict) else {},
            resources=frozenset(k for k in self.resources if isinstance(k, str)),
            max_depth=limits.max_depth,
            max_items=limits.max_loop_items,
            max_string_chars=limits.max_string_chars,
            problems=problems,
        )
        for name, section in (("Resources", resources), ("Mappings", mappings),
                              ("Conditions", conditions)):
            if section is not None and not isinstance(section, dict):
                self._error(f"{name} must be a mapping", (name,))

    def _line(self, path: tuple[Any, ...]) -> int | None:
        span = self.doc.span_of(path)
        return span.line if span else None

    def _error(self, message: str, path: tuple[Any, ...]) -> None:
        self.result.errors.append(InputError(self.display, message, self._line(path)))

    def _span(self, path: tuple[Any, ...]) -> Span:
        return self.doc.span_of(path) or Span(1, 1)

    def transforms(self) -> None:
        declared = self.template.get("Transform")
        names = declared if isinstance(declared, list) else [declared]
        for name in names:
            if name is None or name in _READ_AS_WRITTEN:
                continue
            label = name if isinstance(name, str) else json.dumps(name, default=str)
            self.result.not_scanned.append(NotScanned(
                self.display, self._line(("Transform",)), f"Transform {label}",
                "macros rewrite the template at deployment; resources are read as written",
            ))

    def resource(self, logical_id: Any, definition: Any) -> RawResource | None:
        where = ("Resources", logical_id)
        if isinstance(logical_id, str) and logical_id.startswith("Fn::ForEach::"):
            self.result.not_scanned.append(NotScanned(
                self.display, self._line(where), logical_id,
                "Fn::ForEach resource loops are not expanded"))
            return None
        if not isinstance(definition, dict):
            self._error(f"resource {logical_id!r} must be a mapping", where)
            return None
        kind = definition.get("Type")
        if not isinstance(kind, str) or not kind:
            self._error(f"resource {logical_id!r} has no Type", where)
            return None
        notes: list[str] = []
        condition = definition.get("Condition")
        if condition is not None:
            decided = self.evaluator.condition(condition, (*where, "Condition"))
            if decided is False:
                return None
            if isinstance(decided, Unknown):
                notes.append(f"deployed only if condition {condition}, which is unknown: "
                             f"{decided.reason}")
        self.evaluator.notes.clear()
        sink: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        attributes: dict[str, Any] = {}
        for key, value in definition.items():
            if key in _LITERAL_KEYS:
                attributes[key] = value
            else:
                evaluated = self.evaluator.evaluate(value, (*where, key), (key,), sink)
                if evaluated is NO_VALUE:
                    continue
                attributes[key] = evaluated
            sink.setdefault((key,), (*where, key))
        notes.extend(self.evaluator.notes)
        spans = {out: span for out, src in sink.items()
                 if (span := self.doc.span_of(src)) is not None}
        if kind == "AWS::CloudFormation::Stack":
            url = (attributes.get("Properties") or {}).get("TemplateURL")
            self.result.not_scanned.append(NotScanned(
                self.display, self._line(where), f"nested stack {logical_id} ({url})",
                "nested stack templates are not fetched"))
        if not self.doc.line_numbers:
            notes.append("line numbers unavailable: the JSON was read without line marks")
        return RawResource(
            type=kind,
            address=str(logical_id),
            file=self.display,
            span=self._span(where),
            attributes=attributes,
            source_format=SOURCE_FORMAT,
            root=self.display,
            spans=spans,
            notes=notes,
        )

    def run(self) -> None:
        self.transforms()
        for logical_id, definition in self.resources.items():
            resource = self.resource(logical_id, definition)
            if resource is not None:
                self.result.resources.append(resource)
        seen: set[tuple[str, tuple[Any, ...]]] = set()
        for problem in self.evaluator.problems:
            key = (problem.message, problem.path)
            if key not in seen:
                seen.add(key)
                self._error(problem.message, problem.path)


def _rain_directive(doc: cfn_loader.Document) -> tuple[str, int | None] | None:
    """The first directive of the rain CLI (``!Rain::Embed``, ``Type: {Rain::Module: …}``)
    in a template, with its line: rain expands them before CloudFormation sees the file."""
    found = [(e.line or 0, e.message.rsplit(" ", 1)[-1]) for e in doc.errors
             if e.message.startswith("unsupported YAML tag !Rain::")]
    pending: list[tuple[Any, tuple[Any, ...]]] = [(doc.value, ())]
    while pending:
        value, path = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and key.startswith("Rain::"):
                    span = doc.span_of(path)
                    found.append((span.line if span else 0, key))
                pending.append((item, (*path, key)))
        elif isinstance(value, list):
            pending.extend((item, (*path, i)) for i, item in enumerate(value))
    if not found:
        return None
    line, directive = min(found)
    return directive, line or None


def parse_file(path: Path, display: str, options: ParseOptions) -> ParseResult:
    """Parse one template; a file that is not a CloudFormation template yields nothing."""
    result = ParseResult()
    data = _read(path, display, options, result)
    if data is None:
        return result
    limits = options.limits
    doc = cfn_loader.load(data, max_depth=limits.max_depth,
                          max_alias_nodes=max(limits.max_loop_items * 10, 1000))
    if doc.fatal:
        result.errors.extend(e.at(display) for e in doc.errors)
        return result
    if doc.documents > 1 or not _is_template(doc.value):
        return result  # another YAML/JSON file that merely mentions AWS::
    rain = _rain_directive(doc)
    if rain is not None:
        directive, line = rain
        result.errors.append(InputError(
            display, f"a rain source template ({directive}): CloudFormation does not accept it "
                     "as written; scan the template that `rain pkg` writes from it", line))
        return result
    result.errors.extend(e.at(display) for e in doc.errors)
    try:
        _Template(doc, display, options, result).run()
    except RecursionError:  # pragma: no cover - depth is bounded by the loader
        result.errors.append(InputError(display, "template nested too deeply to evaluate"))
    return result
