"""A small expression/body AST: what iacjit.parsers.terraform.hcl builds from python-hcl2's
grammar, and what the evaluator walks.

python-hcl2 8's ``loads()`` turns every expression back into a ``"${...}"`` string and drops
line numbers; walking its lark tree keeps both the structure and the tokens' line numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Template:
    parts: tuple[Any, ...]  # str or expression nodes


@dataclass(frozen=True)
class TupleExpr:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class ObjectExpr:
    items: tuple[tuple[Any, Any], ...]  # (key expression, value expression)


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class GetAttr:
    target: Any
    name: str


@dataclass(frozen=True)
class Index:
    target: Any
    key: Any


@dataclass(frozen=True)
class Splat:
    target: Any
    ops: tuple[Any, ...]  # ("attr", name) | ("index", expr)


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]
    expand_last: bool


@dataclass(frozen=True)
class Conditional:
    condition: Any
    true: Any
    false: Any


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Any


@dataclass(frozen=True)
class ForExpr:
    key_var: str | None
    value_var: str
    collection: Any
    key: Any | None  # None for a tuple-producing for
    value: Any
    condition: Any | None
    group: bool


@dataclass(frozen=True)
class Unsupported:
    what: str


@dataclass
class Attribute:
    name: str
    expr: Any
    line: int
    end_line: int


@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    line: int
    end_line: int


@dataclass
class Body:
    attributes: dict[str, Attribute]
    blocks: list[Block]

    def blocks_of(self, block_type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == block_type]
