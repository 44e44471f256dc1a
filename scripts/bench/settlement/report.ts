import type { FlightBook, IssuanceGas } from './issuance.js';
import {
  BLOCK_GAS_LIMIT,
  DEPLOYED_BATCH_SIZE,
  HARDFORK,
  HUB_SETTINGS,
  ORACLE_COUNT,
  POLICY_MONEY,
  SETTLEMENT_BATCH_SIZE,
  TRANSACTION_GAS_CAP,
  TREATY_SHARES,
} from './scenario.js';
import { settledBy, type FlightSettlement, type SettlementTransaction } from './settle.js';

/** Target: settling costs at most this much gas per policy, cession to the treaty included. */
export const SETTLEMENT_MAX_GAS_PER_POLICY = 60_000;

/** Target: the policies of one flight are settled in at most this many transactions. */
export const SETTLEMENT_MAX_TRANSACTIONS = 6;

/** One row of the JSON report. */
export interface SettlementGasRow {
  operation: string;
  /** Gas used, summed over the operation's transactions (each including the 21,000 base cost and calldata). */
  gas: number;
  /** Policies the operation issues or settles (0 for an oracle report that settles nothing). */
  policies: number;
  /** Gas of the largest single transaction in the operation (EIP-7825 caps it at 16,777,216). */
  maxTxGas: number;
}

/** One measured operation with the gas of each of its transactions. */
export interface Measurement {
  operation: string;
  policies: number;
  transactionGas: readonly bigint[];
  /** What the transactions did, for the table. */
  detail?: string;
}

