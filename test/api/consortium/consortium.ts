/**
 * Running the consortium through the API, on a local chain: dual-control proposals carried from proposal to execution
 * by the two local ADMINs whose keys the API hosts, decoded calldata, cancellation and the chain's refusals as stable
 * problem codes; a feed disputed, resolved by hand and another expired; an oracle rotation; the wiring consents of the
 * insurer (hosted: sent) and of the reinsurer (not hosted: an unsigned transaction its wallet sends).
 */
import { expect } from 'chai';
import { getAddress, id, JsonRpcProvider, NonceManager, sha256, toUtf8Bytes, Wallet, type Signer } from 'ethers';
import { consortiumRouter } from '../../../services/api/consortium/routes.js';
import { roleId } from '../../../services/ledger/parties.js';
import { signObservation, submitReport } from '../../../services/ledger/oracle.js';
import { ObservationStatus } from '../../../services/shared/eip712.js';
import {
  ConsortiumAccess__factory,
  OracleHub__factory,
  RiskPool__factory,
} from '../../../types/ethers-contracts/index.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { apiKeyFor, startTestApi, type TestApi } from '../../helpers/api-client.js';

const ADMIN_A = 0;
const ADMIN_B = 1;
const INSURER = 2;
const REINSURER = 3;
const CLIENT = 4;
const ORACLES = [5, 6, 7];
const AUDITOR = 8;
const FOURTH_ORACLE = 9;
/** The parties whose keys the API holds: both ADMINs, the insurer and one oracle (not the reinsurer). */
const HOSTED = [ADMIN_A, ADMIN_B, INSURER, ORACLES[0]!];

interface ProposalBody {
  mode: 'sent' | 'unsigned';
  transaction: { hash?: string; from: string; to: string; data: string };
  call: { contract: string | null; decoded: boolean; function?: string; args?: Record<string, unknown> };
  proposal: { id: string; state: string; approvers: string[]; executionCheck?: { wouldSucceed: boolean } } | null;
}

interface FeedBody {
  feedId: string;
  state: string;
  outcome: { status: string; value: string } | null;
  reports: { oracle: string; status: string; value: string; payloadHash: string }[];
}

