/**
 * A local chain with the embedded PolicyLedger deployment, for the tests of the API and the libraries under it: one
 * per test file (start it in `before`, stop it in `after`). Free of Hardhat and mocha so benchmarks can use it too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JsonRpcProvider, type NonceManager } from 'ethers';
import { deployLocal } from '../../scripts/deploy-local.js';
import { localParties, type LocalParty } from '../../scripts/lib/local-parties.js';
import type { Deployment } from '../../services/ledger/deploy.js';

export interface TestLedger {
  rpcUrl: string;
  provider: JsonRpcProvider;
  deployment: Deployment;
  /** The local parties (0, 1 ADMIN; 2 INSURER; 3 REINSURER; 4 CLIENT; 5–7 and 9 ORACLE; 8 AUDITOR), connected. */
  parties: (LocalParty & { signer: NonceManager })[];
  /** A scratch directory removed by `stop()`. */
  dataDir: string;
  /** Moves the chain's clock forward by `seconds` and mines a block. */
  advanceTime(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts anvil on a free port in a scratch directory and deploys the embedded stack on it. */
export async function startTestLedger(): Promise<TestLedger> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'policyledger-ledger-'));
  const { chain, deployment } = await deployLocal({ dataDir, host: '127.0.0.1', port: 0, chainId: 31337 });
  const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 100 });
  return {
    rpcUrl: chain.rpcUrl,
    provider,
    deployment,
    parties: localParties(provider),
    dataDir,
    async advanceTime(seconds: number) {
      await provider.send('evm_increaseTime', [seconds]);
      await provider.send('evm_mine', []);
    },
    async stop() {
      provider.destroy();
      await chain.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
