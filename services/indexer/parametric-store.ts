/** The parametric side's reads, over either SQL backend (the same queries, so both give the same answers). */
import { parsePolicyId } from '../ledger/policy-ids.js';
import { getAddress } from 'ethers';
import { numberOf, textOrNull, type SqlDialect, type SqlExecutor, type SqlRow, type SqlValue } from './sql.js';
import {
  type EventFilter,
  type IndexedCession,
  type IndexedFeed,
  type IndexedFeedReport,
  type IndexedPolicy,
  type IndexedSettlement,
  type ObservationStatusName,
  type PolicyFilter,
  type PolicyStatusName,
  type ProductKind,
  type WeatherMetricName,
  type FeedStateName,
} from './parametric-types.js';
import { InvalidCursorError, InvalidFilterError, type ChainEvent, type ChainEventName } from './types.js';

/** The largest page any list returns, whatever the caller asks. */
export const MAX_LIST_SIZE = 500;

const bounded = (limit: number) => Math.max(1, Math.min(MAX_LIST_SIZE, Math.floor(limit)));

/** `<blockNumber>-<logIndex>` as its two numbers (throws for anything else). */
type EventIdParser = (eventId: string) => { blockNumber: number; logIndex: number };

/** Events in chain order after `sinceId`, about the policy, feed and document given. */
export async function filteredEvents(
  db: SqlExecutor,
  filter: EventFilter,
  parseId: EventIdParser,
): Promise<ChainEvent[]> {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  if (filter.sinceId !== undefined) {
    const since = parseId(filter.sinceId);
    conditions.push('(e.block_number, e.log_index) > (?, ?)');
    params.push(since.blockNumber, since.logIndex);
  }
  if (filter.policyId !== undefined) {
    // The policy's own events, its document's, and what its feeds did (events about a feed and no other policy).
    conditions.push(`(e.policy_id = ?
      OR e.document_hash IN (SELECT document_hash FROM chain_policies WHERE policy_key = ?)
      OR (e.policy_id IS NULL AND e.feed_id IN (SELECT feed_id FROM chain_policy_feeds WHERE policy_key = ?)))`);
    params.push(filter.policyId, filter.policyId, filter.policyId);
  }
  if (filter.feedId !== undefined) {
    conditions.push('e.feed_id = ?');
    params.push(filter.feedId.toLowerCase());
  }
  if (filter.documentHash !== undefined) {
    conditions.push('e.document_hash = ?');
    params.push(filter.documentHash.toLowerCase());
  }
  const rows = await db.all(
    `SELECT e.* FROM chain_events e ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}
     ORDER BY e.block_number, e.log_index LIMIT ?`,
    [...params, bounded(filter.limit)],
  );
  return rows.map(eventOf);
}

export function eventOf(row: SqlRow): ChainEvent {
  return {
    id: String(row.id),
    contract: String(row.contract),
    name: String(row.name),
    blockNumber: numberOf(row.block_number),
    blockTime: String(row.block_time),
    transactionHash: String(row.transaction_hash),
    logIndex: numberOf(row.log_index),
    about: {
      policyId: textOrNull(row.policy_id),
      feedId: textOrNull(row.feed_id),
      documentHash: textOrNull(row.document_hash),
    },
    args: JSON.parse(String(row.args)) as unknown,
  } as ChainEvent;
}

export async function policyByKey(db: SqlExecutor, id: string): Promise<IndexedPolicy | null> {
  const [row] = await db.all('SELECT * FROM chain_policies WHERE policy_key = ?', [id]);
  return row === undefined ? null : policyOf(row);
}

/** A page of policies in issue order, with the cursor of the next. */
export async function listPolicies(
  db: SqlExecutor,
  filter: PolicyFilter,
  page: { cursor?: string; limit: number },
): Promise<{ items: IndexedPolicy[]; nextCursor: string | null }> {
  const limit = bounded(page.limit);
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  const where = (condition: string, ...values: SqlValue[]) => {
    conditions.push(condition);
    params.push(...values);
  };
  if (filter.kind !== undefined) where('p.kind = ?', filter.kind);
  if (filter.status !== undefined) where('p.status = ?', filter.status);
  if (filter.holder !== undefined) where('p.holder = ?', getAddress(filter.holder.toLowerCase()));
  if (filter.feedId !== undefined) {
    where('p.policy_key IN (SELECT policy_key FROM chain_policy_feeds WHERE feed_id = ?)', filter.feedId.toLowerCase());
  }
  if (filter.documentHash !== undefined) where('p.document_hash = ?', filter.documentHash.toLowerCase());
  if (filter.issuedFrom !== undefined) where('p.issued_at_unix >= ?', timeBound('issuedFrom', filter.issuedFrom));
  if (filter.issuedTo !== undefined) where('p.issued_at_unix <= ?', timeBound('issuedTo', filter.issuedTo));
  if (filter.cededOnly === true) where('p.ceded = 1');
  if (page.cursor !== undefined) {
    const after = decodePolicyCursor(page.cursor);
    where('(p.block_number, p.log_index) > (?, ?)', after.b, after.l);
  }
  const rows = await db.all(
    `SELECT p.* FROM chain_policies p ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}
     ORDER BY p.block_number, p.log_index LIMIT ?`,
    [...params, limit + 1],
  );
  const items = rows.slice(0, limit).map(policyOf);
  const last = items.at(-1);
  const nextCursor =
    rows.length > limit && last !== undefined
      ? Buffer.from(JSON.stringify({ p: 1, b: last.blockNumber, l: last.logIndex })).toString('base64url')
      : null;
  return { items, nextCursor };
}

