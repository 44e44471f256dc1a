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
  db.exec('PRAGMA wal_autocheckpoint = 10000');
  db.exec('PRAGMA foreign_keys = ON');
  // Savepoint and statement journals in memory: on disk, each is a temporary file created (an inode allocated, the
  // costliest file-system step) and written for every group commit, whose items are savepoints.
  db.exec('PRAGMA temp_store = MEMORY');
  return db;
}

/**
 * Runs `work` in one transaction (BEGIN IMMEDIATE: the write lock is taken up front), committing on success. Called
 * inside a transaction, it runs `work` in a savepoint of it instead: a failure undoes `work` alone, and everything
 * commits with the outer transaction (so a module's writes can join the outbox's group commit).
 */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  const nested = db.isTransaction;
  db.exec(nested ? 'SAVEPOINT nested_work' : 'BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec(nested ? 'RELEASE nested_work' : 'COMMIT');
    return result;
  } catch (error) {
    db.exec(nested ? 'ROLLBACK TO nested_work; RELEASE nested_work' : 'ROLLBACK');
    throw error;
  }
}

export { statement } from '../shared/sqlite.js';
