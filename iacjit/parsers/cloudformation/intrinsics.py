"""Evaluate CloudFormation intrinsic functions and conditions as far as a static scan can.

The loader hands over long-form values (``{"Fn::Sub": ...}``).  What is knowable before
deployment is computed (parameters with a default or a supplied value, mappings, conditions over
those, string functions, ``Fn::Cidr``); what is not becomes :class:`Unknown` with the reason
(pseudo parameters, imports, availability zones, a parameter nobody set) so rules can say
"unresolved" instead of guessing.  ``Ref``/``Fn::GetAtt`` to a resource become
:class:`ResourceRef` so the graph can still link a rule to its security group and instance.

Evaluation also records, for every dict entry and list element it produces, the source path it
came from, so a parser can give each evaluated ingress entry the lines it was written on even
after ``Fn::If`` or ``AWS::NoValue`` reshaped the list.
"""

from __future__ import annotations

import base64
import ipaddress
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from iacjit.model.values import ResourceRef, Unknown, is_known, string_pattern, unknown_reason

Path = tuple[Any, ...]
SpanSink = dict[Path, Path]  # output path -> source path


class _NoValue:
    """``Ref: AWS::NoValue``: the enclosing key or list element disappears."""

    _instance: _NoValue | None = None

    def __new__(cls) -> _NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()

PSEUDO_PARAMETERS = frozenset({
    "AWS::AccountId", "AWS::NotificationARNs", "AWS::Partition", "AWS::Region",
    "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
})

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class Problem:
    """A malformed intrinsic or reference; the template would not deploy as written."""

    message: str
    path: Path


