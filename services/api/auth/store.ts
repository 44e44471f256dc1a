/**
 * The identity module's durable state, in the API database: SIWE nonces (server-issued, single use), sessions and API
 * keys. Secrets are stored only as SHA-256 hashes: a copy of the database opens no session and authenticates no key.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { statement } from '../database.js';

export const NONCE_TTL_MS = 10 * 60 * 1000;
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export function initAuthSchema(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS auth_nonces (
      nonce TEXT PRIMARY KEY,
      issued_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      used_at INTEGER
    );
    CREATE TABLE IF NOT EXISTS auth_sessions (
      id_hash TEXT PRIMARY KEY,
      account TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      revoked_at INTEGER
    );
    CREATE TABLE IF NOT EXISTS auth_api_keys (
      id TEXT PRIMARY KEY,
      secret_hash TEXT NOT NULL,
      account TEXT NOT NULL,
      label TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      revoked_at INTEGER
    );
    CREATE INDEX IF NOT EXISTS auth_api_keys_account ON auth_api_keys (account);
  `);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// --- SIWE nonces ---

/** A fresh nonce (22 alphanumeric characters, 128 bits), stored as issued. SIWE nonces must be alphanumeric. */
export function issueNonce(db: DatabaseSync, now = Date.now()): { nonce: string; expiresAt: number } {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  // Bytes from 248 up are dropped (248 = 4 × 62), so every character is equally likely.
  let nonce = '';
  while (nonce.length < 22) {
    for (const byte of randomBytes(32)) {
      if (byte < 248 && nonce.length < 22) nonce += alphabet[byte % 62];
    }
  }
  const expiresAt = now + NONCE_TTL_MS;
  statement(db, 'DELETE FROM auth_nonces WHERE expires_at < ?').run(now - NONCE_TTL_MS);
  statement(db, 'INSERT INTO auth_nonces (nonce, issued_at, expires_at) VALUES (?, ?, ?)').run(nonce, now, expiresAt);
  return { nonce, expiresAt };
}

export type NonceState = 'unknown' | 'used' | 'expired' | 'valid';

export function nonceState(db: DatabaseSync, nonce: string, now = Date.now()): NonceState {
  const row = statement(db, 'SELECT expires_at, used_at FROM auth_nonces WHERE nonce = ?').get(nonce) as
    { expires_at: number; used_at: number | null } | undefined;
  if (row === undefined) return 'unknown';
  if (row.used_at !== null) return 'used';
  if (row.expires_at <= now) return 'expired';
  return 'valid';
}

/** Marks `nonce` used; true only for the one caller that found it unused and unexpired (atomic). */
export function consumeNonce(db: DatabaseSync, nonce: string, now = Date.now()): boolean {
  const result = statement(
    db,
    'UPDATE auth_nonces SET used_at = ? WHERE nonce = ? AND used_at IS NULL AND expires_at > ?',
  ).run(now, nonce, now);
  return result.changes === 1;
}

// --- sessions ---

/** A new session for `account`; the returned id goes in the cookie, only its hash is stored. */
export function createSession(db: DatabaseSync, account: string, now = Date.now()): { id: string; expiresAt: number } {
  const id = randomBytes(32).toString('base64url');
  const expiresAt = now + SESSION_TTL_MS;
  statement(db, 'DELETE FROM auth_sessions WHERE expires_at < ?').run(now);
  statement(db, 'INSERT INTO auth_sessions (id_hash, account, created_at, expires_at) VALUES (?, ?, ?, ?)').run(
    sha256Hex(id),
    account,
    now,
    expiresAt,
  );
  return { id, expiresAt };
}

export type SessionLookup = { state: 'valid'; account: string; expiresAt: number } | { state: 'unknown' | 'expired' };

export function findSession(db: DatabaseSync, id: string, now = Date.now()): SessionLookup {
  const row = statement(db, 'SELECT account, expires_at, revoked_at FROM auth_sessions WHERE id_hash = ?').get(
    sha256Hex(id),
  ) as { account: string; expires_at: number; revoked_at: number | null } | undefined;
  if (row === undefined || row.revoked_at !== null) return { state: 'unknown' };
  if (row.expires_at <= now) return { state: 'expired' };
  return { state: 'valid', account: row.account, expiresAt: row.expires_at };
}

export function revokeSession(db: DatabaseSync, id: string, now = Date.now()): void {
  statement(db, 'UPDATE auth_sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL').run(
    now,
    sha256Hex(id),
  );
}

// --- API keys ---

export interface ApiKeyRecord {
  id: string;
  account: string;
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

interface ApiKeyRow {
  id: string;
  secret_hash: string;
  account: string;
  label: string;
  created_at: number;
  revoked_at: number | null;
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    account: row.account,
    label: row.label,
    createdAt: new Date(row.created_at).toISOString(),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at).toISOString(),
  };
}

/** The shape of a key: `pl_<16 hex id>_<64 hex secret>`. */
export const API_KEY_PATTERN = /^pl_([0-9a-f]{16})_([0-9a-f]{64})$/;

/** A new key for `account`; `token` is shown once and never stored. */
export function createApiKey(
  db: DatabaseSync,
  account: string,
  label: string,
  now = Date.now(),
): { token: string; record: ApiKeyRecord } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('hex');
  statement(db, 'INSERT INTO auth_api_keys (id, secret_hash, account, label, created_at) VALUES (?, ?, ?, ?, ?)').run(
    id,
    sha256Hex(secret),
    account,
    label,
    now,
  );
  return {
    token: `pl_${id}_${secret}`,
    record: { id, account, label, createdAt: new Date(now).toISOString(), revokedAt: null },
  };
}

export type ApiKeyLookup =
  { state: 'valid'; record: ApiKeyRecord } | { state: 'malformed' | 'unknown' | 'revoked'; id?: string };

/** The key `token` names, if its secret matches (compared in constant time). */
export function findApiKey(db: DatabaseSync, token: string): ApiKeyLookup {
  const match = API_KEY_PATTERN.exec(token);
  if (match === null) return { state: 'malformed' };
  const [, id = '', secret = ''] = match;
  const row = statement(db, 'SELECT * FROM auth_api_keys WHERE id = ?').get(id) as ApiKeyRow | undefined;
  if (row === undefined) return { state: 'unknown', id };
  const expected = Buffer.from(row.secret_hash, 'hex');
  const given = createHash('sha256').update(secret).digest();
  if (!timingSafeEqual(expected, given)) return { state: 'unknown', id };
  if (row.revoked_at !== null) return { state: 'revoked', id };
  return { state: 'valid', record: toRecord(row) };
}

export function listApiKeys(db: DatabaseSync, account: string): ApiKeyRecord[] {
  const rows = statement(db, 'SELECT * FROM auth_api_keys WHERE account = ? ORDER BY created_at, id').all(
    account,
  ) as unknown as ApiKeyRow[];
  return rows.map(toRecord);
}

/** Revokes `account`'s key `id`; the record after revocation, or null when `account` has no such key. */
export function revokeApiKey(db: DatabaseSync, account: string, id: string, now = Date.now()): ApiKeyRecord | null {
  statement(db, 'UPDATE auth_api_keys SET revoked_at = ? WHERE id = ? AND account = ? AND revoked_at IS NULL').run(
    now,
    id,
    account,
  );
  const row = statement(db, 'SELECT * FROM auth_api_keys WHERE id = ? AND account = ?').get(id, account) as
    ApiKeyRow | undefined;
  return row === undefined ? null : toRecord(row);
}
