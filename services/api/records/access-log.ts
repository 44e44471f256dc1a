/**
 * The access log: every read of a document's content, in an append-only log whose entries are hash-chained, with its
 * head anchored on chain from time to time so that an auditor can prove the log was not rewritten.
 *
 * Encoding (stable; `checkAccessLogExport` and any outside verifier recompute it):
 * - entryHash = SHA-256 of the UTF-8 bytes of the JSON array
 *   `["policyledger/access-log/v1", seq, at, documentHash, registrant, reader, via, purpose, previousEntryHash]`
 *   as `JSON.stringify` writes it (no spaces): `seq` a JSON integer, `at` ISO-8601 UTC with milliseconds,
 *   `documentHash` 0x lowercase hex, `registrant` and `reader` EIP-55 addresses, `via` the credential
 *   (`session:<id>`, `api-key:<id>`), `purpose` a string or `null`, `previousEntryHash` the entryHash of entry
 *   `seq - 1`, or 32 zero bytes for entry 1. Hashes are written 0x-prefixed lowercase hex.
 * - A head record is the UTF-8 JSON object `{"log":"access","fromSeq":…,"toSeq":…,"headHash":…,"previousHead":…}` in
 *   exactly that key order: entries `fromSeq`..`toSeq`, `headHash` the entryHash of entry `toSeq`, `previousHead` the
 *   SHA-256 of the previous head record (null for the first). Its SHA-256 is anchored in the EvidenceRegistry as a
 *   document of type Other with policyRef `access-log:<toSeq>`, and its bytes are stored in IPFS.
 *
 * Entries are written in one SQLite transaction before the content they record is returned (the database runs with
 * `synchronous=FULL`, so a committed entry survives a crash). Nothing ever updates or deletes a row: a change made
 * behind the API's back is what the check finds.
 */
import { createHash } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { getAddress, ZeroHash } from 'ethers';
import type { Logger } from 'pino';
import type { AnchorInput } from '../../ledger/evidence.js';
import { inTransaction } from '../database.js';
import { invalidCursor } from '../validation.js';

export const ACCESS_LOG_ENCODING = 'policyledger/access-log/v1';

/** `IEvidenceRegistry.DocumentType.Other`. */
export const DOCUMENT_TYPE_OTHER = 6;
/** `EvidenceRegistry.RETENTION_LIFE`: kept permanently, as evidence about the log must be. */
export const RETENTION_PERMANENT = 1;

/** One read of a document's content. */
export interface AccessLogEntry {
  seq: number;
  at: string;
  documentHash: string;
  /** The document's registrant: whose document was read (lets a registrant list the reads of its own documents). */
  registrant: string;
  reader: string;
  via: string;
  purpose: string | null;
  previousEntryHash: string;
  entryHash: string;
}

/** What the caller of `recordAccess` knows about a read. */
export interface AccessRecord {
  documentHash: string;
  registrant: string;
  reader: string;
  via: string;
  purpose?: string | null;
  /** The time of the read; now when omitted. */
  at?: Date;
}

/** A head of the log as anchored (or being anchored) on chain. */
export interface AccessLogHead {
  fromSeq: number;
  toSeq: number;
  headHash: string;
  previousHead: string | null;
}

