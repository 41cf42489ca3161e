// Measure how an HTML report lays out in the system's headless Chromium at several viewport
// widths (network cut off): how many lines each location and each table header takes.
// argv: report.html /path/to/chromium user-data-dir width...
// stdout: JSON {"<width>": {viewport, pageWidth, locations: [{text, inCell, lines, segments,
//                                                   widestSegmentLines}],
//                           headers: [{section, text, lines, width, textWidth}], meta}}
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';

const [report, executablePath, userDataDir, ...widths] = process.argv.slice(2);
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  offline: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const page = context.pages()[0] ?? await context.newPage();
await page.route('**/*', (route) => (route.request().url().startsWith('file:')
  ? route.continue() : route.abort()));
const seen = {};
for (const width of widths.map(Number)) {
  await page.setViewportSize({ width, height: 900 });
  await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
  seen[width] = await page.evaluate(() => {
    // the distinct line boxes a node's text occupies
    const lines = (node) => {
      const range = document.createRange();
      range.selectNodeContents(node);
      return new Set([...range.getClientRects()].filter((r) => r.width > 0)
        .map((r) => Math.round(r.top))).size;
    };
    const textWidth = (node) => {
      const range = document.createRange();
      range.selectNodeContents(node);
      return range.getBoundingClientRect().width;
    };
    return {
      viewport: window.innerWidth,
      pageWidth: document.documentElement.scrollWidth,
      locations: [...document.querySelectorAll('code.loc')].map((code) => ({
        text: code.innerText,
        inCell: code.parentElement?.tagName === 'TD',
        lines: lines(code),
        segments: code.querySelectorAll(':scope > span').length,
        widestSegmentLines: Math.max(0, ...[...code.querySelectorAll(':scope > span')]
          .map(lines)),
      })),
      headers: [...document.querySelectorAll('th')].map((th) => ({
        section: th.closest('section[id]')?.id ?? null,
        text: th.innerText,
        lines: lines(th),
        width: th.getBoundingClientRect().width,
        textWidth: textWidth(th),
      })),
      meta: document.querySelector('#scan')?.innerText ?? null,
    };
  });
}
await context.close();
process.stdout.write(JSON.stringify(seen));
