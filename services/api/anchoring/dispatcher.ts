/**
 * One sender's dispatcher: it reconciles the sender's open operations with the chain, then sends them one
 * transaction at a time, in acceptance order, each waited for before the next (so nonces stay in order and a refusal
 * touches one operation only). Batch-mode documents wait up to the batch window, or until a batch is full, and go out
 * as one Merkle root. A contract refusal fails the operation for good; anything else (RPC down, timeout, nonce race,
 * storage down) is retried with an exponential back-off and never fails an operation.
 */
import type { Signer } from 'ethers';
import type { Logger } from 'pino';
import type { LedgerClient } from '../../ledger/client.js';
import { composeBatch, manifestBytes } from './batch.js';
import {
  findOutcome,
  pendingNonce,
  performAction,
  pooledTransactions,
  refusalOf,
  type ChainAction,
  type ContractRefusal,
} from './chain.js';
import type { AnchoringMetrics } from './metrics.js';
import type { ChainOutcome, Outbox, OutboxBatch, OutboxEntry } from './outbox.js';
import type { StoredRequest } from './request.js';
import type { Operation, OperationState } from './types.js';

/** Blocks back from the newest anchoring the outbox recorded that `reopenLost` checks against the chain. */
const RECENT_BLOCKS = 64;

export interface DispatcherSettings {
  batchWindowMs: number;
  batchMaxSize: number;
  retryInitialMs: number;
  retryMaxMs: number;
  receiptTimeoutMs: number;
  storeBatchManifest(bytes: Uint8Array): Promise<string>;
}

export interface DispatcherContext {
  outbox: Outbox;
  ledger: LedgerClient;
  settings: DispatcherSettings;
  logger?: Logger;
  metrics?: AnchoringMetrics;
  /** Called with operations that reached `anchored` or `failed`. */
  settled(operations: Operation[]): void;
}

/** A transaction to bring on chain, with how its outcome is recorded. */
interface Job {
  label: string;
  action: ChainAction;
  state: OperationState;
  /** Records that a transaction may leave from now on, and then its hash once the node took it. */
  markSent(transactionHash: string | null): void;
  anchored(outcome: ChainOutcome): void;
  failed(refusal: ContractRefusal): void;
}

/** Thrown inside a step when the dispatcher is stopping. */
class Stopped extends Error {}

/** What the lane does next: a job, a batch to compose, or nothing until a time (or a wake-up). */
type Work =
  | { kind: 'single'; entry: OutboxEntry }
  | { kind: 'batch'; batch: OutboxBatch }
  | { kind: 'compose' }
  | { kind: 'idle'; untilMs: number | null };

export class SenderDispatcher {
  private stopping = false;
  private stopSignal!: Promise<never>;
  private stopNow!: (error: Stopped) => void;
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  /** The highest nonce seen mined: node answers to the pending count may lag behind a receipt just seen. */
  private minedNonce: number | undefined;

  constructor(
    readonly sender: string,
    private readonly signer: Signer,
    private readonly context: DispatcherContext,
  ) {
    this.stopSignal = new Promise<never>((_, reject) => {
      this.stopNow = reject;
    });
    // Only raced against, never awaited alone.
    this.stopSignal.catch(() => undefined);
  }

  /**
   * Starts reconciling then dispatching; resolves once the first reconciliation attempt is over (done, or failed on a
   * transient error: it is then tried again, with back-off, before anything is sent).
   */
  start(): Promise<void> {
    return new Promise<void>((firstAttemptOver) => {
      this.loop = this.run(firstAttemptOver);
    });
  }

