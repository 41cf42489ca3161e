"""Property-based: the Bicep reader and evaluator terminate within a bound on any input.

Bounded steps, not time: the parser's token reads are counted and must stay within a
constant factor of the token count (linear time, no backtracking), and the evaluator's steps
within its budget (nested loops, lambdas and functions cannot multiply into a hang).  Inputs
are arbitrary Bicep-flavoured text and real-shaped files mutated by deleting, duplicating
and inserting pieces.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from helpers import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iacjit.model.raw import InputError
from iacjit.parsers.bicep import syntax as bicep_parser
from iacjit.parsers.bicep.deploy import Session, TemplateRun
from iacjit.parsers.bicep.lexer import tokenize
from iacjit.parsers.common.errors import ParseError
from iacjit.parsers.common.options import Limits, ParseOptions

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
SEEDS = [p.read_text(encoding="utf-8") for p in sorted((REPO / "samples").rglob("*.bicep"))]
SEEDS.append("""
type rule = {
  @description('n')
  name: string
  port: int?
}
func twice(x int) int => x * 2
var rules = [for (r, i) in range(0, 3): if (i % 2 == 0) {
  name: 'r${i}'
  port: twice(i)
}]
var merged = {
  ...{ a: 1 }
  '${rules[0].name}': map(rules, (r, i) => r.?port ?? i)
}
var pick = empty(rules)
  ? 'none'
  : reduce(rules, '', (acc, r) => '${acc}${r.name}')
resource script 'Microsoft.Resources/deploymentScripts@2023-08-01' = {
  name: 'run'
  identity: {
    userAssignedIdentities: {
      '${pick}': {}
    }
  }
  properties: {
    scriptContent: '''
      echo "it's ${not} interpolated"
    '''
  }
}
""")
TOKENS = ["{", "}", "[", "]", "(", ")", "'", "'''", "${", ",", ":", "=", "=>", "?", "??", ".?",
          "...", "!", "::", "@", "|", "<", ">", "\n", " ", "//", "/*", "*/", "#disable-next-line",
          "param", "var", "resource", "module", "output", "type", "func", "import", "for", "in",
          "if", "existing", "x", "y", "0", "-1", "true", "null", "'a'", "map(", "range(0, 9)",
          "resourceInput<'T@1'>", "\\", "é"]
fragments = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)), max_size=60)
arbitrary = fragments.map("".join)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A real-shaped file with a few pieces deleted, duplicated or inserted."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        a = draw(st.integers(0, len(text)))
        b = draw(st.integers(a, min(len(text), a + 40)))
        action = draw(st.sampled_from(["delete", "duplicate", "insert"]))
        if action == "delete":
            text = text[:a] + text[b:]
        elif action == "duplicate":
            text = text[:b] + text[a:b] * draw(st.integers(1, 8)) + text[b:]
        else:
            text = text[:a] + "".join(draw(fragments)) + text[a:]
    return text


class CountingParser(bicep_parser.Parser):
    """The real parser, counting every token it looks at."""

    reads = 0

    def peek(self):  # type: ignore[no-untyped-def]
        CountingParser.reads += 1
        return super().peek()


def parser_reads(text: str) -> tuple[int, int]:
    """(token reads, token count) of one parse; (0, 0) when the lexer already refuses it."""
    try:
        lexed = tokenize(text)
    except ParseError:
        return 0, 0
    CountingParser.reads = 0
    parser = CountingParser(lexed, 50, param_file=False)
    # A RecursionError is reported by parse_template as a located error: still a bounded stop.
    with contextlib.suppress(RecursionError):
        parser.program()
    return CountingParser.reads, len(lexed.tokens)


@given(st.one_of(arbitrary, mutated()))
@SETTINGS
def test_parsing_reads_each_token_a_bounded_number_of_times(text):
    reads, tokens = parser_reads(text)
    assert reads <= 40 * tokens + 40


LIMITS = Limits(max_depth=40, max_loop_items=20, max_string_chars=2000)


@given(st.one_of(mutated(), arbitrary))
@SETTINGS
def test_evaluation_stays_within_its_step_budget(tmp_path_factory, text):
    template, errors = bicep_parser.parse_template(text, LIMITS.max_depth)
    if errors:
        assert all(e.line >= 1 and e.column >= 1 for e in errors)
        return
    path = tmp_path_factory.mktemp("t") / "main.bicep"

    def load(target: Path, display: str, line: int) -> None:
        return None  # modules are not followed here: one template's own work is measured

    session = Session(ParseOptions(limits=LIMITS), "main.bicep", load)
    run = TemplateRun(session, template, path, "main.bicep")
    run.emit()
    run.outputs()
    assert run.ev.steps <= 2 * run.ev.max_steps
    assert all(isinstance(e, InputError) for e in session.errors)
