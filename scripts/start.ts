/**
 * `npm start`: the whole local stack in one process tree. The persisted local chain with PolicyLedger deployed (once;
 * reused after), the replay server standing in for the data providers when no provider keys are set, four oracle nodes
 * (quorum 3 of 4), each with its own key, configuration, SQLite state and health endpoint, and the party API with its
 * index and embedded IPFS store, holding the local demo parties' keys. It prints what runs where once everything is
 * ready, and Ctrl-C stops it all.
 *
 * The compiled contracts (artifacts/, types/) are built first only when a Solidity source is newer than the last
 * build; the modules that need them are therefore imported only after that check (`stackModules`).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { encryptKeystoreJson, JsonRpcProvider } from 'ethers';
import type { DatabaseSync } from 'node:sqlite';
import type { ApiConfig } from '../services/api/config.js';
import type { RunningApi } from '../services/api/main.js';
import type { Deployment } from '../services/ledger/deploy.js';
import type { NodeConfig } from '../services/oracle/node/config.js';
import type { RunningNode } from '../services/oracle/node/run.js';
import type { RunningReplayServer } from '../services/replay/server.js';
import type { LocalChain } from './lib/local-chain.js';
import { localParties } from './lib/local-parties.js';

const ROOT = path.resolve(import.meta.dirname, '..');

// -------------------------------------------------------------------------------------------------------------------
// Compiled contracts
// -------------------------------------------------------------------------------------------------------------------

/** The newest modification time (ms) of the files and folders under `dir` whose name passes `keep`. */
function newestUnder(dir: string, keep: (name: string) => boolean): number {
  if (!existsSync(dir)) return 0;
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestUnder(file, keep));
    else if (keep(entry.name)) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

/**
 * Whether the last `hardhat build` is newer than every Solidity source (folders included, so that a deleted file
 * counts), the Hardhat configuration and the lock file. Hardhat rewrites its compile cache and the contract types on
 * every build, also when nothing changed, so their times say when the last build ran.
 */
export function contractsUpToDate(root: string = ROOT): boolean {
  const outputs = [
    path.join(root, 'cache', 'compile-cache.json'),
    path.join(root, 'types', 'ethers-contracts', 'index.ts'),
  ];
  if (!outputs.every((file) => existsSync(file))) return false;
  const built = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
  const isSolidity = (name: string) => name.endsWith('.sol');
  const sources = Math.max(
    newestUnder(path.join(root, 'contracts'), isSolidity),
    newestUnder(path.join(root, 'test'), isSolidity),
    ...['hardhat.config.ts', 'package-lock.json'].map((file) =>
      existsSync(path.join(root, file)) ? statSync(path.join(root, file)).mtimeMs : 0,
    ),
  );
  return sources <= built;
}