  /** Looks at the outbox again now (new requests were committed). */
  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopNow(new Stopped('stopping'));
    this.wake();
    await this.loop;
  }

  private async run(firstAttemptOver: () => void): Promise<void> {
    let reconciled = false;
    let delay = this.context.settings.retryInitialMs;
    while (!this.stopping) {
      try {
        if (!reconciled) {
          await this.untilStopped(this.reconcile());
          reconciled = true;
          firstAttemptOver();
        }
        const work = this.nextWork(Date.now());
        if (work.kind === 'idle') {
          await this.sleep(work.untilMs === null ? null : work.untilMs - Date.now());
        } else {
          await this.untilStopped(this.perform(work));
        }
        delay = this.context.settings.retryInitialMs;
      } catch (error) {
        if (error instanceof Stopped) break;
        firstAttemptOver();
        this.context.metrics?.transientErrors.inc();
        this.context.logger?.warn(
          { sender: this.sender, err: error, retryInMs: delay },
          'anchoring: transient failure, trying again',
        );
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.context.settings.retryMaxMs);
      }
    }
    firstAttemptOver();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reconciliation
  // ---------------------------------------------------------------------------------------------------------------

  /**
   * Before anything is (re)sent: every open operation of this sender that the chain already holds is marked anchored,
   * with the block and transaction of its event. A transaction mined before a crash, whose receipt was never seen, is
   * recognised here rather than sent twice. Batch-mode documents not yet in a composed batch were never sent.
   */
  private async reconcile(): Promise<void> {
    const { outbox, ledger } = this.context;
    await this.reopenLost();
    let found = 0;
    for (const entry of outbox.openSingles(this.sender)) {
      const outcome = await findOutcome(ledger, this.sender, actionOf(entry.request));
      if (outcome === null) continue;
      this.context.settled([outbox.markAnchored(entry.operation.id, outcome)]);
      found++;
    }
    for (const batch of outbox.openBatches(this.sender)) {
      const outcome = await findOutcome(ledger, this.sender, batchActionOf(batch));
      if (outcome === null) continue;
      this.context.settled(outbox.closeBatch(batch.id, { state: 'anchored', outcome }));
      found++;
    }
    if (found > 0) {
      this.context.logger?.info({ sender: this.sender, found }, 'anchoring: reconciled operations already on chain');
    }
  }

  /**
   * A chain can lose its newest blocks (a local anvil killed before it saved its last second): an operation the outbox
   * holds as anchored in one of them is anchored no more. Each transaction of the last blocks the outbox recorded is
   * asked of the chain; one it no longer holds in that block opens its operations again, for the reconciliation below.
   */
  private async reopenLost(): Promise<void> {
    const { outbox, ledger } = this.context;
    const lost: string[] = [];
    for (const { transactionHash, blockNumber } of outbox.recentlyAnchored(this.sender, RECENT_BLOCKS)) {
      // The block is asked too: a node may still answer the receipt of a transaction whose block it dropped.
      const [receipt, block] = await Promise.all([
        ledger.provider.getTransactionReceipt(transactionHash),
        ledger.provider.getBlock(blockNumber),
      ]);
      if (receipt?.blockNumber !== blockNumber || block === null || block.hash !== receipt.blockHash) {
        lost.push(transactionHash);
      }
    }
    if (lost.length === 0) return;
    const reopened = outbox.reopenLost(this.sender, lost);
    this.context.logger?.warn(
      { sender: this.sender, transactions: lost, operations: reopened.length },
      'anchoring: the chain no longer holds these anchoring transactions; their operations are open again',
    );
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Dispatching
  // ---------------------------------------------------------------------------------------------------------------

  /** The ready work accepted first: an operation sent on its own, a composed batch, or a full or ripe batch. */
  private nextWork(now: number): Work {
    const { outbox, settings } = this.context;
    const single = outbox.nextSingle(this.sender);
    const batch = outbox.openBatches(this.sender).at(0) ?? null;
    const waiting = outbox.waitingForBatch(this.sender, settings.batchMaxSize);
    const ripeAt = waiting.oldest === null ? null : Date.parse(waiting.oldest.createdAt) + settings.batchWindowMs;

    const candidates: { seq: number; work: Work }[] = [];
    if (single !== null) candidates.push({ seq: single.seq, work: { kind: 'single', entry: single } });
    if (batch !== null) candidates.push({ seq: batch.firstSeq, work: { kind: 'batch', batch } });
    if (waiting.oldest !== null && ripeAt !== null && (waiting.count >= settings.batchMaxSize || ripeAt <= now)) {
      candidates.push({ seq: waiting.oldest.seq, work: { kind: 'compose' } });
    }
    if (candidates.length === 0) return { kind: 'idle', untilMs: ripeAt };
    return candidates.reduce((first, candidate) => (candidate.seq < first.seq ? candidate : first)).work;
  }

  private async perform(work: Exclude<Work, { kind: 'idle' }>): Promise<void> {
    switch (work.kind) {
      case 'single':
        return this.execute(this.singleJob(work.entry));
      case 'batch':
        return this.execute(this.batchJob(work.batch));
      case 'compose':
        return this.execute(
          this.batchJob(
            await this.compose(this.context.outbox.unbatched(this.sender, this.context.settings.batchMaxSize)),
          ),
        );
    }
  }

  /**
   * Composes a batch of `members`, stores its manifest and commits the batch (root, members, proofs, manifest CID)
   * before its transaction is sent, so a restart re-sends this very root.
   */
  private async compose(members: OutboxEntry[]): Promise<OutboxBatch> {
    const documents = members.map((entry) => (entry.request as Extract<StoredRequest, { kind: 'anchor' }>).input);
    const composed = composeBatch(documents);
    const manifestCid = await this.context.settings.storeBatchManifest(manifestBytes(composed.manifest));
    const batch = this.context.outbox.saveBatch(this.sender, {
      merkleRoot: composed.merkleRoot,
      manifestCid,
      members: members.map((entry, index) => ({ seq: entry.seq, proof: composed.proofs[index] ?? [] })),
    });
    this.context.metrics?.batchSize.observe(batch.documentCount);
    this.context.logger?.info(
      { sender: this.sender, merkleRoot: batch.merkleRoot, documents: batch.documentCount, manifestCid },
      'anchoring: batch composed',
    );
    return batch;
  }

  private singleJob(entry: OutboxEntry): Job {
    const { outbox } = this.context;
    const { id, kind } = entry.operation;
    return {
      label: `${kind} ${entry.operation.documentHash} (${id})`,
      action: actionOf(entry.request),
      state: entry.operation.state,
      markSent: (transactionHash) => outbox.markSent(id, transactionHash),
      anchored: (outcome) => this.settle([outbox.markAnchored(id, outcome)]),
      failed: (refusal) => this.settle([outbox.markFailed(id, { code: refusal.code, message: refusal.message })]),
    };
  }

  private batchJob(batch: OutboxBatch): Job {
    const { outbox } = this.context;
    return {
      label: `batch ${batch.merkleRoot} of ${batch.documentCount}`,
      action: batchActionOf(batch),
      state: batch.state,
      markSent: (transactionHash) => outbox.markBatchSent(batch.id, transactionHash),
      anchored: (outcome) => this.settle(outbox.closeBatch(batch.id, { state: 'anchored', outcome })),
      failed: (refusal) =>
        this.settle(
          outbox.closeBatch(batch.id, { state: 'failed', error: { code: refusal.code, message: refusal.message } }),
        ),
    };
  }

  /** Brings one job on chain: recognised if already there, waited for if in flight, else sent. */
  private async execute(job: Job): Promise<void> {
    const { ledger, settings } = this.context;
    if (job.state === 'sent') {
      // A transaction may have left before a crash or a timeout: look at the chain, and let any of this sender's
      // transactions still in the node's pool be mined first rather than send a duplicate behind them.
      const outcome = await findOutcome(ledger, this.sender, job.action);
      if (outcome !== null) return job.anchored(outcome);
      if (await this.waitForPooledTransactions()) {
        const mined = await findOutcome(ledger, this.sender, job.action);
        if (mined !== null) return job.anchored(mined);
      }
    }
    // From here a transaction may leave: a retry or a restart looks at the chain before sending again.
    job.markSent(null);
    const nonce = await this.nextNonce();
    try {
      const outcome = await performAction(ledger, this.signer, job.action, {
        nonce,
        timeoutMs: settings.receiptTimeoutMs,
        onSent: (transactionHash) => job.markSent(transactionHash.toLowerCase()),
      });
      this.minedNonce = Math.max(this.minedNonce ?? -1, nonce);
      job.anchored(outcome);
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === null) throw error;
      if (refusal.mined) this.minedNonce = Math.max(this.minedNonce ?? -1, nonce);
      await this.refused(job, refusal);
    }
  }

  /**
   * Waits (up to the receipt timeout) until none of this sender's transactions is left in the node's pool; whether
   * there were any. Throws, a transient failure, when they are still there at the timeout.
   */
  private async waitForPooledTransactions(): Promise<boolean> {
    const { ledger, settings } = this.context;
    if ((await pooledTransactions(ledger, this.sender)) === 0) return false;
    const deadline = Date.now() + settings.receiptTimeoutMs;
    for (let delay = 50; (await pooledTransactions(ledger, this.sender)) > 0; delay = Math.min(delay * 2, 1_000)) {
      if (Date.now() >= deadline) throw new Error(`transactions of ${this.sender} are still waiting in the pool`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    return true;
  }

  /**
   * The registry refuses duplicates (a hash, a root, a revocation, a co-signature each once): a refusal is success
   * when the chain shows this sender's own earlier transaction did it, and final otherwise.
   */
  private async refused(job: Job, refusal: ContractRefusal): Promise<void> {
    const outcome = await findOutcome(this.context.ledger, this.sender, job.action);
    if (outcome !== null) return job.anchored(outcome);
    this.context.logger?.warn({ sender: this.sender, code: refusal.code, job: job.label }, 'anchoring: refused');
    job.failed(refusal);
  }

  private settle(operations: Operation[]): void {
    this.context.settled(operations);
  }

  private async nextNonce(): Promise<number> {
    const pending = await pendingNonce(this.context.ledger, this.sender);
    return this.minedNonce === undefined ? pending : Math.max(pending, this.minedNonce + 1);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Waiting
  // ---------------------------------------------------------------------------------------------------------------

  /** Sleeps `ms` (forever when null) or until woken or stopped. */
  private sleep(ms: number | null): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = () => {
        if (timer !== null) clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      if (ms !== null) timer = setTimeout(done, Math.max(0, ms));
      this.wakeUp = done;
    });
  }

  /**
   * Races `work` against stop(): a stopping dispatcher does not wait for a receipt or a slow node. What `work` still
   * does afterwards is consistent (the outbox says `sent` before anything leaves) and its failure is ignored.
   */
  private untilStopped<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined);
    return Promise.race([work, this.stopSignal]);
  }
}

/** The chain action of a request sent on its own. */
export function actionOf(request: StoredRequest): ChainAction {
  switch (request.kind) {
    case 'anchor':
      return { kind: 'anchor', input: request.input };
    case 'supersede':
      return { kind: 'supersede', previousHash: request.previousHash, input: request.input };
    case 'revoke':
      return { kind: 'revoke', documentHash: request.documentHash, reason: request.reason };
    case 'cosign':
      return {
        kind: 'cosign',
        documentHash: request.documentHash,
        signer: request.signer,
        nonce: request.nonce,
        deadline: request.deadline,
        signature: request.signature,
        ...(request.termsType === undefined ? {} : { termsType: request.termsType }),
      };
  }
}

function batchActionOf(batch: OutboxBatch): ChainAction {
  return {
    kind: 'batch',
    merkleRoot: batch.merkleRoot,
    documentCount: batch.documentCount,
    storagePointer: batch.manifestCid,
  };
}
