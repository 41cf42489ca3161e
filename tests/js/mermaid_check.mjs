// Parse Mermaid diagrams with mermaid itself (in jsdom): stdin is a JSON list of diagram texts,
// stdout a JSON list of {ok, error, type, vertices: [{id, text, classes, link}], edges}.
// Run from the npm prefix that holds mermaid and jsdom (tests/reports/test_diagrams.py copies it there).
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const name of ['DOMParser', 'Element', 'HTMLElement', 'Node', 'navigator']) {
  if (!(name in globalThis)) globalThis[name] = dom.window[name];
}
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    const vertices = [...db.getVertices().values()].map((v) => ({
      id: v.id, text: v.text, classes: v.classes, link: v.link ?? null, type: v.type ?? null,
    }));
    const edges = db.getEdges().map((e) => ({ start: e.start, end: e.end, text: e.text }));
    results.push({ ok: true, type: parsed.diagramType, vertices, edges,
                 });
  } catch (error) {
    results.push({ ok: false, error: String(error?.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(results));
