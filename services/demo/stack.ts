/**
 * Where the running embedded stack (`npm start`) is and how to act as each of its parties: the API keys `npm start`
 * writes to `<dataDir>/api/dev-keys.json`, the local chain's JSON-RPC address from the record the chain keeps while it
 * runs (`<dataDir>/chain/anvil-running.json`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { loadNodeConfig, type NodeConfig } from '../oracle/node/config.js';

/** The parties the demo acts as, by their name in `dev-keys.json`. */
export const DEMO_PARTIES = ['admin', 'insurer', 'reinsurer', 'client', 'auditor'] as const;
export type DemoPartyName = (typeof DEMO_PARTIES)[number];

const devKeysSchema = z.object({
  apiUrl: z.url(),
  parties: z.array(
    z.object({ name: z.string(), role: z.string(), address: z.string(), apiKey: z.string().min(1) }).loose(),
  ),
});

export interface DemoParty {
  name: DemoPartyName;
  role: string;
  address: string;
  apiKey: string;
}

export interface DemoStack {
  dataDir: string;
  apiUrl: string;
  rpcUrl: string;
  parties: Record<DemoPartyName, DemoParty>;
}

export interface LocateOptions {
  /** The stack's data folder (`POLICYLEDGER_DATA_DIR`, default `./data`). */
  dataDir?: string;
  /** The local chain; default: the address the running chain recorded, else `POLICYLEDGER_CHAIN_PORT` on loopback. */
  rpcUrl?: string;
  env?: NodeJS.ProcessEnv;
}

/** Thrown when the stack's files are missing or malformed: the message says what to run. */
export class StackNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackNotFoundError';
  }
}

function readJson(file: string, what: string): unknown {
  if (!existsSync(file)) {
    throw new StackNotFoundError(`${file} is missing: start the stack first (npm start), then run the demo (${what})`);
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new StackNotFoundError(`${file} is not JSON (${what}): ${(error as Error).message}`);
  }
}

function chainUrlOf(dataDir: string, env: NodeJS.ProcessEnv): string {
  const record = path.join(dataDir, 'chain', 'anvil-running.json');
  if (existsSync(record)) {
    const parsed = z.object({ rpcUrl: z.string() }).safeParse(readJson(record, 'the running chain'));
    if (parsed.success) return parsed.data.rpcUrl;
  }
  return `http://${env.POLICYLEDGER_CHAIN_HOST ?? '127.0.0.1'}:${env.POLICYLEDGER_CHAIN_PORT ?? '8545'}`;
}

/** Reads where the running stack is; throws `StackNotFoundError` naming the missing piece. */
export function locateStack(options: LocateOptions = {}): DemoStack {
  const env = options.env ?? process.env;
  const dataDir = path.resolve(options.dataDir ?? env.POLICYLEDGER_DATA_DIR ?? 'data');
  const keysFile = path.join(dataDir, 'api', 'dev-keys.json');
  const parsed = devKeysSchema.safeParse(readJson(keysFile, 'the demo parties’ API keys'));
  if (!parsed.success) {
    throw new StackNotFoundError(`${keysFile} does not hold the demo parties' keys: ${parsed.error.message}`);
  }
  const parties = {} as Record<DemoPartyName, DemoParty>;
  for (const name of DEMO_PARTIES) {
    const party = parsed.data.parties.find((entry) => entry.name === name);
    if (party === undefined) throw new StackNotFoundError(`${keysFile} names no party "${name}"`);
    parties[name] = { name, role: party.role, address: party.address, apiKey: party.apiKey };
  }
  return {
    dataDir,
    apiUrl: parsed.data.apiUrl.replace(/\/$/, ''),
    rpcUrl: options.rpcUrl ?? chainUrlOf(dataDir, env),
    parties,
  };
}

/**
 * The embedded oracle nodes' schedule (the first node's configuration under `<dataDir>/oracles/`): how long after a
 * flight's arrival or a day's end they observe it, and how often they poll.
 */
export function oracleSchedule(dataDir: string): NodeConfig['schedule'] {
  const folder = path.join(dataDir, 'oracles');
  const file = existsSync(folder)
    ? readdirSync(folder)
        .filter((name) => /^oracle-\d+\.json$/.test(name))
        .sort()[0]
    : undefined;
  if (file === undefined) throw new StackNotFoundError(`${folder} holds no oracle node configuration: run npm start`);
  return loadNodeConfig(path.join(folder, file)).schedule;
}
