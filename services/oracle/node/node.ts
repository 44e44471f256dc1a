import type { Provider, Signer, TransactionReceipt } from 'ethers';
import { LedgerError } from '../../ledger/errors.js';
import { isReplayedBody } from '../../replay/label.js';
import { ProviderError } from '../http.js';
import {
  feedDeadlinesAnnounced,
  feedsClosed,
  flightFeedsRegistered,
  reportsOf,
  signObservation,
  simulateReport,
  submitReport,
  weatherFeedsRegistered,
  type OracleClient,
} from '../../ledger/oracle.js';
import {
  flightFeedKey,
  weatherFeedKey,
  type FlightObservation,
  type FlightProvider,
  type WeatherLocation,
  type WeatherObservation,
  type WeatherProvider,
} from '../observation.js';
import { crossCheckFlight, crossCheckWeather, payloadHashOf, type ProviderAnswer, type Verdict } from './crosscheck.js';
import type { NodeMetrics } from './metrics.js';
import type { Evidence, FeedDescriptor, FeedRecord, NodeState, SubmissionRecord } from './state.js';

const SECONDS_PER_DAY = 86_400;

/** The local development chain: the only one on which a node signs observations made from replayed data. */
export const LOCAL_CHAIN_ID = 31337n;
const WEATHER_METRICS = ['precipitation_sum', 'temperature_max', 'wind_speed_max'] as const;

/** When and how hard a node looks for data. */
export interface NodeSchedule {
  /** Seconds after a flight's scheduled arrival before the first look. */
  flightGraceSeconds: number;
  /** Seconds after a weather day has closed (UTC) before the first look: the providers' lag. */
  weatherLagSeconds: number;
  /** Seconds between attempts while data is pending, a provider fails, or providers disagree. */
  retrySeconds: number;
  /** Most feeds handled in one pass. */
  batchSize: number;
  /** Blocks asked for in one log query while discovering feeds. */
  logRange: number;
}

/** How close providers must be to agree, in the canonical units. */
export interface NodeTolerances {
  delayMinutes: number;
  precipitationMm: number;
  temperatureC: number;
  windKmh: number;
}

export interface OracleNodeOptions {
  name: string;
  /** The node's signing key (an ORACLE party), connected to `provider`. */
  signer: Signer;
  provider: Provider;
  state: NodeState;
  metrics: NodeMetrics;
  contracts: { oracleHub: string; flightDelayProduct?: string; weatherIndexProduct?: string };
  /** First block to scan for feeds on a fresh state (the deployment block). */
  fromBlock: number;
  flightProviders: FlightProvider[];
  weatherProviders: WeatherProvider[];
  /** Providers that must answer and agree before the node signs; defaults to all that can serve the feed. */
  minProviders?: number;
  schedule: NodeSchedule;
  tolerances: NodeTolerances;
  /** Legacy transactions at gas price 0, for networks where gas is free. */
  zeroGasPrice: boolean;
  /** Gas limit of report transactions (a quorum-completing report also settles the first batch of policies). */
  submitGasLimit?: number;
  /**
   * Unix seconds now on the ledger's clock. Default: the latest block's timestamp, so that a chain whose clock was
   * moved (`evm_increaseTime`, `evm_setNextBlockTimestamp`) makes feeds due at once; on a live network it is the
   * wall clock within a block interval.
   */
  clock?: () => number | Promise<number>;
  /** How long to wait for a transaction to be mined before looking again on the next pass. */
  receiptTimeoutMs?: number;
  /** The node's log: one line per call. Default: standard error, prefixed with the node's name. */
  log?: (line: string) => void;
  /**
   * Names of the providers configured as replay sources (recorded data served by the local replay server): their
   * responses are kept as evidence marked replayed, and the node signs nothing made from them but on the local chain.
   */
  replaySources?: readonly string[];
}

/**
 * The hub's custom errors that settle a submission for good, whatever the node does: the feed is closed, or the hub
 * already holds a report of this oracle at least as new (a replay can never be accepted).
 */
const CLOSED_FEED_ERRORS = new Set(['OracleHubFeedNotOpen', 'OracleHubUnknownFeed', 'OracleHubReplayedReport']);

