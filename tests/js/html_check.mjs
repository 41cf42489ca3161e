// Open an HTML report in the system's headless Chromium (playwright-core, never a downloaded
// browser) with the network cut off, and say what a person and the browser saw.
// argv: report.html out-dir /path/to/chromium user-data-dir
// stdout: JSON {requests, console, errors, dialogs, cspViolations, scripts, title, verdict,
//               chains, findings, svgs, sections, text}; screenshots and a PDF in out-dir.
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [report, outDir, executablePath, userDataDir] = process.argv.slice(2);
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  offline: true,
  viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const seen = { requests: [], console: [], errors: [], dialogs: [] };
const page = context.pages()[0] ?? await context.newPage();
await page.route('**/*', (route) => {
  const url = route.request().url();
  seen.requests.push(url);
  return url.startsWith('file:') ? route.continue() : route.abort();
});
page.on('console', (m) => seen.console.push(`${m.type()}: ${m.text()}`));
page.on('pageerror', (e) => seen.errors.push(String(e)));
page.on('dialog', async (d) => { seen.dialogs.push(d.message()); await d.dismiss(); });
await page.addInitScript(() => {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation',
    (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
});
await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
await page.waitForTimeout(300);
const seenInPage = await page.evaluate(() => ({
  cspViolations: window.__csp,
  scripts: document.scripts.length,
  title: document.title,
  verdict: document.querySelector('#verdict')?.innerText ?? null,
  chains: [...document.querySelectorAll('article.chain h3')].map((h) => h.innerText),
  findings: [...document.querySelectorAll('tr.finding')].map((r) => r.innerText),
  svgs: [...document.querySelectorAll('svg.path')].map((s) => ({
    nodes: s.querySelectorAll('g.node').length,
    width: s.getBoundingClientRect().width,
    text: [...s.querySelectorAll('g.node')].map((g) => g.querySelector('title')?.textContent),
    foreign: s.querySelectorAll('script, foreignObject, a, image, use').length,
    handlers: [...s.querySelectorAll('*')].flatMap((el) => [...el.attributes]
      .filter((a) => a.name.startsWith('on')).map((a) => a.name)),
  })),
  handlers: [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes]
    .filter((a) => a.name.startsWith('on')).map((a) => `${el.tagName}.${a.name}`)),
  sections: [...document.querySelectorAll('section[id]')].map((s) => s.id),
  text: document.body.innerText,
}));
await page.screenshot({ path: join(outDir, 'report.png'), fullPage: true });
await page.emulateMedia({ colorScheme: 'dark' });
const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
await page.screenshot({ path: join(outDir, 'report-dark.png'), fullPage: true });
await page.emulateMedia({ colorScheme: 'light' });
const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
await page.pdf({ path: join(outDir, 'report.pdf'), format: 'A4', printBackground: false });
await context.close();
process.stdout.write(JSON.stringify({ ...seen, ...seenInPage, background: { light, dark } }));
