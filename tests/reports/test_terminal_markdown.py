"""iacjit.reports.terminal_markdown: the Markdown subset of the rule and chain pages as
terminal text (``iacjit explain``)."""

from __future__ import annotations

import pytest

from iacjit.reports.terminal_markdown import render, visible_width, wrap

CASES = [
    ("heading level 1", "# Title — x\n", "Title — x\n=========\n"),
    ("heading level 2", "## How to fix\n\nText.\n", "How to fix\n----------\n\nText.\n"),
    ("fenced code", "Intro:\n\n```hcl\nresource \"a\" \"b\" {\n  x = 1\n}\n```\n",
     "Intro:\n\n    resource \"a\" \"b\" {\n      x = 1\n    }\n"),
    ("ordered list renumbered", "1. `a` — one\n1. `b` — two\n1. c\n",
     "1. `a` — one\n2. `b` — two\n3. c\n"),
    ("bullets with continuation", "- **Azure**: first\n  second line\n- AWS\n",
     "- Azure: first second line\n- AWS\n"),
    ("absolute link", "See [T1190](https://attack.mitre.org/techniques/T1190/).\n",
     "See T1190 (https://attack.mitre.org/techniques/T1190/).\n"),
    ("relative link", "[units](../deployment-units.md)\n", "units (docs/deployment-units.md)\n"),
    ("link that is its target", "[https://x.test/a](https://x.test/a)\n", "https://x.test/a\n"),
    ("code span is literal", "`**not bold** [x](y)`\n", "`**not bold** [x](y)`\n"),
    ("emphasis", "a *VM* and *this* one\n", "a VM and this one\n"),
    ("glob stays", "match `legacy/*.tf` or a*b*c\n", "match `legacy/*.tf` or a*b*c\n"),
    ("table as blocks", "| step | actor | gain |\n|---|---|---|\n| 1 | attacker | access |\n",
     "step 1\n  actor: attacker\n  gain: access\n"),
    ("escaped pipe in a cell", "| a | b |\n|---|---|\n| x | y \\| z |\n", "a x\n  b: y | z\n"),
]


@pytest.mark.parametrize("markdown, expected", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_render(markdown, expected):
    assert render(markdown, width=80) == expected


def test_paragraphs_wrap_at_the_width_with_hanging_list_indent():
    text = render("- " + " ".join(["word"] * 30) + "\n", width=30)
    lines = text.splitlines()
    assert all(len(line) <= 30 for line in lines) and len(lines) > 3
    assert lines[0].startswith("- word") and all(line.startswith("  word") for line in lines[1:])


def test_colour_adds_emphasis_without_changing_the_words():
    markdown = "## Fix\n\nUse `a b` and **c**.\n\n```\ncode\n```\n"
    coloured = render(markdown, color=True)
    assert "\x1b[1mFix\x1b[0m\n---" in coloured
    assert "\x1b[36ma b\x1b[0m" in coloured and "\x1b[1mc\x1b[0m" in coloured
    assert "\x1b[2m    code\x1b[0m" in coloured and "`" not in coloured
    assert "\x1b" not in render(markdown)


def test_wrap_measures_only_visible_characters():
    word = "\x1b[1mbold\x1b[0m"
    assert visible_width(word) == 4
    assert wrap(" ".join([word] * 4), 13, "", "") == [f"{word} {word}", f"{word} {word}"]
