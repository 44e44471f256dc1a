import { readFileSync } from 'node:fs';
import { JsonRpcProvider, Wallet } from 'ethers';
import type { Deployment } from '../../ledger/deploy.js';
import type { FlightProvider, WeatherProvider } from '../observation.js';
import { createFlightProvider } from '../providers/flights.js';
import { createWeatherProvider, isWeatherProviderName } from '../providers/weather.js';
import { ConfigError, secretFromEnv, type NodeConfig, type ProviderConfig } from './config.js';
import { NodeMetrics } from './metrics.js';
import { OracleNode } from './node.js';
import { createNodeServer, listen } from './server.js';
import { NodeState } from './state.js';

/** A node started from its configuration, with its operations endpoint. */
export interface RunningNode {
  node: OracleNode;
  state: NodeState;
  /** Port of the health and metrics endpoint. */
  port: number;
  stop(): Promise<void>;
}

function flightProviders(config: NodeConfig, env: NodeJS.ProcessEnv): FlightProvider[] {
  return config.providers.flight.map((provider, index) => {
    const setting = `providers.flight[${index}]`;
    return createFlightProvider(provider.name, {
      baseUrl: provider.baseUrl,
      apiKey: provider.apiKeyEnv === undefined ? '' : secretFromEnv(env, provider.apiKeyEnv, `${setting}.apiKeyEnv`),
      appId: provider.appIdEnv === undefined ? undefined : secretFromEnv(env, provider.appIdEnv, `${setting}.appIdEnv`),
      ...httpSettings(provider),
    });
  });
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
 * runs a pass every `schedule.pollIntervalMs`.
 */
export async function startOracleNode(config: NodeConfig, env: NodeJS.ProcessEnv = process.env): Promise<RunningNode> {
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
  const flights = flightProviders(config, env);
  const weather = weatherProviders(config, env);

  // Uncached: the node's clock is the latest block, read afresh at each step of a pass.
  const provider = new JsonRpcProvider(config.rpcUrl, undefined, { pollingInterval: 250, cacheTimeout: -1 });
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
  });
  const server = createNodeServer(node, state, metrics);
  const port = await listen(server, config.http.host, config.http.port);
  node.start(config.schedule.pollIntervalMs);
  return {
    node,
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