/** Runs `hardhat build --quiet` unless the contracts are up to date (a no-op build still takes several seconds). */
function ensureContractsBuilt(print: (line: string) => void): void {
  if (contractsUpToDate()) return;
  print('Compiling the contracts (hardhat build)…');
  const result = spawnSync('npx', ['hardhat', 'build', '--quiet'], {
    cwd: ROOT,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) throw new Error(`hardhat build failed (exit ${result.status ?? result.signal})`);
}

/**
 * After a chain that was killed, not stopped: its blocks after the last state it saved are lost, and the chain as it is
 * now is the truth. The chain index may hold lost blocks: it is rebuilt. Webhook positions past the chain's head are
 * moved back to it, so the events of the blocks mined again at those heights are delivered. (The outbox finds its lost
 * anchorings itself when it starts.)
 */
async function reconcileWithLostBlocks(
  modules: Awaited<ReturnType<typeof stackModules>>,
  apiConfig: ApiConfig,
  rpcUrl: string,
  print: (line: string) => void,
): Promise<void> {
  await modules.indexer.deleteChainIndex(modules.apiMain.chainIndexLocation(apiConfig));
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
  const head = await provider.getBlockNumber();
  provider.destroy();
  const db = modules.database.openApiDatabase(apiConfig.databaseFile);
  try {
    modules.webhooks.initWebhooksSchema(db);
    const moved = modules.webhooks.rewindPositionsAfter(db, head);
    print(
      `The chain was not stopped cleanly: the chain index is rebuilt from the chain as it is now (block ${head})` +
        (moved.length > 0 ? `, and ${moved.length} webhook subscription(s) resume from that block.` : '.'),
    );
  } finally {
    db.close();
  }
}

/** The modules that need the compiled contracts, by the name start uses: imported once `ensureContractsBuilt` has run. */
const STACK_MODULES = {
  deployLocal: () => import('./deploy-local.js'),
  apiMain: () => import('../services/api/main.js'),
  apiConfig: () => import('../services/api/config.js'),
  nodeRun: () => import('../services/oracle/node/run.js'),
  nodeConfig: () => import('../services/oracle/node/config.js'),
  replay: () => import('../services/replay/server.js'),
  devSignIn: () => import('../services/api/auth/dev-sign-in.js'),
  store: () => import('../services/api/auth/store.js'),
  errors: () => import('../services/ledger/errors.js'),
  indexer: () => import('../services/indexer/index.js'),
  database: () => import('../services/api/database.js'),
  webhooks: () => import('../services/api/events/webhooks.js'),
};

type StackModules = { [name in keyof typeof STACK_MODULES]: Awaited<ReturnType<(typeof STACK_MODULES)[name]>> };

async function stackModules(): Promise<StackModules> {
  const loaded = await Promise.all(
    Object.entries(STACK_MODULES).map(async ([name, load]) => [name, await load()] as const),
  );
  return Object.fromEntries(loaded) as StackModules;
}

// -------------------------------------------------------------------------------------------------------------------
// Settings
// -------------------------------------------------------------------------------------------------------------------

/** The API's oracle health URLs: the ones the environment names, then each embedded node's, tied to its oracle. */
function withNodeHealthUrls(given: string | undefined, nodes: RunningNode[]): string {
  const own = nodes.map((node) => `${node.address}=http://127.0.0.1:${node.port}/health`);
  return [...(given ?? '').split(/[\s,]+/).filter((entry) => entry !== ''), ...own].join(',');
}

/** Where the embedded oracle nodes get their data. */
export type DataSource =
  | { kind: 'replay'; reason: string }
  | { kind: 'live'; reason: string; flightProviders: ('aviationstack' | 'flightaware' | 'flightstats')[] };

/** The flight providers whose keys are in the environment. */
function keyedFlightProviders(env: NodeJS.ProcessEnv): ('aviationstack' | 'flightaware' | 'flightstats')[] {
  const keyed: ('aviationstack' | 'flightaware' | 'flightstats')[] = [];
  if (env.AVIATIONSTACK_API_KEY) keyed.push('aviationstack');
  if (env.FLIGHTAWARE_API_KEY) keyed.push('flightaware');
  if (env.FLIGHTSTATS_APP_ID && env.FLIGHTSTATS_APP_KEY) keyed.push('flightstats');
  return keyed;
}

/**
 * Replayed recordings unless a flight provider key is set, or as `POLICYLEDGER_DATA_SOURCE` (`replay` or `live`)
 * says. Live means the keyed flight providers, Open-Meteo and NWS (which need no key).
 */
export function dataSourceFrom(env: NodeJS.ProcessEnv): DataSource {
  const keyed = keyedFlightProviders(env);
  const asked = env.POLICYLEDGER_DATA_SOURCE;
  if (asked !== undefined && asked !== '' && asked !== 'replay' && asked !== 'live') {
    throw new Error(`POLICYLEDGER_DATA_SOURCE must be replay or live, got "${asked}"`);
  }
  if (asked === 'replay') return { kind: 'replay', reason: 'POLICYLEDGER_DATA_SOURCE=replay' };
  if (asked === 'live') return { kind: 'live', reason: 'POLICYLEDGER_DATA_SOURCE=live', flightProviders: keyed };
  return keyed.length === 0
    ? { kind: 'replay', reason: 'no provider keys set' }
    : { kind: 'live', reason: `keys set for ${keyed.join(', ')}`, flightProviders: keyed };
}

export interface StackSettings {
  dataDir: string;
  chainHost: string;
  chainPort: number;
  /** Health port of the first oracle node; the others follow. 0: each picks a free port. */
  oracleBasePort: number;
  /** 0: a free port. */
  replayPort: number;
  dataSource: DataSource;
}

function portFrom(env: NodeJS.ProcessEnv, variable: string, fallback: number, max = 65_535): number {
  const text = env[variable];
  const port = Number(text === undefined || text === '' ? fallback : text);
  if (!Number.isInteger(port) || port < 0 || port > max) {
    throw new Error(`${variable} must be a TCP port (0-${max}, 0 for a free one), got "${text}"`);
  }
  return port;
}

/** The stack's settings from the environment, refusing bad values by name (the API reads its own, see config.ts). */
export function stackSettingsFrom(env: NodeJS.ProcessEnv): StackSettings {
  return {
    dataDir: path.resolve(env.POLICYLEDGER_DATA_DIR || 'data'),
    chainHost: env.POLICYLEDGER_CHAIN_HOST || '127.0.0.1',
    chainPort: portFrom(env, 'POLICYLEDGER_CHAIN_PORT', 8545),
    oracleBasePort: portFrom(env, 'POLICYLEDGER_ORACLE_BASE_PORT', 9101, 65_532),
    replayPort: portFrom(env, 'POLICYLEDGER_REPLAY_PORT', 8090),
    dataSource: dataSourceFrom(env),
  };
}

// -------------------------------------------------------------------------------------------------------------------
// Oracle node configurations: generated once, then kept
// -------------------------------------------------------------------------------------------------------------------

/** Polling every 2 s: a demo that moves the chain's clock sees a feed observed within seconds. */
const EMBEDDED_POLL_INTERVAL_MS = 2_000;

/** The providers an embedded node reads: each from the replay server, or the live APIs. */
export function embeddedProviders(source: DataSource, replayUrl: string | undefined): NodeConfig['providers'] {
  if (source.kind === 'replay') {
    if (replayUrl === undefined) throw new Error('the replay data source needs the replay server');
    // Quick to give up on a replay server that is down: it is on this machine.
    const replay = { replay: true, timeoutMs: 5_000, retries: 1, backoffMs: 250, minIntervalMs: 0 };
    return {
      flight: (['aviationstack', 'flightaware', 'flightstats'] as const).map((name) => ({
        name,
        baseUrl: `${replayUrl}/${name}`,
        ...replay,
      })),
      weather: [
        {
          name: 'open-meteo',
          baseUrl: `${replayUrl}/open-meteo`,
          archiveBaseUrl: `${replayUrl}/open-meteo-archive`,
          ...replay,
        },
        { name: 'nws', baseUrl: `${replayUrl}/nws`, userAgent: 'PolicyLedger local stack (replay)', ...replay },
      ],
    };
  }
  const live = { replay: false, timeoutMs: 10_000, retries: 3, backoffMs: 1_000, minIntervalMs: 250 };
  const flight = {
    aviationstack: {
      name: 'aviationstack',
      baseUrl: 'https://api.aviationstack.com',
      apiKeyEnv: 'AVIATIONSTACK_API_KEY',
    },
    flightaware: {
      name: 'flightaware',
      baseUrl: 'https://aeroapi.flightaware.com/aeroapi',
      apiKeyEnv: 'FLIGHTAWARE_API_KEY',
    },
    flightstats: {
      name: 'flightstats',
      baseUrl: 'https://api.flightstats.com',
      apiKeyEnv: 'FLIGHTSTATS_APP_KEY',
      appIdEnv: 'FLIGHTSTATS_APP_ID',
    },
  };
  return {
    flight: source.flightProviders.map((name) => ({ ...flight[name], ...live })),
    weather: [
      {
        name: 'open-meteo',
        baseUrl: 'https://api.open-meteo.com',
        archiveBaseUrl: 'https://archive-api.open-meteo.com',
        ...live,
      },
      { name: 'nws', baseUrl: 'https://api.weather.gov', userAgent: 'PolicyLedger local stack', ...live },
    ],
  };
}

/**
 * The settings `npm start` manages in each node configuration, from the environment: they follow it (the chain's
 * port, the node's health port, the data source and the replay server's port) as long as the user has not edited
 * them. With replayed data a flight has one recording, at one provider, so one answering provider suffices, and the
 * replay server's own gating replaces the grace periods given to live providers.
 */
function managedSettings(
  index: number,
  settings: StackSettings,
  rpcUrl: string,
  replayUrl: string | undefined,
): Record<string, unknown> {
  const replay = settings.dataSource.kind === 'replay';
  return {
    rpcUrl,
    http: { host: '127.0.0.1', port: settings.oracleBasePort === 0 ? 0 : settings.oracleBasePort + index },
    providers: embeddedProviders(settings.dataSource, replayUrl),
    minProviders: replay ? 1 : undefined,
    schedule: {
      pollIntervalMs: EMBEDDED_POLL_INTERVAL_MS,
      retrySeconds: 60,
      ...(replay ? { flightGraceSeconds: 0, weatherLagSeconds: 0 } : {}),
    },
  };
}

/** What `npm start` last wrote into each node configuration, by file name: see `prepareEmbeddedOracles`. */
const MANAGED_RECORD = '.npm-start-managed.json';

/** `value` as JSON would keep it (undefined fields dropped), for comparing with what a file holds. */
function asJson(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

/**
 * Writes, once, the keystore and configuration of each embedded oracle node under `<dataDir>/oracles/` and then
 * keeps them: a configuration is never rewritten. Only the settings `npm start` manages (`managedSettings`) are
 * brought in line with the environment, one by one, and only while they still hold what `npm start` last wrote
 * there (recorded in `oracles/.npm-start-managed.json`); a setting the user edited is kept, and said so when the
 * environment would now give another value. The keys are the local development accounts registered as ORACLE parties;
 * their keystore password is kept beside them because those keys protect nothing.
 */
export async function prepareEmbeddedOracles(
  settings: StackSettings,
  rpcUrl: string,
  replayUrl: string | undefined,
  print: (line: string) => void,
): Promise<{ files: string[]; passwordEnv: Record<string, string> }> {
  const oraclesDir = path.join(settings.dataDir, 'oracles');
  mkdirSync(oraclesDir, { recursive: true });
  const passwordFile = path.join(oraclesDir, 'local-password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(16).toString('hex'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8');
  const recordFile = path.join(oraclesDir, MANAGED_RECORD);
  // Without a record, configurations present were written by an earlier `npm start` that rewrote them at every
  // start: nothing in them is the user's, so their managed settings count as written by `npm start`.
  const recorded = existsSync(recordFile);
  const record = recorded
    ? (JSON.parse(readFileSync(recordFile, 'utf8')) as Record<string, Record<string, unknown>>)
    : {};

  const oracles = localParties().filter((party) => party.role === 'ORACLE');
  const files: string[] = [];
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
    const file = path.join(oraclesDir, `${name}.json`);
    const wanted = asJson(managedSettings(index, settings, rpcUrl, replayUrl)) as Record<string, unknown>;
    if (!existsSync(file)) {
      const config = {
        name,
        rpcUrl: wanted.rpcUrl,
        keystore: path.basename(keystore),
        passwordEnv: 'POLICYLEDGER_LOCAL_ORACLE_PASSWORD',
        stateFile: `${name}.sqlite`,
        deployment: path.relative(oraclesDir, path.join(settings.dataDir, 'deployments', '31337.json')),
        ...wanted,
      };
      writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
      record[`${name}.json`] = wanted;
    } else {
      const written = recorded ? (record[`${name}.json`] ?? {}) : managedIn(file, Object.keys(wanted));
      record[`${name}.json`] = updateManaged(file, wanted, written, print);
    }
    files.push(file);
  }
  writeFileSync(recordFile, `${JSON.stringify(record, null, 2)}\n`);
  return { files, passwordEnv: { POLICYLEDGER_LOCAL_ORACLE_PASSWORD: password } };
}

/** The settings `keys` as `file` holds them; none when it is not JSON. */
function managedIn(file: string, keys: string[]): Record<string, unknown> {
  try {
    const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return Object.fromEntries(keys.map((key) => [key, config[key]]));
  } catch {
    return {};
  }
}

/**
 * Brings the managed settings of an existing configuration in line with `wanted` where the file still holds what was
 * last written (`written`); returns the new record of what is written. A file that is not JSON is left alone: the
 * node's start names what is wrong with it.
 */
function updateManaged(
  file: string,
  wanted: Record<string, unknown>,
  written: Record<string, unknown>,
  print: (line: string) => void,
): Record<string, unknown> {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return written;
  }
  const nowWritten: Record<string, unknown> = { ...written };
  const changed: string[] = [];
  for (const key of new Set([...Object.keys(written), ...Object.keys(wanted)])) {
    const value = wanted[key];
    if (isDeepStrictEqual(config[key], value)) {
      nowWritten[key] = value;
      continue;
    }
    if (isDeepStrictEqual(config[key], written[key])) {
      if (value === undefined) delete config[key];
      else config[key] = value;
      nowWritten[key] = value;
      changed.push(key);
    } else {
      const now = value === undefined ? 'leave it out' : `set ${JSON.stringify(value)}`;
      print(`  ${path.basename(file)}: keeping your ${key} (npm start would now ${now})`);
    }
  }
  if (changed.length > 0) {
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    print(`  ${path.basename(file)}: ${changed.join(', ')} updated from the environment`);
  }
  return asJson(nowWritten) as Record<string, unknown>;
}

