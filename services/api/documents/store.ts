/**
 * The documents module's own durable state in the API's SQLite database: what the API keeps about the documents it
 * registered and never puts on chain or IPFS — the private metadata (readers, retention start, personal fields), the
 * content keys wrapped for each reader party, and the executable terms behind a terms hash when the registrant gave
 * them. Every write here is synchronous on the WAL database opened with `synchronous=FULL`, so it is on disk when the
 * call returns.
 */
import { inTransaction, statement } from '../database.js';
import type { DatabaseSync } from 'node:sqlite';

/**
 * Each database's prepared statements, prepared once: a registration runs about ten of them inside the outbox's group
 * commit, where preparing each anew cost more than running it.
 */
/** What the API keeps about a document it registered (or a new version of one). */
export interface StoredDocument {
  documentHash: string;
  /** Checksummed address of the party that registered it (the sender of its anchor). */
  registrant: string;
  /** The caller that asked for it (the registrant's account, or a session/API key acting for it). */
  requestedBy: string;
  operationId: string | null;
  documentType: string;
  policyRef: string;
  retentionClass: number;
  coverEndsAt: string;
  confidential: boolean;
  cid: string;
  size: number;
  contentType: string;
  fileName: string | null;
  requiredSigners: string[];
  readers: string[];
  termsHash: string | null;
  personal: Record<string, string> | null;
  previousHash: string | null;
  mode: 'single' | 'batch';
  createdAt: string;
  erasedAt: string | null;
}

/** The executable terms behind a terms hash, as the registrant gave them (for the terms-carrying co-signature). */
export interface StoredTerms {
  termsHash: string;
  termsType: number;
  terms: Record<string, unknown>;
}

/** Creates the documents module's tables (idempotent). */
export function initDocumentsSchema(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS doc_documents (
      document_hash TEXT PRIMARY KEY,
      registrant TEXT NOT NULL,
      requested_by TEXT NOT NULL,
      operation_id TEXT,
      document_type TEXT NOT NULL,
      policy_ref TEXT NOT NULL,
      retention_class INTEGER NOT NULL,
      cover_ends_at TEXT NOT NULL,
      confidential INTEGER NOT NULL,
      cid TEXT NOT NULL,
      size INTEGER NOT NULL,
      content_type TEXT NOT NULL,
      file_name TEXT,
      required_signers TEXT NOT NULL,
      readers TEXT NOT NULL,
      terms_hash TEXT,
      personal TEXT,
      previous_hash TEXT,
      mode TEXT NOT NULL,
      created_at TEXT NOT NULL,
      erased_at TEXT
    );
    CREATE INDEX IF NOT EXISTS doc_documents_registrant ON doc_documents (registrant);
    CREATE TABLE IF NOT EXISTS doc_readers (
      document_hash TEXT NOT NULL,
      reader TEXT NOT NULL,
      PRIMARY KEY (document_hash, reader)
    );
    CREATE INDEX IF NOT EXISTS doc_readers_reader ON doc_readers (reader);
    CREATE TABLE IF NOT EXISTS doc_wrapped_keys (
      document_hash TEXT NOT NULL,
      recipient TEXT NOT NULL,
      wrapped_key BLOB NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (document_hash, recipient)
    );
    CREATE TABLE IF NOT EXISTS doc_operations (
      operation_id TEXT PRIMARY KEY,
      document_hash TEXT NOT NULL,
      kind TEXT NOT NULL,
      party TEXT NOT NULL,
      note TEXT,
      created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS doc_terms (
      terms_hash TEXT PRIMARY KEY,
      terms_type INTEGER NOT NULL,
      terms TEXT NOT NULL
    );
  `);
}

interface DocumentRow {
  document_hash: string;
  registrant: string;
  requested_by: string;
  operation_id: string | null;
  document_type: string;
  policy_ref: string;
  retention_class: number;
  cover_ends_at: string;
  confidential: number;
  cid: string;
  size: number;
  content_type: string;
  file_name: string | null;
  required_signers: string;
  readers: string;
  terms_hash: string | null;
  personal: string | null;
  previous_hash: string | null;
  mode: string;
  created_at: string;
  erased_at: string | null;
}

function fromRow(row: DocumentRow): StoredDocument {
  return {
    documentHash: row.document_hash,
    registrant: row.registrant,
    requestedBy: row.requested_by,
    operationId: row.operation_id,
    documentType: row.document_type,
    policyRef: row.policy_ref,
    retentionClass: row.retention_class,
    coverEndsAt: row.cover_ends_at,
    confidential: row.confidential === 1,
    cid: row.cid,
    size: row.size,
    contentType: row.content_type,
    fileName: row.file_name,
    requiredSigners: JSON.parse(row.required_signers) as string[],
    readers: JSON.parse(row.readers) as string[],
    termsHash: row.terms_hash,
    personal: row.personal === null ? null : (JSON.parse(row.personal) as Record<string, string>),
    previousHash: row.previous_hash,
    mode: row.mode === 'batch' ? 'batch' : 'single',
    createdAt: row.created_at,
    erasedAt: row.erased_at,
  };
}

/** The document the API registered under `documentHash`, or null. */
export function storedDocument(db: DatabaseSync, documentHash: string): StoredDocument | null {
  const row = statement(db, 'SELECT * FROM doc_documents WHERE document_hash = ?').get(documentHash) as
    DocumentRow | undefined;
  return row === undefined ? null : fromRow(row);
}

/** Hashes of the documents `reader` was named a reader of (registrants are readers of their own documents). */
export function documentsReadableBy(db: DatabaseSync, reader: string): string[] {
  const rows = statement(db, 'SELECT document_hash FROM doc_readers WHERE reader = ?').all(reader) as {
    document_hash: string;
  }[];
  return rows.map((row) => row.document_hash);
}

/**
 * Keeps a new document's private metadata, its readers and its wrapped content keys in one transaction, so that either
 * all of it is durable or none. Any earlier row for the same hash is replaced: the caller has made sure it belongs to
 * no live registration (one that failed before the outbox took it, or whose anchoring the chain refused).
 */
export function insertDocument(
  db: DatabaseSync,
  document: StoredDocument,
  wrappedKeys: Map<string, Uint8Array>,
  terms?: StoredTerms,
): void {
  inTransaction(db, () => {
    statement(db, 'DELETE FROM doc_documents WHERE document_hash = ?').run(document.documentHash);
    statement(db, 'DELETE FROM doc_readers WHERE document_hash = ?').run(document.documentHash);
    statement(db, 'DELETE FROM doc_wrapped_keys WHERE document_hash = ?').run(document.documentHash);
    statement(
      db,
      `INSERT INTO doc_documents (document_hash, registrant, requested_by, operation_id, document_type, policy_ref,
         retention_class, cover_ends_at, confidential, cid, size, content_type, file_name, required_signers, readers,
         terms_hash, personal, previous_hash, mode, created_at, erased_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      document.documentHash,
      document.registrant,
      document.requestedBy,
      document.operationId,
      document.documentType,
      document.policyRef,
      document.retentionClass,
      document.coverEndsAt,
      document.confidential ? 1 : 0,
      document.cid,
      document.size,
      document.contentType,
      document.fileName,
      JSON.stringify(document.requiredSigners),
      JSON.stringify(document.readers),
      document.termsHash,
      document.personal === null ? null : JSON.stringify(document.personal),
      document.previousHash,
      document.mode,
      document.createdAt,
      document.erasedAt,
    );
    const addReader = statement(db, 'INSERT OR IGNORE INTO doc_readers (document_hash, reader) VALUES (?, ?)');
    for (const reader of document.readers) addReader.run(document.documentHash, reader);
    const addKey = statement(
      db,
      'INSERT INTO doc_wrapped_keys (document_hash, recipient, wrapped_key, created_at) VALUES (?, ?, ?, ?)',
    );
    for (const [recipient, wrapped] of wrappedKeys) {
      addKey.run(document.documentHash, recipient, wrapped, document.createdAt);
    }
    if (terms !== undefined) {
      statement(db, 'INSERT OR REPLACE INTO doc_terms (terms_hash, terms_type, terms) VALUES (?, ?, ?)').run(
        terms.termsHash,
        terms.termsType,
        JSON.stringify(terms.terms),
      );
    }
  });
}

