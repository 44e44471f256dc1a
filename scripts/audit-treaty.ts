/**
 * `npm run audit:treaty -- --treaty <address> --rpc <url> [--statement <file>] [--from <iso>] [--to <iso>] [--json]`
 *
 * Re-derives a treaty's statement from the chain's logs alone and reports every difference from a given statement:
 * a line missing or extra, a field or amount that differs, an event or total that differs, and a signature that
 * does not check. Exit code 0 when everything agrees, 1 on any difference, 2 on a usage error.
 *
 * This is the reinsurer's cross-check of the API, so it shares none of the API's statement code: its own ABI
 * fragments, its own JSON-RPC calls (`eth_getLogs` from the treaty's creation block, found by `eth_getCode`), its own
 * period-to-block search and its own sums. It also recomputes each cession from the treaty's terms (quota share,
 * ceding commission, the per-event excess-of-loss layer and its aggregate) and reports any log whose amounts do not
 * follow them. Only the signature check is shared with the API (`services/api/treaties/signing.ts`): it is the one
 * definition of what the signature means.
 *
 * Without `--statement` it prints the re-derived statement (JSON), which the API's statement must equal.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { getAddress, Interface, JsonRpcProvider, ZeroAddress, type Log } from 'ethers';
import { describeError } from '../services/ledger/describe-error.js';
import { decodeRevertData } from '../services/ledger/errors.js';
import { readParty } from '../services/ledger/parties.js';
import { checkStatementSignature, type StatementSignature } from '../services/api/treaties/signing.js';

/** The treaty's events and views this audit reads, written out here rather than taken from the build. */
const TREATY_ABI = new Interface([
  'function terms() view returns (tuple(address insurer, address reinsurer, address pool, uint16 quotaShareBps, uint16 cedingCommissionBps, uint256 excessOfLossAttachment, uint256 excessOfLossLimit, uint256 excessOfLossAggregateLimit))',
  'function consortium() view returns (address)',
  'event PremiumCeded(uint256 indexed policyId, uint256 premium, uint256 cededPremium, uint256 cedingCommission)',
  'event PremiumReturned(uint256 indexed policyId, uint256 refund, uint256 returned)',
  'event PremiumReturnShortfall(uint256 indexed policyId, uint256 owed, uint256 paid)',
  'event LossCeded(uint256 indexed policyId, bytes32 indexed feedId, uint256 gross, uint256 cededQuotaShare, uint256 cededExcessOfLoss, uint256 net)',
  'event PremiumOffset(uint256 amount, uint256 premiumBalance)',
  'event CollateralShortfall(bytes32 indexed feedId, uint256 owed, uint256 paid)',
  'event ShortfallPaid(uint256 amount, uint256 outstanding)',
  'event CollateralPosted(address indexed reinsurer, uint256 amount)',
  'event CollateralWithdrawn(address indexed reinsurer, uint256 amount)',
  'event PremiumWithdrawn(address indexed reinsurer, uint256 amount)',
]);
const BPS = 10_000n;
/** Blocks per `eth_getLogs` request: within what public nodes and Besu accept. */
const LOG_CHUNK = 5_000;

interface Terms {
  insurer: string;
  reinsurer: string;
  pool: string;
  quotaShareBps: bigint;
  cedingCommissionBps: bigint;
  attachment: bigint;
  limit: bigint;
  aggregateLimit: bigint;
}

export interface AuditLine {
  id: string;
  kind: string;
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
  time: string;
  policyId: string | null;
  feedId: string | null;
  amounts: Record<string, string>;
}

export interface AuditStatement {
  chainId: string;
  treaty: string;
  pool: string;
  insurer: string;
  reinsurer: string;
  terms: Record<string, string | number>;
  period: { from: string | null; to: string | null; fromBlock: number; toBlock: number };
  lines: AuditLine[];
  events: Record<string, string | number>[];
  totals: Record<string, string | number>;
}

/** One disagreement, with where it is (`line 412-3`, `total grossLosses`, …). */
export interface Difference {
  kind:
    | 'line-missing'
    | 'line-extra'
    | 'line-differs'
    | 'event-missing'
    | 'event-extra'
    | 'event-differs'
    | 'total-differs'
    | 'header-differs'
    | 'cession-formula'
    | 'signature';
  where: string;
  message: string;
}

