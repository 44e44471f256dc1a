/**
 * The oracle network's actions: the feeds the products register (what nodes must observe, and by when), the hub's
 * announcements and closures, signing an observation, and submitting it.
 *
 * - Event reads take an explicit block range, as a node scanning the chain in steps does; results come in log order.
 * - Submitting is split as viem splits `simulateContract` / `writeContract` / `waitForTransactionReceipt`: a node
 *   records the transaction hash before it waits, so that a crash in between neither loses nor repeats the report.
 */
import type { BigNumberish } from 'ethers';
import {
  FlightDelayProduct__factory,
  OracleHub__factory,
  WeatherIndexProduct__factory,
} from '../../types/ethers-contracts/index.js';
import { domainOf, OBSERVATION_TYPES, ORACLE_HUB_DOMAIN_NAME } from '../shared/eip712.js';
import { requireSigner, type LedgerClient } from './client.js';
import type { Deployment } from './deploy.js';
import { withDecodedErrors } from './errors.js';
import { sendTransaction, type SendOptions, type SentTransaction } from './transactions.js';

/** What the oracle actions need of a client: the hub and the products whose feeds it serves. */
export type OracleClient = Omit<LedgerClient, 'deployment'> & {
  deployment: Pick<Deployment, 'oracleHub' | 'flightDelayProduct' | 'weatherIndexProduct'>;
};

/** Blocks `fromBlock`..`toBlock`, both included. */
export interface BlockRange {
  fromBlock: number;
  toBlock: number;
}

/** A flight feed a flight delay policy registered (`FlightFeedRegistered`). */
export interface FlightFeedRegistration {
  feedId: string;
  carrier: string;
  flightNumber: string;
  /** yyyymmdd (UTC) of the scheduled departure. */
  departureDate: number;
  /** Unix seconds. */
  scheduledArrival: number;
  /** Unix seconds after which the hub takes no report. */
  dataDeadline: number;
}

/** A weather feed (one day of one location and metric) a weather index policy registered (`WeatherFeedRegistered`). */
export interface WeatherFeedRegistration {
  feedId: string;
  latitudeE4: number;
  longitudeE4: number;
  /** Empty for a grid point. */
  stationId: string;
  /** `IWeatherIndexProduct.WeatherMetric` number. */
  metric: number;
  /** yyyymmdd (UTC). */
  date: number;
  dataDeadline: number;
}

/** An observation as the hub takes it (`IOracleHub.Observation`). */
export interface OracleObservation {
  feedId: string;
  oracle: string;
  /** `IOracleHub.ObservationStatus` number. */
  status: number;
  value: BigNumberish;
  /** Unix seconds. */
  observedAt: number;
  /** SHA-256 of the provider responses the observation rests on. */
  payloadHash: string;
}

/** A signed observation, ready to submit. */
export interface OracleReport {
  observation: OracleObservation;
  signature: string;
}

/** A report the hub holds for a feed (`IOracleHub.Report`). */
export interface HubReport {
  oracle: string;
  status: number;
  observedAt: number;
  value: bigint;
  payloadHash: string;
}

function requireAddress(client: OracleClient, name: 'flightDelayProduct' | 'weatherIndexProduct'): string {
  const address = client.deployment[name];
  if (address === undefined) throw new Error(`the deployment has no ${name}`);
  return address;
}

function hubOf(client: OracleClient) {
  return OracleHub__factory.connect(client.deployment.oracleHub, client.provider);
}

function observationStruct(observation: OracleObservation) {
  return { ...observation, value: BigInt(observation.value) };
}

/** The flight feeds the flight delay product registered in `range`. */
export async function flightFeedsRegistered(
  client: OracleClient,
  range: BlockRange,
): Promise<FlightFeedRegistration[]> {
  const product = FlightDelayProduct__factory.connect(requireAddress(client, 'flightDelayProduct'), client.provider);
  const events = await product.queryFilter(product.filters.FlightFeedRegistered(), range.fromBlock, range.toBlock);
  return events.map(({ args }) => ({
    feedId: args.feedId,
    carrier: args.carrier,
    flightNumber: args.flightNumber,
    departureDate: Number(args.departureDate),
    scheduledArrival: Number(args.scheduledArrival),
    dataDeadline: Number(args.dataDeadline),
  }));
}

