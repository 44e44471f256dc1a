import type { DatabaseSync } from 'node:sqlite';
import { getAddress, NonceManager, type Signer } from 'ethers';
import type { LedgerClient } from '../../ledger/client.js';
import { SenderDispatcher, type DispatcherSettings } from './dispatcher.js';
import { GroupCommitter } from './group-commit.js';
import { AnchoringMetrics } from './metrics.js';
import { Outbox } from './outbox.js';
import { normaliseRequest, type StoredRequest } from './request.js';
import {
  AnchorRequestError,
  type AnchoringOptions,
  type AnchorRequest,
  type BatchProof,
  type Operation,
} from './types.js';

/** Thrown by `waitFor` for an id the outbox does not hold. */
export class OperationNotFoundError extends Error {
  readonly code = 'OPERATION_NOT_FOUND';
  constructor(readonly operationId: string) {
    super(`no operation ${operationId}`);
    this.name = 'OperationNotFoundError';
  }
}

const DEFAULTS = { groupCommitMs: 2, retryInitialMs: 250, retryMaxMs: 30_000, receiptTimeoutMs: 120_000 };

/**
 * The API's durable path to the chain. `accept` commits a request to the outbox (group commit: one fsync for the
 * requests of a few milliseconds) and answers with its operation; a dispatcher per sender reconciles the outbox with
 * the chain at `start`, then sends single transactions in acceptance order and batch-mode documents as Merkle roots.
 * After a crash at any point, every accepted request ends on chain exactly once (or failed with the contract's
 * reason): the registry takes each hash, root, revocation and co-signature once, and reconciliation tells our own
 * earlier transactions from other parties'.
 */
export class AnchoringService {
  private readonly outbox: Outbox;
  private readonly committer: GroupCommitter<
    { request: StoredRequest; alongside?: (operation: Operation) => void },
    Operation
  >;
  private readonly signers = new Map<string, Signer>();
  private readonly dispatchers = new Map<string, SenderDispatcher>();
  private readonly waiters = new Map<string, Set<(operation: Operation) => void>>();
  private readonly metrics: AnchoringMetrics | undefined;
  private readonly settings: DispatcherSettings;
  private running = false;

  /**
   * @param db The API's database (WAL, `synchronous=FULL`); the service creates its `outbox_` tables.
   * @param ledger The chain (provider only): reads, receipts and reconciliation.
   * @param signers The registrants this API sends for, by address: each sends its own requests.
   */
  constructor(
    db: DatabaseSync,
    private readonly ledger: LedgerClient,
    signers: Map<string, Signer>,
    private readonly options: AnchoringOptions,
  ) {
    if (!Number.isInteger(options.batchMaxSize) || options.batchMaxSize < 1 || options.batchMaxSize > 0xffffff) {
      throw new RangeError('batchMaxSize must be an integer from 1 to 16,777,215');
    }
    if (!(options.batchWindowMs >= 0)) throw new RangeError('batchWindowMs must be 0 or more');
    this.outbox = new Outbox(db);
    this.committer = new GroupCommitter(
      (items) => this.outbox.acceptAll(items),
      options.groupCommitMs ?? DEFAULTS.groupCommitMs,
    );
    for (const [address, signer] of signers) this.signers.set(getAddress(address), dispatchSigner(signer, ledger));
    this.metrics =
      options.metrics === undefined ? undefined : new AnchoringMetrics(options.metrics, () => this.outbox.openCount());
    this.settings = {
      batchWindowMs: options.batchWindowMs,
      batchMaxSize: options.batchMaxSize,
      retryInitialMs: options.retryInitialMs ?? DEFAULTS.retryInitialMs,
      retryMaxMs: options.retryMaxMs ?? DEFAULTS.retryMaxMs,
      receiptTimeoutMs: options.receiptTimeoutMs ?? DEFAULTS.receiptTimeoutMs,
      storeBatchManifest: (bytes) => options.storeBatchManifest(bytes),
    };
  }

  /**
   * Commits `request` to the outbox and resolves with its operation once the commit is durable. The same write
   * accepted again (same document anchored, revoked, or co-signed by the same signer, not failed) resolves with the
   * existing operation. Throws `AnchorRequestError` for a malformed request or a sender this API holds no key for.
   */
  async accept(
    request: AnchorRequest,
    options: {
      /**
       * Writes of the caller's own made in the same transaction as the new operation (not for a request the outbox
       * already holds): both are durable together, or neither is. Synchronous, on the service's database.
       */
      alongside?: (operation: Operation) => void;
    } = {},
  ): Promise<Operation> {
    const stored = normaliseRequest(request);
    if (!this.signers.has(stored.sender)) {
      throw new AnchorRequestError('PARTY_NOT_HOSTED', `this API holds no key for ${stored.sender}`);
    }
    const operation = await this.committer.submit({
      request: stored,
      ...(options.alongside === undefined ? {} : { alongside: options.alongside }),
    });
    this.dispatchers.get(stored.sender)?.wake();
    return operation;
  }

