// Render Mermaid diagrams the way a code host does: mermaid 11 (its browser bundle) in the
// system's headless Chromium, offline. argv: out-dir /path/to/chromium user-data-dir;
// stdin: JSON list of diagram texts; stdout: JSON list of {ok, error, labels, edgeLabels}.
// The first diagram is also saved as out-dir/mermaid.png.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [outDir, executablePath, userDataDir] = process.argv.slice(2);
const bundle = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');
let input = '';
for await (const chunk of process.stdin) input += chunk;
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath, headless: true, offline: true, viewport: { width: 1400, height: 700 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const page = context.pages()[0] ?? await context.newPage();
await page.setContent('<!doctype html><html><body><div id="out"></div></body></html>');
await page.addScriptTag({ path: bundle });
const results = await page.evaluate(async (texts) => {
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
  const out = [];
  for (const [i, text] of texts.entries()) {
    try {
      const { svg } = await mermaid.render(`d${i}`, text);
      const holder = document.createElement('div');
      holder.innerHTML = svg;
      if (i === 0) document.getElementById('out').innerHTML = svg;
      out.push({
        ok: true,
        labels: [...holder.querySelectorAll('g.node .nodeLabel')].map((n) => n.innerText ?? n.textContent),
        edgeLabels: [...holder.querySelectorAll('g.edgeLabel .edgeLabel')].map((n) => n.textContent)
          .filter((t) => t),
        scripts: holder.querySelectorAll('script').length,
        links: holder.querySelectorAll('a').length,
      });
    } catch (error) {
      out.push({ ok: false, error: String(error?.message ?? error) });
    }
  }
  return out;
}, JSON.parse(input));
await page.locator('#out svg').screenshot({ path: join(outDir, 'mermaid.png') });
await context.close();
process.stdout.write(JSON.stringify(results));
