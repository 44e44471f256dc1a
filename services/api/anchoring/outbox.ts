/**
 * The durable outbox in the API's SQLite database: every accepted request as an operation, and every Merkle batch as
 * composed before its transaction is sent. The dispatcher acts only on what is committed here, so a process killed at
 * any point restarts from the outbox and the chain.
 */
import { inTransaction } from '../database.js';
import { statement } from '../../shared/sqlite.js';
import { randomBytes } from 'node:crypto';
import { ItemFailure } from './group-commit.js';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { dedupeKeyOf, documentHashOf, isBatched, type StoredRequest } from './request.js';
import type { BatchProof, Operation, OperationKind, OperationState } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox_batches (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sender TEXT NOT NULL,
  merkle_root TEXT NOT NULL,
  document_count INTEGER NOT NULL,
  manifest_cid TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  state TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  transaction_hash TEXT,
  block_number INTEGER,
  error_code TEXT,
  error_message TEXT
);
CREATE INDEX IF NOT EXISTS outbox_batches_open ON outbox_batches (sender, first_seq) WHERE state IN ('queued', 'sent');
CREATE TABLE IF NOT EXISTS outbox_operations (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  batched INTEGER NOT NULL,
  sender TEXT NOT NULL,
  document_hash TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  request TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  transaction_hash TEXT,
  block_number INTEGER,
  batch_id INTEGER REFERENCES outbox_batches (id),
  merkle_root TEXT,
  batch_proof TEXT,
  error_code TEXT,
  error_message TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_operations_live ON outbox_operations (dedupe_key) WHERE state <> 'failed';
CREATE INDEX IF NOT EXISTS outbox_operations_document ON outbox_operations (document_hash);
CREATE INDEX IF NOT EXISTS outbox_operations_open ON outbox_operations (sender, batched, batch_id, seq)
  WHERE state IN ('queued', 'sent');
`;

/**
 * A sender's batch-mode operations not yet in a batch (one parameter: the sender). The `state IN (…)` term repeats the
 * condition of the partial index `outbox_operations_open`: SQLite uses a partial index only when the query's WHERE
 * contains the index's terms, and does not infer them from `state = 'queued'`. Without it these queries, run on every
 * look of the dispatcher, scanned every operation the outbox ever held.
 */
const WAITING_FOR_BATCH = `sender = ? AND batched = 1 AND batch_id IS NULL AND state = 'queued' AND state IN ('queued', 'sent')`;

/** Creates the outbox tables (`outbox_operations`, `outbox_batches`) when missing. */
export function initOutboxSchema(db: DatabaseSync): void {
  db.exec(SCHEMA);
}

interface OperationRow {
  seq: number;
  id: string;
  kind: OperationKind;
  batched: number;
  sender: string;
  document_hash: string;
  request: string;
  state: OperationState;
  created_at: string;
  updated_at: string;
  transaction_hash: string | null;
  block_number: number | null;
  batch_id: number | null;
  merkle_root: string | null;
  batch_proof: string | null;
  error_code: string | null;
  error_message: string | null;
}

interface BatchRow {
  id: number;
  sender: string;
  merkle_root: string;
  document_count: number;
  manifest_cid: string;
  first_seq: number;
  state: OperationState;
  created_at: string;
  transaction_hash: string | null;
  block_number: number | null;
}

/** An operation as the dispatcher works on it. */
export interface OutboxEntry {
  seq: number;
  operation: Operation;
  request: StoredRequest;
  batchId: number | null;
}

/** A composed batch: its members and what goes on chain. */
export interface OutboxBatch {
  id: number;
  sender: string;
  merkleRoot: string;
  documentCount: number;
  manifestCid: string;
  firstSeq: number;
  state: OperationState;
  transactionHash: string | null;
}

/** Where something landed on chain. */
export interface ChainOutcome {
  blockNumber: number;
  transactionHash: string;
}

/** `count` random, URL-safe operation ids (128 bits each), from one call to the random source. */
export function newOperationIds(count: number): string[] {
  const bytes = randomBytes(16 * count);
  return Array.from(
    { length: count },
    (_, index) => `op_${bytes.subarray(16 * index, 16 * index + 16).toString('base64url')}`,
  );
}

function toOperation(row: OperationRow): Operation {
  return {
    id: row.id,
    kind: row.kind,
    documentHash: row.document_hash,
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.transaction_hash === null ? {} : { transactionHash: row.transaction_hash }),
    ...(row.block_number === null ? {} : { blockNumber: row.block_number }),
    ...(row.merkle_root === null ? {} : { merkleRoot: row.merkle_root }),
    ...(row.error_code === null ? {} : { error: { code: row.error_code, message: row.error_message ?? '' } }),
  };
}

function toEntry(row: OperationRow): OutboxEntry {
  return {
    seq: row.seq,
    operation: toOperation(row),
    request: JSON.parse(row.request) as StoredRequest,
    batchId: row.batch_id,
  };
}

function toBatch(row: BatchRow): OutboxBatch {
  return {
    id: row.id,
    sender: row.sender,
    merkleRoot: row.merkle_root,
    documentCount: row.document_count,
    manifestCid: row.manifest_cid,
    firstSeq: row.first_seq,
    state: row.state,
    transactionHash: row.transaction_hash,
  };
}

/** The outbox's reads and writes; every write is one committed transaction. */
export class Outbox {
  constructor(private readonly db: DatabaseSync) {
    initOutboxSchema(db);
  }

  private statement(sql: string): StatementSync {
    return statement(this.db, sql);
  }

  /**
   * Commits `items` in one transaction and returns their operations in order: a request for a write already live
   * in the outbox (same document anchored, revoked or co-signed by the same signer, and not failed) gets the existing
   * operation instead of a new one. Each new operation's row and the item's `alongside` writes (e.g. the document's
   * own record) share a savepoint: when `alongside` throws, that item alone is undone and fails.
   */
  acceptAll(
    items: { request: StoredRequest; alongside?: (operation: Operation) => void }[],
  ): (Operation | ItemFailure)[] {
    const existing = this.statement(`SELECT * FROM outbox_operations WHERE dedupe_key = ? AND state <> 'failed'`);
    const insert = this.statement(
      `INSERT INTO outbox_operations (id, kind, batched, sender, document_hash, dedupe_key, request, state, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
    );
    const now = new Date().toISOString();
    const ids = newOperationIds(items.length);
    return inTransaction(this.db, () =>
      items.map(({ request, alongside }, index): Operation | ItemFailure => {
        const key = dedupeKeyOf(request);
        const found = existing.get(key) as OperationRow | undefined;
        if (found !== undefined) return toOperation(found);
        const id = ids[index]!;
        const documentHash = documentHashOf(request);
        try {
          // A savepoint of the group's transaction: a failing `alongside` undoes this item alone.
          return inTransaction(this.db, () => {
            insert.run(
              id,
              request.kind,
              isBatched(request) ? 1 : 0,
              request.sender,
              documentHash,
              key,
              JSON.stringify(request),
              now,
              now,
            );
            const operation: Operation = {
              id,
              kind: request.kind,
              documentHash,
              state: 'queued',
              createdAt: now,
              updatedAt: now,
            };
            alongside?.(operation);
            return operation;
          });
        } catch (error) {
          return new ItemFailure(error);
        }
      }),
    );
  }

  operation(id: string): Operation | null {
    const row = this.statement('SELECT * FROM outbox_operations WHERE id = ?').get(id) as OperationRow | undefined;
    return row === undefined ? null : toOperation(row);
  }

  operationsOf(documentHash: string): Operation[] {
    const rows = this.statement('SELECT * FROM outbox_operations WHERE document_hash = ? ORDER BY seq').all(
      documentHash.toLowerCase(),
    ) as unknown as OperationRow[];
    return rows.map(toOperation);
  }

  /** The proof of `documentHash` in the batch that anchored it, once anchored. */
  batchProof(documentHash: string): BatchProof | null {
    const row = this.statement(
      `SELECT merkle_root, batch_proof FROM outbox_operations
         WHERE document_hash = ? AND batched = 1 AND state = 'anchored' ORDER BY seq DESC LIMIT 1`,
    ).get(documentHash.toLowerCase()) as { merkle_root: string; batch_proof: string } | undefined;
    return row === undefined ? null : { merkleRoot: row.merkle_root, proof: JSON.parse(row.batch_proof) as string[] };
  }

  /** Senders with queued or sent operations. */
  openSenders(): string[] {
    const rows = this.statement(
      `SELECT DISTINCT sender FROM outbox_operations WHERE state IN ('queued', 'sent')`,
    ).all() as { sender: string }[];
    return rows.map((row) => row.sender);
  }

  /** Queued and sent operations and batches (the depth of the queue). */
  openCount(): number {
    const row = this.statement(
      `SELECT COUNT(*) AS count FROM outbox_operations WHERE state IN ('queued', 'sent')`,
    ).get() as { count: number };
    return row.count;
  }

  /** The sender's first open operation sent on its own (not batched), in acceptance order. */
  nextSingle(sender: string): OutboxEntry | null {
    const row = this.statement(
      `SELECT * FROM outbox_operations WHERE sender = ? AND batched = 0 AND state IN ('queued', 'sent')
         ORDER BY seq LIMIT 1`,
    ).get(sender) as OperationRow | undefined;
    return row === undefined ? null : toEntry(row);
  }

  /** The sender's open singly-sent operations, in acceptance order. */
  openSingles(sender: string): OutboxEntry[] {
    const rows = this.statement(
      `SELECT * FROM outbox_operations WHERE sender = ? AND batched = 0 AND state IN ('queued', 'sent') ORDER BY seq`,
    ).all(sender) as unknown as OperationRow[];
    return rows.map(toEntry);
  }

  /** The sender's composed batches not yet anchored or failed, oldest first. */
  openBatches(sender: string): OutboxBatch[] {
    const rows = this.statement(
      `SELECT * FROM outbox_batches WHERE sender = ? AND state IN ('queued', 'sent') ORDER BY first_seq`,
    ).all(sender) as unknown as BatchRow[];
    return rows.map(toBatch);
  }

  /** How many of the sender's batch-mode operations wait for a batch (counted up to `limit`), and the oldest's. */
  waitingForBatch(sender: string, limit: number): { count: number; oldest: { seq: number; createdAt: string } | null } {
    const oldest = this.statement(
      `SELECT seq, created_at FROM outbox_operations
       WHERE ${WAITING_FOR_BATCH} ORDER BY seq LIMIT 1`,
    ).get(sender) as { seq: number; created_at: string } | undefined;
    if (oldest === undefined) return { count: 0, oldest: null };
    const { count } = this.statement(
      `SELECT COUNT(*) AS count FROM (SELECT 1 FROM outbox_operations
       WHERE ${WAITING_FOR_BATCH} LIMIT ?)`,
    ).get(sender, limit) as { count: number };
    return { count, oldest: { seq: oldest.seq, createdAt: oldest.created_at } };
  }

  /** Up to `limit` of the sender's batch-mode operations not yet in a batch, in acceptance order. */
  unbatched(sender: string, limit: number): OutboxEntry[] {
    const rows = this.statement(`SELECT * FROM outbox_operations WHERE ${WAITING_FOR_BATCH} ORDER BY seq LIMIT ?`).all(
      sender,
      limit,
    ) as unknown as OperationRow[];
    return rows.map(toEntry);
  }

  /** The members of a batch, in acceptance order. */
  batchMembers(batchId: number): OutboxEntry[] {
    const rows = this.statement('SELECT * FROM outbox_operations WHERE batch_id = ? ORDER BY seq').all(
      batchId,
    ) as unknown as OperationRow[];
    return rows.map(toEntry);
  }

  /**
   * Records a composed batch with each member's proof, in one transaction, before anything is sent: a restart re-sends
   * the same root rather than composing another.
   */
  saveBatch(
    sender: string,
    batch: { merkleRoot: string; manifestCid: string; members: { seq: number; proof: string[] }[] },
  ): OutboxBatch {
    const now = new Date().toISOString();
    const firstSeq = Math.min(...batch.members.map((member) => member.seq));
    return inTransaction(this.db, () => {
      const row = this.statement(
        `INSERT INTO outbox_batches (sender, merkle_root, document_count, manifest_cid, first_seq, state, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'queued', ?, ?) RETURNING *`,
      ).get(
        sender,
        batch.merkleRoot,
        batch.members.length,
        batch.manifestCid,
        firstSeq,
        now,
        now,
      ) as unknown as BatchRow;
      const join = this.statement(
        `UPDATE outbox_operations SET batch_id = ?, merkle_root = ?, batch_proof = ?, updated_at = ?
         WHERE seq = ? AND batch_id IS NULL AND state = 'queued'`,
      );
      for (const member of batch.members) {
        const { changes } = join.run(row.id, batch.merkleRoot, JSON.stringify(member.proof), now, member.seq);
        if (changes !== 1) throw new Error(`operation #${member.seq} is no longer waiting for a batch`);
      }
      return toBatch(row);
    });
  }

  /** Marks an operation sent: a transaction may have left; its hash when known. */
  markSent(id: string, transactionHash: string | null): Operation {
    return this.update(
      `UPDATE outbox_operations SET state = 'sent', transaction_hash = COALESCE(:tx, transaction_hash), updated_at = :now
       WHERE id = :id AND state IN ('queued', 'sent') RETURNING *`,
      id,
      { tx: transactionHash },
    );
  }

  markAnchored(id: string, outcome: ChainOutcome): Operation {
    return this.update(
      `UPDATE outbox_operations SET state = 'anchored', block_number = :block, transaction_hash = :tx, error_code = NULL,
         error_message = NULL, updated_at = :now WHERE id = :id RETURNING *`,
      id,
      { block: outcome.blockNumber, tx: outcome.transactionHash },
    );
  }

  markFailed(id: string, error: { code: string; message: string }): Operation {
    return this.update(
      `UPDATE outbox_operations SET state = 'failed', error_code = :code, error_message = :message, updated_at = :now
       WHERE id = :id RETURNING *`,
      id,
      { code: error.code, message: error.message },
    );
  }

  /** Marks a batch and its members sent, with the transaction hash when known. */
  markBatchSent(batchId: number, transactionHash: string | null): void {
    const now = new Date().toISOString();
    inTransaction(this.db, () => {
      this.statement(
        `UPDATE outbox_batches SET state = 'sent', transaction_hash = COALESCE(?, transaction_hash), updated_at = ?
           WHERE id = ?`,
      ).run(transactionHash, now, batchId);
      this.statement(
        `UPDATE outbox_operations SET state = 'sent', transaction_hash = COALESCE(?, transaction_hash), updated_at = ?
           WHERE batch_id = ? AND state IN ('queued', 'sent')`,
      ).run(transactionHash, now, batchId);
    });
  }

  /**
   * The distinct transactions that anchored `sender`'s operations (single or batch) in the last `blocks` blocks the
   * outbox recorded for it: those a chain that lost its newest blocks could have lost.
   */
  recentlyAnchored(sender: string, blocks: number): { transactionHash: string; blockNumber: number }[] {
    return this.statement(
      `SELECT DISTINCT transaction_hash AS transactionHash, block_number AS blockNumber FROM outbox_operations
         WHERE sender = :sender AND state = 'anchored' AND transaction_hash IS NOT NULL AND block_number >= (
           SELECT MAX(block_number) FROM outbox_operations WHERE sender = :sender AND state = 'anchored') - :blocks`,
    ).all({ sender, blocks }) as { transactionHash: string; blockNumber: number }[];
  }

  /**
   * Opens again, as `sent` with their transaction, `sender`'s anchored operations and batches of `transactionHashes`:
   * the chain no longer holds those transactions, and the dispatcher's reconciliation finds each on chain or sends it
   * again. Returns the operations reopened.
   */
  reopenLost(sender: string, transactionHashes: readonly string[]): Operation[] {
    const now = new Date().toISOString();
    return inTransaction(this.db, () =>
      transactionHashes.flatMap((transactionHash) => {
        this.statement(
          `UPDATE outbox_batches SET state = 'sent', block_number = NULL, updated_at = ?
             WHERE sender = ? AND state = 'anchored' AND transaction_hash = ?`,
        ).run(now, sender, transactionHash);
        const rows = this.statement(
          `UPDATE outbox_operations SET state = 'sent', block_number = NULL, updated_at = ?
             WHERE sender = ? AND state = 'anchored' AND transaction_hash = ? RETURNING *`,
        ).all(now, sender, transactionHash) as unknown as OperationRow[];
        return rows.map(toOperation);
      }),
    );
  }

  /** Marks a batch and all its members anchored (or failed); returns the members' operations. */
  closeBatch(
    batchId: number,
    result:
      { state: 'anchored'; outcome: ChainOutcome } | { state: 'failed'; error: { code: string; message: string } },
  ): Operation[] {
    const now = new Date().toISOString();
    const outcome = result.state === 'anchored' ? result.outcome : null;
    const error = result.state === 'failed' ? result.error : null;
    return inTransaction(this.db, () => {
      this.statement(
        `UPDATE outbox_batches SET state = ?, block_number = ?, transaction_hash = COALESCE(?, transaction_hash),
             error_code = ?, error_message = ?, updated_at = ? WHERE id = ?`,
      ).run(
        result.state,
        outcome?.blockNumber ?? null,
        outcome?.transactionHash ?? null,
        error?.code ?? null,
        error?.message ?? null,
        now,
        batchId,
      );
      const rows = this.statement(
        `UPDATE outbox_operations SET state = ?, block_number = ?, transaction_hash = COALESCE(?, transaction_hash),
             error_code = ?, error_message = ?, updated_at = ? WHERE batch_id = ? RETURNING *`,
      ).all(
        result.state,
        outcome?.blockNumber ?? null,
        outcome?.transactionHash ?? null,
        error?.code ?? null,
        error?.message ?? null,
        now,
        batchId,
      ) as unknown as OperationRow[];
      return rows.map(toOperation);
    });
  }

  private update(sql: string, id: string, values: Record<string, string | number | null>): Operation {
    const row = this.statement(sql).get({ ...values, id, now: new Date().toISOString() }) as OperationRow | undefined;
    if (row === undefined) throw new Error(`no operation ${id} to update`);
    return toOperation(row);
  }
}