/** A head as this API keeps it: the record, its hash and CID, and the anchoring operation. */
export interface StoredAccessLogHead extends AccessLogHead {
  recordHash: string;
  cid: string;
  registrant: string;
  operationId: string | null;
  createdAt: string;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return `0x${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The canonical bytes of an entry (see the header), over which its entryHash is taken. */
export function encodeAccessLogEntry(entry: Omit<AccessLogEntry, 'entryHash'>): string {
  return JSON.stringify([
    ACCESS_LOG_ENCODING,
    entry.seq,
    entry.at,
    entry.documentHash,
    entry.registrant,
    entry.reader,
    entry.via,
    entry.purpose,
    entry.previousEntryHash,
  ]);
}

export function accessLogEntryHash(entry: Omit<AccessLogEntry, 'entryHash'>): string {
  return sha256Hex(encodeAccessLogEntry(entry));
}

/** The canonical bytes of a head record (see the header): what is stored in IPFS and whose SHA-256 is anchored. */
export function encodeAccessLogHead(head: AccessLogHead): Uint8Array {
  const record = {
    log: 'access',
    fromSeq: head.fromSeq,
    toSeq: head.toSeq,
    headHash: head.headHash,
    previousHead: head.previousHead,
  };
  return new TextEncoder().encode(JSON.stringify(record));
}

export function accessLogHeadHash(head: AccessLogHead): string {
  return sha256Hex(encodeAccessLogHead(head));
}

/** The policyRef a head's anchor carries. */
export function accessLogHeadPolicyRef(toSeq: number): string {
  return `access-log:${toSeq}`;
}

/** Creates the access log's tables. */
export function initAccessLogSchema(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS log_entries (
      seq INTEGER PRIMARY KEY,
      at TEXT NOT NULL,
      document_hash TEXT NOT NULL,
      registrant TEXT NOT NULL,
      reader TEXT NOT NULL,
      via TEXT NOT NULL,
      purpose TEXT,
      previous_entry_hash TEXT NOT NULL,
      entry_hash TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS log_entries_document ON log_entries (document_hash, seq);
    CREATE INDEX IF NOT EXISTS log_entries_registrant ON log_entries (registrant, seq);
    CREATE TABLE IF NOT EXISTS log_heads (
      to_seq INTEGER PRIMARY KEY,
      from_seq INTEGER NOT NULL,
      head_hash TEXT NOT NULL,
      previous_head TEXT,
      record_hash TEXT NOT NULL UNIQUE,
      cid TEXT NOT NULL,
      registrant TEXT NOT NULL,
      operation_id TEXT,
      created_at TEXT NOT NULL
    );
  `);
}

interface EntryRow {
  seq: number;
  at: string;
  document_hash: string;
  registrant: string;
  reader: string;
  via: string;
  purpose: string | null;
  previous_entry_hash: string;
  entry_hash: string;
}

function entryOf(row: EntryRow): AccessLogEntry {
  return {
    seq: Number(row.seq),
    at: row.at,
    documentHash: row.document_hash,
    registrant: row.registrant,
    reader: row.reader,
    via: row.via,
    purpose: row.purpose,
    previousEntryHash: row.previous_entry_hash,
    entryHash: row.entry_hash,
  };
}

/**
 * Appends a read to the log and commits it (durable on return, before the caller sends the content). Entries are
 * numbered from 1 and chained to the previous entry's hash.
 */