function decodePolicyCursor(cursor: string): { b: number; l: number } {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      p: unknown;
      b: unknown;
      l: unknown;
    };
    if (decoded.p === 1 && Number.isSafeInteger(decoded.b) && Number.isSafeInteger(decoded.l)) {
      return { b: decoded.b as number, l: decoded.l as number };
    }
  } catch {
    // Not base64url JSON: refused below like any other foreign cursor.
  }
  throw new InvalidCursorError(cursor);
}

function timeBound(name: string, isoTime: string): number {
  const millis = Date.parse(isoTime);
  if (!Number.isFinite(millis)) throw new InvalidFilterError(`${name} "${isoTime}" is not an ISO-8601 time`);
  return Math.floor(millis / 1000);
}

export async function allPolicies(db: SqlExecutor): Promise<IndexedPolicy[]> {
  return (await db.all('SELECT * FROM chain_policies ORDER BY block_number, log_index')).map(policyOf);
}

export async function policyFeeds(db: SqlExecutor, id: string): Promise<IndexedFeed[]> {
  const rows = await db.all(
    `SELECT f.* FROM chain_feeds f JOIN chain_policy_feeds pf ON pf.feed_id = f.feed_id
     WHERE pf.policy_key = ? ORDER BY f.date, f.feed_id`,
    [id],
  );
  return rows.map(feedOf);
}

export async function feedsByAccumulationKey(
  db: SqlExecutor,
  dialect: SqlDialect,
  keys: string[],
): Promise<IndexedFeed[]> {
  if (keys.length === 0) return [];
  const json = JSON.stringify(keys.map((key) => key.toLowerCase()));
  const rows = await db.all(
    `SELECT * FROM chain_feeds WHERE ${dialect.inJsonArray('feed_id')} OR ${dialect.inJsonArray('location_key')}
     ORDER BY date, feed_id`,
    [json, json],
  );
  return rows.map(feedOf);
}

export async function settlements(db: SqlExecutor, policyId?: string): Promise<IndexedSettlement[]> {
  const rows = await db.all(
    `SELECT * FROM chain_settlements ${policyId === undefined ? '' : 'WHERE policy_key = ?'}
     ORDER BY block_number, log_index`,
    policyId === undefined ? [] : [policyId],
  );
  return rows.map((row) => ({
    policyId: String(row.policy_key),
    feedId: textOrNull(row.feed_id),
    status: String(row.status) as PolicyStatusName,
    payout: String(row.payout),
    settledAt: String(row.settled_at),
    blockNumber: numberOf(row.block_number),
    logIndex: numberOf(row.log_index),
    transactionHash: String(row.transaction_hash),
  }));
}

export async function cessions(db: SqlExecutor, policyId?: string): Promise<IndexedCession[]> {
  const rows = await db.all(
    `SELECT * FROM chain_cessions ${policyId === undefined ? '' : 'WHERE policy_key = ?'}
     ORDER BY block_number, log_index`,
    policyId === undefined ? [] : [policyId],
  );
  return rows.map((row) => ({
    kind: String(row.kind) as IndexedCession['kind'],
    policyId: textOrNull(row.policy_key),
    poolPolicyId: String(row.policy_id),
    feedId: textOrNull(row.feed_id),
    gross: textOrNull(row.gross),
    cededQuotaShare: textOrNull(row.ceded_quota_share),
    cededExcessOfLoss: textOrNull(row.ceded_excess_of_loss),
    net: textOrNull(row.net),
    premium: textOrNull(row.premium),
    cededPremium: textOrNull(row.ceded_premium),
    cedingCommission: textOrNull(row.ceding_commission),
    refund: textOrNull(row.refund),
    returned: textOrNull(row.returned),
    cededAt: String(row.ceded_at),
    blockNumber: numberOf(row.block_number),
    logIndex: numberOf(row.log_index),
    transactionHash: String(row.transaction_hash),
  }));
}

