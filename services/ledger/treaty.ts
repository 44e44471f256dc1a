/**
 * Reads of a reinsurance treaty: its parties and terms, the block range of a period given in block times, and the
 * lines of its statement — one per money-moving log of the treaty (premium ceded and returned, losses ceded, shortfalls
 * and their repayment, premium offsets, collateral and premium moves), each pointing at its transaction and log.
 *
 * The lines come from the chain's logs over JSON-RPC (`eth_getLogs`), not from the chain index, so a statement states
 * what the chain says even when the index lags. `TreatyActivated` moves no money and is not a line.
 */
import { getAddress, isError, type Log, type Provider } from 'ethers';
import { ReinsuranceTreaty__factory } from '../../types/ethers-contracts/index.js';
import type { LedgerClient } from './client.js';

/** The kinds of statement line, named after the treaty event each comes from. */
export const STATEMENT_LINE_KINDS = [
  'PremiumCeded',
  'PremiumReturned',
  'PremiumReturnShortfall',
  'LossCeded',
  'PremiumOffset',
  'CollateralShortfall',
  'ShortfallPaid',
  'CollateralPosted',
  'CollateralWithdrawn',
  'PremiumWithdrawn',
] as const;
export type StatementLineKind = (typeof STATEMENT_LINE_KINDS)[number];

/** A treaty as the chain states it. Amounts in the pool asset's base units. */
export interface TreatyRecord {
  address: string;
  consortium: string;
  pool: string;
  insurer: string;
  reinsurer: string;
  active: boolean;
  terms: {
    quotaShareBps: number;
    cedingCommissionBps: number;
    excessOfLossAttachment: bigint;
    excessOfLossLimit: bigint;
    excessOfLossAggregateLimit: bigint;
  };
}

/**
 * One money-moving log of the treaty. `amounts` carries the event's own amount fields under their Solidity names
 * (e.g. `gross`, `cededQuotaShare`, `cededExcessOfLoss`, `net` for `LossCeded`).
 */
export interface StatementLine {
  /** `<blockNumber>-<logIndex>`: stable across re-reads and index rebuilds. */
  id: string;
  kind: StatementLineKind;
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
  /** The block's time, ISO-8601 UTC. */
  time: string;
  policyId: string | null;
  feedId: string | null;
  amounts: Record<string, bigint>;
}

/** An inclusive block range. */
export interface BlockRange {
  fromBlock: number;
  toBlock: number;
}

/** `address` read as a treaty, or null when no treaty answers there (no code, or not a `ReinsuranceTreaty`). */
export async function readTreaty(
  client: Pick<LedgerClient, 'provider'>,
  address: string,
): Promise<TreatyRecord | null> {
  const treaty = ReinsuranceTreaty__factory.connect(address, client.provider);
  if ((await client.provider.getCode(address)) === '0x') return null;
  try {
    const [terms, consortium, active] = await Promise.all([treaty.terms(), treaty.consortium(), treaty.isActive()]);
    return {
      address: getAddress(address),
      consortium: getAddress(consortium),
      pool: getAddress(terms.pool),
      insurer: getAddress(terms.insurer),
      reinsurer: getAddress(terms.reinsurer),
      active,
      terms: {
        quotaShareBps: Number(terms.quotaShareBps),
        cedingCommissionBps: Number(terms.cedingCommissionBps),
        excessOfLossAttachment: terms.excessOfLossAttachment,
        excessOfLossLimit: terms.excessOfLossLimit,
        excessOfLossAggregateLimit: terms.excessOfLossAggregateLimit,
      },
    };
  } catch (error) {
    // A contract that is not a treaty reverts or answers data that does not decode.
    if (isError(error, 'CALL_EXCEPTION') || isError(error, 'BAD_DATA')) return null;
    throw error;
  }
}

/**
 * The chain's latest block number, asked of the node: ethers' `getBlockNumber` may answer from a cache a moment old,
 * and a period ending now would then end a block early.
 */
async function latestBlock(provider: Provider): Promise<number> {
  const rpc = provider as Provider & { send?: (method: string, params: unknown[]) => Promise<unknown> };
  if (typeof rpc.send === 'function') return Number(BigInt((await rpc.send('eth_blockNumber', [])) as string));
  return provider.getBlockNumber();
}

