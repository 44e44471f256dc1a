/**
 * The chain's throughput ceiling for PolicyLedger's operations: how many anchors, batches, issued policies, oracle
 * reports and settlements per second fit in a block gas limit and block period, from the gas each operation was
 * measured to use. Gas is the only limit counted: a real network also needs its validators to execute that much gas
 * in time (Besu QBFT with four validators was measured at 750–1,200 simple transactions per second).
 *
 *   npx tsx scripts/bench/ceiling.ts [--gas <bench:gas JSON>] [--settlement <bench:settlement JSON>]
 *                                   [--gas-limit <gas>] [--block-period <seconds>] [--json <file>]
 *
 * Without JSON files it uses the figures last measured (listed below); the block gas limit and period default to the
 * consortium kit's genesis.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_NETWORK_SETTINGS } from '../../services/consortium-kit/genesis.js';
import { BATCH_SIZE } from './scenario.js';

/** One operation's measured gas, and what one unit of it is. */
interface MeasuredOperation {
  operation: string;
  unit: string;
  gasPerUnit: number;
  /** Where the figure comes from: `bench:gas` or `bench:settlement`, and its row. */
  source: string;
  /** Documents one unit records (a batch records many). */
  documentsPerUnit?: number;
}

interface CeilingRow {
  operation: string;
  unit: string;
  gasPerUnit: number;
  perBlock: number;
  perSecond: number;
  documentsPerSecond?: number;
}

/**
 * Last measured on 2026-11-30 (2 cores, Hardhat's simulated chain): `npm run bench:gas` (Prague rules) and
 * `npm run bench:settlement` (Osaka rules, 1,000 policies on one flight, 90 % paying, quota share and excess of loss).
 */
const LAST_MEASURED = {
  gas: { anchor: 125_870, 'anchor+3cosign': 419_695, [`batch-${BATCH_SIZE}`]: 57_614 } as Record<string, number>,
  settlement: {
    'issuance path (anchor + 2 co-signatures + issue)': 700_240,
    'oracle report': 164_054,
    'settle 1,000 policies on one flight (total)': 50_886_934 / 1_000,
    'release 1,000 expired policies on one flight (total)': 19_063_295 / 1_000,
  } as Record<string, number>,
};

interface GasRow {
  system?: string;
  operation: string;
  gas: number;
  documents?: number;
  policies?: number;
}

/** Gas per unit of each row of a benchmark's JSON: per policy where the row counts policies. */
async function readBenchJson(file: string): Promise<Record<string, number>> {
  const rows = JSON.parse(await readFile(file, 'utf8')) as GasRow[];
  return Object.fromEntries(
    rows
      .filter((row) => row.system === undefined || row.system === 'policyledger')
      .map((row) => [row.operation, row.policies !== undefined && row.policies > 1 ? row.gas / row.policies : row.gas]),
  );
}

function operations(gas: Record<string, number>, settlement: Record<string, number>): MeasuredOperation[] {
  const pick = (figures: Record<string, number>, row: string, bench: string) => {
    const value = figures[row];
    if (value === undefined) throw new Error(`${bench} has no row "${row}"`);
    return value;
  };
  return [
    {
      operation: 'anchor a document (all metadata, three required signers)',
      unit: 'anchor',
      gasPerUnit: pick(gas, 'anchor', 'bench:gas'),
      source: 'bench:gas anchor',
      documentsPerUnit: 1,
    },
    {
      operation: 'anchor and co-sign by three parties',
      unit: 'co-signed document',
      gasPerUnit: pick(gas, 'anchor+3cosign', 'bench:gas'),
      source: 'bench:gas anchor+3cosign',
      documentsPerUnit: 1,
    },
    {
      operation: `anchor a Merkle batch of ${BATCH_SIZE.toLocaleString('en-US')} documents`,
      unit: 'batch',
      gasPerUnit: pick(gas, `batch-${BATCH_SIZE}`, 'bench:gas'),
      source: `bench:gas batch-${BATCH_SIZE}`,
      documentsPerUnit: BATCH_SIZE,
    },
    {
      operation: 'issue a policy (anchor, two co-signatures, issue)',
      unit: 'policy issued',
      gasPerUnit: pick(settlement, 'issuance path (anchor + 2 co-signatures + issue)', 'bench:settlement'),
      source: 'bench:settlement issuance path',
    },
    {
      operation: 'oracle report (one node, one feed)',
      unit: 'report',
      gasPerUnit: pick(settlement, 'oracle report', 'bench:settlement'),
      source: 'bench:settlement oracle report',
    },
    {
      operation: 'settle a policy (paid, cession included; in batches of about 212)',
      unit: 'policy settled',
      gasPerUnit: pick(settlement, 'settle 1,000 policies on one flight (total)', 'bench:settlement'),
      source: 'bench:settlement settle 1,000 policies (total) / 1,000',
    },
    {
      operation: 'release an expired policy (in batches of about 224)',
      unit: 'policy released',
      gasPerUnit: pick(settlement, 'release 1,000 expired policies on one flight (total)', 'bench:settlement'),
      source: 'bench:settlement release 1,000 policies (total) / 1,000',
    },
  ];
}