/** Records which party asked for an operation, so that only it reads the operation. */
export function recordOperationOwner(
  db: DatabaseSync,
  operation: { id: string; kind: string; documentHash: string },
  party: string,
  note: string | null = null,
): void {
  statement(
    db,
    `INSERT OR IGNORE INTO doc_operations (operation_id, document_hash, kind, party, note, created_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(operation.id, operation.documentHash, operation.kind, party, note, new Date().toISOString());
}

/** The party that asked for operation `id` through this API, or null. */
export function operationOwner(db: DatabaseSync, id: string): string | null {
  const row = statement(db, 'SELECT party FROM doc_operations WHERE operation_id = ?').get(id) as
    { party: string } | undefined;
  return row?.party ?? null;
}

/** Forgets a document whose registration could not be queued (nothing of it reached the outbox). */
export function discardDocument(db: DatabaseSync, documentHash: string): void {
  inTransaction(db, () => {
    statement(db, 'DELETE FROM doc_documents WHERE document_hash = ? AND operation_id IS NULL').run(documentHash);
    statement(db, 'DELETE FROM doc_readers WHERE document_hash = ?').run(documentHash);
    statement(db, 'DELETE FROM doc_wrapped_keys WHERE document_hash = ?').run(documentHash);
  });
}

/** The content key of `documentHash` wrapped for `recipient`, or null when none is kept (never wrapped, or erased). */
export function wrappedKeyFor(db: DatabaseSync, documentHash: string, recipient: string): Uint8Array | null {
  const row = statement(db, 'SELECT wrapped_key FROM doc_wrapped_keys WHERE document_hash = ? AND recipient = ?').get(
    documentHash,
    recipient,
  ) as { wrapped_key: Uint8Array } | undefined;
  return row === undefined ? null : new Uint8Array(row.wrapped_key);
}

/** The terms the API was given for `termsHash`, or null. */
export function storedTerms(db: DatabaseSync, termsHash: string): StoredTerms | null {
  const row = statement(db, 'SELECT terms_type, terms FROM doc_terms WHERE terms_hash = ?').get(termsHash) as
    { terms_type: number; terms: string } | undefined;
  if (row === undefined) return null;
  return { termsHash, termsType: row.terms_type, terms: JSON.parse(row.terms) as Record<string, unknown> };
}

/**
 * Erases a document's content here: destroys every wrapped content key (without them the ciphertext on IPFS is noise)
 * and marks the document erased; its hash and chain facts stay. For the records module's erasure.
 */
export function eraseDocumentKeys(db: DatabaseSync, documentHash: string, at: Date = new Date()): void {
  inTransaction(db, () => {
    statement(db, 'DELETE FROM doc_wrapped_keys WHERE document_hash = ?').run(documentHash);
    statement(db, 'UPDATE doc_documents SET erased_at = ? WHERE document_hash = ?').run(at.toISOString(), documentHash);
  });
}
