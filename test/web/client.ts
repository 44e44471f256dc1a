/**
 * The client page in a real browser against the whole stack: the insurer sells a flight delay policy on a recorded
 * flight that was late; the client signs in with an injected wallet (SIWE), reads the terms in words and co-signs them
 * and the premium's permit in the wallet (which is asked to sign the flight and its payouts themselves); the policy is
 * issued. Then the chain's clock moves past the flight's arrival, the replay server reveals the recorded outcome, the
 * oracle nodes report it, and the page — never reloaded — shows the claim's steps arriving in order up to the payout,
 * whose transaction is the chain's transfer to the client.
 */
import { expect } from 'chai';
import { Interface, type TransactionReceipt } from 'ethers';
import type { Browser, Page } from 'playwright-core';
import { payingFlights, policyFlight, redateFlight, replayFlight } from '../../services/demo/catalogue.js';
import { LedgerClock } from '../../services/demo/clock.js';
import { FLIGHT_OFFER } from '../../services/demo/flight.js';
import { oracleSchedule } from '../../services/demo/stack.js';
import {
  describeInBrowser,
  expectAccessible,
  injectTestWallet,
  keepScreenshot,
  launchBrowser,
  watchedPage,
} from '../helpers/browser.js';
import { startWebStack, type WebStack } from '../helpers/web-stack.js';
import { formatAmount } from '../../web/src/lib/format.js';

const HOUR = 3_600;
const TRANSFER = new Interface(['event Transfer(address indexed from, address indexed to, uint256 value)']);

/** The timeline evidence this test reads (the API's `TimelineStep.evidence`). */
interface Evidence {
  amount?: string;
  feeds?: { reports: { transactionHash: string }[] }[];
}

interface TypedRequest {
  primaryType: string;
  message: Record<string, unknown> & { terms?: Record<string, unknown> };
}

/**
 * Records, in the page, the order in which each timeline step of `policyId` first reached each state. (A string, so
 * that the test runner's transpiler adds no helper the page lacks.)
 */
async function recordStepOrder(page: Page, policyId: string): Promise<void> {
  await page.evaluate(`(() => {
    const seen = [];
    const scan = () => {
      for (const item of document.querySelectorAll('article[data-policy="${policyId}"] li[data-step]')) {
        const key = item.getAttribute('data-step') + ':' + item.getAttribute('data-state');
        if (!seen.includes(key)) seen.push(key);
      }
    };
    scan();
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true });
    window.__stepsSeen = seen;
  })()`);
}

