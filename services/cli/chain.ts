/**
 * A chain endpoint as `verify --rpc` reads it: the chain id asked first (with a bounded wait, so a wrong URL fails
 * in seconds rather than retrying forever), then the deployment record of that chain, then a read-only ledger client.
 * No API and no key are involved: the answer rests on the node the user chose.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FetchRequest, JsonRpcProvider, Network } from 'ethers';
import type { LedgerClient } from '../ledger/client.js';
import type { Deployment } from '../ledger/deploy.js';
import { CliError, UsageError } from './errors.js';

const RPC_TIMEOUT_MS = 10_000;

export interface ChainConnection {
  client: LedgerClient;
  rpcUrl: string;
  deploymentFile: string;
  close(): void;
}

/** The chain id `rpcUrl` serves, or a `CliError` saying it does not answer. */
async function chainIdOf(rpcUrl: string): Promise<string> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(RPC_TIMEOUT_MS),
    });
    const answer = (await response.json()) as { result?: string };
    if (typeof answer.result !== 'string') throw new Error(`no chain id in the answer (HTTP ${response.status})`);
    return BigInt(answer.result).toString();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError(`the chain node at ${rpcUrl} does not answer (${cause})`, undefined, 'CHAIN_UNREACHABLE');
  }
}

/** Reads the deployment record for the chain at `rpcUrl`: `deploymentFile`, or `<dataDir>/deployments/<chainId>.json`. */
export async function connectChain(
  rpcUrl: string,
  options: { deploymentFile?: string | undefined; dataDir: string },
): Promise<ChainConnection> {
  const chainId = await chainIdOf(rpcUrl);
  const deploymentFile = options.deploymentFile ?? path.join(options.dataDir, 'deployments', `${chainId}.json`);
  let deployment: Deployment;
  try {
    deployment = JSON.parse(readFileSync(deploymentFile, 'utf8')) as Deployment;
  } catch {
    throw new UsageError(
      `no deployment record at ${deploymentFile} for chain ${chainId}: give --deployment <file> (the record of ` +
        `the consortium's contracts) or --data-dir`,
    );
  }
  if (deployment.chainId !== chainId) {
    throw new UsageError(
      `${deploymentFile} records chain ${deployment.chainId}, but ${rpcUrl} serves chain ${chainId}`,
    );
  }
  const request = new FetchRequest(rpcUrl);
  request.timeout = RPC_TIMEOUT_MS;
  const provider = new JsonRpcProvider(request, Network.from(BigInt(chainId)), { staticNetwork: true });
  return { client: { deployment, provider }, rpcUrl, deploymentFile, close: () => provider.destroy() };
}
