/**
 * The API's configuration, from environment variables only, validated before anything starts: a bad or missing
 * setting stops the API with an `ApiConfigError` naming the variable. Unknown `POLICYLEDGER_API_*` variables are
 * refused too, so a misspelt setting cannot silently fall back to its default.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getAddress, isAddress } from 'ethers';
import { z } from 'zod';
import { EVENTS_API_VARIABLES, loadEventsConfig, type EventsConfig } from './events/config.js';
import { parseLanTcpAddress } from '../storage/peering-addresses.js';
export class ApiConfigError extends Error {
  /** The environment variable at fault. */
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(`${setting}: ${message}`);
    this.name = 'ApiConfigError';
    this.setting = setting;
  }
}

/** Where document content is stored: the embedded Helia node (blocks under `<dataDir>/api/ipfs`) or a Kubo node. */
export type IpfsConfig = { kind: 'helia'; dir: string } | { kind: 'kubo'; url: string };

/** A key file and the password that opens it (the password comes from the environment, never from a file). */
export interface KeyFileConfig {
  file: string;
  password: string;
}

export interface RateLimitConfig {
  windowMs: number;
  /** Requests per window per client IP; 0 turns the limit off. */
  perIp: number;
  /** Requests per window per API key; 0 turns the limit off. */
  perApiKey: number;
}

/**
 * Another member's API, where documents its party registered are fetched for this member's readers: its URL and an API
 * key this member's party created there (so the remote answers only what was wrapped for this member).
 */
export interface PeerApiConfig {
  /** The party whose documents that API holds (checksummed): the registrant the index names. */
  party: string;
  url: string;
  apiKey: string;
}

export interface ApiConfig {
  host: string;
  port: number;
  /** The origin the API is reached at; SIWE messages must name its host as domain and its origin as URI. */
  publicUrl: string;
  dataDir: string;
  /** `<dataDir>/api`: the API's SQLite file, Helia blocks, … */
  apiDir: string;
  /** `<apiDir>/api.sqlite` */
  databaseFile: string;
  rpcUrl: string;
  /** The deployment record; null means `<dataDir>/deployments/<chainId>.json` (see `deploymentFileFor`). */
  deploymentFile: string | null;
  /** PostgreSQL index when set; the SQLite index under `<apiDir>` otherwise. */
  databaseUrl: string | null;
  /** The member's transaction key (ethers JSON keystore). */
  keystore: KeyFileConfig | null;
  /** The member's X25519 encryption key file. */
  encryptionKey: KeyFileConfig | null;
  ipfs: IpfsConfig;
  /** The IPFS node's network: the embedded node's peering, and the bound of fetches from peers (see the peering block). */
  ipfsNetwork: IpfsNetworkConfig;
  cidVersion: 0 | 1;
  batchWindowMs: number;
  batchMaxSize: number;
  maxDocumentBytes: number;
  /** Bound of `?confirm=true` waits, after which the API answers 408 and the operation goes on. */
  confirmTimeoutMs: number;
  /** /ready fails when the index is more than this many blocks behind the chain. */
  readyMaxLagBlocks: number;
  /** Limit of JSON bodies. */
  bodyLimitBytes: number;
  rateLimit: RateLimitConfig;
  /** Express `trust proxy`: how the client IP is found behind a reverse proxy (false: the socket's address). */
  trustProxy: boolean | number | string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The local stack: this API also holds the demo parties' keys. */
  embedded: boolean;
  /** Event stream, webhooks and keeper (services/api/events/config.ts). */
  events: EventsConfig;
  /** Other members' APIs (POLICYLEDGER_API_PEERS, a JSON file), by the party each serves. */
  peers: PeerApiConfig[];
  /** The oracle nodes' `/health` URLs the operations page reports on (POLICYLEDGER_API_ORACLE_HEALTH_URLS). */
  oracleHealth: OracleHealthUrl[];
}

