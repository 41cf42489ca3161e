"""A small, typed syntax tree for Bicep (``.bicep`` and ``.bicepparam``).

Built by :mod:`iacjit.parsers.bicep.syntax`; the evaluator only sees these nodes.  Every node
knows where it is written, start and end, so a finding can point at the exact rule object of
a ``securityRules`` array, not only at the declaration that holds it.  Types and decorators
are kept (located, lightly structured) although evaluation needs little of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True, eq=False)
class Node:
    """1-based lines (inclusive) and columns (``end_column`` just past the last character)."""

    line: int
    end_line: int
    column: int = field(default=0, kw_only=True, compare=False)
    end_column: int = field(default=0, kw_only=True, compare=False)


@dataclass(slots=True, eq=False)
class Lit(Node):
    """null, true/false, an integer, or a string without interpolation."""

    value: object


@dataclass(slots=True, eq=False)
class Interp(Node):
    """A string with ``${...}`` holes: literal text and expressions, in order."""

    parts: tuple[str | Node, ...]


@dataclass(slots=True, eq=False)
class Ident(Node):
    name: str


@dataclass(slots=True, eq=False)
class Spread(Node):
    """``...expr`` inside an array (its items) or an object (its properties)."""

    value: Node


@dataclass(slots=True, eq=False)
class Arr(Node):
    items: tuple[Node, ...]  # Spread items are spliced in


@dataclass(slots=True, eq=False)
class Pair(Node):
    """``key: value``; ``key_node`` holds an interpolated key (``'${name}': {}``)."""

    key: str
    value: Node
    key_node: Node | None = None
    decorators: tuple[Node, ...] = ()


@dataclass(slots=True, eq=False)
class Obj(Node):
    pairs: tuple[Pair | Spread, ...]
    children: tuple[ResourceDecl, ...] = ()  # nested ``resource`` declarations


@dataclass(slots=True, eq=False)
class Call(Node):
    name: str  # without the ``sys.``/``az.`` namespace
    args: tuple[Node, ...]
    namespace: str = ""  # an ``import * as ns`` alias for ``ns.fn()``


@dataclass(slots=True, eq=False)
class Member(Node):
    target: Node
    name: str
    safe: bool = False  # ``a.?b``: null instead of an error when ``b`` is missing


@dataclass(slots=True, eq=False)
class Index(Node):
    target: Node
    index: Node
    safe: bool = False  # ``a[?0]``


@dataclass(slots=True, eq=False)
class MethodCall(Node):
    """``stg.listKeys()``: a resource function, always evaluated to Unknown."""

    target: Node
    name: str
    args: tuple[Node, ...]


@dataclass(slots=True, eq=False)
class NestedRef(Node):
    """``parent::child``: a nested resource reached through its parent's symbol."""

    target: Node
    name: str


@dataclass(slots=True, eq=False)
class NonNull(Node):
    """``expr!``: asserts to the type checker that the value is not null; no runtime effect."""

    operand: Node


@dataclass(slots=True, eq=False)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(slots=True, eq=False)
class Unary(Node):
    op: str  # "!", "-" or "+"
    operand: Node


@dataclass(slots=True, eq=False)
class Cond(Node):
    test: Node
    then: Node
    otherwise: Node


@dataclass(slots=True, eq=False)
class Lambda(Node):
    params: tuple[str, ...]
    body: Node


@dataclass(slots=True, eq=False)
class For(Node):
    """``[for item in xs: body]`` or ``[for (item, i) in xs: ...]``; a filtered loop has an
    :class:`IfBody` body."""

    item: str
    index: str | None
    iterable: Node
    body: Node


@dataclass(slots=True, eq=False)
class IfBody(Node):
    """``if (cond) { ... }``: a conditional resource/module body or a loop filter."""

    test: Node
    body: Node


@dataclass(slots=True, eq=False)
class TypeNode(Node):
    """A type expression.  ``kind``: name, literal, union, array, tuple, object, generic,
    member, index, nullable; ``name`` the type name or property; ``items`` the parts."""

    kind: str
    name: str = ""
    items: tuple[Node, ...] = ()


# -- declarations --------------------------------------------------------------------------
@dataclass(slots=True, eq=False)
class ParamDecl(Node):
    name: str
    type_name: str
    default: Node | None
    nullable: bool = False
    type: TypeNode | None = None
    decorators: tuple[Node, ...] = ()


@dataclass(slots=True, eq=False)
class VarDecl(Node):
    name: str
    value: Node
    decorators: tuple[Node, ...] = ()


@dataclass(slots=True, eq=False)
class OutputDecl(Node):
    name: str
    value: Node
    type: TypeNode | None = None
    decorators: tuple[Node, ...] = ()


@dataclass(slots=True, eq=False)
class ResourceDecl(Node):
    symbol: str
    type_api: str  # as written: 'Microsoft.X/y@2023-01-01' or, nested, 'securityRules'
    existing: bool
    value: Node  # Obj, For (body Obj or IfBody) or IfBody
    decorators: tuple[Node, ...] = ()


@dataclass(slots=True, eq=False)
class ModuleDecl(Node):
    symbol: str
    path: str
    value: Node
    decorators: tuple[Node, ...] = ()


@dataclass(slots=True, eq=False)
class FuncDecl(Node):
    name: str
    params: tuple[str, ...]
    body: Node
    decorators: tuple[Node, ...] = ()


@dataclass(slots=True, eq=False)
class TypeDecl(Node):
    name: str
    type: TypeNode
    decorators: tuple[Node, ...] = ()


@dataclass(slots=True, eq=False)
class ImportDecl(Node):
    """``import {a, b as c} from 'x'``, ``import * as ns from 'x'`` or an extension import."""

    source: str
    names: tuple[tuple[str, str], ...] = ()  # (exported name, local name)
    namespace: str = ""  # ``* as ns``


@dataclass(slots=True, eq=False)
class ExtensionDecl(Node):
    """``extension``/``provider``/``import 'x@1'`` of a non-Azure resource extension."""

    spec: str
    alias: str = ""
    config: Node | None = None


@dataclass(slots=True, eq=False)
class NamedValue(Node):
    """``metadata x = …``, ``assert x = …`` and ``test x 'file' = …`` declarations."""

    keyword: str
    name: str
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
    functions: dict[str, FuncDecl] = field(default_factory=dict)
    types: dict[str, TypeDecl] = field(default_factory=dict)
    imports: list[ImportDecl] = field(default_factory=list)
    extensions: list[ExtensionDecl] = field(default_factory=list)
    others: list[NamedValue] = field(default_factory=list)
    # .bicepparam only: the file it supplies (``using``) and the values it assigns.
    using: str | None = None
    assignments: dict[str, VarDecl] = field(default_factory=dict)
