"""The HTML report (``--format html``): one self-contained page, checked in the system's
headless Chromium (driven by playwright-core from .ci-venvs/node) with the network cut off.

Screenshots (light, dark) and a printed PDF land in tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import copy
import re
import subprocess
import tempfile
from html.parser import HTMLParser

import pytest
from helpers import write_tree
from helpers.node_tools import ARTIFACTS, chromium, node_prefix, run_script
from test_diagrams import SAMPLE, hostile_tf, scan_json

from iacjit.reports import html_report

HOSTILE_BITS = ["</script><script>alert(1)</script>", '"]]}', "<svg onload=alert(2)>",
                "javascript:alert(3)", "ssh</text><script>alert(5)</script>"]


@pytest.fixture(scope="session")
def browser():
    """browser(html_path, out_dir) -> what Chromium saw (see tests/js/html_check.mjs)."""
    prefix = node_prefix()
    executable = chromium()

    def open_page(page, out_dir):
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as profile:
            return run_script(prefix, "html_check.mjs", str(page), str(out_dir), executable,
                              profile, timeout=300)

    return open_page


def document_with_everything(iacjit_bin, tmp_path) -> dict:
    """The vulnerable sample, plus an unresolved check, an error, a suppressed finding."""
    text = SAMPLE.read_text(encoding="utf-8") + (
        'variable "src" {}\nresource "aws_security_group" "u" {\n  name = "u"\n  ingress {\n'
        '    from_port = 22\n    to_port = 22\n    protocol = "tcp"\n'
        '    cidr_blocks = [var.src]\n  }\n}\n')
    write_tree(tmp_path, {"main.tf": text, "broken/bad.tf": "resource {"})
    document = scan_json(iacjit_bin, tmp_path)
    extra = copy.deepcopy(next(f for f in document["findings"] if f["rule_id"] == "zt_net_001"))
    extra.update(suppressed=True, resource="azurerm_network_security_group.jump", line=200,
                 suppression={"reason": "break-glass jump host, ticket SEC-12"})
    document["findings"].append(extra)
    return document


def test_static_structure(iacjit_bin, tmp_path):
    document = document_with_everything(iacjit_bin, tmp_path)
    page = html_report.render(document)
    assert page.startswith("<!DOCTYPE html>")
    assert ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">") in page
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"\s(src|href)=", page)
    # The only URL is the SVG namespace, which is a name, never fetched.
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {"http://www.w3.org/2000/svg"}
    for section in ("chains", "findings", "suppressed", "unresolved", "errors", "jit-status"):
        assert f'<section id="{section}">' in page
    assert "break-glass jump host, ticket SEC-12" in page
    assert "prefers-color-scheme: dark" in page and "@media print" in page
    assert "main.tf:55" in page and "main.tf:108" in page


def test_hostile_names_are_text(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": hostile_tf()})
    page = html_report.render(scan_json(iacjit_bin, tmp_path))
    assert "<script" not in page and "<svg onload" not in page and "</text><script" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\u202e" not in page and "\x1b" not in page
    tags = parsed_tags(page)
    assert "script" not in {t for t, _ in tags} and "foreignobject" not in {t for t, _ in tags}
    assert not [(t, a) for t, attrs in tags for a in attrs if a.startswith("on")]
    assert not [(t, a) for t, attrs in tags for a in attrs  # nothing that could hold a URL
                if a in ("src", "href", "xlink:href", "action", "formaction", "style")]


def parsed_tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag and its attributes, as an HTML parser sees them."""
    tags: list[tuple[str, dict[str, str | None]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, dict(attrs)))

    Collect().feed(page)
    return tags


def test_cli_writes_the_report(iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": SAMPLE.read_text(encoding="utf-8")})
    proc = subprocess.run([iacjit_bin, "scan", ".", "--format", "html", "-o", "report.html"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr  # CHAIN-016 fails the run as in every format
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "CHAIN-016" in page and "<svg" in page


def test_report_in_chromium(browser, iacjit_bin, tmp_path):
    document = document_with_everything(iacjit_bin, tmp_path)
    report = tmp_path / "report.html"
    report.write_text(html_report.render(document), encoding="utf-8")
    seen = browser(report, ARTIFACTS)
    assert seen["requests"] == [report.as_uri()]
    assert seen["console"] == [] and seen["errors"] == [] and seen["dialogs"] == []
    assert seen["cspViolations"] == [] and seen["scripts"] == 0 and seen["handlers"] == []
    assert seen["verdict"].startswith("FAIL 1 attack chain and ")
    (chain,) = [c for c in document["chains"] if not c["suppressed"]]
    assert seen["chains"] == [f"CRITICAL {chain['chain_id']} — {chain['title']}"]
    active = [f for f in document["findings"] if not f["suppressed"]]
    assert len(seen["findings"]) == len(active)
    for finding in active:
        assert any(f"{finding['file']}:{finding['line']}" in row and finding["rule_id"] in row
                   for row in seen["findings"]), finding
    for step in chain["steps"]:
        assert step["action"] in seen["text"]
    (svg,) = seen["svgs"]
    assert svg["nodes"] == len(chain["targets"][0]["path_graph"]["nodes"])
    assert svg["foreign"] == 0 and svg["width"] > 300
    assert "web-vm" in " ".join(svg["text"])
    assert seen["sections"] == ["chains", "findings", "suppressed", "unresolved", "errors",
                                "jit-status"]
    assert "break-glass jump host" in seen["text"] and "could not be" not in seen["verdict"]
    assert "web-vm" in seen["text"].split("JIT status")[1]
    assert seen["background"] == {"light": "rgb(255, 255, 255)", "dark": "rgb(13, 17, 23)"}
    for name in ("report.png", "report-dark.png", "report.pdf"):
        assert (ARTIFACTS / name).stat().st_size > 10_000


def test_hostile_report_in_chromium(browser, iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": hostile_tf()})
    document = scan_json(iacjit_bin, tmp_path)
    report = tmp_path / "hostile.html"
    report.write_text(html_report.render(document), encoding="utf-8")
    seen = browser(report, ARTIFACTS / "hostile")
    assert seen["dialogs"] == [] and seen["scripts"] == 0 and seen["handlers"] == []
    assert seen["requests"] == [report.as_uri()] and seen["errors"] == []
    assert seen["cspViolations"] == []
    for bit in HOSTILE_BITS:
        assert bit in seen["text"], bit  # shown as the text it is
    (svg,) = seen["svgs"]
    assert svg["foreign"] == 0 and svg["handlers"] == []
    assert svg["nodes"] == len(document["chains"][0]["targets"][0]["path_graph"]["nodes"])


def test_the_harness_sees_network_loads(browser, tmp_path):
    """Negative control: a page that does load something is caught (and the load blocked)."""
    page = tmp_path / "loads.html"
    page.write_text('<!DOCTYPE html><img src="http://127.0.0.1:9/x.png">'
                    '<script>alert("ran")</script>', encoding="utf-8")
    seen = browser(page, tmp_path / "out")
    assert "http://127.0.0.1:9/x.png" in seen["requests"]
    assert seen["scripts"] == 1 and seen["dialogs"] == ["ran"]

