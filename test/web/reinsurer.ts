/**
 * The reinsurer dashboard and the auditor view in a real browser against the whole stack, after `npm run demo` has
 * sold, paid and ceded a flight-delay and a rainfall policy:
 * - the reinsurer sees its treaty, the charts and the cession statement, downloads the statement as CSV and JSON, and
 *   both files' totals equal the API's statement and the sums of the treaty's logs read from the chain; the
 *   re-derivation from the chain says "matches";
 * - the auditor sees the documents, policies and oracle reports, and neither the page's text nor any API answer it
 *   received holds personal data: not the client's legal name, not the personal fields a document was registered
 *   with (the insured's name, id number and phone), not the holder's address in the policies.
 * Both at a desktop's and a phone's width, with axe on each state and a screenshot of each final state.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { readTreaty, treatyStatementLines } from '../../services/ledger/treaty.js';
import {
  describeInBrowser,
  expectAccessible,
  keepScreenshot,
  launchBrowser,
  watchedPage,
  type WatchedPage,
} from '../helpers/browser.js';
import { groupGone, spawnInRepository } from '../helpers/stack-process.js';
import { startWebStack, type WebStack } from '../helpers/web-stack.js';

/** What the demo's summary tells of the claims it paid. */
interface DemoSummary {
  flight: { claim: { payout: string; quotaShare: string } };
  weather: { claim: { payout: string; quotaShare: string } };
}

/** Personal fields the insurer registers a document with: the auditor must never see them. */
const PERSONAL = { insuredName: 'Jolanda Quist-Verhoeven', idNumber: 'NL-ZX998877', phone: '+31 20 555 0199' };

const PHONE = { width: 390, height: 844 };

async function runDemo(stack: WebStack): Promise<DemoSummary> {
  const demo = spawnInRepository('npm', ['run', '--silent', 'demo', '--', '--json'], stack.env);
  const exit = await demo.exited;
  await groupGone(demo.pgid, 10_000);
  expect(exit.code, demo.output().slice(-3_000)).to.equal(0);
  const summary = demo
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { type: string })
    .find((line) => line.type === 'summary');
  expect(summary, 'the demo ends with its summary').not.to.equal(undefined);
  return summary as unknown as DemoSummary;
}

/** Calls the API as a demo party, by its API key. */
async function apiAs(stack: WebStack, party: string, path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(`${stack.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${stack.apiKeys[party]}`, ...init.headers },
  });
  expect(response.ok, `${path} answered ${response.status}: ${await response.clone().text()}`).to.equal(true);
  return response;
}

/** Registers (and anchors) a policy document carrying personal fields, readable by the client. */
async function registerPersonalDocument(stack: WebStack): Promise<void> {
  const form = new FormData();
  form.append(
    'metadata',
    JSON.stringify({
      documentType: 'Policy',
      policyRef: 'PL-AUDIT-PERSONAL-1',
      retentionClass: 2,
      coverEndsAt: '2027-12-31',
      readers: [stack.wallet('CLIENT').address],
      personal: PERSONAL,
      mode: 'single',
    }),
  );
  form.append('file', new Blob(['Schedule for the insured named in the personal fields.\n']), 'schedule.txt');
  await apiAs(stack, 'insurer', '/v1/documents?confirm=true', { method: 'POST', body: form });
}

async function devSignIn(page: Page, url: string, party: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Demo party').selectOption(party);
  await page.getByRole('button', { name: 'Sign in as this demo party' }).click();
}

async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  // The page may redraw after a resize (its charts do): give it a moment to settle.
  await page
    .waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth, undefined, { timeout: 5_000 })
    .catch(() => undefined);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${what} scrolls sideways at a phone's width`).to.be.at.most(0);
}

/** The CSV's rows as objects by the header's column names (RFC 4180 quoting). */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n') {
      row.push(field.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  const [header, ...body] = rows;
  return body.map((cells) => Object.fromEntries(header!.map((name, index) => [name, cells[index] ?? ''])));
}

async function download(page: Page, button: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  return readFileSync(await file.path(), 'utf8');
}

