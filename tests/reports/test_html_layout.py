"""The HTML report's layout, measured in the system's headless Chromium at a phone's and a
desktop's width (tests/js/html_layout.mjs): a location (``file:line``) never breaks inside a
name — a long path only after a ``/`` — and table headers stay on one line, never squeezed to a
letter per line; the header names the scan (date, paths, repository, commit)."""

from __future__ import annotations

import copy
import re
import tempfile

import pytest
from helpers.node_tools import chromium, node_prefix, run_script
from test_html_report import document_with_everything

from iacjit.reports import html_report

NARROW, WIDE = 390, 1280
LONG_PATH = ("modules/networking/security-groups/management-access/"
             "a-rather-long-directory-name-for-the-jump-hosts/main.tf")
TYPICAL_PATH = "envs/production/network/security/management-access/main.tf"  # 59 characters
REPOSITORY = {"name": "infra", "url": "https://git.example.com/team/infra.git",
              "commit": "0123456789abcdef0123456789abcdef01234567", "branch": "feature/jit"}


@pytest.fixture(scope="module")
def measure():
    """measure(html_path) -> {width: what Chromium laid out at that viewport width}."""
    prefix = node_prefix()
    executable = chromium()

    def run(page):
        with tempfile.TemporaryDirectory() as profile:
            seen = run_script(prefix, "html_layout.mjs", str(page), executable, profile,
                              str(NARROW), str(WIDE), timeout=300)
        return {int(width): layout for width, layout in seen.items()}

    return run


def report_document(iacjit_bin, tmp_path) -> dict:
    """Every section, a finding deep in a module tree, and the scan metadata of a checkout."""
    document = document_with_everything(iacjit_bin, tmp_path)
    deep = copy.deepcopy(next(f for f in document["findings"] if f["rule_id"] == "zt_net_001"))
    deep.update(file=LONG_PATH, line=12345, resource="module.jump.azurerm_network_security_group"
                                                      ".jump")
    typical = copy.deepcopy(deep)
    typical.update(file=TYPICAL_PATH, line=7, resource="azurerm_network_security_group.mgmt")
    document["findings"] += [deep, typical]
    document["scan"] = {"date": "2026-12-07", "paths": ["envs/prod", LONG_PATH],
                        "repository": REPOSITORY}
    return document


def test_locations_and_headers_in_chromium(measure, iacjit_bin, tmp_path):
    document = report_document(iacjit_bin, tmp_path)
    page = tmp_path / "report.html"
    page.write_text(html_report.render(document), encoding="utf-8")
    seen = measure(page)
    for width in (NARROW, WIDE):
        layout = seen[width]
        assert layout["viewport"] == width
        assert layout["pageWidth"] == width  # wide tables scroll in their box, not the page
        locations = layout["locations"]
        assert len(locations) > 20  # findings, chain, triggers, fixes, JIT table, paths
        for location in locations:  # each segment ("main.tf:55", "modules/") on one line
            assert location["widestSegmentLines"] == 1, (width, location)
            whole = location["inCell"] and len(location["text"]) <= html_report.WHOLE_IN_CELL
            slashes = location["text"].count("/") - location["text"].endswith("/")
            assert location["segments"] == (1 if whole else slashes + 1), location
        headers = layout["headers"]
        assert {h["section"] for h in headers} >= {"findings", "jit-status", "unresolved"}
        for header in headers:  # one line, and as wide as its text
            assert header["lines"] == 1 and header["width"] >= header["textWidth"], (
                width, header)
        meta = layout["meta"]
        assert "2026-12-07 (UTC)" in meta and "envs/prod" in meta and "0123456789ab" in meta
        assert "https:\u200b//git.example.com/team/infra.git" in meta  # no autolink
        assert "feature/jit" in meta and document["tool"]["version"] in meta
    for width in (NARROW, WIDE):  # a table's location of up to 80 characters: one line
        cells = [loc for loc in seen[width]["locations"] if loc["inCell"]
                 and len(loc["text"]) <= html_report.WHOLE_IN_CELL]
        assert f"{TYPICAL_PATH}:7" in [loc["text"] for loc in cells]
        assert all(loc["lines"] == 1 for loc in cells), width
    short = [loc for loc in seen[WIDE]["locations"] if len(loc["text"]) < 60]
    assert short and all(loc["lines"] == 1 for loc in short)  # wide: every short one whole
    (deep,) = [loc for loc in seen[NARROW]["locations"] if loc["text"] == f"{LONG_PATH}:12345"
               and loc["lines"] > 1]  # the long path broke, and only after a slash
    assert deep["widestSegmentLines"] == 1


def test_the_measurement_sees_broken_names(measure, iacjit_bin, tmp_path):
    """Negative control: with the old style (break anywhere) the same page has headers and
    locations broken mid-word at the phone's width, and the measurement says so."""
    page = tmp_path / "old.html"
    html = html_report.render(report_document(iacjit_bin, tmp_path))
    old = "th, td, .loc, .loc > span { overflow-wrap: anywhere; white-space: normal; }\n</style>"
    page.write_text(html.replace("</style>", old, 1), encoding="utf-8")
    narrow = measure(page)[NARROW]
    assert any(h["lines"] > 1 for h in narrow["headers"])
    assert any(loc["widestSegmentLines"] > 1 for loc in narrow["locations"])


def test_hostile_scan_metadata_is_text(tmp_path):
    document = {"tool": {"name": "iacjit", "version": "0.1.0"}, "summary": {"exit_code": 0},
                "scan": {"date": "<b>2026</b>", "paths": ['x/"><script>alert(1)</script>'],
                         "repository": {"name": "r", "url": "<img src=x onerror=alert(2)>",
                                        "commit": "<svg onload=alert(3)>",
                                        "branch": "\u202e<i>main</i>"}}}
    page = html_report.render(document)
    meta = page.split('<dl class="meta" id="scan">', 1)[1].split("</dl>", 1)[0]
    assert "<script" not in meta and "<img" not in meta and "<svg" not in meta
    assert "<b>" not in meta and "<i>" not in meta and "\u202e" not in meta
    assert "&lt;img src=x onerror=alert(2)&gt;" in meta
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/</span><wbr><span>script&gt;" in meta
    assert not re.search(r"<(?!/?(div|dt|dd|code|span|wbr)\b)", meta)


def test_a_report_without_scan_metadata_still_renders():
    """A JSON report written before ``scan`` existed (iacjit comment --report)."""
    page = html_report.render({"tool": {"version": "0.0.9"}, "summary": {}})
    assert 'id="scan"' not in page and "No findings" in page
