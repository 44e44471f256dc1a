import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Every object of the configuration is strict: a key it does not know (a misspelled setting) is refused by name
 * rather than silently ignored, which would leave the setting at its default.
 */
const providerSchema = z.strictObject({
  /** Provider name: aviationstack, flightaware, flightstats (flights); open-meteo, nws (weather). */
  name: z.string().min(1),
  baseUrl: z.url(),
  /** Second base URL where a provider has two APIs (Open-Meteo: archive). */
  archiveBaseUrl: z.url().optional(),
  /** Name of the environment variable holding the API key (never the key itself). */
  apiKeyEnv: z.string().min(1).optional(),
  /** Name of the environment variable holding the application id (FlightStats). */
  appIdEnv: z.string().min(1).optional(),
  /** Sent as User-Agent (NWS asks every client to identify itself). */
  userAgent: z.string().min(1).optional(),
  timeoutMs: z.number().int().positive().default(10_000),
  retries: z.number().int().min(0).max(10).default(3),
  backoffMs: z.number().int().min(0).default(1_000),
  minIntervalMs: z.number().int().min(0).default(250),
  /**
   * A replay source: recorded responses re-dated by the local replay server (`npm start` without provider keys), not
   * the provider's live API. Needs no key; its evidence is marked replayed; refused on any chain but the local one.
   */
  replay: z.boolean().default(false),
});

/** An oracle node's configuration file, validated at start-up: a bad setting stops the node with its name. */
export const nodeConfigSchema = z.strictObject({
  name: z.string().min(1),
  rpcUrl: z.url(),
  /** Encrypted JSON keystore of the node's ORACLE account. */
  keystore: z.string().min(1),
  /** Name of the environment variable holding the keystore password. */
  passwordEnv: z.string().min(1),
  /** The node's SQLite state file. */
  stateFile: z.string().min(1),
  /** Deployment record written by the deploy scripts (contract addresses, deployment block). */
  deployment: z.string().min(1),
  http: z.strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65_535) }),
  providers: z.strictObject({
    flight: z.array(providerSchema).default([]),
    weather: z.array(providerSchema).default([]),
  }),
  /** Providers that must answer and agree before the node signs; all that can serve a feed when absent. */
  minProviders: z.number().int().positive().optional(),
  schedule: z
    .strictObject({
      flightGraceSeconds: z
        .number()
        .int()
        .min(0)
        .default(15 * 60),
      weatherLagSeconds: z
        .number()
        .int()
        .min(0)
        .default(6 * 3600),
      retrySeconds: z
        .number()
        .int()
        .positive()
        .default(10 * 60),
      batchSize: z.number().int().positive().default(50),
      logRange: z.number().int().positive().default(5_000),
      pollIntervalMs: z.number().int().positive().default(15_000),
    })
    .prefault({}),
  tolerances: z
    .strictObject({
      delayMinutes: z.number().min(0).default(5),
      precipitationMm: z.number().min(0).default(0.5),
      temperatureC: z.number().min(0).default(0.5),
      windKmh: z.number().min(0).default(2),
    })
    .prefault({}),
  zeroGasPrice: z.boolean().default(false),
  /**
   * Gas limit of report transactions. The report that completes a quorum also pays the first batch of policies, which
   * a node's gas estimate may not foresee; a generous limit costs nothing where gas is free and only the gas used
   * elsewhere. Keep it under the network's per-transaction cap.
   */
  submitGasLimit: z.number().int().positive().default(15_000_000),
});

export type NodeConfig = z.infer<typeof nodeConfigSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;

/** A configuration problem, naming the setting at fault. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A setting's path as a person writes it: `providers.flight[0].baseUrl`. */
function settingPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

/** Reads and validates a node configuration; relative paths are resolved against the file's folder. */
export function loadNodeConfig(file: string): NodeConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `${file}: cannot read the configuration (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const result = nodeConfigSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => `${settingPath([...issue.path, key])}: unknown setting`)
        : [`${settingPath(issue.path) || '(root)'}: ${issue.message}`],
    );
    throw new ConfigError(`${file}: invalid setting ${problems.join('; ')}`);
  }
  const base = path.dirname(path.resolve(file));
  const resolve = (target: string) => path.resolve(base, target);
  return {
    ...result.data,
    keystore: resolve(result.data.keystore),
    stateFile: resolve(result.data.stateFile),
    deployment: resolve(result.data.deployment),
  };
}

/** Reads a secret from the environment variable a setting names; refuses to go on without it. */
export function secretFromEnv(env: NodeJS.ProcessEnv, variable: string, setting: string): string {
  const value = env[variable];
  if (value === undefined || value === '') {
    throw new ConfigError(`${setting}: environment variable ${variable} is not set`);
  }
  return value;
}