export function recordAccess(ctx: { db: DatabaseSync }, access: AccessRecord): AccessLogEntry {
  const { db } = ctx;
  return inTransaction(db, () => {
    const last = db.prepare('SELECT seq, entry_hash FROM log_entries ORDER BY seq DESC LIMIT 1').get() as
      { seq: number; entry_hash: string } | undefined;
    const unhashed = {
      seq: last === undefined ? 1 : Number(last.seq) + 1,
      at: (access.at ?? new Date()).toISOString(),
      documentHash: access.documentHash.toLowerCase(),
      registrant: getAddress(access.registrant),
      reader: getAddress(access.reader),
      via: access.via,
      purpose: access.purpose ?? null,
      previousEntryHash: last === undefined ? ZeroHash : last.entry_hash,
    };
    const entry = { ...unhashed, entryHash: accessLogEntryHash(unhashed) };
    db.prepare(
      `INSERT INTO log_entries (seq, at, document_hash, registrant, reader, via, purpose, previous_entry_hash, entry_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      entry.seq,
      entry.at,
      entry.documentHash,
      entry.registrant,
      entry.reader,
      entry.via,
      entry.purpose,
      entry.previousEntryHash,
      entry.entryHash,
    );
    return entry;
  });
}

/** Which entries a listing returns: all of them, or those of one registrant's documents, or of one document. */
export interface AccessLogFilter {
  registrant?: string;
  documentHash?: string;
}

/** A page of entries in seq order, after `cursor` (a seq, as returned in `nextCursor`; else 400 INVALID_CURSOR). */
export function listAccessLog(
  db: DatabaseSync,
  filter: AccessLogFilter,
  page: { cursor?: string; limit: number },
): { items: AccessLogEntry[]; nextCursor: string | null } {
  if (page.cursor !== undefined && !/^\d{1,15}$/.test(page.cursor)) throw invalidCursor(page.cursor);
  const conditions = ['seq > ?'];
  const values: (string | number)[] = [page.cursor === undefined ? 0 : Number(page.cursor)];
  if (filter.registrant !== undefined) {
    conditions.push('registrant = ?');
    values.push(getAddress(filter.registrant));
  }
  if (filter.documentHash !== undefined) {
    conditions.push('document_hash = ?');
    values.push(filter.documentHash.toLowerCase());
  }
  const rows = db
    .prepare(`SELECT * FROM log_entries WHERE ${conditions.join(' AND ')} ORDER BY seq LIMIT ?`)
    .all(...values, page.limit + 1) as unknown as EntryRow[];
  const items = rows.slice(0, page.limit).map(entryOf);
  const nextCursor = rows.length > page.limit ? String(items.at(-1)!.seq) : null;
  return { items, nextCursor };
}

/** Every entry, in seq order (what the check and an export read). */
export function allAccessLogEntries(db: DatabaseSync): AccessLogEntry[] {
  return (db.prepare('SELECT * FROM log_entries ORDER BY seq').all() as unknown as EntryRow[]).map(entryOf);
}

interface HeadRow {
  to_seq: number;
  from_seq: number;
  head_hash: string;
  previous_head: string | null;
  record_hash: string;
  cid: string;
  registrant: string;
  operation_id: string | null;
  created_at: string;
}

function headOf(row: HeadRow): StoredAccessLogHead {
  return {
    fromSeq: Number(row.from_seq),
    toSeq: Number(row.to_seq),
    headHash: row.head_hash,
    previousHead: row.previous_head,
    recordHash: row.record_hash,
    cid: row.cid,
    registrant: row.registrant,
    operationId: row.operation_id,
    createdAt: row.created_at,
  };
}

/** The heads this API has anchored or is anchoring, in seq order. */
export function accessLogHeads(db: DatabaseSync): StoredAccessLogHead[] {
  return (db.prepare('SELECT * FROM log_heads ORDER BY to_seq').all() as unknown as HeadRow[]).map(headOf);
}

/** What head anchoring needs of the anchoring service (`AnchoringService` provides it). */
export interface HeadAnchoring {
  accept(request: {
    kind: 'anchor';
    mode: 'single';
    sender: string;
    input: AnchorInput;
  }): Promise<{ id: string; state: string }>;
  operation(id: string): { state: string; error?: { code: string; message: string } } | null;
}

/** What anchoring a head needs: the database, a content store for the head record, the anchoring service. */
export interface HeadAnchoringContext {
  db: DatabaseSync;
  content: { add(bytes: Uint8Array): Promise<string> };
  anchoring: HeadAnchoring;
  logger?: Logger;
}

function headInput(head: StoredAccessLogHead): AnchorInput {
  return {
    documentHash: head.recordHash,
    termsHash: ZeroHash,
    documentType: DOCUMENT_TYPE_OTHER,
    retentionClass: RETENTION_PERMANENT,
    policyRef: accessLogHeadPolicyRef(head.toSeq),
    storagePointer: head.cid,
    requiredSigners: [],
  };
}

async function submitHead(ctx: HeadAnchoringContext, head: StoredAccessLogHead): Promise<StoredAccessLogHead> {
  const operation = await ctx.anchoring.accept({
    kind: 'anchor',
    mode: 'single',
    sender: head.registrant,
    input: headInput(head),
  });
  ctx.db.prepare('UPDATE log_heads SET operation_id = ? WHERE to_seq = ?').run(operation.id, head.toSeq);
  ctx.logger?.info({ toSeq: head.toSeq, recordHash: head.recordHash, operation: operation.id }, 'access-log head sent');
  return { ...head, operationId: operation.id };
}

/**
 * Anchors the log's head as `registrant` (an INSURER or REINSURER whose signer this API holds) when entries were
 * added since the last head; null when there is nothing new. The head is written to `log_heads` before it is handed to
 * the anchoring service, so a crash in between is finished by `resumeAccessLogHeads`.
 */
export async function anchorAccessLogHead(
  ctx: HeadAnchoringContext,
  registrant: string,
): Promise<StoredAccessLogHead | null> {
  const { db } = ctx;
  const lastHead = db.prepare('SELECT * FROM log_heads ORDER BY to_seq DESC LIMIT 1').get() as HeadRow | undefined;
  const lastEntry = db.prepare('SELECT seq, entry_hash FROM log_entries ORDER BY seq DESC LIMIT 1').get() as
    { seq: number; entry_hash: string } | undefined;
  const coveredTo = lastHead === undefined ? 0 : Number(lastHead.to_seq);
  if (lastEntry === undefined || Number(lastEntry.seq) <= coveredTo) return null;
  const head: AccessLogHead = {
    fromSeq: coveredTo + 1,
    toSeq: Number(lastEntry.seq),
    headHash: lastEntry.entry_hash,
    previousHead: lastHead === undefined ? null : lastHead.record_hash,
  };
  const bytes = encodeAccessLogHead(head);
  const cid = await ctx.content.add(bytes);
  const stored: StoredAccessLogHead = {
    ...head,
    recordHash: sha256Hex(bytes),
    cid,
    registrant: getAddress(registrant),
    operationId: null,
    createdAt: new Date().toISOString(),
  };
  db.prepare(
    `INSERT INTO log_heads (to_seq, from_seq, head_hash, previous_head, record_hash, cid, registrant, operation_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
  ).run(
    stored.toSeq,
    stored.fromSeq,
    stored.headHash,
    stored.previousHead,
    stored.recordHash,
    stored.cid,
    stored.registrant,
    stored.createdAt,
  );
  return submitHead(ctx, stored);
}

/** Hands to the anchoring service every head written but not yet handed over (after a crash). */
export async function resumeAccessLogHeads(ctx: HeadAnchoringContext): Promise<number> {
  const pending = accessLogHeads(ctx.db).filter((head) => head.operationId === null);
  for (const head of pending) await submitHead(ctx, head);
  return pending.length;
}

/** When heads are anchored: every `intervalMs` if anything was read since, or as soon as `maxEntries` are uncovered. */
export interface HeadAnchoringSchedule {
  /** The anchoring party: an INSURER or REINSURER whose signer the API holds. */
  registrant: string;
  intervalMs: number;
  maxEntries: number;
  /** How often the schedule looks at the log (at most `intervalMs`); 1 s by default. */
  tickMs?: number;
}

/** Anchors the log's head on a schedule (`start` / `stop`); `anchorNow` for a forced head. */
export class AccessLogHeadAnchorer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<StoredAccessLogHead | null> | undefined;
  private lastAnchorAt = Date.now();

  constructor(
    private readonly ctx: HeadAnchoringContext,
    private readonly schedule: HeadAnchoringSchedule,
  ) {}

  /** Resumes heads left by a crash, then looks at the log every tick. */
  async start(): Promise<void> {
    await resumeAccessLogHeads(this.ctx);
    const tickMs = Math.min(this.schedule.tickMs ?? 1000, this.schedule.intervalMs);
    this.timer = setInterval(() => {
      void this.tick().catch((error: unknown) =>
        this.ctx.logger?.error({ err: error }, 'anchoring the access-log head failed'),
      );
    }, tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Anchors a head now if anything is uncovered (one at a time). */
  anchorNow(): Promise<StoredAccessLogHead | null> {
    this.running ??= anchorAccessLogHead(this.ctx, this.schedule.registrant).finally(() => {
      this.running = undefined;
      this.lastAnchorAt = Date.now();
    });
    return this.running;
  }

  private async tick(): Promise<void> {
    const uncovered = uncoveredEntryCount(this.ctx.db);
    if (uncovered === 0) return;
    const due = Date.now() - this.lastAnchorAt >= this.schedule.intervalMs;
    if (due || uncovered >= this.schedule.maxEntries) await this.anchorNow();
  }
}

/** How many entries no head covers yet. */
export function uncoveredEntryCount(db: DatabaseSync): number {
  const row = db
    .prepare(
      `SELECT (SELECT COALESCE(MAX(seq), 0) FROM log_entries) - (SELECT COALESCE(MAX(to_seq), 0) FROM log_heads) AS n`,
    )
    .get() as { n: number };
  return Math.max(0, Number(row.n));
}
