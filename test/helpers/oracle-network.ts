/**
 * A whole oracle network on this machine, for end-to-end tests and the oracle benchmark: an anvil chain with the
 * embedded PolicyLedger deployment (scripts/deploy-local.ts), a replay server standing in for the data providers, and
 * in-process oracle nodes, each with its own key, SQLite state file, providers and health endpoint.
 *
 * Deliberately free of Hardhat and mocha, so that the benchmark (run with tsx) can use it too.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JsonRpcProvider, sha256, TypedDataEncoder, Wallet, type NonceManager, type Signer } from 'ethers';
import { deployLocal } from '../../scripts/deploy-local.js';
import type { Deployment } from '../../services/ledger/deploy.js';
import { anchorAndCoSign, type PolicyTerms } from '../../services/ledger/evidence.js';
import { grantRole, registerParty, setHubConsumer, setPoolProduct } from '../../services/ledger/governance.js';
import { consentToWiring } from '../../services/ledger/insurer-stack.js';
import { startLocalChain, type LocalChain } from '../../scripts/lib/local-chain.js';
import { localParties, type LocalParty } from '../../scripts/lib/local-parties.js';
import { stripJsonc } from '../../services/oracle/cli.js';
import type { NodeSchedule, NodeTolerances } from '../../services/oracle/node/node.js';
import { OracleNode } from '../../services/oracle/node/node.js';
import { NodeMetrics } from '../../services/oracle/node/metrics.js';
import { createNodeServer, listen } from '../../services/oracle/node/server.js';
import { NodeState } from '../../services/oracle/node/state.js';
import type { FlightProvider, WeatherProvider } from '../../services/oracle/observation.js';
import { createFlightProvider } from '../../services/oracle/providers/flights.js';
import { createWeatherProvider } from '../../services/oracle/providers/weather.js';
import {
  Aggregation,
  FLIGHT_DELAY_TERMS_TYPES,
  flightFeedId,
  TermsType,
  WEATHER_INDEX_TERMS_TYPES,
  WeatherMetric,
  weatherFeedId,
} from '../../services/shared/eip712.js';
import {
  FlightDelayProduct__factory,
  MockStablecoin__factory,
  OracleHub__factory,
  ReinsuranceTreaty__factory,
  RiskPool__factory,
  WeatherIndexProduct__factory,
  type FlightDelayProduct,
  type IFlightDelayProduct,
  type IWeatherIndexProduct,
  type MockStablecoin,
  type OracleHub,
  type ReinsuranceTreaty,
  type RiskPool,
  type WeatherIndexProduct,
} from '../../types/ethers-contracts/index.js';
import { recorded, ReplayServer } from './replay-server.js';

/** Six-decimal plUSD amounts: `usd(25)` is 25 dollars. */
export function usd(dollars: number): bigint {
  return BigInt(Math.round(dollars * 1_000_000));
}

/** `IParametricProduct.PolicyStatus` and `IOracleHub.FeedState` / `ObservationStatus`, as the contracts number them. */
export const POLICY_STATUS = { None: 0n, Issued: 1n, Paid: 2n, Expired: 3n, Cancelled: 4n, Refunded: 5n } as const;
export const FEED_STATE = { None: 0n, Open: 1n, Finalised: 2n, Disputed: 3n, Resolved: 4n, Expired: 5n } as const;
export const OBSERVATION_STATUS = { None: 0n, Landed: 1n, Cancelled: 2n, Diverted: 3n, Observed: 4n } as const;

const FIXTURES = path.resolve(import.meta.dirname, '../../services/replay/recordings');
const DAY = 86_400;

// -------------------------------------------------------------------------------------------------------------------
// Time
// -------------------------------------------------------------------------------------------------------------------

/**
 * The chain's clock, as the nodes, the providers and the tests read it: wall time plus however far the chain has been
 * moved ahead with `evm_increaseTime`. Anvil stamps new blocks with the same clock.
 */
export class ChainClock {
  private offset = 0;

  constructor(private readonly provider: JsonRpcProvider) {}

  /** Unix seconds on the chain's clock. */
  readonly now = (): number => Math.floor(Date.now() / 1000) + this.offset;

  readonly date = (): Date => new Date(this.now() * 1000);

  /** Catches up with the latest block's time (never goes back). */
  async sync(): Promise<void> {
    // Asked directly, never from the provider's cache of recent calls: the block just mined is the one wanted.
    const latest = (await this.provider.send('eth_getBlockByNumber', ['latest', false])) as {
      timestamp: string;
    } | null;
    if (latest === null) throw new Error('the chain has no latest block');
    this.offset = Math.max(this.offset, Number(latest.timestamp) - Math.floor(Date.now() / 1000));
  }