/** The ceiling of each operation alone: whole units per block, and per second over the block period. */
function ceilings(measured: MeasuredOperation[], gasLimit: number, blockPeriodSeconds: number): CeilingRow[] {
  return measured.map((entry) => {
    const perBlock = Math.floor(gasLimit / entry.gasPerUnit);
    const perSecond = perBlock / blockPeriodSeconds;
    return {
      operation: entry.operation,
      unit: entry.unit,
      gasPerUnit: Math.round(entry.gasPerUnit),
      perBlock,
      perSecond,
      ...(entry.documentsPerUnit === undefined ? {} : { documentsPerSecond: perSecond * entry.documentsPerUnit }),
    };
  });
}

const USAGE = `Usage: npx tsx scripts/bench/ceiling.ts [--gas <file>] [--settlement <file>] [--gas-limit <gas>]
                                     [--block-period <seconds>] [--json <file>]

  --gas <file>            JSON written by npm run bench:gas -- --json <file> (default: the last measured figures)
  --settlement <file>     JSON written by npm run bench:settlement -- --json <file> (default: the same)
  --gas-limit <gas>       block gas limit (default ${DEFAULT_NETWORK_SETTINGS.gasLimit}, the consortium kit's genesis)
  --block-period <s>      seconds between blocks (default ${DEFAULT_NETWORK_SETTINGS.blockPeriodSeconds}, the kit's blockperiodseconds)
  --json <file>           also write the rows as JSON`;

function positive(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`${option} must be a positive number, got "${value}"`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      gas: { type: 'string' },
      settlement: { type: 'string' },
      'gas-limit': { type: 'string' },
      'block-period': { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  const gasLimit = positive('--gas-limit', values['gas-limit'], Number(DEFAULT_NETWORK_SETTINGS.gasLimit));
  const blockPeriod = positive('--block-period', values['block-period'], DEFAULT_NETWORK_SETTINGS.blockPeriodSeconds);
  const gas = values.gas === undefined ? LAST_MEASURED.gas : await readBenchJson(values.gas);
  const settlement =
    values.settlement === undefined ? LAST_MEASURED.settlement : await readBenchJson(values.settlement);
  const rows = ceilings(operations(gas, settlement), gasLimit, blockPeriod);

  const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
  console.log(
    `Block gas limit ${integer.format(gasLimit)}, a block every ${decimal.format(blockPeriod)} s: ` +
      `${integer.format(gasLimit / blockPeriod)} gas per second. Figures: ` +
      `${values.gas ?? 'bench:gas as last measured'}, ${values.settlement ?? 'bench:settlement as last measured'}.\n`,
  );
  const table = [
    ['operation', 'gas per unit', 'per block', 'per second', 'documents/s'],
    ...rows.map((row) => [
      row.operation,
      integer.format(row.gasPerUnit),
      `${integer.format(row.perBlock)} ${row.unit}`,
      decimal.format(row.perSecond),
      row.documentsPerSecond === undefined ? '' : integer.format(row.documentsPerSecond),
    ]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  for (const [index, line] of table.entries()) {
    console.log(
      line
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join('  '),
    );
    if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  }
  console.log(
    '\nEach row is that operation alone filling every block; a mix shares the same gas. Gas counts execution only:' +
      ' the validators must also execute that much gas within the block period.',
  );
  if (values.json !== undefined) {
    await mkdir(dirname(values.json), { recursive: true });
    await writeFile(values.json, `${JSON.stringify({ gasLimit, blockPeriodSeconds: blockPeriod, rows }, null, 2)}\n`);
    console.log(`Wrote ${rows.length} rows to ${values.json}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
