"""python-hcl2's grammar, run by one loop that lexes, merges newlines, reduces and builds
iacjit's AST.

lark spends most of an HCL parse in Python-level plumbing around its regular expressions: a
generator per layer (contextual lexer, python-hcl2's post-lexer, parser), a ``Token`` built
through keyword-argument handling, a line counter object, and per reduction a chain of wrapper
objects found by hashing lark's ``Rule`` objects; iacjit then walked the tree lark built to
make its AST.  This module runs the same parse in a single loop over the same data, taken from
the loaded lark parser:

- the same per-state regular expressions (lark's contextual lexer: the terminals a parser state
  accepts, plus the ignored white space), and the same keyword rule (a ``NAME`` that spells a
  keyword the state accepts becomes that keyword);
- python-hcl2's post-lexer folded in: a newline or comment directly before a binary operator or
  ``?`` is merged into the operator's value.  As in lark, the token after a held newline is
  lexed in the parser state before that newline is fed;
- the same LALR tables, and per reduction the children lark's tree builder would keep (which
  it keeps, inlines or passes through), handed to the builder of that rule in
  :mod:`iacjit.parsers.terraform.reductions` instead of to ``Tree``.  A token is
  ``(value, line, end_line)``.

Whenever this loop meets something it does not accept (a syntax error, a character no terminal
matches, a grammar rule without a builder), the caller parses the text again with lark itself,
so error messages are lark's and an input the loop would get wrong cannot slip through.
"""

from __future__ import annotations

from copy import copy
from typing import Any

from lark import Tree

from iacjit.parsers.terraform.reductions import PASSED, Builder

# python-hcl2's post-lexer (hcl2.postlexer.OPERATOR_TYPES): a newline before one of these
# continues the expression instead of ending the attribute.
_MERGED_OPERATORS = frozenset({
    "DOUBLE_EQ", "NEQ", "LT", "GT", "LEQ", "GEQ", "ASTERISK", "SLASH", "PERCENT",
    "DOUBLE_AMP", "DOUBLE_PIPE", "PLUS", "QMARK",
})
_NEWLINE = "NL_OR_COMMENT"
# Deeper than this many parser states, the loop leaves the text to lark and the tree converter,
# which report "nesting too deep to parse" (Python's recursion limit) as before the loop built
# the AST: a deeply nested file is reported, never silently read into an AST the recursive
# evaluator and pickler cannot walk.  The deepest of 2,200 real and generated .tf files
# measured (terraform-provider-azurerm's examples, Azure/terraform, the AVM and
# terraform-aws-modules repositories, both benchmark shapes) needs under 50 states; nesting
# below the limit is read as the converter read it (tests/parsers/terraform/test_hcl_engine.py).
MAX_DEPTH = 200


class Rejected(Exception):
    """The loop cannot continue: the caller asks lark, which explains the error."""


