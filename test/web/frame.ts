/**
 * The pages' frame in a real browser against the whole stack: every page loads with no console error and passes the
 * accessibility check, at a desktop's and at a phone's width; a signed-in page shows the sign-in panel to nobody and
 * the page to the right party; sign-in with the injected wallet (SIWE) and the developer sign-in both work.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import {
  describeInBrowser,
  expectAccessible,
  injectTestWallet,
  keepScreenshot,
  launchBrowser,
  watchedPage,
} from '../helpers/browser.js';
import { startWebStack, type WebStack } from '../helpers/web-stack.js';

const PAGES = ['/', '/verify', '/insurer', '/client', '/reinsurer', '/auditor', '/operations'];

describeInBrowser('web pages: the frame, sign-in and accessibility', function () {
  this.timeout(300_000);
  let stack: WebStack;
  let browser: Browser;

  before(async function () {
    stack = await startWebStack();
    browser = await launchBrowser();
  });

  after(async function () {
    await browser?.close();
    await stack?.stop();
  });

  for (const viewport of [
    { name: 'desktop', width: 1280, height: 900 },
    { name: 'phone', width: 390, height: 844 },
  ]) {
    it(`every page loads without console errors and passes axe at ${viewport.name} width`, async function () {
      const context = await browser.newContext({ viewport });
      try {
        for (const route of PAGES) {
          const watched = await watchedPage(context);
          await watched.page.goto(`${stack.url}${route}`);
          await watched.page.locator('#site-header nav').waitFor();
          await expectAccessible(watched.page, `on ${route} (${viewport.name})`);
          if (viewport.name === 'phone') {
            const overflow = await watched.page.evaluate(
              () => document.documentElement.scrollWidth - window.innerWidth,
            );
            expect(overflow, `${route} scrolls sideways at a phone's width`).to.be.at.most(0);
          }
          watched.expectNoProblems();
          await watched.page.close();
        }
      } finally {
        await context.close();
      }
    });
  }

  it('a signed-in page asks nobody to sign in, and the developer sign-in opens it to the right party', async function () {
    const context = await browser.newContext();
    const watched = await watchedPage(context);
    const { page } = watched;
    await page.goto(`${stack.url}/insurer`);
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await page.getByLabel('Demo party').selectOption('client');
    await page.getByRole('button', { name: 'Sign in as this demo party' }).click();
    await page.getByRole('alert').filter({ hasText: 'This page is for INSURER parties' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Demo party').selectOption('insurer');
    await page.getByRole('button', { name: 'Sign in as this demo party' }).click();
    await page.locator('.session .who', { hasText: 'INSURER' }).waitFor();
    await keepScreenshot(page, 'frame-dev-sign-in');
    watched.expectNoProblems();
    await context.close();
  });

  it('signs in with an injected wallet through Sign-In with Ethereum', async function () {
    const context = await browser.newContext();
    const requests = await injectTestWallet(context, stack.wallet('REINSURER'), stack.chainId);
    const watched = await watchedPage(context);
    const { page } = watched;
    await page.goto(`${stack.url}/reinsurer`);
    await page.getByRole('button', { name: 'Sign in with your wallet' }).click();
    await page.locator('.session .who', { hasText: 'REINSURER' }).waitFor();
    const signed = requests.find((request) => request.method === 'personal_sign');
    expect(signed, 'the wallet was asked to sign the SIWE message').not.to.equal(undefined);
    const message = Buffer.from((signed!.params[0] as string).slice(2), 'hex').toString('utf8');
    expect(message).to.contain(`${new URL(stack.url).host} wants you to sign in with your Ethereum account:`);
    expect(message).to.contain(`Chain ID: ${stack.chainId}`);
    await keepScreenshot(page, 'frame-wallet-sign-in');
    watched.expectNoProblems();
    await context.close();
  });
});