  operation(id: string): Operation | null {
    return this.outbox.operation(id);
  }

  /** Every operation about `documentHash` (its anchoring, revocation, co-signatures), in acceptance order. */
  operationsOf(documentHash: string): Operation[] {
    return this.outbox.operationsOf(documentHash);
  }

  /** The Merkle proof of a batch-anchored document, once its batch is anchored. */
  batchProof(documentHash: string): BatchProof | null {
    return this.outbox.batchProof(documentHash);
  }

  /**
   * Resolves when operation `id` is anchored or failed, or after `timeoutMs` with its state then (the operation goes
   * on). Throws `OperationNotFoundError` for an unknown id.
   */
  waitFor(id: string, timeoutMs: number): Promise<Operation> {
    const current = this.outbox.operation(id);
    if (current === null) return Promise.reject(new OperationNotFoundError(id));
    if (isSettled(current)) return Promise.resolve(current);
    return new Promise<Operation>((resolve) => {
      const waiters = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, waiters);
      const done = (operation: Operation) => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0) this.waiters.delete(id);
        resolve(operation);
      };
      const timer = setTimeout(() => done(this.outbox.operation(id) ?? current), timeoutMs);
      waiters.add(done);
    });
  }

  /**
   * Reconciles each sender's open operations with the chain, then dispatches. Resolves once each sender's first
   * reconciliation attempt is over; when the chain cannot be reached, its dispatcher keeps trying (nothing is sent
   * before its reconciliation succeeds) and `accept` goes on committing to the outbox.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const [address, signer] of this.signers) {
      const account = getAddress(await signer.getAddress());
      if (account !== address) throw new Error(`the signer given for ${address} is ${account}'s`);
    }
    for (const sender of this.outbox.openSenders()) {
      if (!this.signers.has(sender)) {
        this.options.logger?.warn({ sender }, 'anchoring: open operations of a sender this API holds no key for');
      }
    }
    for (const [sender, signer] of this.signers) {
      this.dispatchers.set(
        sender,
        new SenderDispatcher(sender, signer, {
          outbox: this.outbox,
          ledger: this.ledger,
          settings: this.settings,
          ...(this.options.logger === undefined ? {} : { logger: this.options.logger }),
          ...(this.metrics === undefined ? {} : { metrics: this.metrics }),
          settled: (operations) => this.settled(operations),
        }),
      );
    }
    await Promise.all([...this.dispatchers.values()].map((dispatcher) => dispatcher.start()));
  }

  /**
   * Commits what is waiting for a group commit, stops the dispatchers (without waiting for receipts: what was sent is
   * reconciled at the next start) and answers pending `waitFor`s with the current state.
   */
  async stop(): Promise<void> {
    this.committer.flush();
    this.metrics?.unregister();
    const dispatchers = [...this.dispatchers.values()];
    this.dispatchers.clear();
    this.running = false;
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.stop()));
    for (const [id, waiters] of this.waiters) {
      const operation = this.outbox.operation(id);
      if (operation !== null) for (const waiter of [...waiters]) waiter(operation);
    }
  }

  private settled(operations: Operation[]): void {
    for (const operation of operations) {
      if (operation.state === 'anchored') this.metrics?.anchored.inc({ kind: operation.kind });
      if (operation.state === 'failed') {
        this.metrics?.failed.inc({ kind: operation.kind, code: operation.error?.code ?? 'unknown' });
      }
      this.options.logger?.debug(
        {
          operation: operation.id,
          kind: operation.kind,
          documentHash: operation.documentHash,
          state: operation.state,
          transactionHash: operation.transactionHash,
          error: operation.error,
        },
        `anchoring: operation ${operation.state}`,
      );
      const waiters = this.waiters.get(operation.id);
      if (waiters !== undefined) for (const waiter of [...waiters]) waiter(operation);
    }
  }
}

function isSettled(operation: Operation): boolean {
  return operation.state === 'anchored' || operation.state === 'failed';
}

/**
 * The signer a dispatcher sends with. The dispatcher chooses each nonce itself (pending count, never below one it saw
 * mined), so a `NonceManager` is unwrapped: it counts a nonce as used even when the send fails before leaving, which
 * would leave a gap that blocks every later transaction.
 */
function dispatchSigner(signer: Signer, ledger: LedgerClient): Signer {
  const base = signer instanceof NonceManager ? signer.signer : signer;
  return base.provider === null ? base.connect(ledger.provider) : base;
}