describe('consortium operations through the API', function () {
  this.timeout(180_000);
  let ledger: TestLedger;
  let api: TestApi;
  let apiProvider: JsonRpcProvider;
  const auth = new Map<number, string>();

  before(async function () {
    this.timeout(180_000);
    ledger = await startTestLedger();
    // The API's own provider, without ethers' request cache, as `startApi` connects it: a read right after a write
    // sees it.
    apiProvider = new JsonRpcProvider(ledger.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const signers = new Map<string, Signer>(
      HOSTED.map((i) => [
        ledger.parties[i]!.wallet.address,
        new NonceManager(new Wallet(ledger.parties[i]!.wallet.privateKey, apiProvider)),
      ]),
    );
    api = await startTestApi(
      { provider: apiProvider, deployment: ledger.deployment },
      { routers: (ctx) => [consortiumRouter(ctx)], context: { signers } },
    );
    for (const i of [ADMIN_A, ADMIN_B, INSURER, REINSURER, CLIENT, ORACLES[0]!, AUDITOR]) {
      auth.set(i, await apiKeyFor(api.url, new Wallet(ledger.parties[i]!.wallet.privateKey)));
    }
  });

  after(async function () {
    await api?.close();
    apiProvider?.destroy();
    await ledger?.stop();
  });

  const address = (party: number) => ledger.parties[party]!.wallet.address;

  async function send(party: number, method: string, path: string, body?: object): Promise<Response> {
    const headers: Record<string, string> = { Authorization: auth.get(party)! };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(`${api.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  async function ok<T>(response: Response, status = 200): Promise<T> {
    const text = await response.text();
    expect(response.status, text).to.equal(status);
    return JSON.parse(text) as T;
  }

  async function refusal(response: Response, status: number, code: string): Promise<Record<string, unknown>> {
    const text = await response.text();
    expect(`${response.status} ${text}`).to.match(new RegExp(`^${status} `));
    const problem = JSON.parse(text) as Record<string, unknown>;
    expect(problem.code, text).to.equal(code);
    return problem;
  }

  /** Approves (ADMIN B) and executes (ADMIN A) proposal `id` through the API; answers the executed proposal. */
  async function approveAndExecute(proposalId: string): Promise<ProposalBody> {
    const approved = await ok<ProposalBody>(await send(ADMIN_B, 'POST', `/v1/proposals/${proposalId}/approval`));
    expect(approved.proposal?.state).to.equal('approved');
    const executed = await ok<ProposalBody>(await send(ADMIN_A, 'POST', `/v1/proposals/${proposalId}/execution`));
    expect(executed.mode).to.equal('sent');
    expect(executed.proposal?.state).to.equal('executed');
    return executed;
  }

  const hub = () => OracleHub__factory.connect(ledger.deployment.oracleHub, ledger.provider);
  /** A plain account the hub is told to accept as a feed consumer (a product stand-in): the reinsurer's. */
  const consumer = () => ledger.parties[REINSURER]!.signer;

  describe('proposals', () => {
    it('carries a named action from proposal through approval to execution with two hosted ADMINs', async () => {
      const proposed = await ok<ProposalBody>(
        await send(ADMIN_A, 'POST', '/v1/proposals', {
          contract: 'OracleHub',
          function: 'setConsumer',
          args: { consumer: address(REINSURER), allowed: true },
        }),
        201,
      );
      expect(proposed.mode).to.equal('sent');
      expect(proposed.call).to.deep.include({ contract: 'OracleHub', decoded: true, function: 'setConsumer' });
      expect(proposed.call.args).to.deep.equal({ consumer: address(REINSURER), allowed: true });
      expect(proposed.proposal).to.deep.include({ state: 'pending', approvers: [address(ADMIN_A)] });
      expect(proposed.proposal?.executionCheck).to.deep.equal({ wouldSucceed: true });

      const executed = await approveAndExecute(proposed.proposal!.id);
      expect(executed.proposal?.approvers).to.deep.equal([address(ADMIN_A), address(ADMIN_B)]);
      expect(await hub().isConsumer(address(REINSURER))).to.equal(true);

      const listed = await ok<{ items: ProposalBody['proposal'][] }>(
        await send(AUDITOR, 'GET', '/v1/proposals?state=executed'),
      );
      expect(listed.items.map((item) => item?.id)).to.include(proposed.proposal!.id);
    });

    it("decodes a raw proposal's calldata into contract, function, named arguments and role names", async () => {
      const account = address(INSURER);
      const grant = ConsortiumAccess__factory.createInterface().encodeFunctionData('grantRole', [
        roleId('AUDITOR'),
        account,
      ]);
      const proposed = await ok<ProposalBody>(
        await send(ADMIN_A, 'POST', '/v1/proposals', { target: ledger.deployment.consortiumAccess, data: grant }),
        201,
      );
      expect(proposed.call).to.deep.include({ contract: 'ConsortiumAccess', decoded: true, function: 'grantRole' });
      expect(proposed.call.args).to.deep.equal({ role: roleId('AUDITOR'), account });
      expect((proposed.call as { roleNames?: unknown }).roleNames).to.deep.equal({ role: 'AUDITOR' });

      const unknown = await ok<ProposalBody>(
        await send(ADMIN_A, 'POST', '/v1/proposals', { target: ledger.deployment.oracleHub, data: '0xdeadbeef00' }),
        201,
      );
      expect(unknown.call).to.deep.include({ contract: 'OracleHub', decoded: false, selector: '0xdeadbeef' });
      const read = await ok<ProposalBody['proposal'] & { call: ProposalBody['call'] }>(
        await send(ADMIN_B, 'GET', `/v1/proposals/${unknown.proposal!.id}`),
      );
      expect(read.call.decoded).to.equal(false);
      expect(read.executionCheck?.wouldSucceed).to.equal(false);
    });

    it('cancels a proposal for its proposer only, and then refuses to approve it', async () => {
      const proposed = await ok<ProposalBody>(
        await send(ADMIN_A, 'POST', '/v1/proposals', {
          contract: 'OracleHub',
          function: 'setConsumer',
          args: [address(CLIENT), true],
        }),
        201,
      );
      const id = proposed.proposal!.id;
      await refusal(
        await send(ADMIN_B, 'POST', `/v1/proposals/${id}/cancellation`),
        403,
        'CONSORTIUM_ACCESS_NOT_PROPOSER',
      );
      const cancelled = await ok<ProposalBody>(await send(ADMIN_A, 'POST', `/v1/proposals/${id}/cancellation`));
      expect(cancelled.proposal?.state).to.equal('cancelled');
      const problem = await refusal(
        await send(ADMIN_B, 'POST', `/v1/proposals/${id}/approval`),
        409,
        'CONSORTIUM_ACCESS_PROPOSAL_NOT_PENDING',
      );
      expect(problem.contractError).to.deep.include({ name: 'ConsortiumAccessProposalNotPending' });
      expect(await hub().isConsumer(address(CLIENT))).to.equal(false);
    });

    it('refuses a second approval by the same ADMIN, and an execution short of approvals, with decoded codes', async () => {
      const proposed = await ok<ProposalBody>(
        await send(ADMIN_A, 'POST', '/v1/proposals', {
          contract: 'OracleHub',
          function: 'setConsumer',
          args: { consumer: address(CLIENT), allowed: true },
        }),
        201,
      );
      const id = proposed.proposal!.id;
      const problem = await refusal(
        await send(ADMIN_A, 'POST', `/v1/proposals/${id}/approval`),
        409,
        'CONSORTIUM_ACCESS_ALREADY_APPROVED',
      );
      expect(problem.contractError).to.deep.equal({
        name: 'ConsortiumAccessAlreadyApproved',
        args: [id, address(ADMIN_A)],
        signature: 'ConsortiumAccessAlreadyApproved(uint256,address)',
      });
      await refusal(
        await send(ADMIN_A, 'POST', `/v1/proposals/${id}/execution`),
        409,
        'CONSORTIUM_ACCESS_NOT_ENOUGH_APPROVALS',
      );
      await ok(await send(ADMIN_A, 'POST', `/v1/proposals/${id}/cancellation`));
    });

    it('refuses parties that are not ADMINs, and lets the AUDITOR read', async () => {
      const body = { contract: 'OracleHub', function: 'setConsumer', args: [address(CLIENT), true] };
      await refusal(await send(INSURER, 'POST', '/v1/proposals', body), 403, 'ROLE_REQUIRED');
      await refusal(await send(ORACLES[0]!, 'POST', '/v1/proposals/1/approval'), 403, 'ROLE_REQUIRED');
      await refusal(await send(CLIENT, 'GET', '/v1/proposals'), 403, 'ROLE_REQUIRED');
      await refusal(await send(AUDITOR, 'POST', '/v1/proposals/1/execution'), 403, 'ROLE_REQUIRED');
      const first = await ok<{ id: string; state: string }>(await send(AUDITOR, 'GET', '/v1/proposals/1'));
      expect(first.id).to.equal('1');
    });

    it('refuses a named action its contract does not have, or a view, before anything is sent', async () => {
      await refusal(
        await send(ADMIN_A, 'POST', '/v1/proposals', { contract: 'OracleHub', function: 'setQuorum', args: {} }),
        422,
        'UNKNOWN_FUNCTION',
      );
      await refusal(
        await send(ADMIN_A, 'POST', '/v1/proposals', { contract: 'OracleHub', function: 'settings', args: {} }),
        422,
        'READ_ONLY_FUNCTION',
      );
      await refusal(
        await send(ADMIN_A, 'POST', '/v1/proposals', {
          contract: 'OracleHub',
          function: 'setConsumer',
          args: { consumer: 'nobody', allowed: true },
        }),
        422,
        'INVALID_ARGUMENTS',
      );
    });
  });

  describe('feeds', () => {
    const finalisedFeed = id('consortium-ops finalised feed');
    const lateFeed = id('consortium-ops late feed');

    before(async () => {
      // A dispute window of one hour, so that a quorum's outcome can be set aside.
      const settings = await ok<ProposalBody>(
        await send(ADMIN_A, 'POST', '/v1/proposals', {
          contract: 'OracleHub',
          function: 'setSettings',
          args: {
            newSettings: { quorum: 3, freshnessWindow: 6 * 3600, disputeWindow: 3600, resolutionPeriod: 7 * 86400 },
          },
        }),
        201,
      );
      await approveAndExecute(settings.proposal!.id);
      const now = (await ledger.provider.getBlock('latest'))!.timestamp;
      const asConsumer = hub().connect(consumer());
      await (await asConsumer.registerFeed(finalisedFeed, now + 7200, 5)).wait();
      await (await asConsumer.registerFeed(lateFeed, now + 7200, 5)).wait();
      for (const [index, party] of ORACLES.entries()) {
        const client = {
          deployment: ledger.deployment,
          provider: ledger.provider,
          signer: ledger.parties[party]!.signer,
        };
        const observation = {
          feedId: finalisedFeed,
          oracle: address(party),
          status: ObservationStatus.Landed,
          value: 180 + index,
          observedAt: now,
          payloadHash: sha256(toUtf8Bytes(`recorded response ${party}`)),
        };
        const signature = await signObservation(client, observation);
        await (await submitReport(client, { observation, signature })).wait();
      }
    });

    it('lists feeds by state with their reports', async () => {
      const finalised = await ok<{ items: FeedBody[] }>(await send(ORACLES[0]!, 'GET', '/v1/feeds?state=finalised'));
      const feed = finalised.items.find((item) => item.feedId === finalisedFeed);
      expect(feed?.outcome).to.deep.equal({ ...feed!.outcome, status: 'Landed', value: '181' });
      expect(feed?.reports.map((report) => report.oracle)).to.deep.equal(ORACLES.map(address));
      expect(feed?.reports[0]?.payloadHash).to.equal(sha256(toUtf8Bytes(`recorded response ${ORACLES[0]}`)));
      const awaiting = await ok<{ items: FeedBody[] }>(await send(AUDITOR, 'GET', '/v1/feeds?state=awaiting'));
      expect(awaiting.items.map((item) => item.feedId)).to.deep.equal([lateFeed]);
      await refusal(await send(CLIENT, 'GET', '/v1/feeds'), 403, 'ROLE_REQUIRED');
    });

    it('disputes a finalised feed and resolves it by hand, each under dual control', async () => {
      const dispute = await ok<ProposalBody>(await send(ADMIN_A, 'POST', `/v1/feeds/${finalisedFeed}/dispute`), 201);
      expect(dispute.call).to.deep.include({ contract: 'OracleHub', function: 'dispute' });
      expect(dispute.call.args).to.deep.equal({ feedId: finalisedFeed });
      await approveAndExecute(dispute.proposal!.id);
      const disputed = await ok<{ items: FeedBody[] }>(await send(ADMIN_B, 'GET', '/v1/feeds?state=disputed'));
      expect(disputed.items.map((item) => [item.feedId, item.reports.length])).to.deep.equal([[finalisedFeed, 3]]);

      const resolution = await ok<ProposalBody>(
        await send(ADMIN_B, 'POST', `/v1/feeds/${finalisedFeed}/resolution`, { status: 'Landed', value: '95' }),
        201,
      );
      expect(resolution.call.args).to.deep.equal({ feedId: finalisedFeed, status: '1', value: '95' });
      await ok(await send(ADMIN_A, 'POST', `/v1/proposals/${resolution.proposal!.id}/approval`));
      await ok(await send(ADMIN_B, 'POST', `/v1/proposals/${resolution.proposal!.id}/execution`));
      const resolved = await ok<FeedBody>(await send(AUDITOR, 'GET', `/v1/feeds/${finalisedFeed}`));
      expect(resolved).to.deep.include({ state: 'resolved' });
      expect(resolved.outcome).to.deep.include({ status: 'Landed', value: '95' });
    });

    it('refuses what the hub would refuse before proposing it: a dispute after resolution, a resolution not yet due', async () => {
      await refusal(await send(ADMIN_A, 'POST', `/v1/feeds/${finalisedFeed}/dispute`), 409, 'ORACLE_HUB_FEED_NOT_OPEN');
      await refusal(
        await send(ADMIN_A, 'POST', `/v1/feeds/${lateFeed}/resolution`, { status: 'Cancelled', value: '0' }),
        409,
        'ORACLE_HUB_NOT_YET_DUE',
      );
      await refusal(await send(ADMIN_A, 'POST', `/v1/feeds/${id('never registered')}/dispute`), 404, 'FEED_NOT_FOUND');
    });

    it('shows a feed without quorum as overdue, then lets an oracle operator expire it', async () => {
      await ledger.advanceTime(3 * 3600);
      const overdue = await ok<{ items: FeedBody[] }>(await send(ADMIN_A, 'GET', '/v1/feeds?state=overdue'));
      expect(overdue.items.map((item) => item.feedId)).to.deep.equal([lateFeed]);
      await refusal(await send(ORACLES[0]!, 'POST', `/v1/feeds/${lateFeed}/expiry`), 409, 'ORACLE_HUB_NOT_YET_DUE');
      await ledger.advanceTime(7 * 86400);
      const expired = await ok<{ mode: string; transaction: { hash: string } }>(
        await send(ORACLES[0]!, 'POST', `/v1/feeds/${lateFeed}/expiry`),
      );
      expect(expired.mode).to.equal('sent');
      expect((await ok<FeedBody>(await send(ORACLES[0]!, 'GET', `/v1/feeds/${lateFeed}`))).state).to.equal('expired');
    });
  });

  describe('oracle rotation', () => {
    it('proposes granting the ORACLE role to the new party and revoking it from the old one', async () => {
      const rotation = await ok<{ proposals: ProposalBody[] }>(
        await send(ADMIN_A, 'POST', '/v1/oracles/rotation', {
          retire: address(FOURTH_ORACLE),
          appoint: address(AUDITOR),
        }),
        201,
      );
      expect(
        rotation.proposals.map((p) => [p.call.function, (p.call as { roleNames?: unknown }).roleNames]),
      ).to.deep.equal([
        ['grantRole', { role: 'ORACLE' }],
        ['revokeRole', { role: 'ORACLE' }],
      ]);
      for (const proposal of rotation.proposals) await approveAndExecute(proposal.proposal!.id);
      await refusal(
        await send(ADMIN_A, 'POST', '/v1/oracles/rotation', { appoint: address(AUDITOR) }),
        409,
        'ALREADY_ORACLE',
      );
      await refusal(
        await send(ADMIN_A, 'POST', '/v1/oracles/rotation', { retire: address(FOURTH_ORACLE) }),
        409,
        'NOT_AN_ORACLE',
      );
    });

    it('refuses a rotation that would leave too few oracles for the quorum', async () => {
      const retired = await ok<{ proposals: ProposalBody[] }>(
        await send(ADMIN_A, 'POST', '/v1/oracles/rotation', { retire: address(ORACLES[2]!) }),
        201,
      );
      await approveAndExecute(retired.proposals[0]!.proposal!.id);
      // Three active oracles left, quorum three: none more may go without another coming.
      await refusal(
        await send(ADMIN_A, 'POST', '/v1/oracles/rotation', { retire: address(ORACLES[1]!) }),
        409,
        'ORACLE_QUORUM_UNREACHABLE',
      );
    });
  });

  describe('wiring consents', () => {
    const product = getAddress(`0x${'c0'.repeat(20)}`);

    it('tells before execution that a wiring without consent would fail, and answers the pool’s reason when it does', async () => {
      const unconsented = getAddress(`0x${'c1'.repeat(20)}`);
      const wiring = await ok<ProposalBody>(
        await send(ADMIN_A, 'POST', '/v1/proposals', {
          contract: 'RiskPool',
          function: 'setProduct',
          args: { product: unconsented, allowed: true },
        }),
        201,
      );
      expect(wiring.proposal?.executionCheck).to.deep.include({
        wouldSucceed: false,
        code: 'RISK_POOL_CONSENT_MISSING',
      });
      await ok(await send(ADMIN_B, 'POST', `/v1/proposals/${wiring.proposal!.id}/approval`));
      const problem = await refusal(
        await send(ADMIN_A, 'POST', `/v1/proposals/${wiring.proposal!.id}/execution`),
        422,
        'CONSORTIUM_ACCESS_EXECUTION_FAILED',
      );
      expect(problem.reason).to.deep.include({ code: 'RISK_POOL_CONSENT_MISSING', name: 'RiskPoolConsentMissing' });
    });

    it('takes the reinsurer’s consent as an unsigned transaction and the insurer’s as sent, then wires the product', async () => {
      const pool = ledger.deployment.riskPool!;
      const unsigned = await ok<{
        mode: string;
        transaction: { from: string; to: string; data: string; gasLimit: string };
      }>(await send(REINSURER, 'POST', `/v1/pools/${pool}/wiring-consents`, { target: product }));
      expect(unsigned.mode).to.equal('unsigned');
      expect(unsigned.transaction).to.deep.include({ from: address(REINSURER), to: getAddress(pool) });
      const { transaction } = unsigned;
      await (
        await ledger.parties[REINSURER]!.signer.sendTransaction({
          to: transaction.to,
          data: transaction.data,
          gasLimit: BigInt(transaction.gasLimit),
        })
      ).wait();
      const sent = await ok<{ mode: string; consents: { consents: { role: string; consented: boolean }[] } }>(
        await send(INSURER, 'POST', `/v1/pools/${pool}/wiring-consents`, { target: product }),
      );
      expect(sent.mode).to.equal('sent');
      expect(sent.consents.consents.map(({ role, consented }) => [role, consented])).to.deep.equal([
        ['INSURER', true],
        ['REINSURER', true],
      ]);
      await refusal(
        await send(ADMIN_A, 'POST', `/v1/pools/${pool}/wiring-consents`, { target: product }),
        403,
        'ROLE_REQUIRED',
      );

      const wiring = await ok<ProposalBody>(
        await send(ADMIN_A, 'POST', '/v1/proposals', {
          contract: 'RiskPool',
          function: 'setProduct',
          args: { product, allowed: true },
        }),
        201,
      );
      expect(wiring.call).to.deep.include({ contract: 'RiskPool', function: 'setProduct' });
      await approveAndExecute(wiring.proposal!.id);
      expect(await RiskPool__factory.connect(pool, ledger.provider).isProduct(product)).to.equal(true);
      const after = await ok<{ consents: { consented: boolean }[] }>(
        await send(AUDITOR, 'GET', `/v1/pools/${pool}/wiring-consents?target=${product}`),
      );
      expect(after.consents.map((consent) => consent.consented)).to.deep.equal([false, false]);
    });
  });
});
