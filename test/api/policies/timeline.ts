/**
 * `GET /v1/policies/{id}/timeline` over the parametric scenario: each step of a paid and ceded flight policy with its
 * chain evidence (the reports' transactions are the chain's), a paid rainfall policy over two days, a cancelled and an
 * expired policy with their reasons, and a policy still waiting for its cover to start.
 */
import { expect } from 'chai';
import { Wallet } from 'ethers';
import { roleId } from '../../../services/ledger/parties.js';
import { ConsortiumAccess__factory } from '../../../types/ethers-contracts/index.js';
import { apiKeyFor } from '../../helpers/api-client.js';
import { flightTerms, issueFlight, now, usd } from '../../indexer/policies-scenario.js';
import { governance } from '../matrix-stack.js';
import { AUDITOR, CLIENT, INSURER, REINSURER, startReadStack, type ReadStack } from './read-stack.js';

interface Step {
  step: string;
  state: string;
  at: string | null;
  transactionHash: string | null;
  reason?: string;
  evidence: Record<string, unknown>;
}
interface TimelineBody {
  policy: string;
  status: string;
  asOf: string;
  steps: Step[];
}
type FeedEvidence = {
  feedId: string;
  received: number;
  required: number;
  reports: { oracle: string; value: string; payloadHash: string; transactionHash: string }[];
};

