/**
 * The API's own durable state (outbox, operations, idempotency, API keys, SIWE nonces, sessions, wrapped keys,
 * private document metadata, access log) lives in one SQLite file. Each module creates its own tables, prefixed by
 * module, in an exported `init…Schema(db)`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * Opens (creating when needed) the API database at `file`: WAL journal so readers never wait for the writer, and
 * `synchronous=FULL` so every commit is fsync'ed before it returns — an answer given after a commit survives a crash.
 * `busyTimeoutMs` bounds how long a writer waits for another connection's lock.
 */
export function openApiDatabase(file: string, options: { busyTimeoutMs?: number } = {}): DatabaseSync {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new DatabaseSync(file, { timeout: options.busyTimeoutMs ?? 5000 });
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA foreign_keys = ON');
  return db;
}

/** Runs `work` in one transaction (BEGIN IMMEDIATE: the write lock is taken up front), committing on success. */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
