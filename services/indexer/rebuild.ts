import type { Logger } from 'pino';
import type { LedgerClient } from '../ledger/client.js';
import { ChainIndexer } from './indexer.js';
import { deleteChainIndex, describeChainIndexLocation, openChainIndex, type ChainIndexLocation } from './open.js';

export interface RebuildReport {
  store: string;
  fromBlock: number;
  toBlock: number | null;
  events: number;
  seconds: number;
}

/** Deletes the index at `location` and indexes the chain again from the deployment: what `index:rebuild` does. */
export async function rebuildChainIndex(
  ledger: LedgerClient,
  location: ChainIndexLocation,
  options: { batchBlocks?: number; logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'> } = {},
): Promise<RebuildReport> {
  const started = performance.now();
  await deleteChainIndex(location);
  const index = await openChainIndex(location);
  try {
    const events = await new ChainIndexer(ledger, index, options).syncOnce();
    const deployment = await index.deployment();
    return {
      store: describeChainIndexLocation(location),
      fromBlock: deployment?.startBlock ?? ledger.deployment.blockNumber,
      toBlock: await index.headBlock(),
      events,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await index.close();
  }
}
