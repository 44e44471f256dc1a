/**
 * A treaty's history for the reinsurer's dashboard: how its exposure, ceded premium and losses moved over time, and
 * where its open exposure sits now. The money figures come from the treaty's statement lines (the chain's logs, as
 * the statement endpoint reads them); the exposure from the ceded policies the chain index holds, whose limits are
 * at risk from issue until they close.
 *
 * Exposure is the open limits (Σ maxPayout of ceded policies not yet closed) and the treaty's quota share of them;
 * the excess-of-loss layer's share depends on how losses fall per event, so it is not an exposure figure.
 */
import type { IndexedPolicy } from '../../indexer/parametric-types.js';
import type { TreatyRecord } from '../../ledger/treaty.js';
import type { TreatyStatement } from './statement.js';

const BPS = 10_000n;

/** The cumulative figures after every change at `time` (decimal strings in base units). */
export interface HistoryPoint {
  time: string;
  openLimits: string;
  quotaShareExposure: string;
  premiumCeded: string;
  grossLosses: string;
  lossesCeded: string;
}

/** Open exposure of one accumulation key (a flight, a location) now. */
export interface ExposureByKey {
  accumulationKey: string;
  policies: number;
  openLimits: string;
  quotaShareExposure: string;
}

export interface TreatyHistory {
  treaty: string;
  points: HistoryPoint[];
  exposureByKey: ExposureByKey[];
}

type Change = { time: string; limits?: bigint; premiumCeded?: bigint; grossLosses?: bigint; lossesCeded?: bigint };

/** Every change the policies and the statement's lines make, in time order (stable: issues before closes). */
function changesOf(statement: TreatyStatement, policies: IndexedPolicy[]): Change[] {
  const changes: Change[] = [];
  for (const policy of policies) {
    const limit = BigInt(policy.maxPayout);
    changes.push({ time: policy.issuedAt, limits: limit });
    if (policy.closedAt !== null) changes.push({ time: policy.closedAt, limits: -limit });
  }
  for (const line of statement.lines) {
    const amount = (name: string) => BigInt(line.amounts[name] ?? '0');
    if (line.kind === 'PremiumCeded') changes.push({ time: line.time, premiumCeded: amount('cededPremium') });
    else if (line.kind === 'LossCeded') {
      changes.push({
        time: line.time,
        grossLosses: amount('gross'),
        lossesCeded: amount('cededQuotaShare') + amount('cededExcessOfLoss'),
      });
    }
  }
  return changes.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/** The history of `treaty` from its full statement and the ceded policies of its pool. */
export function treatyHistory(
  treaty: TreatyRecord,
  statement: TreatyStatement,
  cededPolicies: IndexedPolicy[],
): TreatyHistory {
  const share = (limits: bigint) => (limits * BigInt(treaty.terms.quotaShareBps)) / BPS;
  const totals = { limits: 0n, premiumCeded: 0n, grossLosses: 0n, lossesCeded: 0n };
  const points: HistoryPoint[] = [];
  for (const change of changesOf(statement, cededPolicies)) {
    totals.limits += change.limits ?? 0n;
    totals.premiumCeded += change.premiumCeded ?? 0n;
    totals.grossLosses += change.grossLosses ?? 0n;
    totals.lossesCeded += change.lossesCeded ?? 0n;
    const point: HistoryPoint = {
      time: new Date(change.time).toISOString(),
      openLimits: totals.limits.toString(),
      quotaShareExposure: share(totals.limits).toString(),
      premiumCeded: totals.premiumCeded.toString(),
      grossLosses: totals.grossLosses.toString(),
      lossesCeded: totals.lossesCeded.toString(),
    };
    // One point per instant: the last change at a time carries the figures after all of them.
    if (points.at(-1)?.time === point.time) points[points.length - 1] = point;
    else points.push(point);
  }
  const byKey = new Map<string, { policies: number; limits: bigint }>();
  for (const policy of cededPolicies.filter((p) => p.closedAt === null)) {
    const entry = byKey.get(policy.accumulationKey) ?? { policies: 0, limits: 0n };
    entry.policies += 1;
    entry.limits += BigInt(policy.maxPayout);
    byKey.set(policy.accumulationKey, entry);
  }
  const exposureByKey = [...byKey]
    .sort(([, a], [, b]) => (a.limits === b.limits ? 0 : a.limits > b.limits ? -1 : 1))
    .map(([accumulationKey, { policies, limits }]) => ({
      accumulationKey,
      policies,
      openLimits: limits.toString(),
      quotaShareExposure: share(limits).toString(),
    }));
  return { treaty: treaty.address, points, exposureByKey };
}
