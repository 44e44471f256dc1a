/**
 * The parametric side of the chain index against a local chain: policies, feeds, oracle reports, settlements and
 * cessions of a scenario (see `policies-scenario.ts`), events filtered by policy, feed and document, the same answers
 * after a rebuild, and the same answers from PostgreSQL as from SQLite.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ChainIndexer,
  InvalidCursorError,
  openChainIndex,
  rebuildChainIndex,
  type ChainEvent,
  type ChainIndex,
  type ChainIndexLocation,
  type IndexedPolicy,
} from '../../services/indexer/index.js';
import type { LedgerClient } from '../../services/ledger/client.js';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';
import { findPostgresBin, startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';
import { CLIENT, ORACLES, runPolicyScenario, usd, type ScenarioResult } from './policies-scenario.js';

describe('chain index: parametric policies', function () {
  this.timeout(180_000);
  let ledger: TestLedger;
  let client: LedgerClient;
  let scratch: string;
  let scenario: ScenarioResult;
  let index: ChainIndex;

  const location = (name: string): ChainIndexLocation => ({ sqliteFile: path.join(scratch, `${name}.sqlite`) });

  before(async () => {
    ledger = await startTestLedger();
    client = { deployment: ledger.deployment, provider: ledger.provider };
    scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-policies-index-'));
    scenario = await runPolicyScenario(ledger);
    index = await openChainIndex(location('main'));
    await new ChainIndexer(client, index, { batchBlocks: 5 }).syncOnce();
  });

  after(async () => {
    await index?.close();
    await ledger?.stop();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  const holder = () => ledger.parties[CLIENT]!.wallet.address;

  it('records each policy with its holder, status, money, cover window, feed, document and terms', async () => {
    const paid = (await index.policy(scenario.paidFlight.id))!;
    expect(paid).to.deep.include({
      id: scenario.paidFlight.id,
      kind: 'flight',
      product: ledger.deployment.flightDelayProduct,
      policyId: scenario.paidFlight.policyId.toString(),
      holder: holder(),
      status: 'Paid',
      premium: usd(20).toString(),
      maxPayout: usd(250).toString(),
      feedId: scenario.paidFlight.feedId,
      accumulationKey: scenario.paidFlight.feedId,
      documentHash: scenario.paidFlight.documentHash,
      payout: usd(200).toString(),
      ceded: true,
    });
    expect(paid.terms).to.deep.include({ carrier: 'BA', flightNumber: '196', policyholder: holder() });
    expect(Date.parse(paid.coverageEnd!) - Date.parse(paid.coverageStart!)).to.equal(23 * 3_600_000);

    expect(await index.policy(scenario.cancelledFlight.id)).to.deep.include({
      status: 'Cancelled',
      refund: usd(18).toString(),
    });
    expect(await index.policy(scenario.expiredFlight.id)).to.deep.include({ status: 'Expired', payout: '0' });
    const weather = (await index.policy(scenario.paidWeather.id))!;
    expect(weather).to.deep.include({ kind: 'weather', status: 'Paid', payout: usd(750).toString() });
    expect((await index.policyFeeds(weather.id)).map((feed) => feed.feedId)).to.deep.equal(scenario.weatherDays);
  });

  it('keeps each feed with its reports, k of n, and its final outcome', async () => {
    const [feed] = await index.policyFeeds(scenario.paidFlight.id);
    expect(feed).to.deep.include({ kind: 'flight', carrier: 'BA', flightNumber: '196', state: 'Finalised' });
    expect(feed!.outcome).to.deep.include({ status: 'Landed', value: '45', resolvedByHand: false });
    // The local hub pays at once: its dispute window is zero.
    expect(feed!.outcome!.disputeWindowEndsAt).to.equal(feed!.outcome!.at);
    const reports = await index.feedReports([feed!.feedId]);
    expect(reports.map((report) => report.oracle)).to.deep.equal(ORACLES.map((i) => ledger.parties[i]!.wallet.address));
    expect(feed!.outcome!.oracles).to.have.length(3);
    expect(reports.every((report) => report.value === '45' && /^0x[0-9a-f]{64}$/.test(report.payloadHash))).to.equal(
      true,
    );
  });

  it('records settlements and the cessions of premium and loss', async () => {
    expect((await index.settlements(scenario.paidFlight.id)).map((s) => [s.status, s.payout])).to.deep.equal([
      ['Paid', usd(200).toString()],
    ]);
    const cessions = await index.cessions(scenario.paidFlight.id);
    expect(cessions.map((cession) => cession.kind)).to.deep.equal(['premium', 'loss']);
    // 30 % quota share of the 200 paid; no excess of loss below the 10,000 attachment.
    expect(cessions[1]).to.deep.include({
      gross: usd(200).toString(),
      cededQuotaShare: usd(60).toString(),
      cededExcessOfLoss: '0',
      net: usd(140).toString(),
    });
    expect((await index.cessions(scenario.cancelledFlight.id)).map((cession) => cession.kind)).to.deep.equal([
      'premium',
      'premium-return',
    ]);
  });

  it('filters events by policy (with its feed and document), by feed and by document', async () => {
    const ofPolicy = await index.events({ policyId: scenario.paidFlight.id, limit: 500 });
    const names = ofPolicy.map((event) => event.name);
    for (const name of [
      'DocumentAnchored',
      'TermsCoSigned',
      'PolicyOpened',
      'PremiumCeded',
      'PolicyIssued',
      'ObservationReported',
      'ObservationFinalised',
      'PolicySettled',
      'LossCeded',
    ]) {
      expect(names, name).to.include(name);
    }
    // Nothing of the other policies.
    expect(ofPolicy.filter((event) => event.about?.policyId !== null).map((event) => event.about?.policyId)).to.satisfy(
      (ids: string[]) => ids.every((id) => id === scenario.paidFlight.id),
    );
    const ofFeed = await index.events({ feedId: scenario.expiredFlight.feedId, limit: 500 });
    expect(ofFeed.every((event) => event.about?.feedId === scenario.expiredFlight.feedId)).to.equal(true);
    expect(ofFeed.filter((event) => event.name === 'ObservationReported')).to.have.length(3);
    const ofDocument = await index.events({ documentHash: scenario.paidWeather.documentHash, limit: 500 });
    expect(ofDocument.map((event) => event.name)).to.include.members(['DocumentAnchored', 'PolicyIssued']);
    // Resumable from any id, as the unfiltered stream.
    const later = await index.events({ policyId: scenario.paidFlight.id, sinceId: ofPolicy[3]!.id, limit: 500 });
    expect(later).to.deep.equal(ofPolicy.slice(4));
  });

  it('lists policies with filters and cursor pagination, refusing a foreign cursor', async () => {
    const all: IndexedPolicy[] = [];
    let cursor: string | undefined;
    do {
      const page = await index.listPolicies({}, { limit: 3, ...(cursor === undefined ? {} : { cursor }) });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(all.map((policy) => policy.id)).to.deep.equal([
      scenario.paidFlight.id,
      scenario.cancelledFlight.id,
      scenario.expiredFlight.id,
      scenario.paidWeather.id,
    ]);
    expect((await index.listPolicies({ kind: 'weather' }, { limit: 10 })).items).to.have.length(1);
    expect((await index.listPolicies({ status: 'Paid' }, { limit: 10 })).items).to.have.length(2);
    expect((await index.listPolicies({ feedId: scenario.weatherDays[0]! }, { limit: 10 })).items).to.have.length(1);
    let refused: unknown;
    await index.listPolicies({}, { limit: 2, cursor: 'bm90LWEtY3Vyc29y' }).catch((error: unknown) => {
      refused = error;
    });
    expect(refused).to.be.instanceOf(InvalidCursorError);
  });

  it('gives the same ids and rows after a rebuild, and the same from PostgreSQL', async function () {
    const snapshot = async (target: ChainIndex) => ({
      events: await target.events({ limit: 500 }),
      policies: await target.allPolicies(),
      feeds: await Promise.all((await target.allPolicies()).map((policy) => target.policyFeeds(policy.id))),
      settlements: await target.settlements(),
      cessions: await target.cessions(),
    });
    const expected = await snapshot(index);
    expect(expected.events.length).to.be.below(500);
    await rebuildChainIndex(client, location('main-copy'), { batchBlocks: 64 });
    const rebuilt = await openChainIndex(location('main-copy'));
    try {
      expect(await snapshot(rebuilt)).to.deep.equal(expected);
    } finally {
      await rebuilt.close();
    }
    const bin = findPostgresBin();
    if (bin === null) {
      console.warn('!! PostgreSQL comparison LEFT OUT: initdb not found under /usr/lib/postgresql');
      return;
    }
    let cluster: PostgresCluster | undefined;
    try {
      cluster = await startPostgresCluster(bin);
      const postgres = await openChainIndex({ databaseUrl: await cluster.createDatabase('policies') });
      try {
        await new ChainIndexer(client, postgres, { batchBlocks: 5 }).syncOnce();
        const fromPostgres = await snapshot(postgres);
        expect(fromPostgres.events.map((event: ChainEvent) => event.id)).to.deep.equal(
          expected.events.map((event) => event.id),
        );
        expect(fromPostgres).to.deep.equal(expected);
      } finally {
        await postgres.close();
      }
    } finally {
      await cluster?.stop();
    }
  });
});