// -------------------------------------------------------------------------------------------------------------------
// Development keys
// -------------------------------------------------------------------------------------------------------------------

export interface DevKeysFile {
  warning: string;
  apiUrl: string;
  parties: { name: string; role: string; address: string; apiKey: string }[];
}

const DEV_KEY_LABEL = 'local development key (npm start)';

/**
 * Writes `<dataDir>/api/dev-keys.json` (mode 0600): an API key for each demo party, made through the API's key store
 * once and reused while the store still takes it, so a restart keeps the keys tools were given.
 */
export async function writeDevKeys(db: DatabaseSync, dataDir: string, apiUrl: string): Promise<DevKeysFile> {
  const { devSignIn, store } = await stackModules();
  const file = path.join(dataDir, 'api', 'dev-keys.json');
  let previous: DevKeysFile | undefined;
  try {
    previous = JSON.parse(readFileSync(file, 'utf8')) as DevKeysFile;
  } catch {
    previous = undefined;
  }
  const parties = devSignIn.devParties().map((party) => {
    const kept = previous?.parties?.find((entry) => entry.name === party.name && entry.address === party.address);
    const lookup = kept === undefined ? undefined : store.findApiKey(db, kept.apiKey);
    const valid = lookup?.state === 'valid' && lookup.record.account === party.address;
    const apiKey = valid ? kept!.apiKey : store.createApiKey(db, party.address, DEV_KEY_LABEL).token;
    return { name: party.name, role: party.role, address: party.address, apiKey };
  });
  const keys: DevKeysFile = {
    warning: 'Local development keys: never use outside the local stack.',
    apiUrl,
    parties,
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return keys;
}

// -------------------------------------------------------------------------------------------------------------------
// Errors
// -------------------------------------------------------------------------------------------------------------------

/** Long hex runs (calldata, bytecode, revert data) as their length: a person reads the sentence, not the bytes. */
function withoutHexBlobs(text: string): string {
  return text.replace(/0x[0-9a-fA-F]{80,}/g, (hex) => `0x${hex.slice(2, 10)}…(${(hex.length - 2) / 2} bytes)`);
}

/** A start-up failure as one readable line: a contract revert by its decoded custom error, never as raw hex. */
export async function describeStartError(error: unknown): Promise<string> {
  const inUse = error as { code?: unknown; address?: unknown; port?: unknown };
  if (inUse.code === 'EADDRINUSE') {
    return (
      `${String(inUse.address)}:${String(inUse.port)} is already taken: is PolicyLedger already running? ` +
      'Stop it, or move this stack with POLICYLEDGER_CHAIN_PORT, POLICYLEDGER_API_PORT, ' +
      'POLICYLEDGER_ORACLE_BASE_PORT and POLICYLEDGER_REPLAY_PORT'
    );
  }
  const { errors } = await stackModules();
  if (error instanceof errors.LedgerError) return error.message;
  const decoded = errors.decodeContractError(error);
  const short = (error as { shortMessage?: unknown }).shortMessage;
  const message = typeof short === 'string' ? short : error instanceof Error ? error.message : String(error);
  return withoutHexBlobs(decoded === null ? message : `contract error ${decoded.message} (${message})`);
}

// -------------------------------------------------------------------------------------------------------------------
// The stack
// -------------------------------------------------------------------------------------------------------------------

export interface RunningStack {
  chain: LocalChain;
  deployment: Deployment;
  replay: RunningReplayServer | undefined;
  nodes: RunningNode[];
  api: RunningApi;
  devKeys: DevKeysFile;
  settings: StackSettings;
  stop(): Promise<void>;
}

/** True when `url` answers 200; else what it answered, or why it did not. */
async function answers200(url: string): Promise<true | string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.status === 200 ? true : `${url} answers ${response.status}: ${await response.text()}`;
  } catch (error) {
    return `${url}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Waits until the API's /ready and every node's /health answer 200, saying every 15 s what it still waits for. */
async function waitUntilReady(urls: string[], print: (line: string) => void): Promise<void> {
  let nextNote = Date.now() + 15_000;
  for (;;) {
    const failing = (await Promise.all(urls.map(answers200))).filter((answer) => answer !== true);
    if (failing.length === 0) return;
    if (Date.now() > nextNote) {
      print(`Still waiting for: ${failing.join('; ')}`);
      nextNote = Date.now() + 15_000;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Configuration files whose providers include a replay source, among those that already exist. */
function usesReplay(files: string[]): boolean {
  return files.some((file) => {
    try {
      const config = JSON.parse(readFileSync(file, 'utf8')) as NodeConfig;
      return [...(config.providers?.flight ?? []), ...(config.providers?.weather ?? [])].some((p) => p.replay);
    } catch {
      return false;
    }
  });
}

/**
 * Starts the whole stack with the settings in `env`, printing progress with `print`; resolves once everything
 * answers ready. On failure, stops what it started and rethrows.
 */
export async function startStack(
  env: NodeJS.ProcessEnv = process.env,
  print: (line: string) => void = console.log,
): Promise<RunningStack> {
  const settings = stackSettingsFrom(env);
  const modules = await stackModules();
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const { chain, deployment, deployedNow } = await modules.deployLocal.deployLocal({
      dataDir: settings.dataDir,
      host: settings.chainHost,
      port: settings.chainPort,
      chainId: 31337,
    });
    stops.push(() => chain.stop());
    print(`${deployedNow ? 'Deployed' : 'Reusing'} PolicyLedger on ${chain.rpcUrl} (chain ${deployment.chainId})`);

    const oraclesDir = path.join(settings.dataDir, 'oracles');
    const existing = [1, 2, 3, 4].map((n) => path.join(oraclesDir, `oracle-${n}.json`));
    let replay: RunningReplayServer | undefined;
    if (settings.dataSource.kind === 'replay' || usesReplay(existing)) {
      replay = await modules.replay.startReplayServer({
        host: '127.0.0.1',
        port: settings.replayPort,
        rpcUrl: chain.rpcUrl,
      });
      stops.push(() => replay!.close());
    }
    const { files, passwordEnv } = await prepareEmbeddedOracles(settings, chain.rpcUrl, replay?.url, print);
    const started = await Promise.allSettled(
      files.map(async (file) => {
        try {
          return await modules.nodeRun.startOracleNode(modules.nodeConfig.loadNodeConfig(file), {
            ...env,
            ...passwordEnv,
          });
        } catch (error) {
          // Name the configuration at fault (the loader's own errors already do).
          if (error instanceof modules.nodeConfig.ConfigError && !error.message.startsWith(file)) {
            throw new modules.nodeConfig.ConfigError(`${file}: ${error.message}`);
          }
          throw error;
        }
      }),
    );
    const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    for (const node of nodes) stops.push(() => node.stop());
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;

    const apiConfig = modules.apiConfig.loadApiConfig({
      // Request logs would drown the console of an interactive stack; POLICYLEDGER_API_LOG_LEVEL brings them back.
      POLICYLEDGER_API_LOG_LEVEL: 'warn',
      ...env,
      POLICYLEDGER_DATA_DIR: settings.dataDir,
      POLICYLEDGER_RPC_URL: chain.rpcUrl,
      POLICYLEDGER_EMBEDDED: 'true',
      POLICYLEDGER_API_ORACLE_HEALTH_URLS: withNodeHealthUrls(env.POLICYLEDGER_API_ORACLE_HEALTH_URLS, nodes),
    });
    if (chain.uncleanStop) await reconcileWithLostBlocks(modules, apiConfig, chain.rpcUrl, print);
    const api = await modules.apiMain.startApi(apiConfig);
    stops.push(() => api.stop());
    const devKeys = await writeDevKeys(api.ctx.db, settings.dataDir, api.url);

    const healthUrls = nodes.map((node) => `http://127.0.0.1:${node.port}/health`);
    await waitUntilReady([`${api.url}/ready`, ...healthUrls], print);
    const stack: RunningStack = {
      chain,
      deployment,
      replay,
      nodes,
      api,
      devKeys,
      settings,
      stop: stopAll,
    };
    printReady(stack, files, print);
    return stack;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The data source the nodes' configurations actually name (they may have been edited), as one line. */
function describeDataSource(stack: RunningStack, files: string[]): string {
  const providers = new Set<string>();
  let replayed = false;
  for (const file of files) {
    const config = JSON.parse(readFileSync(file, 'utf8')) as NodeConfig;
    for (const provider of [...config.providers.flight, ...config.providers.weather]) {
      providers.add(provider.name);
      replayed ||= provider.replay === true;
    }
  }
  const list = [...providers].join(', ') || 'none';
  return replayed
    ? `replayed recordings from the replay server (${stack.settings.dataSource.reason}): ${list}; evidence is labelled replayed`
    : `real providers (${stack.settings.dataSource.reason}): ${list}`;
}

/** What runs where, the contracts, the demo parties and where the data lives; then the line tools wait for. */
function printReady(stack: RunningStack, files: string[], print: (line: string) => void): void {
  const relative = (target: string) => {
    const inside = path.relative(process.cwd(), target);
    return inside.startsWith('..') || path.isAbsolute(inside) ? target : inside || '.';
  };
  const dataDir = relative(stack.settings.dataDir);
  const api = stack.api.url;
  const rows: [string, string][] = [
    ['Chain', `${stack.chain.rpcUrl}  (chain ${stack.deployment.chainId}, state in ${dataDir}/chain)`],
    ['API', `${api}  reference ${api}/docs  ready ${api}/ready`],
    ['Web pages', `${api}/  verify ${api}/verify  insurer ${api}/insurer  client ${api}/client`],
    ['', `reinsurer ${api}/reinsurer  auditor ${api}/auditor  operations ${api}/operations`],
  ];
  if (stack.replay !== undefined) {
    rows.push(['Replay server', `${stack.replay.url}  catalogue ${stack.replay.url}/catalogue`]);
  }
  for (const node of stack.nodes) {
    rows.push([
      node === stack.nodes[0] ? 'Oracle nodes' : '',
      `${node.node.name}  ${node.address}  health http://127.0.0.1:${node.port}/health`,
    ]);
  }
  rows.push(['Data source', describeDataSource(stack, files)]);
  const contracts = Object.entries(stack.deployment).filter(
    ([name, value]) => name !== 'deployer' && typeof value === 'string' && value.startsWith('0x'),
  );
  for (const [index, [name, address]] of contracts.entries()) {
    rows.push([index === 0 ? 'Contracts' : '', `${name.padEnd(20)} ${String(address)}`]);
  }
  const devKeysFile = `${dataDir}/api/dev-keys.json`;
  rows.push(['Demo parties', `API keys in ${devKeysFile} (header: Authorization: Bearer <apiKey>)`]);
  for (const party of stack.devKeys.parties)
    rows.push(['', `${party.name.padEnd(10)} ${party.address}  ${party.role}`]);
  rows.push([
    '',
    `DEVELOPMENT sign-in (this local stack only): curl -c cookies.txt -H 'content-type: application/json' ` +
      `-d '{"party":"insurer"}' ${api}/v1/dev/sign-in`,
  ]);
  rows.push([
    'Data',
    `${dataDir}/  chain state and deployments, oracles/ (keystores, configurations, state), api/ (database, index, IPFS blocks, dev keys)`,
  ]);
  for (const [label, text] of rows) print(`  ${label.padEnd(13)} ${text}`);
  print('PolicyLedger is ready');
}

async function main(): Promise<void> {
  const started = Date.now();
  ensureContractsBuilt(console.log);
  const stack = await startStack(process.env);
  console.log(`Started in ${((Date.now() - started) / 1000).toFixed(1)} s; Ctrl-C stops everything.`);
  const { stopOnSignal } = await import('./lib/signals.js');
  stopOnSignal(async () => {
    console.log('Stopping PolicyLedger (API, oracle nodes, replay server, chain)…');
    await stack.stop();
    console.log('PolicyLedger stopped.');
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch(async (error: unknown) => {
    console.error(`PolicyLedger did not start: ${await describeStartError(error).catch(() => String(error))}`);
    process.exit(1);
  });
}