/** The number of the first block whose time is at or after `seconds`, or `latest + 1` when there is none yet. */
async function firstBlockAtOrAfter(provider: Provider, seconds: number, latest: number): Promise<number> {
  let low = 0;
  let high = latest + 1;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const block = await provider.getBlock(middle);
    if (block === null) throw new Error(`block ${middle} is missing from the node`);
    if (block.timestamp >= seconds) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * The blocks of a period in block times: from the first block at or after `from` (block 0 when absent) to the last
 * block before `to` (the latest block when absent). Empty (`fromBlock > toBlock`) when no block falls inside.
 */
export async function blockRangeOfPeriod(
  client: Pick<LedgerClient, 'provider'>,
  period: { from?: Date | undefined; to?: Date | undefined },
): Promise<BlockRange> {
  const latest = await latestBlock(client.provider);
  const seconds = (date: Date) => Math.ceil(date.getTime() / 1000);
  const fromBlock =
    period.from === undefined ? 0 : await firstBlockAtOrAfter(client.provider, seconds(period.from), latest);
  const toBlock =
    period.to === undefined ? latest : (await firstBlockAtOrAfter(client.provider, seconds(period.to), latest)) - 1;
  return { fromBlock, toBlock };
}

/** A decoded treaty log: its event name and arguments by name. */
interface DecodedLog {
  eventName: string;
  args: Record<string, unknown>;
}

/** The policy, feed and amounts a treaty log carries, by event. */
function lineFields(log: DecodedLog): Pick<StatementLine, 'policyId' | 'feedId' | 'amounts'> {
  const big = (name: string) => log.args[name] as bigint;
  const amounts = (...names: string[]) => Object.fromEntries(names.map((name) => [name, big(name)]));
  const policy = () => big('policyId').toString();
  switch (log.eventName as StatementLineKind) {
    case 'PremiumCeded':
      return { policyId: policy(), feedId: null, amounts: amounts('premium', 'cededPremium', 'cedingCommission') };
    case 'PremiumReturned':
      return { policyId: policy(), feedId: null, amounts: amounts('refund', 'returned') };
    case 'PremiumReturnShortfall':
      return { policyId: policy(), feedId: null, amounts: amounts('owed', 'paid') };
    case 'LossCeded':
      return {
        policyId: policy(),
        feedId: String(log.args.feedId).toLowerCase(),
        amounts: amounts('gross', 'cededQuotaShare', 'cededExcessOfLoss', 'net'),
      };
    case 'CollateralShortfall':
      return { policyId: null, feedId: String(log.args.feedId).toLowerCase(), amounts: amounts('owed', 'paid') };
    case 'ShortfallPaid':
      return { policyId: null, feedId: null, amounts: amounts('amount', 'outstanding') };
    case 'PremiumOffset':
      return { policyId: null, feedId: null, amounts: amounts('amount', 'premiumBalance') };
    case 'CollateralPosted':
    case 'CollateralWithdrawn':
    case 'PremiumWithdrawn':
      return { policyId: null, feedId: null, amounts: amounts('amount') };
  }
}

/** The statement lines of `treaty` in `range`, in chain order. */
export async function treatyStatementLines(
  client: Pick<LedgerClient, 'provider'>,
  treaty: string,
  range: BlockRange,
): Promise<StatementLine[]> {
  if (range.fromBlock > range.toBlock) return [];
  const treatyInterface = ReinsuranceTreaty__factory.createInterface();
  const kinds = new Set<string>(STATEMENT_LINE_KINDS);
  const logs = await client.provider.getLogs({ address: treaty, fromBlock: range.fromBlock, toBlock: range.toBlock });
  const lines: { log: Log; decoded: DecodedLog }[] = [];
  for (const log of logs) {
    const parsed = treatyInterface.parseLog(log);
    if (parsed === null || !kinds.has(parsed.name)) continue;
    const args = Object.fromEntries(parsed.fragment.inputs.map((input, i) => [input.name, parsed.args[i] as unknown]));
    lines.push({ log, decoded: { eventName: parsed.name, args } });
  }
  const times = new Map<number, string>();
  for (const blockNumber of new Set(lines.map(({ log }) => log.blockNumber))) {
    const block = await client.provider.getBlock(blockNumber);
    if (block === null) throw new Error(`block ${blockNumber} is missing from the node`);
    times.set(blockNumber, new Date(block.timestamp * 1000).toISOString());
  }
  return lines
    .sort((a, b) => a.log.blockNumber - b.log.blockNumber || a.log.index - b.log.index)
    .map(({ log, decoded }) => ({
      id: `${log.blockNumber}-${log.index}`,
      kind: decoded.eventName as StatementLineKind,
      blockNumber: log.blockNumber,
      logIndex: log.index,
      transactionHash: log.transactionHash.toLowerCase(),
      time: times.get(log.blockNumber)!,
      ...lineFields(decoded),
    }));
}
