/**
 * The oracle hub as its operators see it: each feed with its reports and where it stands (awaiting data, overdue,
 * disputed…), and the calls that act on it — a dispute or a manual resolution (dual control: calls a proposal makes),
 * an expiry (anyone may send it).
 *
 * Feeds are found from the hub's `FeedRegistered` events since the deployment block and read from the hub's state at
 * the latest block: a plain chain read, no index.
 */
import { getAddress } from 'ethers';
import { OracleHub__factory, type OracleHub } from '../../types/ethers-contracts/index.js';
import { ObservationStatus, type ObservationStatusName } from '../shared/eip712.js';
import type { LedgerClient } from './client.js';
import type { CallRequest } from './consortium-transactions.js';
import type { Deployment } from './deploy.js';
import { withDecodedErrors } from './errors.js';
import { reportsOf } from './oracle.js';

/** `IOracleHub.FeedState`, by number. */
const FEED_STATES = ['None', 'Open', 'Finalised', 'Disputed', 'Resolved', 'Expired'] as const;
type FeedStateName = (typeof FEED_STATES)[number];

/**
 * Where a feed stands for its operators: `awaiting` reports before its data deadline, `overdue` without a quorum after
 * it (resolvable by hand, then expirable), `disputed` set aside after finalisation; `finalised`, `resolved`, `expired`
 * are done.
 */
export const FEED_PHASES = ['awaiting', 'overdue', 'disputed', 'finalised', 'resolved', 'expired'] as const;
export type FeedPhase = (typeof FEED_PHASES)[number];

const STATUS_NAMES = Object.keys(ObservationStatus) as ObservationStatusName[];

export interface FeedReportRecord {
  oracle: string;
  status: ObservationStatusName;
  value: bigint;
  observedAt: number;
  payloadHash: string;
}

export interface FeedRecord {
  feedId: string;
  phase: FeedPhase;
  consumers: string[];
  dataDeadline: number;
  tolerance: bigint;
  /** The outcome, once finalised (and not disputed) or resolved. */
  outcome: { status: ObservationStatusName; value: bigint; finalisedAt: number } | null;
  /** Until when ADMINs may dispute a finalised outcome (null when it was not finalised by a quorum). */
  disputeWindowEndsAt: number | null;
  disputedAt: number | null;
  /** After this time anyone may expire the feed (overdue or disputed feeds only). */
  expirableAfter: number | null;
  reports: FeedReportRecord[];
}

function hubOf(client: LedgerClient): OracleHub {
  return OracleHub__factory.connect(client.deployment.oracleHub, client.provider);
}

/** Every feed id the hub registered, in order of first registration. */
export async function registeredFeedIds(client: LedgerClient): Promise<string[]> {
  const hub = hubOf(client);
  const events = await hub.queryFilter(hub.filters.FeedRegistered(), client.deployment.blockNumber);
  return [...new Set(events.map((event) => event.args.feedId.toLowerCase()))];
}

/** Feed `feedId` as of the latest block; null when the hub never registered it. */
export async function readFeed(client: LedgerClient, feedId: string): Promise<FeedRecord | null> {
  return (await readFeeds(client, [feedId]))[0] ?? null;
}

/** Feeds `feedIds` as of the latest block (unregistered ids left out). */
export async function readFeeds(client: LedgerClient, feedIds: string[]): Promise<FeedRecord[]> {
  const hub = hubOf(client);
  const [now, settings] = await Promise.all([chainTime(client), hub.settings()]);
  const resolutionPeriod = Number(settings.resolutionPeriod);
  const records = await Promise.all(
    feedIds.map(async (feedId): Promise<FeedRecord | null> => {
      const feed = await withDecodedErrors('getFeed', () => hub.getFeed(feedId));
      const state: FeedStateName = FEED_STATES[Number(feed.state)] ?? 'None';
      if (state === 'None') return null;
      const [consumers, reports] = await Promise.all([hub.feedConsumers(feedId), reportsOf(client, feedId)]);
      const dataDeadline = Number(feed.dataDeadline);
      const finalisedAt = Number(feed.finalisedAt);
      const disputedAt = Number(feed.disputedAt);
      const phase = phaseOf(state, now, dataDeadline);
      // A disputed feed's outcome was set aside: it has none until resolved (its reports stay).
      const hasOutcome = state === 'Finalised' || state === 'Resolved';
      return {
        feedId: feedId.toLowerCase(),
        phase,
        consumers: consumers.map((consumer) => getAddress(consumer)),
        dataDeadline,
        tolerance: feed.tolerance,
        outcome: hasOutcome
          ? { status: STATUS_NAMES[Number(feed.status)] ?? 'None', value: feed.value, finalisedAt }
          : null,
        disputeWindowEndsAt: finalisedAt > 0 && state !== 'Resolved' ? finalisedAt + Number(feed.disputeWindow) : null,
        disputedAt: disputedAt > 0 ? disputedAt : null,
        expirableAfter:
          state === 'Open'
            ? dataDeadline + resolutionPeriod
            : state === 'Disputed'
              ? disputedAt + resolutionPeriod
              : null,
        reports: reports.map((report) => ({
          oracle: getAddress(report.oracle),
          status: STATUS_NAMES[report.status] ?? 'None',
          value: report.value,
          observedAt: report.observedAt,
          payloadHash: report.payloadHash.toLowerCase(),
        })),
      };
    }),
  );
  return records.filter((record): record is FeedRecord => record !== null);
}

function phaseOf(state: FeedStateName, now: number, dataDeadline: number): FeedPhase {
  switch (state) {
    case 'Open':
      return now > dataDeadline ? 'overdue' : 'awaiting';
    case 'Disputed':
      return 'disputed';
    case 'Finalised':
      return 'finalised';
    case 'Resolved':
      return 'resolved';
    default:
      return 'expired';
  }
}

async function chainTime(client: LedgerClient): Promise<number> {
  const block = await client.provider.getBlock('latest');
  return block?.timestamp ?? Math.floor(Date.now() / 1000);
}

/** The hub call a dispute proposal makes: sets `feedId`'s finalised outcome aside. */
export function disputeFeedCall(deployment: Deployment, feedId: string): CallRequest {
  return { to: deployment.oracleHub, data: hubInterface.encodeFunctionData('dispute', [feedId]) };
}

/** The hub call a manual resolution proposal makes. */
export function resolveFeedCall(
  deployment: Deployment,
  feedId: string,
  outcome: { status: ObservationStatusName; value: bigint },
): CallRequest {
  const data = hubInterface.encodeFunctionData('resolve', [feedId, ObservationStatus[outcome.status], outcome.value]);
  return { to: deployment.oracleHub, data };
}

/** The hub call that expires a feed left without outcome past its resolution period (anyone may send it). */
export function expireFeedRequest(deployment: Deployment, feedId: string): CallRequest {
  return { to: deployment.oracleHub, data: hubInterface.encodeFunctionData('expire', [feedId]) };
}

const hubInterface = OracleHub__factory.createInterface();
