/**
 * Retention, legal holds and erasure of a document's content.
 *
 * - Retention: the document's retention class is read from its anchor, the class's years from the registry's
 *   `retentionRule` (life, class 1: 0 years = permanent; property, class 2: 15 years; health, class 3: 20 years, as the
 *   registry defines them by dual control), counted from the cover end the registrant gave at registration (private
 *   metadata, never on chain). Years are calendar years in UTC (29 February + 1 year → 1 March). Time is the chain's:
 *   the latest block's timestamp, so every member judges retention by the same clock.
 * - Legal holds: placed by the registrant (its own litigation or dispute) or by an AUDITOR (a supervisor's
 *   preservation order, which the registrant must not be able to override); each party lifts only its own hold. While
 *   any hold is active the content cannot be erased. Holds live in the registrant's API, the one that can erase.
 * - Erasure (registrant only): destroys every wrapped content key the registrant's API keeps and removes the stored
 *   ciphertext (or, for a public document, the plain bytes) from its content store; the anchor stays, so the hash still
 *   verifies. Then an erasure notice `{"erased":…,"at":…,"by":…}` is stored in IPFS and its SHA-256 anchored as a
 *   document of type Other with policyRef `erasure:<documentHash>`: every member's API, following its chain index,
 *   destroys its own copy of the wrapped key and its cached bytes (`applyErasureNotices`). A notice counts only when
 *   anchored by the document's own registrant. A public document's bytes cannot be recalled from IPFS: other nodes may
 *   have fetched and pinned them; erasure only unpins them here, and the answer says so.
 */
import type { DatabaseSync } from 'node:sqlite';
import { getAddress, ZeroHash } from 'ethers';
import type { PartyRole } from '../../ledger/parties.js';
import { readAnchorState, readChainTime, readRetentionRule } from '../../ledger/records.js';
import { inTransaction } from '../database.js';
import { eraseDocumentKeys, storedDocument } from '../documents/store.js';
import { viewerMaySee } from '../documents/visibility.js';
import { AppError } from '../errors.js';
import { DOCUMENT_TYPE_OTHER, RETENTION_PERMANENT, sha256Hex } from './access-log.js';
import type { RecordsContext } from './context.js';

