/**
 * The reinsurer's statement of a treaty over a period: every money-moving log of the treaty as a line, totals over
 * the lines and the losses ceded per event (feed). Built from the chain's logs through the ledger layer; amounts are
 * decimal strings in the pool asset's base units, times ISO-8601 UTC block times.
 *
 * The statement holds nothing but what the chain and the request determine (no time of serving), so the same request
 * over the same chain gives the same statement, byte for byte once canonicalised — which the audit command relies on.
 */
import {
  blockRangeOfPeriod,
  treatyStatementLines,
  type StatementLine,
  type StatementLineKind,
  type TreatyRecord,
} from '../../ledger/treaty.js';
import type { LedgerClient } from '../../ledger/client.js';

/** The totals of a statement, by name (each a decimal string). */
export const STATEMENT_TOTALS = [
  /** Σ cededPremium of PremiumCeded. */
  'premiumCeded',
  /** Σ cedingCommission of PremiumCeded. */
  'cedingCommission',
  /** premiumCeded − cedingCommission: what the pool paid the treaty for premium. */
  'netPremiumCeded',
  /** Σ returned of PremiumReturned: the ceded share of refunds paid back to the pool. */
  'premiumReturned',
  /** Σ (owed − paid) of PremiumReturnShortfall. */
  'premiumReturnShortfall',
  /** Σ gross of LossCeded. */
  'grossLosses',
  /** Σ cededQuotaShare of LossCeded. */
  'lossesCededQuotaShare',
  /** Σ cededExcessOfLoss of LossCeded. */
  'lossesCededExcessOfLoss',
  /** Σ net of LossCeded: what the insurer kept. */
  'lossesRetained',
  /** Σ (owed − paid) of CollateralShortfall. */
  'collateralShortfall',
  /** Σ amount of ShortfallPaid. */
  'shortfallRepaid',
  /** Σ amount of PremiumOffset: premium held for the reinsurer that paid losses. */
  'premiumOffset',
  /** Σ amount of CollateralPosted. */
  'collateralPosted',
  /** Σ amount of CollateralWithdrawn. */
  'collateralWithdrawn',
  /** Σ amount of PremiumWithdrawn. */
  'premiumWithdrawn',
] as const;
export type StatementTotalName = (typeof STATEMENT_TOTALS)[number];

export interface StatementLineView {
  id: string;
  kind: StatementLineKind;
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
  time: string;
  policyId: string | null;
  feedId: string | null;
  amounts: Record<string, string>;
}

/** The losses of one event (feed) in the period. */
export interface StatementEvent {
  feedId: string;
  losses: number;
  gross: string;
  cededQuotaShare: string;
  cededExcessOfLoss: string;
  retained: string;
  /** Σ (owed − paid) of the event's CollateralShortfall. */
  shortfall: string;
}

export interface TreatyStatement {
  type: 'PolicyLedgerTreatyStatement';
  version: 1;
  chainId: string;
  treaty: string;
  pool: string;
  insurer: string;
  reinsurer: string;
  terms: {
    quotaShareBps: number;
    cedingCommissionBps: number;
    excessOfLossAttachment: string;
    excessOfLossLimit: string;
    excessOfLossAggregateLimit: string;
  };
  /** The period asked for (null: open) and the blocks it covers: block time ≥ from and < to. */
  period: { from: string | null; to: string | null; fromBlock: number; toBlock: number };
  lines: StatementLineView[];
  events: StatementEvent[];
  totals: Record<StatementTotalName, string> & { lines: number };
}

