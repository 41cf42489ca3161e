"""Attack-path diagrams: the structured path of a chain target, and the Mermaid flowcharts of
the pull-request comment, parsed by mermaid itself (jsdom, installed into .ci-venvs/node) and
rendered by its browser bundle in headless Chromium (tests/artifacts/mermaid.png).

A hostile label must come out of Mermaid's parser as the very text we meant: the same number of
nodes and edges, no link or click handler, and the decoded label equal to the cleaned input.
"""

from __future__ import annotations

import copy
import html
import json
import re
import subprocess
from pathlib import Path

import pytest
from helpers import REPO, write_tree
from helpers.node_tools import node_prefix, run_script

from iacjit.reports import diagrams, markdown_report
from iacjit.reports.diagrams import clean, collapse, mermaid, mermaid_blocks, mermaid_text

SAMPLE = REPO / "samples" / "terraform" / "azure" / "vulnerable" / "main.tf"
# Interpolation ("${", "%{") aside, everything a name in a .tf file can hold.
HOSTILE_PREFIX = (r'</script><script>alert(1)</script> \"]]} <svg onload=alert(2)> '
                  r'javascript:alert(3) \u202Eevil\u202C \u001b[31m #quot; ; |x| --> `x` \n '
                  r'click n0 call alert(4) &amp; <b>')
HOSTILE_LABELS = [
    "</script><script>alert(1)</script>",
    '"]]}',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "a\u202eevil\u202cb\u200b",
    "bell\x07esc\x1b[31m nul\x00",
    '%%{init: {"securityLevel": "loose"}}%%',
    "x\nclick n0 href \"javascript:alert(1)\"\ny",
    "a;b #35; #quot; &amp; &#60;",
    "```\nfence",
    "|edge| --> n9[evil]",
    "end",
    "(round) {curly} [square] <angle>",
    "graph TD; A-->B",
]


def hostile_tf() -> str:
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace('prefix = "web"', f'prefix = "{HOSTILE_PREFIX}"')
    return text.replace('"allow-ssh"', '"ssh</text><script>alert(5)</script>"')


def scan_json(iacjit_bin: str, root: Path, *paths: str) -> dict:
    proc = subprocess.run([iacjit_bin, "scan", "--format", "json", *(paths or ["."])],
                          cwd=root, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1, 2), proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="session")
def mermaid_parse():
    """mermaid_parse([text, ...]) -> [{ok, error, vertices, edges}] from mermaid.parse."""
    prefix = node_prefix()

    def parse(texts: list[str]) -> list[dict]:
        return run_script(prefix, "mermaid_check.mjs", stdin=json.dumps(texts))

    return parse


def decoded(text: str) -> str:
    """A vertex text as mermaid shows it: its entity placeholders decoded, <br> as newline."""
    text = text.replace("ﬂ°°", "&#").replace("ﬂ°", "&").replace("¶ß", ";")
    return html.unescape(text.replace("<br>", "\n"))


def expected_text(node: dict, fixed: bool) -> str:
    return "\n".join(clean(line) for line in diagrams.node_lines(node, fixed))


def sample_document(iacjit_bin, tmp_path) -> dict:
    write_tree(tmp_path, {"main.tf": SAMPLE.read_text(encoding="utf-8")})
    return scan_json(iacjit_bin, tmp_path)


# --- the structured path --------------------------------------------------------------------

