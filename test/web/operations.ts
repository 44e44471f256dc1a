/**
 * The consortium operations page in a real browser against the whole stack (`npm start`): the oracle nodes' health
 * (the four embedded nodes healthy, a named node on a stopped port unreachable); proposals made through the API shown
 * decoded, refused actions shown with the chain's problem code, cancelled by their proposer and approved and executed
 * by the second ADMIN (signed in with a wallet) — each checked on chain; a feed registered on the hub awaiting data,
 * then overdue, a manual resolution proposed from the page, and the feed expired by an oracle operator, who sees no
 * proposals. Axe on each state, a phone's width, screenshots.
 */
import { expect } from 'chai';
import { Wallet } from 'ethers';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { localParties } from '../../scripts/lib/local-parties.js';
import { readFeed } from '../../services/ledger/consortium-feeds.js';
import { readProposals } from '../../services/ledger/governance.js';
import { OracleHub__factory } from '../../types/ethers-contracts/index.js';
import {
  describeInBrowser,
  expectAccessible,
  injectTestWallet,
  keepScreenshot,
  launchBrowser,
  watchedPage,
  type WatchedPage,
} from '../helpers/browser.js';
import { freePort } from '../helpers/ports.js';
import { startWebStack, type WebStack } from '../helpers/web-stack.js';

interface ProposalAnswer {
  proposal: { id: string; state: string } | null;
}

