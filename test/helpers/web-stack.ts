/**
 * The whole stack for a browser suite: `npm start` in a fresh data folder on free ports (chain, oracle nodes, replay
 * server, API with its pages), one per test file, and the local demo parties' keys for injected wallets.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JsonRpcProvider, type HDNodeWallet } from 'ethers';
import { localParties, type LocalRole } from '../../scripts/lib/local-parties.js';
import type { Deployment } from '../../services/ledger/deploy.js';
import {
  freeStackPorts,
  interruptStack,
  stackEnv,
  startStack,
  type StackPorts,
  type StackProcess,
} from './stack-process.js';

export interface WebStack {
  /** The API's origin, where the pages are: `http://127.0.0.1:<port>`. */
  url: string;
  ports: StackPorts;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  stack: StackProcess;
  provider: JsonRpcProvider;
  deployment: Deployment;
  chainId: number;
  /** The API keys `npm start` wrote for each demo party (admin, insurer, reinsurer, client, auditor). */
  apiKeys: Record<string, string>;
  /** The first local party of `role` (its development key). */
  wallet(role: LocalRole): HDNodeWallet;
  stop(): Promise<void>;
}

export async function startWebStack(extraEnv: NodeJS.ProcessEnv = {}): Promise<WebStack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'policyledger-web-'));
  const ports = await freeStackPorts();
  const env = stackEnv(dataDir, ports, extraEnv);
  const { stack } = await startStack(env);
  const deployment = JSON.parse(readFileSync(path.join(dataDir, 'deployments', '31337.json'), 'utf8')) as Deployment;
  const keys = JSON.parse(readFileSync(path.join(dataDir, 'api', 'dev-keys.json'), 'utf8')) as {
    parties: { name: string; apiKey: string }[];
  };
  const provider = new JsonRpcProvider(`http://127.0.0.1:${ports.chain}`, undefined, { staticNetwork: true });
  return {
    url: `http://127.0.0.1:${ports.api}`,
    ports,
    dataDir,
    env,
    stack,
    provider,
    deployment,
    chainId: Number(deployment.chainId),
    apiKeys: Object.fromEntries(keys.parties.map((party) => [party.name, party.apiKey])),
    wallet(role) {
      const party = localParties().find((candidate) => candidate.role === role);
      if (party === undefined) throw new Error(`no local ${role}`);
      return party.wallet;
    },
    async stop() {
      provider.destroy();
      await interruptStack(stack);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
