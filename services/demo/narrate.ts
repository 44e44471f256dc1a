/**
 * How the demo tells what happens: one record per step (what happened, the transaction, how long it took), printed as
 * a narrated line for a person watching, or as one JSON object per line with `--json`.
 */

export type DemoPart = 'flight' | 'weather' | 'document' | 'demo';

export interface StepReport {
  part: DemoPart;
  step: string;
  /** What happened, in words. */
  what: string;
  transactionHash: string | null;
  blockNumber?: number | null;
  /** Wall-clock seconds the step took. */
  seconds: number;
  /** True when an earlier, interrupted run had finished this step: it was not repeated. */
  resumed: boolean;
  /** The facts behind `what` (ids, amounts, hashes), for `--json` readers. */
  data?: Record<string, unknown>;
}

export interface Narrator {
  /** A heading before a part of the scenario, or a line of explanation. */
  say(text: string): void;
  step(report: StepReport): void;
}

const seconds = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} s`;

/** Narrates for a person: the step, what happened, its transaction and its duration. */
export function textNarrator(write: (line: string) => void = (line) => console.log(line)): Narrator {
  return {
    say: (text) => write(text),
    step: (report) => {
      const transaction = report.transactionHash === null ? '' : `\n      tx ${report.transactionHash}`;
      const block = report.blockNumber == null ? '' : ` block ${report.blockNumber}`;
      const resumed = report.resumed ? ' (done before the interruption)' : '';
      write(`  ✔ ${report.what}${resumed}  [${seconds(report.seconds)}${block}]${transaction}`);
    },
  };
}

/** One JSON object per line: `{"type": "say", "text"}` or `{"type": "step", …StepReport}`. */
export function jsonNarrator(write: (line: string) => void = (line) => console.log(line)): Narrator {
  return {
    say: (text) => write(JSON.stringify({ type: 'say', text })),
    step: (report) => write(JSON.stringify({ type: 'step', ...report })),
  };
}