describeInBrowser('web pages: consortium operations', function () {
  this.timeout(300_000);
  let stack: WebStack;
  let browser: Browser;
  let stoppedHealthUrl: string;
  const operatorB = localParties()[1]!;
  /** Proposed by operator A in the second test; approved and executed by operator B in the third. */
  let toExecute: string;

  before(async function () {
    // A node the API is told of that answers nothing: a free port nobody listens on.
    stoppedHealthUrl = `http://127.0.0.1:${await freePort()}/health`;
    stack = await startWebStack({ POLICYLEDGER_API_ORACLE_HEALTH_URLS: stoppedHealthUrl });
    browser = await launchBrowser();
  });

  after(async function () {
    await browser?.close();
    await stack?.stop();
  });

  async function asAdmin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${stack.apiKeys.admin}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    expect(response.ok, `${method} ${path}: ${response.status} ${text}`).to.equal(true);
    return JSON.parse(text) as T;
  }

  /** Proposes `OracleHub.setConsumer(consumer, true)` as the demo ADMIN (operator A); answers the proposal's id. */
  async function proposeConsumer(consumer: string): Promise<string> {
    const answer = await asAdmin<ProposalAnswer>('POST', '/v1/proposals', {
      contract: 'OracleHub',
      function: 'setConsumer',
      args: { consumer, allowed: true },
    });
    return answer.proposal!.id;
  }

  async function proposalState(id: string): Promise<string> {
    const [record] = await readProposals({ deployment: stack.deployment, provider: stack.provider }, [BigInt(id)]);
    return record!.state;
  }

  async function devSignIn(page: Page): Promise<void> {
    await page.goto(`${stack.url}/operations`);
    await page.getByLabel('Demo party').selectOption('admin');
    await page.getByRole('button', { name: 'Sign in as this demo party' }).click();
    await page.locator('.session .who', { hasText: 'ADMIN' }).waitFor();
  }

  /**
   * Chromium logs every 4xx answer as a console error. The refusals a test provokes on purpose are taken off the
   * page's problems here, one per refusal and no more, so that any other error still fails the test.
   */
  function expectRefusalsLogged(watched: WatchedPage, statuses: number[]): void {
    for (const status of statuses) {
      const index = watched.problems.console.findIndex((line) => line.includes(`status of ${status} `));
      expect(index, `the refusal (${status}) was logged`).to.be.at.least(0);
      watched.problems.console.splice(index, 1);
    }
  }

  const proposalCard = (page: Page, id: string) =>
    page.getByRole('article', { name: new RegExp(`^Proposal ${id}\\b`) });
  const status = (page: Page) => page.getByRole('status').filter({ hasText: 'Proposal' });

  it('shows the four oracle nodes healthy and a node on a stopped port unreachable', async function () {
    const context = await browser.newContext();
    const watched = await watchedPage(context);
    const { page } = watched;
    await devSignIn(page);
    const nodes = page.getByRole('region', { name: 'Oracle nodes' });
    await nodes.waitFor();
    await page.getByText('4 of 5 nodes healthy; 4 active oracles, quorum 3.').waitFor();
    for (const port of [0, 1, 2, 3].map((i) => stack.ports.oracleBase + i)) {
      const row = nodes.locator('tr', { hasText: `http://127.0.0.1:${port}/health` });
      expect(await row.locator('.badge').innerText()).to.equal('healthy');
    }
    const stopped = nodes.locator('tr', { hasText: stoppedHealthUrl });
    expect(await stopped.locator('.badge').innerText()).to.equal('unreachable');
    const oracles = page.getByRole('region', { name: 'Active oracles' });
    for (const oracle of localParties().filter((party) => party.role === 'ORACLE')) {
      const row = oracles.locator('tr', { hasText: oracle.name });
      expect(await row.locator('.badge').innerText()).to.equal('healthy');
    }
    await expectAccessible(page, 'with the oracle health');
    await keepScreenshot(page, 'operations-oracle-health');
    watched.expectNoProblems();
    await context.close();
  });

  it('shows proposals decoded, the chain’s refusals with their codes, and a cancellation by the proposer', async function () {
    const reinsurer = stack.wallet('REINSURER').address;
    const client = stack.wallet('CLIENT').address;
    toExecute = await proposeConsumer(reinsurer);
    const toCancel = await proposeConsumer(client);

    const context = await browser.newContext();
    const watched = await watchedPage(context);
    const { page } = watched;
    await devSignIn(page);
    const card = proposalCard(page, toExecute);
    await card.waitFor();
    await card.getByText(`Lets ${reinsurer} register feeds with the oracle hub.`).waitFor();
    expect(await card.locator('dl').first().innerText()).to.contain('1 of 2');
    await expectAccessible(page, 'with open proposals');

    // The proposer's own approval counts already; a second one from it is refused by the chain.
    await card.getByRole('button', { name: 'Approve' }).click();
    await status(page).filter({ hasText: 'CONSORTIUM_ACCESS_ALREADY_APPROVED' }).waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await card.getByRole('button', { name: 'Execute' }).click();
    await status(page).filter({ hasText: 'CONSORTIUM_ACCESS_NOT_ENOUGH_APPROVALS' }).waitFor();
    await expectAccessible(page, 'with a refused action');
    expect(await proposalState(toExecute)).to.equal('pending');

    page.once('dialog', (dialog) => void dialog.accept());
    await proposalCard(page, toCancel).getByRole('button', { name: 'Cancel' }).click();
    await status(page)
      .filter({ hasText: `Proposal ${toCancel} cancelled` })
      .waitFor();
    expect(await proposalState(toCancel)).to.equal('cancelled');
    const decided = page.getByRole('region', { name: 'Latest decided proposals' });
    expect(await decided.locator(`tr[data-proposal="${toCancel}"]`).innerText()).to.contain('cancelled');
    await expectAccessible(page, 'after a cancellation');
    await keepScreenshot(page, 'operations-refused-and-cancelled');
    expectRefusalsLogged(watched, [409, 409]);
    watched.expectNoProblems();
    await context.close();
  });

  it('lets the second ADMIN, signed in with its wallet, approve and execute; a new consumer’s feed appears', async function () {
    const reinsurer = stack.wallet('REINSURER');
    const id = toExecute;

    const context: BrowserContext = await browser.newContext();
    await injectTestWallet(context, operatorB.wallet, stack.chainId);
    const watched = await watchedPage(context);
    const { page } = watched;
    await page.goto(`${stack.url}/operations`);
    await page.getByRole('button', { name: 'Sign in with your wallet' }).click();
    await page.locator('.session .who', { hasText: operatorB.name }).waitFor();
    const card = proposalCard(page, id);
    await card.getByRole('button', { name: 'Approve' }).click();
    await status(page)
      .filter({ hasText: `Proposal ${id} approved: now approved` })
      .waitFor();
    expect(await proposalState(id)).to.equal('approved');
    await proposalCard(page, id).getByText('its call would succeed now').waitFor();

    page.once('dialog', (dialog) => void dialog.accept());
    await proposalCard(page, id).getByRole('button', { name: 'Execute' }).click();
    await status(page)
      .filter({ hasText: `Proposal ${id} executed` })
      .waitFor();
    expect(await proposalState(id)).to.equal('executed');
    const hub = OracleHub__factory.connect(stack.deployment.oracleHub, stack.provider);
    expect(await hub.isConsumer(reinsurer.address)).to.equal(true);

    // The new consumer registers a feed: the page lists it as awaiting data.
    const now = (await stack.provider.getBlock('latest'))!.timestamp;
    const feedId = `0x${'0c'.repeat(32)}`;
    const asConsumer = hub.connect(new Wallet(reinsurer.privateKey, stack.provider));
    await (await asConsumer.registerFeed(feedId, now + 3600, 5)).wait();
    await page.reload();
    const feed = page.locator(`article[data-feed="${feedId}"]`);
    await feed.waitFor();
    expect(await feed.locator('h3 .badge').innerText()).to.equal('awaiting');
    await expectAccessible(page, 'with a feed awaiting data');

    // Past its deadline without reports it is overdue: an ADMIN may propose its resolution by hand.
    await stack.provider.send('evm_increaseTime', [7200]);
    await stack.provider.send('evm_mine', []);
    await page.reload();
    await feed.locator('h3 .badge', { hasText: 'overdue' }).waitFor();
    await feed.getByLabel('Outcome').selectOption('Landed');
    await feed.getByLabel('Value').fill('185');
    await feed.getByRole('button', { name: 'Propose resolution' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Feed ${feedId}: resolution proposal done` })
      .waitFor();
    await page.getByText(`Resolves feed ${feedId} by hand as Landed with value 185.`).first().waitFor();
    await expectAccessible(page, 'with a resolution proposed');
    await keepScreenshot(page, 'operations-executed-and-feeds');
    watched.expectNoProblems();
    await context.close();
  });

  it('fits a phone’s width and passes axe there', async function () {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const watched = await watchedPage(context);
    const { page } = watched;
    await devSignIn(page);
    await page.getByRole('region', { name: 'Oracle nodes' }).waitFor();
    await page.locator('article.proposal').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'the page scrolls sideways at a phone’s width').to.be.at.most(0);
    await expectAccessible(page, 'at a phone’s width');
    await keepScreenshot(page, 'operations-phone');
    watched.expectNoProblems();
    await context.close();
  });

  it('lets an oracle operator, signed in with its wallet, see feeds and health (no proposals) and expire a feed', async function () {
    const oracle = localParties().find((party) => party.role === 'ORACLE')!;
    const context = await browser.newContext();
    await injectTestWallet(context, oracle.wallet, stack.chainId);
    const watched = await watchedPage(context);
    const { page } = watched;
    await page.goto(`${stack.url}/operations`);
    await page.getByRole('button', { name: 'Sign in with your wallet' }).click();
    await page.locator('.session .who', { hasText: oracle.name }).waitFor();
    await page.getByText('Dual-control proposals are for ADMIN parties').waitFor();
    const feed = page.locator('article.feed', { hasText: 'overdue' });
    await feed.waitFor();
    // Expiring is the oracle operator's to do; proposing a dispute or a resolution is not.
    await feed.getByRole('button', { name: 'Expire feed' }).waitFor();
    expect(await feed.getByRole('button', { name: 'Propose resolution' }).count()).to.equal(0);
    await page.getByRole('region', { name: 'Oracle nodes' }).waitFor();
    expect(await page.locator('article.proposal').count()).to.equal(0);
    await expectAccessible(page, 'as an oracle operator');

    // Past its resolution period the feed may be expired, so that its policies are refunded.
    const feedId = await feed.getAttribute('data-feed');
    await stack.provider.send('evm_increaseTime', [8 * 24 * 3600]);
    await stack.provider.send('evm_mine', []);
    page.once('dialog', (dialog) => void dialog.accept());
    await feed.getByRole('button', { name: 'Expire feed' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Feed ${feedId}: expiry done` })
      .waitFor();
    const expired = await readFeed({ deployment: stack.deployment, provider: stack.provider }, feedId!);
    expect(expired?.phase).to.equal('expired');
    await page.getByText('No feed needs attention.').waitFor();
    await keepScreenshot(page, 'operations-oracle-operator');
    watched.expectNoProblems();
    await context.close();
  });
});
