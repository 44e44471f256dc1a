/**
 * The settlement keeper on the parametric ledger: it settles the batches a feed's finalisation left, exactly once (a
 * crowded flight, and rainfall policies whose earlier day's value came after their last day's), and stops on a feed
 * the product refuses (an outcome still in its dispute window), backing off then giving up without sending anything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import type { Provider } from 'ethers';
import { openApiDatabase } from '../../../services/api/database.js';
import { keptFeeds, SettlementKeeper } from '../../../services/api/events/keeper.js';
import type { Deployment } from '../../../services/ledger/deploy.js';
import { ObservationStatus, WeatherMetric, weatherFeedId } from '../../../services/shared/eip712.js';
import { networkHelpers } from '../../helpers/consortium.js';
import { issueFlight, issueWeather } from '../../helpers/lifecycle.js';
import { deployParametricFixture, HUB_SETTINGS, usd, type ParametricFixture } from '../../helpers/parametric.js';
import {
  afterDayEnds,
  dateOfDay,
  DAY,
  flightCover,
  HOUR,
  OPEN_METEO_HISTORICAL,
  reportQuorum,
  toE4,
  weatherCover,
} from '../../helpers/products.js';

const BATCH = 2;
const POLICIES = 5;

/** Five policies on BA196 and one on BA197, the settlement batch lowered to two, both flights arrived. */
async function crowdedFlightsFixture() {
  const fixture = await deployParametricFixture();
  const { flight, client, secondClient, govern } = fixture;
  await govern(await flight.getAddress(), flight.interface.encodeFunctionData('setSettlementBatchSize', [BATCH]));
  const now = await networkHelpers.time.latest();
  const crowded = flightCover(client.address, now, 'BA', '196');
  let crowdedFeed = '';
  for (let index = 0; index < POLICIES; index += 1) {
    const holder = index % 2 === 0 ? client : secondClient;
    const terms = { ...crowded, policyholder: holder.address, premium: usd(20 + index) };
    crowdedFeed = (await issueFlight(fixture, terms, holder)).feedId;
  }
  const disputed = flightCover(client.address, now, 'BA', '197');
  const { feedId: disputedFeed } = await issueFlight(fixture, disputed, client);
  await networkHelpers.time.increaseTo(Number(crowded.scheduledArrival) + HOUR);
  const startBlock = await fixture.flight.runner!.provider!.getBlockNumber();
  return { ...fixture, crowdedFeed, disputedFeed, startBlock };
}

/** The rain feed of `date` at the recorded grid point the weather cover defaults to. */
function rainFeed(date: number): string {
  const latitude = toE4(OPEN_METEO_HISTORICAL.latitude);
  const longitude = toE4(OPEN_METEO_HISTORICAL.longitude);
  return weatherFeedId(latitude, longitude, '', WeatherMetric.PrecipitationSum, date);
}

/**
 * Three two-day rainfall policies, the weather product's settlement batch lowered to one, and the last day observed
 * first: nothing can settle until the first day's late value arrives, and then its notification settles one policy.
 */
async function lateFirstDayFixture() {
  const fixture = await deployParametricFixture();
  const { weather, client, secondClient, govern } = fixture;
  await govern(await weather.getAddress(), weather.interface.encodeFunctionData('setSettlementBatchSize', [1]));
  const firstDay = dateOfDay(Math.floor((await networkHelpers.time.latest()) / DAY) + 2);
  const lastDay = dateOfDay(Math.floor((await networkHelpers.time.latest()) / DAY) + 3);
  const policyIds: bigint[] = [];
  for (const [index, holder] of [client, secondClient, client].entries()) {
    const terms = weatherCover(holder.address, firstDay, lastDay, { premium: usd(60 + index) });
    policyIds.push((await issueWeather(fixture, terms, holder)).policyId);
  }
  await afterDayEnds(lastDay);
  await (await reportQuorum(fixture, rainFeed(lastDay), ObservationStatus.Observed, [1_250, 1_250, 1_250])).wait();
  const startBlock = await fixture.weather.runner!.provider!.getBlockNumber();
  return { ...fixture, firstDay, lastDay, policyIds, startBlock };
}

async function keeperOver(fixture: ParametricFixture & { startBlock: number }, db: DatabaseSync) {
  const provider = fixture.stranger.provider as unknown as Provider;
  const deployment = {
    chainId: '31337',
    consortiumAccess: await fixture.access.getAddress(),
    evidenceRegistry: await fixture.registry.getAddress(),
    oracleHub: await fixture.hub.getAddress(),
    flightDelayProduct: await fixture.flight.getAddress(),
    weatherIndexProduct: await fixture.weather.getAddress(),
    deployer: fixture.admin1.address,
    blockNumber: fixture.startBlock,
    deployedAt: new Date().toISOString(),
  } satisfies Deployment;
  const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  return new SettlementKeeper(
    { db, ledger: { deployment, provider, signer: fixture.stranger }, logger },
    { intervalMs: 60_000, maxPolicies: 100, retryBaseMs: 1, retryMaxMs: 1, maxAttempts: 2 },
  );
}

