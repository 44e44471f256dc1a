/**
 * First-visit cost of each web page: starts its own stack (`npm start` in a fresh data folder on free ports, as the
 * browser tests do), then loads every page of `WEB_PAGES` in a fresh browser context (empty cache; for a party's page,
 * signed in first as that demo party through the developer sign-in, so the page draws what its party sees) and records
 *
 *   firstLoadBytes  bytes transferred, as Chromium reports them (DevTools `Network.loadingFinished`
 *                   `encodedDataLength`: compressed bodies plus headers) for the document and every request it made
 *                   until the network was idle
 *   firstLoadMs     ms from navigation start to the page rendered: the later of the load event and the page's own
 *                   content in place (the frame's navigation, which the page's script draws after asking the API);
 *                   the bytes count every request until the network is idle (the page's API reads included)
 *
 * The server's bundle is built before measuring (its first build is a one-off of the server, not of a visit).
 * Target: the verify page at most 250 KB (250,000 bytes) on first load; a miss sets exit code 1.
 *
 *   npm run bench:pages [-- --json <file>]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import type { Browser } from 'playwright-core';
import { WEB_PAGES, type WebPage } from '../../services/web/pages.js';
import { launchBrowser } from '../../test/helpers/browser.js';
import { startWebStack } from '../../test/helpers/web-stack.js';

/** The verify page's first-load budget, in bytes. */
export const VERIFY_FIRST_LOAD_MAX_BYTES = 250_000;

export interface PageRow {
  page: string;
  firstLoadBytes: number;
  firstLoadMs: number;
}

/** The time (performance.now) at which the frame's navigation appears; set by a script run before the page's own. */
const RENDER_PROBE = `
  new MutationObserver((_changes, observer) => {
    if (document.querySelector('#site-header nav') !== null) {
      window.__renderedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
`;

/** The demo party each signed-in page is visited as. */
const VISITOR: Record<string, string> = {
  insurer: 'insurer',
  client: 'client',
  reinsurer: 'reinsurer',
  auditor: 'auditor',
  operations: 'admin',
};

async function measure(browser: Browser, url: string, webPage: WebPage): Promise<PageRow> {
  const pagePath = webPage.paths[0]!;
  const context = await browser.newContext();
  try {
    const visitor = VISITOR[webPage.entry];
    if (webPage.audience === 'signed-in' && visitor !== undefined) {
      // The session cookie lands in the context; the cache stays empty.
      const signIn = await context.request.post(`${url}/v1/dev/sign-in`, { data: { party: visitor } });
      if (!signIn.ok()) throw new Error(`developer sign-in as ${visitor} answered ${signIn.status()}`);
    }
    const page = await context.newPage();
    await page.addInitScript(RENDER_PROBE);
    const devtools = await context.newCDPSession(page);
    await devtools.send('Network.enable');
    await devtools.send('Network.setCacheDisabled', { cacheDisabled: true });
    let bytes = 0;
    devtools.on('Network.loadingFinished', (event) => {
      bytes += event.encodedDataLength;
    });
    await page.goto(`${url}${pagePath}`, { waitUntil: 'load' });
    await page.locator('#site-header nav').waitFor();
    await page.waitForLoadState('networkidle');
    const firstLoadMs = await page.evaluate(() => {
      const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
      const rendered = (window as unknown as { __renderedAt?: number }).__renderedAt ?? performance.now();
      return Math.max(navigation?.loadEventEnd ?? 0, rendered);
    });
    return { page: pagePath, firstLoadBytes: bytes, firstLoadMs: Math.round(firstLoadMs) };
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  const options = new Command('bench:pages')
    .description("Bytes and time of each web page's first visit, with an empty cache")
    .option('--json <file>', 'write the rows as JSON to <file>')
    .parse()
    .opts<{ json?: string }>();

  console.log('Starting the stack (npm start in a fresh data folder)…');
  const stack = await startWebStack();
  let browser: Browser | undefined;
  const rows: PageRow[] = [];
  try {
    // Builds the server's bundle once, before any visit is timed.
    const warm = await fetch(`${stack.url}${WEB_PAGES[0]!.paths[0]!}`);
    if (!warm.ok) throw new Error(`the first page answered ${warm.status}`);
    await warm.text();
    browser = await launchBrowser();
    for (const webPage of WEB_PAGES) rows.push(await measure(browser, stack.url, webPage));
  } finally {
    await browser?.close();
    await stack.stop();
  }

  console.table(rows.map((row) => ({ ...row, firstLoadKB: Number((row.firstLoadBytes / 1000).toFixed(1)) })));
  const verify = rows.find((row) => row.page === '/verify');
  const met = verify !== undefined && verify.firstLoadBytes <= VERIFY_FIRST_LOAD_MAX_BYTES;
  console.log(
    `Verify page first load: ${verify?.firstLoadBytes ?? '?'} bytes; target at most ${VERIFY_FIRST_LOAD_MAX_BYTES}: ${met ? 'met' : 'MISSED'}.`,
  );
  if (options.json !== undefined) {
    await mkdir(path.dirname(path.resolve(options.json)), { recursive: true });
    await writeFile(options.json, `${JSON.stringify(rows, null, 2)}\n`);
    console.log(`Wrote ${options.json}`);
  }
  if (!met) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