export interface AuditReport {
  treaty: string;
  chainId: string;
  derived: AuditStatement;
  differences: Difference[];
  signature: Awaited<ReturnType<typeof checkStatementSignature>> | null;
}

export interface AuditOptions {
  treaty: string;
  rpcUrl: string;
  /** A statement (signed `{statement, signature}` or bare) to compare with. */
  statement?: unknown;
  from?: Date;
  to?: Date;
}

/** A bare JSON-RPC client. */
function rpcClient(url: string) {
  let id = 0;
  return async function rpc<T>(method: string, params: unknown[]): Promise<T> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    });
    const body = (await response.json()) as { result?: T; error?: { message: string; data?: unknown } };
    if (body.error !== undefined) {
      // A revert is told by our custom error's name and arguments, not by the node's hex.
      const decoded = typeof body.error.data === 'string' ? decodeRevertData(body.error.data) : null;
      throw new Error(
        `${method}: ${decoded === null ? body.error.message : `the contract reverted: ${decoded.message}`}`,
      );
    }
    return body.result as T;
  };
}
type Rpc = ReturnType<typeof rpcClient>;

const hex = (n: number) => `0x${n.toString(16)}`;

async function blockTime(rpc: Rpc, block: number): Promise<number> {
  const found = await rpc<{ timestamp: string } | null>('eth_getBlockByNumber', [hex(block), false]);
  if (found === null) throw new Error(`the node has no block ${block}`);
  return Number(BigInt(found.timestamp));
}

/** The lowest block in [low, high] for which `test` holds (`high + 1` when none), `test` being monotonic. */
async function lowestBlock(low: number, high: number, test: (block: number) => Promise<boolean>): Promise<number> {
  let lo = low;
  let hi = high + 1;
  while (lo < hi) {
    const middle = lo + Math.floor((hi - lo) / 2);
    if (await test(middle)) hi = middle;
    else lo = middle + 1;
  }
  return lo;
}

async function readTerms(rpc: Rpc, treaty: string): Promise<Terms> {
  const data = await rpc<string>('eth_call', [{ to: treaty, data: TREATY_ABI.encodeFunctionData('terms') }, 'latest']);
  const [t] = TREATY_ABI.decodeFunctionResult('terms', data) as unknown as [
    [string, string, string, bigint, bigint, bigint, bigint, bigint],
  ];
  return {
    insurer: getAddress(t[0]),
    reinsurer: getAddress(t[1]),
    pool: getAddress(t[2]),
    quotaShareBps: t[3],
    cedingCommissionBps: t[4],
    attachment: t[5],
    limit: t[6],
    aggregateLimit: t[7],
  };
}

/** What the excess-of-loss layer pays on an event retention of `retained`. */
function layer(terms: Terms, retained: bigint): bigint {
  if (retained <= terms.attachment) return 0n;
  const excess = retained - terms.attachment;
  return excess < terms.limit ? excess : terms.limit;
}

/** Checks every log since the treaty's creation against its terms; the state the cessions depend on is re-run. */
function cessionFindings(terms: Terms, lines: AuditLine[]): Difference[] {
  const findings: Difference[] = [];
  const retainedByEvent = new Map<string, bigint>();
  let aggregate = 0n;
  const premiumCession = (premium: bigint) => {
    const ceded = (premium * terms.quotaShareBps) / BPS;
    return { ceded, commission: (ceded * terms.cedingCommissionBps) / BPS };
  };
  const expect = (line: AuditLine, field: string, expected: bigint) => {
    if (BigInt(line.amounts[field]!) !== expected) {
      findings.push({
        kind: 'cession-formula',
        where: `line ${line.id}`,
        message: `${line.kind} ${field} is ${line.amounts[field]} on chain, the terms give ${expected}`,
      });
    }
  };
  for (const line of lines) {
    const amount = (field: string) => BigInt(line.amounts[field]!);
    if (line.kind === 'PremiumCeded') {
      const { ceded, commission } = premiumCession(amount('premium'));
      expect(line, 'cededPremium', ceded);
      expect(line, 'cedingCommission', commission);
    } else if (line.kind === 'PremiumReturned') {
      const { ceded, commission } = premiumCession(amount('refund'));
      if (amount('returned') > ceded - commission) {
        findings.push({
          kind: 'cession-formula',
          where: `line ${line.id}`,
          message: `PremiumReturned returned ${amount('returned')}, more than the ceded share ${ceded - commission}`,
        });
      }
    } else if (line.kind === 'LossCeded') {
      const gross = amount('gross');
      const retainedBefore = retainedByEvent.get(line.feedId!) ?? 0n;
      const quotaShare = (gross * terms.quotaShareBps) / BPS;
      const retainedAfter = retainedBefore + gross - quotaShare;
      const left = aggregate < terms.aggregateLimit ? terms.aggregateLimit - aggregate : 0n;
      let excessOfLoss = layer(terms, retainedAfter) - layer(terms, retainedBefore);
      if (excessOfLoss > left) excessOfLoss = left;
      expect(line, 'cededQuotaShare', quotaShare);
      expect(line, 'cededExcessOfLoss', excessOfLoss);
      expect(line, 'net', gross - quotaShare - excessOfLoss);
      retainedByEvent.set(line.feedId!, retainedAfter);
      aggregate += excessOfLoss;
    }
  }
  return findings;
}

