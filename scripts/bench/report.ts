import { toGasRow, type BenchSystem, type GasRow, type Measurement } from './measure.js';
import { BATCH_SIZE, MULTI_ATTEST_SIZE } from './scenario.js';

/** Target: anchoring a document costs at most this share of an EAS attestation of the same data. */
export const ANCHOR_TO_ATTEST_MAX_RATIO = 0.25;

/** Target: a Merkle batch costs at most this much gas per document. */
export const BATCH_MAX_GAS_PER_DOCUMENT = 100;

/** Most gas one transaction may use from Osaka on (EIP-7825). */
export const OSAKA_TRANSACTION_GAS_CAP = 2n ** 24n;

/** The outcome of checking one target. */
export interface TargetCheck {
  target: string;
  measured: string;
  pass: boolean;
}

/** Operations of the two systems that do the same job, compared per document. */
const COMPARISONS: readonly (readonly [job: string, ours: string, theirs: string])[] = [
  ['record a document', 'anchor', 'attest'],
  ['record a new version of it', 'supersede', 'attest+refUID'],
  ['revoke it', 'revoke', 'revoke'],
  ['record in bulk (ours: one Merkle root)', `batch-${BATCH_SIZE}`, `multiAttest-${MULTI_ATTEST_SIZE}`],
];

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
const smallPercent = new Intl.NumberFormat('en-US', { style: 'percent', maximumSignificantDigits: 2 });

function ratio(value: number): string {
  return value < 0.01 ? smallPercent.format(value) : percent.format(value);
}

function perDocument(row: GasRow): number {
  return row.gas / row.documents;
}

function findRow(rows: readonly GasRow[], system: BenchSystem, operation: string): GasRow | undefined {
  return rows.find((row) => row.system === system && row.operation === operation);
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

/** The measured figures, one line per system and operation. */
export function formatGasTable(measurements: readonly Measurement[]): string {
  return columns(
    ['system', 'operation', 'txs', 'documents', 'gas', 'gas/document'],
    measurements.map((measurement) => {
      const row = toGasRow(measurement);
      return [
        row.system,
        row.operation,
        String(measurement.transactionGas.length),
        integer.format(row.documents),
        integer.format(row.gas),
        decimal.format(perDocument(row)),
      ];
    }),
    [2, 3, 4, 5],
  );
}

/** A warning for each operation with a transaction that a network past Osaka would refuse. */
export function formatCapWarnings(measurements: readonly Measurement[]): string[] {
  return measurements.flatMap((measurement) => {
    const largest = measurement.transactionGas.reduce((max, gas) => (gas > max ? gas : max), 0n);
    if (largest <= OSAKA_TRANSACTION_GAS_CAP) return [];
    return [
      `Note: ${measurement.system} ${measurement.operation} sends one transaction of ${integer.format(largest)} gas, ` +
        `above the ${integer.format(OSAKA_TRANSACTION_GAS_CAP)} cap per transaction since Osaka (EIP-7825).`,
    ];
  });
}

/** Our operations next to EAS's for the same job, per document. */
export function formatComparison(rows: readonly GasRow[]): string {
  const body: string[][] = [];
  for (const [job, ours, theirs] of COMPARISONS) {
    const [ourRow, theirRow] = [findRow(rows, 'policyledger', ours), findRow(rows, 'eas', theirs)];
    if (ourRow === undefined || theirRow === undefined) continue;
    body.push([
      job,
      `${ours} ${decimal.format(perDocument(ourRow))}`,
      `${theirs} ${decimal.format(perDocument(theirRow))}`,
      ratio(perDocument(ourRow) / perDocument(theirRow)),
    ]);
  }
  return columns(['job (gas per document)', 'policyledger', 'eas', 'ours/eas'], body, [1, 2, 3]);
}

/** Checks the performance targets; a target whose figures are missing fails. */
export function checkTargets(rows: readonly GasRow[]): TargetCheck[] {
  const anchor = findRow(rows, 'policyledger', 'anchor');
  const attest = findRow(rows, 'eas', 'attest');
  const batch = findRow(rows, 'policyledger', `batch-${BATCH_SIZE}`);

  const anchorTarget = `policyledger anchor <= ${percent.format(ANCHOR_TO_ATTEST_MAX_RATIO)} of EAS attest`;
  const batchTarget = `policyledger batch-${BATCH_SIZE} <= ${BATCH_MAX_GAS_PER_DOCUMENT} gas per document`;
  return [
    anchor === undefined || attest === undefined
      ? { target: anchorTarget, measured: 'not measured', pass: false }
      : {
          target: anchorTarget,
          measured: `${integer.format(anchor.gas)} / ${integer.format(attest.gas)} = ${ratio(anchor.gas / attest.gas)}`,
          pass: anchor.gas <= ANCHOR_TO_ATTEST_MAX_RATIO * attest.gas,
        },
    batch === undefined
      ? { target: batchTarget, measured: 'not measured', pass: false }
      : {
          target: batchTarget,
          measured: `${integer.format(batch.gas)} / ${integer.format(batch.documents)} = ${decimal.format(perDocument(batch))}`,
          pass: perDocument(batch) <= BATCH_MAX_GAS_PER_DOCUMENT,
        },
  ];
}

/** One PASS/FAIL line per target. */
export function formatTargets(checks: readonly TargetCheck[]): string {
  return columns(
    ['result', 'target', 'measured'],
    checks.map((check) => [check.pass ? 'PASS' : 'FAIL', check.target, check.measured]),
    [],
  );
}
