/**
 * Follows the chain into the index: reads the logs of the registry, the consortium and the parametric contracts (oracle
 * hub, products, risk pool, treaty) from the block after the index's head to the latest block, in ranges, and writes
 * each range with its last block as the new head in one transaction, so a crash leaves whole ranges only and the next
 * run resumes after the last one.
 *
 * No reorg handling: PolicyLedger runs on a QBFT consortium chain (and anvil locally), whose blocks are final once
 * produced, so an indexed block is never replaced. On a chain with probabilistic finality this would have to index
 * only blocks some confirmations deep and roll back ranges whose block hash changed.
 */
import { JsonRpcApiProvider, type Log } from 'ethers';
import type { Logger } from 'pino';
import type { LedgerClient } from '../ledger/client.js';
import { decodeLog, needsTransaction, type IndexedContracts } from './decode.js';
import { readIssuedPolicy } from './parametric-details.js';
import { issuedPolicyId, parametricAddresses } from './parametric-decode.js';
import type { IssuedPolicyDetails } from './parametric-types.js';
import { batchMembersOf, type ManifestSource } from './manifests.js';
import type { ChainEvent, ChainIndex, IndexedDeployment } from './types.js';

export interface ChainIndexerOptions {
  /** How often `start()` polls for new blocks (default 1000 ms). */
  pollIntervalMs?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** Blocks per range: per `eth_getLogs` call and per transaction (default 2000). */
  batchBlocks?: number;
  /** Where batch manifests are read, to list batches' members (none listed without it). */
  batchManifests?: ManifestSource;
  /** How long a batch whose manifest could not be read waits before the next try (default 60 s). */
  manifestRetryMs?: number;
}

/** Batches whose members are looked for per sync round. */
const MANIFESTS_PER_ROUND = 100;

/** Block headers and transactions fetched at once, so a busy range does not flood the node. */
const FETCH_CONCURRENCY = 8;

export class ChainIndexer {
  private readonly pollIntervalMs: number;
  private readonly batchBlocks: number;
  private readonly logger: ChainIndexerOptions['logger'];
  private readonly contracts: IndexedContracts;
  private deploymentRecord: IndexedDeployment | null = null;
  private running: Promise<number> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private readonly manifests: ManifestSource | undefined;
  private readonly manifestRetryMs: number;

  constructor(
    private readonly ledger: LedgerClient,
    private readonly index: ChainIndex,
    options: ChainIndexerOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.batchBlocks = Math.max(1, options.batchBlocks ?? 2000);
    this.logger = options.logger;
    const { deployment } = ledger;
    this.manifests = options.batchManifests;
    this.manifestRetryMs = options.manifestRetryMs ?? 60_000;
    this.contracts = {
      evidenceRegistry: deployment.evidenceRegistry,
      consortiumAccess: deployment.consortiumAccess,
      oracleHub: deployment.oracleHub,
      ...(deployment.flightDelayProduct === undefined ? {} : { flightDelayProduct: deployment.flightDelayProduct }),
      ...(deployment.weatherIndexProduct === undefined ? {} : { weatherIndexProduct: deployment.weatherIndexProduct }),
      ...(deployment.riskPool === undefined ? {} : { riskPool: deployment.riskPool }),
      ...(deployment.reinsuranceTreaty === undefined ? {} : { reinsuranceTreaty: deployment.reinsuranceTreaty }),
    };
  }