def test_path_graph_of_the_sample(iacjit_bin, tmp_path):
    (target,) = sample_document(iacjit_bin, tmp_path)["chains"][0]["targets"]
    graph = target["path_graph"]
    by_kind: dict[str, list[dict]] = {}
    for node in graph["nodes"]:
        by_kind.setdefault(node["kind"], []).append(node)
    assert [n["label"] for n in by_kind["internet"]] == ["Internet"]
    assert [n["label"] for n in by_kind["entry"]] == ["public IP web-pip"]
    rules = {n["label"]: n for n in by_kind["rule"]}
    assert set(rules) == {"allow-ssh", "allow-rdp"}
    assert (rules["allow-ssh"]["priority"], rules["allow-ssh"]["ports"]) == (110, [22])
    assert (rules["allow-rdp"]["file"], rules["allow-rdp"]["line"]) == ("main.tf", 68)
    (group,) = by_kind["group"]
    assert (group["label"], group["group_kind"], group["line"]) == ("web-nsg", "NSG", 37)
    assert [n["label"] for n in by_kind["nic"]] == ["web-nic"]
    (vm,) = by_kind["vm"]
    assert (vm["label"], vm["line"]) == ("web-vm", 108)
    controls = {n["control"]: n for n in by_kind["control"]}
    assert controls["jit"]["attached_to"] == vm["id"] and controls["jit"]["rule_id"] == "zt_vis_010"
    assert controls["alert"]["attached_to"] == group["id"]
    assert graph["fix"] == [controls["alert"]["id"]]  # the cheapest fix is the subscription alert
    edges = {(e["from"], e["to"]) for e in graph["edges"]}
    assert (rules["allow-ssh"]["id"], group["id"]) in edges
    assert (controls["jit"]["id"], vm["id"]) in edges
    assert target["path"][0] == "Internet"  # the old field stays


def test_close_rule_fix_highlights_the_rule(iacjit_bin, tmp_path):
    text = SAMPLE.read_text(encoding="utf-8").replace(
        '"3380-3390"', '"8080"')  # only SSH stays open: one rule alone opens the path
    write_tree(tmp_path, {"main.tf": text})
    (target,) = scan_json(iacjit_bin, tmp_path)["chains"][0]["targets"]
    assert target["fix"]["kind"] == "close-rule"
    graph = target["path_graph"]
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert [(nodes[i]["kind"], nodes[i]["label"], nodes[i]["line"]) for i in graph["fix"]] == [
        ("rule", "allow-ssh", target["fix"]["line"])]


# --- Mermaid ----------------------------------------------------------------------------------

@pytest.mark.parametrize("label", HOSTILE_LABELS)
def test_mermaid_text_keeps_only_safe_characters(label):
    text = mermaid_text(label)
    assert re.fullmatch(r"[\w .,\-/:'=+*#;]*", text), text
    assert "%%" not in text and "\n" not in text and '"' not in text


def test_every_sample_diagram_parses(mermaid_parse, iacjit_bin):
    texts, graphs = [], []
    plans = sorted(p for p in (REPO / "samples").rglob("vulnerable") if p.is_dir())
    plans += sorted((REPO / "samples").rglob("plan.json"))
    for plan in plans:
        document = scan_json(iacjit_bin, REPO, str(plan.relative_to(REPO)))
        for chain in document["chains"]:
            for group in collapse(chain["targets"]):
                texts.append(str(mermaid(group["graph"])))
                graphs.append(group["graph"])
    assert len(texts) >= 6, "every vulnerable sample has a CHAIN-016 target"
    for text, graph, result in zip(texts, graphs, mermaid_parse(texts), strict=True):
        assert result["ok"], (result.get("error"), text)
        assert result["type"] == "flowchart-v2"
        assert len(result["vertices"]) == len(graph["nodes"])
        assert len(result["edges"]) == len(graph["edges"])
        fixed = set(graph["fix"])
        for vertex, node in zip(result["vertices"], graph["nodes"], strict=True):
            assert decoded(vertex["text"]) == expected_text(node, node["id"] in fixed)
            assert vertex["link"] is None
        classes = {v["id"]: v["classes"] for v in result["vertices"]}
        assert any("fix" in c or "brokenfix" in c for c in classes.values())
        assert any("broken" in c for c in classes.values())


def _graph_with_labels(labels: list[str]) -> dict:
    nodes = [{"id": "internet", "kind": "internet", "label": "Internet"}]
    edges = []
    for i, label in enumerate(labels):
        kind = ["entry", "rule", "group", "nic", "vm", "control"][i % 6]
        nodes.append({"id": f"x{i}", "kind": kind, "label": label, "priority": 100,
                      "ports": [22], "group_kind": "NSG", "control": "jit"})
        edges.append({"from": nodes[-2]["id"], "to": f"x{i}", "label": label})
    return {"nodes": nodes, "edges": edges, "fix": ["x1"]}


