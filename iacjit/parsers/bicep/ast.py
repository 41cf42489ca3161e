"""A small, typed syntax tree for Bicep, built from pycep's Lark parse tree.

pycep's own JSON output loses two things a faithful evaluation needs: the difference between an
identifier and a string literal, and line numbers below top-level declarations.  Its Lark
grammar also gives every binary operator the same precedence and right associativity, so
``2 * 3 + 1`` comes back as ``2 * (3 + 1)``.  :mod:`iacjit.parsers.bicep.syntax` therefore
builds these nodes from the Lark tree, re-associating operators; the evaluator only sees these.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Node:
    """Every node carries the 1-based inclusive lines of its source text."""

    line: int
    end_line: int


@dataclass(frozen=True)
class Lit(Node):
    """null, true/false, an integer, or a string without interpolation."""

    value: object


@dataclass(frozen=True)
class Interp(Node):
    """A string with ``${...}`` holes: literal text and expressions, in order."""

    parts: tuple[str | Node, ...]


@dataclass(frozen=True)
class Ident(Node):
    name: str


@dataclass(frozen=True)
class Arr(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Pair:
    key: str
    value: Node
    line: int
    end_line: int


@dataclass(frozen=True)
class Obj(Node):
    pairs: tuple[Pair, ...]
    children: tuple[ResourceDecl, ...] = ()  # nested ``resource`` declarations


@dataclass(frozen=True)
class Call(Node):
    name: str  # without the ``sys.``/``az.`` namespace
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Member(Node):
    target: Node
    name: str
    safe: bool = False  # ``a.?b``: null instead of an error when ``b`` is missing


@dataclass(frozen=True)
class Index(Node):
    target: Node
    index: Node
    safe: bool = False  # ``a[?0]``


@dataclass(frozen=True)
class MethodCall(Node):
    """``stg.listKeys()``: a resource function, always evaluated to Unknown."""

    target: Node
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class NestedRef(Node):
    """``parent::child``: a nested resource reached through its parent's symbol."""

    target: Node
    name: str


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "!" or "-"
    operand: Node


@dataclass(frozen=True)
class Cond(Node):
    test: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True)
class Lambda(Node):
    params: tuple[str, ...]
    body: Node


@dataclass(frozen=True)
class For(Node):
    """``[for item in xs: body]``, ``[for (item, i) in xs: ...]``, ``[for x in items(o): ...]``."""

    item: str
    index: str | None
    iterable: Node
    body: Node
    over_items: bool = False


@dataclass(frozen=True)
class IfBody(Node):
    """``if (cond) { ... }``: a conditionally deployed resource or module body."""

    test: Node
    body: Node


@dataclass(frozen=True)
class ParamDecl(Node):
    name: str
    type_name: str
    default: Node | None
    nullable: bool = False


@dataclass(frozen=True)
class VarDecl(Node):
    name: str
    value: Node


@dataclass(frozen=True)
class OutputDecl(Node):
    name: str
    value: Node


@dataclass(frozen=True)
class ResourceDecl(Node):
    symbol: str
    type_api: str  # as written: 'Microsoft.X/y@2023-01-01' or, nested, 'securityRules'
    existing: bool
    value: Node  # Obj, For (body Obj or IfBody) or IfBody


@dataclass(frozen=True)
class ModuleDecl(Node):
    symbol: str
    path: str
    value: Node


@dataclass
class Template:
    """One Bicep file's declarations, in source order per kind."""

    target_scope: str = "resourceGroup"
    params: dict[str, ParamDecl] = field(default_factory=dict)
    variables: dict[str, VarDecl] = field(default_factory=dict)
    resources: list[ResourceDecl] = field(default_factory=list)
    modules: list[ModuleDecl] = field(default_factory=list)
    outputs: dict[str, OutputDecl] = field(default_factory=dict)
    functions: set[str] = field(default_factory=set)  # user-defined ``func`` names
