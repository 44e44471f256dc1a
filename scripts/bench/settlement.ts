/**
 * Gas benchmark of parametric settlement: issuing flight delay policies, oracle reports, settling 1,000 policies on a
 * delayed flight (most pay; quota share and excess of loss cede every payout) and releasing the cover of 1,000
 * policies on an on-time flight (all expire with payout 0).
 *
 * Deploys the ledger on one in-process simulated network (30M block gas limit), prints the gas of every operation
 * and checks the settlement targets; exits with code 1 when a target fails.
 *
 *   npm run bench:settlement [-- --json <file>] [-- --policies <n>]
 */
import { strict as assert } from 'node:assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import hre, { network } from 'hardhat';
import { Timeline } from './measure.js';
import { onboardClients } from './settlement/clients.js';
import { deployParametricLedger, type ParametricLedger } from './settlement/deploy.js';
import { issueFlightPolicies, type FlightBook } from './settlement/issuance.js';
import {
  checkTargets,
  formatBreakdown,
  formatGasTable,
  formatScenario,
  formatTargets,
  issuanceMeasurements,
  settlementMeasurements,
  toRow,
} from './settlement/report.js';
import {
  BLOCK_GAS_LIMIT,
  DELAYED_FLIGHT,
  GENESIS_DATE,
  HARDFORK,
  MEASUREMENT_START,
  ON_TIME_FLIGHT,
  paysOnDelay,
  POLICIES_PER_FLIGHT,
  POLICY_MONEY,
  TREATY_SHARES,
} from './settlement/scenario.js';
import { settleFlight, type FlightSettlement } from './settlement/settle.js';

const USAGE = `Usage: npm run bench:settlement [-- --json <file>] [-- --policies <n>]

  --json <file>     also write the figures as a JSON array of {operation, gas, policies, maxTxGas}
  --policies <n>    policies per flight (default ${POLICIES_PER_FLIGHT}; the targets are stated for ${POLICIES_PER_FLIGHT})
  -h, --help        show this help`;