/**
 * The command line's settings (services/cli), which share the prefix: a user who exports them for `policyledger` and
 * starts the API in the same shell is not refused. The API ignores them.
 */
export const CLI_VARIABLES = ['POLICYLEDGER_API_URL', 'POLICYLEDGER_API_KEY'] as const;

/** Every `POLICYLEDGER_API_*` variable this API knows; any other (but the command line's) is refused. */
export const API_VARIABLES = [
  'POLICYLEDGER_API_HOST',
  'POLICYLEDGER_API_PORT',
  'POLICYLEDGER_API_PUBLIC_URL',
  'POLICYLEDGER_API_KEYSTORE',
  'POLICYLEDGER_API_KEYSTORE_PASSWORD',
  'POLICYLEDGER_API_ENCRYPTION_KEY',
  'POLICYLEDGER_API_ENCRYPTION_KEY_PASSWORD',
  'POLICYLEDGER_API_BODY_LIMIT_BYTES',
  'POLICYLEDGER_API_RATE_LIMIT_WINDOW_MS',
  'POLICYLEDGER_API_RATE_LIMIT_PER_IP',
  'POLICYLEDGER_API_RATE_LIMIT_PER_API_KEY',
  'POLICYLEDGER_API_TRUST_PROXY',
  'POLICYLEDGER_API_LOG_LEVEL',
  ...EVENTS_API_VARIABLES,
  'POLICYLEDGER_API_PEERS',
  'POLICYLEDGER_API_ORACLE_HEALTH_URLS',
] as const;

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const flag = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true, false, 1 or 0' })
  .transform((value) => value === 'true' || value === '1');

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((value) => value.replace(/\/+$/, ''));

const origin = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) origin' })
  .refine((value) => {
    const url = new URL(value);
    return url.pathname === '/' && url.search === '' && url.hash === '';
  }, 'must be an origin (scheme, host and port, no path)')
  .transform((value) => new URL(value).origin);

const ipfs = z
  .string()
  .refine((value) => value === 'helia' || value.startsWith('kubo:'), 'must be "helia" or "kubo:<RPC URL>"')
  .refine((value) => value === 'helia' || URL.canParse(value.slice('kubo:'.length)), 'kubo: needs an RPC URL');

const trustProxy = z
  .string()
  .min(1)
  .transform((value): boolean | number | string =>
    value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value,
  );

/** The environment's settings (all optional here; defaults and cross-checks follow). */
const environmentSchema = z.object({
  POLICYLEDGER_API_HOST: z.string().min(1).optional(),
  POLICYLEDGER_API_PORT: integer(0, 65535).optional(),
  POLICYLEDGER_API_PUBLIC_URL: origin.optional(),
  POLICYLEDGER_DATA_DIR: z.string().min(1).optional(),
  POLICYLEDGER_RPC_URL: httpUrl.optional(),
  POLICYLEDGER_DEPLOYMENT: z.string().min(1).optional(),
  POLICYLEDGER_DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  POLICYLEDGER_API_KEYSTORE: z.string().min(1).optional(),
  POLICYLEDGER_API_KEYSTORE_PASSWORD: z.string().min(1).optional(),
  POLICYLEDGER_API_ENCRYPTION_KEY: z.string().min(1).optional(),
  POLICYLEDGER_API_ENCRYPTION_KEY_PASSWORD: z.string().min(1).optional(),
  POLICYLEDGER_IPFS: ipfs.optional(),
  POLICYLEDGER_CID_VERSION: z.enum(['0', '1'], { error: 'must be 0 or 1' }).transform(Number).optional(),
  POLICYLEDGER_BATCH_WINDOW_MS: integer(1, 3_600_000).optional(),
  POLICYLEDGER_BATCH_MAX_SIZE: integer(1, 100_000).optional(),
  POLICYLEDGER_MAX_DOCUMENT_BYTES: integer(1, 2 ** 40).optional(),
  POLICYLEDGER_CONFIRM_TIMEOUT_MS: integer(1, 3_600_000).optional(),
  POLICYLEDGER_READY_MAX_LAG_BLOCKS: integer(0, 1_000_000).optional(),
  POLICYLEDGER_API_BODY_LIMIT_BYTES: integer(1, 2 ** 30).optional(),
  POLICYLEDGER_API_RATE_LIMIT_WINDOW_MS: integer(1, 86_400_000).optional(),
  POLICYLEDGER_API_RATE_LIMIT_PER_IP: integer(0, 1_000_000_000).optional(),
  POLICYLEDGER_API_RATE_LIMIT_PER_API_KEY: integer(0, 1_000_000_000).optional(),
  POLICYLEDGER_API_TRUST_PROXY: trustProxy.optional(),
  POLICYLEDGER_API_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be fatal, error, warn, info, debug, trace or silent',
    })
    .optional(),
  POLICYLEDGER_EMBEDDED: flag.optional(),
  POLICYLEDGER_API_PEERS: z.string().min(1).optional(),
  POLICYLEDGER_API_ORACLE_HEALTH_URLS: z.string().min(1).optional(),
});

