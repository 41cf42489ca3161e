"""python-hcl2's grammar, run by one loop that lexes, merges newlines and reduces.

lark spends most of an HCL parse in Python-level plumbing around its regular expressions: a
generator per layer (contextual lexer, python-hcl2's post-lexer, parser), a ``Token`` built
through keyword-argument handling, a line counter object, and per reduction a chain of wrapper
objects found by hashing lark's ``Rule`` objects.  This module runs the same parse in a single
loop over the same data, taken from the loaded lark parser:

- the same per-state regular expressions (lark's contextual lexer: the terminals a parser state
  accepts, plus the ignored white space), and the same keyword rule (a ``NAME`` that spells a
  keyword the state accepts becomes that keyword);
- python-hcl2's post-lexer folded in: a newline or comment directly before a binary operator or
  ``?`` is merged into the operator's value.  As in lark, the token after a held newline is
  lexed in the parser state before that newline is fed;
- the same LALR tables and the same tree building (which children a rule keeps, inlines or
  expands), so the tree, its tokens and their positions are exactly lark's.

The tree shapes are the contract with :mod:`iacjit.parsers.terraform.ast`.  Whenever this loop
meets something it does not accept (a syntax error, a character no terminal matches), the
caller parses the text again with lark itself, so error messages are lark's and an input the
loop would get wrong cannot slip through as a different tree.
"""

from __future__ import annotations

from typing import Any

from lark import Token, Tree

# python-hcl2's post-lexer (hcl2.postlexer.OPERATOR_TYPES): a newline before one of these
# continues the expression instead of ending the attribute.
_MERGED_OPERATORS = frozenset({
    "DOUBLE_EQ", "NEQ", "LT", "GT", "LEQ", "GEQ", "ASTERISK", "SLASH", "PERCENT",
    "DOUBLE_AMP", "DOUBLE_PIPE", "PLUS", "QMARK",
})
_NEWLINE = "NL_OR_COMMENT"
_new_str = str.__new__


class Rejected(Exception):
    """The loop cannot continue: the caller asks lark, which explains the error."""


