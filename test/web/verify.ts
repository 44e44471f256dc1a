/**
 * The verify page in a real browser against the whole stack: a document anchored by the insurer is verified from its
 * bytes, hashed in the browser (no request carries them); an unknown and a tampered file are unknown; a superseded
 * version points to the current one and a revoked document gives its reason; the steps arrive in the report's order;
 * a `/verify/<hash>` link shows the same; the evidence certificate downloads, and dropped back it is verified in the
 * browser against the chain, while an edited one is refused with the reason.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { sha256 } from 'ethers';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  describeInBrowser,
  expectAccessible,
  keepScreenshot,
  launchBrowser,
  watchedPage,
  type WatchedPage,
} from '../helpers/browser.js';
import { startWebStack, type WebStack } from '../helpers/web-stack.js';

const STEP_ORDER = [
  'HASH_COMPUTED',
  'ANCHOR_FOUND',
  'REGISTRANT_AUTHORISED',
  'COSIGNATURES',
  'VERSION_STATUS',
  'BATCH_MEMBERSHIP',
];

/** Bytes no other test anchors, with a marker the request check looks for. */
function documentBytes(label: string): Buffer {
  return Buffer.from(`PolicyLedger verify page test: ${label} ${randomBytes(16).toString('hex')}\n`.repeat(40));
}

