/**
 * Benchmark of the party API: the API runs as its own process (as `npm run api` starts it) over a local anvil chain
 * with the embedded deployment; autocannon generates the load from this process. Both share this machine's cores, so
 * the targets are ratios within one run:
 *
 *   health               GET /health, through the same middleware and rate limits as every route: the floor
 *   verify-hash-known    GET /v1/verify/{hash} of an anchored document      ≥ 70 % of health's rate, p99 ≤ 1.5 × health's
 *   verify-hash-unknown  GET /v1/verify/{hash} of a hash never anchored     (same targets)
 *   verify-upload        POST /v1/verify with a 100 KiB file               ≥ 100 requests/s
 *   register             POST /v1/documents, confidential 10 KiB, each body unique, batching on, ≥ 20 s
 *                        documentsPerSecond = documents in mined batch roots ÷ s from the first request to the last
 *                        anchor                                             ≥ 500 documents/s
 *   timeline             GET /v1/policies/{id}/timeline of a paid and ceded policy  ≥ 50 % of health's rate
 *   event-delivery-sse, event-delivery-webhook
 *                        {p50Ms, p99Ms, samples}: from the indexer writing the block to the receiver having the event
 *                                                                           p99 ≤ 500 ms
 *
 *   npm run bench:api [-- --json <file>] [-- --connections <n>] [-- --duration <s>] [-- --register-duration <s>]
 *                     [-- --only <operation>[,<operation>…]] [-- --profile <dir>]
 *
 * The read rows also give the API process's CPU per request (`apiCpuMsPerRequest`, all its threads): a figure that
 * does not depend on what else runs on the machine, unlike the rate.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import autocannon, { type Options as AutocannonOptions, type Result } from 'autocannon';
import { hexlify, randomBytes as randomHash } from 'ethers';
import { EvidenceRegistry__factory } from '../../types/ethers-contracts/index.js';
import { startTestLedger, type TestLedger } from '../../test/helpers/api-chain.js';
import { apiKeyFor } from '../../test/helpers/api-client.js';
import { startApiProcess, type ApiProcess } from '../../test/helpers/api-process.js';
import { measureEventDelivery } from '../../test/api/events/bench.js';
import { runPolicyScenario } from '../../test/indexer/policies-scenario.js';
const USAGE = `Usage: npm run bench:api [-- --json <file>] [-- --connections <n>] [-- --duration <s>] [-- --register-duration <s>]
                         [-- --only <operation>[,<operation>…]] [-- --profile <dir>]

  --json <file>               also write the rows as JSON: [{operation, requestsPerSecond, p50Ms, p99Ms, durationS, documentsPerSecond?}]
  --connections <n>           concurrent connections (default 50)
  --duration <s>              seconds per read operation (default 10)
  --register-duration <s>     seconds of sustained registrations (default 20, at least 20)
  --only <operations>         run only these rows, comma-separated or repeated (health, verify-hash-known, verify-hash-unknown, verify-upload, register, timeline, event-delivery)
  --profile <dir>             write a V8 CPU profile of the API process (node --cpu-prof) into <dir>
  -h, --help                  show this help`;

interface Row {
  operation: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  durationS: number;
  apiCpuMsPerRequest?: number;
  documentsPerSecond?: number;
}

function readOptions() {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string' },
      'register-duration': { type: 'string' },
      only: { type: 'string', multiple: true },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    process.exit(0);
  }
  const whole = (value: string | undefined, fallback: number, name: string, min: number): number => {
    const number = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(number) || number < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
    return number;
  };
  return {
    json: values.json,
    connections: whole(values.connections, 50, 'connections', 1),
    duration: whole(values.duration, 10, 'duration', 1),
    registerDuration: whole(values['register-duration'], 20, 'register-duration', 20),
    only: values.only === undefined ? undefined : values.only.flatMap((list) => list.split(',')).map(operation),
    profile: values.profile,
  };
}

const OPERATIONS = [
  'health',
  'verify-hash-known',
  'verify-hash-unknown',
  'verify-upload',
  'register',
  'timeline',
  'event-delivery',
] as const;
type Operation = (typeof OPERATIONS)[number];

function operation(value: string): Operation {
  if ((OPERATIONS as readonly string[]).includes(value)) return value as Operation;
  throw new Error(`--only must be one of ${OPERATIONS.join(', ')}`);
}

const BOUNDARY = '----policyledger-bench-boundary';

/** A multipart body with an optional `metadata` JSON field followed by the `file` field. */
function multipart(file: Buffer, metadata?: object): Buffer {
  const parts: Buffer[] = [];
  if (metadata !== undefined) {
    parts.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="metadata"\r\nContent-Type: application/json\r\n\r\n` +
          `${JSON.stringify(metadata)}\r\n`,
      ),
    );
  }
  parts.push(
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="document.bin"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    file,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  );
  return Buffer.concat(parts);
}

const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

/** A read row: autocannon's figures and the API process's CPU per request while it ran. */
async function readRow(operation: string, api: ApiProcess, options: AutocannonOptions): Promise<Row> {
  const cpuBefore = cpuSeconds(api.child.pid);
  const result = await run(options);
  const row = rowOf(operation, result);
  const cpu = cpuSeconds(api.child.pid) - cpuBefore;
  if (Number.isFinite(cpu) && result.requests.total > 0) {
    row.apiCpuMsPerRequest = Math.round((100_000 * cpu) / result.requests.total) / 100;
  }
  return row;
}

function run(options: AutocannonOptions): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error: unknown, result) =>
      error
        ? reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }))
        : resolve(result),
    );
  });
}

function rowOf(operation: string, result: Result): Row {
  const non2xx = result.non2xx + result.errors + result.timeouts;
  if (non2xx > 0) {
    console.warn(
      `  ${operation}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return {
    operation,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    durationS: Math.round(result.duration * 10) / 10,
  };
}

/**
 * The `register` row: sustained registrations of unique confidential 10 KiB documents in batch mode; documents/s counts
 * the documents in mined batch roots over the time from the first request to the last anchor.
 */
async function registerRow(
  api: ApiProcess,
  authorization: string,
  ledger: TestLedger,
  options: { connections: number; registerDuration: number },
): Promise<Row> {
  const url = api.url;
  console.log(`register (confidential 10 KiB documents, ${options.registerDuration} s)…`);
  const registry = EvidenceRegistry__factory.connect(ledger.deployment.evidenceRegistry, ledger.provider);
  const fromBlock = (await ledger.provider.getBlockNumber()) + 1;
  let sequence = 0;
  let accepted = 0;
  const apiCpuBefore = cpuSeconds(api.child.pid);
  const eventLoopCpuBefore = cpuSeconds(api.child.pid, 'main');
  const benchCpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await run({
    url,
    connections: options.connections,
    duration: options.registerDuration,
    requests: [
      {
        method: 'POST',
        path: '/v1/documents',
        headers: { Authorization: authorization, 'Content-Type': MULTIPART },
        setupRequest: (request) => ({
          ...request,
          body: multipart(Buffer.concat([Buffer.from(`bench document ${++sequence}\n`), randomBytes(10 * 1024)]), {
            documentType: 'Schedule',
            policyRef: `BENCH-${sequence}`,
            retentionClass: 2,
            coverEndsAt: '2027-12-31',
            confidential: true,
            mode: 'batch',
          }),
        }),
        onResponse: (status) => {
          if (status === 202) accepted += 1;
        },
      },
    ],
  });
  const row = rowOf('register', result);
  // Wait for every accepted document to be in a mined batch root; the clock stops at the last anchor seen.
  let anchored = 0;
  let lastAnchor = performance.now();
  const deadline = performance.now() + 300_000;
  while (anchored < accepted && performance.now() < deadline) {
    const events = await registry.queryFilter(registry.filters.BatchAnchored(), fromBlock);
    const total = events.reduce((sum, event) => sum + Number(event.args.documentCount), 0);
    if (total > anchored) {
      anchored = total;
      lastAnchor = performance.now();
    }
    if (anchored < accepted) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (anchored < accepted) console.warn(`  only ${anchored} of ${accepted} accepted documents were anchored in time`);
  row.documentsPerSecond = Math.round(anchored / ((lastAnchor - started) / 1000));
  console.log(`  ${accepted} documents accepted, ${anchored} anchored in batch roots`);
  // CPU per document tells the API's cost apart from what the machine's other load leaves it.
  const apiCpu = cpuSeconds(api.child.pid) - apiCpuBefore;
  const eventLoopCpu = cpuSeconds(api.child.pid, 'main') - eventLoopCpuBefore;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  if (anchored > 0 && Number.isFinite(apiCpu)) {
    console.log(
      `  CPU per anchored document: API process ${((1000 * apiCpu) / anchored).toFixed(2)} ms ` +
        `(its event loop's thread ${((1000 * eventLoopCpu) / anchored).toFixed(2)} ms), ` +
        `load generator ${((benchCpu.user + benchCpu.system) / 1000 / anchored).toFixed(2)} ms`,
    );
  }
  return row;
}

/**
 * CPU seconds (user + system) process `pid` has used, all its threads or only its main thread (the event loop), from
 * Linux's /proc; NaN elsewhere.
 */
function cpuSeconds(pid: number | undefined, thread: 'all' | 'main' = 'all'): number {
  try {
    // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised command name): utime and stime, in clock ticks.
    const file = thread === 'all' ? `/proc/${pid}/stat` : `/proc/${pid}/task/${pid}/stat`;
    const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Linux's USER_HZ, the unit of /proc's CPU times (100 on every architecture Node runs on). */
const CLOCK_TICKS_PER_SECOND = 100;

/** The targets of the rows that ran (the verify rows' need the health row). */
function checksOf(rows: Row[]): { target: string; measured: string; pass: boolean }[] {
  const find = (operation: Operation) => rows.find((row) => row.operation === operation);
  const health = find('health');
  const checks = (['verify-hash-known', 'verify-hash-unknown'] as const).flatMap((operation) => {
    const row = find(operation);
    if (row === undefined || health === undefined) return [];
    return [
      {
        target: `${operation} ≥ 70 % of health's rate`,
        measured: `${Math.round((100 * row.requestsPerSecond) / health.requestsPerSecond)} %`,
        pass: row.requestsPerSecond >= 0.7 * health.requestsPerSecond,
      },
      {
        target: `${operation} p99 ≤ 1.5 × health's p99`,
        measured: `${row.p99Ms} ms vs ${health.p99Ms} ms`,
        pass: row.p99Ms <= 1.5 * health.p99Ms,
      },
    ];
  });
  const upload = find('verify-upload');
  if (upload !== undefined) {
    checks.push({
      target: 'verify-upload ≥ 100 requests/s',
      measured: `${upload.requestsPerSecond}/s`,
      pass: upload.requestsPerSecond >= 100,
    });
  }
  const timeline = find('timeline');
  if (timeline !== undefined && health !== undefined) {
    checks.push({
      target: "timeline ≥ 50 % of health's rate",
      measured: `${Math.round((100 * timeline.requestsPerSecond) / health.requestsPerSecond)} %`,
      pass: timeline.requestsPerSecond >= 0.5 * health.requestsPerSecond,
    });
  }
  const register = find('register');
  if (register !== undefined) {
    checks.push({
      target: 'register ≥ 500 documents/s',
      measured: `${register.documentsPerSecond ?? 0}/s`,
      pass: (register.documentsPerSecond ?? 0) >= 500,
    });
  }
  return checks;
}

async function main(): Promise<void> {
  const options = readOptions();
  console.log('Starting a local chain and the API in its own process…');
  const ledger = await startTestLedger();
  // A paid and ceded policy for the timeline row, settled before the API starts: the scenario sends as the insurer,
  // whose key the API process also holds.
  console.log('A paid and ceded flight policy for the timeline row…');
  const { paidFlight } = await runPolicyScenario(ledger);
  const api = await startApiProcess(ledger, {
    // Rate limits stay on (every route goes through them), set far above what one machine can send.
    POLICYLEDGER_API_RATE_LIMIT_PER_IP: '100000000',
    POLICYLEDGER_API_RATE_LIMIT_PER_API_KEY: '100000000',
    POLICYLEDGER_API_LOG_LEVEL: 'warn',
    POLICYLEDGER_BATCH_WINDOW_MS: '1000',
    POLICYLEDGER_BATCH_MAX_SIZE: '5000',
    ...(options.profile === undefined ? {} : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${resolve(options.profile)}` }),
  });
  const rows: Row[] = [];
  const wanted = (operation: Operation) => options.only === undefined || options.only.includes(operation);
  try {
    const authorization = await apiKeyFor(api.url, ledger.parties[2]!.wallet);
    const known = Buffer.from(`bench: a known anchored document ${hexlify(randomHash(8))}\n`);
    const registered = await fetch(`${api.url}/v1/documents?confirm=true`, {
      method: 'POST',
      headers: { Authorization: authorization, 'Content-Type': MULTIPART },
      body: new Uint8Array(
        multipart(known, {
          documentType: 'Policy',
          policyRef: 'BENCH-KNOWN',
          retentionClass: 2,
          coverEndsAt: '2027-12-31',
          mode: 'single',
        }),
      ),
    });
    if (registered.status !== 201) throw new Error(`registering the known document answered ${registered.status}`);
    const knownHash = ((await registered.json()) as { documentHash: string }).documentHash;
    const unknownHash = hexlify(randomHash(32));
    const base = { url: api.url, connections: options.connections, duration: options.duration };

    if (wanted('health')) {
      console.log(`health (${options.duration} s, ${options.connections} connections)…`);
      rows.push(await readRow('health', api, { ...base, url: `${api.url}/health` }));
    }
    if (wanted('verify-hash-known')) {
      console.log('verify-hash-known…');
      rows.push(await readRow('verify-hash-known', api, { ...base, url: `${api.url}/v1/verify/${knownHash}` }));
    }
    if (wanted('verify-hash-unknown')) {
      console.log('verify-hash-unknown…');
      rows.push(await readRow('verify-hash-unknown', api, { ...base, url: `${api.url}/v1/verify/${unknownHash}` }));
    }
    if (wanted('verify-upload')) {
      console.log('verify-upload (100 KiB)…');
      rows.push(
        await readRow('verify-upload', api, {
          ...base,
          url: `${api.url}/v1/verify`,
          method: 'POST',
          headers: { 'Content-Type': MULTIPART },
          body: multipart(randomBytes(100 * 1024)),
        }),
      );
    }
    if (wanted('timeline')) {
      // timeline: GET /v1/policies/{id}/timeline of a paid and ceded policy. Target: ≥ 50 % of health's rate.
      console.log('timeline (a paid and ceded flight policy)…');
      const timelineUrl = `${api.url}/v1/policies/${paidFlight.id}/timeline`;
      for (let tries = 0; ; tries += 1) {
        const answer = await fetch(timelineUrl, { headers: { Authorization: authorization } });
        const steps = answer.ok ? ((await answer.json()) as { steps: { step: string; state: string }[] }).steps : [];
        if (steps.some((step) => step.step === 'ceded' && step.state === 'done')) break;
        if (tries > 300) throw new Error(`the API's index never showed ${paidFlight.id} ceded`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      rows.push(
        await readRow('timeline', api, { ...base, url: timelineUrl, headers: { Authorization: authorization } }),
      );
    }
    if (wanted('register')) rows.push(await registerRow(api, authorization, ledger, options));
  } finally {
    api.child.kill('SIGTERM');
    await api.exited;
    await ledger.stop();
  }

  console.table(rows);
  const checks = checksOf(rows);
  console.table(checks);
  const delivery = wanted('event-delivery') ? await measureDelivery() : [];
  if (options.json !== undefined) {
    await mkdir(dirname(options.json), { recursive: true });
    await writeFile(options.json, `${JSON.stringify([...rows, ...delivery], null, 2)}\n`);
    console.log(`Wrote ${options.json}`);
  }
}

/** Delivery is timed in an API of this process (both moments on one clock), on its own chain. */
async function measureDelivery(): Promise<Awaited<ReturnType<typeof measureEventDelivery>>> {
  // Delivery is timed in an API of this process (both moments on one clock), on its own chain.
  console.log('event delivery (from the indexer writing the block to the receiver having the event)…');
  const delivery = await measureEventDelivery({ samples: 50 });
  console.table(delivery);
  console.table(
    delivery.map((row) => ({
      target: `${row.operation} p99 ≤ 500 ms`,
      measured: `${row.p99Ms} ms`,
      pass: row.p99Ms <= 500,
    })),
  );
  return delivery;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