describeInBrowser('client page: co-sign in the wallet, and the claim paid live', function () {
  this.timeout(300_000);
  let stack: WebStack;
  let browser: Browser;
  let clock: LedgerClock;

  before(async function () {
    stack = await startWebStack();
    browser = await launchBrowser();
    clock = await LedgerClock.connect(`http://127.0.0.1:${stack.ports.chain}`);
  });

  after(async function () {
    clock?.close();
    await browser?.close();
    await stack?.stop();
  });

  async function asInsurer<T>(method: string, path: string, body?: object): Promise<T> {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${stack.apiKeys.insurer}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.status, `${method} ${path}: ${await response.clone().text()}`).to.be.below(300);
    return (await response.json()) as T;
  }

  it('co-signs a flight delay policy in the wallet and shows its claim reaching paid without a reload', async function () {
    const client = stack.wallet('CLIENT');
    const offer = await asInsurer<{ id: string }>('POST', '/v1/offers', FLIGHT_OFFER);
    const chosen = payingFlights(FLIGHT_OFFER.delayTiers[0]!.minutes)[0]!;
    const flight = replayFlight(chosen.designator);
    const dated = redateFlight(chosen, (await clock.now()) + 12 * HOUR);
    const { proposal } = await asInsurer<{ proposal: { documentHash: string; policyRef: string } }>(
      'POST',
      '/v1/policies',
      {
        offerId: offer.id,
        client: client.address,
        flight: policyFlight(dated),
      },
    );
    // A wording not mined within the API's confirmation limit is answered 202: the page would say to retry.
    for (let tries = 0; ; tries += 1) {
      const document = await asInsurer<{ anchor: { transactionHash: string | null } | null }>(
        'GET',
        `/v1/documents/${proposal.documentHash}`,
      );
      if (document.anchor?.transactionHash != null) break;
      expect(tries, 'the wording anchored').to.be.below(120);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const wallet = await injectTestWallet(context, client, stack.chainId);
    const watched = await watchedPage(context);
    const { page } = watched;
    await page.goto(`${stack.url}/client`);
    await page.getByRole('button', { name: 'Sign in with your wallet' }).click();
    await page.getByRole('heading', { name: 'Proposals awaiting your signature' }).waitFor();
    const card = page.getByRole('article', { name: new RegExp(proposal.policyRef) });
    await card.getByText(`Flight ${flight.carrier}${flight.flightNumber}, scheduled to depart`).waitFor();
    await card.getByText('Arrives 10 minutes late or more: pays 50 plUSD.').waitFor();
    await expectAccessible(page, 'with a proposal awaiting the client');

    await card.getByRole('button', { name: 'Co-sign and pay in your wallet' }).click();
    const issuedText = await card
      .getByRole('status')
      .filter({ hasText: /Policy flight-\d+ is issued\./ })
      .textContent({ timeout: 60_000 });
    const policyId = /Policy (flight-\d+) is issued/.exec(issuedText ?? '')![1]!;

    // The wallet was asked for the typed terms themselves, then for the premium's permit.
    const typed = wallet
      .filter((request) => request.method === 'eth_signTypedData_v4')
      .map((request) => JSON.parse(request.params[1] as string) as TypedRequest);
    expect(typed.map((request) => request.primaryType)).to.deep.equal([typed[0]!.primaryType, 'Permit']);
    const terms = typed[0]!.message.terms!;
    expect(terms).to.include({ carrier: flight.carrier, flightNumber: flight.flightNumber });
    expect(terms.delayTierPayouts).to.deep.equal(FLIGHT_OFFER.delayTiers.map((tier) => tier.payout));
    expect(terms.cancellationPayout).to.equal(FLIGHT_OFFER.cancellationPayout);
    const permit = typed[1]!.message;
    expect([String(permit.owner), String(permit.value)]).to.deep.equal([client.address, FLIGHT_OFFER.pricing.premium]);

    // Issued on chain: the issue transaction the page shows is mined.
    const issueTx = await card.locator('dl.issued code').getAttribute('title');
    expect((await stack.provider.getTransactionReceipt(issueTx!))?.status).to.equal(1);

    const claim = page.locator(`article[data-policy="${policyId}"]`);
    await claim.locator('li[data-step="data-awaited"][data-state="pending"]').waitFor();
    // The page shows the claim once the index has the policy: so does the API.
    const indexed = await asInsurer<{ status: string; holder: string }>('GET', `/v1/policies/${policyId}`);
    expect(indexed).to.include({ status: 'Issued', holder: client.address });
    await page.locator(`table.documents tr[data-document="${proposal.documentHash}"]`).waitFor();
    await expectAccessible(page, 'with the policy issued and its claim awaiting data');
    await keepScreenshot(page, 'client-issued');

    // The recorded outcome arrives: the clock moves past the arrival (and the nodes' grace); nothing reloads the page.
    await page.evaluate(() => {
      (window as unknown as { __notReloaded: boolean }).__notReloaded = true;
    });
    await recordStepOrder(page, policyId);
    const schedule = oracleSchedule(stack.dataDir);
    await clock.advanceTo(Math.max(dated.revealAt, dated.scheduledArrival + schedule.flightGraceSeconds) + 60);
    await claim.locator('li[data-step="paid"][data-state="done"]').waitFor({ timeout: 150_000 });
    await claim.locator('li[data-step="ceded"][data-state="done"]').waitFor({ timeout: 60_000 });

    expect(await page.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded)).to.equal(true);
    const seen = await page.evaluate(() => (window as unknown as { __stepsSeen: string[] }).__stepsSeen);
    const firstSeen = (key: string) => {
      const index = seen.indexOf(key);
      expect(index, `${key} shown (seen: ${seen.join(', ')})`).to.be.at.least(0);
      return index;
    };
    expect(firstSeen('data-awaited:pending')).to.be.below(firstSeen('oracle-reports:done'));
    expect(firstSeen('oracle-reports:done')).to.be.at.most(firstSeen('outcome-final:done'));
    expect(firstSeen('outcome-final:done')).to.be.at.most(firstSeen('paid:done'));
    expect(firstSeen('paid:done')).to.be.at.most(firstSeen('ceded:done'));
    // The live log lists the oracles' reports before the settlement, as the chain ordered them.
    const logged = await page
      .getByRole('log', { name: 'Ledger events received' })
      .locator('li')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-event')).reverse());
    expect(logged.indexOf('ObservationReported')).to.be.at.least(0);
    expect(logged.indexOf('ObservationReported')).to.be.below(logged.indexOf('PolicySettled'));

    // The reports (3 of 4 needed) and the payout match the chain, as the API's own timeline records them.
    const timeline = await asInsurer<{ steps: { step: string; transactionHash: string | null; evidence: Evidence }[] }>(
      'GET',
      `/v1/policies/${policyId}/timeline`,
    );
    const reports = timeline.steps.find((step) => step.step === 'oracle-reports')!.evidence.feeds![0]!.reports;
    const shownReports = await claim
      .locator('table.oracle-reports tbody code.tx')
      .evaluateAll((cells) => cells.map((cell) => cell.getAttribute('title')));
    expect(shownReports).to.deep.equal(reports.map((report) => report.transactionHash));
    expect(shownReports.length).to.be.at.least(3);
    const paid = timeline.steps.find((step) => step.step === 'paid')!;
    const payoutTx = await claim.locator('li[data-step="paid"] code.tx').getAttribute('title');
    expect(payoutTx).to.equal(paid.transactionHash);
    const receipt = (await stack.provider.getTransactionReceipt(payoutTx!)) as TransactionReceipt;
    const transfers = receipt.logs
      .filter((log) => log.address.toLowerCase() === stack.deployment.stablecoin!.toLowerCase())
      .map((log) => TRANSFER.parseLog(log))
      .filter((log) => log !== null && log.args.to === client.address);
    expect(transfers.map((log) => String(log!.args.value))).to.deep.equal([paid.evidence.amount]);
    await claim.getByText(`${formatAmount(paid.evidence.amount!, 6, 'plUSD')} paid to you`).waitFor();

    await expectAccessible(page, 'with the claim paid');
    await keepScreenshot(page, 'client-paid');
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, "the page scrolls sideways at a phone's width").to.be.at.most(0);
    await expectAccessible(page, "with the claim paid, at a phone's width");
    await keepScreenshot(page, 'client-paid-phone');
    watched.expectNoProblems();
    await context.close();
  });
});