/**
 * One oracle node: discovers from chain events which feeds need data and when, asks its providers, cross-checks
 * them, signs the EIP-712 observation with the SHA-256 of the raw responses it used, and submits it, keeping every
 * step in its own SQLite state so that a restart neither loses nor repeats a report.
 */
export class OracleNode {
  /** The node's ledger client: its hub and products, its provider and its signing key. */
  private readonly ledger: OracleClient;
  private readonly clock: () => Promise<number>;
  private readonly log: (line: string) => void;
  private oracleAddress: string | undefined;
  private chainId: bigint | undefined;
  /** Nonce of the last report transaction this node saw mined. */
  private minedNonce: number | undefined;
  private running = false;
  /** Set by `stop`: what fails while the node and the stack around it shut down is not news. */
  private stopping = false;
  /** Whether feeds left unserved by an earlier run were put back in line for this run's providers. */
  private unservedReopened = false;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> = Promise.resolve();
  /**
   * What is wrong right now, by what it concerns (`chain`, `provider <name>`, `pass`): said on the log when it
   * starts and when it ends, never at every pass, and served by `/health` until it ends.
   */
  private readonly problems = new Map<string, string>();
  lastPassAt: number | undefined;
  lastPassError: string | undefined;

  constructor(private readonly options: OracleNodeOptions) {
    this.ledger = { deployment: options.contracts, provider: options.provider, signer: options.signer };
    this.log = options.log ?? ((line) => process.stderr.write(`[${options.name}] ${line}\n`));
    const clock = options.clock;
    this.clock = clock === undefined ? () => latestBlockTime(options.provider) : async () => clock();
  }

  get name(): string {
    return this.options.name;
  }

  /** The node's oracle account. */
  async address(): Promise<string> {
    this.oracleAddress ??= await this.options.signer.getAddress();
    return this.oracleAddress;
  }

  /** Runs a pass now and then every `intervalMs` until `stop`. */
  start(intervalMs: number): void {
    if (this.running) return;
    this.running = true;
    const loop = (): void => {
      this.pass = this.runOnce().finally(() => {
        if (this.running) this.timer = setTimeout(loop, intervalMs);
      });
    };
    loop();
  }

  /** Stops after the pass under way. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.pass;
  }

  /** What is wrong with the node now, one sentence each; empty when it is healthy. */
  get currentProblems(): string[] {
    return [...this.problems.values()];
  }

  /** Notes a problem starting, changing or (with undefined) ending; the log hears of its start and end only. */
  private setProblem(topic: string, problem: string | undefined): void {
    const known = this.problems.get(topic);
    if (problem === undefined) {
      if (known === undefined) return;
      this.problems.delete(topic);
      if (!this.stopping) this.log(`${topic} recovered`);
      return;
    }
    if (known === undefined && !this.stopping) this.log(problem);
    this.problems.set(topic, problem);
  }