def _text(value: Any) -> str:
    """CloudFormation compares and concatenates scalars as strings (``true``, ``22``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _get_text_key(mapping: Any, key: str) -> Any:
    """``mapping[key]`` comparing keys as text: YAML reads ``22:`` as an int key."""
    if not isinstance(mapping, dict):
        return NO_VALUE
    if key in mapping:
        return mapping[key]
    return next((v for k, v in mapping.items() if _text(k) == key), NO_VALUE)


def _unknown_from(what: str, value: Any) -> Unknown:
    return Unknown(f"{what}: {unknown_reason(value) or 'value is unknown'}")


def parameter_values(definitions: Any, supplied: dict[str, Any],
                     problems: list[Problem]) -> dict[str, Any]:
    """Each parameter's value: supplied, else its ``Default``, else Unknown.

    List types (``CommaDelimitedList``, ``List<...>``) become lists, the way ``Ref`` returns
    them; SSM-backed types are resolved at deployment, so they are Unknown.
    """
    values: dict[str, Any] = {}
    if definitions is None:
        return values
    if not isinstance(definitions, dict):
        problems.append(Problem("Parameters must be a mapping", ("Parameters",)))
        return values
    for name, definition in definitions.items():
        if not isinstance(definition, dict):
            problems.append(Problem(f"parameter {name!r} must be a mapping",
                                    ("Parameters", name)))
            values[name] = Unknown(f"parameter {name} is malformed")
            continue
        kind = _text(definition.get("Type", "String"))
        if name in supplied:
            value = supplied[name]
        elif "Default" in definition:
            value = definition["Default"]
        else:
            values[name] = Unknown(
                f"parameter {name} has no Default and no value was supplied (--cfn-parameters)"
            )
            continue
        if kind.startswith("AWS::SSM::Parameter::Value"):
            values[name] = Unknown(
                f"parameter {name} is read from SSM parameter {_text(value)!r} at deployment"
            )
        elif kind == "CommaDelimitedList" or kind.startswith("List<"):
            if isinstance(value, list):
                values[name] = [_text(v) for v in value]
            else:
                values[name] = [part.strip() for part in _text(value).split(",")]
        else:
            values[name] = value
    return values


@dataclass
class Evaluator:
    """Evaluates values of one template; collects :class:`Problem` s instead of raising."""

    parameters: dict[str, Any] = field(default_factory=dict)
    mappings: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    resources: frozenset[str] = frozenset()
    max_depth: int = 200
    max_items: int = 10_000
    max_string_chars: int = 1_000_000
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _condition_cache: dict[str, bool | Unknown] = field(default_factory=dict)
    _condition_active: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._functions: dict[str, Callable[..., Any]] = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::If": self._if,
            "Fn::Equals": self._equals,
            "Fn::Not": self._not,
            "Fn::And": self._and,
            "Fn::Or": self._or,
            "Fn::Base64": self._base64,
            "Fn::Cidr": self._cidr,
            "Fn::GetAZs": self._get_azs,
            "Fn::ImportValue": self._import_value,
            "Fn::Transform": self._transform,
            "Fn::Length": self._length,
            "Fn::ToJsonString": self._to_json_string,
        }

    # -- entry points ----------------------------------------------------------------------
    def evaluate(self, value: Any, src: Path = (), out: Path = (),
                 sink: SpanSink | None = None, depth: int = 0) -> Any:
        """The value with every intrinsic evaluated; ``NO_VALUE`` when it should vanish."""
        if depth > self.max_depth:
            self._problem(f"nesting deeper than {self.max_depth} levels", src)
            return Unknown(f"nesting deeper than {self.max_depth} levels")
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                function = self._functions.get(key) if isinstance(key, str) else None
                if function is not None:
                    return function(argument, (*src, key), out, sink, depth + 1)
                if isinstance(key, str) and key.startswith("Fn::"):
                    self._problem(f"unsupported intrinsic function {key}", src)
                    return Unknown(f"{key} is not evaluated by iacjit")
            result: dict[Any, Any] = {}
            for key, item in value.items():
                evaluated = self.evaluate(item, (*src, key), (*out, key), sink, depth + 1)
                if evaluated is NO_VALUE:
                    continue
                result[key] = evaluated
                if sink is not None:
                    sink.setdefault((*out, key), (*src, key))
            return result
        if isinstance(value, list):
            items: list[Any] = []
            for index, item in enumerate(value):
                position = (*out, len(items))
                evaluated = self.evaluate(item, (*src, index), position, sink, depth + 1)
                if evaluated is NO_VALUE:
                    continue
                if sink is not None:
                    sink.setdefault(position, (*src, index))
                items.append(evaluated)
            return items
        return value

    def condition(self, name: Any, src: Path = ()) -> bool | Unknown:
        """The value of a named condition of the ``Conditions`` section."""
        if not isinstance(name, str):
            self._problem("a condition name must be a string", src)
            return Unknown("condition name is not a string")
        if name in self._condition_cache:
            return self._condition_cache[name]
        if name not in self.conditions:
            self._problem(f"condition {name!r} is not defined", src)
            return Unknown(f"condition {name} is not defined")
        if name in self._condition_active:
            self._problem(f"condition {name!r} refers to itself", ("Conditions", name))
            return Unknown(f"condition {name} refers to itself")
        self._condition_active.add(name)
        try:
            value = self._condition_value(self.conditions[name], ("Conditions", name), 0)
        finally:
            self._condition_active.discard(name)
        if isinstance(value, Unknown):
            value = Unknown(f"condition {name}: {value.reason}")
        self._condition_cache[name] = value
        return value

    # -- helpers ---------------------------------------------------------------------------
    def _problem(self, message: str, path: Path) -> None:
        self.problems.append(Problem(message, path))

    def _malformed(self, function: str, expected: str, src: Path) -> Unknown:
        self._problem(f"malformed {function}: expected {expected}", src)
        return Unknown(f"malformed {function}")

    def _args(self, argument: Any, count: int | tuple[int, ...], function: str,
              expected: str, src: Path) -> list[Any] | None:
        counts = (count,) if isinstance(count, int) else count
        if isinstance(argument, list) and len(argument) in counts:
            return argument
        self._malformed(function, expected, src)
        return None

    def _string(self, value: str) -> str | Unknown:
        if len(value) > self.max_string_chars:
            return Unknown(f"string longer than {self.max_string_chars} characters")
        return value

    def _condition_value(self, expression: Any, src: Path, depth: int) -> bool | Unknown:
        """A condition expression: ``Condition`` references, Fn::Equals/Not/And/Or."""
        if isinstance(expression, dict) and len(expression) == 1 and "Condition" in expression:
            return self.condition(expression["Condition"], (*src, "Condition"))
        value = self.evaluate(expression, src, depth=depth + 1)
        if isinstance(value, bool | Unknown):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self._problem("a condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition",
                      src)
        return Unknown("condition is not a boolean expression")

    # -- references -----------------------------------------------------------------------
    def _lookup(self, name: str, src: Path) -> Any:
        """What ``Ref name`` means: a parameter, a pseudo parameter or a resource."""
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in PSEUDO_PARAMETERS:
            return Unknown(f"pseudo parameter {name} is known only at deployment")
        if name in self.parameters:
            value = self.parameters[name]
            return list(value) if isinstance(value, list) else value
        if name in self.resources:
            return ResourceRef(name, "")
        self._problem(f"Ref to {name!r}, which is neither a parameter nor a resource", src)
        return Unknown(f"Ref to undefined name {name}")

    def _ref(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
             depth: int) -> Any:
        if not isinstance(argument, str):
            return self._malformed("Ref", "a parameter or resource name", src)
        return self._lookup(argument, src)

    def _get_att(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
                 depth: int) -> Any:
        if isinstance(argument, str):
            logical, _, attribute = argument.partition(".")
            argument = [logical, attribute]
        args = self._args(argument, 2, "Fn::GetAtt", "[LogicalId, Attribute]", src)
        if args is None:
            return Unknown("malformed Fn::GetAtt")
        logical = args[0]
        attribute = self.evaluate(args[1], (*src, 1), depth=depth)
        if not isinstance(logical, str) or not logical:
            return self._malformed("Fn::GetAtt", "a logical id", src)
        if logical not in self.resources:
            self._problem(f"Fn::GetAtt of {logical!r}, which is not a resource", src)
            return Unknown(f"Fn::GetAtt of undefined resource {logical}")
        if not is_known(attribute):
            return ResourceRef(logical, "")
        return ResourceRef(logical, _text(attribute))

    # -- strings --------------------------------------------------------------------------
    def _sub(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
             depth: int) -> Any:
        variables: dict[str, Any] = {}
        template = argument
        if isinstance(argument, list):
            args = self._args(argument, 2, "Fn::Sub", "a string or [string, {variables}]",
                              src)
            if args is None:
                return Unknown("malformed Fn::Sub")
            template, raw_variables = args
            if not isinstance(raw_variables, dict):
                return self._malformed("Fn::Sub", "a mapping of variables", (*src, 1))
            evaluated = self.evaluate(raw_variables, (*src, 1), depth=depth)
            variables = evaluated if isinstance(evaluated, dict) else {}
        if not isinstance(template, str):
            return self._malformed("Fn::Sub", "a string template", src)
        parts: list[Any] = []
        position = 0
        for match in _SUB_VARIABLE.finditer(template):
            parts.append(template[position:match.start()])
            position = match.end()
            name = match.group(1).strip()
            if name.startswith("!"):
                parts.append("${" + match.group(1)[1:] + "}")  # ${!Literal} escape
                continue
            parts.append(self._sub_variable(name, variables, src))
        parts.append(template[position:])
        values = [p for p in parts if p != ""]
        if len(values) == 1 and isinstance(values[0], ResourceRef | Unknown):
            return values[0]  # "${Sg.GroupId}" alone still links the resources
        for part in values:
            if not is_known(part) or isinstance(part, list | dict):
                if isinstance(part, list | dict) and is_known(part):
                    return self._malformed("Fn::Sub", "string variables, not lists", src)
                unknown = _unknown_from("Fn::Sub", part)
                return Unknown(unknown.reason, string_pattern(values))
            if part is NO_VALUE:
                return self._malformed("Fn::Sub", "no AWS::NoValue in a string", src)
        return self._string("".join(_text(p) for p in values))

    def _sub_variable(self, name: str, variables: dict[str, Any], src: Path) -> Any:
        if name in variables:
            return variables[name]
        if name in self.parameters or name in PSEUDO_PARAMETERS or name in self.resources:
            return self._lookup(name, src)
        logical, dot, attribute = name.partition(".")
        if dot and logical in self.resources:
            return ResourceRef(logical, attribute)
        self._problem(f"Fn::Sub variable ${{{name}}} is not defined", src)
        return Unknown(f"Fn::Sub variable {name} is not defined")

    def _join(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
              depth: int) -> Any:
        args = self._args(argument, 2, "Fn::Join", "[delimiter, [values]]", src)
        if args is None:
            return Unknown("malformed Fn::Join")
        delimiter = self.evaluate(args[0], (*src, 0), depth=depth)
        values = self.evaluate(args[1], (*src, 1), depth=depth)
        if not is_known(delimiter):
            return _unknown_from("Fn::Join", delimiter)
        if isinstance(values, Unknown | ResourceRef):
            return _unknown_from("Fn::Join", values)
        if not isinstance(values, list):
            return self._malformed("Fn::Join", "a list of values", (*src, 1))
        for item in values:
            if not is_known(item):
                return _unknown_from("Fn::Join", item)
            if isinstance(item, list | dict):
                return self._malformed("Fn::Join", "a list of strings", (*src, 1))
        return self._string(_text(delimiter).join(_text(v) for v in values))

    def _split(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
               depth: int) -> Any:
        args = self._args(argument, 2, "Fn::Split", "[delimiter, string]", src)
        if args is None:
            return Unknown("malformed Fn::Split")
        delimiter = self.evaluate(args[0], (*src, 0), depth=depth)
        source = self.evaluate(args[1], (*src, 1), depth=depth)
        for value in (delimiter, source):
            if not is_known(value):
                return _unknown_from("Fn::Split", value)
        if isinstance(source, list | dict) or not _text(delimiter):
            return self._malformed("Fn::Split", "a non-empty delimiter and a string", src)
        parts = _text(source).split(_text(delimiter))
        if len(parts) > self.max_items:  # reported: a silent Unknown hides the limit
            message = (f"Fn::Split yields {len(parts)} items, over the limit of "
                       f"{self.max_items} (raise it with --max-loop-items)")
            self._problem(message, src)
            return Unknown(message)
        return parts

    def _select(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
                depth: int) -> Any:
        args = self._args(argument, 2, "Fn::Select", "[index, [values]]", src)
        if args is None:
            return Unknown("malformed Fn::Select")
        index = self.evaluate(args[0], (*src, 0), depth=depth)
        values = self.evaluate(args[1], (*src, 1), depth=depth)
        if not is_known(index):
            return _unknown_from("Fn::Select", index)
        if isinstance(values, Unknown | ResourceRef):
            return _unknown_from("Fn::Select", values)
        try:
            position = int(_text(index))
        except ValueError:
            return self._malformed("Fn::Select", "an integer index", (*src, 0))
        if not isinstance(values, list):
            return self._malformed("Fn::Select", "a list", (*src, 1))
        if not 0 <= position < len(values):
            self._problem(f"Fn::Select index {position} is out of range "
                          f"(list has {len(values)} items)", src)
            return Unknown(f"Fn::Select index {position} out of range")
        return values[position]

    def _base64(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
                depth: int) -> Any:
        value = self.evaluate(argument, src, depth=depth)
        if not is_known(value):
            return _unknown_from("Fn::Base64", value)
        if isinstance(value, list | dict):
            return self._malformed("Fn::Base64", "a string", src)
        return self._string(base64.b64encode(_text(value).encode("utf-8")).decode("ascii"))

    def _cidr(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
              depth: int) -> Any:
        args = self._args(argument, 3, "Fn::Cidr", "[ipBlock, count, cidrBits]", src)
        if args is None:
            return Unknown("malformed Fn::Cidr")
        values = [self.evaluate(a, (*src, i), depth=depth) for i, a in enumerate(args)]
        for value in values:
            if not is_known(value):
                return _unknown_from("Fn::Cidr", value)
        try:
            network = ipaddress.ip_network(_text(values[0]).strip(), strict=False)
            count, bits = int(_text(values[1])), int(_text(values[2]))
        except ValueError:
            return self._malformed("Fn::Cidr", "a CIDR block and two integers", src)
        prefix = network.max_prefixlen - bits
        if count < 1 or bits < 0 or prefix < network.prefixlen:
            return self._malformed("Fn::Cidr", "a count >= 1 and cidrBits that fit the block",
                                   src)
        if count > self.max_items:  # reported: a silent Unknown hides the limit
            message = (f"Fn::Cidr count {count} exceeds the limit of {self.max_items} "
                       "(raise it with --max-loop-items)")
            self._problem(message, src)
            return Unknown(message)
        subnets = list(itertools.islice(network.subnets(new_prefix=prefix), count))
        if len(subnets) < count:
            return self._malformed("Fn::Cidr", f"at most {len(subnets)} subnets", src)
        return [str(s) for s in subnets]

    def _length(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
                depth: int) -> Any:
        value = self.evaluate(argument, src, depth=depth)
        if isinstance(value, list):
            return len(value)
        if not is_known(value):
            return _unknown_from("Fn::Length", value)
        return self._malformed("Fn::Length", "a list", src)

    def _to_json_string(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
                        depth: int) -> Any:
        value = self.evaluate(argument, src, depth=depth)
        if not is_known(value):
            return _unknown_from("Fn::ToJsonString", value)
        return self._string(json.dumps(value, separators=(",", ":")))

    # -- lookups that only deployment knows ------------------------------------------------
    def _get_azs(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
                 depth: int) -> Any:
        return Unknown("Fn::GetAZs: availability zones are known only at deployment")

    def _import_value(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
                      depth: int) -> Any:
        name = self.evaluate(argument, src, depth=depth)
        label = _text(name) if is_known(name) and not isinstance(name, list | dict) else "?"
        return Unknown(f"Fn::ImportValue {label}: exported by another stack")

    def _transform(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
                   depth: int) -> Any:
        name = argument.get("Name") if isinstance(argument, dict) else None
        label = _text(name) if isinstance(name, str) else "?"
        return Unknown(f"Fn::Transform: macro {label} runs at deployment")

    def _find_in_map(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
                     depth: int) -> Any:
        args = self._args(argument, (3, 4), "Fn::FindInMap",
                          "[MapName, TopLevelKey, SecondLevelKey]", src)
        if args is None:
            return Unknown("malformed Fn::FindInMap")
        keys = [self.evaluate(a, (*src, i), depth=depth) for i, a in enumerate(args[:3])]
        default: Any = NO_VALUE
        if len(args) == 4:
            options = self.evaluate(args[3], (*src, 3), depth=depth)
            if isinstance(options, dict) and "DefaultValue" in options:
                default = options["DefaultValue"]
        for key in keys:
            if not is_known(key):
                return _unknown_from("Fn::FindInMap", key)
        map_name, top, second = (_text(k) for k in keys)
        found: Any = self.mappings
        for key in (map_name, top, second):
            found = _get_text_key(found, key)
        if found is NO_VALUE:
            if default is not NO_VALUE:
                return default
            self._problem(f"Fn::FindInMap: no {map_name}/{top}/{second} in Mappings", src)
            return Unknown(f"Fn::FindInMap: {map_name}/{top}/{second} not in Mappings")
        return self.evaluate(found, ("Mappings", map_name, top, second), depth=depth)

    # -- conditions -----------------------------------------------------------------------
    def _if(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
            depth: int) -> Any:
        args = self._args(argument, 3, "Fn::If", "[condition, value_if_true, value_if_false]",
                          src)
        if args is None:
            return Unknown("malformed Fn::If")
        decided = self.condition(args[0], (*src, 0))
        if isinstance(decided, bool):
            index = 1 if decided else 2
            value = self.evaluate(args[index], (*src, index), out, sink, depth)
            if sink is not None and value is not NO_VALUE:
                sink.setdefault(out, (*src, index))
            return value
        when_true = self.evaluate(args[1], (*src, 1), depth=depth)
        when_false = self.evaluate(args[2], (*src, 2), depth=depth)
        if when_true == when_false and is_known(when_true):
            return self.evaluate(args[1], (*src, 1), out, sink, depth)
        if (when_true is NO_VALUE) != (when_false is NO_VALUE):
            # "Add this entry if C": like a resource whose Condition is unknown, the entry
            # may be deployed, so it is kept (and said) rather than hidden from the rules.
            index = 2 if when_true is NO_VALUE else 1
            self.notes.append(f"{'.'.join(str(p) for p in out) or 'value'} is kept although "
                              f"it exists only if {decided.reason}")
            value = self.evaluate(args[index], (*src, index), out, sink, depth)
            if sink is not None:
                sink.setdefault(out, (*src, index))
            return value
        return Unknown(f"Fn::If on {decided.reason}")

    def _equals(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
                depth: int) -> Any:
        args = self._args(argument, 2, "Fn::Equals", "[value, value]", src)
        if args is None:
            return Unknown("malformed Fn::Equals")
        left, right = (self.evaluate(a, (*src, i), depth=depth) for i, a in enumerate(args))
        for value in (left, right):
            if not is_known(value):
                return _unknown_from("Fn::Equals", value)
        if isinstance(left, list | dict) or isinstance(right, list | dict):
            return left == right
        return _text(left) == _text(right)

    def _not(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
             depth: int) -> Any:
        args = self._args(argument, 1, "Fn::Not", "[condition]", src)
        if args is None:
            return Unknown("malformed Fn::Not")
        value = self._condition_value(args[0], (*src, 0), depth)
        return value if isinstance(value, Unknown) else not value

    def _and(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
             depth: int) -> Any:
        return self._combine(argument, src, depth, "Fn::And", stop=False)

    def _or(self, argument: Any, src: Path, out: Path, sink: SpanSink | None,
            depth: int) -> Any:
        return self._combine(argument, src, depth, "Fn::Or", stop=True)

    def _combine(self, argument: Any, src: Path, depth: int, function: str,
                 stop: bool) -> bool | Unknown:
        """Fn::And (stops on a false) / Fn::Or (stops on a true); a known stop beats unknowns."""
        if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
            return self._malformed(function, "a list of 2 to 10 conditions", src)
        pending: Unknown | None = None
        for index, item in enumerate(argument):
            value = self._condition_value(item, (*src, index), depth)
            if isinstance(value, Unknown):
                pending = pending or value
            elif value is stop:
                return stop
        return pending if pending is not None else not stop
