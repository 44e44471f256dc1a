/**
 * Idempotency keys for writes. A POST/PUT/PATCH/DELETE may carry `Idempotency-Key`; its scope is the caller (account,
 * or client IP when anonymous), the method and the path. The first request with a key runs and its answer is stored
 * (durably, before it is sent); a repeat with the same body gets that answer again with `Idempotent-Replayed: true`,
 * a repeat with another body 409 IDEMPOTENCY_KEY_REUSED, a repeat while the first still runs 409
 * IDEMPOTENCY_IN_PROGRESS. Answers a retry could change (408, 429, 5xx) and answers holding a secret (a route sets
 * `res.locals.idempotencyNotStored`: nonces, sessions, API keys) are not kept: the key is freed instead.
 * Keys expire after 24 hours.
 */
import { createHash } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { Request, RequestHandler, Response } from 'express';
import type { Caller } from './auth/caller.js';
import type { ApiContext } from './context.js';
import { inTransaction, statement } from './database.js';
import { AppError } from './errors.js';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** Response headers replayed with a stored answer. */
const REPLAYED_HEADERS = ['content-type', 'location', 'operation-location', 'retry-after'];

export function initIdempotencySchema(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS idem_keys (
      scope TEXT NOT NULL,
      key TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('running', 'done')),
      status INTEGER,
      headers TEXT,
      body BLOB,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (scope, key)
    );
    CREATE INDEX IF NOT EXISTS idem_keys_expiry ON idem_keys (expires_at);
  `);
  // A key still 'running' when the schema is opened belongs to a process that died mid-request: it answered nothing,
  // so the client's retry must be able to run.
  db.exec("DELETE FROM idem_keys WHERE state = 'running'");
}

/** SHA-256 of a JSON value with its object keys sorted, so the same body written differently has one fingerprint. */
export function jsonFingerprint(value: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(value) ?? '')
    .digest('hex');
}

function canonicalJson(value: unknown): string | undefined {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item) ?? 'null').join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function scopeOf(req: Request, res: Response): string {
  const caller = res.locals.caller as Caller | undefined;
  const who = caller === undefined ? `ip:${req.ip ?? 'unknown'}` : `account:${caller.account}`;
  return `${who} ${req.method} ${req.originalUrl.split('?')[0] ?? ''}`;
}

/** The request's Idempotency-Key, or undefined; a malformed one is refused. */
function keyOf(req: Request): string | undefined {
  const key = req.get('Idempotency-Key');
  if (key === undefined) return undefined;
  if (!KEY_PATTERN.test(key)) {
    throw new AppError(400, 'IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
  }
  return key;
}

interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

type Claim = { kind: 'new' } | { kind: 'replay'; answer: StoredAnswer };

/** Claims `key` in `scope` for a request with body `fingerprint`, or says what to answer instead. */
function claim(db: DatabaseSync, scope: string, key: string, fingerprint: string, now: number): Claim {
  return inTransaction(db, (): Claim => {
    statement(db, 'DELETE FROM idem_keys WHERE expires_at <= ?').run(now);
    const row = statement(
      db,
      'SELECT fingerprint, state, status, headers, body FROM idem_keys WHERE scope = ? AND key = ?',
    ).get(scope, key) as
      { fingerprint: string; state: string; status: number; headers: string; body: Uint8Array } | undefined;
    if (row === undefined) {
      statement(
        db,
        "INSERT INTO idem_keys (scope, key, fingerprint, state, created_at, expires_at) VALUES (?, ?, ?, 'running', ?, ?)",
      ).run(scope, key, fingerprint, now, now + IDEMPOTENCY_TTL_MS);
      return { kind: 'new' };
    }
    if (row.fingerprint !== fingerprint) {
      throw new AppError(
        409,
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request body',
      );
    }
    if (row.state === 'running') {
      throw new AppError(409, 'IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still running');
    }
    const answer = { status: row.status, headers: JSON.parse(row.headers) as Record<string, string>, body: row.body };
    return { kind: 'replay', answer };
  });
}

function replay(res: Response, answer: StoredAnswer): void {
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.setHeader('Idempotent-Replayed', 'true');
  res.status(answer.status).end(Buffer.from(answer.body));
}

function keepable(status: number): boolean {
  return status !== 408 && status !== 429 && status < 500;
}

/**
 * Records the answer sent through `res.send` (which `res.json` and problem answers use) before it leaves, or frees
 * the key when the answer is not worth keeping or the request ends without one.
 */
function recordAnswer(db: DatabaseSync, res: Response, scope: string, key: string): void {
  let settled = false;
  const free = () => {
    if (settled) return;
    settled = true;
    statement(db, "DELETE FROM idem_keys WHERE scope = ? AND key = ? AND state = 'running'").run(scope, key);
  };
  const send = res.send.bind(res);
  res.send = (body?: unknown) => {
    if (!settled) {
      settled = true;
      if (keepable(res.statusCode) && res.locals.idempotencyNotStored !== true) {
        const bytes =
          body === undefined || body === null
            ? Buffer.alloc(0)
            : Buffer.isBuffer(body)
              ? body
              : typeof body === 'string'
                ? Buffer.from(body)
                : Buffer.from(JSON.stringify(body));
        if (typeof body === 'object' && !Buffer.isBuffer(body) && res.get('Content-Type') === undefined) {
          res.type('json');
        }
        if (typeof body === 'string' && res.get('Content-Type') === undefined) res.type('html');
        const headers = Object.fromEntries(
          REPLAYED_HEADERS.flatMap((name) => {
            const value = res.get(name);
            return value === undefined ? [] : [[name, value]];
          }),
        );
        statement(
          db,
          "UPDATE idem_keys SET state = 'done', status = ?, headers = ?, body = ? WHERE scope = ? AND key = ?",
        ).run(res.statusCode, JSON.stringify(headers), bytes, scope, key);
      } else {
        statement(db, "DELETE FROM idem_keys WHERE scope = ? AND key = ? AND state = 'running'").run(scope, key);
      }
    }
    return send(body);
  };
  res.on('close', free);
}

/**
 * Runs `handler` under the request's Idempotency-Key (when it has one) with the body fingerprint the route computes
 * (only when there is a key): for routes that parse their body themselves (multipart streams). Replays or refuses as
 * the module header says.
 */
export async function withIdempotency(
  ctx: ApiContext,
  req: Request,
  res: Response,
  fingerprint: () => string,
  handler: () => Promise<void>,
): Promise<void> {
  const key = keyOf(req);
  if (key === undefined || !WRITE_METHODS.has(req.method)) {
    await handler();
    return;
  }
  const scope = scopeOf(req, res);
  const claimed = claim(ctx.db, scope, key, fingerprint(), Date.now());
  if (claimed.kind === 'replay') {
    replay(res, claimed.answer);
    return;
  }
  recordAnswer(ctx.db, res, scope, key);
  await handler();
}

/**
 * Middleware for JSON (and body-less) writes: the body fingerprint is the canonical JSON of the parsed body. Multipart
 * requests pass through untouched: their routes call `withIdempotency` once they know the body.
 */
export function idempotency(ctx: ApiContext): RequestHandler {
  return (req, res, next) => {
    if (!WRITE_METHODS.has(req.method) || req.is('multipart/*')) {
      next();
      return;
    }
    const key = keyOf(req);
    if (key === undefined) {
      next();
      return;
    }
    const scope = scopeOf(req, res);
    const claimed = claim(ctx.db, scope, key, jsonFingerprint(req.body ?? null), Date.now());
    if (claimed.kind === 'replay') {
      replay(res, claimed.answer);
      return;
    }
    recordAnswer(ctx.db, res, scope, key);
    next();
  };
}