function lineOf(log: Log, time: number): AuditLine | null {
  const parsed = TREATY_ABI.parseLog({ topics: [...log.topics], data: log.data });
  if (parsed === null) return null;
  const amounts: Record<string, string> = {};
  let policyId: string | null = null;
  let feedId: string | null = null;
  parsed.fragment.inputs.forEach((input, i) => {
    const value: unknown = parsed.args[i];
    if (input.name === 'policyId') policyId = String(value);
    else if (input.name === 'feedId') feedId = String(value).toLowerCase();
    else if (input.type === 'uint256') amounts[input.name] = String(value);
  });
  return {
    id: `${log.blockNumber}-${log.index}`,
    kind: parsed.name,
    blockNumber: log.blockNumber,
    logIndex: log.index,
    transactionHash: log.transactionHash.toLowerCase(),
    time: new Date(time * 1000).toISOString(),
    policyId,
    feedId,
    amounts,
  };
}

/** Every line the treaty's logs give from `fromBlock` to `toBlock`. */
async function readLines(rpc: Rpc, treaty: string, fromBlock: number, toBlock: number): Promise<AuditLine[]> {
  const lines: AuditLine[] = [];
  const times = new Map<number, number>();
  for (let start = fromBlock; start <= toBlock; start += LOG_CHUNK) {
    const end = Math.min(toBlock, start + LOG_CHUNK - 1);
    const raw = await rpc<
      { blockNumber: string; logIndex: string; transactionHash: string; topics: string[]; data: string }[]
    >('eth_getLogs', [{ address: treaty, fromBlock: hex(start), toBlock: hex(end) }]);
    for (const entry of raw) {
      const blockNumber = Number(BigInt(entry.blockNumber));
      if (!times.has(blockNumber)) times.set(blockNumber, await blockTime(rpc, blockNumber));
      const log = {
        ...entry,
        blockNumber,
        index: Number(BigInt(entry.logIndex)),
      } as unknown as Log;
      const line = lineOf(log, times.get(blockNumber)!);
      if (line !== null) lines.push(line);
    }
  }
  return lines.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

/** Sums of the lines, per total and per event, in this audit's own arithmetic. */
function sums(lines: AuditLine[]): Pick<AuditStatement, 'events' | 'totals'> {
  const total = new Map<string, bigint>();
  const add = (name: string, value: bigint) => total.set(name, (total.get(name) ?? 0n) + value);
  const events = new Map<string, Map<string, bigint>>();
  for (const line of lines) {
    const a = (field: string) => BigInt(line.amounts[field] ?? '0');
    const sumsByKind: Record<string, [string, bigint][]> = {
      PremiumCeded: [
        ['premiumCeded', a('cededPremium')],
        ['cedingCommission', a('cedingCommission')],
        ['netPremiumCeded', a('cededPremium') - a('cedingCommission')],
      ],
      PremiumReturned: [['premiumReturned', a('returned')]],
      PremiumReturnShortfall: [['premiumReturnShortfall', a('owed') - a('paid')]],
      LossCeded: [
        ['grossLosses', a('gross')],
        ['lossesCededQuotaShare', a('cededQuotaShare')],
        ['lossesCededExcessOfLoss', a('cededExcessOfLoss')],
        ['lossesRetained', a('net')],
      ],
      CollateralShortfall: [['collateralShortfall', a('owed') - a('paid')]],
      ShortfallPaid: [['shortfallRepaid', a('amount')]],
      PremiumOffset: [['premiumOffset', a('amount')]],
      CollateralPosted: [['collateralPosted', a('amount')]],
      CollateralWithdrawn: [['collateralWithdrawn', a('amount')]],
      PremiumWithdrawn: [['premiumWithdrawn', a('amount')]],
    };
    for (const [name, value] of sumsByKind[line.kind] ?? []) add(name, value);
    if (line.feedId !== null) {
      const event = events.get(line.feedId) ?? new Map<string, bigint>();
      events.set(line.feedId, event);
      const eventAdd = (name: string, value: bigint) => event.set(name, (event.get(name) ?? 0n) + value);
      for (const name of ['losses', 'gross', 'cededQuotaShare', 'cededExcessOfLoss', 'retained', 'shortfall']) {
        eventAdd(name, 0n);
      }
      if (line.kind === 'LossCeded') {
        eventAdd('losses', 1n);
        eventAdd('gross', a('gross'));
        eventAdd('cededQuotaShare', a('cededQuotaShare'));
        eventAdd('cededExcessOfLoss', a('cededExcessOfLoss'));
        eventAdd('retained', a('net'));
      } else {
        eventAdd('shortfall', a('owed') - a('paid'));
      }
    }
  }
  return {
    totals: { ...Object.fromEntries([...total].map(([name, value]) => [name, value.toString()])), lines: lines.length },
    events: [...events].map(([feedId, event]) => ({
      feedId,
      ...Object.fromEntries(
        [...event].map(([name, value]) => [name, name === 'losses' ? Number(value) : value.toString()]),
      ),
    })),
  };
}

const LINE_FIELDS = ['kind', 'blockNumber', 'logIndex', 'transactionHash', 'time', 'policyId', 'feedId'] as const;

/** Every difference between the re-derived statement and `given`. */
function compare(
  derived: AuditStatement,
  given: AuditStatement,
  periodGiven: { from: boolean; to: boolean },
): Difference[] {
  const differences: Difference[] = [];
  // Values come from JSON: strings, numbers or null; a missing one compares as empty.
  const text = (value: unknown) =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value ?? '');
  const same = (a: unknown, b: unknown) => text(a) === text(b);
  const headers: [string, unknown, unknown][] = [
    ['chainId', derived.chainId, given.chainId],
    ['treaty', derived.treaty, given.treaty],
    ['pool', derived.pool, given.pool],
    ['insurer', derived.insurer, given.insurer],
    ['reinsurer', derived.reinsurer, given.reinsurer],
    ...Object.entries(derived.terms).map(([name, value]): [string, unknown, unknown] => [
      `terms.${name}`,
      value,
      given.terms?.[name],
    ]),
  ];
  if (periodGiven.from) headers.push(['period.fromBlock', derived.period.fromBlock, given.period?.fromBlock]);
  if (periodGiven.to) headers.push(['period.toBlock', derived.period.toBlock, given.period?.toBlock]);
  for (const [name, chain, stated] of headers) {
    if (!same(chain, stated)) {
      differences.push({
        kind: 'header-differs',
        where: name,
        message: `statement ${String(stated)}, chain ${String(chain)}`,
      });
    }
  }

  const givenLines = new Map((given.lines ?? []).map((line) => [line.id, line]));
  for (const line of derived.lines) {
    const stated = givenLines.get(line.id);
    givenLines.delete(line.id);
    if (stated === undefined) {
      differences.push({
        kind: 'line-missing',
        where: `line ${line.id}`,
        message: `${line.kind} in transaction ${line.transactionHash} is not in the statement`,
      });
      continue;
    }
    for (const field of LINE_FIELDS) {
      if (!same(line[field], stated[field])) {
        differences.push({
          kind: 'line-differs',
          where: `line ${line.id}`,
          message: `${field}: statement ${String(stated[field])}, chain ${String(line[field])}`,
        });
      }
    }
    const fields = new Set([...Object.keys(line.amounts), ...Object.keys(stated.amounts ?? {})]);
    for (const field of fields) {
      if (!same(line.amounts[field], stated.amounts?.[field])) {
        differences.push({
          kind: 'line-differs',
          where: `line ${line.id}`,
          message: `${line.kind} ${field}: statement ${stated.amounts?.[field] ?? '(none)'}, chain ${line.amounts[field] ?? '(none)'}`,
        });
      }
    }
  }
  for (const [id, line] of givenLines) {
    differences.push({
      kind: 'line-extra',
      where: `line ${id}`,
      message: `${String(line.kind)} in the statement has no log on chain in the period`,
    });
  }

  const givenEvents = new Map((given.events ?? []).map((event) => [String(event.feedId), event]));
  for (const event of derived.events) {
    const feedId = String(event.feedId);
    const stated = givenEvents.get(feedId);
    givenEvents.delete(feedId);
    if (stated === undefined) {
      differences.push({
        kind: 'event-missing',
        where: `event ${feedId}`,
        message: 'the event is not in the statement',
      });
      continue;
    }
    for (const [name, value] of Object.entries(event)) {
      if (!same(value, stated[name])) {
        differences.push({
          kind: 'event-differs',
          where: `event ${feedId}`,
          message: `${name}: statement ${String(stated[name])}, chain ${String(value)}`,
        });
      }
    }
  }
  for (const feedId of givenEvents.keys()) {
    differences.push({ kind: 'event-extra', where: `event ${feedId}`, message: 'the chain has no loss of this event' });
  }

  const names = new Set([...Object.keys(derived.totals), ...Object.keys(given.totals ?? {})]);
  for (const name of names) {
    // A total the chain gives no line for is zero.
    const chain = derived.totals[name] ?? '0';
    const stated = given.totals?.[name];
    if (!same(chain, stated)) {
      differences.push({
        kind: 'total-differs',
        where: `total ${name}`,
        message: `statement ${String(stated ?? '(none)')}, chain ${String(chain)}`,
      });
    }
  }
  return differences;
}

