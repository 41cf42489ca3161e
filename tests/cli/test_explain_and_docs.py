"""``iacjit explain`` and docs/rules, docs/chains: one source of truth, kept in sync."""

from __future__ import annotations

import os
import pty
import re
import subprocess

import pytest
from helpers import REPO

from iacjit.chains.definitions import all_chains
from iacjit.explain import explain, write_docs
from iacjit.rules import ALL_RULES

IDS = [r.id for r in ALL_RULES] + [c.id for c in all_chains()]


@pytest.mark.parametrize("item_id", IDS)
def test_docs_are_generated_from_metadata(tmp_path, item_id):
    write_docs(tmp_path)
    folder = "chains" if item_id.startswith("CHAIN") else "rules"
    generated = (tmp_path / folder / f"{item_id}.md").read_text()
    committed = (REPO / "docs" / folder / f"{item_id}.md").read_text()
    assert generated == committed, "run `make docs` and commit the result"


@pytest.mark.parametrize("item_id", [r.id for r in ALL_RULES])
def test_rule_docs_have_every_section(item_id):
    text = explain(item_id)
    for heading in ("## What it does", "## Why it is bad", "## Example", "## How to fix",
                    "## References"):
        assert heading in text


def test_chain_doc_lists_steps_and_triggers():
    text = explain("chain-016")
    assert "T1190" in text and "T1133" in text and "T1562.001" in text
    for rule in ("zt_net_001", "zt_vis_010", "zt_vis_008"):
        assert f"../rules/{rule}.md" in text


def _explain(iacjit_bin: str, cwd, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("NO_COLOR", None)
    return subprocess.run([iacjit_bin, "explain", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=60, env=env)


@pytest.mark.parametrize("item_id, folder, heading, code", [
    ("zt_net_001", "rules", "What it does", "security_rule {"),
    ("CHAIN-016", "chains", "What it detects", None),
])
def test_explain_prints_text_for_a_terminal(iacjit_bin, tmp_path, item_id, folder, heading,
                                            code):
    proc = _explain(iacjit_bin, tmp_path, item_id)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    title = (REPO / "docs" / folder / f"{item_id}.md").read_text().splitlines()[0][2:]
    assert lines[:2] == [title, "=" * len(title)]  # the page title, underlined
    assert lines[lines.index(heading) + 1] == "-" * len(heading)
    assert "```" not in proc.stdout and "\x1b" not in proc.stdout
    assert not [line for line in lines if line.startswith(("#", "|"))]
    assert "](" not in proc.stdout and "**" not in proc.stdout
    wrapped = [line for line in lines if not line.startswith("    ")  # code keeps its lines
               and len(line.split()) > 2]  # a URL longer than the width stands alone
    assert max(len(line) for line in wrapped) <= 80
    if code:  # the example, indented as a block without its fence
        assert f"    {code}" in lines
    else:  # the steps table: one block per step; the ordered fix list numbered 1..5
        assert "step 2" in lines and "  technique: T1133" in lines
        assert [line.split(".")[0] for line in lines if line[:2] in {f"{n}." for n in
                                                                     range(1, 10)}][-5:] == [
            "1", "2", "3", "4", "5"]
        assert "- `zt_vis_010` (docs/rules/zt_vis_010.md) — joined to the VM by vm" in lines


@pytest.mark.parametrize("item_id, folder", [("zt_vis_010", "rules"), ("CHAIN-016", "chains")])
def test_explain_format_markdown_is_the_docs_page(iacjit_bin, tmp_path, item_id, folder):
    proc = _explain(iacjit_bin, tmp_path, item_id, "--format", "markdown")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (REPO / "docs" / folder / f"{item_id}.md").read_text()


def test_explain_on_a_terminal_uses_bold_headings(iacjit_bin, tmp_path):
    """On a TTY: the same layout, headings in bold and code spans in colour, not backticks."""
    main, secondary = pty.openpty()
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([iacjit_bin, "explain", "zt_vis_008"], stdout=secondary,
                            stderr=subprocess.PIPE, cwd=tmp_path, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert proc.wait(timeout=60) == 0
    seen = b"".join(chunks).decode().replace("\r\n", "\n")
    assert "\x1b[1mHow to fix\x1b[0m\n----------" in seen
    assert "\x1b[36mzt_vis_008\x1b[0m" not in seen.split("\n")[0]  # the title is plain bold
    assert "`" not in seen and "```" not in seen
    plain = _explain(iacjit_bin, tmp_path, "zt_vis_008", "--no-color").stdout
    assert "\x1b" not in plain
    # the same words (the backticks' width may move a line break)
    assert re.sub(r"\x1b\[[0-9;]*m", "", seen).split() == plain.replace("`", "").split()


def test_explain_command(iacjit_bin, tmp_path):
    proc = subprocess.run([iacjit_bin, "explain", "zt_net_001", "-f", "markdown"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("# zt_net_001")
    unknown = subprocess.run([iacjit_bin, "explain", "zt_nope"], capture_output=True, text=True,
                             cwd=tmp_path, timeout=60)
    assert unknown.returncode == 2 and "known: zt_net_001" in unknown.stderr


def test_rule_ids_name_the_rule_modules():
    """iacjit.rules.RULE_IDS lets the CLI pick rules without importing them: it must list
    exactly the rules, in report order."""
    from iacjit.rules import RULE_IDS

    assert tuple(rule.id for rule in ALL_RULES) == RULE_IDS
