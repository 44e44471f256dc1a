/**
 * How the parametric events fold into the query tables. Within one transaction the contracts emit in a fixed order
 * that the folds rely on: the hub's `FeedRegistered` before the product's flight or weather feed record, the pool's
 * `PolicyOpened` (which creates the policy row) before the treaty's `PremiumCeded` and the product's `PolicyIssued`,
 * and a settlement's `PolicySettled` before the treaty's `LossCeded`. Pool and treaty events name the pool's policy
 * id; the policy's name comes from the row `PolicyOpened` wrote.
 */
import type { Statement } from './projection.js';
import { unixOf } from './projection.js';
import type { SqlValue } from './sql.js';
import type { ChainEvent } from './types.js';

const statement = (sql: string, ...params: SqlValue[]): Statement => ({ sql, params });

/** The policy name of a pool policy id, as a subquery taking that id. */
const POLICY_OF_POOL_ID = '(SELECT policy_key FROM chain_policies WHERE policy_id = ?)';

/** yyyymmdd of an ISO time's UTC date. */
function utcDateOf(isoTime: string): number {
  return Number(isoTime.slice(0, 10).replaceAll('-', ''));
}

export function foldParametric(event: ChainEvent): Statement[] {
  const at = [event.blockNumber, event.logIndex, event.transactionHash, event.blockTime] as const;
  const policy = event.about?.policyId ?? null;
  switch (event.name) {
    case 'SettingsChanged':
      return [
        statement(
          `INSERT INTO chain_meta (key, value) VALUES ('hub_settings', ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          JSON.stringify({ quorum: event.args.quorum, disputeWindow: event.args.disputeWindow }),
        ),
        // Apart, for the finalisation fold to read in SQL (each feed keeps the window it finalised under).
        statement(
          `INSERT INTO chain_meta (key, value) VALUES ('hub_dispute_window', ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          String(event.args.disputeWindow),
        ),
      ];
    case 'FeedRegistered':
      return [
        statement(
          `INSERT INTO chain_feeds (feed_id, kind, consumer, state, data_deadline, registered_at)
           VALUES (?, NULL, ?, 'Open', ?, ?)
           ON CONFLICT (feed_id) DO UPDATE SET data_deadline = excluded.data_deadline`,
          event.args.feedId,
          event.args.consumer,
          event.args.dataDeadline,
          event.blockTime,
        ),
      ];
    case 'FlightFeedRegistered': {
      const a = event.args;
      return [
        statement(
          `UPDATE chain_feeds SET kind = 'flight', carrier = ?, flight_number = ?, departure_date = ?,
             scheduled_arrival = ? WHERE feed_id = ?`,
          a.carrier,
          a.flightNumber,
          a.departureDate,
          a.scheduledArrival,
          a.feedId,
        ),
      ];
    }
    case 'WeatherFeedRegistered': {
      const a = event.args;
      return [
        statement(
          `UPDATE chain_feeds SET kind = 'weather', location_key = ?, latitude_e4 = ?, longitude_e4 = ?, station_id = ?,
             metric = ?, date = ? WHERE feed_id = ?`,
          a.locationKey,
          a.latitudeE4,
          a.longitudeE4,
          a.stationId,
          a.metric,
          a.date,
          a.feedId,
        ),
      ];
    }
    case 'ObservationReported': {
      const a = event.args;
      return [
        statement(
          `INSERT INTO chain_feed_reports (block_number, log_index, transaction_hash, reported_at, feed_id, oracle, status,
             value, observed_at, payload_hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ...at,
          a.feedId,
          a.oracle,
          a.status,
          a.value,
          a.observedAt,
          a.payloadHash,
        ),
      ];
    }
    case 'ObservationFinalised': {
      const a = event.args;
      return [
        statement(
          `UPDATE chain_feeds SET state = 'Finalised', outcome_status = ?, outcome_value = ?, outcome_at = ?,
             outcome_transaction_hash = ?, oracles = ?, payload_hashes = ?,
             dispute_window = (SELECT CAST(value AS INTEGER) FROM chain_meta WHERE key = 'hub_dispute_window')
           WHERE feed_id = ?`,
          a.status,
          a.value,
          event.blockTime,
          event.transactionHash,
          JSON.stringify(a.oracles),
          JSON.stringify(a.payloadHashes),
          a.feedId,
        ),
      ];
    }
    case 'FeedDisputed':
      return [
        statement(
          `UPDATE chain_feeds SET state = 'Disputed', disputed_at = ? WHERE feed_id = ?`,
          event.blockTime,
          event.args.feedId,
        ),
      ];
    case 'FeedResolved': {
      const a = event.args;
      return [
        statement(
          `UPDATE chain_feeds SET state = 'Resolved', outcome_status = ?, outcome_value = ?, outcome_at = ?,
             outcome_transaction_hash = ?, resolved_by_hand = 1, dispute_window = NULL WHERE feed_id = ?`,
          a.status,
          a.value,
          event.blockTime,
          event.transactionHash,
          a.feedId,
        ),
      ];
    }
    case 'FeedExpired':
      return [
        statement(
          `UPDATE chain_feeds SET state = 'Expired', expired_at = ? WHERE feed_id = ?`,
          event.blockTime,
          event.args.feedId,
        ),
      ];
    case 'PolicyOpened': {
      const a = event.args;
      if (policy === null) return [];
      return [
        statement(
          `INSERT INTO chain_policies (policy_key, kind, product, policy_id, holder, status, premium, max_payout,
             accumulation_key, issued_at, issued_at_unix, block_number, log_index, transaction_hash)
           VALUES (?, ?, ?, ?, ?, 'Issued', ?, ?, ?, ?, ?, ?, ?, ?)`,
          policy,
          policy.split('-')[0]!,
          a.product,
          a.policyId,
          a.holder,
          a.premium,
          a.locked,
          a.accumulationKey,
          event.blockTime,
          unixOf(event.blockTime),
          event.blockNumber,
          event.logIndex,
          event.transactionHash,
        ),
      ];
    }
    case 'PolicyIssued': {
      const a = event.args;
      const feeds =
        policy?.startsWith('weather-') === true
          ? statement(
              `INSERT INTO chain_policy_feeds (policy_key, feed_id)
               SELECT ?, feed_id FROM chain_feeds
               WHERE location_key = (SELECT accumulation_key FROM chain_policies WHERE policy_key = ?)
                 AND date BETWEEN ? AND ?`,
              policy,
              policy,
              utcDateOf(a.coverageStart),
              utcDateOf(a.coverageEnd),
            )
          : statement('INSERT INTO chain_policy_feeds (policy_key, feed_id) VALUES (?, ?)', policy, a.feedId);
      return [
        statement(
          `UPDATE chain_policies SET feed_id = ?, document_hash = ?, terms_hash = ?, terms = ?, coverage_start = ?,
             coverage_end = ?, cancellation_refund_bps = ? WHERE policy_key = ?`,
          a.feedId,
          a.documentHash,
          a.termsHash,
          a.terms === null ? null : JSON.stringify(a.terms),
          a.coverageStart,
          a.coverageEnd,
          a.cancellationRefundBps,
          policy,
        ),
        feeds,
      ];
    }
    case 'PolicySettled':
    case 'ParkedPolicyResolved': {
      const a = event.args;
      const feedId = 'feedId' in a ? a.feedId : null;
      return [
        statement(
          'UPDATE chain_policies SET status = ?, payout = ?, closed_at = ? WHERE policy_key = ?',
          a.status,
          a.payout,
          event.blockTime,
          policy,
        ),
        statement(
          `INSERT INTO chain_settlements (block_number, log_index, transaction_hash, settled_at, policy_key, feed_id,
             status, payout)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          ...at,
          policy,
          feedId,
          a.status,
          a.payout,
        ),
      ];
    }
    case 'PolicyParked':
      return [statement(`UPDATE chain_policies SET status = 'Parked' WHERE policy_key = ?`, policy)];
    case 'PolicyCancelled':
    case 'PolicyVoided':
      return [
        statement(
          'UPDATE chain_policies SET status = ?, refund = ?, closed_at = ? WHERE policy_key = ?',
          event.name === 'PolicyCancelled' ? 'Cancelled' : 'Voided',
          event.args.refund,
          event.blockTime,
          policy,
        ),
      ];
    case 'PolicyEndorsed': {
      if (policy === null) return [];
      const replacement = `${policy.split('-')[0]!}-${event.args.newPolicyId}`;
      return [
        statement(
          `UPDATE chain_policies SET status = 'Endorsed', replaced_by = ?, closed_at = ? WHERE policy_key = ?`,
          replacement,
          event.blockTime,
          policy,
        ),
        statement('UPDATE chain_policies SET replaces = ? WHERE policy_key = ?', policy, replacement),
      ];
    }
    case 'PremiumRefunded':
      return [
        statement('UPDATE chain_policies SET refund = ? WHERE policy_id = ?', event.args.refund, event.args.policyId),
      ];
    case 'PaymentCredited':
      return [
        statement('UPDATE chain_policies SET credited = ? WHERE policy_id = ?', event.args.amount, event.args.policyId),
      ];
    case 'PremiumCeded': {
      const a = event.args;
      return [
        cession(event, 'premium', a.policyId, {
          premium: a.premium,
          cededPremium: a.cededPremium,
          commission: a.cedingCommission,
        }),
        statement('UPDATE chain_policies SET ceded = 1 WHERE policy_id = ?', a.policyId),
      ];
    }
    case 'PremiumReturned':
      return [
        cession(event, 'premium-return', event.args.policyId, {
          refund: event.args.refund,
          returned: event.args.returned,
        }),
      ];
    case 'LossCeded': {
      const a = event.args;
      return [
        cession(event, 'loss', a.policyId, {
          feedId: a.feedId,
          gross: a.gross,
          quotaShare: a.cededQuotaShare,
          excessOfLoss: a.cededExcessOfLoss,
          net: a.net,
        }),
      ];
    }
    default:
      return [];
  }
}

interface CessionAmounts {
  feedId?: string;
  gross?: string;
  quotaShare?: string;
  excessOfLoss?: string;
  net?: string;
  premium?: string;
  cededPremium?: string;
  commission?: string;
  refund?: string;
  returned?: string;
}

function cession(event: ChainEvent, kind: string, policyId: string, amounts: CessionAmounts): Statement {
  return statement(
    `INSERT INTO chain_cessions (block_number, log_index, transaction_hash, ceded_at, kind, policy_key, policy_id,
       feed_id, gross, ceded_quota_share, ceded_excess_of_loss, net, premium, ceded_premium, ceding_commission, refund,
       returned)
     VALUES (?, ?, ?, ?, ?, ${POLICY_OF_POOL_ID}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    event.blockNumber,
    event.logIndex,
    event.transactionHash,
    event.blockTime,
    kind,
    policyId,
    policyId,
    amounts.feedId ?? null,
    amounts.gross ?? null,
    amounts.quotaShare ?? null,
    amounts.excessOfLoss ?? null,
    amounts.net ?? null,
    amounts.premium ?? null,
    amounts.cededPremium ?? null,
    amounts.commission ?? null,
    amounts.refund ?? null,
    amounts.returned ?? null,
  );
}

/** The pool policy id of a pool or treaty event, whose policy name the index resolves; null for other events. */
export function poolPolicyIdOf(event: ChainEvent): string | null {
  if (event.contract !== 'RiskPool' && event.contract !== 'ReinsuranceTreaty') return null;
  const policyId = (event.args as { policyId?: unknown }).policyId;
  return typeof policyId === 'string' ? policyId : null;
}