describe('policies API: claim timelines', function () {
  this.timeout(240_000);
  let stack: ReadStack;

  before(async function () {
    this.timeout(240_000);
    stack = await startReadStack();
  });

  after(async () => {
    await stack?.close();
  });

  async function timeline(id: string, party = CLIENT): Promise<TimelineBody> {
    const answer = await stack.get(party, `/v1/policies/${id}/timeline`);
    expect(answer.status, await answer.clone().text()).to.equal(200);
    return (await answer.json()) as TimelineBody;
  }
  const named = (body: TimelineBody, name: string) => body.steps.find((step) => step.step === name)!;

  it('shows a paid and ceded flight claim step by step, with the chain evidence of each', async () => {
    const { paidFlight } = stack.scenario;
    const body = await timeline(paidFlight.id);
    expect(body.steps.map((step) => [step.step, step.state])).to.deep.equal([
      ['issued', 'done'],
      ['cover-active', 'done'],
      ['data-awaited', 'done'],
      ['oracle-reports', 'done'],
      ['outcome-final', 'done'],
      ['paid', 'done'],
      ['ceded', 'done'],
    ]);
    const policy = (await stack.index.policy(paidFlight.id))!;
    expect(named(body, 'issued').transactionHash).to.equal(policy.transactionHash);
    expect(named(body, 'issued').evidence.premiumCeded).to.deep.include({
      cededPremium: usd(6).toString(),
      cedingCommission: '1200000',
    });
    expect(named(body, 'cover-active').at).to.equal(policy.coverageStart);
    const [awaited] = named(body, 'data-awaited').evidence.feeds as Record<string, unknown>[];
    expect(awaited).to.deep.include({ feedId: paidFlight.feedId, flight: 'BA196', state: 'Finalised' });

    const [reports] = named(body, 'oracle-reports').evidence.feeds as FeedEvidence[];
    expect(reports).to.deep.include({ feedId: paidFlight.feedId, received: 3, required: 3 });
    for (const report of reports!.reports) {
      expect(report.value).to.equal('45');
      expect(report.payloadHash).to.match(/^0x[0-9a-f]{64}$/);
      const receipt = await stack.ledger.provider.getTransactionReceipt(report.transactionHash);
      expect(receipt?.from).to.equal(report.oracle);
    }
    const outcome = named(body, 'outcome-final');
    const [final] = outcome.evidence.feeds as { outcome: { value: string; disputeWindowEndsAt: string } }[];
    expect(final!.outcome.value).to.equal('45');
    expect(final!.outcome.disputeWindowEndsAt).to.equal(outcome.at);
    expect(outcome.transactionHash).to.equal(reports!.reports[2]!.transactionHash);

    const paid = named(body, 'paid');
    expect(paid.evidence).to.deep.equal({ amount: usd(200).toString(), delivered: true });
    expect(paid.transactionHash).to.equal(outcome.transactionHash);
    expect(named(body, 'ceded').evidence).to.deep.equal({
      gross: usd(200).toString(),
      quotaShare: usd(60).toString(),
      excessOfLoss: '0',
      net: usd(140).toString(),
    });
    // Every reader of the policy sees the same steps.
    for (const party of [INSURER, REINSURER, AUDITOR]) expect(await timeline(paidFlight.id, party)).to.deep.equal(body);
  });

  it('shows a rainfall claim waiting on each day of its window, then paid', async () => {
    const body = await timeline(stack.scenario.paidWeather.id);
    const awaited = named(body, 'data-awaited').evidence.feeds as { feedId: string; date: number }[];
    expect(awaited.map((feed) => feed.feedId)).to.deep.equal(stack.scenario.weatherDays);
    const reports = named(body, 'oracle-reports').evidence.feeds as FeedEvidence[];
    expect(reports.map((feed) => feed.reports.map((report) => report.value))).to.deep.equal([
      ['3000', '3000', '3000'],
      ['2000', '2000', '2000'],
    ]);
    expect(named(body, 'paid').evidence.amount).to.equal(usd(750).toString());
    expect(named(body, 'ceded').evidence.quotaShare).to.equal(usd(225).toString());
  });

  it('shows a cancelled policy with its refund and why, and no claim steps', async () => {
    const body = await timeline(stack.scenario.cancelledFlight.id);
    expect(body.steps.map((step) => [step.step, step.state])).to.deep.equal([
      ['issued', 'done'],
      ['cover-active', 'skipped'],
      ['cancelled', 'done'],
    ]);
    const cancelled = named(body, 'cancelled');
    expect(cancelled.evidence).to.deep.include({ refund: usd(18).toString() });
    expect(cancelled.reason).to.match(/by the holder before the cover started/);
  });

  it('shows an expired policy: the outcome, and why nothing was paid', async () => {
    const body = await timeline(stack.scenario.expiredFlight.id);
    expect(body.steps.map((step) => step.step)).to.deep.equal([
      'issued',
      'cover-active',
      'data-awaited',
      'oracle-reports',
      'outcome-final',
      'expired',
    ]);
    const [final] = named(body, 'outcome-final').evidence.feeds as { outcome: { status: string; value: string } }[];
    expect(final!.outcome).to.deep.include({ status: 'Landed', value: '-1' });
    expect(named(body, 'expired').reason).to.match(/triggers no payout/);
  });

  it('shows what an open policy still waits for', async () => {
    const issued = await issueFlight(
      stack.ledger,
      flightTerms(stack.ledger.parties[CLIENT]!.wallet.address, await now(stack.ledger), '2490'),
    );
    await stack.sync();
    const body = await timeline(issued.id);
    expect(body.status).to.equal('Issued');
    expect(body.steps.map((step) => [step.step, step.state])).to.deep.equal([
      ['issued', 'done'],
      ['cover-active', 'pending'],
      ['data-awaited', 'pending'],
      ['oracle-reports', 'pending'],
      ['outcome-final', 'pending'],
      ['settlement', 'pending'],
    ]);
    const [feed] = named(body, 'data-awaited').evidence.feeds as { flight: string; awaitedFrom: string }[];
    expect(feed).to.deep.include({ flight: 'BA2490' });
    expect(Date.parse(feed!.awaitedFrom)).to.be.above(Date.parse(body.asOf));
  });

  // The timeline cache keeps the policy and its body until the index head moves.
  it('moves on with the next block, and answers a policy the caller may not read as an unknown one', async () => {
    const issued = await issueFlight(
      stack.ledger,
      flightTerms(stack.ledger.parties[CLIENT]!.wallet.address, await now(stack.ledger), '2491'),
    );
    await stack.sync();
    expect(named(await timeline(issued.id), 'cover-active').state).to.equal('pending');
    expect(named(await timeline(issued.id), 'cover-active').state).to.equal('pending');
    await stack.ledger.advanceTime(2 * 3600);
    await stack.sync();
    expect(named(await timeline(issued.id), 'cover-active').state).to.equal('done');

    // Party 9, an ORACLE made a CLIENT too, holds none of these policies: another client's is not found, as an
    // unknown one is, whether or not its timeline is kept.
    const other = stack.ledger.parties[9]!.wallet;
    const access = ConsortiumAccess__factory.connect(stack.ledger.deployment.consortiumAccess);
    await governance(stack.ledger, access.interface.encodeFunctionData('grantRole', [roleId('CLIENT'), other.address]));
    const otherClient = await apiKeyFor(stack.api.url, new Wallet(other.privateKey));
    for (const id of [issued.id, stack.scenario.expiredFlight.id, 'flight-999']) {
      const answer = await fetch(`${stack.api.url}/v1/policies/${id}/timeline`, {
        headers: { Authorization: otherClient },
      });
      expect(answer.status, id).to.equal(404);
      expect(await answer.json()).to.deep.include({ code: 'POLICY_NOT_FOUND' });
    }
    expect((await timeline(issued.id)).policy).to.equal(issued.id);
  });
});
