/**
 * Webhook subscriptions, kept in the API database so that nothing is lost across a restart: each subscription's
 * position (the id of the last event its receiver acknowledged with a 2xx), the attempt under way (event, count, when
 * the next one is due) and the last answer. The position only moves in `recordDelivered`; a failure only reschedules.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { DatabaseSync } from 'node:sqlite';
import { AppError } from '../errors.js';
import { compareEventIds, endOfBlock } from './source.js';

/** What a subscription is about, as the stream's filters. */
export interface SubscriptionFilter {
  policyId?: string;
  feedId?: string;
  documentHash?: string;
}

export interface Webhook {
  id: string;
  owner: string;
  url: string;
  /** Event names delivered; empty means every type the owner may see. */
  eventTypes: string[];
  filter: SubscriptionFilter;
  /** Id of the last event acknowledged (or skipped as not for this subscription). */
  position: string;
  createdAt: string;
  delivery: {
    /** The event being delivered, while its attempts fail. */
    pendingEventId: string | null;
    /** Failed attempts on the pending event. */
    attempts: number;
    nextAttemptAt: string | null;
    lastAttemptAt: string | null;
    lastStatus: number | null;
    lastError: string | null;
    delivered: number;
  };
}

interface WebhookRow {
  id: string;
  owner: string;
  url: string;
  event_types: string;
  filter: string;
  position: string;
  created_at: string;
  pending_event_id: string | null;
  attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered: number;
}

export function initWebhooksSchema(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS events_webhooks (
      id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      url TEXT NOT NULL,
      event_types TEXT NOT NULL,
      filter TEXT NOT NULL,
      secret TEXT NOT NULL,
      position TEXT NOT NULL,
      created_at TEXT NOT NULL,
      pending_event_id TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TEXT,
      last_attempt_at TEXT,
      last_status INTEGER,
      last_error TEXT,
      delivered INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS events_webhooks_owner ON events_webhooks (owner);
  `);
}

function fromRow(row: WebhookRow): Webhook {
  return {
    id: row.id,
    owner: row.owner,
    url: row.url,
    eventTypes: JSON.parse(row.event_types) as string[],
    filter: JSON.parse(row.filter) as SubscriptionFilter,
    position: row.position,
    createdAt: row.created_at,
    delivery: {
      pendingEventId: row.pending_event_id,
      attempts: row.attempts,
      nextAttemptAt: row.next_attempt_at,
      lastAttemptAt: row.last_attempt_at,
      lastStatus: row.last_status,
      lastError: row.last_error,
      delivered: row.delivered,
    },
  };
}

/** Whether `host` (a URL's hostname) is a loopback, private, link-local or unspecified address or name. */
export function isPrivateHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  const kind = isIP(bare);
  if (kind === 4) {
    const [a = 0, b = 0] = bare.split('.').map(Number);
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (kind === 6) {
    return (
      bare === '::1' || bare === '::' || /^f[cd]/.test(bare) || /^fe[89ab]/.test(bare) || bare.startsWith('::ffff:')
    );
  }
  return false;
}

/**
 * Checks a receiver URL: http(s) only, no credentials in it, and no private or loopback host unless the configuration
 * allows them (the local stack's receivers run on localhost). A name that resolves to a private address is not
 * caught here: deployments that must prevent that put the API behind an egress proxy.
 */
export function checkReceiverUrl(value: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppError(400, 'WEBHOOK_URL_INVALID', `"${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError(400, 'WEBHOOK_URL_INVALID', `A webhook URL must be http(s), not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new AppError(400, 'WEBHOOK_URL_INVALID', 'A webhook URL must not carry credentials');
  }
  if (!allowPrivate && isPrivateHost(url.hostname)) {
    throw new AppError(
      400,
      'WEBHOOK_URL_PRIVATE',
      `${url.hostname} is a private or loopback address, which this API does not deliver to (POLICYLEDGER_API_WEBHOOK_ALLOW_PRIVATE)`,
    );
  }
  return url.toString();
}