describeInBrowser('web pages: the reinsurer dashboard and the auditor view', function () {
  this.timeout(300_000);
  let stack: WebStack;
  let browser: Browser;
  let demo: DemoSummary;

  before(async function () {
    stack = await startWebStack();
    browser = await launchBrowser();
    demo = await runDemo(stack);
    await registerPersonalDocument(stack);
  });

  after(async function () {
    await browser?.close();
    await stack?.stop();
  });

  it('shows the treaty and its statement, exports CSV and JSON whose totals agree with the API and the chain, and the re-derivation matches', async function () {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const watched = await watchedPage(context);
    const { page } = watched;
    await devSignIn(page, `${stack.url}/reinsurer`, 'reinsurer');

    const treaty = stack.deployment.reinsuranceTreaty!;
    await page.getByRole('heading', { name: `Treaty ${treaty}` }).waitFor();
    await page.getByRole('heading', { name: 'Exposure and losses over time' }).waitFor();
    await page.getByRole('heading', { name: 'Cession statement' }).waitFor();
    const verdict = page.locator('.verdict');
    await verdict.waitFor({ timeout: 60_000 });
    expect(await verdict.textContent()).to.contain('matches');
    expect(await verdict.textContent()).to.contain('The statement matches the chain');
    await expectAccessible(page, 'on the reinsurer dashboard (desktop)');

    const csv = parseCsv(await download(page, 'Download CSV'));
    const json = JSON.parse(await download(page, 'Download JSON (signed)')) as {
      statement: { totals: Record<string, string | number>; period: { toBlock: number }; lines: unknown[] };
      signature: unknown;
    };
    await page.getByRole('status').filter({ hasText: '.json saved.' }).waitFor();

    // The API's statement now: later blocks (other parties' transactions) move its period's end, not its figures.
    const api = (await (await apiAs(stack, 'reinsurer', `/v1/treaties/${treaty}/statement`)).json()) as typeof json;
    expect(json.statement.totals).to.deep.equal(api.statement.totals);
    expect(json.statement.lines).to.deep.equal(api.statement.lines);
    // The JSON file is the signed package, as it came: its signature checks.
    const check = await fetch(`${stack.url}/v1/treaties/statements/verify`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(json),
    });
    expect(((await check.json()) as { valid: boolean }).valid, 'the JSON file’s signature checks').to.equal(true);
    const csvTotals: Record<string, string | undefined> = Object.fromEntries(
      csv.filter((row) => row.section === 'total').map((row) => [row.id!, row.amount!]),
    );
    expect(csvTotals).to.deep.equal(
      Object.fromEntries(Object.entries(api.statement.totals).map(([name, value]) => [name, String(value)])),
    );
    expect(csv.filter((row) => row.section === 'line')).to.have.length(api.statement.lines.length);

    // The chain: the treaty's logs, read through the ledger layer and summed here.
    const record = (await readTreaty(stack, treaty))!;
    const lines = await treatyStatementLines(stack, record.address, {
      fromBlock: 0,
      toBlock: json.statement.period.toBlock,
    });
    const sum = (kind: string, field: string) =>
      lines.filter((line) => line.kind === kind).reduce((total, line) => total + (line.amounts[field] ?? 0n), 0n);
    expect(csvTotals.grossLosses).to.equal(sum('LossCeded', 'gross').toString());
    expect(csvTotals.lossesCededQuotaShare).to.equal(sum('LossCeded', 'cededQuotaShare').toString());
    expect(csvTotals.lossesCededExcessOfLoss).to.equal(sum('LossCeded', 'cededExcessOfLoss').toString());
    expect(csvTotals.premiumCeded).to.equal(sum('PremiumCeded', 'cededPremium').toString());
    expect(csvTotals.cedingCommission).to.equal(sum('PremiumCeded', 'cedingCommission').toString());
    expect(csvTotals.lines).to.equal(String(lines.length));
    // And what the demo paid: both claims' gross and their quota shares.
    expect(csvTotals.grossLosses).to.equal(
      (BigInt(demo.flight.claim.payout) + BigInt(demo.weather.claim.payout)).toString(),
    );
    expect(csvTotals.lossesCededQuotaShare).to.equal(
      (BigInt(demo.flight.claim.quotaShare) + BigInt(demo.weather.claim.quotaShare)).toString(),
    );

    await page.setViewportSize(PHONE);
    await expectNoSidewaysScroll(page, 'the reinsurer dashboard');
    await expectAccessible(page, 'on the reinsurer dashboard (phone)');
    await keepScreenshot(page, 'reinsurer-dashboard-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    await keepScreenshot(page, 'reinsurer-dashboard');
    watched.expectNoProblems();
    await context.close();
  });

  it('shows every difference when the statement it is served does not agree with the chain', async function () {
    const context = await browser.newContext({ viewport: PHONE });
    const watched = await watchedPage(context);
    const { page } = watched;
    // A statement altered on its way to the page: one line's loss and the gross total raised by 1.
    await page.route('**/v1/treaties/*/statement', async (route) => {
      if (route.request().headers().accept !== 'application/json') return route.continue();
      const response = await route.fetch();
      const signed = (await response.json()) as {
        statement: {
          totals: Record<string, string>;
          lines: { id: string; kind: string; amounts: Record<string, string> }[];
        };
      };
      const loss = signed.statement.lines.find((line) => line.kind === 'LossCeded')!;
      loss.amounts.gross = (BigInt(loss.amounts.gross!) + 1n).toString();
      signed.statement.totals.grossLosses = (BigInt(signed.statement.totals.grossLosses!) + 1n).toString();
      return route.fulfill({ response, json: signed });
    });
    await devSignIn(page, `${stack.url}/reinsurer`, 'reinsurer');
    const verdict = page.locator('.verdict');
    await verdict.waitFor({ timeout: 60_000 });
    expect(await verdict.textContent()).to.contain('differs');
    const differences = page.getByRole('table', { name: 'Differences, line by line' });
    const text = await differences.innerText();
    expect(text).to.contain('total grossLosses');
    expect(text).to.contain('LossCeded gross');
    expect(text).to.contain('signature');
    await expectAccessible(page, 'on the reinsurer dashboard with differences (phone)');
    await expectNoSidewaysScroll(page, 'the reinsurer dashboard with differences');
    await keepScreenshot(page, 'reinsurer-dashboard-differences');
    watched.expectNoProblems();
    await context.close();
  });

  it('shows the auditor the documents, policies and oracle reports with no personal data in the page or its answers', async function () {
    const context: BrowserContext = await browser.newContext({ viewport: PHONE });
    const watched: WatchedPage = await watchedPage(context);
    const { page } = watched;
    const answers: Promise<string>[] = [];
    page.on('response', (response) => {
      // `/v1/site` lists the local stack's demo parties for its developer sign-in, to anyone: not the auditor's data.
      const { pathname } = new URL(response.url());
      if (pathname.startsWith('/v1/') && pathname !== '/v1/site') answers.push(response.text().catch(() => ''));
    });
    await devSignIn(page, `${stack.url}/auditor`, 'auditor');

    for (const title of ['Documents', 'Policies', 'Oracle feeds']) {
      await page
        .getByRole('status')
        .filter({ hasText: `${title.toLowerCase()} shown.` })
        .waitFor();
    }
    const rows = (name: string) => page.getByRole('table', { name }).locator('tbody > tr:not(.details-row)');
    expect(await rows('Documents').count()).to.be.at.least(5);
    expect(await rows('Policies').count()).to.equal(2);
    expect(await rows('Oracle feeds').count()).to.be.at.least(2);
    expect(await page.getByRole('table', { name: 'Policies' }).textContent()).to.contain('flight JQ762');
    await expectAccessible(page, 'on the auditor view (phone)');
    await expectNoSidewaysScroll(page, 'the auditor view');

    // A feed's oracle reports open under its row.
    const reports = page.locator('details').filter({ hasText: 'oracle reports on feed' }).first();
    await reports.locator('summary').click();
    expect(await reports.locator('li').count()).to.be.at.least(2);
    await expectAccessible(page, 'on the auditor view with reports open');

    const client = stack.wallet('CLIENT').address;
    const site = (await (await fetch(`${stack.url}/v1/site`)).json()) as {
      devParties: { name: string; legalName: string }[];
    };
    const clientName = site.devParties.find((party) => party.name === 'client')!.legalName;
    const text = await page.locator('main').innerText();
    const received = await Promise.all(answers);
    expect(received.length).to.be.at.least(4);
    for (const secret of [clientName, ...Object.values(PERSONAL)]) {
      expect(text, `the page shows ${secret}`).not.to.contain(secret);
      for (const answer of received) expect(answer, `an API answer holds ${secret}`).not.to.contain(secret);
    }
    expect(text.toLowerCase(), 'the page shows the holder’s address').not.to.contain(client.toLowerCase());

    await page.setViewportSize({ width: 1280, height: 900 });
    await expectAccessible(page, 'on the auditor view (desktop)');
    await keepScreenshot(page, 'auditor-view');
    watched.expectNoProblems();
    await context.close();
  });
});