const peersFileSchema = z.array(
  z
    .object({
      party: z.string().refine((value) => isAddress(value), 'must be an address'),
      url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
      apiKey: z.string().min(1),
    })
    .strict(),
);

/** The peers file at `file`: `[{ "party": "0x…", "url": "https://…", "apiKey": "pl_…" }]`, or an error naming it. */
function loadPeers(file: string | undefined, cwd: string): PeerApiConfig[] {
  if (file === undefined) return [];
  const setting = 'POLICYLEDGER_API_PEERS';
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path.resolve(cwd, file), 'utf8'));
  } catch (error) {
    throw new ApiConfigError(setting, `cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  const result = peersFileSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ApiConfigError(setting, `${file}: [${issue?.path.join('.') ?? ''}] ${issue?.message ?? 'invalid'}`);
  }
  return result.data.map((peer) => ({ ...peer, party: getAddress(peer.party), url: new URL(peer.url).origin }));
}

/** An oracle node's health endpoint, and the oracle account it serves when the setting names it. */
export interface OracleHealthUrl {
  url: string;
  oracle: string | null;
}

/**
 * `POLICYLEDGER_API_ORACLE_HEALTH_URLS`: comma- or space-separated `[<oracle address>=]<http(s) URL>` entries, e.g.
 * `0x9965…A4dc=http://10.0.0.7:9101/health`. Naming the oracle ties a node that does not answer to its party.
 */
export function parseOracleHealthUrls(value: string | undefined): OracleHealthUrl[] {
  const setting = 'POLICYLEDGER_API_ORACLE_HEALTH_URLS';
  const entries = (value ?? '').split(/[\s,]+/).filter((entry) => entry !== '');
  const seen = new Set<string>();
  return entries.map((entry) => {
    const match = /^(0x[0-9a-fA-F]{40})=(.+)$/.exec(entry);
    const url = match?.[2] ?? entry;
    const parsed = httpUrl.safeParse(url);
    if (!parsed.success) throw new ApiConfigError(setting, `"${url}" must be an http(s) URL`);
    if (seen.has(parsed.data)) throw new ApiConfigError(setting, `"${url}" is named twice`);
    seen.add(parsed.data);
    return { url: parsed.data, oracle: match?.[1] === undefined ? null : getAddress(match[1].toLowerCase()) };
  });
}

/**
 * The IPFS node's network. The embedded node peers with other members' nodes when `POLICYLEDGER_IPFS_PEERS` is set
 * (libp2p, TCP on loopback/LAN addresses, bitswap; services/storage/peering.ts); a Kubo node peers through its own
 * configuration (`Peering.Peers`). Either way another member's content is fetched by CID through this member's node,
 * for at most `fetchTimeoutMs`.
 */
export interface IpfsNetworkConfig {
  /** The embedded node's peering (either variable set); null without it (and always with Kubo). */
  peering: IpfsPeeringConfig | null;
  fetchTimeoutMs: number;
}

/** The embedded node's libp2p addresses: where it listens, and the other members' nodes it dials and accepts. */
export interface IpfsPeeringConfig {
  /** `POLICYLEDGER_IPFS_LISTEN`: TCP multiaddrs on loopback/LAN addresses, e.g. `/ip4/10.0.0.5/tcp/4011`. */
  listen: string[];
  /** `POLICYLEDGER_IPFS_PEERS`: the other members' nodes, `/ip4/<address>/tcp/<port>/p2p/<peer id>`. */
  peers: string[];
}

/** Every `POLICYLEDGER_IPFS_*` variable; any other is refused (`POLICYLEDGER_IPFS` itself is in the schema above). */
export const IPFS_PEERING_VARIABLES = [
  'POLICYLEDGER_IPFS_LISTEN',
  'POLICYLEDGER_IPFS_PEERS',
  'POLICYLEDGER_IPFS_FETCH_TIMEOUT_MS',
] as const;

export const DEFAULT_IPFS_FETCH_TIMEOUT_MS = 30_000;

function loadIpfsNetworkConfig(ipfs: string, env: NodeJS.ProcessEnv): IpfsNetworkConfig {
  const unknown = Object.keys(env)
    .filter(
      (name) => name.startsWith('POLICYLEDGER_IPFS_') && !(IPFS_PEERING_VARIABLES as readonly string[]).includes(name),
    )
    .sort()[0];
  if (unknown !== undefined) {
    throw new ApiConfigError(unknown, `is not a setting of the API (known: ${IPFS_PEERING_VARIABLES.join(', ')})`);
  }
  const timeout = env.POLICYLEDGER_IPFS_FETCH_TIMEOUT_MS || undefined;
  const parsedTimeout = integer(100, 600_000).optional().safeParse(timeout);
  if (!parsedTimeout.success) {
    const message = parsedTimeout.error.issues[0]?.message ?? 'invalid';
    throw new ApiConfigError('POLICYLEDGER_IPFS_FETCH_TIMEOUT_MS', `${message} (got "${timeout}")`);
  }
  const fetchTimeoutMs = parsedTimeout.data ?? DEFAULT_IPFS_FETCH_TIMEOUT_MS;
  const listen = multiaddrList(env, 'POLICYLEDGER_IPFS_LISTEN', false);
  const peers = multiaddrList(env, 'POLICYLEDGER_IPFS_PEERS', true);
  if (ipfs !== 'helia') {
    const set = listen.length > 0 ? 'POLICYLEDGER_IPFS_LISTEN' : peers.length > 0 ? 'POLICYLEDGER_IPFS_PEERS' : null;
    if (set !== null) {
      throw new ApiConfigError(set, 'is for the embedded node; a Kubo node peers through its own Peering.Peers');
    }
    return { peering: null, fetchTimeoutMs };
  }
  // Listening with no peers yet is a member's first step: its node gets its identity, to give the others.
  return { peering: listen.length === 0 && peers.length === 0 ? null : { listen, peers }, fetchTimeoutMs };
}

/** A comma- or space-separated list of LAN TCP multiaddrs, with (`withPeerId`) or without `/p2p/<peer id>`. */
function multiaddrList(env: NodeJS.ProcessEnv, setting: string, withPeerId: boolean): string[] {
  const addresses = (env[setting] ?? '').split(/[\s,]+/).filter((address) => address !== '');
  for (const address of addresses) {
    let peerId: string | null;
    try {
      peerId = parseLanTcpAddress(address).peerId;
    } catch (error) {
      throw new ApiConfigError(setting, (error as Error).message);
    }
    if (withPeerId && peerId === null) throw new ApiConfigError(setting, `"${address}" lacks /p2p/<peer id>`);
    if (!withPeerId && peerId !== null) throw new ApiConfigError(setting, `"${address}" must not name a peer id`);
  }
  return addresses;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: 'data',
  rpcUrl: 'http://127.0.0.1:8545',
  cidVersion: 0,
  batchWindowMs: 1000,
  batchMaxSize: 500,
  maxDocumentBytes: 25 * 1024 * 1024,
  confirmTimeoutMs: 30_000,
  readyMaxLagBlocks: 10,
  bodyLimitBytes: 1024 * 1024,
  rateLimitWindowMs: 60_000,
  rateLimitPerIp: 1200,
  rateLimitPerApiKey: 6000,
} as const;

function pairedKeyFile(
  file: string | undefined,
  password: string | undefined,
  fileVariable: string,
  passwordVariable: string,
  base: string,
): KeyFileConfig | null {
  if (file === undefined) {
    if (password !== undefined) throw new ApiConfigError(passwordVariable, `is set but ${fileVariable} is not`);
    return null;
  }
  if (password === undefined) throw new ApiConfigError(passwordVariable, `must hold the password of ${fileVariable}`);
  return { file: path.resolve(base, file), password };
}

/**
 * The API configuration from `env` (relative paths resolved against `cwd`), or an `ApiConfigError` naming the first
 * bad setting.
 */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): ApiConfig {
  const known = new Set<string>([...API_VARIABLES, ...CLI_VARIABLES]);
  const unknown = Object.keys(env)
    .filter((name) => name.startsWith('POLICYLEDGER_API_') && !known.has(name))
    .sort();
  if (unknown[0] !== undefined) {
    throw new ApiConfigError(unknown[0], `is not a setting of the API (known: ${API_VARIABLES.join(', ')})`);
  }
  // Empty variables count as unset, as shells and compose files often leave them.
  const present = Object.fromEntries(
    Object.keys(environmentSchema.shape)
      .filter((name) => env[name] !== undefined && env[name] !== '')
      .map((name) => [name, env[name]]),
  );
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0];
    const setting = String(issue?.path[0] ?? 'environment');
    const shown = setting.endsWith('PASSWORD') ? '' : ` (got "${String(env[setting])}")`;
    throw new ApiConfigError(setting, `${issue?.message ?? 'invalid'}${shown}`);
  }
  const settings = result.data;

  const host = settings.POLICYLEDGER_API_HOST ?? DEFAULTS.host;
  const port = settings.POLICYLEDGER_API_PORT ?? DEFAULTS.port;
  const dataDir = path.resolve(cwd, settings.POLICYLEDGER_DATA_DIR ?? DEFAULTS.dataDir);
  const apiDir = path.join(dataDir, 'api');
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const publicUrl = settings.POLICYLEDGER_API_PUBLIC_URL ?? new URL(`http://${urlHost}:${port}`).origin;
  const ipfsSetting = settings.POLICYLEDGER_IPFS ?? 'helia';

  return {
    host,
    port,
    publicUrl,
    dataDir,
    apiDir,
    databaseFile: path.join(apiDir, 'api.sqlite'),
    rpcUrl: settings.POLICYLEDGER_RPC_URL ?? DEFAULTS.rpcUrl,
    deploymentFile:
      settings.POLICYLEDGER_DEPLOYMENT === undefined ? null : path.resolve(cwd, settings.POLICYLEDGER_DEPLOYMENT),
    databaseUrl: settings.POLICYLEDGER_DATABASE_URL ?? null,
    keystore: pairedKeyFile(
      settings.POLICYLEDGER_API_KEYSTORE,
      settings.POLICYLEDGER_API_KEYSTORE_PASSWORD,
      'POLICYLEDGER_API_KEYSTORE',
      'POLICYLEDGER_API_KEYSTORE_PASSWORD',
      cwd,
    ),
    encryptionKey: pairedKeyFile(
      settings.POLICYLEDGER_API_ENCRYPTION_KEY,
      settings.POLICYLEDGER_API_ENCRYPTION_KEY_PASSWORD,
      'POLICYLEDGER_API_ENCRYPTION_KEY',
      'POLICYLEDGER_API_ENCRYPTION_KEY_PASSWORD',
      cwd,
    ),
    ipfs:
      ipfsSetting === 'helia'
        ? { kind: 'helia', dir: path.join(apiDir, 'ipfs') }
        : { kind: 'kubo', url: ipfsSetting.slice('kubo:'.length) },
    ipfsNetwork: loadIpfsNetworkConfig(ipfsSetting, env),
    cidVersion: (settings.POLICYLEDGER_CID_VERSION ?? DEFAULTS.cidVersion) as 0 | 1,
    batchWindowMs: settings.POLICYLEDGER_BATCH_WINDOW_MS ?? DEFAULTS.batchWindowMs,
    batchMaxSize: settings.POLICYLEDGER_BATCH_MAX_SIZE ?? DEFAULTS.batchMaxSize,
    maxDocumentBytes: settings.POLICYLEDGER_MAX_DOCUMENT_BYTES ?? DEFAULTS.maxDocumentBytes,
    confirmTimeoutMs: settings.POLICYLEDGER_CONFIRM_TIMEOUT_MS ?? DEFAULTS.confirmTimeoutMs,
    readyMaxLagBlocks: settings.POLICYLEDGER_READY_MAX_LAG_BLOCKS ?? DEFAULTS.readyMaxLagBlocks,
    bodyLimitBytes: settings.POLICYLEDGER_API_BODY_LIMIT_BYTES ?? DEFAULTS.bodyLimitBytes,
    rateLimit: {
      windowMs: settings.POLICYLEDGER_API_RATE_LIMIT_WINDOW_MS ?? DEFAULTS.rateLimitWindowMs,
      perIp: settings.POLICYLEDGER_API_RATE_LIMIT_PER_IP ?? DEFAULTS.rateLimitPerIp,
      perApiKey: settings.POLICYLEDGER_API_RATE_LIMIT_PER_API_KEY ?? DEFAULTS.rateLimitPerApiKey,
    },
    trustProxy: settings.POLICYLEDGER_API_TRUST_PROXY ?? false,
    logLevel: settings.POLICYLEDGER_API_LOG_LEVEL ?? 'info',
    embedded: settings.POLICYLEDGER_EMBEDDED ?? false,
    events: loadEventsConfig(env, settings.POLICYLEDGER_EMBEDDED ?? false),
    peers: loadPeers(settings.POLICYLEDGER_API_PEERS, cwd),
    oracleHealth: parseOracleHealthUrls(settings.POLICYLEDGER_API_ORACLE_HEALTH_URLS),
  };
}

/** The deployment record to read: the configured one, else `<dataDir>/deployments/<chainId>.json`. */
export function deploymentFileFor(config: ApiConfig, chainId: bigint | number | string): string {
  return config.deploymentFile ?? path.join(config.dataDir, 'deployments', `${String(chainId)}.json`);
}

/** The configuration without its secrets, for the start-up log line. */
export function describeApiConfig(config: ApiConfig): Record<string, unknown> {
  return {
    ...config,
    keystore: config.keystore === null ? null : { file: config.keystore.file },
    encryptionKey: config.encryptionKey === null ? null : { file: config.encryptionKey.file },
    databaseUrl: config.databaseUrl === null ? null : redactUrl(config.databaseUrl),
    peers: config.peers.map((peer) => ({ party: peer.party, url: peer.url })),
  };
}

function redactUrl(value: string): string {
  const url = new URL(value);
  if (url.password !== '') url.password = '***';
  return url.toString();
}
