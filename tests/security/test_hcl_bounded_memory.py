"""Huge HCL literals lex in bounded memory (issue 16), with exactly python-hcl2's tokens.

The peak memory itself is measured by benchmarks/memory_huge_literals.py (not a test: it
needs seconds and gigabytes when it fails); here the replacement patterns are shown to match
the same text as python-hcl2's on generated input, and to stay small on a large one.
"""

from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from iacjit.parsers.terraform.hcl import BOUNDED_PATTERNS, position_free_tables

# Characters that the patterns treat specially, and a few that they do not.
ALPHABET = ["a", "E", "O", "T", " ", "\t", "\r", "\n", "$", "%", "{", "}", '"', "\\", "*",
            "/", "#", "<", "-", "\x85", "\u2028", "\x0b"]
TEXT = st.lists(st.sampled_from(ALPHABET), max_size=40).map("".join)
PREFIX = {"HEREDOC_TEMPLATE": ["<<EOT\n", "<<E\n"], "HEREDOC_TEMPLATE_TRIM": ["<<-EOT\n"],
          "NL_OR_COMMENT": ["/*", "//", "#", "\n", ""], "TEMPLATE_STRING": ['\\"', ""],
          "STRING_CHARS": [""]}


def test_the_originals_are_python_hcl2s():
    """Each replacement applies to the pattern python-hcl2 ships (else it would be skipped)."""
    tables = position_free_tables()
    assert tables is not None
    found = {e["name"]: e["pattern"]["value"] for e in tables["memo"].values()
             if isinstance(e, dict) and e.get("__type__") == "TerminalDef"}
    for name, (_, replacement) in BOUNDED_PATTERNS.items():
        assert found[name] == replacement, name


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(sorted(BOUNDED_PATTERNS)), body=TEXT, tail=TEXT,
       choice=st.integers(min_value=0, max_value=4))
def test_replacements_match_exactly_what_the_originals_match(name, body, tail, choice):
    original, bounded = (re.compile(p) for p in BOUNDED_PATTERNS[name])
    prefixes = PREFIX[name]
    text = prefixes[choice % len(prefixes)] + body + ("EOT\n" if choice % 2 else "") + tail
    expected, actual = original.match(text), bounded.match(text)
    assert (expected and expected.group(0)) == (actual and actual.group(0))


def test_a_huge_string_and_heredoc_lex_in_little_memory():
    """5 MB literals, parsed in a child process whose peak RSS is read back."""
    code = (
        "import resource\n"
        "from iacjit.parsers.terraform.hcl import parse_body, position_free_tables, use_tables\n"
        "assert use_tables(position_free_tables())\n"
        "blob = 'a' * 5_000_000\n"
        "parse_body('a = \"' + blob + '\"\\nb = <<EOT\\n' + blob + '\\nEOT\\n'\n"
        "           '/*' + blob + '*/\\n')\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=300)
    assert child.returncode == 0, child.stderr[-2000:]
    peak_mib = int(child.stdout.strip()) / 1024
    # The original patterns need ~120 MB per MB of literal here (~1.8 GB); the bounded ones
    # hold the text, its copies and the tree.
    assert peak_mib < 400, peak_mib