/** The totals of `lines` by name. */
function totalsOf(lines: StatementLine[]): Record<StatementTotalName, bigint> {
  const totals = Object.fromEntries(STATEMENT_TOTALS.map((name) => [name, 0n])) as Record<StatementTotalName, bigint>;
  for (const { kind, amounts } of lines) {
    const amount = (name: string) => amounts[name] ?? 0n;
    switch (kind) {
      case 'PremiumCeded':
        totals.premiumCeded += amount('cededPremium');
        totals.cedingCommission += amount('cedingCommission');
        break;
      case 'PremiumReturned':
        totals.premiumReturned += amount('returned');
        break;
      case 'PremiumReturnShortfall':
        totals.premiumReturnShortfall += amount('owed') - amount('paid');
        break;
      case 'LossCeded':
        totals.grossLosses += amount('gross');
        totals.lossesCededQuotaShare += amount('cededQuotaShare');
        totals.lossesCededExcessOfLoss += amount('cededExcessOfLoss');
        totals.lossesRetained += amount('net');
        break;
      case 'CollateralShortfall':
        totals.collateralShortfall += amount('owed') - amount('paid');
        break;
      case 'ShortfallPaid':
        totals.shortfallRepaid += amount('amount');
        break;
      case 'PremiumOffset':
        totals.premiumOffset += amount('amount');
        break;
      case 'CollateralPosted':
        totals.collateralPosted += amount('amount');
        break;
      case 'CollateralWithdrawn':
        totals.collateralWithdrawn += amount('amount');
        break;
      case 'PremiumWithdrawn':
        totals.premiumWithdrawn += amount('amount');
        break;
    }
  }
  totals.netPremiumCeded = totals.premiumCeded - totals.cedingCommission;
  return totals;
}

/** The losses of `lines` per event, in the order each event first appears. */
function eventsOf(lines: StatementLine[]): StatementEvent[] {
  const events = new Map<
    string,
    { losses: number; gross: bigint; quotaShare: bigint; excessOfLoss: bigint; retained: bigint; shortfall: bigint }
  >();
  for (const { kind, feedId, amounts } of lines) {
    if (feedId === null) continue;
    let event = events.get(feedId);
    if (event === undefined) {
      event = { losses: 0, gross: 0n, quotaShare: 0n, excessOfLoss: 0n, retained: 0n, shortfall: 0n };
      events.set(feedId, event);
    }
    if (kind === 'LossCeded') {
      event.losses += 1;
      event.gross += amounts.gross!;
      event.quotaShare += amounts.cededQuotaShare!;
      event.excessOfLoss += amounts.cededExcessOfLoss!;
      event.retained += amounts.net!;
    } else if (kind === 'CollateralShortfall') {
      event.shortfall += amounts.owed! - amounts.paid!;
    }
  }
  return [...events].map(([feedId, event]) => ({
    feedId,
    losses: event.losses,
    gross: event.gross.toString(),
    cededQuotaShare: event.quotaShare.toString(),
    cededExcessOfLoss: event.excessOfLoss.toString(),
    retained: event.retained.toString(),
    shortfall: event.shortfall.toString(),
  }));
}

/** The statement of `treaty` for the period [from, to) in block times (open ends when absent). */
export async function buildTreatyStatement(
  client: Pick<LedgerClient, 'provider' | 'deployment'>,
  treaty: TreatyRecord,
  period: { from?: Date | undefined; to?: Date | undefined },
): Promise<TreatyStatement> {
  const range = await blockRangeOfPeriod(client, period);
  const lines = await treatyStatementLines(client, treaty.address, range);
  const totals = totalsOf(lines);
  return {
    type: 'PolicyLedgerTreatyStatement',
    version: 1,
    chainId: client.deployment.chainId,
    treaty: treaty.address,
    pool: treaty.pool,
    insurer: treaty.insurer,
    reinsurer: treaty.reinsurer,
    terms: {
      quotaShareBps: treaty.terms.quotaShareBps,
      cedingCommissionBps: treaty.terms.cedingCommissionBps,
      excessOfLossAttachment: treaty.terms.excessOfLossAttachment.toString(),
      excessOfLossLimit: treaty.terms.excessOfLossLimit.toString(),
      excessOfLossAggregateLimit: treaty.terms.excessOfLossAggregateLimit.toString(),
    },
    period: {
      from: period.from?.toISOString() ?? null,
      to: period.to?.toISOString() ?? null,
      fromBlock: range.fromBlock,
      toBlock: range.toBlock,
    },
    lines: lines.map((line) => ({
      ...line,
      amounts: Object.fromEntries(Object.entries(line.amounts).map(([name, value]) => [name, value.toString()])),
    })),
    events: eventsOf(lines),
    totals: {
      ...(Object.fromEntries(Object.entries(totals).map(([name, value]) => [name, value.toString()])) as Record<
        StatementTotalName,
        string
      >),
      lines: lines.length,
    },
  };
}