/** Registers a subscription starting after `position`; returns it with its secret (shown this once). */
export function createWebhook(
  db: DatabaseSync,
  input: { owner: string; url: string; eventTypes: string[]; filter: SubscriptionFilter; position: string },
): { webhook: Webhook; secret: string } {
  const id = randomUUID();
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  db.prepare(
    `INSERT INTO events_webhooks (id, owner, url, event_types, filter, secret, position, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    id,
    input.owner,
    input.url,
    JSON.stringify(input.eventTypes),
    JSON.stringify(input.filter),
    secret,
    input.position,
    new Date().toISOString(),
  );
  return { webhook: findWebhook(db, id)!, secret };
}

export function findWebhook(db: DatabaseSync, id: string): Webhook | null {
  const row = db.prepare('SELECT * FROM events_webhooks WHERE id = ?').get(id) as WebhookRow | undefined;
  return row === undefined ? null : fromRow(row);
}

/** The subscription `id` when `owner` registered it; 404 otherwise (another party's does not exist for the caller). */
export function ownWebhook(db: DatabaseSync, owner: string, id: string): Webhook {
  const webhook = findWebhook(db, id);
  if (webhook === null || webhook.owner !== owner) {
    throw new AppError(404, 'WEBHOOK_NOT_FOUND', `No webhook ${id} of the caller`, { details: { webhookId: id } });
  }
  return webhook;
}

export function webhookSecret(db: DatabaseSync, id: string): string | null {
  const row = db.prepare('SELECT secret FROM events_webhooks WHERE id = ?').get(id) as { secret: string } | undefined;
  return row?.secret ?? null;
}

export function listWebhooks(db: DatabaseSync, owner?: string): Webhook[] {
  const rows = (owner === undefined
    ? db.prepare('SELECT * FROM events_webhooks ORDER BY created_at, id').all()
    : db
        .prepare('SELECT * FROM events_webhooks WHERE owner = ? ORDER BY created_at, id')
        .all(owner)) as unknown as WebhookRow[];
  return rows.map(fromRow);
}

export function deleteWebhook(db: DatabaseSync, id: string): void {
  db.prepare('DELETE FROM events_webhooks WHERE id = ?').run(id);
}

/**
 * Moves the position to `eventId` after a 2xx (or past events that are not for the subscription), clearing the
 * attempt. Only from `expectedPosition`: a delivery that finishes after a replay moved the position does not undo it.
 */
export function recordDelivered(
  db: DatabaseSync,
  id: string,
  expectedPosition: string,
  passed: { eventId: string; delivered: boolean; status: number | null },
): void {
  const { eventId, delivered, status } = passed;
  db.prepare(
    `UPDATE events_webhooks SET position = ?, pending_event_id = NULL, attempts = 0, next_attempt_at = NULL,
         delivered = delivered + ?, last_status = COALESCE(?, last_status),
         last_attempt_at = CASE WHEN ? THEN ? ELSE last_attempt_at END, last_error = CASE WHEN ? THEN NULL ELSE last_error END
       WHERE id = ? AND position = ?`,
  ).run(
    eventId,
    delivered ? 1 : 0,
    status,
    delivered ? 1 : 0,
    new Date().toISOString(),
    delivered ? 1 : 0,
    id,
    expectedPosition,
  );
}

/** Records a failed attempt at `eventId` and when to try again; the position stays. */
export function recordFailure(
  db: DatabaseSync,
  id: string,
  expectedPosition: string,
  eventId: string,
  failure: { status: number | null; error: string; nextAttemptAt: Date },
): void {
  db.prepare(
    `UPDATE events_webhooks SET pending_event_id = ?, attempts = CASE WHEN pending_event_id = ? THEN attempts + 1 ELSE 1 END,
       next_attempt_at = ?, last_attempt_at = ?, last_status = ?, last_error = ?
     WHERE id = ? AND position = ?`,
  ).run(
    eventId,
    eventId,
    failure.nextAttemptAt.toISOString(),
    new Date().toISOString(),
    failure.status,
    failure.error,
    id,
    expectedPosition,
  );
}

/** Moves a subscription's position back (or forward) to `position` for a replay; the attempt in course is dropped. */
export function resetPosition(db: DatabaseSync, id: string, position: string): void {
  db.prepare(
    `UPDATE events_webhooks SET position = ?, pending_event_id = NULL, attempts = 0, next_attempt_at = NULL WHERE id = ?`,
  ).run(position, id);
}

/**
 * Moves back to the end of block `blockNumber` every position beyond it, returning the subscriptions moved: a chain
 * that lost its blocks after `blockNumber` mines new ones at their heights, whose events must come after the
 * positions to be delivered (those delivered from the lost blocks were of a chain that no longer is).
 */
export function rewindPositionsAfter(db: DatabaseSync, blockNumber: number): string[] {
  const last = endOfBlock(blockNumber);
  const rows = db.prepare('SELECT id, position FROM events_webhooks').all() as { id: string; position: string }[];
  const moved = rows.filter((row) => compareEventIds(row.position, last) > 0).map((row) => row.id);
  for (const id of moved) resetPosition(db, id, last);
  return moved;
}
