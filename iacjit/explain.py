"""Documentation of rules and chains, rendered from the same metadata the scanner uses.

``iacjit explain ID`` prints it for a terminal (iacjit.reports.terminal_markdown) and, with
``--format markdown``, as the Markdown that ``docs/rules/*.md`` and ``docs/chains/*.md`` hold
(``make docs`` writes them; a test checks they are current).
"""

from __future__ import annotations

from pathlib import Path

FIX_TEXT = {
    "close-rule": "remove or restrict the one rule that opens the path",
    "fix-alert": "mend the existing alert that falls short (enable it, fix its operation, "
                 "scope or action group)",
    "extend-jit": "add the VM and its port to the existing JIT policy (not when a standing rule "
                  "bypasses JIT)",
    "add-alert": "add the NSG-write alert; one resource scoped to the subscription covers every "
                 "NSG",
    "close-rules": "close every rule that opens the path",
}


def _environment():
    from jinja2 import Environment, PackageLoader

    return Environment(loader=PackageLoader("iacjit.reports", "templates"),
                       keep_trailing_newline=True, autoescape=False)


def rule_markdown(rule_id: str) -> str | None:
    from iacjit.chains.definitions import all_chains
    from iacjit.rules import rule_by_id

    rule = rule_by_id(rule_id)
    if rule is None:
        return None
    chains = [c.id for c in all_chains() if any(t.rule == rule.id for t in c.triggers)]
    return _environment().get_template("rule.md.j2").render(rule=rule, chains=chains)


def chain_markdown(chain_id: str) -> str | None:
    from iacjit.chains.definitions import chain_by_id

    chain = chain_by_id(chain_id)
    if chain is None:
        return None
    return _environment().get_template("chain.md.j2").render(chain=chain, fix_text=FIX_TEXT)


def explain(item_id: str) -> str | None:
    """The Markdown page of a rule or chain, or None for an unknown id."""
    return rule_markdown(item_id) or chain_markdown(item_id)


def explain_for_terminal(item_id: str, width: int, color: bool) -> str | None:
    """The same page as wrapped terminal text (links resolved from the page's docs folder)."""
    from iacjit.reports.terminal_markdown import render

    if (markdown := rule_markdown(item_id)) is not None:
        return render(markdown, width, color, base="docs/rules")
    if (markdown := chain_markdown(item_id)) is not None:
        return render(markdown, width, color, base="docs/chains")
    return None


def write_docs(docs: Path) -> list[Path]:
    """(Re)write docs/rules/<id>.md and docs/chains/<id>.md; returns the files written."""
    from iacjit.chains.definitions import all_chains
    from iacjit.rules import ALL_RULES

    written = []
    for rule in ALL_RULES:
        path = docs / "rules" / f"{rule.id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rule_markdown(rule.id) or "", encoding="utf-8")
        written.append(path)
    for chain in all_chains():
        path = docs / "chains" / f"{chain.id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(chain_markdown(chain.id) or "", encoding="utf-8")
        written.append(path)
    return written
