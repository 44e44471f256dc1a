/**
 * The browser suite's tools: Debian's Chromium driven by playwright-core, a page that records every console error,
 * failed script and failed request (a test fails on any), an accessibility check with axe-core run in the page, a
 * screenshot of each test's final state under `test-results/web/`, and an injected EIP-1193 test wallet that signs
 * like a browser wallet (personal_sign, eth_signTypedData_v4) with a key the test holds.
 *
 * Without Chromium the suite is left out with a loud banner; with POLICYLEDGER_REQUIRE_CHROMIUM=1 (CI) it fails.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import type { Signer, TypedDataField } from 'ethers';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..');
export const SCREENSHOTS = path.join(REPOSITORY, 'test-results', 'web');
const CHROMIUM_PATHS = [process.env.POLICYLEDGER_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function chromiumPath(): string | null {
  return (
    CHROMIUM_PATHS.find((candidate) => candidate !== undefined && candidate !== '' && existsSync(candidate)) ?? null
  );
}

/**
 * `describe` for a browser suite: runs it when Chromium is installed; otherwise prints a loud banner and registers
 * nothing (or, with POLICYLEDGER_REQUIRE_CHROMIUM=1, a failing test saying why).
 */
export function describeInBrowser(title: string, body: (this: Mocha.Suite) => void): void {
  if (chromiumPath() !== null) {
    describe(title, body);
    return;
  }
  const why = "Chromium not found at /usr/bin/chromium — install Debian's chromium to run it";
  if (process.env.POLICYLEDGER_REQUIRE_CHROMIUM === '1') {
    describe(title, () => {
      it('needs Chromium', () => {
        throw new Error(`POLICYLEDGER_REQUIRE_CHROMIUM=1 but ${why}`);
      });
    });
    return;
  }
  console.warn(`\n${'!'.repeat(100)}\n!! Browser suite "${title}" LEFT OUT: ${why}\n${'!'.repeat(100)}\n`);
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === null) throw new Error('Chromium is not installed');
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** What went wrong in a page, as the browser reported it. */
export interface PageProblems {
  console: string[];
  pageErrors: string[];
  failedRequests: string[];
}

export interface WatchedPage {
  page: Page;
  problems: PageProblems;
  /** Fails the test if the page logged a console error, threw, or a request of it failed. */
  expectNoProblems(): void;
}

/** A page in `context` whose console errors, uncaught errors and failed requests are recorded. */
export async function watchedPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  const problems: PageProblems = { console: [], pageErrors: [], failedRequests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.console.push(message.text());
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.message));
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? 'failed';
    // A stream the page closes itself (EventSource on navigation) is not a failure of the page.
    if (failure === 'net::ERR_ABORTED') return;
    problems.failedRequests.push(`${request.method()} ${request.url()}: ${failure}`);
  });
  return {
    page,
    problems,
    expectNoProblems() {
      expect(problems.pageErrors, 'uncaught errors in the page').to.deep.equal([]);
      expect(problems.console, 'console errors in the page').to.deep.equal([]);
      expect(problems.failedRequests, 'failed requests of the page').to.deep.equal([]);
    },
  };
}

let axeSource: string | undefined;

/** Runs axe-core in the page (WCAG 2.1 A and AA rules) and fails on any violation, listing each with its nodes. */
export async function expectAccessible(page: Page, context = ''): Promise<void> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated over the DevTools protocol, so the page's Content-Security-Policy does not apply to the checker.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context: unknown,
            options: unknown,
          ): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.slice(0, 5).map((node) => node.target.join(' ')),
    }));
  });
  expect(violations, `accessibility violations ${context}`).to.deep.equal([]);
}

/** Keeps a screenshot of the page's state as the test's artifact: `test-results/web/<name>.png`. */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** What the injected wallet was asked to sign, in order: the test may check the typed terms the wallet showed. */
export interface WalletRequest {
  method: string;
  params: unknown[];
}

/**
 * Injects an EIP-1193 wallet as `window.ethereum` into every page of `context`, signing with `signer` (a key the test
 * holds) on chain `chainId`: eth_requestAccounts / eth_accounts, eth_chainId, personal_sign, eth_signTypedData_v4.
 * Answers the requests it received. Anything else is refused with EIP-1193's 4200 (unsupported method).
 */
export async function injectTestWallet(
  context: BrowserContext,
  signer: Signer,
  chainId: number,
): Promise<WalletRequest[]> {
  const requests: WalletRequest[] = [];
  const address = await signer.getAddress();
  await context.exposeFunction('__policyledgerTestWallet', async (method: string, paramsJson: string) => {
    const params = JSON.parse(paramsJson) as unknown[];
    requests.push({ method, params });
    switch (method) {
      case 'eth_requestAccounts':
      case 'eth_accounts':
        return JSON.stringify({ result: [address] });
      case 'eth_chainId':
        return JSON.stringify({ result: `0x${chainId.toString(16)}` });
      case 'personal_sign': {
        const hex = params[0] as string;
        return JSON.stringify({ result: await signer.signMessage(Buffer.from(hex.slice(2), 'hex')) });
      }
      case 'eth_signTypedData_v4': {
        const typed = JSON.parse(params[1] as string) as {
          domain: Record<string, unknown>;
          types: Record<string, TypedDataField[]>;
          message: Record<string, unknown>;
        };
        const types = { ...typed.types };
        delete types.EIP712Domain;
        return JSON.stringify({ result: await signer.signTypedData(typed.domain, types, typed.message) });
      }
      default:
        return JSON.stringify({ error: { code: 4200, message: `The test wallet does not support ${method}` } });
    }
  });
  await context.addInitScript(() => {
    const call = (
      window as unknown as { __policyledgerTestWallet: (method: string, params: string) => Promise<string> }
    ).__policyledgerTestWallet;
    (window as unknown as { ethereum: unknown }).ethereum = {
      isPolicyLedgerTestWallet: true,
      async request({ method, params }: { method: string; params?: unknown[] }) {
        const answer = JSON.parse(await call(method, JSON.stringify(params ?? []))) as {
          result?: unknown;
          error?: { code: number; message: string };
        };
        if (answer.error !== undefined)
          throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
        return answer.result;
      },
      on() {},
      removeListener() {},
    };
  });
  return requests;
}