class Engine:
    """One parse loop over a loaded python-hcl2 ``Lark`` parser's tables and lexers, building
    with *builders* (:func:`iacjit.parsers.terraform.reductions.builders`).

    *patterns* (terminal name: (python-hcl2's pattern, the one to lex with)) replace terminals'
    regular expressions in the per-state lexers, where python-hcl2's pattern is the expected
    one.  The parser may propagate positions (python-hcl2's own): the loop never does.
    """

    def __init__(self, parser: Any, builders: dict[Any, Builder],
                 patterns: dict[str, tuple[str, str]] | None = None) -> None:
        self._patterns = patterns or {}
        self._bounded: dict[int, Any] = {}  # id of lark's per-state lexer -> its copy
        frontend = parser.parser
        lalr = frontend.parser.parser
        table = lalr.parse_table
        self._contextual = frontend.lexer.lexer
        self._newline_types = frozenset(self._contextual.root_lexer.newline_types)
        self._start = table.start_states["start"]
        self._end = table.end_states["start"]
        reductions: dict[Any, tuple] = {}
        self._actions: list[dict[str, Any]] = [{} for _ in range(max(table.states) + 1)]
        for state, row in table.states.items():
            actions = self._actions[state]
            for symbol, (action, arg) in row.items():
                if action.name == "Shift":
                    actions[symbol] = arg
                else:
                    reduction = reductions.get(id(arg))
                    if reduction is None:
                        reduction = reductions[id(arg)] = _reduction(arg, lalr.callbacks[arg],
                                                                  builders)
                    actions[symbol] = reduction
        self._lexers: list[tuple | None] = [None] * len(self._actions)

    def _lexer(self, state: int) -> tuple:
        """The match function, ignored types and keywords of one state's contextual lexer."""
        shared = self._contextual.lexers[state]  # lark shares one among states alike
        basic = self._bounded.get(id(shared))
        if basic is None:
            basic = self._bounded[id(shared)] = _with_patterns(shared, self._patterns)
        scanner = basic.scanner  # built on first use, as lark does
        if len(scanner._mres) != 1:
            raise Rejected("a split scanner")
        keywords: dict[str, dict[str, str]] = {}
        for name, callback in basic.callback.items():
            terminals = getattr(getattr(callback, "scanner", None), "terminals", None)
            if terminals is None or any(t.pattern.type != "str" or t.pattern.flags
                                        for t in terminals):
                raise Rejected(f"an unknown lexer callback for {name}")
            keywords[name] = {t.pattern.value: t.name for t in terminals}
        entry = (scanner._mres[0].match, frozenset(basic.ignore_types), keywords)
        self._lexers[state] = entry
        return entry

    def parse(self, text: str) -> Any:
        """What the start rule's builder makes of *text* (for python-hcl2's grammar and
        :mod:`~iacjit.parsers.terraform.reductions`, the file's ``Body``); raises
        :class:`Rejected` where lark would fail."""
        actions, lexers, newline_types = self._actions, self._lexers, self._newline_types
        stack = [self._start]
        values: list[Any] = []
        pos, line, length = 0, 1, len(text)
        pending: tuple | None = None  # a newline held back by the post-lexer
        queued: tuple | None = None  # a token to feed after the held newline
        last: tuple = ("", 1, 1)  # the last token shifted: where a reduced rule ends
        while pos < length:
            state = stack[-1]
            lexer = lexers[state] or self._lexer(state)
            match = lexer[0](text, pos)
            if match is None:
                raise Rejected("no terminal matches")
            kind = match.lastgroup
            value = match.group()
            if kind in lexer[1]:  # white space
                pos += len(value)
                continue
            first_line = line
            if kind in newline_types:
                line += value.count("\n")
            pos += len(value)
            token = (value, first_line, line)
            if kind in lexer[2]:
                kind = lexer[2][kind].get(value, kind)
            if kind == _NEWLINE:
                if pending is None:
                    pending = token
                    continue
                token, pending = pending, token  # feed the older newline, hold this one
            elif pending is not None:
                if kind in _MERGED_OPERATORS:
                    token = (pending[0] + value, first_line, line)  # the operator's position
                else:
                    queued, queued_kind = token, kind
                    token, kind = pending, _NEWLINE
                pending = None
            while True:  # feed token (then queued): reduce, reduce..., shift
                action = actions[stack[-1]].get(kind)
                if action is None:
                    raise Rejected(f"unexpected {kind}")
                if action.__class__ is int:
                    stack.append(action)
                    values.append(token)
                    last = token
                    if len(stack) > MAX_DEPTH:
                        raise Rejected("nesting too deep")
                    if queued is None:
                        break
                    token, kind, queued = queued, queued_kind, None
                    continue
                size, origin, build, include = action
                if build is None:  # a rule that passes its child through
                    del stack[-1]
                    stack.append(actions[stack[-1]][origin])
                    continue
                if include is None:
                    if size:
                        value = build(values[-size:], last)
                        del stack[-size:]
                        del values[-size:]
                    else:
                        value = build([], last)
                    stack.append(actions[stack[-1]][origin])
                    values.append(value)
                    continue
                _reduce(action, stack, values, actions, last)
        if pending is not None:
            self._feed(pending, stack, values, last)
            last = pending
        return self._finish(stack, values, last)

    def _feed(self, token: tuple, stack: list[int], values: list[Any], last: tuple) -> None:
        """Shift a held newline *token*, after every reduction its type calls for."""
        actions = self._actions
        while True:
            action = actions[stack[-1]].get(_NEWLINE)
            if action is None:
                raise Rejected(f"unexpected {_NEWLINE}")
            if action.__class__ is int:
                stack.append(action)
                values.append(token)
                return
            _reduce(action, stack, values, actions, last)

    def _finish(self, stack: list[int], values: list[Any], last: tuple) -> Any:
        """Reduce at the end of the input until the start rule is complete (lark's ``$END``
        token is never shifted, so it leaves no trace in the result)."""
        actions, end = self._actions, self._end
        while True:
            action = actions[stack[-1]].get("$END")
            if action is None or action.__class__ is int:
                raise Rejected("unexpected end of input")
            _reduce(action, stack, values, actions, last)
            if stack[-1] == end:
                return values[-1]


