/**
 * Benchmark of the oracle nodes on a local anvil chain (the embedded deployment) with a local replay server standing
 * in for the flight data provider (recorded AeroAPI responses re-dated to the benchmark's flights):
 *
 * (a) throughput of one node: many flights due at once, one provider; wall time from the node's first pass to every
 *     feed observed and its report confirmed on chain, and the observation phase alone;
 * (b) latency with four nodes (quorum 3) polling: every flight is in the air, then at one recorded moment the
 *     provider starts answering 'landed, 82 minutes late'; the time until each policy's PolicySettled event is seen.
 *
 *   npm run bench:oracle [-- --json <file>] [-- --feeds <n>] [-- --flights <n>] [-- --poll-ms <n>]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  aeroApiBody,
  flightArrivingAt,
  OracleNetwork,
  POLICY_STATUS,
  replayPaths,
  TEST_SCHEDULE,
  waitFor,
  type TestFlight,
} from '../../test/helpers/oracle-network.js';
import { recorded, ReplayServer } from '../../test/helpers/replay-server.js';

const USAGE = `Usage: npm run bench:oracle [-- --json <file>] [-- --feeds <n>] [-- --flights <n>] [-- --poll-ms <n>]

  --json <file>     also write the figures as a JSON array of {metric, value, unit}
  --feeds <n>       flights due at once for the single-node throughput run (default 200)
  --flights <n>     flights for the four-node latency run (default 20)
  --poll-ms <n>     how often the four nodes run a pass, in ms (default 250)
  -h, --help        show this help`;

interface Options {
  json: string | undefined;
  feeds: number;
  flights: number;
  pollMs: number;
}

function readOptions(): Options {
  try {
    const { values } = parseArgs({
      options: {
        json: { type: 'string' },
        feeds: { type: 'string' },
        flights: { type: 'string' },
        'poll-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    });
    if (values.help === true) {
      console.log(USAGE);
      process.exit(0);
    }
    const whole = (value: string | undefined, fallback: number, name: string, min: number, max: number): number => {
      const number = value === undefined ? fallback : Number(value);
      if (!Number.isSafeInteger(number) || number < min || number > max) {
        throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
      }
      return number;
    };
    return {
      json: values.json,
      feeds: whole(values.feeds, 200, 'feeds', 1, 2_000),
      flights: whole(values.flights, 20, 'flights', 1, 200),
      pollMs: whole(values['poll-ms'], 250, 'poll-ms', 10, 60_000),
    };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
}

/** One figure of the JSON report. */
interface Row {
  metric: string;
  value: number;
  unit: string;
}

const LANDED_LATE = { status: 'landed', delayMinutes: 82 } as const;

/** Nearest-rank percentile of a sorted list. */
function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN;
}

/** Flights `first`, `first + 1`, ... scheduled to have arrived ten minutes ago on the chain's clock, a second apart. */
function flightsArrived(network: OracleNetwork, first: number, count: number): TestFlight[] {
  const arrival = network.clock.now() - 600;
  return Array.from({ length: count }, (_, index) => flightArrivingAt(String(first + index), arrival - index));
}

/** Issues one policy per flight; returns the block the nodes start scanning from. */
async function insure(network: OracleNetwork, flights: readonly TestFlight[]): Promise<number> {
  const fromBlock = await network.provider.getBlockNumber();
  for (const flight of flights) await network.issueFlightPolicy(flight);
  return fromBlock;
}

/** (a) One node, `count` flights due at once, one provider answering from the replay server. */
async function benchThroughput(network: OracleNetwork, count: number): Promise<Row[]> {
  await network.clock.sync();
  const flights = flightsArrived(network, 1000, count);
  for (const flight of flights) {
    network.replay.serve(replayPaths.aeroApiFlight('truth', flight), recorded(aeroApiBody(flight, LANDED_LATE)));
  }
  const issuingStarted = performance.now();
  const fromBlock = await insure(network, flights);
  console.log(`  issued ${count} flight policies in ${((performance.now() - issuingStarted) / 1000).toFixed(1)} s`);

  const node = await network.createNode({
    name: 'bench-throughput',
    oracle: 0,
    fromBlock,
    schedule: { batchSize: count },
    http: { retries: 0, minIntervalMs: 0 },
    serve: false,
  });
  try {
    // The steps of one pass (`runOnce`), timed one by one; the first submission push has nothing to do yet.
    const started = performance.now();
    await node.node.discover();
    await node.node.pushSubmissions();
    const observing = performance.now();
    await node.node.observeDue();
    const submitting = performance.now();
    await node.node.pushSubmissions();
    const ended = performance.now();

    const confirmed = node.state.listSubmissions().filter((submission) => submission.state === 'confirmed');
    if (confirmed.length !== count) throw new Error(`only ${confirmed.length} of ${count} reports were confirmed`);
    for (const flight of flights) {
      const reports = await network.hub.getReports(flight.feedId);
      if (reports.length !== 1 || reports[0]!.value !== 82n)
        throw new Error(`no 82-minute report for ${flight.feedId}`);
    }
    const perMinute = (milliseconds: number) => (count * 60_000) / milliseconds;
    return [
      { metric: `one node: feeds due at once`, value: count, unit: 'feeds' },
      { metric: 'one node: first pass to all observed and submitted', value: ended - started, unit: 'ms' },
      {
        metric: 'one node: feeds observed and submitted per minute',
        value: perMinute(ended - started),
        unit: 'feeds/min',
      },
      {
        metric: 'one node: observation phase (providers, cross-check, signing)',
        value: submitting - observing,
        unit: 'ms',
      },
      {
        metric: 'one node: feeds observed per minute (observation only)',
        value: perMinute(submitting - observing),
        unit: 'feeds/min',
      },
      { metric: 'one node: submission phase (report transactions confirmed)', value: ended - submitting, unit: 'ms' },
    ];
  } finally {
    await node.stop();
  }
}

