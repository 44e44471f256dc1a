/**
 * Gas benchmark of the evidence registry side by side with the Ethereum Attestation Service (EAS).
 *
 * Deploys both on one in-process simulated network, records the same documents with each, prints the gas of every
 * operation and checks the performance targets; exits with code 1 when a target fails.
 *
 *   npm run bench:gas [-- --json <file>]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import hre, { network } from 'hardhat';
import { deployBenchConsortium } from './consortium.js';
import { benchEas, EVIDENCE_SCHEMA } from './eas.js';
import { deployEas } from './eas-contracts.js';
import { benchPolicyLedger } from './policyledger.js';
import { Timeline, toGasRow } from './measure.js';
import { checkTargets, formatCapWarnings, formatComparison, formatGasTable, formatTargets } from './report.js';
import { benchScenario } from './scenario.js';

const USAGE = `Usage: npm run bench:gas [-- --json <file>]

  --json <file>  also write the figures as a JSON array of {system, operation, gas, documents}
  -h, --help     show this help`;

function readOptions(): { json: string | undefined } {
  try {
    const { values } = parseArgs({
      options: { json: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
    });
    if (values.help === true) {
      console.log(USAGE);
      process.exit(0);
    }
    return { json: values.json };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
}

/**
 * Osaka caps a transaction at 2^24 gas (EIP-7825), less than EAS needs for `multiAttest` of 100 documents. Prague
 * charges the same gas as Osaka for every operation measured here, without that cap; operations that would exceed it
 * are flagged in the output.
 */
const HARDFORK = 'prague';

/** The simulated chain starts at a fixed date and the measured transactions follow a fixed timeline after it. */
const GENESIS_DATE = new Date('2026-01-05T09:00:00Z');
const TIMELINE_START_SECONDS = GENESIS_DATE.getTime() / 1000 + 3600;

const options = readOptions();

// Run as a plain script (so that it can take options), it compiles first as `hardhat run` would.
await hre.tasks.getTask('build').run({ quiet: true, noTests: hre.config.solidity.splitTestsCompilation });

const connection = await network.create({ override: { hardfork: HARDFORK, initialDate: GENESIS_DATE } });
try {
  const { ethers, networkHelpers } = connection;
  const consortium = await deployBenchConsortium(ethers);
  const easDeployment = await deployEas(consortium.admins[0]);
  const parties = [consortium.insurer, consortium.reinsurer, consortium.client];
  const scenario = benchScenario(parties.map((party) => party.address));
  const timeline = new Timeline(networkHelpers.time, TIMELINE_START_SECONDS);

  const measurements = [
    ...(await benchPolicyLedger(timeline, consortium, scenario)),
    ...(await benchEas(timeline, easDeployment, consortium.insurer, scenario)),
  ];
  const rows = measurements.map(toGasRow);
  const checks = checkTargets(rows);

  console.log(`Gas used per operation, from transaction receipts (simulated network, hardfork ${HARDFORK}).`);
  console.log('Gas includes the 21,000 base cost and calldata of each transaction; co-signers have signed before.');
  console.log(`EAS schema: ${EVIDENCE_SCHEMA}\n`);
  console.log(`${formatGasTable(measurements)}\n`);
  for (const warning of formatCapWarnings(measurements)) console.log(warning);
  console.log(`\n${formatComparison(rows)}\n`);
  console.log(formatTargets(checks));

  if (options.json !== undefined) {
    await mkdir(dirname(options.json), { recursive: true });
    await writeFile(options.json, `${JSON.stringify(rows, null, 2)}\n`);
    console.log(`\nWrote ${rows.length} rows to ${options.json}`);
  }
  if (checks.some((check) => !check.pass)) process.exitCode = 1;
} finally {
  await connection.close();
}