def _reduce(reduction: tuple, stack: list[int], values: list[Any],
            actions: list[dict[str, Any]], last: tuple) -> None:
    size, origin, build, include = reduction
    if build is None:  # a rule that passes its child through
        del stack[-1]
        stack.append(actions[stack[-1]][origin])
        return
    if size:
        children = values[-size:]
        del stack[-size:]
        del values[-size:]
    else:
        children = []
    if include is not None:
        kept: list[Any] = []
        for index, expand in include:
            child = children[index]
            if expand and child.__class__ is list:  # a helper rule's children, spliced in
                kept += child
            else:
                kept.append(child)
        children = kept
    stack.append(actions[stack[-1]][origin])
    values.append(build(children, last))


def _splice(children: list, last: tuple) -> list:
    """A ``__x_star_n`` helper rule: its children, for the parent to splice in as lark does."""
    return children


def _reduction(rule: Any, callback: Any, builders: dict[Any, Builder]) -> tuple:
    """(size, origin, builder or None to pass the child through, kept children) of a rule.

    The kept children are read from lark's wrapper chain for the rule (``parse_tree_builder``):
    optionally position propagation, optionally a child filter, optionally
    ``ExpandSingleChild``, then ``partial(Tree, name)``.  Anything else (a transformer, an
    ambiguity expander), a rule with no builder, or a
    single-child expansion the builders do not expect, is refused and the caller uses lark.
    """
    expand_single = False
    include = None
    node = callback
    if node.__class__.__name__ == "PropagatePositions" and node.node_filter is None:
        node = node.node_builder  # positions come from the tokens (iacjit.parsers.terraform.hcl)
    if node.__class__.__name__ == "ChildFilterLALR_NoPlaceholders":
        include = tuple((index, bool(expand)) for index, expand in node.to_include)
        node = node.node_builder
    if node.__class__.__name__ == "ExpandSingleChild":
        expand_single = True
        node = node.node_builder
    if not (getattr(node, "func", None) is Tree and len(node.args) == 1
            and not node.keywords):
        raise Rejected(f"an unknown tree builder for {rule}")
    size = len(rule.expansion)
    name = node.args[0]
    if size == 1 and include in (None, ((0, False),)) and (expand_single or name in PASSED):
        return (size, rule.origin.name, None, None)  # the child is the value
    if expand_single:
        raise Rejected(f"an unexpected inlined rule {rule}")
    first = rule.expansion[0].name if size else None
    build = builders.get((name, first)) or builders.get(name)
    if build is None and name.startswith("__"):
        build = _splice
    if build is None:
        raise Rejected(f"no builder for {rule}")
    if include is not None and include == tuple((i, False) for i in range(size)):
        include = None  # keeps every child as it is
    return (size, rule.origin.name, build, include)


def _with_patterns(basic: Any, patterns: dict[str, tuple[str, str]]) -> Any:
    """A copy of lark's per-state *basic* lexer whose terminals lex with *patterns*, sorted as
    lark sorts them (the alternation's order decides between terminals matching at one place)."""
    from lark.lexer import PatternRE, TerminalDef

    terminals = []
    for terminal in basic.terminals:
        known = patterns.get(terminal.name)
        pattern = terminal.pattern
        if known and pattern.type == "re" and pattern.value == known[0]:
            terminal = TerminalDef(terminal.name, PatternRE(known[1], pattern.flags),
                                   terminal.priority)
        terminals.append(terminal)
    if all(a is b for a, b in zip(terminals, basic.terminals, strict=True)):
        return basic
    terminals.sort(key=lambda x: (-x.priority, -x.pattern.max_width, -len(x.pattern.value),
                                  x.name))
    clone = copy(basic)
    clone.terminals = terminals
    clone.terminals_by_name = {t.name: t for t in terminals}
    clone._scanner = None
    return clone