def test_hostile_labels_stay_labels(mermaid_parse):
    graph = _graph_with_labels(HOSTILE_LABELS)
    text = str(mermaid(graph))
    (result,) = mermaid_parse([text])
    assert result["ok"], (result.get("error"), text)
    assert len(result["vertices"]) == len(graph["nodes"])
    assert len(result["edges"]) == len(graph["edges"])
    for vertex, node in zip(result["vertices"], graph["nodes"], strict=True):
        assert decoded(vertex["text"]) == expected_text(node, node["id"] == "x1")
        assert vertex["link"] is None
    for edge, source in zip(result["edges"], graph["edges"], strict=True):
        assert decoded(edge["text"]) == clean(source["label"])
    assert "\u202e" not in decoded(json.dumps(result))
    assert "%%{" not in text and "click" not in text.replace("click n0", "")


def test_diagrams_render_in_chromium(iacjit_bin, tmp_path):
    """Rendered as a code host renders them (mermaid's browser bundle in headless Chromium):
    every label and edge label shows exactly its cleaned text, and nothing is a link."""
    from helpers.node_tools import ARTIFACTS, chromium

    prefix = node_prefix()
    sample = collapse(sample_document(iacjit_bin, tmp_path)["chains"][0]["targets"])[0]["graph"]
    graphs = [sample, _graph_with_labels(HOSTILE_LABELS)]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    results = run_script(prefix, "mermaid_render.mjs", str(ARTIFACTS), chromium(),
                         str(tmp_path / "profile"),
                         stdin=json.dumps([str(mermaid(g)) for g in graphs]), timeout=300)
    for graph, result in zip(graphs, results, strict=True):
        assert result["ok"], result.get("error")
        assert result["scripts"] == 0 and result["links"] == 0
        fixed = set(graph["fix"])
        assert result["labels"] == [expected_text(n, n["id"] in fixed).replace("\n", "")
                                    for n in graph["nodes"]]
        assert result["edgeLabels"] == [clean(e["label"]) for e in graph["edges"] if e["label"]]
    assert (ARTIFACTS / "mermaid.png").stat().st_size > 5_000


def test_hostile_scan_through_the_comment(mermaid_parse, iacjit_bin, tmp_path):
    write_tree(tmp_path, {"main.tf": hostile_tf()})
    document = scan_json(iacjit_bin, tmp_path)
    comment = markdown_report.render(document, link=None)
    blocks = re.findall(r"^```mermaid\n(.*?)\n```$", comment, flags=re.M | re.S)
    assert len(blocks) == 1
    assert comment.count("```") == 2  # nothing in a label opened or closed a fence
    (result,) = mermaid_parse(blocks)
    assert result["ok"], result.get("error")
    (graph,) = [g["graph"] for g in collapse(document["chains"][0]["targets"])]
    assert len(result["vertices"]) == len(graph["nodes"])
    texts = [decoded(v["text"]) for v in result["vertices"]]
    assert any(t.startswith("rule ssh</text><script>alert(5)</script>") for t in texts)
    assert any("</script><script>alert(1)</script> \"]]} <svg onload" in t for t in texts)


def test_mermaid_in_the_comment_is_one_code_block(gfm_html):
    document = json.loads(json.dumps(_document_with_targets(2)))
    document["chains"][0]["targets"][0]["vm_name"] = "```\n</pre><script>alert(1)</script>"
    rendered = gfm_html(markdown_report.render(document, link=None))
    assert rendered.count('<pre lang="mermaid">') == 1
    assert "<script" not in rendered


@pytest.fixture(scope="session")
def gfm_html():
    import cmarkgfm
    from cmarkgfm.cmark import Options

    return lambda text: cmarkgfm.github_flavored_markdown_to_html(
        text, options=Options.CMARK_OPT_UNSAFE)


# --- collapsing and the size budget -----------------------------------------------------------

