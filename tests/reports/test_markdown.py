"""The pull-request comment: structure, escaping of hostile scanned strings, truncation.

Escaping is checked on the HTML that GitHub's own renderer (cmark-gfm, through the cmarkgfm
binding, installed by the test into .ci-venvs/) makes of the comment, with raw HTML allowed
as on GitHub before its sanitizer: nothing from the scanned files may become a tag, a link, a
mention or a code span.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path

import pytest
from helpers import OPEN_NSG, write_tree
from helpers.documents import full_document

from iacjit.reports import markdown_report
from iacjit.reports.locations import link_builder

HOSTILE = [
    "<script>alert(1)</script>",
    "](http://x)",
    "[click](https://evil.example/a)",
    "@org/team",
    "`rm -rf /`",
    "\x1b[31mred\x1b[0m",
    "<img src=x onerror=alert(1)>",
    "line\n# Heading\n- item",
    "www.evil.example and mailto:me@evil.example",
    "#123 !45",
    "</summary><b>x</b>",
    "\u202eevil\u202c",
    "\" onmouseover=\"alert(1)",
]


@pytest.fixture(scope="session")
def gfm():
    """GitHub-flavoured Markdown to HTML with raw HTML kept (GitHub sanitizes afterwards)."""
    import cmarkgfm  # in the test extras
    from cmarkgfm.cmark import Options

    def render(text: str) -> str:
        return cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)

    return render


def hostile_document() -> dict:
    document = full_document()
    evil = " ".join(HOSTILE)
    for f in document["findings"]:
        f["resource"] = f"azurerm_network_security_group.{evil}"
        f["message"] = f"NSG {evil} allows 22"
        f["file"] = "infra/x](http://evil)/main.tf"
    chain = document["chains"][0]
    chain["title"] = evil
    chain["triggers"][0]["resource"] = evil
    chain["steps"][0]["action"] = evil
    chain["targets"][0]["vm_name"] = evil
    chain["targets"][0]["path"] = ["Internet", evil]
    chain["fix"][0]["description"] = evil
    document["unresolved"][0]["reason"] = evil
    document["errors"][0]["message"] = evil
    document["not_scanned"][0]["what"] = evil
    return document


def test_marker_verdict_and_sections():
    text = markdown_report.render(full_document(), link=None)
    assert text.startswith(markdown_report.MARKER + "\n")
    assert "### ❌ iacjit: 1 attack chain and 2 findings (1 high, 1 medium)" in text
    order = [text.index(h) for h in ("#### Attack chains", "#### Findings", "#### Unresolved",
                                     "#### Errors", "Not scanned (1)")]
    assert order == sorted(order)
    assert "<details>" in text and "**Walkthrough**" in text
    assert "1. **attacker**: finds SSH open to the internet (T1190)" in text
    assert "infra/main.tf:55" in text
    assert "allow\\-rdp" not in text  # the suppressed finding is not listed


def test_clean_verdicts():
    document = full_document()
    document.update(findings=[], chains=[], unresolved=[], errors=[], not_scanned=[])
    document["summary"].update(findings=0, unresolved=0, errors=0, suppressed=0,
                               by_severity={"critical": 0, "high": 0, "medium": 0, "low": 0})
    assert "### ✅ iacjit: no findings" in markdown_report.render(document, link=None)
    document["summary"]["unresolved"] = 2
    assert "2 checks could not be decided" in markdown_report.render(document, link=None)
    document["summary"]["errors"] = 1
    assert "1 input could not be read" in markdown_report.render(document, link=None)


@pytest.mark.parametrize("with_links", [False, True])
def test_hostile_strings_render_inert(gfm, with_links):
    link = (lambda file, line: f"https://github.com/o/r/blob/abc/{file}#L{line}"
            ) if with_links else None
    text = markdown_report.render(hostile_document(), link=link)
    html = gfm(text)
    assert "<script" not in html and "<img" not in html and "<h1" not in html
    assert not re.search(r"<b>x</b>", html)
    assert not re.search(r"<[^>]*onmouseover", html)
    hrefs = re.findall(r'href="([^"]*)"', html)
    if with_links:
        assert hrefs and all(h.startswith("https://github.com/o/r/blob/abc/infra/")
                             and not re.search(r"[\s()<>]", h) for h in hrefs)
        assert any("/infra/x%5D%28http" in h for h in hrefs)  # the hostile path, encoded
    else:
        assert hrefs == []
    assert "<code>rm" not in html  # scanned backticks make no code span
    for code in re.findall(r"<code>(.*?)</code>", html):
        assert code in ("--var", "--var-file", "--parameters")
    assert not re.search(r"@(org|evil)", html)  # a zero-width joiner follows every @
    # no #123 / !45 references (entities ok; code blocks such as the Mermaid diagrams, whose
    # entity codes read "#60;", are never autolinked)
    prose = re.sub(r'<pre lang="mermaid"><code>.*?</code></pre>', "", html, flags=re.S)
    assert not re.search(r"(?<!&)#\d|!\d", prose)
    assert "\x1b" not in text and "\u202e" not in text
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text)
    # the content is still there for a human to read
    assert "&lt;script&gt;alert" in html and "rm -rf /" in html


def test_summary_uses_html_escaping_without_backslashes():
    document = full_document()
    document["chains"][0]["title"] = "a_b (c) </summary>"
    text = markdown_report.render(document, link=None)
    summary = re.search(r"<summary>(.*)</summary>", text).group(1)
    assert "a_b (c) &lt;/summary&gt;" in summary and "\\" not in summary


def test_long_report_is_truncated_with_a_note(gfm):
    document = full_document()
    base = document["findings"][0]
    document["findings"] = [
        {**base, "resource": f"azurerm_network_security_group.nsg{i}", "line": i + 1,
         "message": "NSG allows port 22 from the internet " + "x" * 300}
        for i in range(2000)
    ]
    document["summary"]["findings"] = 2000
    text = markdown_report.render(document, link=None)
    assert len(text) <= markdown_report.MAX_CHARS
    assert text.startswith(markdown_report.MARKER)
    assert "This comment was truncated to stay under 65,000 characters" in text
    shown = len(re.findall(r"^- infra/main", text, flags=re.M))
    assert 0 < shown < 2000
    assert f"…and {2000 - shown} more" in text
    assert "CHAIN\\-016" in text or "CHAIN-016" in text  # chains come first and survive
    assert "<details>" in gfm(text)


def test_one_huge_string_is_capped():
    document = full_document()
    document["findings"][0]["message"] = "y" * 200_000
    text = markdown_report.render(document, link=None)
    assert len(text) < 10_000 and "y" * 500 + "…" in text


def test_links_from_github_environment(tmp_path, monkeypatch):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": "headsha"}}}))
    (tmp_path / "repo" / "infra").mkdir(parents=True)
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r",
           "GITHUB_SHA": "mergesha", "GITHUB_EVENT_PATH": str(event),
           "GITHUB_WORKSPACE": str(tmp_path / "repo")}
    build = link_builder(env, cwd=tmp_path / "repo" / "infra")
    assert build("main.tf", 3) == "https://github.com/o/r/blob/headsha/infra/main.tf#L3"
    assert build("/etc/passwd", 1) is None
    text = markdown_report.render(full_document(), link=build)
    assert "](https://github.com/o/r/blob/headsha/infra/infra/main.tf#L55)" in text


def test_links_from_gitlab_and_azure_environment(tmp_path):
    gitlab = link_builder({"CI_PROJECT_URL": "https://gitlab.example/g/p",
                           "CI_COMMIT_SHA": "abc", "CI_PROJECT_DIR": str(tmp_path)},
                          cwd=tmp_path)
    assert gitlab("a b.tf", 2) == "https://gitlab.example/g/p/-/blob/abc/a%20b.tf#L2"
    azure = link_builder({"SYSTEM_COLLECTIONURI": "https://dev.azure.com/org/",
                          "SYSTEM_TEAMPROJECT": "My Project", "BUILD_REPOSITORY_NAME": "infra",
                          "SYSTEM_PULLREQUEST_SOURCECOMMITID": "def",
                          "BUILD_SOURCESDIRECTORY": str(tmp_path)}, cwd=tmp_path)
    assert azure("main.tf", 4) == (
        "https://dev.azure.com/org/My%20Project/_git/infra?path=/main.tf&version=GCdef"
        "&line=4&lineEnd=4&lineStartColumn=1&lineEndColumn=1")
    assert link_builder({}, cwd=tmp_path) is None


def test_cli_markdown_format(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": OPEN_NSG.replace('name = "nsg"', 'name = "nsg-<b>@team"')})
    env = {k: v for k, v in __import__("os").environ.items()
           if not k.startswith(("GITHUB_", "CI_", "SYSTEM_", "BUILD_"))}
    proc = subprocess.run([iacjit_bin, "scan", ".", "--format", "markdown"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith(markdown_report.MARKER)
    assert "nsg\\-&lt;b&gt;@\u200dteam" in proc.stdout


def test_render_does_not_mutate_the_document():
    document = hostile_document()
    before = copy.deepcopy(document)
    markdown_report.render(document, link=None)
    assert document == before and Path  # Path import keeps the helper types in one place