describe('settlement keeper', function () {
  this.timeout(120_000);
  let dir: string;
  let db: DatabaseSync;

  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'policyledger-keeper-'));
    db = openApiDatabase(path.join(dir, 'api.sqlite'));
  });

  afterEach(function () {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('settles the batches a finalisation left, exactly once', async function () {
    const fixture = await networkHelpers.loadFixture(crowdedFlightsFixture);
    const { flight, crowdedFeed, stranger } = fixture;
    const keeper = await keeperOver(fixture, db);
    // The finalisation's notification settles the first batch; three policies wait.
    await (await reportQuorum(fixture, crowdedFeed, ObservationStatus.Landed, [82, 82, 82])).wait();
    expect(await flight.feedProgress(crowdedFeed)).to.deep.equal([BigInt(POLICIES), BigInt(BATCH)]);

    await keeper.runOnce();

    expect(await flight.feedProgress(crowdedFeed)).to.deep.equal([BigInt(POLICIES), BigInt(POLICIES)]);
    const settled = await flight.queryFilter(flight.filters.PolicySettled(undefined, crowdedFeed));
    const ids = settled.map((event) => event.args.policyId);
    expect(ids).to.have.length(POLICIES);
    expect(new Set(ids).size).to.equal(POLICIES);
    const product = await flight.getAddress();
    const kept = keptFeeds(db).find((feed) => feed.feedId === crowdedFeed && feed.product === product);
    expect(kept).to.include({ state: 'done', transactions: 2, lastError: null });

    // Another round finds nothing to do and sends nothing.
    const nonce = await stranger.getNonce();
    await keeper.runOnce();
    expect(await stranger.getNonce()).to.equal(nonce);
    expect((await flight.queryFilter(flight.filters.PolicySettled(undefined, crowdedFeed))).length).to.equal(POLICIES);
    await keeper.stop();
  });

  it('settles the weather policies a late earlier day left under its feed, exactly once', async function () {
    const fixture = await networkHelpers.loadFixture(lateFirstDayFixture);
    const { weather, firstDay, lastDay, policyIds, stranger } = fixture;
    const keeper = await keeperOver(fixture, db);
    expect(await weather.queryFilter(weather.filters.PolicySettled())).to.have.length(0);
    // The first day's value arrives late: its notification settles one policy (the batch), two wait under its feed.
    await (await reportQuorum(fixture, rainFeed(firstDay), ObservationStatus.Observed, [1_190, 1_190, 1_190])).wait();
    expect(await weather.queryFilter(weather.filters.PolicySettled())).to.have.length(1);

    await keeper.runOnce();

    const settled = await weather.queryFilter(weather.filters.PolicySettled());
    expect(settled.map((event) => event.args.policyId).sort()).to.deep.equal([...policyIds].sort());
    const product = await weather.getAddress();
    const kept = keptFeeds(db).find((feed) => feed.feedId === rainFeed(firstDay) && feed.product === product);
    expect(kept).to.include({ state: 'done', lastError: null });
    // Each policy is listed under each of its days: the last day's feed is walked to its end as well.
    const lastDayFeed = keptFeeds(db).find((feed) => feed.feedId === rainFeed(lastDay) && feed.product === product);
    expect(lastDayFeed).to.include({ state: 'done', lastError: null });
    expect(await weather.feedProgress(rainFeed(lastDay))).to.deep.equal([3n, 3n]);

    const nonce = await stranger.getNonce();
    await keeper.runOnce();
    expect(await stranger.getNonce()).to.equal(nonce);
    expect(await weather.queryFilter(weather.filters.PolicySettled())).to.have.length(policyIds.length);
    await keeper.stop();
  });

  it('backs off on a revert, then gives the feed up without spinning or sending', async function () {
    const fixture = await networkHelpers.loadFixture(crowdedFlightsFixture);
    const { hub, flight, disputedFeed, stranger, govern } = fixture;
    const keeper = await keeperOver(fixture, db);
    // With a dispute window, the outcome is final but not yet payable: `settle` reverts OutcomeNotFinal.
    await govern(
      await hub.getAddress(),
      hub.interface.encodeFunctionData('setSettings', [{ ...HUB_SETTINGS, disputeWindow: 86_400 }]),
    );
    await (await reportQuorum(fixture, disputedFeed, ObservationStatus.Landed, [82, 82, 82])).wait();
    const nonce = await stranger.getNonce();
    const product = await flight.getAddress();
    const state = () => keptFeeds(db).find((feed) => feed.feedId === disputedFeed && feed.product === product);

    await keeper.runOnce();
    expect(state()).to.include({ state: 'open', attempts: 1 });
    expect(state()!.lastError).to.contain('ParametricProductOutcomeNotFinal');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await keeper.runOnce();
    expect(state()).to.include({ state: 'given-up', attempts: 2 });
    for (let round = 0; round < 3; round += 1) await keeper.runOnce();
    expect(state()).to.include({ state: 'given-up', attempts: 2, transactions: 0 });
    expect(await stranger.getNonce()).to.equal(nonce);
    expect(await flight.feedProgress(disputedFeed)).to.deep.equal([1n, 0n]);
    await keeper.stop();
  });
});