  /**
   * Indexes everything up to the latest block (or `untilBlock`, when given and earlier); returns how many events it
   * added. A call while a run is in progress shares that run.
   */
  syncOnce(untilBlock?: number): Promise<number> {
    this.running ??= this.sync(untilBlock).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Polls the chain every `pollIntervalMs` until `stop()`; a failed round is logged and retried at the next. */
  start(): void {
    if (this.polling) return;
    this.polling = true;
    const round = () => {
      this.syncOnce()
        .catch((error: unknown) => this.logger?.error({ err: error }, 'chain index sync failed; retrying'))
        .finally(() => {
          if (this.polling) this.timer = setTimeout(round, this.pollIntervalMs);
        });
    };
    round();
  }

  /** Stops polling and waits for the range being written, if any. */
  async stop(): Promise<void> {
    this.polling = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private async sync(untilBlock?: number): Promise<number> {
    const deployment = await this.bind();
    const head = await this.index.headBlock();
    const latest = Math.min(await this.latestBlock(), untilBlock ?? Number.MAX_SAFE_INTEGER);
    let fromBlock = head === null ? deployment.startBlock : head + 1;
    let added = 0;
    while (fromBlock <= latest) {
      const toBlock = Math.min(latest, fromBlock + this.batchBlocks - 1);
      const events = await this.readRange(fromBlock, toBlock);
      const last = await this.ledger.provider.getBlock(toBlock);
      if (last === null) throw new Error(`block ${toBlock} is missing from the node`);
      await this.index.applyRange({
        fromBlock,
        toBlock,
        toBlockTime: new Date(last.timestamp * 1000).toISOString(),
        events,
      });
      this.logger?.debug({ fromBlock, toBlock, events: events.length }, 'indexed block range');
      added += events.length;
      fromBlock = toBlock + 1;
    }
    if (added > 0) this.logger?.info({ head: latest, events: added }, 'chain index caught up');
    await this.listBatchMembers();
    return added;
  }

  /**
   * Lists the members of batches indexed without them, from their manifests (see manifests.ts). A manifest that cannot
   * be read now is tried again after `manifestRetryMs`; one that is not the batch's is recorded as invalid and logged.
   */
  private async listBatchMembers(): Promise<void> {
    if (this.manifests === undefined) return;
    for (;;) {
      const batches = await this.index.unlistedBatches(Date.now(), MANIFESTS_PER_ROUND);
      for (const batch of batches) {
        const bytes = await this.manifests(batch.storagePointer).catch((error: unknown) => {
          this.logger?.warn({ err: error, merkleRoot: batch.merkleRoot }, 'batch manifest unreadable; trying later');
          return null;
        });
        if (bytes === null) {
          await this.index.deferBatch(batch.merkleRoot, Date.now() + this.manifestRetryMs);
          continue;
        }
        const checked = batchMembersOf(batch, bytes);
        if ('invalid' in checked) {
          this.logger?.warn(
            { merkleRoot: batch.merkleRoot, manifest: batch.storagePointer, reason: checked.invalid },
            'batch manifest is not the batch’s: members not listed',
          );
        }
        await this.index.listBatchMembers(batch.merkleRoot, 'invalid' in checked ? null : checked.members);
      }
      if (batches.length < MANIFESTS_PER_ROUND) return;
    }
  }

  /**
   * The latest block number, asked of the node itself: ethers' `getBlockNumber` may answer from a cache up to 250 ms
   * old, and a sync must reach the block of a transaction its caller just saw mined.
   */
  private async latestBlock(): Promise<number> {
    const provider = this.ledger.provider;
    if (provider instanceof JsonRpcApiProvider) return Number(await provider.send('eth_blockNumber', []));
    return provider.getBlockNumber();
  }

  /** The deployment this index follows, recorded in the index on first use (and checked against it later). */
  private async bind(): Promise<IndexedDeployment> {
    if (this.deploymentRecord !== null) return this.deploymentRecord;
    const indexed = await this.index.deployment();
    const record: IndexedDeployment = {
      chainId: this.ledger.deployment.chainId,
      evidenceRegistry: this.ledger.deployment.evidenceRegistry,
      consortiumAccess: this.ledger.deployment.consortiumAccess,
      startBlock: indexed?.startBlock ?? (await this.creationBlock()),
    };
    await this.index.bindDeployment(record);
    this.deploymentRecord = record;
    return record;
  }

  /**
   * The block the consortium contract was created in. The deployment record's `blockNumber` is that of its last
   * contract, after the consortium's constructor registered the founding ADMINs: indexing from there would miss them.
   * Found by bisecting `eth_getCode` over [0, blockNumber]; falls back to `blockNumber` where the node keeps no history.
   */
  private async creationBlock(): Promise<number> {
    const { provider, deployment } = this.ledger;
    const hasCode = async (block: number) => (await provider.getCode(deployment.consortiumAccess, block)) !== '0x';
    try {
      if (!(await hasCode(deployment.blockNumber))) return deployment.blockNumber;
      let low = 0;
      let high = deployment.blockNumber;
      while (low < high) {
        const middle = Math.floor((low + high) / 2);
        if (await hasCode(middle)) high = middle;
        else low = middle + 1;
      }
      return low;
    } catch (error) {
      this.logger?.warn({ err: error }, 'the node has no code history: indexing from the deployment block');
      return deployment.blockNumber;
    }
  }

  private async readRange(fromBlock: number, toBlock: number): Promise<ChainEvent[]> {
    const logs = await this.ledger.provider.getLogs({
      address: [
        this.contracts.evidenceRegistry,
        this.contracts.consortiumAccess,
        ...parametricAddresses(this.contracts),
      ],
      fromBlock,
      toBlock,
    });
    logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    const blockTimes = await fetchAll([...new Set(logs.map((log) => log.blockNumber))], async (blockNumber) => {
      const block = await this.ledger.provider.getBlock(blockNumber);
      if (block === null) throw new Error(`block ${blockNumber} is missing from the node`);
      return new Date(block.timestamp * 1000).toISOString();
    });
    const transactions = await fetchAll(
      [...new Set(logs.filter((log) => needsTransaction(log, this.contracts)).map((log) => log.transactionHash))],
      (hash) => this.ledger.provider.getTransaction(hash),
    );
    const issued = await fetchAll(
      logs.filter((log) => issuedPolicyId(log, this.contracts) !== null),
      (log): Promise<IssuedPolicyDetails> =>
        readIssuedPolicy(this.ledger.provider, this.contracts, log, transactions.get(log.transactionHash)),
    );
    return logs
      .map((log: Log) =>
        decodeLog(log, this.contracts, {
          blockTime: blockTimes.get(log.blockNumber)!,
          transaction: transactions.get(log.transactionHash),
          ...(issued.has(log) ? { issued: issued.get(log)! } : {}),
        }),
      )
      .filter((event): event is ChainEvent => event !== null);
  }
}

/** `fetch` of each key, a few at a time. */
async function fetchAll<K, V>(keys: K[], fetch: (key: K) => Promise<V>): Promise<Map<K, V>> {
  const results = new Map<K, V>();
  for (let i = 0; i < keys.length; i += FETCH_CONCURRENCY) {
    const chunk = keys.slice(i, i + FETCH_CONCURRENCY);
    const values = await Promise.all(chunk.map(fetch));
    chunk.forEach((key, position) => results.set(key, values[position]!));
  }
  return results;
}
