/**
 * `GET /v1/policy-proposals`: a client finds the proposals awaiting its consent (and only its own), the insurer those
 * it made; once consented, a proposal leaves the awaiting list and shows as issued with its policy.
 */
import { expect } from 'chai';
import { Wallet } from 'ethers';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { defineFlightOffer, proposeFlight, walletConsent } from './sales-fixtures.js';
import { call, DEMO_CLIENT, startSalesStack, type SalesStack } from './sales-stack.js';

interface Listed {
  documentHash: string;
  status: string;
  holder: string;
  policyId: string | null;
}

describe('listing policy proposals', function () {
  this.timeout(180_000);
  let ledger: TestLedger;
  let stack: SalesStack;

  before(async function () {
    ledger = await startTestLedger();
    stack = await startSalesStack(ledger, 1_000_000_000n);
  });

  after(async function () {
    await stack?.close();
    await ledger?.stop();
  });

  async function list(authorization: string, query = ''): Promise<Listed[]> {
    const response = await call(stack, authorization, 'GET', `/v1/policy-proposals${query}`);
    expect(response.status, await response.clone().text()).to.equal(200);
    return ((await response.json()) as { items: Listed[] }).items;
  }
  const hashes = (items: Listed[]) => items.map((item) => item.documentHash);

  it("lists each client's own proposals, the insurer's all, and moves a consented one to issued", async function () {
    const offerId = await defineFlightOffer(call, stack, stack.auth.insurer);
    const demoClient = ledger.parties[DEMO_CLIENT]!.wallet.address;
    const toWallet = await proposeFlight(
      call,
      stack,
      ledger.provider,
      stack.auth.insurer,
      offerId,
      stack.walletClient.address,
    );
    const toDemo = await proposeFlight(call, stack, ledger.provider, stack.auth.insurer, offerId, demoClient);
    const mine = toWallet.proposal.documentHash;
    const theirs = toDemo.proposal.documentHash;

    expect(hashes(await list(stack.auth.walletClient, '?status=awaiting-consent'))).to.deep.equal([mine]);
    expect(hashes(await list(stack.auth.demoClient))).to.deep.equal([theirs]);
    // Newest first.
    expect(hashes(await list(stack.auth.insurer, '?status=awaiting-consent'))).to.deep.equal([theirs, mine]);

    const consent = await call(
      stack,
      stack.auth.walletClient,
      'POST',
      toWallet.consent!.href,
      await walletConsent(new Wallet(stack.walletClient.privateKey), toWallet),
    );
    expect(consent.status, await consent.clone().text()).to.equal(201);
    const { policy } = (await consent.json()) as { policy: { id: string } };

    expect(await list(stack.auth.walletClient, '?status=awaiting-consent')).to.deep.equal([]);
    const issued = await list(stack.auth.walletClient, '?status=issued');
    expect(issued.map(({ documentHash, status, policyId }) => ({ documentHash, status, policyId }))).to.deep.equal([
      { documentHash: mine, status: 'issued', policyId: policy.id },
    ]);
  });
});
