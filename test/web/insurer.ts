/**
 * The insurer console in a real browser against the whole stack (`npm start`): the insurer signs in (developer
 * sign-in), anchors a document and a batch and sees each reach "anchored" with the SHA-256 the chain holds, sees a
 * refused upload's problem without losing the form, sells a flight delay policy on a flight the replay server has
 * recorded — the terms in words beside the typed data, a departed flight refused by the form — and the client reads
 * the very same terms through the API; once the client consents, the book shows the flight's exposure against the cap.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { Wallet } from 'ethers';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { payingFlights, redateFlight } from '../../services/demo/catalogue.js';
import { FLIGHT_OFFER } from '../../services/demo/flight.js';
import {
  describeInBrowser,
  expectAccessible,
  keepScreenshot,
  launchBrowser,
  watchedPage,
  type WatchedPage,
} from '../helpers/browser.js';
import { startWebStack, type WebStack } from '../helpers/web-stack.js';

const HOUR = 3_600;

describeInBrowser('insurer console: documents, a sale and the book', function () {
  this.timeout(300_000);
  let stack: WebStack;
  let browser: Browser;
  let context: BrowserContext;
  let watched: WatchedPage;
  let page: Page;
  let client: string;

  async function callApi<T>(party: string, method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${stack.apiKeys[party]}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    expect(response.ok, `${method} ${path}: ${response.status} ${text}`).to.equal(true);
    return JSON.parse(text) as T;
  }

  /**
   * Chromium logs every 4xx answer as a console error; a test that makes the API refuse on purpose takes exactly
   * those refusals out of the page's problems, so that any other error still fails it.
   */
  function expectRefusals(status: number, count: number): void {
    const refusals = watched.problems.console.filter((line) => line.includes(`status of ${status}`));
    expect(refusals, `the page's ${status} answers`).to.have.length(count);
    watched.problems.console.splice(
      0,
      watched.problems.console.length,
      ...watched.problems.console.filter((line) => !refusals.includes(line)),
    );
  }

  async function fillDocumentForm(policyRef: string, readers: string): Promise<void> {
    await page.getByLabel('Policy reference').fill(policyRef);
    await page.getByLabel('Cover ends').fill('2027-12-31');
    await page.getByLabel('Readers', { exact: true }).fill(readers);
  }

  before(async function () {
    stack = await startWebStack();
    browser = await launchBrowser();
    client = stack.wallet('CLIENT').address;
    await callApi('insurer', 'POST', '/v1/offers', FLIGHT_OFFER);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    watched = await watchedPage(context);
    page = watched.page;
    await page.goto(`${stack.url}/insurer`);
    await page.getByLabel('Demo party').selectOption('insurer');
    await page.getByRole('button', { name: 'Sign in as this demo party' }).click();
    await page.getByRole('heading', { name: 'Anchor documents' }).waitFor();
  });

  after(async function () {
    await context?.close();
    await browser?.close();
    await stack?.stop();
  });

  it('anchors a document and shows the SHA-256 the chain holds', async function () {
    await page.getByRole('heading', { name: 'The book' }).waitFor();
    await expectAccessible(page, 'on the console as it opens');
    const bytes = Buffer.from(`Schedule of cover, ${new Date().toISOString()}\n`);
    const sha256 = `0x${createHash('sha256').update(bytes).digest('hex')}`;
    await page.getByLabel('Files (choose several for a batch)').setInputFiles({
      name: 'schedule.txt',
      mimeType: 'text/plain',
      buffer: bytes,
    });
    await fillDocumentForm('PL-WEB-ONE', client);
    await page.getByRole('button', { name: 'Anchor the documents' }).click();
    const row = page.locator('.file-row', { hasText: 'schedule.txt' });
    await row.locator('.badge', { hasText: /^anchored$/ }).waitFor({ timeout: 60_000 });
    const shown = await row.locator('.document-hash').textContent();
    expect(shown).to.equal(sha256);
    expect(await row.getByRole('link', { name: /^Verify/ }).getAttribute('href')).to.equal(`/verify/${sha256}`);
    const onChain = await callApi<{ status: string; anchor: { blockNumber: number | null } | null }>(
      'insurer',
      'GET',
      `/v1/documents/${sha256}`,
    );
    expect(onChain.status).to.equal('current');
    expect(onChain.anchor?.blockNumber).to.be.a('number');
    await expectAccessible(page, 'with an anchored document');
    await keepScreenshot(page, 'insurer-document-anchored');
    watched.expectNoProblems();

    // Anyone holding the file sees it verified on the public verify page, from its bytes.
    const verifier = await watchedPage(page.context());
    await verifier.page.goto(`${stack.url}/verify`);
    await verifier.page.getByLabel('Choose a document').setInputFiles({
      name: 'schedule.txt',
      mimeType: 'text/plain',
      buffer: bytes,
    });
    await verifier.page.locator('#verdict[data-verdict="current"]').waitFor();
    expect(verifier.page.url()).to.equal(`${stack.url}/verify/${sha256}`);
    await keepScreenshot(verifier.page, 'insurer-document-verified');
    verifier.expectNoProblems();
    await verifier.page.close();
  });

  it('anchors a batch, one file after the other, with the batch progress', async function () {
    const files = [1, 2, 3].map((n) => ({
      name: `batch-${n}.bin`,
      mimeType: 'application/octet-stream',
      // The last is large enough for its bytes' progress to mean something.
      buffer: Buffer.alloc(n === 3 ? 3 * 1024 * 1024 : 2048, `batch ${n} ${Date.now()}`),
    }));
    // Dropped on the drop zone, as from a file manager.
    const dataTransfer = await page.evaluateHandle(
      (dropped) => {
        const transfer = new DataTransfer();
        for (const file of dropped) {
          const bytes = Uint8Array.from(atob(file.base64), (char) => char.charCodeAt(0));
          transfer.items.add(new File([bytes], file.name, { type: file.mimeType }));
        }
        return transfer;
      },
      files.map((file) => ({ name: file.name, mimeType: file.mimeType, base64: file.buffer.toString('base64') })),
    );
    await page.getByText('Or drop the files here').dispatchEvent('drop', { dataTransfer });
    expect(
      await page
        .getByLabel('Files (choose several for a batch)')
        .evaluate((input: HTMLInputElement) => input.files?.length),
    ).to.equal(3);
    await fillDocumentForm('PL-WEB-BATCH', '');
    await page.getByRole('button', { name: 'Anchor the documents' }).click();
    await page.locator('#batch-status', { hasText: 'All 3 documents of the batch are settled' }).waitFor({
      timeout: 90_000,
    });
    expect(await page.locator('#batch-progress').evaluate((element: HTMLProgressElement) => element.value)).to.equal(3);
    for (const file of files) {
      const row = page.locator('.file-row', { hasText: file.name });
      await row.locator('.badge', { hasText: /^anchored$/ }).waitFor();
      expect(await row.locator('progress').evaluate((element: HTMLProgressElement) => element.value)).to.equal(
        file.buffer.length,
      );
      const hash = `0x${createHash('sha256').update(file.buffer).digest('hex')}`;
      expect(await row.locator('.document-hash').textContent()).to.equal(hash);
      const document = await callApi<{ status: string }>('insurer', 'GET', `/v1/documents/${hash}`);
      expect(document.status).to.equal('current');
    }
    await expectAccessible(page, 'with an anchored batch');
    await keepScreenshot(page, 'insurer-batch-anchored');
    watched.expectNoProblems();
  });

  it('shows the problem of a refused upload and keeps the form', async function () {
    const stranger = Wallet.createRandom().address;
    await page.getByLabel('Files (choose several for a batch)').setInputFiles({
      name: 'claim-form.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(`Claim form ${Date.now()}\n`),
    });
    await fillDocumentForm('PL-WEB-REFUSED', stranger);
    await page.getByRole('button', { name: 'Anchor the documents' }).click();
    const problem = page.locator('#doc-problem');
    await problem.getByText('READER_NOT_A_PARTY').waitFor();
    expect(await problem.textContent()).to.contain(stranger);
    expect(await page.getByLabel('Policy reference').inputValue()).to.equal('PL-WEB-REFUSED');
    expect(await page.getByLabel('Readers', { exact: true }).inputValue()).to.equal(stranger);
    expect(
      await page
        .getByLabel('Files (choose several for a batch)')
        .evaluate((input: HTMLInputElement) => input.files?.length),
    ).to.equal(1);
    await expectAccessible(page, 'with a refused upload');
    await keepScreenshot(page, 'insurer-upload-refused');
    expectRefusals(422, 1);
    // Corrected, the same form and file go through.
    await page.getByLabel('Readers', { exact: true }).fill(client);
    await page.getByRole('button', { name: 'Anchor the documents' }).click();
    await page
      .locator('.file-row', { hasText: 'claim-form.txt' })
      .locator('.badge', { hasText: /^anchored$/ })
      .waitFor({ timeout: 60_000 });
    watched.expectNoProblems();
  });

  it('sells a flight delay policy with the terms in words beside what the client signs', async function () {
    const now = (await stack.provider.getBlock('latest'))!.timestamp;
    const flight = payingFlights(10)[0]!;
    await page.getByLabel("Client's address").fill(client);
    await page.getByLabel('Airline (IATA)').fill(flight.carrier);
    await page.getByLabel('Flight number').fill(flight.flightNumber);
    await page.getByLabel('From (IATA airport)').fill(flight.route.from);
    await page.getByLabel('To (IATA airport)').fill(flight.route.to);

    // A flight that has left: the API's refusal, with its code, by the form.
    const gone = new Date((now - 2 * HOUR) * 1000).toISOString();
    await page.getByLabel('Scheduled departure (local time)').fill(gone.slice(0, 16));
    await page.getByLabel('Departure UTC offset').fill('Z');
    await page
      .getByLabel('Scheduled arrival (local time)')
      .fill(new Date((now - HOUR) * 1000).toISOString().slice(0, 16));
    await page.getByLabel('Arrival UTC offset').fill('Z');
    await page.getByRole('button', { name: 'Preview the terms' }).click();
    await page.locator('#sale-problem').getByText('FLIGHT_DEPARTED').waitFor();
    await expectAccessible(page, 'with a refused sale');
    expectRefusals(422, 1);

    // The recorded flight, re-dated after the chain's time, entered in local time with its offsets.
    const dated = redateFlight(flight, now + 12 * HOUR);
    await page.getByLabel('Scheduled departure (local time)').fill(dated.scheduledDepartureIso.slice(0, 16));
    await page.getByLabel('Departure UTC offset').fill(dated.scheduledDepartureIso.slice(19));
    await page.getByLabel('Scheduled arrival (local time)').fill(dated.scheduledArrivalIso.slice(0, 16));
    await page.getByLabel('Arrival UTC offset').fill(dated.scheduledArrivalIso.slice(19));
    await page.getByRole('button', { name: 'Preview the terms' }).click();
    await page.locator('#sale-status', { hasText: 'Preview ready' }).waitFor();
    expect(await page.locator('#sale-problem').textContent()).to.equal('');
    const previewWording = (await page.getByTestId('wording').textContent())!;
    expect(previewWording).to.contain(
      `Flight: ${flight.carrier}${flight.flightNumber}, scheduled departure ${dated.scheduledDepartureIso}`,
    );
    const previewTyped = JSON.parse((await page.getByTestId('typed-data').textContent())!) as {
      message: { terms: Record<string, unknown> };
    };
    expect(previewTyped.message.terms.scheduledDeparture).to.equal(String(dated.scheduledDeparture));
    await expectAccessible(page, 'with a preview');
    await keepScreenshot(page, 'insurer-sale-preview');

    await page.getByRole('button', { name: 'Propose to the client' }).click();
    await page.locator('#sale-status', { hasText: "awaits the client's signature" }).waitFor({ timeout: 60_000 });
    const documentHash = (await page.locator('.proposal-hash').textContent())!;
    const wording = (await page.getByTestId('wording').textContent())!;
    const typedData = JSON.parse((await page.getByTestId('typed-data').textContent())!) as {
      domain: Record<string, unknown>;
      primaryType: string;
      message: Record<string, unknown> & { terms: Record<string, unknown> };
    };
    expect(typedData.message.documentHash).to.equal(documentHash);
    expect(typedData.message.terms).to.deep.equal(previewTyped.message.terms);

    // The client reads the same proposal: awaiting its signature, with the very terms the page showed.
    const asClient = await callApi<{
      proposal: { status: string; policyRef: string };
      consent: { termsCoSignature: { domain: unknown; primaryType: string; message: { terms: unknown } } } | null;
    }>('client', 'GET', `/v1/policy-proposals/${documentHash}`);
    expect(asClient.proposal.status).to.equal('awaiting-consent');
    expect(asClient.consent?.termsCoSignature.primaryType).to.equal(typedData.primaryType);
    expect(asClient.consent?.termsCoSignature.domain).to.deep.equal(typedData.domain);
    expect(asClient.consent?.termsCoSignature.message.terms).to.deep.equal(typedData.message.terms);
    expect(wording).to.contain(`Policy reference: ${asClient.proposal.policyRef}`);
    expect(wording.replace(`Policy reference: ${asClient.proposal.policyRef}`, '')).to.equal(
      previewWording.replace('Policy reference: (assigned when proposed)', ''),
    );
    await expectAccessible(page, 'with a proposal');
    await keepScreenshot(page, 'insurer-sale-proposed');
    watched.expectNoProblems();

    // Once the client consents, the book shows the flight's locked exposure against the cap.
    await callApi('client', 'POST', `/v1/policy-proposals/${documentHash}/consent`, { signWithHostedKey: true });
    const exposure = page.locator('figure', { hasText: 'Locked exposure by flight' });
    const bar = exposure.locator('.bar-label', { hasText: `${flight.carrier}${flight.flightNumber}` });
    // The book is read from the chain index, which follows the chain a block or two behind: refresh until it has it.
    for (let attempt = 0; (await bar.count()) === 0; attempt += 1) {
      if (attempt === 20) {
        const book = await callApi('insurer', 'GET', '/v1/book');
        expect.fail(`the book shows no exposure on the flight: ${JSON.stringify(book)}`);
      }
      await page.getByRole('button', { name: 'Refresh the book' }).click();
      await page.locator('#book-status', { hasText: 'up to date' }).waitFor();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(await exposure.locator('.bar-value').first().textContent()).to.equal('Locked: 400');
    await page.locator('#book').scrollIntoViewIfNeeded();
    await expectAccessible(page, 'with the book');
    await keepScreenshot(page, 'insurer-book');
    watched.expectNoProblems();
  });

  it('previews weather index cover, which takes no flight', async function () {
    const now = (await stack.provider.getBlock('latest'))!.timestamp;
    const first = new Date((Math.ceil(now / 86_400) + 3) * 86_400_000).toISOString().slice(0, 10);
    await callApi('insurer', 'POST', '/v1/offers', {
      kind: 'weather-index',
      name: 'Rainfall cover, Web test',
      location: { latitude: 51.5072, longitude: -0.1276 },
      metric: 'PrecipitationSum',
      window: { startDate: first, endDate: first },
      aggregation: 'Sum',
      trigger: '1000',
      exit: '3000',
      sumInsured: '100000000',
      cancellationRefundBps: 0,
      pricing: { premium: '5000000' },
    });
    await page.reload();
    await page.getByLabel('Offer').selectOption({ label: 'Rainfall cover, Web test (weather index, sum insured 100)' });
    expect(await page.getByRole('group', { name: 'The flight' }).isHidden()).to.equal(true);
    await page.getByLabel("Client's address").fill(client);
    await page.getByRole('button', { name: 'Preview the terms' }).click();
    await page.locator('#sale-status', { hasText: 'Preview ready' }).waitFor();
    const wording = (await page.getByTestId('wording').textContent())!;
    expect(wording).to.contain('Weather index insurance');
    expect(wording).to.contain('Location: latitude 51.5072, longitude -0.1276.');
    const typedData = JSON.parse((await page.getByTestId('typed-data').textContent())!) as {
      message: { terms: { latitudeE4: number } };
    };
    expect(Number(typedData.message.terms.latitudeE4)).to.equal(515_072);
    await expectAccessible(page, 'with a weather preview');
    await keepScreenshot(page, 'insurer-weather-preview');
    watched.expectNoProblems();
  });

  it("is usable at a phone's width", async function () {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const small = await watchedPage(phone);
      await small.page.goto(`${stack.url}/insurer`);
      await small.page.getByLabel('Demo party').selectOption('insurer');
      await small.page.getByRole('button', { name: 'Sign in as this demo party' }).click();
      await small.page.locator('#book-status', { hasText: 'up to date' }).waitFor();
      const overflow = await small.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, 'the console scrolls sideways at a phone’s width').to.be.at.most(0);
      await expectAccessible(small.page, "at a phone's width");
      await keepScreenshot(small.page, 'insurer-phone');
      small.expectNoProblems();
    } finally {
      await phone.close();
    }
  });
});