/** The weather feeds the weather index product registered in `range`. */
export async function weatherFeedsRegistered(
  client: OracleClient,
  range: BlockRange,
): Promise<WeatherFeedRegistration[]> {
  const product = WeatherIndexProduct__factory.connect(requireAddress(client, 'weatherIndexProduct'), client.provider);
  const events = await product.queryFilter(product.filters.WeatherFeedRegistered(), range.fromBlock, range.toBlock);
  return events.map(({ args }) => ({
    feedId: args.feedId,
    latitudeE4: Number(args.latitudeE4),
    longitudeE4: Number(args.longitudeE4),
    stationId: args.stationId,
    metric: Number(args.metric),
    date: Number(args.date),
    dataDeadline: Number(args.dataDeadline),
  }));
}

/**
 * The data deadlines the hub announced in `range` (`FeedRegistered`), oldest first: at a feed's first registration
 * and again whenever a later registration moves it, so the last one of a feed holds.
 */
export async function feedDeadlinesAnnounced(
  client: OracleClient,
  range: BlockRange,
): Promise<{ feedId: string; dataDeadline: number }[]> {
  const hub = hubOf(client);
  const events = await hub.queryFilter(hub.filters.FeedRegistered(), range.fromBlock, range.toBlock);
  return events.map(({ args }) => ({ feedId: args.feedId, dataDeadline: Number(args.dataDeadline) }));
}

/** The feeds the hub closed in `range`: finalised, resolved by hand, or expired. */
export async function feedsClosed(client: OracleClient, range: BlockRange): Promise<string[]> {
  const hub = hubOf(client);
  const closed = [
    ...(await hub.queryFilter(hub.filters.ObservationFinalised(), range.fromBlock, range.toBlock)),
    ...(await hub.queryFilter(hub.filters.FeedResolved(), range.fromBlock, range.toBlock)),
    ...(await hub.queryFilter(hub.filters.FeedExpired(), range.fromBlock, range.toBlock)),
  ];
  return closed.map((event) => event.args.feedId);
}

/** The reports the hub holds for `feedId`. */
export async function reportsOf(client: OracleClient, feedId: string): Promise<HubReport[]> {
  const reports = await hubOf(client).getReports(feedId);
  return reports.map((report) => ({
    oracle: report.oracle,
    status: Number(report.status),
    observedAt: Number(report.observedAt),
    value: report.value,
    payloadHash: report.payloadHash,
  }));
}

/**
 * Signs `observation` with the client's signer (an ORACLE party) as the hub's EIP-712 `Observation`. `chainId` saves
 * asking the chain when the caller knows it.
 */
export async function signObservation(
  client: OracleClient,
  observation: OracleObservation,
  chainId?: bigint,
): Promise<string> {
  const signer = requireSigner(client, 'signObservation');
  const chain = chainId ?? (await client.provider.getNetwork()).chainId;
  return signer.signTypedData(
    domainOf(ORACLE_HUB_DOMAIN_NAME, chain, client.deployment.oracleHub),
    OBSERVATION_TYPES,
    observation,
  );
}

/**
 * Whether the hub would take `report` now: resolves when it would, throws a `LedgerError` named after the hub's
 * error (`OracleHubFeedNotOpen`, `OracleHubStaleReport`…) when it would not.
 */
export async function simulateReport(client: OracleClient, report: OracleReport): Promise<void> {
  const hub = OracleHub__factory.connect(client.deployment.oracleHub, requireSigner(client, 'simulateReport'));
  await withDecodedErrors('submitReport', () =>
    hub.submitReport.staticCall(observationStruct(report.observation), report.signature),
  );
}

/**
 * Sends `report` to the hub with the client's signer; resolves once the node accepted the transaction, with its
 * hash and nonce (`wait()` for the receipt). A report completing the quorum also settles the first batch of
 * policies: give such reports a generous `gasLimit`.
 */
export async function submitReport(
  client: OracleClient,
  report: OracleReport,
  options?: SendOptions,
): Promise<SentTransaction> {
  const hub = hubOf(client);
  return sendTransaction(
    client,
    'submitReport',
    hub.submitReport.populateTransaction(observationStruct(report.observation), report.signature),
    options,
  );
}
