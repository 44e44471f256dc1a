/**
 * A payout the stablecoin refuses: the holder's account is frozen by the coin's issuer when its flight policy pays, so
 * the risk pool keeps the amount as the holder's credit (hardening issue). The holder's timeline says so, the API
 * shows the credit, refuses a claim the coin would refuse again, and pays it to another address of the holder's
 * choosing — once.
 */
import { expect } from 'chai';
import { ContractFactory, Wallet } from 'ethers';
import {
  FreezableStablecoin__factory,
  MockStablecoin__factory,
  RiskPool__factory,
} from '../../../types/ethers-contracts/index.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { eventually } from '../matrix-stack.js';
import {
  CLIENT,
  flightTerms,
  HOUR,
  issueFlight,
  now,
  reportQuorum,
  usd,
  type IssuedPolicy,
} from '../../indexer/policies-scenario.js';
import { ObservationStatus } from '../../../services/shared/eip712.js';
import { call, startSalesStack, type SalesStack } from './sales-stack.js';

interface Step {
  step: string;
  state: string;
  transactionHash: string | null;
  evidence: Record<string, unknown>;
}

interface Problem {
  code: string;
  detail: string;
}

/**
 * Gives the deployment's stablecoin the code of the freezable test coin, keeping its address and balances: the
 * freezable coin only adds storage after the plain one's. Its immutables (the permit domain's) come from a copy
 * deployed with the same constructor.
 */
async function makeStablecoinFreezable(ledger: TestLedger): Promise<void> {
  const factory = new ContractFactory(
    FreezableStablecoin__factory.abi,
    FreezableStablecoin__factory.bytecode,
    ledger.parties[0]!.signer,
  );
  const copy = await factory.deploy();
  await copy.waitForDeployment();
  const code = await ledger.provider.getCode(await copy.getAddress());
  await ledger.provider.send('anvil_setCode', [ledger.deployment.stablecoin!, code]);
}

describe('credits: a payout the stablecoin refuses, kept on chain and claimed through the API', function () {
  this.timeout(120_000);
  let ledger: TestLedger;
  let stack: SalesStack;
  let policy: IssuedPolicy;
  let holder: string;
  const TIER_45_MINUTES = usd(200);

  before(async function () {
    this.timeout(180_000);
    ledger = await startTestLedger();
    await makeStablecoinFreezable(ledger);
    stack = await startSalesStack(ledger, usd(100));
    holder = ledger.parties[CLIENT]!.wallet.address;
    policy = await issueFlight(ledger, flightTerms(holder, await now(ledger), '4410'));
    const coin = FreezableStablecoin__factory.connect(ledger.deployment.stablecoin!, ledger.parties[0]!.signer);
    await (await coin.setFrozen(holder, true)).wait();
    await ledger.advanceTime(13 * HOUR);
    await reportQuorum(ledger, policy.feedId, ObservationStatus.Landed, 45);
  });

  after(async () => {
    await stack?.close();
    await ledger?.stop();
  });

  const pool = () => RiskPool__factory.connect(ledger.deployment.riskPool!, ledger.provider);
  const balanceOf = (account: string) =>
    MockStablecoin__factory.connect(ledger.deployment.stablecoin!, ledger.provider).balanceOf(account);

  it('shows the payout as paid but not delivered, then the credit with its transaction', async () => {
    const steps = await eventually('the credited step', async () => {
      const response = await call(stack, stack.auth.demoClient, 'GET', `/v1/policies/${policy.id}/timeline`);
      // 404 until the index has reached the policy's issue.
      if (response.status === 404) return undefined;
      expect(response.status, await response.clone().text()).to.equal(200);
      const body = (await response.json()) as { steps: Step[] };
      return body.steps.some((step) => step.step === 'credited') ? body.steps : undefined;
    });
    const paid = steps.find((step) => step.step === 'paid')!;
    expect(paid.state).to.equal('done');
    expect(paid.evidence).to.include({ amount: TIER_45_MINUTES.toString(), delivered: false });
    const credited = steps.find((step) => step.step === 'credited')!;
    expect(credited.state).to.equal('done');
    expect(credited.evidence).to.include({ amount: TIER_45_MINUTES.toString(), claimable: true });
    const receipt = await ledger.provider.getTransactionReceipt(credited.transactionHash!);
    const logs = receipt!.logs.map((log) => pool().interface.parseLog(log)).filter((log) => log !== null);
    expect(logs.map((log) => log.name)).to.include('PaymentCredited');
    expect(await pool().creditOf(holder)).to.equal(TIER_45_MINUTES);
  });

  it('shows the holder its credit', async () => {
    const response = await call(stack, stack.auth.demoClient, 'GET', '/v1/credits');
    expect(response.status).to.equal(200);
    expect(((await response.json()) as { credit: string }).credit).to.equal(TIER_45_MINUTES.toString());
  });

  it('refuses a claim to the frozen account itself with the chain’s reason, and keeps the credit', async () => {
    const response = await call(stack, stack.auth.demoClient, 'POST', '/v1/credits/claim', {});
    expect(response.status, await response.clone().text()).to.equal(422);
    const problem = (await response.json()) as Problem;
    expect(problem.code).to.equal('CHAIN_REFUSED');
    expect(problem.detail).to.contain('Frozen');
    expect(await pool().creditOf(holder)).to.equal(TIER_45_MINUTES);
  });

  it('pays the credit to another address of the holder, once', async () => {
    const to = Wallet.createRandom().address;
    const response = await call(stack, stack.auth.demoClient, 'POST', '/v1/credits/claim', { to });
    expect(response.status, await response.clone().text()).to.equal(200);
    expect(await balanceOf(to)).to.equal(TIER_45_MINUTES);
    expect(await pool().creditOf(holder)).to.equal(0n);

    const again = await call(stack, stack.auth.demoClient, 'POST', '/v1/credits/claim', { to });
    expect(again.status).to.equal(409);
    expect(((await again.json()) as Problem).code).to.equal('NO_CREDIT');
    expect(await balanceOf(to)).to.equal(TIER_45_MINUTES);
  });
});
