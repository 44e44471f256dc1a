import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  AbstractSigner,
  type Provider,
  type TransactionRequest,
  type TransactionResponse,
  type TypedDataDomain,
  type TypedDataField,
  type Wallet,
} from 'ethers';
import {
  aeroApiBody,
  aviationstackBody,
  dayStart,
  FEED_STATE,
  flightArrivingAt,
  isoDay,
  OBSERVATION_STATUS,
  OracleNetwork,
  openMeteoBody,
  POLICY_STATUS,
  replayPaths,
  serveFlight,
  usd,
  waitFor,
  yyyymmdd,
  type TestFlight,
  type TestNode,
  type TestNodeOptions,
} from '../helpers/oracle-network.js';
import { testChainArgs } from '../helpers/coverage.js';
import { delayed, httpError, recorded, ReplayServer } from '../helpers/replay-server.js';

const DAY = 86_400;
/** The local policies' tier for an arrival 45 to 119 minutes late. */
const TIER_45_PAYOUT = usd(150);
/** How often running nodes look for work in these tests. */
const POLL_MS = 100;

/** SHA-256 of the raw response bodies a node kept for a feed, concatenated in the order it kept them. */
function hashOfKeptResponses(node: TestNode, feedId: string): string {
  const hash = createHash('sha256');
  for (const response of node.state.evidenceOf(feedId)) hash.update(response.body, 'utf8');
  return `0x${hash.digest('hex')}`;
}

/**
 * A signer whose process dies while sending: before the transaction leaves, or right after the chain took it but
 * before the node could record that it was sent.
 */
class DyingSigner extends AbstractSigner {
  constructor(
    private readonly wallet: Wallet,
    private readonly dies: 'before-broadcast' | 'after-broadcast',
  ) {
    super(wallet.provider);
  }

  getAddress(): Promise<string> {
    return this.wallet.getAddress();
  }

  connect(provider: Provider | null): DyingSigner {
    return new DyingSigner(this.wallet.connect(provider), this.dies);
  }

  signTransaction(transaction: TransactionRequest): Promise<string> {
    return this.wallet.signTransaction(transaction);
  }

  signMessage(message: string | Uint8Array): Promise<string> {
    return this.wallet.signMessage(message);
  }

  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return this.wallet.signTypedData(domain, types, value);
  }

  async sendTransaction(transaction: TransactionRequest): Promise<TransactionResponse> {
    if (this.dies === 'after-broadcast') await (await this.wallet.sendTransaction(transaction)).wait();
    throw new Error(`the node process died ${this.dies === 'before-broadcast' ? 'before' : 'after'} broadcasting`);
  }
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as unknown };
}

/** Moves the chain's clock to ten minutes after the last of `flights` arrives. */
async function arrive(flights: readonly TestFlight[], network: OracleNetwork): Promise<void> {
  const at = Math.max(...flights.map((flight) => flight.scheduledArrival)) + 600;
  await network.clock.sync();
  await network.clock.advance(at - network.clock.now());
}