  /** One pass: discover feeds, finish open submissions, observe what is due. Never throws. */
  async runOnce(): Promise<void> {
    // Without the chain nothing else can be done; said once, until the chain answers again.
    try {
      await this.options.provider.getBlockNumber();
      this.setProblem('chain', undefined);
    } catch (error) {
      const problem = `cannot reach the chain: ${messageOf(error)}`;
      this.setProblem('chain', problem);
      this.lastPassError = problem;
      return;
    }
    const errors: string[] = [];
    if (!this.unservedReopened) {
      this.options.state.reopenUnservedFeeds();
      this.unservedReopened = true;
    }
    // Each step runs even when an earlier one failed: a chain hiccup in discovery or one stuck report must not stop
    // the node from observing and sending what it can.
    const steps = [
      () => this.discover(),
      () => this.pushSubmissions(),
      () => this.observeDue(),
      () => this.pushSubmissions(),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
    try {
      this.lastPassAt = await this.clock();
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
    this.lastPassError = errors.length > 0 ? errors.join('; ') : undefined;
    this.setProblem('pass', this.lastPassError === undefined ? undefined : `pass failed: ${this.lastPassError}`);
    const { feeds } = this.options.state.summary();
    this.options.metrics.feedsWaiting.set(feeds.waiting ?? 0);
    this.options.metrics.feedsUnserved.set(feeds.unserved ?? 0);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Discovery
  // -------------------------------------------------------------------------------------------------------------

  /** Reads new product and hub events since the last scanned block. */
  async discover(): Promise<void> {
    const { state, provider, contracts, schedule } = this.options;
    const latest = await provider.getBlockNumber();
    const scanned = state.getMeta('scannedBlock');
    let from = scanned === undefined ? this.options.fromBlock : Number(scanned) + 1;
    while (from <= latest) {
      const to = Math.min(latest, from + schedule.logRange - 1);
      if (contracts.flightDelayProduct !== undefined) await this.discoverFlights(from, to);
      if (contracts.weatherIndexProduct !== undefined) await this.discoverWeather(from, to);
      await this.discoverDeadlines(from, to);
      await this.discoverClosedFeeds(from, to);
      state.setMeta('scannedBlock', String(to));
      from = to + 1;
    }
  }

  private async discoverFlights(from: number, to: number): Promise<void> {
    const registered = await flightFeedsRegistered(this.ledger, { fromBlock: from, toBlock: to });
    for (const { feedId, carrier, flightNumber, departureDate, scheduledArrival, dataDeadline } of registered) {
      const descriptor: FeedDescriptor = {
        kind: 'flight',
        carrier,
        flightNumber,
        departureDate: isoDate(departureDate),
        scheduledArrival,
      };
      const dueAt = scheduledArrival + this.options.schedule.flightGraceSeconds;
      this.options.state.upsertFeed(feedId, descriptor, dueAt, dataDeadline);
    }
  }

  private async discoverWeather(from: number, to: number): Promise<void> {
    const registered = await weatherFeedsRegistered(this.ledger, { fromBlock: from, toBlock: to });
    for (const { feedId, latitudeE4, longitudeE4, stationId, metric, date, dataDeadline } of registered) {
      const day = isoDate(date);
      const metricName = WEATHER_METRICS[metric];
      if (metricName === undefined) continue;
      const descriptor: FeedDescriptor = {
        kind: 'weather',
        latitudeE4,
        longitudeE4,
        stationId,
        metric: metricName,
        date: day,
      };
      const dayEnds = Date.parse(`${day}T00:00:00Z`) / 1000 + SECONDS_PER_DAY;
      this.options.state.upsertFeed(
        feedId,
        descriptor,
        dayEnds + this.options.schedule.weatherLagSeconds,
        dataDeadline,
      );
    }
  }

  /**
   * The hub announces a feed's data deadline with `FeedRegistered` at its first registration and again whenever a
   * later registration (another policy, another consumer of a shared feed) moves it: the latest announcement holds.
   */
  private async discoverDeadlines(from: number, to: number): Promise<void> {
    // Oldest first, so that the last one written is the latest.
    for (const { feedId, dataDeadline } of await feedDeadlinesAnnounced(this.ledger, {
      fromBlock: from,
      toBlock: to,
    })) {
      this.options.state.updateDataDeadline(feedId, dataDeadline);
    }
  }

  /** Feeds the hub has closed need nothing more from this node. */
  private async discoverClosedFeeds(from: number, to: number): Promise<void> {
    for (const feedId of await feedsClosed(this.ledger, { fromBlock: from, toBlock: to })) {
      const feed = this.options.state.getFeed(feedId);
      if (feed?.status === 'waiting') this.options.state.setFeedStatus(feed.feedId, 'done', 'closed by the hub');
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Observation
  // -------------------------------------------------------------------------------------------------------------

  /** Observes every feed whose next attempt is due; one feed that fails does not hold back the others. */
  async observeDue(): Promise<void> {
    const now = await this.clock();
    const failures: string[] = [];
    for (const feed of this.options.state.dueFeeds(now, this.options.schedule.batchSize)) {
      try {
        await this.observe(feed, now);
      } catch (error) {
        failures.push(`${feed.feedId}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (failures.length > 0) throw new Error(`observations failed: ${failures.join('; ')}`);
  }

  /** The configured providers that can observe a feed: flight providers, a station network or a gridded source. */
  private providersFor(descriptor: FeedDescriptor): readonly (FlightProvider | WeatherProvider)[] {
    if (descriptor.kind === 'flight') return this.options.flightProviders;
    return this.options.weatherProviders.filter((provider) =>
      descriptor.stationId !== '' ? provider.name === 'nws' : provider.name !== 'nws',
    );
  }

  private async observe(feed: FeedRecord, now: number): Promise<void> {
    const { state, metrics, schedule } = this.options;
    if (now > feed.dataDeadline) {
      state.setFeedStatus(feed.feedId, 'abandoned', 'data deadline passed without an agreed observation');
      metrics.observationsFailed.inc({ reason: 'deadline' });
      return;
    }
    if (this.providersFor(feed.descriptor).length === 0) {
      // Nothing here can observe it (e.g. a flight on a node without flight provider keys): set it aside, say so, and
      // go on with the feeds this node can serve. Other nodes may serve it; a restart with providers picks it up.
      const reason = `no configured ${feed.descriptor.kind} provider can observe ${describeFeed(feed.descriptor)}`;
      state.setFeedStatus(feed.feedId, 'unserved', reason);
      this.log(`feed ${feed.feedId} skipped: ${reason}`);
      return;
    }
    const verdict =
      feed.descriptor.kind === 'flight'
        ? await this.checkFlight(feed.descriptor)
        : await this.checkWeather(feed.descriptor, now);
    if (verdict.kind !== 'agreed') {
      if (verdict.kind === 'disagreed') {
        state.recordDisagreement(feed.feedId, now, { reason: verdict.reason, providers: verdict.detail });
        metrics.disagreements.inc({ kind: feed.descriptor.kind });
      }
      metrics.observationsFailed.inc({ reason: verdict.kind });
      state.deferFeed(feed.feedId, now + schedule.retrySeconds, verdict.reason);
      return;
    }
    await this.sign(feed, verdict, now);
  }

  private async checkFlight(descriptor: Extract<FeedDescriptor, { kind: 'flight' }>): Promise<Verdict> {
    const query = {
      carrier: descriptor.carrier,
      flightNumber: descriptor.flightNumber,
      departureDate: descriptor.departureDate,
    };
    const key = flightFeedKey(query.carrier, query.flightNumber, query.departureDate);
    const answers = await Promise.all(
      this.options.flightProviders.map((provider) =>
        this.ask<FlightObservation>(
          provider.name,
          () => provider.fetchFlight(query),
          (o) => o.feedKey === key,
        ),
      ),
    );
    return crossCheckFlight(answers, this.options.minProviders ?? answers.length, this.options.tolerances.delayMinutes);
  }

  private async checkWeather(descriptor: Extract<FeedDescriptor, { kind: 'weather' }>, now: number): Promise<Verdict> {
    const location: WeatherLocation =
      descriptor.stationId !== ''
        ? { stationId: descriptor.stationId }
        : { latitude: descriptor.latitudeE4 / 1e4, longitude: descriptor.longitudeE4 / 1e4 };
    // Whether the day is over, and which of a provider's APIs holds it, is asked on the ledger's clock.
    const query = { location, metric: descriptor.metric, date: descriptor.date, asOf: now };
    const key = weatherFeedKey(location, descriptor.metric, descriptor.date);
    // A station is read from station networks (NWS), a grid point from gridded providers (Open-Meteo).
    const providers = this.providersFor(descriptor) as readonly WeatherProvider[];
    const answers = await Promise.all(
      providers.map((provider) =>
        this.ask<WeatherObservation>(
          provider.name,
          () => provider.fetchWeather(query),
          (o) => o.feedKey === key,
        ),
      ),
    );
    const tolerance = {
      precipitation_sum: this.options.tolerances.precipitationMm,
      temperature_max: this.options.tolerances.temperatureC,
      wind_speed_max: this.options.tolerances.windKmh,
    }[descriptor.metric];
    return crossCheckWeather(answers, this.options.minProviders ?? Math.max(1, answers.length), tolerance);
  }

  /**
   * Asks one provider, timing it, and picks the observation of the feed. The provider's responses are marked replayed
   * when it is a configured replay source or its body carries the replay server's label. A provider that cannot be
   * reached or answers what cannot be read is failing until it answers again; a question it refuses itself (a day
   * not over yet) is not its fault.
   */
  private async ask<T>(
    provider: string,
    fetch: () => Promise<{ observations: T[]; raw: ProviderAnswer<T>['raw']; notes?: string[] }>,
    matches: (observation: T) => boolean,
  ): Promise<ProviderAnswer<T>> {
    const stopTimer = this.options.metrics.providerLatency.startTimer({ provider });
    const topic = `provider ${provider}`;
    try {
      const result = await fetch();
      stopTimer();
      this.setProblem(topic, undefined);
      for (const note of result.notes ?? []) {
        this.options.metrics.recordsSkipped.inc({ provider });
        this.log(note);
      }
      const replaySource = this.options.replaySources?.includes(provider) === true;
      const raw: Evidence[] = result.raw.map((response) =>
        replaySource || isReplayedBody(response.body) ? { ...response, replayed: true } : response,
      );
      const observation = result.observations.find(matches);
      if (observation === undefined) return { provider, error: 'no data for this feed', raw };
      return { provider, observation, raw };
    } catch (error) {
      stopTimer();
      this.options.metrics.providerErrors.inc({ provider });
      if (error instanceof ProviderError) this.setProblem(topic, `${topic} failing: ${error.message}`);
      return { provider, error: messageOf(error), raw: [] };
    }
  }

  /** Signs the agreed observation and commits it, with its evidence, before anything is sent. */
  private async sign(feed: FeedRecord, verdict: Extract<Verdict, { kind: 'agreed' }>, now: number): Promise<void> {
    const oracle = await this.address();
    this.chainId ??= (await this.options.provider.getNetwork()).chainId;
    const replayed = verdict.evidence.filter((response: Evidence) => response.replayed === true);
    if (replayed.length > 0 && this.chainId !== LOCAL_CHAIN_ID) {
      throw new Error(
        `refusing to sign ${feed.feedId} from replayed data (${replayed.map((r) => r.provider).join(', ')}) on ` +
          `chain ${this.chainId}: replayed recordings serve only the local chain ${LOCAL_CHAIN_ID}`,
      );
    }
    const observation = {
      feedId: feed.feedId,
      oracle,
      status: verdict.status,
      value: verdict.value.toString(),
      observedAt: now,
      payloadHash: payloadHashOf(verdict.evidence),
    };
    const signature = await signObservation(this.ledger, observation, this.chainId);
    this.options.state.saveSigned({ feedId: feed.feedId, observation, signature, createdAt: now }, verdict.evidence);
    this.options.metrics.observationsMade.inc({ kind: feed.descriptor.kind });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Submission
  // -------------------------------------------------------------------------------------------------------------

  /** Brings every open submission to the chain, one transaction at a time so nonces stay in order. */
  async pushSubmissions(): Promise<void> {
    const failures: string[] = [];
    for (const submission of this.options.state.openSubmissions()) {
      try {
        await this.push(submission);
      } catch (error) {
        // One report that cannot go out now must not hold back the others; it is tried again next pass.
        failures.push(`${submission.feedId}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (failures.length > 0) throw new Error(`submissions failed: ${failures.join('; ')}`);
  }

  private async push(submission: SubmissionRecord): Promise<void> {
    const { state } = this.options;
    const now = await this.clock();
    if (await this.isOnChain(submission)) {
      this.confirm(submission, now);
      return;
    }
    if (submission.state === 'sent' && submission.txHash !== null) {
      const receipt = await this.options.provider.getTransactionReceipt(submission.txHash);
      const pending = receipt === null && (await this.options.provider.getTransaction(submission.txHash)) !== null;
      // Still in the pool: wait for it rather than send a second transaction for the same report.
      if (pending) return;
    }

    const report = { observation: submission.observation, signature: submission.signature };
    try {
      await simulateReport(this.ledger, report);
    } catch (error) {
      const reason = revertName(error);
      if (reason !== undefined && CLOSED_FEED_ERRORS.has(reason)) {
        state.closeSubmission(submission.feedId, 'rejected', now, `${reason}: the hub will not take this report`);
        return;
      }
      if (reason === 'OracleHubStaleReport') {
        // Signed too long ago to count: forget it and observe afresh (the stale report can never be accepted).
        state.discardSubmission(submission.feedId, now, 'signed report went stale before reaching the chain');
        return;
      }
      this.options.metrics.observationsFailed.inc({ reason: reason ?? 'submit_error' });
      throw error;
    }

    const overrides = this.options.zeroGasPrice ? { gasPrice: 0n, type: 0 } : {};
    const gasLimit = this.options.submitGasLimit;
    const sent = await submitReport(this.ledger, report, {
      ...overrides,
      nonce: await this.nextNonce(),
      ...(gasLimit === undefined ? {} : { gasLimit }),
    });
    state.markSent(submission.feedId, sent.transactionHash, now);
    let receipt: TransactionReceipt;
    try {
      receipt = await sent.wait({ confirmations: 1, timeoutMs: this.options.receiptTimeoutMs ?? 60_000 });
    } catch (error) {
      // A reverted transaction was mined all the same: its nonce is spent.
      if (error instanceof LedgerError && error.transactionHash !== undefined) this.minedNonce = sent.nonce;
      throw error;
    }
    this.minedNonce = sent.nonce;
    // Confirmed at once, stamped with the pass's time: the report is on chain the moment its receipt is.
    if (receipt.status === 1) this.confirm(submission, now);
  }

  /**
   * The nonce of the next report transaction: the account's pending transaction count, but never one this node has
   * seen mined. Providers may answer the count from a short cache (ethers keeps identical calls for 250 ms), which
   * lags behind a report mined an instant ago when several are sent back to back.
   */
  private async nextNonce(): Promise<number> {
    const pending = await this.options.provider.getTransactionCount(await this.address(), 'pending');
    return this.minedNonce === undefined ? pending : Math.max(pending, this.minedNonce + 1);
  }

  private confirm(submission: SubmissionRecord, now: number): void {
    const feed = this.options.state.getFeed(submission.feedId);
    this.options.state.closeSubmission(submission.feedId, 'confirmed', now);
    this.options.metrics.observationsSubmitted.inc({ kind: feed?.descriptor.kind ?? 'unknown' });
  }

  /** Whether the hub already holds this very report (sent before a crash, say). */
  private async isOnChain(submission: SubmissionRecord): Promise<boolean> {
    const reports = await reportsOf(this.ledger, submission.feedId);
    const oracle = submission.observation.oracle.toLowerCase();
    return reports.some(
      (report) =>
        report.oracle.toLowerCase() === oracle && Number(report.observedAt) === submission.observation.observedAt,
    );
  }
}

/** A feed as a person reads it: `BA196 departing 2026-11-20`, `precipitation_sum at 52.27,6.82 on 2026-06-01`. */
function describeFeed(descriptor: FeedDescriptor): string {
  if (descriptor.kind === 'flight') {
    return `${descriptor.carrier}${descriptor.flightNumber} departing ${descriptor.departureDate}`;
  }
  const place =
    descriptor.stationId !== ''
      ? `station ${descriptor.stationId}`
      : `${descriptor.latitudeE4 / 1e4},${descriptor.longitudeE4 / 1e4}`;
  return `${descriptor.metric} at ${place} on ${descriptor.date}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The latest block's timestamp: the ledger's time, which every "is it due?" question of a node reads. */
async function latestBlockTime(provider: Provider): Promise<number> {
  const block = await provider.getBlock('latest');
  if (block === null) throw new Error('the chain has no latest block');
  return block.timestamp;
}

/** yyyymmdd as `YYYY-MM-DD`. */
export function isoDate(yyyymmdd: number): string {
  const text = String(yyyymmdd).padStart(8, '0');
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
}

/** The custom error a call reverted with, decoded through the contracts' ABIs. */
function revertName(error: unknown): string | undefined {
  return error instanceof LedgerError ? error.decoded?.name : undefined;
}