class Engine:
    """One parse loop over a loaded python-hcl2 ``Lark`` parser's tables and lexers."""

    def __init__(self, parser: Any) -> None:
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
                        reduction = reductions[id(arg)] = _reduction(arg, lalr.callbacks[arg])
                    actions[symbol] = reduction
        self._lexers: list[tuple | None] = [None] * len(self._actions)

    def _lexer(self, state: int) -> tuple:
        """The match function, ignored types and keywords of one state's contextual lexer."""
        basic = self._contextual.lexers[state]
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

    def parse(self, text: str) -> Tree:
        """The tree lark would return for *text*; raises :class:`Rejected` otherwise."""
        actions, lexers, newline_types = self._actions, self._lexers, self._newline_types
        stack = [self._start]
        values: list[Any] = []
        pos, line, line_start, length = 0, 1, 0, len(text)
        pending: Token | None = None  # a newline held back by the post-lexer
        queued: Token | None = None  # a token to feed after the held newline
        while pos < length:
            state = stack[-1]
            lexer = lexers[state] or self._lexer(state)
            match = lexer[0](text, pos)
            if match is None:
                raise Rejected("no terminal matches")
            kind = match.lastgroup
            value = match.group()
            end = pos + len(value)
            if kind in lexer[1]:  # white space
                pos = end
                continue
            token = _new_str(Token, value)
            token.start_pos = pos
            token.line = line
            token.column = pos - line_start + 1
            if kind in newline_types:
                newlines = value.count("\n")
                if newlines:
                    line += newlines
                    line_start = pos + value.rindex("\n") + 1
            token.end_line = line
            token.end_column = end - line_start + 1
            token.end_pos = pos = end
            token.value = value
            if kind in lexer[2]:
                kind = lexer[2][kind].get(value, kind)
            token.type = kind
            if kind == _NEWLINE:
                if pending is None:
                    pending = token
                    continue
                token, pending = pending, token  # feed the older newline, hold this one
            elif pending is not None:
                if kind in _MERGED_OPERATORS:
                    token = Token.new_borrow_pos(kind, pending + value, token)
                else:
                    queued, token, kind = token, pending, _NEWLINE
                pending = None
            while True:  # feed token (then queued): reduce, reduce..., shift
                action = actions[stack[-1]].get(kind)
                if action is None:
                    raise Rejected(f"unexpected {kind}")
                if action.__class__ is int:
                    stack.append(action)
                    values.append(token)
                    if queued is None:
                        break
                    token, kind, queued = queued, queued.type, None
                    continue
                size, origin, data, include, expand_single = action
                if size is None:  # a unit rule that passes its child through
                    del stack[-1]
                    stack.append(actions[stack[-1]][origin])
                    continue
                if include is None and not expand_single:
                    if size:
                        value = Tree(data, values[-size:])
                        del stack[-size:]
                        del values[-size:]
                    else:
                        value = Tree(data, [])
                    stack.append(actions[stack[-1]][origin])
                    values.append(value)
                    continue
                _reduce(action, stack, values, actions)
        if pending is not None:
            self._feed(pending, _NEWLINE, stack, values)
        return self._finish(stack, values)

    def _feed(self, token: Token, kind: str, stack: list[int], values: list[Any]) -> None:
        """Shift *token*, after every reduction its type calls for."""
        actions = self._actions
        while True:
            action = actions[stack[-1]].get(kind)
            if action is None:
                raise Rejected(f"unexpected {kind}")
            if action.__class__ is int:
                stack.append(action)
                values.append(token)
                return
            _reduce(action, stack, values, actions)

    def _finish(self, stack: list[int], values: list[Any]) -> Tree:
        """Reduce at the end of the input until the start rule is complete (lark's ``$END``
        token is never shifted, so it leaves no trace in the tree)."""
        actions, end = self._actions, self._end
        while True:
            action = actions[stack[-1]].get("$END")
            if action is None or action.__class__ is int:
                raise Rejected("unexpected end of input")
            _reduce(action, stack, values, actions)
            if stack[-1] == end:
                return values[-1]


def _reduce(reduction: tuple, stack: list[int], values: list[Any],
            actions: list[dict[str, Any]]) -> None:
    size, origin, data, include, expand_single = reduction
    if size is None:  # a unit rule that passes its child through
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
            if expand:
                if kept:
                    kept += children[index].children
                else:  # the first child's list is reused, as lark does (left recursion)
                    kept = children[index].children
            else:
                kept.append(children[index])
        children = kept
    value = children[0] if expand_single and len(children) == 1 else Tree(data, children)
    stack.append(actions[stack[-1]][origin])
    values.append(value)


def _reduction(rule: Any, callback: Any) -> tuple:
    """(size, origin, tree name, kept children, expand a single child) of lark's callback.

    The callback is lark's wrapper chain for the rule (``parse_tree_builder``): optionally
    ``ExpandSingleChild``, optionally a child filter, then ``partial(Tree, name)``.  Anything
    else (a transformer, position propagation) is refused, and the caller uses lark.
    """
    expand_single = False
    include = None
    node = callback
    if node.__class__.__name__ == "ChildFilterLALR_NoPlaceholders":
        include = tuple((index, bool(expand)) for index, expand in node.to_include)
        node = node.node_builder
    if node.__class__.__name__ == "ExpandSingleChild":
        expand_single = True
        node = node.node_builder
    if not (getattr(node, "func", None) is Tree and len(node.args) == 1 and not node.keywords):
        raise Rejected(f"an unknown tree builder for {rule}")
    size = len(rule.expansion)
    if size == 1 and expand_single and include in (None, ((0, False),)):
        return (None, rule.origin.name, node.args[0], None, True)  # the child is the value
    return (size, rule.origin.name, node.args[0], include, expand_single)
