import { readFileSync } from 'node:fs';
import { JsonRpcProvider, Network, Wallet } from 'ethers';
import type { Deployment } from '../../ledger/deploy.js';
import type { FlightProvider, WeatherProvider } from '../observation.js';
import { createFlightProvider } from '../providers/flights.js';
import { createWeatherProvider, isWeatherProviderName } from '../providers/weather.js';
import { ConfigError, secretFromEnv, type NodeConfig, type ProviderConfig } from './config.js';
import { NodeMetrics } from './metrics.js';
import { LOCAL_CHAIN_ID, OracleNode } from './node.js';
import { createNodeServer, listen } from './server.js';
import { NodeState } from './state.js';

/** A node started from its configuration, with its operations endpoint. */
export interface RunningNode {
  node: OracleNode;
  /** The node's ORACLE account. */
  address: string;
  state: NodeState;
  /** Port of the health and metrics endpoint. */
  port: number;
  stop(): Promise<void>;
}

/** What a replay source is sent where a provider wants a key: the replay server asks for none. */
const REPLAY_KEY = 'replay';

function flightProviders(config: NodeConfig, env: NodeJS.ProcessEnv): FlightProvider[] {
  return config.providers.flight.map((provider, index) => {
    const setting = `providers.flight[${index}]`;
    const secret = (variable: string | undefined, name: string): string | undefined =>
      variable === undefined
        ? provider.replay
          ? REPLAY_KEY
          : undefined
        : secretFromEnv(env, variable, `${setting}.${name}`);
    return createFlightProvider(provider.name, {
      baseUrl: provider.baseUrl,
      apiKey: secret(provider.apiKeyEnv, 'apiKeyEnv') ?? '',
      appId: secret(provider.appIdEnv, 'appIdEnv'),
      ...httpSettings(provider),
    });
  });
}

/**
 * Refuses replay sources on any chain but the local one, naming the first: recorded data re-dated to order must never
 * settle a real policy. The deployment record says which chain the node serves.
 */
function refuseReplayOffLocalChain(config: NodeConfig, chainId: bigint): void {
  if (chainId === LOCAL_CHAIN_ID) return;
  for (const kind of ['flight', 'weather'] as const) {
    const index = config.providers[kind].findIndex((provider) => provider.replay);
    if (index >= 0) {
      throw new ConfigError(
        `providers.${kind}[${index}].replay: replayed provider data is refused on chain ${chainId}; replay sources ` +
          `serve only the local development chain (${LOCAL_CHAIN_ID}). Point the node at the providers' live APIs.`,
      );
    }
  }
}

/** The chain id `rpcUrl` answers, or undefined when it cannot be reached now (the node then starts and says so). */
async function chainIdAt(rpcUrl: string): Promise<bigint | undefined> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(3_000),
    });
    const { result } = (await response.json()) as { result?: string };
    return result === undefined ? undefined : BigInt(result);
  } catch {
    return undefined;
  }
}

function weatherProviders(config: NodeConfig, env: NodeJS.ProcessEnv): WeatherProvider[] {
  return config.providers.weather.map((provider, index) => {
    const setting = `providers.weather[${index}]`;
    if (!isWeatherProviderName(provider.name)) {
      throw new ConfigError(`${setting}.name: unknown weather provider ${provider.name}`);
    }
    const apiKey =
      provider.apiKeyEnv === undefined ? undefined : secretFromEnv(env, provider.apiKeyEnv, `${setting}.apiKeyEnv`);
    if (provider.name === 'nws') {
      if (provider.userAgent === undefined) throw new ConfigError(`${setting}.userAgent: NWS requires a User-Agent`);
      return createWeatherProvider('nws', {
        baseUrl: provider.baseUrl,
        userAgent: provider.userAgent,
        ...httpSettings(provider),
      });
    }
    return createWeatherProvider('open-meteo', {
      baseUrl: provider.baseUrl,
      archiveBaseUrl: provider.archiveBaseUrl,
      apiKey,
      ...httpSettings(provider),
    });
  });
}

function httpSettings(provider: ProviderConfig) {
  return {
    timeoutMs: provider.timeoutMs,
    retries: provider.retries,
    backoffMs: provider.backoffMs,
    minIntervalMs: provider.minIntervalMs,
  };
}

/**
 * Starts an oracle node from its validated configuration: unlocks its keystore with the password from the
 * environment, reads the deployment record, builds its providers, opens its state, serves health and metrics, and
 * runs a pass every `schedule.pollIntervalMs`. Refuses replay sources off the local chain, and an RPC endpoint that
 * is another chain than the deployment record's; a chain out of reach is only reported, on the log and `/health`.
 * `options.log` receives the node's log lines (standard error by default).
 */
export async function startOracleNode(
  config: NodeConfig,
  env: NodeJS.ProcessEnv = process.env,
  options: { log?: (line: string) => void } = {},
): Promise<RunningNode> {
  const password = secretFromEnv(env, config.passwordEnv, 'passwordEnv');
  let wallet: Wallet;
  try {
    const unlocked = await Wallet.fromEncryptedJson(readFileSync(config.keystore, 'utf8'), password);
    wallet = new Wallet(unlocked.privateKey);
  } catch (error) {
    throw new ConfigError(
      `keystore: cannot unlock ${config.keystore} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  let deployment: Deployment;
  try {
    deployment = JSON.parse(readFileSync(config.deployment, 'utf8')) as Deployment;
  } catch (error) {
    throw new ConfigError(
      `deployment: cannot read ${config.deployment} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const chainId = BigInt(deployment.chainId);
  refuseReplayOffLocalChain(config, chainId);
  const answering = await chainIdAt(config.rpcUrl);
  if (answering !== undefined && answering !== chainId) {
    throw new ConfigError(
      `rpcUrl: ${config.rpcUrl} is chain ${answering}, but ${config.deployment} records chain ${chainId}`,
    );
  }
  const flights = flightProviders(config, env);
  const weather = weatherProviders(config, env);

  // Uncached: the node's clock is the latest block, read afresh at each step of a pass. The network is the recorded
  // one, so that a node started while the chain is down serves its health and says so instead of probing forever.
  const network = Network.from(chainId);
  const provider = new JsonRpcProvider(config.rpcUrl, network, {
    staticNetwork: network,
    pollingInterval: 250,
    cacheTimeout: -1,
  });
  const state = new NodeState(config.stateFile);
  const metrics = new NodeMetrics(config.name);
  const node = new OracleNode({
    name: config.name,
    signer: wallet.connect(provider),
    provider,
    state,
    metrics,
    contracts: {
      oracleHub: deployment.oracleHub,
      flightDelayProduct: deployment.flightDelayProduct,
      weatherIndexProduct: deployment.weatherIndexProduct,
    },
    fromBlock: deployment.blockNumber,
    flightProviders: flights,
    weatherProviders: weather,
    minProviders: config.minProviders,
    schedule: config.schedule,
    tolerances: config.tolerances,
    zeroGasPrice: config.zeroGasPrice,
    submitGasLimit: config.submitGasLimit,
    log: options.log,
    replaySources: [...config.providers.flight, ...config.providers.weather]
      .filter((source) => source.replay)
      .map((source) => source.name),
  });
  const server = createNodeServer(node, state, metrics);
  const port = await listen(server, config.http.host, config.http.port);
  node.start(config.schedule.pollIntervalMs);
  return {
    node,
    address: wallet.address,
    state,
    port,
    stop: async () => {
      await node.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      state.close();
      provider.destroy();
    },
  };
}
