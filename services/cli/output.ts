/**
 * What the CLI prints. Results go to stdout: lines for a person, or with `--json` exactly one JSON document (a script
 * parses stdout whole). Progress and notes go to stderr, so they never mix into a result that is piped on.
 */
import type { Writable } from 'node:stream';

export class Output {
  constructor(
    readonly json: boolean,
    readonly stdout: Writable = process.stdout,
    readonly stderr: Writable & { isTTY?: boolean } = process.stderr,
  ) {}

  /** A line of the human result (nothing with `--json`). */
  print(line = ''): void {
    if (!this.json) this.stdout.write(`${line}\n`);
  }

  /** The `--json` result. */
  document(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A note for the person at the terminal (stderr, also with `--json`). */
  note(line: string): void {
    this.stderr.write(`${line}\n`);
  }

  /** Whether live progress (bars) can be drawn: a terminal on stderr, and no `--json`. */
  get interactive(): boolean {
    return !this.json && this.stderr.isTTY === true;
  }
}

/** A verification or certificate step as the API and the ledger layer report it. */
export interface Step {
  code: string;
  title: string;
  status: 'passed' | 'failed' | 'skipped' | 'warning';
  details: Record<string, unknown>;
}

const MARKS: Record<Step['status'], string> = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip', warning: 'warn' };

/** Shortens a 32-byte hash or an address for a table cell, keeping both ends. */
export function short(value: string): string {
  return value.length > 20 ? `${value.slice(0, 10)}…${value.slice(-6)}` : value;
}

function detailOf(step: Step): string {
  const d = step.details;
  const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : null);
  const parts: string[] = [];
  if (text(d.reason) !== null) parts.push(text(d.reason)!);
  if (step.code === 'ANCHOR_FOUND' && text(d.blockNumber) !== null) {
    parts.push(`${text(d.via) ?? 'anchor'} in block ${text(d.blockNumber)}, tx ${text(d.transactionHash) ?? '?'}`);
  }
  if (step.code === 'HASH_COMPUTED' && text(d.size) !== null) parts.push(`${text(d.size)} bytes`);
  if (step.code === 'VERSION_STATUS' && text(d.state) !== null) {
    parts.push(`${text(d.state)}${text(d.version) === null ? '' : ` (version ${text(d.version)})`}`);
    if (text(d.currentVersion) !== null) parts.push(`current version ${text(d.currentVersion)}`);
  }
  if (step.code === 'COSIGNATURES' && typeof d.required === 'number') {
    if (d.required === 0) parts.push('none required');
    else parts.push(typeof d.signed === 'number' ? `${d.signed} of ${d.required} signed` : `${d.required} required`);
  }
  return parts.length === 0 ? '' : ` — ${parts.join('; ')}`;
}

/** One line per step: `[ok  ] ANCHOR_FOUND          Anchor found on the chain — anchor in block 12, tx 0x…`. */
export function stepLines(steps: readonly Step[], indent = '  '): string[] {
  return steps.map((step) => `${indent}[${MARKS[step.status]}] ${step.code.padEnd(22)}${step.title}${detailOf(step)}`);
}

/** Rows as aligned columns (the first row is the header). */
export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}