def _document_with_targets(count: int, rules: int = 2) -> dict:
    from helpers.documents import full_document

    document = full_document()
    chain = document["chains"][0]
    template = chain["targets"][0]
    nodes = [{"id": "internet", "kind": "internet", "label": "Internet"},
             {"id": "entry0", "kind": "entry", "label": "public IP pip"},
             {"id": "group0", "kind": "group", "label": "shared-nsg", "group_kind": "NSG",
              "file": "infra/main.tf", "line": 3}]
    edges = [{"from": "internet", "to": "entry0", "label": ""}]
    for r in range(rules):
        nodes.append({"id": f"rule{r}", "kind": "rule", "label": f"allow-{r}", "priority": 100 + r,
                      "ports": [22], "protocol": "TCP", "file": "infra/main.tf", "line": 10 + r})
        edges += [{"from": "entry0", "to": f"rule{r}", "label": "TCP 22"},
                  {"from": f"rule{r}", "to": "group0", "label": ""}]
    nodes += [{"id": "vm", "kind": "vm", "label": "vm"},
              {"id": "alert-group0", "kind": "control", "control": "alert",
               "label": "no alert on NSG rule writes", "attached_to": "group0"}]
    edges += [{"from": "group0", "to": "vm", "label": ""},
              {"from": "alert-group0", "to": "group0", "label": "missing"}]
    chain["targets"] = []
    for i in range(count):
        target = copy.deepcopy(template)
        target["vm_name"] = f"vm-{i}"
        graph = {"nodes": copy.deepcopy(nodes), "edges": edges, "fix": ["alert-group0"]}
        graph["nodes"][-2]["label"] = f"vm-{i}"
        target["path_graph"] = graph
        chain["targets"].append(target)
    return document


def test_targets_behind_the_same_path_share_one_diagram():
    document = _document_with_targets(30)
    drawn = mermaid_blocks(document["chains"][0])
    (diagram,) = drawn["diagrams"]
    assert len(diagram["vms"]) == 30 and drawn["more"] == 0
    assert "VM vm-0, vm-1, vm-2 +27 more" in str(diagram["text"])


def test_many_rules_collapse_and_distinct_paths_are_capped(mermaid_parse):
    document = _document_with_targets(1, rules=12)
    (group,) = collapse(document["chains"][0]["targets"])
    rules = [n for n in group["graph"]["nodes"] if n["kind"] == "rule"]
    more = [n for n in group["graph"]["nodes"] if n["kind"] == "more"]
    assert len(rules) == diagrams.MAX_RULES - 1 and more[0]["label"] == "+9 more rules"
    (result,) = mermaid_parse([str(mermaid(group["graph"]))])
    assert result["ok"], result.get("error")

    document = _document_with_targets(10)
    for i, target in enumerate(document["chains"][0]["targets"]):
        target["path_graph"]["nodes"][2]["label"] = f"nsg-{i}"  # ten different paths
    drawn = mermaid_blocks(document["chains"][0])
    assert len(drawn["diagrams"]) == diagrams.MAX_DIAGRAMS
    assert drawn["more"] == 10 - diagrams.MAX_DIAGRAMS
    assert "more VM(s) on other paths" in markdown_report.render(document, link=None)


def test_comment_with_diagrams_stays_in_budget(mermaid_parse):
    document = _document_with_targets(400, rules=6)
    for i, target in enumerate(document["chains"][0]["targets"]):
        target["path_graph"]["nodes"][2]["label"] = f"nsg-{i}-" + "x" * 400
    text = markdown_report.render(document, link=None)
    assert len(text) <= markdown_report.MAX_CHARS
    blocks = re.findall(r"^```mermaid\n(.*?)\n```$", text, flags=re.M | re.S)
    assert len(blocks) <= diagrams.MAX_DIAGRAMS
    assert all(r["ok"] for r in mermaid_parse(blocks))
    small = markdown_report.render(document, link=None, max_chars=5_000)
    assert len(small) <= 5_000 and "truncated" in small


def test_report_without_path_graph_draws_the_path(mermaid_parse):
    document = _document_with_targets(1)
    del document["chains"][0]["targets"][0]["path_graph"]
    (diagram,) = mermaid_blocks(document["chains"][0])["diagrams"]
    (result,) = mermaid_parse([str(diagram["text"])])
    assert result["ok"], result.get("error")
    assert [decoded(v["text"]) for v in result["vertices"]] == [
        "Internet", "rule allow-ssh", "NSG web-nsg", "NIC web-nic", "VM web-vm"]
