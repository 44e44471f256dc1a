/**
 * Benchmark of the whole embedded stack as a user meets it (`npm start` as a child process, in a fresh data folder,
 * contracts already built):
 *
 *   start-cold    seconds from `npm start` to "PolicyLedger is ready" on a fresh data folder (chain, deployment,
 *                 oracle nodes, API, replay server)
 *   start-warm    the same on a later start of the same folder (median of --warm starts)
 *   data-to-paid  the demo's flight delay policy: seconds from the clock move that makes the replay server reveal the
 *                 recorded outcome (the moment its block is mined) to the payout showing in the policy's timeline
 *                 (PolicySettled, read through the API's index), median over --flights flights sold and settled one
 *                 after another; `pollIntervalMs` is the oracle nodes' poll interval, which bounds it
 *
 *   npm run bench:stack [-- --json <file>] [-- --flights <n>] [-- --warm <n>]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { textNarrator } from '../../services/demo/narrate.js';
import { runFlightPolicy } from '../../services/demo/flight.js';
import { openDemo } from '../../services/demo/scenario.js';
import { oracleSchedule } from '../../services/demo/stack.js';
import { freeStackPorts, interruptStack, stackEnv, startStack } from '../../test/helpers/stack-process.js';

const USAGE = `Usage: npm run bench:stack [-- --json <file>] [-- --flights <n>] [-- --warm <n>]

  --json <file>     also write the rows as JSON: [{operation, seconds, samples, pollIntervalMs?}]
  --flights <n>     flight delay policies timed from data available to paid, one after another (default 5)
  --warm <n>        warm starts timed (default 3)
  -h, --help        show this help`;

interface Row {
  operation: 'start-cold' | 'start-warm' | 'data-to-paid';
  seconds: number;
  samples: number;
  pollIntervalMs?: number;
}

function readOptions() {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      flights: { type: 'string' },
      warm: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    process.exit(0);
  }
  const whole = (value: string | undefined, fallback: number, name: string): number => {
    const number = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(number) || number < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
    return number;
  };
  return { json: values.json, flights: whole(values.flights, 5, 'flights'), warm: whole(values.warm, 3, 'warm') };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const round = (seconds: number) => Math.round(seconds * 100) / 100;

/** Sells and settles `count` flight delay policies on the running stack; answers each one's data-to-paid seconds. */
async function dataToPaid(dataDir: string, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let flight = 0; flight < count; flight += 1) {
    const ctx = await openDemo({ dataDir, narrator: textNarrator(() => undefined), fresh: true });
    try {
      const { policy, claim } = await runFlightPolicy(ctx, flight);
      ctx.journal.finish();
      if (claim.dataToPaidSeconds === null) throw new Error(`${policy.policyId} was not timed`);
      samples.push(claim.dataToPaidSeconds);
      console.log(`  ${policy.policyId}: data available → paid ${claim.dataToPaidSeconds.toFixed(2)} s`);
    } finally {
      ctx.clock.close();
    }
  }
  return samples;
}

async function main(): Promise<void> {
  const options = readOptions();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'policyledger-bench-stack-'));
  const env = stackEnv(dataDir, await freeStackPorts());
  const rows: Row[] = [];
  try {
    console.log(`start-cold: npm start on a fresh data folder (${dataDir})…`);
    const cold = await startStack(env);
    rows.push({ operation: 'start-cold', seconds: round(cold.readySeconds), samples: 1 });
    const pollIntervalMs = oracleSchedule(dataDir).pollIntervalMs;
    console.log(`data-to-paid: ${options.flights} flight delay policies, nodes polling every ${pollIntervalMs} ms…`);
    const latencies = await dataToPaid(dataDir, options.flights);
    rows.push({
      operation: 'data-to-paid',
      seconds: round(median(latencies)),
      samples: latencies.length,
      pollIntervalMs,
    });
    await interruptStack(cold.stack);

    const warm: number[] = [];
    for (let start = 0; start < options.warm; start += 1) {
      console.log(`start-warm ${start + 1}/${options.warm}…`);
      const again = await startStack(env);
      warm.push(again.readySeconds);
      await interruptStack(again.stack);
    }
    rows.push({ operation: 'start-warm', seconds: round(median(warm)), samples: warm.length });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  console.table(rows);
  console.log(
    'Starts: from spawning `npm start` (contracts already built) to its ready line. data-to-paid: read through the ' +
      'API (timeline polled every 250 ms), so it includes the index’s lag.',
  );
  if (options.json !== undefined) {
    await mkdir(path.dirname(options.json), { recursive: true });
    await writeFile(options.json, `${JSON.stringify(rows, null, 2)}\n`);
    console.log(`Wrote ${options.json}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