export async function feedReports(db: SqlExecutor, feedIds: string[]): Promise<IndexedFeedReport[]> {
  const reports: IndexedFeedReport[] = [];
  for (const feedId of feedIds) {
    const rows = await db.all('SELECT * FROM chain_feed_reports WHERE feed_id = ? ORDER BY block_number, log_index', [
      feedId,
    ]);
    reports.push(...rows.map(reportOf));
  }
  return reports.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

export async function policyEvents(db: SqlExecutor, id: string): Promise<ChainEvent[]> {
  const rows = await db.all('SELECT * FROM chain_events WHERE policy_id = ? ORDER BY block_number, log_index', [id]);
  return rows.map(eventOf);
}

export async function eventsNamed(db: SqlExecutor, names: ChainEventName[]): Promise<ChainEvent[]> {
  if (names.length === 0) return [];
  const rows = await db.all(
    `SELECT * FROM chain_events WHERE name IN (${names.map(() => '?').join(', ')}) ORDER BY block_number, log_index`,
    names,
  );
  return rows.map(eventOf);
}

function policyOf(row: SqlRow): IndexedPolicy {
  const id = String(row.policy_key);
  const terms = textOrNull(row.terms);
  return {
    id,
    kind: (parsePolicyId(id)?.kind ?? String(row.kind)) as ProductKind,
    product: String(row.product),
    policyId: String(row.policy_id),
    holder: String(row.holder),
    status: String(row.status) as PolicyStatusName,
    premium: String(row.premium),
    maxPayout: String(row.max_payout),
    coverageStart: textOrNull(row.coverage_start),
    coverageEnd: textOrNull(row.coverage_end),
    cancellationRefundBps: row.cancellation_refund_bps === null ? null : numberOf(row.cancellation_refund_bps),
    feedId: textOrNull(row.feed_id),
    documentHash: textOrNull(row.document_hash),
    termsHash: textOrNull(row.terms_hash),
    terms: terms === null ? null : (JSON.parse(terms) as Record<string, unknown>),
    accumulationKey: String(row.accumulation_key),
    issuedAt: String(row.issued_at),
    blockNumber: numberOf(row.block_number),
    logIndex: numberOf(row.log_index),
    transactionHash: String(row.transaction_hash),
    payout: textOrNull(row.payout),
    refund: textOrNull(row.refund),
    credited: textOrNull(row.credited),
    closedAt: textOrNull(row.closed_at),
    replacedBy: textOrNull(row.replaced_by),
    replaces: textOrNull(row.replaces),
    ceded: numberOf(row.ceded) === 1,
  };
}

const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : numberOf(value));

function feedOf(row: SqlRow): IndexedFeed {
  const outcomeAt = textOrNull(row.outcome_at);
  const disputeWindow = numberOrNull(row.dispute_window);
  return {
    feedId: String(row.feed_id),
    kind: textOrNull(row.kind) as ProductKind | null,
    state: String(row.state) as FeedStateName,
    dataDeadline: textOrNull(row.data_deadline),
    registeredAt: String(row.registered_at),
    carrier: textOrNull(row.carrier),
    flightNumber: textOrNull(row.flight_number),
    departureDate: numberOrNull(row.departure_date),
    scheduledArrival: textOrNull(row.scheduled_arrival),
    locationKey: textOrNull(row.location_key),
    latitudeE4: numberOrNull(row.latitude_e4),
    longitudeE4: numberOrNull(row.longitude_e4),
    stationId: textOrNull(row.station_id),
    metric: textOrNull(row.metric) as WeatherMetricName | null,
    date: numberOrNull(row.date),
    outcome:
      outcomeAt === null
        ? null
        : {
            status: String(row.outcome_status) as ObservationStatusName,
            value: String(row.outcome_value),
            at: outcomeAt,
            transactionHash: String(row.outcome_transaction_hash),
            oracles: JSON.parse(textOrNull(row.oracles) ?? '[]') as string[],
            payloadHashes: JSON.parse(textOrNull(row.payload_hashes) ?? '[]') as string[],
            disputeWindowEndsAt:
              disputeWindow === null ? null : new Date(Date.parse(outcomeAt) + disputeWindow * 1000).toISOString(),
            resolvedByHand: numberOf(row.resolved_by_hand) === 1,
          },
    disputedAt: textOrNull(row.disputed_at),
    expiredAt: textOrNull(row.expired_at),
  };
}

function reportOf(row: SqlRow): IndexedFeedReport {
  return {
    feedId: String(row.feed_id),
    oracle: String(row.oracle),
    status: String(row.status) as ObservationStatusName,
    value: String(row.value),
    observedAt: String(row.observed_at),
    payloadHash: String(row.payload_hash),
    reportedAt: String(row.reported_at),
    blockNumber: numberOf(row.block_number),
    logIndex: numberOf(row.log_index),
    transactionHash: String(row.transaction_hash),
  };
}