/** The statement inside a signed package, and its signature (null for a bare statement). */
function unwrap(document: unknown): { statement: AuditStatement; signature: StatementSignature | null } {
  const wrapped = document as { statement?: AuditStatement; signature?: StatementSignature };
  if (wrapped.statement !== undefined) return { statement: wrapped.statement, signature: wrapped.signature ?? null };
  return { statement: document as AuditStatement, signature: null };
}

const dateOrUndefined = (text: string | null | undefined) =>
  text === null || text === undefined ? undefined : new Date(text);

/** Re-derives the statement of `options.treaty` and compares it with `options.statement` when given. */
export async function auditTreaty(options: AuditOptions): Promise<AuditReport> {
  const rpc = rpcClient(options.rpcUrl);
  const treaty = getAddress(options.treaty);
  const chainId = BigInt(await rpc<string>('eth_chainId', [])).toString();
  const latest = Number(BigInt(await rpc<string>('eth_blockNumber', [])));
  if ((await rpc<string>('eth_getCode', [treaty, 'latest'])) === '0x') throw new Error(`no contract at ${treaty}`);
  const created = await lowestBlock(
    0,
    latest,
    async (block) => (await rpc<string>('eth_getCode', [treaty, hex(block)])) !== '0x',
  );
  const terms = await readTerms(rpc, treaty);
  const given = options.statement === undefined ? null : unwrap(options.statement);

  // The period: as asked, else as the statement states it; an open end is the statement's own last block.
  const from = options.from ?? dateOrUndefined(given?.statement.period?.from);
  const to = options.to ?? dateOrUndefined(given?.statement.period?.to);
  const firstAtOrAfter = (date: Date) =>
    lowestBlock(0, latest, async (block) => (await blockTime(rpc, block)) >= Math.ceil(date.getTime() / 1000));
  const fromBlock = from === undefined ? 0 : await firstAtOrAfter(from);
  const toBlock = to !== undefined ? (await firstAtOrAfter(to)) - 1 : (given?.statement.period?.toBlock ?? latest);

  const all = await readLines(rpc, treaty, created, Math.max(toBlock, created));
  const lines = all.filter((line) => line.blockNumber >= fromBlock && line.blockNumber <= toBlock);
  const derived: AuditStatement = {
    chainId,
    treaty,
    pool: terms.pool,
    insurer: terms.insurer,
    reinsurer: terms.reinsurer,
    terms: {
      quotaShareBps: Number(terms.quotaShareBps),
      cedingCommissionBps: Number(terms.cedingCommissionBps),
      excessOfLossAttachment: terms.attachment.toString(),
      excessOfLossLimit: terms.limit.toString(),
      excessOfLossAggregateLimit: terms.aggregateLimit.toString(),
    },
    period: { from: from?.toISOString() ?? null, to: to?.toISOString() ?? null, fromBlock, toBlock },
    lines,
    ...sums(lines),
  };
  const differences = cessionFindings(
    terms,
    all.filter((line) => line.blockNumber <= toBlock),
  );
  let signature: AuditReport['signature'] = null;
  if (given !== null) {
    differences.push(...compare(derived, given.statement, { from: from !== undefined, to: to !== undefined }));
    if (given.signature === null) {
      differences.push({ kind: 'signature', where: 'signature', message: 'the statement carries no signature' });
    } else {
      signature = await checkSignature(options.rpcUrl, treaty, given.statement, given.signature);
      for (const problem of signature.problems)
        differences.push({ kind: 'signature', where: 'signature', message: problem });
    }
  }
  return { treaty, chainId, derived, differences, signature };
}