/** (b) Four nodes (quorum 3) polling every `pollMs`; the provider switches from 'en route' to 'landed' at one moment. */
async function benchLatency(network: OracleNetwork, count: number, pollMs: number): Promise<Row[]> {
  await network.clock.sync();
  const flights = flightsArrived(network, 5000, count);
  const routes = flights.map((flight) => replayPaths.aeroApiFlight('truth', flight));
  flights.forEach((flight, index) =>
    network.replay.serve(routes[index]!, recorded(aeroApiBody(flight, { status: 'en-route' }))),
  );
  const fromBlock = await insure(network, flights);
  const policyIds = await Promise.all(
    flights.map(async (flight) => (await network.flightProduct.feedPolicies(flight.feedId, 0, 1))[0]!),
  );
  const nodes = await Promise.all(
    [0, 1, 2, 3].map((oracle) =>
      network.createNode({
        name: `bench-latency-${oracle}`,
        oracle,
        fromBlock,
        http: { retries: 0, minIntervalMs: 0 },
        serve: false,
      }),
    ),
  );
  try {
    for (const { node } of nodes) node.start(pollMs);
    // Steady state first: every node has found every flight and been told it is still in the air.
    await waitFor(
      'every node to have looked at every flight',
      () => nodes.every(({ state }) => flights.every((flight) => (state.getFeed(flight.feedId)?.attempts ?? 0) >= 1)),
      60_000,
    );

    const dataAvailable = performance.now();
    flights.forEach((flight, index) =>
      network.replay.serve(routes[index]!, recorded(aeroApiBody(flight, LANDED_LATE))),
    );
    const seenAt = new Map<bigint, number>();
    const watched = new Set(policyIds);
    let scanned = fromBlock;
    await waitFor(
      'every policy to be settled',
      async () => {
        const latest = await network.provider.getBlockNumber();
        if (latest > scanned) {
          const events = await network.flightProduct.queryFilter(
            network.flightProduct.filters.PolicySettled(),
            scanned + 1,
            latest,
          );
          const now = performance.now();
          for (const event of events) {
            if (watched.has(event.args.policyId) && !seenAt.has(event.args.policyId)) {
              seenAt.set(event.args.policyId, now - dataAvailable);
            }
          }
          scanned = latest;
        }
        return seenAt.size === count;
      },
      60_000,
      10,
    );
    for (const policyId of policyIds) {
      if ((await network.flightProduct.getPolicy(policyId)).status !== POLICY_STATUS.Paid) {
        throw new Error(`policy ${policyId} settled without being paid`);
      }
    }
    const latencies = [...seenAt.values()].sort((a, b) => a - b);
    return [
      { metric: 'four nodes: flights', value: count, unit: 'flights' },
      { metric: 'four nodes: poll interval', value: pollMs, unit: 'ms' },
      {
        metric: 'four nodes: retry interval after an answer "still in the air"',
        value: TEST_SCHEDULE.retrySeconds * 1000,
        unit: 'ms',
      },
      { metric: 'four nodes: data available to PolicySettled, median', value: percentile(latencies, 0.5), unit: 'ms' },
      { metric: 'four nodes: data available to PolicySettled, p95', value: percentile(latencies, 0.95), unit: 'ms' },
      { metric: 'four nodes: data available to PolicySettled, max', value: latencies.at(-1)!, unit: 'ms' },
    ];
  } finally {
    await network.stopNodes(nodes);
  }
}

function formatTable(rows: readonly Row[]): string {
  const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
  const width = Math.max(...rows.map((row) => row.metric.length));
  const values = rows.map((row) => decimal.format(row.value));
  const valueWidth = Math.max(...values.map((value) => value.length));
  return rows
    .map((row, index) => `${row.metric.padEnd(width)}  ${values[index]!.padStart(valueWidth)} ${row.unit}`)
    .join('\n');
}

const options = readOptions();
const started = performance.now();
const replay = await ReplayServer.start();
let network: OracleNetwork | undefined;
try {
  console.log('Starting anvil and deploying PolicyLedger (embedded stack)...');
  network = await OracleNetwork.start({ replay });
  console.log(`(a) one node, ${options.feeds} flights due at once, one provider (AeroAPI replay)`);
  const throughput = await benchThroughput(network, options.feeds);
  console.log(`(b) four nodes (quorum 3) polling every ${options.pollMs} ms, ${options.flights} flights`);
  const latency = await benchLatency(network, options.flights, options.pollMs);
  const rows = [...throughput, ...latency];

  console.log(`\n${formatTable(rows)}\n`);
  console.log(
    'Local anvil (automine, plus a block every second) and a loopback replay server without provider rate limits; ' +
      'each report is its own transaction, sent and confirmed one after another.',
  );
  console.log(`Run time ${((performance.now() - started) / 1000).toFixed(1)} s.`);
  if (options.json !== undefined) {
    await mkdir(dirname(options.json), { recursive: true });
    await writeFile(options.json, `${JSON.stringify(rows, null, 2)}\n`);
    console.log(`Wrote ${rows.length} rows to ${options.json}`);
  }
} finally {
  await network?.stop();
  await replay.close();
}