describe('oracle nodes on replayed provider data (anvil, end to end)', function () {
  this.timeout(60_000);
  let network: OracleNetwork;
  let flightNumber = 2100;

  before(async function () {
    network = await OracleNetwork.start({ chainArgs: testChainArgs() });
  });

  after(async function () {
    await network?.stop();
  });

  afterEach(async function () {
    await network.stopNodes();
  });

  /** A fresh flight, arriving in twelve hours on the chain's clock (so leaving in about three: still insurable). */
  async function newFlight(): Promise<TestFlight> {
    await network.clock.sync();
    return flightArrivingAt(String(++flightNumber), network.clock.now() + 12 * 3600);
  }

  /**
   * Issues the flight's policy, then moves the chain's clock to ten minutes after its arrival; returns it with the
   * block nodes start scanning from (just before issuance).
   */
  async function insure(flight: TestFlight): Promise<{ policyId: bigint; fromBlock: number; balanceBefore: bigint }> {
    const fromBlock = await network.provider.getBlockNumber();
    const { policyId } = await network.issueFlightPolicy(flight);
    await arrive([flight], network);
    return { policyId, fromBlock, balanceBefore: await network.clientBalance() };
  }

  async function createNodes(count: number, fromBlock: number, options: Partial<TestNodeOptions> = {}) {
    return Promise.all(
      Array.from({ length: count }, (_, index) =>
        network.createNode({ name: `node-${index}`, oracle: index, fromBlock, ...options }),
      ),
    );
  }

  async function policyStatus(policyId: bigint): Promise<bigint> {
    return (await network.flightProduct.getPolicy(policyId)).status;
  }

  async function waitUntilPaid(
    policyId: bigint,
    product: Pick<OracleNetwork['flightProduct'], 'getPolicy'> = network.flightProduct,
  ): Promise<void> {
    await waitFor(
      `policy ${policyId} to be paid`,
      async () => (await product.getPolicy(policyId)).status === POLICY_STATUS.Paid,
    );
  }

  /**
   * Start of the first UTC day a weather window can still open on: the weather product closes issuance a cut-off
   * before the window starts, so a day starting within the cut-off (3 hours here, more than the default 2) is skipped.
   */
  async function firstInsurableDay(): Promise<number> {
    await network.clock.sync();
    return dayStart(network.clock.now() + 3 * 3600) + DAY;
  }

  function runAll(nodes: TestNode[]): void {
    for (const { node } of nodes) node.start(POLL_MS);
  }

  describe('a flight 82 minutes late', function () {
    it('is found, observed and reported by the four nodes, and the policy pays its tier with the loss ceded', async function () {
      const flight = await newFlight();
      const served = serveFlight(network.replay, flight, { status: 'landed', delayMinutes: 82 });
      const { policyId, fromBlock, balanceBefore } = await insure(flight);
      const nodes = await createNodes(4, fromBlock, { flightProviders: ['flightaware', 'aviationstack'] });
      runAll(nodes);
      await waitUntilPaid(policyId);

      expect(await network.clientBalance()).to.equal(balanceBefore + TIER_45_PAYOUT);
      const cessions = await network.treaty.queryFilter(network.treaty.filters.LossCeded(policyId), fromBlock);
      expect(cessions).to.have.length(1);
      expect(cessions[0]!.args.feedId).to.equal(flight.feedId);
      expect(cessions[0]!.args.gross).to.equal(TIER_45_PAYOUT);
      // The local treaty cedes 30 % quota share.
      expect(cessions[0]!.args.cededQuotaShare).to.equal((TIER_45_PAYOUT * 3_000n) / 10_000n);

      const feed = await network.hub.getFeed(flight.feedId);
      expect(feed.state).to.equal(FEED_STATE.Finalised);
      expect(feed.status).to.equal(OBSERVATION_STATUS.Landed);
      expect(feed.value).to.equal(82n);

      for (const { state } of nodes) {
        // Each node learnt the flight from the product's FlightFeedRegistered event alone.
        expect(state.getFeed(flight.feedId)?.descriptor).to.deep.equal({
          kind: 'flight',
          carrier: 'BA',
          flightNumber: flight.flightNumber,
          departureDate: isoDay(flight.scheduledDeparture),
          scheduledArrival: flight.scheduledArrival,
        });
        // It kept exactly the bytes the providers sent, in provider order.
        expect(state.evidenceOf(flight.feedId).map((response) => [response.provider, response.body])).to.deep.equal([
          ['flightaware', served.aeroApi],
          ['aviationstack', served.aviationstack],
        ]);
      }
      const reports = await network.hub.getReports(flight.feedId);
      expect(reports.length).to.be.at.least(3);
      for (const report of reports) {
        const node = nodes.find((candidate) => candidate.address === report.oracle);
        expect(node, `report from unknown oracle ${report.oracle}`).to.not.equal(undefined);
        expect(report.payloadHash).to.equal(hashOfKeptResponses(node!, flight.feedId));
        expect(report.value).to.equal(82n);
      }
    });
  });

  describe("the chain's clock", function () {
    it('makes a flight due as soon as the chain passes its arrival, without waiting for the wall clock', async function () {
      await network.clock.sync();
      // Departs in about three hours and arrives in twelve, on the chain's clock and on the wall clock alike.
      const flight = flightArrivingAt(String(++flightNumber), network.clock.now() + 12 * 3600);
      serveFlight(network.replay, flight, { status: 'landed', delayMinutes: 82 });
      // Insured before it leaves, and the clock left where it is: the flight is not due yet.
      const fromBlock = await network.provider.getBlockNumber();
      const { policyId } = await network.issueFlightPolicy(flight);
      const balanceBefore = await network.clientBalance();
      const [node] = await createNodes(1, fromBlock);

      await node!.node.runOnce();
      expect(node!.state.getFeed(flight.feedId)?.status).to.equal('waiting');
      expect(node!.state.getSubmission(flight.feedId)).to.equal(undefined);

      // Twelve hours pass on the chain only: the next block is stamped just after the scheduled arrival.
      await network.provider.send('evm_setNextBlockTimestamp', [flight.scheduledArrival + 1]);
      await network.provider.send('evm_mine', []);
      await network.clock.sync();
      await node!.node.runOnce();

      expect(node!.node.lastPassError).to.equal(undefined);
      expect(node!.state.getSubmission(flight.feedId)?.state).to.equal('confirmed');
      const reports = await network.hub.getReports(flight.feedId);
      expect(reports.map((report) => [report.oracle, report.value])).to.deep.equal([[node!.address, 82n]]);
      // Signed at the chain's time, which the hub took as fresh.
      expect(Number(reports[0]!.observedAt)).to.be.at.least(flight.scheduledArrival);
      expect(await policyStatus(policyId)).to.equal(POLICY_STATUS.Issued);
      expect(await network.clientBalance()).to.equal(balanceBefore);
    });
  });

  describe('an AviationStack response with a record that names no flight', function () {
    it('is still read: the node reports the flight, and logs and counts the record it left out', async function () {
      const flight = await newFlight();
      const { aviationstack } = serveFlight(network.replay, flight, { status: 'landed', delayMinutes: 82 });
      // The record as real responses hold it for a flight the provider cannot name: airline and flight all null.
      const body = JSON.parse(aviationstack) as { data: Record<string, unknown>[] };
      const unnamed = {
        ...body.data[0]!,
        airline: { name: null, iata: null, icao: null },
        flight: { number: null, iata: null, icao: null, codeshared: null },
      };
      network.replay.serve(
        replayPaths.aviationstackFlights('truth'),
        recorded(JSON.stringify({ ...body, data: [unnamed, ...body.data] })),
        { flight_iata: `${flight.carrier}${flight.flightNumber}` },
      );
      const { fromBlock } = await insure(flight);
      const log: string[] = [];
      const [node] = await createNodes(1, fromBlock, {
        flightProviders: ['aviationstack'],
        log: (line) => log.push(line),
      });

      await node!.node.runOnce();

      expect(node!.node.lastPassError).to.equal(undefined);
      expect(node!.state.getSubmission(flight.feedId)?.state).to.equal('confirmed');
      expect((await network.hub.getReports(flight.feedId)).map((report) => report.value)).to.deep.equal([82n]);
      expect(log).to.deep.equal([
        'aviationstack: skipped a record that cannot be normalised: aviationstack: data[0].flight.iata is missing ' +
          '(and airline.iata with flight.number does not name the flight either)',
      ]);
      const metrics = await (await fetch(`${node!.url!}/metrics`)).text();
      expect(metrics).to.include(
        'policyledger_oracle_provider_records_skipped_total{provider="aviationstack",node="node-0"} 1',
      );
    });
  });

  describe('several flights due at once', function () {
    it('reports every one of them in a single pass, one transaction after another', async function () {
      const flights = [await newFlight(), await newFlight(), await newFlight()];
      for (const flight of flights) serveFlight(network.replay, flight, { status: 'landed', delayMinutes: 82 });
      const fromBlock = await network.provider.getBlockNumber();
      for (const flight of flights) await network.issueFlightPolicy(flight);
      await arrive(flights, network);
      const [node] = await createNodes(1, fromBlock);
      await node!.node.runOnce();

      expect(node!.node.lastPassError).to.equal(undefined);
      expect(node!.state.listSubmissions().map((submission) => submission.state)).to.deep.equal([
        'confirmed',
        'confirmed',
        'confirmed',
      ]);
      for (const flight of flights) {
        const reports = await network.hub.getReports(flight.feedId);
        expect(reports.map((report) => [report.oracle, report.value])).to.deep.equal([[node!.address, 82n]]);
      }
    });
  });

  describe('a rainfall index policy', function () {
    it('pays the linear payout from the recorded Open-Meteo days once its window has ended', async function () {
      const firstDay = await firstInsurableDay();
      const lastDay = firstDay + DAY;
      // The recorded days (11.9 and 12.5 mm) re-dated to the first insurable day and the day after.
      network.replay.serve(
        replayPaths.openMeteoForecast('truth'),
        recorded(openMeteoBody([isoDay(firstDay), isoDay(lastDay)])),
      );
      const fromBlock = await network.provider.getBlockNumber();
      const { policyId, dayFeeds } = await network.issueWeatherPolicy(
        network.weatherTerms(yyyymmdd(firstDay), yyyymmdd(lastDay)),
      );
      const balanceBefore = await network.clientBalance();
      // Issued before the window; it ends at midnight UTC, a minute of data lag after it.
      await network.clock.advance(lastDay + DAY + 60 - network.clock.now());

      const nodes = await createNodes(3, fromBlock, { weather: true, flightProviders: [] });
      runAll(nodes);
      await waitUntilPaid(policyId, network.weatherProduct);

      const values = await Promise.all(dayFeeds.map((feedId) => network.hub.getFeed(feedId)));
      expect(values.map((feed) => [feed.state, feed.status, feed.value])).to.deep.equal([
        [FEED_STATE.Finalised, OBSERVATION_STATUS.Observed, 1_190n],
        [FEED_STATE.Finalised, OBSERVATION_STATUS.Observed, 1_250n],
      ]);
      // Index 24.4 mm between trigger 10 mm and exit 40 mm: 14.4 / 30 of 3,000 plUSD.
      expect(await network.clientBalance()).to.equal(balanceBefore + usd(1_440));
      const settled = await network.weatherProduct.queryFilter(
        network.weatherProduct.filters.PolicySettled(policyId),
        fromBlock,
      );
      expect(settled.map((event) => event.args.payout)).to.deep.equal([usd(1_440)]);
      const cessions = await network.treaty.queryFilter(network.treaty.filters.LossCeded(policyId), fromBlock);
      expect(cessions.map((event) => event.args.gross)).to.deep.equal([usd(1_440)]);
    });
  });

  describe('a node with no flight provider configured (the default without API keys)', function () {
    it('sets a flight feed aside and reports it, stays healthy, and reports the weather days due', async function () {
      // Days still to come (so no earlier test has insured them) and a flight still to leave: both insurable now.
      const firstDay = await firstInsurableDay();
      const lastDay = firstDay + DAY;
      network.replay.serve(
        replayPaths.openMeteoForecast('truth'),
        recorded(openMeteoBody([isoDay(firstDay), isoDay(lastDay)])),
      );
      const fromBlock = await network.provider.getBlockNumber();
      const { dayFeeds } = await network.issueWeatherPolicy(
        network.weatherTerms(yyyymmdd(firstDay), yyyymmdd(lastDay)),
      );
      const flight = await newFlight();
      serveFlight(network.replay, flight, { status: 'landed', delayMinutes: 82 });
      await network.issueFlightPolicy(flight);
      // Then the chain's clock passes the flight's arrival and the end of the last day (a minute of data lag).
      await network.clock.advance(Math.max(lastDay + DAY + 60, flight.scheduledArrival + 600) - network.clock.now());
      const log: string[] = [];
      const node = await network.createNode({
        name: 'weather-only',
        oracle: 0,
        fromBlock,
        weather: true,
        flightProviders: [],
        log: (line) => log.push(line),
      });

      await node.node.runOnce();
      await node.node.runOnce();

      expect(node.node.lastPassError).to.equal(undefined);
      for (const feedId of dayFeeds) expect(node.state.getSubmission(feedId)?.state, feedId).to.equal('confirmed');
      expect(node.state.getFeed(flight.feedId)?.status).to.equal('unserved');
      expect(node.state.getSubmission(flight.feedId)).to.equal(undefined);
      const skipped = `feed ${flight.feedId} skipped: no configured flight provider can observe BA${flight.flightNumber} departing ${isoDay(flight.scheduledDeparture)}`;
      // Said once, not at every pass.
      expect(log).to.deep.equal([skipped]);
      const health = await getJson(`${node.url!}/health`);
      expect(health.status).to.equal(200);
      expect(health.body).to.deep.include({ status: 'ok', feeds: { unserved: 1, done: 2 } });
      const metrics = await (await fetch(`${node.url!}/metrics`)).text();
      expect(metrics).to.include('policyledger_oracle_feeds_unserved{node="weather-only"} 1');
    });
  });

  describe('a data deadline moved by a later policy on the same flight', function () {
    it('is learnt from the hub, and the node keeps observing past the first deadline', async function () {
      // One product gives every policy on a flight the same deadline (arrival, the longest cover after it, its grace
      // period), so a later policy moves it only through another product on the shared feed: here one of the same
      // insurer whose grace period is six hours longer.
      const [gracePeriod] = await network.flightProduct.feedSettings();
      const longerGrace = await network.deployFlightProduct({ dataGracePeriod: Number(gracePeriod) + 6 * 3600 });
      const flight = await newFlight();
      serveFlight(network.replay, flight, { status: 'en-route' });
      const fromBlock = await network.provider.getBlockNumber();
      const { policyId } = await network.issueFlightPolicy(flight);
      const balanceBefore = await network.clientBalance();
      const [node] = await createNodes(1, fromBlock);
      await node!.node.runOnce();
      const firstDeadline = Number((await network.hub.getFeed(flight.feedId)).dataDeadline);
      expect(node!.state.getFeed(flight.feedId)?.dataDeadline).to.equal(firstDeadline);

      // A second policy on the flight, before it leaves, from the other product: the hub moves the feed's deadline
      // and says so.
      await network.issueFlightPolicy(flight, {}, longerGrace);
      const movedDeadline = Number((await network.hub.getFeed(flight.feedId)).dataDeadline);
      expect(movedDeadline).to.equal(firstDeadline + 6 * 3600);
      await node!.node.runOnce();
      expect(node!.state.getFeed(flight.feedId)?.dataDeadline).to.equal(movedDeadline);

      // The flight lands late and the provider says so only after the first deadline.
      await network.provider.send('evm_setNextBlockTimestamp', [firstDeadline + 60]);
      await network.provider.send('evm_mine', []);
      await network.clock.sync();
      serveFlight(network.replay, flight, { status: 'landed', delayMinutes: 82 });
      await node!.node.runOnce();

      expect(node!.node.lastPassError).to.equal(undefined);
      expect(node!.state.getFeed(flight.feedId)?.status).to.not.equal('abandoned');
      expect(node!.state.getSubmission(flight.feedId)?.state).to.equal('confirmed');
      expect((await network.hub.getReports(flight.feedId)).map((report) => report.value)).to.deep.equal([82n]);
      expect(await policyStatus(policyId)).to.equal(POLICY_STATUS.Issued);
      expect(await network.clientBalance()).to.equal(balanceBefore - usd(10));
    });
  });

  describe('with one node down', function () {
    it('finalises on the three nodes left (quorum 3 of 4) and pays', async function () {
      const flight = await newFlight();
      serveFlight(network.replay, flight, { status: 'landed', delayMinutes: 82 });
      const { policyId, fromBlock, balanceBefore } = await insure(flight);
      const nodes = await createNodes(3, fromBlock);
      runAll(nodes);
      await waitUntilPaid(policyId);

      expect(await network.clientBalance()).to.equal(balanceBefore + TIER_45_PAYOUT);
      const reporters = (await network.hub.getReports(flight.feedId)).map((report) => report.oracle);
      expect(reporters).to.have.members(nodes.map((node) => node.address));
    });
  });

  describe('with one node fed wrong data', function () {
    it('lets the three honest nodes decide: a false cancellation pays nothing extra', async function () {
      const flight = await newFlight();
      serveFlight(network.replay, flight, { status: 'landed', delayMinutes: 82 });
      serveFlight(network.replay, flight, { status: 'cancelled' }, 'misled');
      const { policyId, fromBlock, balanceBefore } = await insure(flight);
      const honest = await createNodes(3, fromBlock);
      const misled = await network.createNode({ name: 'misled', oracle: 3, source: 'misled', fromBlock });
      runAll([misled, ...honest]);
      await waitUntilPaid(policyId);

      // The cancellation payout (250) would have been higher: only the delay tier was paid.
      expect(await network.clientBalance()).to.equal(balanceBefore + TIER_45_PAYOUT);
      const feed = await network.hub.getFeed(flight.feedId);
      expect([feed.status, feed.value]).to.deep.equal([OBSERVATION_STATUS.Landed, 82n]);
      await waitFor('the misled node to sign', () => misled.state.getSubmission(flight.feedId) !== undefined);
      expect(misled.state.getSubmission(flight.feedId)?.observation.status).to.equal(
        Number(OBSERVATION_STATUS.Cancelled),
      );
    });

    it('does not finalise at all when a node is down and the misled one reports a value beyond tolerance', async function () {
      const flight = await newFlight();
      serveFlight(network.replay, flight, { status: 'landed', delayMinutes: 82 });
      serveFlight(network.replay, flight, { status: 'landed', delayMinutes: 0 }, 'misled');
      const { policyId, fromBlock, balanceBefore } = await insure(flight);
      const honest = await createNodes(2, fromBlock);
      const misled = await network.createNode({ name: 'misled', oracle: 3, source: 'misled', fromBlock });
      runAll([...honest, misled]);
      await waitFor('the three reports on chain', () =>
        [...honest, misled].every((node) => node.state.getSubmission(flight.feedId)?.state === 'confirmed'),
      );

      // Two honest reports agree, but quorum 3 needs three that agree: the lie can block, never decide.
      const reports = await network.hub.getReports(flight.feedId);
      expect(reports.map((report) => report.value)).to.have.members([82n, 82n, 0n]);
      expect((await network.hub.getFeed(flight.feedId)).state).to.equal(FEED_STATE.Open);
      expect(await policyStatus(policyId)).to.equal(POLICY_STATUS.Issued);
      expect(await network.clientBalance()).to.equal(balanceBefore);
    });
  });

  describe('a provider failing, then recovering', function () {
    it('records the failure, defers the feed, and succeeds on a later pass', async function () {
      const flight = await newFlight();
      const body = recorded(aeroApiBody(flight, { status: 'landed', delayMinutes: 82 }));
      const unavailable = replayPaths.aeroApiFlight('unavailable', flight);
      const slow = replayPaths.aeroApiFlight('slow', flight);
      // Each node asks twice per pass (one retry): the first pass fails on both attempts, the next one succeeds.
      network.replay.serve(unavailable, [httpError(503), httpError(503), body]);
      network.replay.serve(slow, [delayed(1_500, body), delayed(1_500, body), body]);
      const { policyId, fromBlock, balanceBefore } = await insure(flight);
      const http = { timeoutMs: 400, retries: 1, backoffMs: 20 };
      const first = await network.createNode({ name: 'node-0', oracle: 0, source: 'unavailable', fromBlock, http });
      const second = await network.createNode({ name: 'node-1', oracle: 1, source: 'slow', fromBlock, http });

      await Promise.all([first.node.runOnce(), second.node.runOnce()]);
      for (const [node, error] of [
        [first, /HTTP 503/],
        [second, /no answer within 400 ms/],
      ] as const) {
        const feed = node.state.getFeed(flight.feedId);
        expect(feed?.status).to.equal('waiting');
        expect(feed?.attempts).to.equal(1);
        expect(feed?.lastError).to.match(error);
        expect(feed!.nextAttemptAt).to.be.greaterThan(feed!.dueAt);
        const errors = (await node.metrics.providerErrors.get()).values;
        expect(errors.find((value) => value.labels.provider === 'flightaware')?.value).to.equal(1);
        expect(node.state.getSubmission(flight.feedId)).to.equal(undefined);
      }
      expect(await network.hub.getReports(flight.feedId)).to.have.length(0);

      // A third node, whose provider never failed, completes the quorum once the other two recover.
      network.replay.serve(replayPaths.aeroApiFlight('truth', flight), body);
      const third = await network.createNode({ name: 'node-2', oracle: 2, fromBlock, http });
      runAll([first, second, third]);
      await waitUntilPaid(policyId);
      expect(await network.clientBalance()).to.equal(balanceBefore + TIER_45_PAYOUT);
      expect(network.replay.hits(unavailable)).to.equal(3);
      expect(network.replay.hits(slow)).to.equal(3);
    });
  });

  describe('a node killed while sending and restarted over its state file', function () {
    it('sends what it had signed exactly once and never observes again', async function () {
      const flight = await newFlight();
      serveFlight(network.replay, flight, { status: 'landed', delayMinutes: 82 });
      const { policyId, fromBlock, balanceBefore } = await insure(flight);
      const sent = await network.createNode({
        name: 'node-0',
        oracle: 0,
        fromBlock,
        wrapSigner: (wallet) => new DyingSigner(wallet, 'after-broadcast'),
      });
      const unsent = await network.createNode({
        name: 'node-1',
        oracle: 1,
        fromBlock,
        wrapSigner: (wallet) => new DyingSigner(wallet, 'before-broadcast'),
      });
      await sent.node.runOnce();
      await unsent.node.runOnce();

      // Both died after committing their signed report; the health endpoint says the pass failed.
      const health = await getJson(`${sent.url!}/health`);
      expect(health.status).to.equal(503);
      expect(health.body).to.include({ status: 'failing' });
      const signedBeforeCrash = unsent.state.getSubmission(flight.feedId);
      expect(signedBeforeCrash?.state).to.equal('signed');
      expect(sent.state.getSubmission(flight.feedId)?.state).to.equal('signed');
      expect((await network.hub.getReports(flight.feedId)).map((report) => report.oracle)).to.deep.equal([
        sent.address,
      ]);
      await sent.stop();
      await unsent.stop();
      const requestsBefore = network.replay.requests.length;
      const nonceBefore = await network.provider.getTransactionCount(sent.address);

      const restartedSent = await network.createNode({ name: 'node-0', oracle: 0, stateFile: sent.stateFile });
      await restartedSent.node.runOnce();
      // The chain already had its report: confirmed without a second transaction.
      expect(await network.provider.getTransactionCount(sent.address)).to.equal(nonceBefore);
      const restartedUnsent = await network.createNode({ name: 'node-1', oracle: 1, stateFile: unsent.stateFile });
      await restartedUnsent.node.runOnce();
      const requestsBeforeThird = network.replay.requests.length;
      const third = await network.createNode({ name: 'node-2', oracle: 2, fromBlock });
      await third.node.runOnce();
      await waitUntilPaid(policyId);

      expect(await network.clientBalance()).to.equal(balanceBefore + TIER_45_PAYOUT);
      const reports = await network.hub.getReports(flight.feedId);
      expect(reports.map((report) => report.oracle)).to.have.members([sent.address, unsent.address, third.address]);
      const resent = reports.find((report) => report.oracle === unsent.address)!;
      expect([resent.observedAt, resent.payloadHash]).to.deep.equal([
        BigInt(signedBeforeCrash!.observation.observedAt),
        signedBeforeCrash!.observation.payloadHash,
      ]);
      for (const node of [restartedSent, restartedUnsent]) {
        expect(node.state.listSubmissions().map((submission) => submission.state)).to.deep.equal(['confirmed']);
      }
      expect(requestsBeforeThird, 'a restarted node asked a provider again').to.equal(requestsBefore);
    });

    it('observes afresh when its signed report went stale while it was down, keeping the evidence of what it sent', async function () {
      const flight = await newFlight();
      const served = serveFlight(network.replay, flight, { status: 'landed', delayMinutes: 82 });
      const { policyId, fromBlock, balanceBefore } = await insure(flight);
      const crashed = await network.createNode({
        name: 'node-0',
        oracle: 0,
        fromBlock,
        wrapSigner: (wallet) => new DyingSigner(wallet, 'before-broadcast'),
      });
      await crashed.node.runOnce();
      const stale = crashed.state.getSubmission(flight.feedId)!.observation;
      await crashed.stop();
      // Down for seven hours: past the hub's six-hour freshness window.
      await network.clock.advance(7 * 3600);

      const restarted = await network.createNode({ name: 'node-0', oracle: 0, stateFile: crashed.stateFile });
      await restarted.node.runOnce();
      const [report] = await network.hub.getReports(flight.feedId);
      expect(report?.oracle).to.equal(restarted.address);
      expect(Number(report!.observedAt)).to.be.at.least(stale.observedAt + 7 * 3600);
      const kept = restarted.state.evidenceOf(flight.feedId);
      expect(kept, 'evidence kept besides that of the report sent').to.have.length(1);
      expect(kept[0]!.body).to.equal(served.aeroApi);
      expect(report!.payloadHash).to.equal(hashOfKeptResponses(restarted, flight.feedId));

      for (const oracle of [1, 2]) {
        await (await network.createNode({ name: `node-${oracle}`, oracle, fromBlock })).node.runOnce();
      }
      await waitUntilPaid(policyId);
      expect(await network.clientBalance()).to.equal(balanceBefore + TIER_45_PAYOUT);
    });
  });

  describe('operations endpoint', function () {
    it('serves health counts and Prometheus metrics after a report is confirmed', async function () {
      const flight = await newFlight();
      serveFlight(network.replay, flight, { status: 'landed', delayMinutes: 82 });
      const { policyId, fromBlock } = await insure(flight);
      const nodes = await createNodes(3, fromBlock);
      runAll(nodes);
      await waitUntilPaid(policyId);
      await network.stopNodes(nodes.slice(1));
      const [node] = nodes;

      const health = await getJson(`${node!.url!}/health`);
      expect(health.status).to.equal(200);
      expect(health.body).to.deep.include({
        status: 'ok',
        node: 'node-0',
        oracle: node!.address,
        feeds: { done: 1 },
        submissions: { confirmed: 1 },
      });
      const metrics = await fetch(`${node!.url!}/metrics`);
      expect(metrics.headers.get('content-type')).to.match(/^text\/plain/);
      expect(await metrics.text()).to.include(
        'policyledger_oracle_observations_submitted_total{kind="flight",node="node-0"} 1',
      );
    });

    it('records two providers that disagree, signs nothing, and lists the disagreement', async function () {
      const flight = await newFlight();
      network.replay.serve(
        replayPaths.aeroApiFlight('split', flight),
        recorded(aeroApiBody(flight, { status: 'landed', delayMinutes: 82 })),
      );
      network.replay.serve(
        replayPaths.aviationstackFlights('split'),
        recorded(aviationstackBody(flight, { status: 'landed', delayMinutes: 40 })),
        { flight_iata: `BA${flight.flightNumber}` },
      );
      const { fromBlock } = await insure(flight);
      const node = await network.createNode({
        name: 'node-0',
        oracle: 0,
        source: 'split',
        flightProviders: ['flightaware', 'aviationstack'],
        fromBlock,
      });
      await node.node.runOnce();

      expect(node.state.getSubmission(flight.feedId)).to.equal(undefined);
      expect(await network.hub.getReports(flight.feedId)).to.have.length(0);
      const listed = await getJson(`${node.url!}/disagreements`);
      expect(listed.status).to.equal(200);
      expect(listed.body).to.have.length(1);
      expect(listed.body).to.have.nested.property('[0].feedId', flight.feedId);
      expect(listed.body)
        .to.have.nested.property('[0].detail.reason')
        .that.matches(/differ by more than 5 minutes/);
      expect(listed.body).to.have.deep.nested.property('[0].detail.providers', [
        { provider: 'flightaware', status: 'landed', arrivalDelayMinutes: 82 },
        { provider: 'aviationstack', status: 'landed', arrivalDelayMinutes: 40 },
      ]);
      const health = await getJson(`${node.url!}/health`);
      expect(health.body).to.deep.include({ feeds: { waiting: 1 }, submissions: {} });
      const metrics = await (await fetch(`${node.url!}/metrics`)).text();
      expect(metrics).to.include('policyledger_oracle_disagreements_total{kind="flight",node="node-0"} 1');
      expect(metrics).to.not.match(/policyledger_oracle_observations_made_total\{[^}]*\} [1-9]/);
    });
  });
});

