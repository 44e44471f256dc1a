/**
 * The party API end to end, on a local chain with real oracle nodes fed by recorded provider responses, moving the
 * chain's clock rather than waiting: the insurer sells a flight delay policy and a rainfall policy through the API;
 * the client co-signs the terms and pays the premium with a permit from its own wallet; the API restarts between issue
 * and outcome; the recorded outcome (a flight 82 minutes late, two days of recorded Open-Meteo rain) reaches the nodes;
 * both policies pay and the treaty cedes the losses; each timeline reaches `paid` and `ceded`. The client's SSE stream
 * (reconnecting with Last-Event-ID) and its webhook receiver each hold every event the index holds for those policies,
 * in chain order, each id once after deduplication, and every delivery's signature verifies.
 */
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { verifyWebhookSignature } from '../../../services/api/events/index.js';
import { compareEventIds, endOfBlock } from '../../../services/api/events/source.js';
import { silentLogger } from '../../../services/api/logger.js';
import { startApi, type RunningApi } from '../../../services/api/main.js';
import type { ChainEvent } from '../../../services/indexer/index.js';
import { localParties } from '../../../scripts/lib/local-parties.js';
import type { TestLedger } from '../../helpers/api-chain.js';
import { testChainArgs } from '../../helpers/coverage.js';
import {
  dayStart,
  flightArrivingAt,
  isoDay,
  OracleNetwork,
  openMeteoBody,
  RECORDED_WEATHER_POINT,
  replayPaths,
  serveFlight,
  usd,
  type TestFlight,
  type TestNode,
} from '../../helpers/oracle-network.js';
import { recorded } from '../../helpers/replay-server.js';
import { deduplicated, openStream, startReceiver, type SseReader, type WebhookReceiver } from '../events/receiver.js';
import { eventually } from '../matrix-stack.js';
import { walletConsent, type ProposalAnswer } from './sales-fixtures.js';
import { call, hostedKeys, startSalesStack, type SalesStack } from './sales-stack.js';

const HOUR = 3_600;
const DAY = 86_400;
/** The recorded arrival delay the providers report, in the offer's 45-minute tier. */
const DELAY_MINUTES = 82;

interface Step {
  step: string;
  state: string;
  transactionHash: string | null;
  evidence: Record<string, unknown>;
}
interface Timeline {
  status: string;
  steps: Step[];
}

/** The oracle network's chain, deployment and local parties as the API tests' ledger. */
function ledgerOf(network: OracleNetwork): TestLedger {
  return {
    rpcUrl: network.rpcUrl,
    provider: network.provider,
    deployment: network.deployment,
    parties: localParties(network.provider),
    dataDir: network.dir,
    advanceTime: (seconds) => network.clock.advance(seconds),
    stop: () => network.stop(),
  };
}

