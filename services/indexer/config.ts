/**
 * The index's configuration, read from the same environment the API reads: where the index lives, which node to
 * follow and which deployment. A bad setting stops the command, naming it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Provider } from 'ethers';
import type { Deployment } from '../ledger/deploy.js';
import type { ChainIndexLocation } from './open.js';

export interface IndexConfig {
  dataDir: string;
  location: ChainIndexLocation;
  rpcUrl: string;
  /** `POLICYLEDGER_DEPLOYMENT`, when set; otherwise `<dataDir>/deployments/<chainId>.json` of the node's chain. */
  deploymentFile?: string;
}

/**
 * `POLICYLEDGER_DATA_DIR` (default `./data`; SQLite at `<dataDir>/api/index.sqlite`), `POLICYLEDGER_DATABASE_URL`
 * (PostgreSQL instead of SQLite), `POLICYLEDGER_RPC_URL` (default `http://127.0.0.1:8545`), `POLICYLEDGER_DEPLOYMENT`.
 */
export function indexConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IndexConfig {
  const dataDir = path.resolve(env.POLICYLEDGER_DATA_DIR ?? 'data');
  const databaseUrl = env.POLICYLEDGER_DATABASE_URL;
  if (databaseUrl !== undefined && databaseUrl !== '' && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('POLICYLEDGER_DATABASE_URL must be a postgres:// or postgresql:// connection string');
  }
  const rpcUrl = env.POLICYLEDGER_RPC_URL ?? 'http://127.0.0.1:8545';
  if (!/^https?:\/\//.test(rpcUrl)) throw new Error(`POLICYLEDGER_RPC_URL must be an http(s) URL, got "${rpcUrl}"`);
  const deployment = env.POLICYLEDGER_DEPLOYMENT;
  return {
    dataDir,
    location:
      databaseUrl !== undefined && databaseUrl !== ''
        ? { databaseUrl }
        : { sqliteFile: path.join(dataDir, 'api', 'index.sqlite') },
    rpcUrl,
    ...(deployment !== undefined && deployment !== '' ? { deploymentFile: path.resolve(deployment) } : {}),
  };
}

/** The deployment record the configuration names, or the one of the node's chain under the data directory. */
export async function loadDeployment(config: IndexConfig, provider: Provider): Promise<Deployment> {
  const file =
    config.deploymentFile ??
    path.join(config.dataDir, 'deployments', `${(await provider.getNetwork()).chainId.toString()}.json`);
  if (!existsSync(file)) {
    throw new Error(
      `no deployment record at ${file}: deploy first (npm run deploy:local) or set POLICYLEDGER_DEPLOYMENT`,
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as Deployment;
}