describeInBrowser('web: the verify page', function () {
  this.timeout(300_000);
  let stack: WebStack;
  let browser: Browser;

  async function insurer(method: string, path: string, body: FormData | object): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${stack.apiKeys.insurer}` };
    let payload: BodyInit;
    if (body instanceof FormData) payload = body;
    else {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    const response = await fetch(`${stack.url}${path}`, { method, headers, body: payload });
    expect(response.status, await response.clone().text()).to.be.oneOf([200, 201, 202]);
    return response;
  }

  function upload(bytes: Buffer): FormData {
    const form = new FormData();
    const metadata = {
      documentType: 'Policy',
      policyRef: `VERIFY-${randomBytes(4).toString('hex')}`,
      retentionClass: 2,
      coverEndsAt: '2027-12-31',
      confidential: false,
      mode: 'single',
    };
    form.append('metadata', JSON.stringify(metadata));
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), 'policy.pdf');
    return form;
  }

  /** Waits until the public report of `documentHash` gives `verdict` (the index follows the chain). */
  async function reportSays(documentHash: string, verdict: string): Promise<void> {
    for (let attempt = 0; attempt < 150; attempt += 1) {
      const response = await fetch(`${stack.url}/v1/verify/${documentHash}`);
      if (response.ok && ((await response.json()) as { verdict: string }).verdict === verdict) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the report of ${documentHash} never said ${verdict}`);
  }

  async function anchor(bytes: Buffer): Promise<string> {
    await insurer('POST', '/v1/documents?confirm=true', upload(bytes));
    const documentHash = sha256(bytes);
    await reportSays(documentHash, 'anchored-current');
    return documentHash;
  }

  /** A page that records the bodies of every request it sends. */
  async function pageWithBodies(context: BrowserContext): Promise<{ watched: WatchedPage; bodies: Buffer[] }> {
    const watched = await watchedPage(context);
    const bodies: Buffer[] = [];
    watched.page.on('request', (request) => {
      const body = request.postDataBuffer();
      if (body !== null) bodies.push(body);
    });
    return { watched, bodies };
  }

  async function chooseDocument(page: Page, name: string, bytes: Buffer): Promise<void> {
    await page.getByLabel('Choose a document').setInputFiles({ name, mimeType: 'application/pdf', buffer: bytes });
  }

  async function stepsShown(page: Page): Promise<string[]> {
    await page
      .locator('#verify-steps li')
      .nth(STEP_ORDER.length - 1)
      .waitFor();
    return page
      .locator('#verify-steps li')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-step')!));
  }

  before(async function () {
    stack = await startWebStack();
    browser = await launchBrowser();
  });

  after(async function () {
    await browser?.close();
    await stack?.stop();
  });

  it('verifies an anchored file, hashed in the browser, then its certificate downloaded and dropped back', async function () {
    const bytes = documentBytes('known');
    const documentHash = await anchor(bytes);
    const context = await browser.newContext({ acceptDownloads: true });
    const { watched, bodies } = await pageWithBodies(context);
    const { page } = watched;
    await page.goto(`${stack.url}/verify`);
    await page.getByRole('heading', { name: 'Check a document' }).waitFor();
    await expectAccessible(page, 'before a file');
    await chooseDocument(page, 'policy.pdf', bytes);

    await page.locator('#verdict[data-verdict="current"]').waitFor();
    expect(await page.getByRole('heading', { name: 'Anchored and current' }).count()).to.equal(1);
    expect(await stepsShown(page)).to.deep.equal(STEP_ORDER);
    expect(page.url()).to.equal(`${stack.url}/verify/${documentHash}`);
    const hashStep = page.locator('#verify-steps li[data-step="HASH_COMPUTED"]');
    expect(await hashStep.getAttribute('data-status')).to.equal('passed');
    expect(await hashStep.textContent()).to.contain('computed in this browser');
    expect(await page.locator('#verify-steps li[data-step="ANCHOR_FOUND"]').textContent()).to.match(/block \d+/);
    await expectAccessible(page, 'with a verdict');

    const downloading = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download the evidence certificate' }).click();
    const download = await downloading;
    const certificateText = await readFile(await download.path(), 'utf8');
    const certificate = JSON.parse(certificateText) as { documentHash: string; anchor: { transactionHash: string } };
    expect(certificate.documentHash).to.equal(documentHash);

    await page.getByLabel('Choose a certificate').setInputFiles({
      name: 'certificate.json',
      mimeType: 'application/json',
      buffer: Buffer.from(certificateText),
    });
    await page.locator('#certificate-result[data-valid="true"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('#certificate-result').textContent()).to.contain(
      'Certificate verified against the chain',
    );
    await expectAccessible(page, 'with a verified certificate');

    // One byte of the anchor's transaction changed: the chain records the anchor elsewhere.
    const last = certificate.anchor.transactionHash.slice(-1);
    certificate.anchor.transactionHash = `${certificate.anchor.transactionHash.slice(0, -1)}${last === '0' ? '1' : '0'}`;
    await page.getByLabel('Choose a certificate').setInputFiles({
      name: 'edited.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(certificate)),
    });
    await page.locator('#certificate-result[data-valid="false"]').waitFor({ timeout: 60_000 });
    const refusal = await page.locator('#certificate-result .reasons').textContent();
    expect(refusal).to.contain('Anchor recorded where the certificate says');
    await expectAccessible(page, 'with a refused certificate');
    await keepScreenshot(page, 'verify-certificate-refused');

    const marker = bytes.subarray(0, 48);
    expect(
      bodies.filter((body) => body.includes(marker)),
      'a request carried the file',
    ).to.deep.equal([]);
    watched.expectNoProblems();
    await context.close();
  });

  it('calls an unknown file and a tampered copy (one byte changed) unknown', async function () {
    const bytes = documentBytes('tampered');
    await anchor(bytes);
    const tampered = Buffer.from(bytes);
    tampered[10] = tampered[10]! ^ 1;
    const context = await browser.newContext();
    const { watched, bodies } = await pageWithBodies(context);
    const { page } = watched;
    await page.goto(`${stack.url}/verify`);
    // 9 MiB: hashed in three chunks, to the hash Node computes.
    const large = Buffer.concat([documentBytes('unknown'), randomBytes(9 * 1024 * 1024)]);
    await chooseDocument(page, 'never-anchored.pdf', large);
    await page
      .locator('#verdict[data-verdict="unknown"]')
      .filter({ hasText: sha256(large) })
      .waitFor();
    expect(await page.getByLabel('Hashing progress').evaluate((bar) => (bar as HTMLProgressElement).position)).to.equal(
      1,
    );
    expect(await stepsShown(page)).to.deep.equal(STEP_ORDER);
    expect(await page.getByRole('link', { name: 'Download the evidence certificate' }).count()).to.equal(0);

    await chooseDocument(page, 'tampered.pdf', tampered);
    await page
      .locator(`#verdict[data-verdict="unknown"]`)
      .filter({ hasText: sha256(tampered) })
      .waitFor();
    expect(await page.locator('#verify-steps li[data-step="ANCHOR_FOUND"]').getAttribute('data-status')).to.equal(
      'failed',
    );
    await expectAccessible(page, 'with an unknown verdict');
    await keepScreenshot(page, 'verify-tampered');
    expect(
      bodies.filter((body) => body.includes(tampered.subarray(0, 48)) || body.includes(large.subarray(0, 48))),
    ).to.deep.equal([]);
    watched.expectNoProblems();
    await context.close();
  });

  it('the chain relay passes reads as a node answers them and refuses writes, wide log ranges and large bodies', async function () {
    const rpc = (body: unknown) =>
      fetch(`${stack.url}/v1/chain/rpc`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const chainId = await rpc({ jsonrpc: '2.0', id: 7, method: 'eth_chainId', params: [] });
    expect(chainId.status).to.equal(200);
    expect(await chainId.json()).to.deep.equal({ jsonrpc: '2.0', id: 7, result: `0x${stack.chainId.toString(16)}` });
    const batch = await rpc([
      { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' },
      { jsonrpc: '2.0', id: 2, method: 'eth_getLogs', params: [{ fromBlock: '0x0', toBlock: 'latest' }] },
    ]);
    expect(batch.status).to.equal(200);
    expect(((await batch.json()) as { id: number }[]).map((answer) => answer.id)).to.deep.equal([1, 2]);

    const refusals: [unknown, number, string][] = [
      [{ jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: ['0x00'] }, 403, 'RPC_METHOD_NOT_ALLOWED'],
      [{ jsonrpc: '2.0', id: 1, method: 'anvil_setBalance', params: [] }, 403, 'RPC_METHOD_NOT_ALLOWED'],
      [
        { jsonrpc: '2.0', id: 1, method: 'eth_getLogs', params: [{ fromBlock: '0x0', toBlock: '0xffffff' }] },
        400,
        'RPC_LOG_RANGE_TOO_WIDE',
      ],
      [{ jsonrpc: '2.0', id: 1, method: 'eth_call', params: ['0x'.padEnd(20_000, '0')] }, 413, 'RPC_BODY_TOO_LARGE'],
      [{ id: 1, method: 'eth_chainId' }, 400, 'INVALID_REQUEST'],
    ];
    // A targeted query (one contract, an indexed value) may span the whole chain: a certificate's checks are.
    const targeted = await rpc({
      jsonrpc: '2.0',
      id: 3,
      method: 'eth_getLogs',
      params: [
        {
          fromBlock: '0x0',
          toBlock: '0xffffff',
          address: stack.deployment.evidenceRegistry,
          topics: [null, `0x${'ab'.repeat(32)}`],
        },
      ],
    });
    expect(targeted.status).to.equal(200);
    expect(((await targeted.json()) as { result: unknown[] }).result).to.deep.equal([]);
    for (const [body, status, code] of refusals) {
      const answer = await rpc(body);
      expect(answer.status, JSON.stringify(body).slice(0, 80)).to.equal(status);
      expect(((await answer.json()) as { code: string }).code).to.equal(code);
    }
  });

  it("at a phone's width, a superseded version's link leads to the current one, and a revoked one says why", async function () {
    const first = await anchor(documentBytes('version 1'));
    const secondBytes = documentBytes('version 2');
    await insurer('POST', `/v1/documents/${first}/versions?confirm=true`, upload(secondBytes));
    const second = sha256(secondBytes);
    await reportSays(first, 'superseded');
    const revoked = await anchor(documentBytes('revoked'));
    await insurer('POST', `/v1/documents/${revoked}/revocation?confirm=true`, { reason: 'CancelledByClient' });
    await reportSays(revoked, 'revoked');

    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const watched = await watchedPage(context);
    const { page } = watched;
    await page.goto(`${stack.url}/verify/${first}`);
    await page.locator('#verdict[data-verdict="superseded"]').waitFor();
    expect(await stepsShown(page)).to.deep.equal(STEP_ORDER);
    expect(await page.locator('#verify-steps li[data-step="HASH_COMPUTED"]').textContent()).to.contain(
      'taken from the link',
    );
    await expectAccessible(page, 'with a superseded verdict');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'the page scrolls sideways at a phone width').to.be.at.most(0);
    await page.locator('#verdict').getByRole('link', { name: second }).click();
    await page.locator('#verdict[data-verdict="current"]').filter({ hasText: second }).waitFor();
    expect(page.url()).to.equal(`${stack.url}/verify/${second}`);

    await page.goto(`${stack.url}/verify/${revoked}`);
    await page.locator('#verdict[data-verdict="revoked"]').waitFor();
    expect(await page.locator('#verdict .revocation').textContent()).to.contain('Reason: cancelled by client');
    expect(await stepsShown(page)).to.deep.equal(STEP_ORDER);
    await expectAccessible(page, 'with a revoked verdict');
    await keepScreenshot(page, 'verify-revoked-phone');
    watched.expectNoProblems();
    await context.close();
  });
});