describe('policies API end to end: sold, observed by the oracle nodes, paid, ceded and delivered', function () {
  this.timeout(120_000);
  let network: OracleNetwork;
  let ledger: TestLedger;
  let stack: SalesStack;
  let api: RunningApi;
  let receiver: WebhookReceiver;
  let webhookSecret: string;
  const streams: SseReader[] = [];
  let start: string;
  let fromBlock: number;
  let flight: TestFlight;
  let firstDay: number;
  const policies: { flight?: string; weather?: string } = {};
  /** Each policy's settled timeline, by policy id. */
  const settled = new Map<string, Timeline>();

  const as = (authorization: string, method: string, pathname: string, body?: object) =>
    call({ url: api.url }, authorization, method, pathname, body);
  const client = () => stack.auth.walletClient;

  async function json<T>(response: Response, status: number): Promise<T> {
    expect(response.status, await response.clone().text()).to.equal(status);
    return (await response.json()) as T;
  }

  /** Sells `offerId` to the wallet client: the insurer proposes, the client co-signs and permits in its wallet. */
  async function sell(offerId: string, extra: object = {}): Promise<string> {
    const proposal = await json<ProposalAnswer>(
      await as(stack.auth.insurer, 'POST', '/v1/policies', { offerId, client: stack.walletClient.address, ...extra }),
      201,
    );
    expect(proposal.consent!.permit, 'the premium is paid with a permit').not.to.equal(null);
    const consent = await as(
      client(),
      'POST',
      proposal.consent!.href,
      await walletConsent(stack.walletClient, proposal),
    );
    return (await json<{ policy: { id: string } }>(consent, 201)).policy.id;
  }

  async function timeline(id: string): Promise<Timeline> {
    return json<Timeline>(await as(client(), 'GET', `/v1/policies/${id}/timeline`), 200);
  }

  /** Waits for the policy's timeline to show it paid and ceded. */
  function settledTimeline(id: string): Promise<Timeline> {
    return eventually(
      `${id} paid and ceded`,
      async () => {
        const body = await timeline(id);
        const done = (name: string) => body.steps.some((step) => step.step === name && step.state === 'done');
        if (!done('paid') || !done('ceded')) return undefined;
        settled.set(id, body);
        return body;
      },
      30_000,
    );
  }

  /** Every event the index holds for the client's policies (their documents and feeds with them), in chain order. */
  async function indexedForPolicies(): Promise<ChainEvent[]> {
    const lists = await Promise.all(
      [policies.flight!, policies.weather!].map((policyId) =>
        api.ctx.index.events({ policyId, sinceId: start, limit: 500 }),
      ),
    );
    const byId = new Map(lists.flat().map((event) => [event.id, event]));
    return [...byId.values()].sort((a, b) => compareEventIds(a.id, b.id));
  }

  const streamed = () => deduplicated(streams.flatMap((stream) => stream.events.map((event) => event.id)));
  const delivered = () => deduplicated(receiver.accepted.map((delivery) => delivery.eventId));

  before(async function () {
    network = await OracleNetwork.start({ chainArgs: testChainArgs() });
    ledger = ledgerOf(network);
    stack = await startSalesStack(ledger, usd(1_000), {
      POLICYLEDGER_API_WEBHOOK_ALLOW_PRIVATE: 'true',
      POLICYLEDGER_API_WEBHOOK_RETRY_BASE_MS: '100',
      POLICYLEDGER_API_WEBHOOK_RETRY_MAX_MS: '400',
      POLICYLEDGER_API_EVENTS_POLL_MS: '50',
      POLICYLEDGER_API_KEEPER_INTERVAL_MS: '500',
    });
    api = stack.api;
    receiver = await startReceiver();
  });

  after(async function () {
    for (const stream of streams) stream.close();
    await network?.stopNodes();
    await receiver?.close();
    await api?.stop();
    if (api !== undefined) rmSync(api.ctx.config.dataDir, { recursive: true, force: true });
    await network?.stop();
  });

  it('sells a flight delay and a rainfall policy, co-signed and paid from the client’s wallet', async function () {
    start = endOfBlock((await api.ctx.index.headBlock()) ?? 0);
    const hook = await json<{ secret: string }>(
      await as(client(), 'POST', '/v1/webhooks', { url: receiver.url, after: start }),
      201,
    );
    webhookSecret = hook.secret;
    streams.push(await openStream(`${api.url}/v1/events?after=${start}`, { Authorization: client() }));

    await network.clock.sync();
    fromBlock = await network.provider.getBlockNumber();
    // A BA flight leaving in about five hours, with the recorded BAW196 block time; a two-day rainfall window at the
    // recorded Open-Meteo point starting on the first day the product still insures.
    flight = flightArrivingAt('196', network.clock.now() + 14 * HOUR);
    firstDay = dayStart(network.clock.now() + 3 * HOUR) + DAY;
    const flightOffer = await json<{ id: string }>(
      await as(stack.auth.insurer, 'POST', '/v1/offers', {
        kind: 'flight-delay',
        name: 'Long haul delay cover',
        delayTiers: [
          { minutes: 45, payout: String(usd(150)) },
          { minutes: 120, payout: String(usd(400)) },
        ],
        cancellationPayout: String(usd(250)),
        diversionPayout: String(usd(200)),
        sumInsured: String(usd(400)),
        cover: { endsAfterArrivalMinutes: 24 * 60 },
        cancellationRefundBps: 0,
        pricing: { premium: String(usd(10)) },
      }),
      201,
    );
    const weatherOffer = await json<{ id: string }>(
      await as(stack.auth.insurer, 'POST', '/v1/offers', {
        kind: 'weather-index',
        name: 'Two-day rainfall cover',
        location: {
          latitude: RECORDED_WEATHER_POINT.latitudeE4 / 1e4,
          longitude: RECORDED_WEATHER_POINT.longitudeE4 / 1e4,
        },
        metric: 'PrecipitationSum',
        window: { startDate: isoDay(firstDay), endDate: isoDay(firstDay + DAY) },
        aggregation: 'Sum',
        trigger: '1000',
        exit: '4000',
        sumInsured: String(usd(3_000)),
        cancellationRefundBps: 0,
        pricing: { premium: String(usd(150)) },
      }),
      201,
    );

    const balance = () => network.stablecoin.balanceOf(stack.walletClient.address);
    const before = await balance();
    policies.flight = await sell(flightOffer.id, {
      flight: {
        carrier: 'BA',
        flightNumber: flight.flightNumber,
        scheduledDeparture: new Date(flight.scheduledDeparture * 1000).toISOString(),
        scheduledArrival: new Date(flight.scheduledArrival * 1000).toISOString(),
      },
    });
    policies.weather = await sell(weatherOffer.id);
    expect(policies.flight).to.match(/^flight-\d+$/);
    expect(policies.weather).to.match(/^weather-\d+$/);
    expect(before - (await balance())).to.equal(usd(160));
    for (const id of [policies.flight, policies.weather]) {
      const indexed = await eventually(`${id} indexed`, async () => (await api.ctx.index.policy(id)) ?? undefined);
      expect(indexed.holder).to.equal(stack.walletClient.address);
      expect((await timeline(id)).status).to.equal('Issued');
    }
  });

  it('keeps delivering across an API restart between issue and outcome', async function () {
    await eventually('both issues on the stream', () =>
      Promise.resolve(
        streams[0]!.events.filter((event) => event.type === 'PolicyIssued').length >= 2 ? true : undefined,
      ),
    );
    await api.stop();
    await streams[0]!.ended;
    api = await startApi(api.ctx.config, { logger: silentLogger(), keys: hostedKeys(ledger) });
    streams.push(
      await openStream(`${api.url}/v1/events`, {
        Authorization: client(),
        'Last-Event-ID': streams[0]!.lastEventId ?? start,
      }),
    );
    expect((await timeline(policies.flight!)).status).to.equal('Issued');
  });

  it('pays the flight on the recorded late arrival the nodes report, and cedes the loss', async function () {
    serveFlight(network.replay, flight, { status: 'landed', delayMinutes: DELAY_MINUTES });
    network.replay.serve(
      replayPaths.openMeteoForecast('truth'),
      recorded(openMeteoBody([isoDay(firstDay), isoDay(firstDay + DAY)])),
    );
    await network.clock.sync();
    await network.clock.advance(flight.scheduledArrival + 10 * 60 - network.clock.now());
    const nodes: TestNode[] = await Promise.all(
      [0, 1, 2].map((oracle) =>
        network.createNode({
          name: `node-${oracle}`,
          oracle,
          fromBlock,
          flightProviders: ['flightaware', 'aviationstack'],
          weather: true,
          serve: false,
          log: () => undefined,
        }),
      ),
    );
    for (const { node } of nodes) node.start(100);

    const body = await settledTimeline(policies.flight!);
    expect(body.status).to.equal('Paid');
    const step = (name: string) => body.steps.find((entry) => entry.step === name)!;
    const [reports] = step('oracle-reports').evidence.feeds as { feedId: string; reports: { value: string }[] }[];
    expect(reports!.feedId).to.equal(flight.feedId);
    expect(reports!.reports.map((report) => report.value)).to.deep.equal(Array(3).fill(String(DELAY_MINUTES)));
    expect(step('paid').evidence).to.deep.include({ amount: String(usd(150)), delivered: true });
    // The local treaty cedes 30 % quota share.
    expect(step('ceded').evidence).to.deep.include({ gross: String(usd(150)), quotaShare: String(usd(45)) });
  });

  it('pays the rainfall policy from the recorded Open-Meteo days once its window has ended', async function () {
    await network.clock.sync();
    await network.clock.advance(firstDay + 2 * DAY + 60 - network.clock.now());
    const body = await settledTimeline(policies.weather!);
    const step = (name: string) => body.steps.find((entry) => entry.step === name)!;
    const reports = step('oracle-reports').evidence.feeds as { reports: { value: string }[] }[];
    // The recorded 11.9 and 12.5 mm, reported by each node.
    expect(reports.map((feed) => feed.reports.map((report) => report.value))).to.deep.equal([
      Array(3).fill('1190'),
      Array(3).fill('1250'),
    ]);
    // Index 24.4 mm between trigger 10 mm and exit 40 mm: 14.4 / 30 of 3,000 plUSD.
    expect(step('paid').evidence).to.deep.include({ amount: String(usd(1_440)) });
    expect(step('ceded').evidence).to.deep.include({ gross: String(usd(1_440)), quotaShare: String(usd(432)) });
  });

  it('gave the SSE client and the webhook receiver every step in chain order, each id once', async function () {
    const indexed = await indexedForPolicies();
    // What the index holds for the policies, less the pool's settlement batch totals: the insurer's book.
    const expected = indexed.filter((event) => event.name !== 'ClaimsSettled').map((event) => event.id);
    expect(indexed.length - expected.length, 'a batch total per settled feed').to.equal(2);
    await eventually(
      'every event at the receiver and on the stream',
      () =>
        Promise.resolve(
          delivered().length >= expected.length && streamed().length >= expected.length ? true : undefined,
        ),
      20_000,
    );
    expect(streamed()).to.deep.equal(expected);
    expect(delivered()).to.deep.equal(expected);
    for (const stream of streams) expect(stream.events.length, 'each connection carried events').to.be.greaterThan(0);

    // Each policy's steps, in chain order, from the wording's co-signature to the ceded loss.
    const names = new Map(indexed.map((event) => [event.id, event.name]));
    for (const policyId of [policies.flight!, policies.weather!]) {
      const own = indexed.filter((event) => event.about?.policyId === policyId).map((event) => event.name);
      expect(own).to.deep.equal(['PolicyOpened', 'PremiumCeded', 'PolicyIssued', 'PolicySettled', 'LossCeded']);
    }
    const types = deduplicated(streamed().map((id) => names.get(id)!));
    expect(types).to.deep.equal([
      'DocumentAnchored',
      'DocumentCoSigned',
      'TermsCoSigned',
      'FeedRegistered',
      'FlightFeedRegistered',
      'PolicyOpened',
      'PremiumCeded',
      'PolicyIssued',
      'WeatherFeedRegistered',
      'ObservationReported',
      'ObservationFinalised',
      'PolicySettled',
      'LossCeded',
    ]);
    // The settlement the timeline shows as paid is the one delivered.
    for (const [policyId, body] of settled) {
      const paid = body.steps.find((step) => step.step === 'paid')!;
      const event = streams
        .flatMap((stream) => stream.events)
        .find((candidate) => candidate.type === 'PolicySettled' && candidate.data.about.policyId === policyId);
      expect(event?.data.transactionHash, policyId).to.equal(paid.transactionHash);
    }
    for (const delivery of receiver.accepted) {
      expect(verifyWebhookSignature(webhookSecret, delivery.body, delivery.signature), delivery.eventId).to.equal(true);
      expect((JSON.parse(delivery.body) as { event: { id: string } }).event.id).to.equal(delivery.eventId);
    }
  });
});