  /** Moves the chain's clock `seconds` ahead and mines a block there. */
  async advance(seconds: number): Promise<void> {
    await this.provider.send('evm_increaseTime', [seconds]);
    await this.provider.send('evm_mine', []);
    await this.sync();
  }
}

/** yyyymmdd of the UTC day of a unix time. */
export function yyyymmdd(unixSeconds: number): number {
  return Number(isoDay(unixSeconds).replaceAll('-', ''));
}

/** `YYYY-MM-DD` of the UTC day of a unix time. */
export function isoDay(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

/** Start of the UTC day of a unix time. */
export function dayStart(unixSeconds: number): number {
  return Math.floor(unixSeconds / DAY) * DAY;
}

// -------------------------------------------------------------------------------------------------------------------
// Recorded provider responses, re-dated to the test's flights and days
// -------------------------------------------------------------------------------------------------------------------

/** A flight as the tests insure and the providers describe it. */
export interface TestFlight {
  carrier: string;
  flightNumber: string;
  /** Unix seconds. */
  scheduledDeparture: number;
  scheduledArrival: number;
  /** Scheduled departure date (UTC) as yyyymmdd, the feed's date. */
  departureDate: number;
  feedId: string;
}

/** What the providers say about a flight. */
export type FlightOutcome =
  { status: 'landed'; delayMinutes: number } | { status: 'en-route' } | { status: 'cancelled' };

type Json = Record<string, unknown>;

function readJson(file: string): Json {
  return JSON.parse(stripJsonc(readFileSync(file, 'utf8'))) as Json;
}

/**
 * The one real AeroAPI flight object we hold: BAW196 IAH→LHR of 27 June 2022 from FlightAware's LHR arrivals board
 * (recorded fixture, trailing comma and all). Its schedule (9 h 10 min gate to gate) shapes every test flight.
 */
const AEROAPI_RECORD = (
  readJson(path.join(FIXTURES, 'flightaware/PomTog-aeroapi-arrivals-LHR-BAW196.jsonc')).arrivals as Json[]
)[0]!;

/** A real AviationStack record (GJ3098 TSN→XMN, landed, both airports in Asia/Shanghai) from the recorded fixture. */
const AVIATIONSTACK_RECORD = (
  JSON.parse(readFileSync(path.join(FIXTURES, 'aviationstack/flights-excerpt-5.json'), 'utf8')) as Json[]
).find((record) => (record.flight as Json).iata === 'GJ3098')!;

/** The recorded Open-Meteo archive response with the daily precipitation sums 11.9 and 12.5 mm. */
const OPEN_METEO_RECORD = readJson(path.join(FIXTURES, 'open-meteo/frenck-historical_weather.json'));

/** Asia/Shanghai, where the AviationStack record's airports are: UTC+8 all year. */
const SHANGHAI_OFFSET_SECONDS = 8 * 3600;

const RECORDED_BLOCK_SECONDS =
  (Date.parse(AEROAPI_RECORD.scheduled_in as string) - Date.parse(AEROAPI_RECORD.scheduled_out as string)) / 1000;

/** A BA flight arriving (scheduled) at `scheduledArrival`, with the recorded BAW196 block time. */
export function flightArrivingAt(flightNumber: string, scheduledArrival: number): TestFlight {
  const scheduledDeparture = scheduledArrival - RECORDED_BLOCK_SECONDS;
  const departureDate = yyyymmdd(scheduledDeparture);
  return {
    carrier: 'BA',
    flightNumber,
    scheduledDeparture,
    scheduledArrival,
    departureDate,
    feedId: flightFeedId('BA', flightNumber, departureDate),
  };
}

function isoZ(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace('.000Z', 'Z');
}

/**
 * An AeroAPI `GET /flights/{ident}` body for `flight`: the recorded BAW196 object re-dated to the flight's schedule
 * (every time moved by the same amount, so its recorded 16-minute late departure stays), renamed to the flight's
 * designator, and given the outcome asked for (the recording was taxiing without a gate time).
 */
export function aeroApiBody(flight: TestFlight, outcome: FlightOutcome): string {
  const shift = flight.scheduledDeparture * 1000 - Date.parse(AEROAPI_RECORD.scheduled_out as string);
  const record: Json = { ...AEROAPI_RECORD };
  for (const kind of ['scheduled', 'estimated', 'actual']) {
    for (const event of ['out', 'off', 'on', 'in']) {
      const key = `${kind}_${event}`;
      const value = AEROAPI_RECORD[key];
      record[key] = typeof value === 'string' ? isoZ(Date.parse(value) + shift) : null;
    }
  }
  const ident = `BAW${flight.flightNumber}`;
  Object.assign(record, {
    ident,
    ident_icao: ident,
    ident_iata: `${flight.carrier}${flight.flightNumber}`,
    flight_number: flight.flightNumber,
    atc_ident: ident,
    fa_flight_id: `${ident}-${flight.scheduledDeparture - 86_400}-schedule-0121`,
    inbound_fa_flight_id: null,
  });
  const scheduledIn = flight.scheduledArrival * 1000;
  if (outcome.status === 'landed') {
    // The recording took 9 minutes from touchdown to the gate.
    const atGate = scheduledIn + outcome.delayMinutes * 60_000;
    Object.assign(record, {
      actual_on: isoZ(atGate - 9 * 60_000),
      estimated_on: isoZ(atGate - 9 * 60_000),
      actual_in: isoZ(atGate),
      estimated_in: isoZ(atGate),
      arrival_delay: outcome.delayMinutes * 60,
      progress_percent: 100,
      status: 'Arrived / Gate Arrival',
    });
  } else if (outcome.status === 'en-route') {
    Object.assign(record, { actual_on: null, actual_in: null, progress_percent: 60, status: 'En Route / On Time' });
  } else {
    Object.assign(record, {
      cancelled: true,
      actual_out: null,
      actual_off: null,
      actual_on: null,
      actual_in: null,
      estimated_out: null,
      estimated_off: null,
      estimated_on: null,
      estimated_in: null,
      departure_delay: 0,
      arrival_delay: 0,
      progress_percent: 0,
      status: 'Cancelled',
    });
  }
  return JSON.stringify({ flights: [record], links: null, num_pages: 1 }, null, 2);
}

/** AviationStack's wall clock: airport-local time written with `+00:00`. */
function shanghaiWallClock(unixSeconds: number): string {
  return new Date((unixSeconds + SHANGHAI_OFFSET_SECONDS) * 1000).toISOString().replace('.000Z', '+00:00');
}

/**
 * An AviationStack `GET /v1/flights` body for `flight`: the recorded GJ3098 record relabelled as the flight's
 * designator and re-timed to its schedule in the record's own airport zone (Asia/Shanghai wall clock with the
 * provider's misleading `+00:00`), with the outcome asked for.
 */
export function aviationstackBody(flight: TestFlight, outcome: FlightOutcome): string {
  const departure = { ...(AVIATIONSTACK_RECORD.departure as Json) };
  const arrival = { ...(AVIATIONSTACK_RECORD.arrival as Json) };
  const departed = flight.scheduledDeparture + Number(departure.delay ?? 0) * 60;
  Object.assign(departure, {
    scheduled: shanghaiWallClock(flight.scheduledDeparture),
    estimated: shanghaiWallClock(flight.scheduledDeparture),
    actual: shanghaiWallClock(departed),
    estimated_runway: shanghaiWallClock(departed),
    actual_runway: shanghaiWallClock(departed),
  });
  Object.assign(arrival, {
    scheduled: shanghaiWallClock(flight.scheduledArrival),
    estimated: shanghaiWallClock(flight.scheduledArrival),
    actual: null,
    estimated_runway: null,
    actual_runway: null,
    delay: null,
  });
  let status: string;
  if (outcome.status === 'landed') {
    const arrived = shanghaiWallClock(flight.scheduledArrival + outcome.delayMinutes * 60);
    Object.assign(arrival, {
      actual: arrived,
      estimated: arrived,
      actual_runway: arrived,
      delay: outcome.delayMinutes,
    });
    status = 'landed';
  } else if (outcome.status === 'en-route') {
    status = 'active';
  } else {
    Object.assign(departure, { actual: null, estimated_runway: null, actual_runway: null, delay: null });
    status = 'cancelled';
  }
  const record = {
    ...AVIATIONSTACK_RECORD,
    flight_date: shanghaiWallClock(flight.scheduledDeparture).slice(0, 10),
    flight_status: status,
    departure,
    arrival,
    airline: { name: 'British Airways', iata: flight.carrier, icao: 'BAW' },
    flight: {
      number: flight.flightNumber,
      iata: `${flight.carrier}${flight.flightNumber}`,
      icao: `BAW${flight.flightNumber}`,
      codeshared: null,
    },
  };
  return JSON.stringify({ pagination: { limit: 100, offset: 0, count: 1, total: 1 }, data: [record] }, null, 2);
}

/**
 * The recorded Open-Meteo daily response re-dated: its two days (1953-01-31 and 1953-02-01, 11.9 and 12.5 mm) become
 * `days`, and it is put in GMT (`utc_offset_seconds` 0), as the nodes ask for UTC days. Values are unchanged.
 */
export function openMeteoBody(days: readonly [string, string]): string {
  const hourly = OPEN_METEO_RECORD.hourly as Json;
  const daily = OPEN_METEO_RECORD.daily as Json;
  const body = {
    ...OPEN_METEO_RECORD,
    utc_offset_seconds: 0,
    timezone: 'GMT',
    timezone_abbreviation: 'GMT',
    hourly: { ...hourly, time: (hourly.time as string[]).map((time) => `${days[0]}${time.slice(10)}`) },
    daily: { ...daily, time: [...days] },
  };
  return JSON.stringify(body, null, 2);
}

/** The recorded location of the Open-Meteo response (Enschede), at the 1e-4 degree the contracts take. */
export const RECORDED_WEATHER_POINT = {
  latitudeE4: Math.round((OPEN_METEO_RECORD.latitude as number) * 1e4),
  longitudeE4: Math.round((OPEN_METEO_RECORD.longitude as number) * 1e4),
};

/** Where each provider lives on the replay server, under a `source` (what one set of nodes is told). */
export const replayPaths = {
  aeroApiBase: (source: string) => `/${source}/aeroapi`,
  aeroApiFlight: (source: string, flight: TestFlight) =>
    `/${source}/aeroapi/flights/${flight.carrier}${flight.flightNumber}`,
  aviationstackBase: (source: string) => `/${source}/aviationstack`,
  aviationstackFlights: (source: string) => `/${source}/aviationstack/v1/flights`,
  openMeteoBase: (source: string) => `/${source}/open-meteo`,
  openMeteoArchiveBase: (source: string) => `/${source}/open-meteo-archive`,
  openMeteoForecast: (source: string) => `/${source}/open-meteo/v1/forecast`,
};

/** Serves what both flight providers of `source` say about `flight`; returns the bodies served. */
export function serveFlight(
  replay: ReplayServer,
  flight: TestFlight,
  outcome: FlightOutcome,
  source = 'truth',
): { aeroApi: string; aviationstack: string } {
  const aeroApi = aeroApiBody(flight, outcome);
  const aviationstack = aviationstackBody(flight, outcome);
  replay.serve(replayPaths.aeroApiFlight(source, flight), recorded(aeroApi));
  replay.serve(replayPaths.aviationstackFlights(source), recorded(aviationstack), {
    flight_iata: `${flight.carrier}${flight.flightNumber}`,
  });
  return { aeroApi, aviationstack };
}

// -------------------------------------------------------------------------------------------------------------------
// Nodes
// -------------------------------------------------------------------------------------------------------------------

export type FlightProviderChoice = 'flightaware' | 'aviationstack';

export interface TestNodeOptions {
  name: string;
  /** The node's ORACLE key: a wallet, or the index (0-2) of a local ORACLE party. */
  oracle: number | Wallet;
  /** Replay server prefix the node's providers read from (what this node is told). Default `truth`. */
  source?: string;
  flightProviders?: FlightProviderChoice[];
  weather?: boolean;
  /** A new file under `<network dir>/nodes/` by default; give a node's file to restart it over its state. */
  stateFile?: string;
  /** First block scanned for feeds on a fresh state; default the latest block now. */
  fromBlock?: number;
  schedule?: Partial<NodeSchedule>;
  http?: { timeoutMs?: number; retries?: number; backoffMs?: number; minIntervalMs?: number };
  zeroGasPrice?: boolean;
  /** Wraps the node's signer, e.g. to make sending fail. */
  wrapSigner?: (wallet: Wallet) => Signer;
  /** Receives the node's log lines (standard error otherwise). */
  log?: (line: string) => void;
  /** Serve GET /health, /metrics, /disagreements on a free port. Default true. */
  serve?: boolean;
}

/** An in-process oracle node and what it is made of. */
export interface TestNode {
  name: string;
  address: string;
  node: OracleNode;
  state: NodeState;
  metrics: NodeMetrics;
  stateFile: string;
  /** `http://127.0.0.1:<port>` of its operations endpoint, when served. */
  url: string | undefined;
  /** Stops the node after its pass under way and closes its state, endpoint and provider. */
  stop(): Promise<void>;
}

export const TEST_SCHEDULE: NodeSchedule = {
  flightGraceSeconds: 0,
  weatherLagSeconds: 0,
  retrySeconds: 1,
  batchSize: 50,
  logRange: 5_000,
};

export const TEST_TOLERANCES: NodeTolerances = {
  delayMinutes: 5,
  precipitationMm: 0.5,
  temperatureC: 0.5,
  windKmh: 2,
};

// -------------------------------------------------------------------------------------------------------------------
// The network
// -------------------------------------------------------------------------------------------------------------------

export interface OracleNetworkOptions {
  /** Further anvil options, e.g. a free-gas network (the chain always mines a block every second too). */
  chainArgs?: string[];
  /** A replay server to share; one is started (and closed with the network) otherwise. */
  replay?: ReplayServer;
}

export interface IssuedPolicy {
  policyId: bigint;
  documentHash: string;
}

type Party = LocalParty & { signer: NonceManager };

/** A local chain with PolicyLedger deployed, a replay server and the oracle nodes started on it. */
export class OracleNetwork {
  readonly nodes = new Set<TestNode>();
  readonly hub: OracleHub;
  readonly flightProduct: FlightDelayProduct;
  readonly weatherProduct: WeatherIndexProduct;
  readonly stablecoin: MockStablecoin;
  readonly pool: RiskPool;
  readonly treaty: ReinsuranceTreaty;
  readonly clock: ChainClock;
  readonly parties: Record<'adminA' | 'adminB' | 'insurer' | 'reinsurer' | 'client', Party> & { oracles: Party[] };
  private documents = 0;
  private registered = 1000;
  private stateFiles = 0;

  private constructor(
    readonly dir: string,
    readonly chain: LocalChain,
    readonly deployment: Deployment,
    readonly provider: JsonRpcProvider,
    readonly replay: ReplayServer,
    private readonly ownsReplay: boolean,
  ) {
    const required = (name: keyof Deployment): string => {
      const address = deployment[name];
      if (typeof address !== 'string') throw new Error(`the local deployment has no ${name}`);
      return address;
    };
    this.hub = OracleHub__factory.connect(deployment.oracleHub, provider);
    this.flightProduct = FlightDelayProduct__factory.connect(required('flightDelayProduct'), provider);
    this.weatherProduct = WeatherIndexProduct__factory.connect(required('weatherIndexProduct'), provider);
    this.stablecoin = MockStablecoin__factory.connect(required('stablecoin'), provider);
    this.pool = RiskPool__factory.connect(required('riskPool'), provider);
    this.treaty = ReinsuranceTreaty__factory.connect(required('reinsuranceTreaty'), provider);
    this.clock = new ChainClock(provider);
    const all = localParties(provider);
    const byName = (role: LocalParty['role']) => all.filter((party) => party.role === role);
    const [adminA, adminB] = byName('ADMIN');
    const [insurer] = byName('INSURER');
    const [reinsurer] = byName('REINSURER');
    const [client] = byName('CLIENT');
    if (!adminA || !adminB || !insurer || !reinsurer || !client) throw new Error('the local consortium is incomplete');
    this.parties = { adminA, adminB, insurer, reinsurer, client, oracles: byName('ORACLE') };
  }

  /** Starts anvil on a free port in a temporary folder, deploys the ledger with its local parties, starts replay. */
  static async start(options: OracleNetworkOptions = {}): Promise<OracleNetwork> {
    const dir = mkdtempSync(path.join(tmpdir(), 'policyledger-oracle-'));
    let chain: LocalChain | undefined;
    try {
      // On a port the system picks. deployLocal reuses the chain started for its data folder: it is started first,
      // with the network's options.
      chain = await startLocalChain({
        stateDir: path.join(dir, 'chain'),
        host: '127.0.0.1',
        port: 0,
        chainId: 31337,
        extraArgs: options.chainArgs ?? [],
      });
      const port = Number(new URL(chain.rpcUrl).port);
      const local = await deployLocal({ dataDir: dir, host: '127.0.0.1', port, chainId: 31337 });
      // Unbatched, so that setup transactions and reads go out at once rather than after a batching pause, and
      // uncached, so that what the tests read is the chain's state now, not a recent answer to the same call.
      const provider = new JsonRpcProvider(chain.rpcUrl, undefined, {
        staticNetwork: true,
        batchMaxCount: 1,
        cacheTimeout: -1,
        pollingInterval: 50,
      });
      const replay = options.replay ?? (await ReplayServer.start());
      const network = new OracleNetwork(dir, chain, local.deployment, provider, replay, options.replay === undefined);
      await network.clock.sync();
      return network;
    } catch (error) {
      await chain?.stop();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get rpcUrl(): string {
    return this.chain.rpcUrl;
  }

  /** Stops every node, the replay server (when owned) and the chain, and deletes the folder. */
  async stop(): Promise<void> {
    await Promise.all([...this.nodes].map((node) => node.stop()));
    if (this.ownsReplay) await this.replay.close();
    this.provider.destroy();
    await this.chain.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The client's plUSD balance. */
  async clientBalance(): Promise<bigint> {
    return this.stablecoin.balanceOf(this.parties.client.wallet.address);
  }

  /**
   * Anchors the policy wording with the hash of `policyTerms`, has the insurer co-sign it and the client co-sign it
   * over the terms themselves (as its wallet shows them); returns its document hash.
   */
  private async anchorPolicyDocument(wording: string, termsHash: string, policyTerms: PolicyTerms): Promise<string> {
    const policyRef = `PL-E2E-${++this.documents}`;
    const bytes = Buffer.from(`Policy ${policyRef}. ${wording}`);
    const documentHash = sha256(bytes);
    const documentsDir = path.join(this.dir, 'documents');
    mkdirSync(documentsDir, { recursive: true });
    writeFileSync(path.join(documentsDir, `${documentHash.slice(2)}.txt`), bytes);
    const { insurer, client } = this.parties;
    await anchorAndCoSign(
      { deployment: this.deployment, provider: this.provider, signer: insurer.signer },
      {
        documentHash,
        termsHash,
        documentType: 0, // Policy
        retentionClass: 2,
        policyRef,
        storagePointer: `file:documents/${documentHash.slice(2)}.txt`,
        requiredSigners: [insurer.wallet.address, client.wallet.address],
      },
      [insurer.signer, client.signer],
      policyTerms,
    );
    return documentHash;
  }

  /** Flight delay terms for the local client: 15 / 45 / 120-minute tiers, cancellation and diversion payouts. */
  flightTerms(flight: TestFlight): IFlightDelayProduct.FlightDelayTermsStruct {
    return {
      policyholder: this.parties.client.wallet.address,
      carrier: flight.carrier,
      flightNumber: flight.flightNumber,
      departureDate: flight.departureDate,
      scheduledDeparture: flight.scheduledDeparture,
      scheduledArrival: flight.scheduledArrival,
      coverageStart: flight.scheduledDeparture,
      coverageEnd: flight.scheduledArrival + DAY,
      delayTierMinutes: [15, 45, 120],
      delayTierPayouts: [usd(50), usd(150), usd(400)],
      cancellationPayout: usd(250),
      diversionPayout: usd(200),
      sumInsured: usd(400),
      premium: usd(10),
      cancellationRefundBps: 0,
    };
  }

  /**
   * Issues a flight delay policy the way an insurer does: wording anchored and co-signed, then `issue` on `product`
   * (the deployment's flight product unless another is given).
   */
  async issueFlightPolicy(
    flight: TestFlight,
    changes: Partial<IFlightDelayProduct.FlightDelayTermsStruct> = {},
    product: FlightDelayProduct = this.flightProduct,
  ): Promise<IssuedPolicy> {
    const terms = { ...this.flightTerms(flight), ...changes };
    const termsHash = TypedDataEncoder.hashStruct('FlightDelayTerms', FLIGHT_DELAY_TERMS_TYPES, terms);
    return this.resettingNoncesOnFailure(async () => {
      const documentHash = await this.anchorPolicyDocument(
        `Flight delay policy ${flight.carrier}${flight.flightNumber} departing ${flight.departureDate}, ` +
          `held by ${this.parties.client.name}. Terms (EIP-712 FlightDelayTerms) hash ${termsHash}.\n`,
        termsHash,
        { termsType: TermsType.FlightDelay, terms },
      );
      await (await product.connect(this.parties.insurer.signer).issue(terms, documentHash)).wait();
      return { policyId: await product.policyOfDocument(documentHash), documentHash };
    });
  }

  /**
   * Runs a sequence of the parties' transactions. A nonce manager counts a nonce before the chain accepts the
   * transaction; when one is refused (e.g. a policy the product's rules refuse), the counts are undone, so that it
   * leaves no gap holding back every later transaction of that party (and so every later test).
   */
  private async resettingNoncesOnFailure<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      for (const party of [this.parties.insurer, this.parties.client]) party.signer.reset();
      throw error;
    }
  }

  /**
   * Deploys a second flight delay product on the insurer's pool, as another product line of the same insurer: the
   * deployment's settings except those given. It is made a consumer of the hub and wired into the pool with the
   * insurer's and the treaty's reinsurer's consent, under dual control.
   */
  async deployFlightProduct(settings: { dataGracePeriod: number }): Promise<FlightDelayProduct> {
    const { adminA, adminB, insurer, reinsurer } = this.parties;
    const [, delayToleranceMinutes] = await this.flightProduct.feedSettings();
    const deployed = await new FlightDelayProduct__factory(adminA.signer).deploy(
      this.deployment.consortiumAccess,
      this.deployment.oracleHub,
      this.deployment.evidenceRegistry,
      await this.pool.getAddress(),
      await this.flightProduct.settlementBatchSize(),
      settings.dataGracePeriod,
      delayToleranceMinutes,
    );
    await deployed.waitForDeployment();
    const product = await deployed.getAddress();
    const riskPool = await this.pool.getAddress();
    for (const party of [insurer, reinsurer]) await consentToWiring(party.signer, riskPool, [product]);
    const admins = {
      consortiumAccess: this.deployment.consortiumAccess,
      proposer: adminA.signer,
      approver: adminB.signer,
    };
    await setHubConsumer(admins, this.deployment.oracleHub, product, true);
    await setPoolProduct(admins, riskPool, product, true);
    return FlightDelayProduct__factory.connect(product, this.provider);
  }

  /**
   * Weather terms: daily precipitation summed over `startDate`..`endDate` at the recorded point, paying linearly from
   * 10 mm (nothing) to 40 mm (the sum insured, 3,000 plUSD).
   */
  weatherTerms(startDate: number, endDate: number): IWeatherIndexProduct.WeatherIndexTermsStruct {
    return {
      policyholder: this.parties.client.wallet.address,
      ...RECORDED_WEATHER_POINT,
      stationId: '',
      metric: WeatherMetric.PrecipitationSum,
      startDate,
      endDate,
      aggregation: Aggregation.Sum,
      dayThreshold: 0,
      trigger: 1_000,
      exit: 4_000,
      stepThresholds: [],
      stepPayouts: [],
      sumInsured: usd(3_000),
      premium: usd(150),
      cancellationRefundBps: 0,
    };
  }

  async issueWeatherPolicy(
    terms: IWeatherIndexProduct.WeatherIndexTermsStruct,
  ): Promise<IssuedPolicy & { dayFeeds: string[] }> {
    const termsHash = TypedDataEncoder.hashStruct('WeatherIndexTerms', WEATHER_INDEX_TERMS_TYPES, terms);
    const documentHash = await this.resettingNoncesOnFailure(async () => {
      const anchored = await this.anchorPolicyDocument(
        `Rainfall index policy from ${String(terms.startDate)} to ${String(terms.endDate)}, held by ` +
          `${this.parties.client.name}. Terms (EIP-712 WeatherIndexTerms) hash ${termsHash}.\n`,
        termsHash,
        { termsType: TermsType.WeatherIndex, terms },
      );
      await (await this.weatherProduct.connect(this.parties.insurer.signer).issue(terms, anchored)).wait();
      return anchored;
    });
    const dayFeeds: string[] = [];
    for (let day = dayOf(Number(terms.startDate)); day <= dayOf(Number(terms.endDate)); day += DAY) {
      dayFeeds.push(
        weatherFeedId(
          Number(terms.latitudeE4),
          Number(terms.longitudeE4),
          String(terms.stationId),
          Number(terms.metric),
          yyyymmdd(day),
        ),
      );
    }
    return { policyId: await this.weatherProduct.policyOfDocument(documentHash), documentHash, dayFeeds };
  }

  /** The private key of a local ORACLE party as a plain wallet on its own provider. */
  oracleWallet(index: number, provider: JsonRpcProvider = this.provider): Wallet {
    const party = this.parties.oracles[index];
    if (party === undefined) throw new Error(`there is no local ORACLE party ${index}`);
    return new Wallet(party.wallet.privateKey, provider);
  }

  /**
   * Builds an oracle node over its own provider, state file and providers, and serves its operations endpoint; the
   * caller runs its passes (`runOnce`) or starts its polling (`start`).
   */
  async createNode(options: TestNodeOptions): Promise<TestNode> {
    // The provider options `startOracleNode` gives a node.
    const provider = new JsonRpcProvider(this.rpcUrl, undefined, { pollingInterval: 250, cacheTimeout: -1 });
    const key = typeof options.oracle === 'number' ? this.oracleWallet(options.oracle) : options.oracle;
    const wallet = new Wallet(key.privateKey, provider);
    const signer = options.wrapSigner?.(wallet) ?? wallet;
    const stateFile = options.stateFile ?? path.join(this.dir, 'nodes', `${options.name}-${++this.stateFiles}.sqlite`);
    const state = new NodeState(stateFile);
    const metrics = new NodeMetrics(options.name);
    const source = options.source ?? 'truth';
    const http = {
      timeoutMs: options.http?.timeoutMs ?? 2_000,
      retries: options.http?.retries ?? 1,
      backoffMs: options.http?.backoffMs ?? 20,
      minIntervalMs: options.http?.minIntervalMs ?? 0,
    };
    const flightProviders: FlightProvider[] = (options.flightProviders ?? ['flightaware']).map((name) =>
      createFlightProvider(name, {
        baseUrl:
          this.replay.url +
          (name === 'flightaware' ? replayPaths.aeroApiBase(source) : replayPaths.aviationstackBase(source)),
        apiKey: 'replay-key',
        ...http,
      }),
    );
    const weatherProviders: WeatherProvider[] =
      options.weather === true
        ? [
            createWeatherProvider('open-meteo', {
              baseUrl: this.replay.url + replayPaths.openMeteoBase(source),
              archiveBaseUrl: this.replay.url + replayPaths.openMeteoArchiveBase(source),
              ...http,
            }),
          ]
        : [];
    const node = new OracleNode({
      name: options.name,
      signer,
      provider,
      state,
      metrics,
      contracts: {
        oracleHub: this.deployment.oracleHub,
        flightDelayProduct: this.deployment.flightDelayProduct,
        weatherIndexProduct: this.deployment.weatherIndexProduct,
      },
      fromBlock: options.fromBlock ?? (await this.provider.getBlockNumber()),
      flightProviders,
      weatherProviders,
      schedule: { ...TEST_SCHEDULE, ...options.schedule },
      tolerances: TEST_TOLERANCES,
      zeroGasPrice: options.zeroGasPrice ?? false,
      submitGasLimit: 15_000_000,
      receiptTimeoutMs: 10_000,
      ...(options.log === undefined ? {} : { log: options.log }),
    });
    let server: Server | undefined;
    let url: string | undefined;
    if (options.serve ?? true) {
      server = createNodeServer(node, state, metrics);
      url = `http://127.0.0.1:${await listen(server, '127.0.0.1', 0)}`;
    }
    let stopped = false;
    const testNode: TestNode = {
      name: options.name,
      address: wallet.address,
      node,
      state,
      metrics,
      stateFile,
      url,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        this.nodes.delete(testNode);
        await node.stop();
        if (server !== undefined) {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        }
        state.close();
        provider.destroy();
      },
    };
    this.nodes.add(testNode);
    return testNode;
  }

  /** Stops the given nodes (all when none is named). */
  async stopNodes(nodes: Iterable<TestNode> = [...this.nodes]): Promise<void> {
    await Promise.all([...nodes].map((node) => node.stop()));
  }

  /** Registers a fresh key as an ORACLE party through dual control (ADMINs 0 and 1); returns the wallet. */
  async registerOracle(legalName: string): Promise<Wallet> {
    const fresh = Wallet.createRandom();
    const { adminA, adminB } = this.parties;
    const { consortiumAccess } = this.deployment;
    await registerParty(adminA.signer, consortiumAccess, {
      account: fresh.address,
      legalName,
      identifier: `5493000E2EORACLE${++this.registered}`,
      encryptionPublicKey: fresh.publicKey,
    });
    await grantRole({ consortiumAccess, proposer: adminA.signer, approver: adminB.signer }, 'ORACLE', fresh.address);
    return new Wallet(fresh.privateKey);
  }
}

function dayOf(date: number): number {
  const text = String(date);
  return Date.parse(`${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T00:00:00Z`) / 1000;
}

/** Polls `condition` every `intervalMs` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
