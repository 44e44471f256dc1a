import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { encryptKeystoreJson } from 'ethers';
import { loadApiConfig } from '../services/api/config.js';
import { startApi, type RunningApi } from '../services/api/main.js';
import { loadNodeConfig } from '../services/oracle/node/config.js';
import { startOracleNode, type RunningNode } from '../services/oracle/node/run.js';
import { deployLocal, localOptionsFromEnv } from './deploy-local.js';
import { localParties } from './lib/local-parties.js';
import { stopOnSignal } from './lib/signals.js';

/** Health ports of the four embedded oracle nodes: 9101 to 9104 unless POLICYLEDGER_ORACLE_BASE_PORT moves them. */
function oracleBasePort(env: NodeJS.ProcessEnv): number {
  const port = Number(env.POLICYLEDGER_ORACLE_BASE_PORT ?? '9101');
  if (!Number.isInteger(port) || port < 1 || port > 65_532) {
    throw new Error(`POLICYLEDGER_ORACLE_BASE_PORT must be a TCP port, got "${env.POLICYLEDGER_ORACLE_BASE_PORT}"`);
  }
  return port;
}

/**
 * The providers an embedded node uses: Open-Meteo always (it needs no key), and each flight provider whose key is
 * in the environment. Real deployments write their own node configuration (see README).
 */
function embeddedProviders(env: NodeJS.ProcessEnv) {
  const flight = [];
  if (env.AVIATIONSTACK_API_KEY) {
    flight.push({
      name: 'aviationstack',
      baseUrl: 'https://api.aviationstack.com',
      apiKeyEnv: 'AVIATIONSTACK_API_KEY',
    });
  }
  if (env.FLIGHTAWARE_API_KEY) {
    flight.push({
      name: 'flightaware',
      baseUrl: 'https://aeroapi.flightaware.com/aeroapi',
      apiKeyEnv: 'FLIGHTAWARE_API_KEY',
    });
  }
  if (env.FLIGHTSTATS_APP_ID && env.FLIGHTSTATS_APP_KEY) {
    flight.push({
      name: 'flightstats',
      baseUrl: 'https://api.flightstats.com',
      apiKeyEnv: 'FLIGHTSTATS_APP_KEY',
      appIdEnv: 'FLIGHTSTATS_APP_ID',
    });
  }
  const weather = [
    {
      name: 'open-meteo',
      baseUrl: 'https://api.open-meteo.com',
      archiveBaseUrl: 'https://archive-api.open-meteo.com',
    },
  ];
  return { flight, weather };
}

/**
 * Writes, once, the keystore and configuration of each embedded oracle node under `<dataDir>/oracles/`. The keys
 * are the local development accounts registered as ORACLE parties by `deploy:local`; their keystore password is kept
 * beside them because those keys protect nothing.
 */
async function prepareEmbeddedOracles(dataDir: string, rpcUrl: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const oraclesDir = path.join(dataDir, 'oracles');
  mkdirSync(oraclesDir, { recursive: true });
  const passwordFile = path.join(oraclesDir, 'local-password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(16).toString('hex'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8');
  env.POLICYLEDGER_LOCAL_ORACLE_PASSWORD = password;

  const oracles = localParties(undefined).filter((party) => party.role === 'ORACLE');
  const basePort = oracleBasePort(env);
  const configs: string[] = [];
  for (const [index, oracle] of oracles.entries()) {
    const name = `oracle-${index + 1}`;
    const keystore = path.join(oraclesDir, `${name}.keystore.json`);
    if (!existsSync(keystore)) {
      // A light scrypt cost: these are public development keys, and start-up should take seconds, not a minute.
      const json = await encryptKeystoreJson(
        { address: oracle.wallet.address, privateKey: oracle.wallet.privateKey },
        password,
        { scrypt: { N: 1 << 12 } },
      );
      writeFileSync(keystore, json, { mode: 0o600 });
    }
    const configFile = path.join(oraclesDir, `${name}.json`);
    const config = {
      name,
      rpcUrl,
      keystore: path.basename(keystore),
      passwordEnv: 'POLICYLEDGER_LOCAL_ORACLE_PASSWORD',
      stateFile: `${name}.sqlite`,
      deployment: path.relative(oraclesDir, path.join(dataDir, 'deployments', '31337.json')),
      http: { host: '127.0.0.1', port: basePort + index },
      providers: embeddedProviders(env),
      schedule: { pollIntervalMs: 15_000 },
    };
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
    configs.push(configFile);
  }
  return configs;
}

/**
 * The main job on embedded defaults: the persisted local chain with PolicyLedger deployed (see deploy-local.ts), four
 * oracle nodes (quorum 3 of 4), each with its own key, SQLite state and health endpoint, and the party API holding the
 * local demo parties' keys (index, outbox and IPFS blocks under ./data/api). Ctrl-C stops all.
 */
async function main(): Promise<void> {
  const options = localOptionsFromEnv();
  const { chain, deployment, deployedNow } = await deployLocal(options);
  console.log(`${deployedNow ? 'Deployed' : 'Reusing'} PolicyLedger on ${chain.rpcUrl} (chain ${deployment.chainId})`);
  const nodes: RunningNode[] = [];
  let api: RunningApi | undefined;
  try {
    for (const configFile of await prepareEmbeddedOracles(options.dataDir, chain.rpcUrl, process.env)) {
      const running = await startOracleNode(loadNodeConfig(configFile));
      nodes.push(running);
      console.log(
        `  ${running.node.name} ${await running.node.address()}  health http://127.0.0.1:${running.port}/health`,
      );
    }
    const apiConfig = loadApiConfig({
      ...process.env,
      POLICYLEDGER_DATA_DIR: options.dataDir,
      POLICYLEDGER_RPC_URL: chain.rpcUrl,
      POLICYLEDGER_EMBEDDED: 'true',
    });
    api = await startApi(apiConfig);
    console.log(`  API ${api.url}  reference ${api.url}/docs  (holds the local demo parties' keys: local use only)`);
  } catch (error) {
    await api?.stop();
    await Promise.all(nodes.map((node) => node.stop()));
    await chain.stop();
    throw error;
  }
  console.log('PolicyLedger is running; Ctrl-C stops it.');
  stopOnSignal(async () => {
    await api?.stop();
    await Promise.all(nodes.map((node) => node.stop()));
    await chain.stop();
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