/** The outcome of checking one target. */
export interface TargetCheck {
  target: string;
  measured: string;
  pass: boolean;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

function sum(values: readonly bigint[]): bigint {
  return values.reduce((total, value) => total + value, 0n);
}

function largestOf(values: readonly bigint[]): bigint {
  return values.reduce((max, value) => (value > max ? value : max), 0n);
}

function describeBatch(transactions: readonly SettlementTransaction[]): string {
  const count = (key: 'paid' | 'expired' | 'refunded' | 'cessions') =>
    transactions.reduce((total, transaction) => total + transaction[key], 0);
  const parts = [`${count('paid')} paid`, `${count('expired')} expired`];
  if (count('refunded') > 0) parts.push(`${count('refunded')} refunded`);
  parts.push(`${count('cessions')} cessions`);
  return parts.join(', ');
}

/** The issuance rows: a typical policy's path (the flight's last) and the flight's first policy, which adds its feed. */
export function issuanceMeasurements(issuance: readonly IssuanceGas[]): Measurement[] {
  const first = issuance[0];
  const typical = issuance[issuance.length - 1];
  if (first === undefined || typical === undefined) throw new Error('no policy was issued');
  return [
    { operation: 'anchor policy document', policies: 1, transactionGas: [typical.anchor] },
    {
      operation: 'co-sign policy document (insurer, relayed)',
      policies: 1,
      transactionGas: [typical.insurerCoSignature],
    },
    {
      operation: 'co-sign policy terms (client, relayed)',
      policies: 1,
      transactionGas: [typical.clientCoSignature],
    },
    { operation: 'issue', policies: 1, transactionGas: [typical.issue] },
    { operation: 'issue (first policy on a flight)', policies: 1, transactionGas: [first.issue] },
    {
      operation: 'issuance path (anchor + 2 co-signatures + issue)',
      policies: 1,
      transactionGas: [typical.anchor, typical.insurerCoSignature, typical.clientCoSignature, typical.issue],
    },
  ];
}

/** The rows of a flight's settlement: each transaction, then the total. */
export function settlementMeasurements(
  settlement: FlightSettlement,
  names: { prefix: string; batch: string; total: string },
): Measurement[] {
  const rows: Measurement[] = settlement.transactions.map((transaction, index) => ({
    operation:
      transaction.kind === 'report'
        ? `${names.prefix}quorum-completing report (${names.batch} batch ${index + 1})`
        : `${names.prefix}${names.batch} batch ${index + 1}`,
    policies: settledBy(transaction),
    transactionGas: [transaction.gas],
    detail: describeBatch([transaction]),
  }));
  rows.push({
    operation: names.total,
    policies: settlement.book.issuance.length,
    transactionGas: settlement.transactions.map((transaction) => transaction.gas),
    detail: describeBatch(settlement.transactions),
  });
  return rows;
}

export function toRow(measurement: Measurement): SettlementGasRow {
  return {
    operation: measurement.operation,
    gas: Number(sum(measurement.transactionGas)),
    policies: measurement.policies,
    maxTxGas: Number(largestOf(measurement.transactionGas)),
  };
}

/** Lays out `cells` in columns; columns listed in `rightAligned` are padded on the left. */
function columns(header: readonly string[], body: readonly (readonly string[])[], rightAligned: number[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => cells[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? cell.length;
        return rightAligned.includes(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}

/** The measured figures, one line per operation. */
export function formatGasTable(measurements: readonly Measurement[]): string {
  return columns(
    ['operation', 'txs', 'policies', 'gas', 'gas/policy', 'largest tx', 'what happened'],
    measurements.map((measurement) => {
      const gas = sum(measurement.transactionGas);
      const largest = largestOf(measurement.transactionGas);
      return [
        measurement.operation,
        String(measurement.transactionGas.length),
        integer.format(measurement.policies),
        integer.format(gas),
        measurement.policies > 0 ? decimal.format(Number(gas) / measurement.policies) : '-',
        integer.format(largest),
        measurement.detail ?? '',
      ];
    }),
    [1, 2, 3, 4, 5],
  );
}

/**
 * The cost of one more policy in a batch and the fixed cost of a settle transaction, from two `settle` calls of
 * different sizes (the quorum report is left out: it also carries the oracle's work).
 */
export function marginalCost(settlement: FlightSettlement): { perPolicy: number; perTransaction: number } | undefined {
  const calls = settlement.transactions.filter((transaction) => transaction.kind === 'settle');
  // The largest and the smallest call: sizes close together would turn rounding noise into the per-policy cost.
  const bySize = [...calls].sort((a, b) => settledBy(b) - settledBy(a));
  const large = bySize[0];
  const small = bySize[bySize.length - 1];
  if (large === undefined || small === undefined || settledBy(large) === settledBy(small)) return undefined;
  const perPolicy = Number(large.gas - small.gas) / (settledBy(large) - settledBy(small));
  return { perPolicy, perTransaction: Number(large.gas) - perPolicy * settledBy(large) };
}

/** Whole dollars of a six-decimal amount. */
function dollars(amount: bigint): string {
  return integer.format(Number(amount / 1_000_000n));
}

/** What was measured, and on what. */
export function formatScenario(policies: number): string {
  const treaty = TREATY_SHARES;
  return [
    `Gas used per operation, from transaction receipts (simulated network, hardfork ${HARDFORK}, block gas limit ` +
      `${integer.format(BLOCK_GAS_LIMIT)}, per-transaction cap ${integer.format(TRANSACTION_GAS_CAP)});`,
    "each figure includes the transaction's 21,000 base cost and its calldata.",
    `${integer.format(policies)} policies on each of two flights, each held by a different client whose balance is ` +
      'empty before its payout.',
    "Batches are sized by the product's settlement gas budget (settlementGasBudget, 14,000,000 by default); the count " +
      `cap (settlementBatchSize) is ${SETTLEMENT_BATCH_SIZE}, raised from ${DEPLOYED_BATCH_SIZE} under dual control.`,
    `Quorum ${HUB_SETTINGS.quorum} of ${ORACLE_COUNT} oracles, no dispute window.`,
    `Delayed flight: 50 minutes late; 9 in 10 policies pay ${dollars(POLICY_MONEY.delayTierPayouts[2] ?? 0n)} ` +
      'dollars, the rest pay only from 90 minutes.',
    'On-time flight: every policy expires with payout 0 and its collateral is released.',
    `Treaty: quota share ${treaty.quotaShareBps / 100} % (commission ${treaty.cedingCommissionBps / 100} %), ` +
      `excess of loss ${dollars(treaty.excessOfLossLimit)} xs ${dollars(treaty.excessOfLossAttachment)} per event; ` +
      'payouts are ceded in the same transaction.',
    'Reports and settle calls carry the whole per-transaction cap: the hub forwards all but 50,000 of the gas left to',
    "the product, and an estimate that only needs the report itself to succeed (geth's) would starve the batch.",
    "Issuance rows: the delayed flight's last policy; the flight's first policy also registers the feed.",
  ].join('\n');
}

/**
 * Where settlement gas goes, per policy: from the marginal cost of the two flights' settle calls, the cost of a policy
 * that expires (no payout) and of one that is paid (the same work, plus the payout transfer and its cession).
 */
export function formatBreakdown(book: FlightBook, paid: FlightSettlement, expired: FlightSettlement): string {
  const issueGas = book.issuance.slice(1).map((policy) => policy.issue);
  const lines = [];
  if (issueGas.length > 0) {
    const lowest = issueGas.reduce((min, value) => (value < min ? value : min));
    const highest = issueGas.reduce((max, value) => (value > max ? value : max));
    lines.push(
      `issue, policies 2 to ${issueGas.length + 1} of a flight: ${integer.format(lowest)} to ${integer.format(highest)} gas`,
    );
  }
  const paying = marginalCost(paid);
  const expiring = marginalCost(expired);
  if (paying === undefined || expiring === undefined) return lines.join('\n');
  const outcomes = paid.transactions.reduce(
    (total, transaction) => ({ paid: total.paid + transaction.paid, all: total.all + settledBy(transaction) }),
    { paid: 0, all: 0 },
  );
  const share = outcomes.paid / outcomes.all;
  const perPaid = (paying.perPolicy - (1 - share) * expiring.perPolicy) / share;
  lines.push(
    'Settlement per policy (approximate, from the marginal cost of settle calls of different sizes):',
    `  expired policy: ${integer.format(expiring.perPolicy)} gas (read policy and tiers, set status, PolicySettled, ` +
      'release collateral)',
    `  paid policy:    ${integer.format(perPaid)} gas, of which ${integer.format(perPaid - expiring.perPolicy)} for ` +
      'the payout to an empty balance and its cession (LossCeded)',
    `  fixed per settle transaction: ${integer.format(paying.perTransaction)} gas (delayed flight), ` +
      `${integer.format(expiring.perTransaction)} (on-time flight)`,
  );
  return lines.join('\n');
}

/** Checks the settlement targets on the paying flight and the transaction-count target on both flights. */
export function checkTargets(paid: FlightSettlement, expired: FlightSettlement): TargetCheck[] {
  const policies = paid.book.issuance.length;
  const total = sum(paid.transactions.map((transaction) => transaction.gas));
  const perPolicy = Number(total) / policies;
  const checks: TargetCheck[] = [
    {
      target: `settlement <= ${integer.format(SETTLEMENT_MAX_GAS_PER_POLICY)} gas per policy, cession included`,
      measured: `${integer.format(total)} / ${integer.format(policies)} = ${decimal.format(perPolicy)} (${paid.book.flight.name})`,
      pass: perPolicy <= SETTLEMENT_MAX_GAS_PER_POLICY,
    },
  ];
  for (const settlement of [paid, expired]) {
    const gas = settlement.transactions.map((transaction) => transaction.gas);
    const largest = largestOf(gas);
    checks.push({
      target:
        `${integer.format(settlement.book.issuance.length)} policies on one flight settled in <= ` +
        `${SETTLEMENT_MAX_TRANSACTIONS} txs, each <= ${integer.format(TRANSACTION_GAS_CAP)} gas (EIP-7825)`,
      measured: `${gas.length} txs, largest ${integer.format(largest)} (${settlement.book.flight.name})`,
      pass: gas.length <= SETTLEMENT_MAX_TRANSACTIONS && largest <= TRANSACTION_GAS_CAP,
    });
  }
  return checks;
}

/** One PASS/FAIL line per target. */
export function formatTargets(checks: readonly TargetCheck[]): string {
  return columns(
    ['result', 'target', 'measured'],
    checks.map((check) => [check.pass ? 'PASS' : 'FAIL', check.target, check.measured]),
    [],
  );
}