describe('oracle nodes on a free-gas network (anvil --gas-price 0 --base-fee 0)', function () {
  this.timeout(60_000);
  let network: OracleNetwork;
  let replay: ReplayServer;

  before(async function () {
    replay = await ReplayServer.start();
    network = await OracleNetwork.start({
      chainArgs: ['--gas-price', '0', '--base-fee', '0', ...testChainArgs()],
      replay,
    });
  });

  after(async function () {
    await network?.stop();
    await replay?.close();
  });

  it('lets an oracle holding no ether report at gas price 0, and the policy pays', async function () {
    const fundless = await network.registerOracle('Fundless Oracle BV');
    expect(await network.provider.getBalance(fundless.address)).to.equal(0n);
    await network.clock.sync();
    const flight = flightArrivingAt('3100', network.clock.now() + 12 * 3600);
    serveFlight(replay, flight, { status: 'landed', delayMinutes: 82 });
    const fromBlock = await network.provider.getBlockNumber();
    const { policyId } = await network.issueFlightPolicy(flight);
    await arrive([flight], network);
    const balanceBefore = await network.clientBalance();
    const nodes = [
      await network.createNode({ name: 'fundless', oracle: fundless, zeroGasPrice: true, fromBlock }),
      await network.createNode({ name: 'node-0', oracle: 0, zeroGasPrice: true, fromBlock }),
      await network.createNode({ name: 'node-1', oracle: 1, zeroGasPrice: true, fromBlock }),
    ];
    for (const { node } of nodes) node.start(POLL_MS);
    await waitFor('the policy to be paid', async () => {
      return (await network.flightProduct.getPolicy(policyId)).status === POLICY_STATUS.Paid;
    });

    expect(await network.clientBalance()).to.equal(balanceBefore + TIER_45_PAYOUT);
    // The node sees its receipt on its next poll, possibly after the other node's report already settled the policy.
    await waitFor('the fundless report to be confirmed', () => {
      return nodes[0]!.state.getSubmission(flight.feedId)?.state === 'confirmed';
    });
    const submission = nodes[0]!.state.getSubmission(flight.feedId);
    const transaction = await network.provider.getTransaction(submission!.txHash!);
    expect([transaction?.type, transaction?.gasPrice, transaction?.from]).to.deep.equal([0, 0n, fundless.address]);
    expect((await network.hub.getReports(flight.feedId)).map((report) => report.oracle)).to.include(fundless.address);
    expect(await network.provider.getBalance(fundless.address)).to.equal(0n);
  });
});