function readOptions(): { json: string | undefined; policies: number } {
  try {
    const { values } = parseArgs({
      options: { json: { type: 'string' }, policies: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
    });
    if (values.help === true) {
      console.log(USAGE);
      process.exit(0);
    }
    const policies = values.policies === undefined ? POLICIES_PER_FLIGHT : Number(values.policies);
    if (!Number.isSafeInteger(policies) || policies < 10) throw new Error('--policies must be a whole number >= 10');
    return { json: values.json, policies };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const seconds = (from: number, to: number): string => `${((to - from) / 1000).toFixed(1)} s`;

/** Each payout reached its client, cessions were recorded for each, the excess of loss ceded, collateral released. */
async function verifyPaidFlight(ledger: ParametricLedger, settlement: FlightSettlement, clients: readonly string[]) {
  const { book, transactions } = settlement;
  const paid = transactions.reduce((total, transaction) => total + transaction.paid, 0);
  const cessions = transactions.reduce((total, transaction) => total + transaction.cessions, 0);
  assert.equal(cessions, paid, 'a payout has no cession record');
  const payout = POLICY_MONEY.delayTierPayouts[2] ?? 0n;
  for (const [index, client] of clients.entries()) {
    const expected = paysOnDelay(index) ? payout : 0n;
    assert.equal(await ledger.stablecoin.balanceOf(client), expected, `client ${index} holds the wrong amount`);
  }
  assert.equal(await ledger.pool.exposure(book.feedId), 0n, 'the delayed flight still locks collateral');
  const [retainedLoss, excessOfLossRecovered] = await ledger.treaty.eventTotals(book.feedId);
  if (retainedLoss > TREATY_SHARES.excessOfLossAttachment) {
    assert.ok(excessOfLossRecovered > 0n, 'the excess of loss layer ceded nothing');
  }
}

/** Every policy of the on-time flight expired and its collateral was released. */
async function verifyReleasedFlight(ledger: ParametricLedger, book: FlightBook, lockedBefore: bigint) {
  assert.equal(await ledger.pool.exposure(book.feedId), 0n, 'the on-time flight still locks collateral');
  const released = lockedBefore - (await ledger.pool.totalLocked());
  assert.equal(released, POLICY_MONEY.cancellationPayout * BigInt(book.issuance.length), 'collateral not released');
}

const options = readOptions();
const started = performance.now();

// Run as a plain script (so that it can take options), it compiles the contracts first as `hardhat run` would.
await hre.tasks.getTask('build').run({ quiet: true, noTests: true });

const connection = await network.create({
  override: { hardfork: HARDFORK, blockGasLimit: BLOCK_GAS_LIMIT, initialDate: GENESIS_DATE },
});
try {
  const { ethers, networkHelpers } = connection;
  const setupStarted = performance.now();
  const ledger = await deployParametricLedger(ethers);
  const onTimeClients = await onboardClients(ledger, 'on-time', options.policies, POLICY_MONEY.premium);
  const delayedClients = await onboardClients(ledger, 'delayed', options.policies, POLICY_MONEY.premium);
  // The on-time flight is insured first, so the delayed flight's first policy is not also the pool's first.
  const onTimeBook = await issueFlightPolicies(ledger, ON_TIME_FLIGHT, onTimeClients, 1);
  const delayedBook = await issueFlightPolicies(ledger, DELAYED_FLIGHT, delayedClients, options.policies + 1);
  const setupBlock = await ethers.provider.getBlock('latest');
  const setupEnded = performance.now();
  if (setupBlock === null || setupBlock.timestamp >= MEASUREMENT_START) {
    throw new Error('the setup ran past the measurement start: raise MEASUREMENT_START in scenario.ts');
  }

  const timeline = new Timeline(networkHelpers.time, MEASUREMENT_START);
  const delayed = await settleFlight(timeline, ledger, delayedBook);
  await verifyPaidFlight(
    ledger,
    delayed,
    delayedClients.map((client) => client.address),
  );
  const lockedBefore = await ledger.pool.totalLocked();
  const onTime = await settleFlight(timeline, ledger, onTimeBook);
  await verifyReleasedFlight(ledger, onTimeBook, lockedBefore);
  const measured = performance.now();

  const count = integer.format(options.policies);
  const measurements = [
    ...issuanceMeasurements(delayedBook.issuance),
    { operation: 'oracle report', policies: 0, transactionGas: [delayed.firstReportGas] },
    ...settlementMeasurements(delayed, {
      prefix: '',
      batch: 'settle',
      total: `settle ${count} policies on one flight (total)`,
    }),
    ...settlementMeasurements(onTime, {
      prefix: 'on-time: ',
      batch: 'release',
      total: `release ${count} expired policies on one flight (total)`,
    }),
  ];
  const rows = measurements.map(toRow);
  const checks = checkTargets(delayed, onTime);

  console.log(`${formatScenario(options.policies)}\n`);
  console.log(`${formatGasTable(measurements)}\n`);
  console.log(`${formatBreakdown(delayedBook, delayed, onTime)}`);
  if (options.policies !== POLICIES_PER_FLIGHT) {
    console.log(`\nNote: run with ${count} policies per flight; the targets are stated for ${POLICIES_PER_FLIGHT}.`);
  }
  console.log(`\n${formatTargets(checks)}\n`);
  console.log(
    `Run time ${seconds(started, performance.now())}: compile and start ${seconds(started, setupStarted)}, ` +
      `setup and issuance ${seconds(setupStarted, setupEnded)} (${integer.format(setupBlock.number)} blocks), ` +
      `reports and settlement ${seconds(setupEnded, measured)}.`,
  );

  if (options.json !== undefined) {
    await mkdir(dirname(options.json), { recursive: true });
    await writeFile(options.json, `${JSON.stringify(rows, null, 2)}\n`);
    console.log(`Wrote ${rows.length} rows to ${options.json}`);
  }
  if (checks.some((check) => !check.pass)) process.exitCode = 1;
} finally {
  await connection.close();
}