/** Creates the tables of legal holds, erasures and the position in the chain's events of erasure notices. */
export function initRetentionSchema(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS rec_legal_holds (
      document_hash TEXT NOT NULL,
      placed_by TEXT NOT NULL,
      placed_as TEXT NOT NULL,
      reason TEXT NOT NULL,
      placed_at TEXT NOT NULL,
      lifted_at TEXT,
      lifted_reason TEXT
    );
    CREATE INDEX IF NOT EXISTS rec_legal_holds_document ON rec_legal_holds (document_hash, lifted_at);
    CREATE TABLE IF NOT EXISTS rec_erasures (
      document_hash TEXT PRIMARY KEY,
      erased_at TEXT NOT NULL,
      erased_by TEXT NOT NULL,
      source TEXT NOT NULL,
      confidential INTEGER NOT NULL,
      wrapped_keys_destroyed INTEGER NOT NULL,
      content_removed INTEGER NOT NULL,
      notice_hash TEXT,
      notice_cid TEXT,
      notice_operation_id TEXT
    );
    CREATE TABLE IF NOT EXISTS rec_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `);
}

/** Calendar years after `from`, in UTC. */
export function addYearsUtc(from: Date, years: number): Date {
  const result = new Date(from.getTime());
  result.setUTCFullYear(result.getUTCFullYear() + years);
  return result;
}

/** How long a document is kept. */
export interface Retention {
  retentionClass: number;
  /** 0: permanently. */
  retentionYears: number;
  coverEndsAt: string;
  permanent: boolean;
  /** When the content may be erased; null when permanent. */
  retainedUntil: string | null;
}

/** The retention of a document of `retentionClass` whose cover ends at `coverEndsAt`, under `rule`. */
export function retentionOf(
  retentionClass: number,
  rule: { defined: boolean; retentionYears: number },
  coverEndsAt: string,
): Retention {
  const permanent = rule.retentionYears === 0;
  return {
    retentionClass,
    retentionYears: rule.retentionYears,
    coverEndsAt,
    permanent,
    retainedUntil: permanent ? null : addYearsUtc(new Date(coverEndsAt), rule.retentionYears).toISOString(),
  };
}

export interface LegalHold {
  documentHash: string;
  placedBy: string;
  placedAs: 'registrant' | 'auditor';
  reason: string;
  placedAt: string;
}

interface HoldRow {
  document_hash: string;
  placed_by: string;
  placed_as: string;
  reason: string;
  placed_at: string;
}

export function activeLegalHolds(db: DatabaseSync, documentHash: string): LegalHold[] {
  const rows = db
    .prepare('SELECT * FROM rec_legal_holds WHERE document_hash = ? AND lifted_at IS NULL ORDER BY placed_at')
    .all(documentHash) as unknown as HoldRow[];
  return rows.map((row) => ({
    documentHash: row.document_hash,
    placedBy: row.placed_by,
    placedAs: row.placed_as === 'auditor' ? 'auditor' : 'registrant',
    reason: row.reason,
    placedAt: row.placed_at,
  }));
}

/** Who is acting: an account and its roles on chain. */
export interface Actor {
  account: string;
  roles: readonly PartyRole[];
}

/**
 * The document this API registered under `documentHash`, as `actor` may see it: 404 DOCUMENT_NOT_FOUND when there is
 * none or when `actor` may not see it (as the documents routes answer: existence is not revealed to outsiders).
 */
function documentHere(db: DatabaseSync, documentHash: string, actor?: Actor) {
  const stored = storedDocument(db, documentHash);
  if (stored === null || stored.operationId === null || (actor !== undefined && !viewerMaySee(actor, stored))) {
    throw new AppError(404, 'DOCUMENT_NOT_FOUND', `This API holds no document ${documentHash} visible to the caller`, {
      details: { documentHash },
    });
  }
  return stored;
}

/** As whom `actor` may place or lift a hold on a document of `registrant`: 403 for anyone else. */
function holdCapacity(actor: Actor, registrant: string, documentHash: string): 'registrant' | 'auditor' {
  if (getAddress(actor.account) === getAddress(registrant)) return 'registrant';
  if (actor.roles.includes('AUDITOR')) return 'auditor';
  throw new AppError(403, 'NOT_REGISTRANT_OR_AUDITOR', `Only the registrant or an AUDITOR may hold ${documentHash}`, {
    details: { documentHash },
  });
}

/** Places `actor`'s legal hold on a document (a second hold by the same party only updates its reason). */
export function placeLegalHold(
  ctx: Pick<RecordsContext, 'db'>,
  actor: Actor,
  documentHash: string,
  reason: string,
  at: Date = new Date(),
): LegalHold {
  const stored = documentHere(ctx.db, documentHash, actor);
  const placedAs = holdCapacity(actor, stored.registrant, documentHash);
  const placedBy = getAddress(actor.account);
  const existing = activeLegalHolds(ctx.db, documentHash).find((hold) => hold.placedBy === placedBy);
  if (existing !== undefined) {
    ctx.db
      .prepare('UPDATE rec_legal_holds SET reason = ? WHERE document_hash = ? AND placed_by = ? AND lifted_at IS NULL')
      .run(reason, documentHash, placedBy);
    return { ...existing, reason };
  }
  const hold: LegalHold = { documentHash, placedBy, placedAs, reason, placedAt: at.toISOString() };
  ctx.db
    .prepare(
      'INSERT INTO rec_legal_holds (document_hash, placed_by, placed_as, reason, placed_at) VALUES (?, ?, ?, ?, ?)',
    )
    .run(documentHash, placedBy, placedAs, reason, hold.placedAt);
  return hold;
}

/** Lifts `actor`'s own hold (404 NO_LEGAL_HOLD when it has none); kept in the table as history. */
export function liftLegalHold(
  ctx: Pick<RecordsContext, 'db'>,
  actor: Actor,
  documentHash: string,
  at: Date = new Date(),
): { documentHash: string; liftedAt: string; remainingHolds: number } {
  const stored = documentHere(ctx.db, documentHash, actor);
  holdCapacity(actor, stored.registrant, documentHash);
  const result = ctx.db
    .prepare('UPDATE rec_legal_holds SET lifted_at = ? WHERE document_hash = ? AND placed_by = ? AND lifted_at IS NULL')
    .run(at.toISOString(), documentHash, getAddress(actor.account));
  if (Number(result.changes) === 0) {
    throw new AppError(404, 'NO_LEGAL_HOLD', `${getAddress(actor.account)} holds no legal hold on ${documentHash}`, {
      details: { documentHash },
    });
  }
  return { documentHash, liftedAt: at.toISOString(), remainingHolds: activeLegalHolds(ctx.db, documentHash).length };
}

/** A document's retention as the chain and the registrant's metadata give it (404 when `actor` may not see it). */
export async function documentRetention(
  ctx: Pick<RecordsContext, 'db' | 'ledger'>,
  documentHash: string,
  actor?: Actor,
) {
  const stored = documentHere(ctx.db, documentHash, actor);
  const anchor = await readAnchorState(ctx.ledger, documentHash);
  const retentionClass = anchor.retentionClass ?? stored.retentionClass;
  const rule = await readRetentionRule(ctx.ledger, retentionClass);
  return { stored, anchor, retention: retentionOf(retentionClass, rule, stored.coverEndsAt) };
}

export interface ErasureRecord {
  documentHash: string;
  erasedAt: string;
  erasedBy: string;
  source: 'registrant' | 'notice';
  confidential: boolean;
  wrappedKeysDestroyed: number;
  contentRemoved: boolean;
  notice: { documentHash: string; cid: string; operationId: string | null } | null;
}

interface ErasureRow {
  document_hash: string;
  erased_at: string;
  erased_by: string;
  source: string;
  confidential: number;
  wrapped_keys_destroyed: number;
  content_removed: number;
  notice_hash: string | null;
  notice_cid: string | null;
  notice_operation_id: string | null;
}

function erasureOfRow(row: ErasureRow): ErasureRecord {
  return {
    documentHash: row.document_hash,
    erasedAt: row.erased_at,
    erasedBy: row.erased_by,
    source: row.source === 'notice' ? 'notice' : 'registrant',
    confidential: row.confidential === 1,
    wrappedKeysDestroyed: Number(row.wrapped_keys_destroyed),
    contentRemoved: row.content_removed === 1,
    notice:
      row.notice_hash === null || row.notice_cid === null
        ? null
        : { documentHash: row.notice_hash, cid: row.notice_cid, operationId: row.notice_operation_id },
  };
}

/** The erasure of `documentHash` this API carried out or applied, or null. */
export function erasureOf(db: DatabaseSync, documentHash: string): ErasureRecord | null {
  const row = db.prepare('SELECT * FROM rec_erasures WHERE document_hash = ?').get(documentHash) as
    ErasureRow | undefined;
  return row === undefined ? null : erasureOfRow(row);
}

/** The bytes of an erasure notice (key order fixed): stored in IPFS, their SHA-256 anchored. */
export function encodeErasureNotice(notice: { erased: string; at: string; by: string }): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ erased: notice.erased, at: notice.at, by: notice.by }));
}

export function erasurePolicyRef(documentHash: string): string {
  return `erasure:${documentHash}`;
}

function wrappedKeyCount(db: DatabaseSync, documentHash: string): number {
  const row = db.prepare('SELECT COUNT(*) AS n FROM doc_wrapped_keys WHERE document_hash = ?').get(documentHash) as {
    n: number;
  };
  return Number(row.n);
}

async function removeContent(ctx: Pick<RecordsContext, 'content'>, cid: string): Promise<boolean> {
  if (!(await ctx.content.has(cid))) return false;
  await ctx.content.remove(cid);
  return true;
}

/** What an erasure answers: the record, and what it could not do. */
export interface ErasureResult extends ErasureRecord {
  /** Present for a public document: its bytes may remain on other IPFS nodes. */
  limitation?: string;
}

export const PUBLIC_CONTENT_LIMITATION =
  'This document was stored unencrypted: its bytes were unpinned and deleted from this node only. Copies other IPFS ' +
  'nodes fetched or pinned cannot be recalled; anyone holding its CID may still obtain them from such a node.';

/**
 * Erases a document's content for its registrant: 409 RETENTION_ACTIVE (with the date, or permanent) before retention
 * has passed by the chain's clock, 409 LEGAL_HOLD while a hold applies, 409 ALREADY_ERASED the second time.
 */
export async function eraseDocument(ctx: RecordsContext, actor: Actor, documentHash: string): Promise<ErasureResult> {
  const { stored, retention } = await documentRetention(ctx, documentHash, actor);
  const registrant = getAddress(stored.registrant);
  if (getAddress(actor.account) !== registrant) {
    throw new AppError(403, 'NOT_REGISTRANT', `Only ${registrant}, the registrant, may erase ${documentHash}`, {
      details: { documentHash, registrant },
    });
  }
  const done = erasureOf(ctx.db, documentHash);
  if (done !== null || stored.erasedAt !== null) {
    throw new AppError(409, 'ALREADY_ERASED', `The content of ${documentHash} was already erased`, {
      details: { documentHash, erasedAt: done?.erasedAt ?? stored.erasedAt },
    });
  }
  if (!ctx.signers.has(registrant)) {
    throw new AppError(403, 'PARTY_NOT_HOSTED', `This API does not hold the key of ${registrant}`, {
      details: { party: registrant },
    });
  }
  const now = await readChainTime(ctx.ledger);
  if (retention.retainedUntil === null || now < new Date(retention.retainedUntil)) {
    const when = retention.retainedUntil === null ? 'permanently' : `until ${retention.retainedUntil}`;
    throw new AppError(409, 'RETENTION_ACTIVE', `${documentHash} must be kept ${when}`, {
      details: { documentHash, ...retention, chainTime: now.toISOString() },
    });
  }
  const holds = activeLegalHolds(ctx.db, documentHash);
  if (holds.length > 0) {
    throw new AppError(409, 'LEGAL_HOLD', `${documentHash} is under ${holds.length} legal hold(s)`, {
      details: { documentHash, holds },
    });
  }
  const destroyed = wrappedKeyCount(ctx.db, documentHash);
  inTransaction(ctx.db, () => {
    eraseDocumentKeys(ctx.db, documentHash, now);
    ctx.db
      .prepare(
        `INSERT INTO rec_erasures (document_hash, erased_at, erased_by, source, confidential, wrapped_keys_destroyed,
           content_removed) VALUES (?, ?, ?, 'registrant', ?, ?, 0)`,
      )
      .run(documentHash, now.toISOString(), registrant, stored.confidential ? 1 : 0, destroyed);
  });
  ctx.logger?.info({ documentHash, wrappedKeysDestroyed: destroyed }, 'document content erased');
  const record = await finishErasure(ctx, documentHash, stored.cid);
  return stored.confidential ? record : { ...record, limitation: PUBLIC_CONTENT_LIMITATION };
}

/** Removes the bytes and anchors the notice of an erasure already committed (also after a crash in between). */
async function finishErasure(ctx: RecordsContext, documentHash: string, cid: string): Promise<ErasureRecord> {
  const erasure = erasureOf(ctx.db, documentHash)!;
  const removed = await removeContent(ctx, cid);
  if (removed) ctx.db.prepare('UPDATE rec_erasures SET content_removed = 1 WHERE document_hash = ?').run(documentHash);
  if (erasure.notice?.operationId == null) {
    const bytes = encodeErasureNotice({ erased: documentHash, at: erasure.erasedAt, by: erasure.erasedBy });
    const noticeCid = await ctx.content.add(bytes);
    const noticeHash = sha256Hex(bytes);
    ctx.db
      .prepare('UPDATE rec_erasures SET notice_hash = ?, notice_cid = ? WHERE document_hash = ?')
      .run(noticeHash, noticeCid, documentHash);
    const operation = await ctx.anchoring.accept({
      kind: 'anchor',
      mode: 'single',
      sender: erasure.erasedBy,
      input: {
        documentHash: noticeHash,
        termsHash: ZeroHash,
        documentType: DOCUMENT_TYPE_OTHER,
        retentionClass: RETENTION_PERMANENT,
        policyRef: erasurePolicyRef(documentHash),
        storagePointer: noticeCid,
        requiredSigners: [],
      },
    });
    ctx.db
      .prepare('UPDATE rec_erasures SET notice_operation_id = ? WHERE document_hash = ?')
      .run(operation.id, documentHash);
  }
  return erasureOf(ctx.db, documentHash)!;
}

/** Completes erasures a crash interrupted (bytes not yet removed, notice not yet handed to the anchoring service). */
export async function resumeErasures(ctx: RecordsContext): Promise<number> {
  const rows = ctx.db
    .prepare("SELECT document_hash FROM rec_erasures WHERE source = 'registrant' AND notice_operation_id IS NULL")
    .all() as { document_hash: string }[];
  for (const row of rows) {
    const stored = storedDocument(ctx.db, row.document_hash);
    if (stored !== null) await finishErasure(ctx, row.document_hash, stored.cid);
  }
  return rows.length;
}

const NOTICE_CURSOR = 'erasure-notices.after';

/**
 * Follows the chain index for erasure notices (anchors with policyRef `erasure:<documentHash>`) and, for each one
 * anchored by the erased document's own registrant, destroys this API's copies: the wrapped keys it keeps for that
 * document and its cached bytes. Returns the documents it erased here. Resumes after the last event it looked at.
 */
export async function applyErasureNotices(ctx: RecordsContext, batchSize = 500): Promise<string[]> {
  const applied: string[] = [];
  for (;;) {
    const cursor = ctx.db.prepare('SELECT value FROM rec_state WHERE key = ?').get(NOTICE_CURSOR) as
      { value: string } | undefined;
    const events = await ctx.index.events(cursor?.value, batchSize);
    for (const event of events) {
      if (event.name !== 'DocumentAnchored' || !event.args.policyRef.startsWith('erasure:')) continue;
      const target = event.args.policyRef.slice('erasure:'.length).toLowerCase();
      if (await applyNotice(ctx, target, event.args.registrant, event.blockTime)) applied.push(target);
    }
    const last = events.at(-1);
    if (last !== undefined) {
      ctx.db
        .prepare(
          'INSERT INTO rec_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        )
        .run(NOTICE_CURSOR, last.id);
    }
    if (events.length === 0) return applied;
  }
}

async function applyNotice(ctx: RecordsContext, documentHash: string, noticeBy: string, at: string): Promise<boolean> {
  if (erasureOf(ctx.db, documentHash) !== null) return false;
  const target = await ctx.index.document(documentHash);
  if (target === null || getAddress(target.registrant) !== getAddress(noticeBy)) {
    ctx.logger?.warn({ documentHash, noticeBy }, 'ignored an erasure notice not anchored by the registrant');
    return false;
  }
  const destroyed = wrappedKeyCount(ctx.db, documentHash);
  const stored = storedDocument(ctx.db, documentHash);
  eraseDocumentKeys(ctx.db, documentHash, new Date(at));
  const removed = await removeContent(ctx, stored?.cid ?? target.storagePointer);
  ctx.db
    .prepare(
      `INSERT INTO rec_erasures (document_hash, erased_at, erased_by, source, confidential, wrapped_keys_destroyed,
         content_removed) VALUES (?, ?, ?, 'notice', ?, ?, ?)`,
    )
    .run(documentHash, at, getAddress(noticeBy), stored?.confidential === false ? 0 : 1, destroyed, removed ? 1 : 0);
  ctx.logger?.info({ documentHash, wrappedKeysDestroyed: destroyed }, 'applied an erasure notice');
  return true;
}