/** The library's signature check, with the signer's party read from the treaty's consortium. */
async function checkSignature(
  rpcUrl: string,
  treaty: string,
  statement: AuditStatement,
  signature: StatementSignature,
) {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
  try {
    const rpc = rpcClient(rpcUrl);
    const data = await rpc<string>('eth_call', [
      { to: treaty, data: TREATY_ABI.encodeFunctionData('consortium') },
      'latest',
    ]);
    const [consortiumAccess] = TREATY_ABI.decodeFunctionResult('consortium', data) as unknown as [string];
    // A client of the consortium contract only: the party read needs no other address of the deployment.
    const client = {
      provider,
      deployment: {
        chainId: statement.chainId,
        consortiumAccess,
        evidenceRegistry: ZeroAddress,
        oracleHub: ZeroAddress,
        deployer: ZeroAddress,
        blockNumber: 0,
        deployedAt: '',
      },
    };
    return await checkStatementSignature(statement, signature, (account) => readParty(client, account));
  } finally {
    provider.destroy();
  }
}

const USAGE =
  'usage: npm run audit:treaty -- --treaty <address> --rpc <url> [--statement <file>] [--from <iso>] [--to <iso>] [--json]';

function parseDate(name: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(date.getTime()))
    throw new UsageError(`--${name} must be an ISO-8601 time`);
  return date;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  let options: AuditOptions;
  let json: boolean;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        treaty: { type: 'string' },
        rpc: { type: 'string' },
        statement: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
    if (values.treaty === undefined || !/^0x[0-9a-fA-F]{40}$/.test(values.treaty))
      throw new UsageError('--treaty must be an address: 0x followed by 40 hex digits');
    if (values.rpc === undefined) throw new UsageError('--rpc <url> is required');
    options = { treaty: values.treaty, rpcUrl: values.rpc };
    const from = parseDate('from', values.from);
    const to = parseDate('to', values.to);
    if (from !== undefined) options.from = from;
    if (to !== undefined) options.to = to;
    if (from !== undefined && to !== undefined && from > to) throw new UsageError('--from must not be after --to');
    if (values.statement !== undefined)
      options.statement = JSON.parse(readFileSync(values.statement, 'utf8')) as unknown;
    json = values.json;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    console.error(USAGE);
    return 2;
  }
  const report = await auditTreaty(options);
  if (json) {
    console.log(JSON.stringify(report, null, 2));
  } else if (options.statement === undefined) {
    console.log(JSON.stringify(report.derived, null, 2));
    for (const finding of report.differences) console.error(`${finding.where}: ${finding.message}`);
  } else {
    console.log(`treaty ${report.treaty} on chain ${report.chainId}: ${report.derived.lines.length} lines re-derived`);
    if (report.signature !== null && report.signature.valid) {
      console.log(`signature: valid, by ${report.signature.recoveredSigner} (active party)`);
    }
    for (const difference of report.differences) {
      console.log(`DIFFERENCE ${difference.kind} ${difference.where}: ${difference.message}`);
    }
    console.log(
      report.differences.length === 0
        ? 'the statement agrees with the chain'
        : `${report.differences.length} difference(s)`,
    );
  }
  return report.differences.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(describeError(error));
      process.exit(2);
    },
  );
}
