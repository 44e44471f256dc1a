/**
 * What each member runs besides its Besu node, configured for the consortium: its oracle node (the JSON file that
 * `npm run oracle -- run --config` reads, services/oracle/node/config.ts) and its party API (an environment file of the
 * variables services/api/config.ts reads: PostgreSQL for the chain index, a Kubo node for document content). Secrets
 * stay out of both: keystore passwords and provider keys are read from the environment, from the member's
 * `secrets.env`.
 */
import { nodeConfigSchema, type NodeConfig } from '../oracle/node/config.js';

/** Environment variable holding the oracle keystore's password (named in the node configuration). */
export const ORACLE_PASSWORD_ENV = 'POLICYLEDGER_ORACLE_PASSWORD';

/** Kubo's default RPC address, and the PostgreSQL database each member's API keeps its index in. */
export const KUBO_RPC_URL = 'http://127.0.0.1:5001';
export const DATABASE_URL = 'postgres://policyledger@127.0.0.1:5432/policyledger';

export interface OracleNodeFiles {
  name: string;
  rpcUrl: string;
  /** Paths relative to the configuration file's folder, as the node resolves them. */
  keystore: string;
  stateFile: string;
  deployment: string;
  healthPort: number;
  /** Sent to NWS as User-Agent: NWS asks every client to name itself and a contact. */
  contact: string;
}

/**
 * The oracle node's configuration: every flight provider PolicyLedger has an adapter for (a member keeps those it
 * holds a subscription for) and the two keyless weather providers; legacy transactions at gas price 0.
 */
export function oracleNodeConfig(files: OracleNodeFiles): NodeConfig {
  return nodeConfigSchema.parse({
    name: files.name,
    rpcUrl: files.rpcUrl,
    keystore: files.keystore,
    passwordEnv: ORACLE_PASSWORD_ENV,
    stateFile: files.stateFile,
    deployment: files.deployment,
    http: { host: '127.0.0.1', port: files.healthPort },
    providers: {
      flight: [
        { name: 'aviationstack', baseUrl: 'https://api.aviationstack.com', apiKeyEnv: 'AVIATIONSTACK_API_KEY' },
        { name: 'flightaware', baseUrl: 'https://aeroapi.flightaware.com/aeroapi', apiKeyEnv: 'FLIGHTAWARE_API_KEY' },
        {
          name: 'flightstats',
          baseUrl: 'https://api.flightstats.com',
          apiKeyEnv: 'FLIGHTSTATS_APP_KEY',
          appIdEnv: 'FLIGHTSTATS_APP_ID',
        },
      ],
      weather: [
        {
          name: 'open-meteo',
          baseUrl: 'https://api.open-meteo.com',
          archiveBaseUrl: 'https://archive-api.open-meteo.com',
        },
        { name: 'nws', baseUrl: 'https://api.weather.gov', userAgent: files.contact },
      ],
    },
    zeroGasPrice: true,
  });
}

/** The flight provider keys the node configuration names, for the member's `secrets.env`. */
export const PROVIDER_KEY_VARIABLES = [
  'AVIATIONSTACK_API_KEY',
  'FLIGHTAWARE_API_KEY',
  'FLIGHTSTATS_APP_ID',
  'FLIGHTSTATS_APP_KEY',
] as const;

export interface ApiFiles {
  port: number;
  rpcUrl: string;
  /** Absolute paths: the API resolves relative ones against the folder it is started from (the repository). */
  dataDir: string;
  deployment: string;
  keystore: string;
  encryptionKey: string;
}

/** The API's settings as environment variables (secrets excluded). */
export function apiEnvironment(files: ApiFiles): [variable: string, value: string][] {
  return [
    ['POLICYLEDGER_API_HOST', '127.0.0.1'],
    ['POLICYLEDGER_API_PORT', String(files.port)],
    ['POLICYLEDGER_DATA_DIR', files.dataDir],
    ['POLICYLEDGER_RPC_URL', files.rpcUrl],
    ['POLICYLEDGER_DEPLOYMENT', files.deployment],
    ['POLICYLEDGER_DATABASE_URL', DATABASE_URL],
    ['POLICYLEDGER_IPFS', `kubo:${KUBO_RPC_URL}`],
    ['POLICYLEDGER_API_KEYSTORE', files.keystore],
    ['POLICYLEDGER_API_ENCRYPTION_KEY', files.encryptionKey],
    ['POLICYLEDGER_EMBEDDED', 'false'],
  ];
}

/**
 * An environment file (`VARIABLE=value` lines, `#` comments) that both a POSIX shell (`set -a; . ./api.env`) and
 * dotenv readers (`node --env-file`, `util.parseEnv`) read alike: values outside a plain set of characters are
 * single-quoted, and a value holding a single quote is refused.
 */
export function envFile(comments: readonly string[], variables: readonly (readonly [string, string])[]): string {
  const line = ([variable, value]: readonly [string, string]) => {
    if (value.includes("'") || value.includes('\n')) throw new Error(`${variable}: the value holds a quote or newline`);
    return `${variable}=${/^[\w./:@+,=-]*$/.test(value) ? value : `'${value}'`}`;
  };
  return `${[...comments.map((comment) => `# ${comment}`), ...variables.map(line)].join('\n')}\n`;
}
