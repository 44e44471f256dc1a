/**
 * The demo scenario on a running embedded stack: a flight delay policy and a rainfall policy sold, observed, paid and
 * ceded, then a document anchored, verified, superseded, verified again and its certificate checked offline. Used by
 * `npm run demo`, the stack test and `npm run bench:stack`.
 */
import { performance } from 'node:perf_hooks';
import { LedgerClock } from './clock.js';
import { DemoContext } from './context.js';
import { runDocumentPart, type DocumentResult } from './documents.js';
import { runFlightPolicy, type FlightResult } from './flight.js';
import { DemoJournal } from './journal.js';
import type { Narrator } from './narrate.js';
import { plusd } from './policies.js';
import { locateStack, oracleSchedule, type LocateOptions } from './stack.js';
import { runWeatherPolicy, type WeatherResult } from './weather.js';

export const DEMO_PARTS = ['flight', 'weather', 'documents'] as const;
export type DemoPartName = (typeof DEMO_PARTS)[number];

export interface DemoOptions extends LocateOptions {
  narrator: Narrator;
  /** The parts to run (default: all, in this order). */
  parts?: readonly DemoPartName[];
  /** Starts a new run even when the last one was interrupted. */
  fresh?: boolean;
}

export interface DemoSummary {
  run: number;
  resumed: boolean;
  seconds: number;
  pollIntervalMs: number;
  flight?: FlightResult;
  weather?: WeatherResult;
  documents?: DocumentResult;
}

/** Opens the demo's context on the running stack: its parties, its clock (local chain only) and the journal. */
export async function openDemo(options: DemoOptions): Promise<DemoContext> {
  const stack = locateStack(options);
  const clock = await LedgerClock.connect(stack.rpcUrl);
  const journal = DemoJournal.open(stack.dataDir, { fresh: options.fresh === true });
  return new DemoContext(stack, clock, journal, options.narrator);
}

/** Runs the scenario (resuming an interrupted run) and ends it with the figures. */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const started = performance.now();
  const ctx = await openDemo(options);
  const parts = options.parts ?? DEMO_PARTS;
  const { narrator, journal, stack } = ctx;
  try {
    narrator.say(
      `PolicyLedger demo, run ${journal.current.run}${journal.resumed ? ' (resuming the interrupted run)' : ''}: ` +
        `API ${stack.apiUrl}, chain ${stack.rpcUrl}`,
    );
    const summary: DemoSummary = {
      run: journal.current.run,
      resumed: journal.resumed,
      seconds: 0,
      pollIntervalMs: oracleSchedule(stack.dataDir).pollIntervalMs,
    };
    if (parts.includes('flight')) {
      narrator.say('\n1. A flight delay policy, paid on the recorded outcome of a real flight');
      summary.flight = await runFlightPolicy(ctx);
    }
    if (parts.includes('weather')) {
      narrator.say('\n2. A rainfall policy, paid on recorded Open-Meteo data');
      summary.weather = await runWeatherPolicy(ctx);
    }
    if (parts.includes('documents')) {
      narrator.say('\n3. A document: anchored, verified, superseded, verified again, its certificate checked offline');
      summary.documents = await runDocumentPart(ctx);
    }
    journal.finish();
    summary.seconds = (performance.now() - started) / 1_000;
    narrator.say(`\n${formatFigures(summary)}`);
    return summary;
  } finally {
    ctx.clock.close();
  }
}

/** The figures the demo ends with: each policy's money and its time from data available to paid. */
export function formatFigures(summary: DemoSummary): string {
  const lines = [`Figures (run ${summary.run}, ${summary.seconds.toFixed(1)} s in all):`];
  for (const [name, result] of [
    ['flight delay', summary.flight],
    ['rainfall', summary.weather],
  ] as const) {
    if (result === undefined) continue;
    const { policy, claim } = result;
    const timing =
      claim.dataToPaidSeconds === null
        ? 'data available → paid: not timed (interrupted in between)'
        : `data available → paid ${claim.dataToPaidSeconds.toFixed(1)} s`;
    lines.push(
      `  ${name} ${policy.policyId}: premium ${plusd(policy.premium)}, paid ${plusd(claim.payout)}, ceded ` +
        `${plusd(BigInt(claim.quotaShare) + BigInt(claim.excessOfLoss))}; ${timing}`,
    );
  }
  if (summary.flight !== undefined || summary.weather !== undefined) {
    lines.push(`  (the oracle nodes poll every ${summary.pollIntervalMs / 1_000} s: most of the wait is that poll)`);
  }
  if (summary.documents !== undefined) {
    lines.push(
      `  document ${summary.documents.first} superseded by ${summary.documents.second}; certificate ` +
        `${summary.documents.certificateFile}`,
    );
  }
  return lines.join('\n');
}
