import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { RawResponse } from '../observation.js';

/** What a node must observe: one flight, or one day of a weather location and metric. */
export type FeedDescriptor =
  | {
      kind: 'flight';
      carrier: string;
      flightNumber: string;
      /** Scheduled departure date in UTC, `YYYY-MM-DD`. */
      departureDate: string;
      /** Scheduled arrival, unix seconds. */
      scheduledArrival: number;
    }
  | {
      kind: 'weather';
      latitudeE4: number;
      longitudeE4: number;
      stationId: string;
      metric: 'precipitation_sum' | 'temperature_max' | 'wind_speed_max';
      /** The day in UTC, `YYYY-MM-DD`. */
      date: string;
    };

/**
 * A provider response kept as evidence. `replayed`: it came from a replay source (recorded data re-dated by the local
 * replay server), never from the provider's live API, so that nobody mistakes what a report rests on.
 */
export interface Evidence extends RawResponse {
  replayed?: boolean;
}

/** Where a feed stands for this node. */
/** `unserved`: no provider this node is configured with can observe the feed; looked at again when the node restarts. */
export type FeedStatus = 'waiting' | 'signed' | 'done' | 'abandoned' | 'unserved';

export interface FeedRecord {
  feedId: string;
  descriptor: FeedDescriptor;
  /** Unix seconds after which data may be asked for. */
  dueAt: number;
  /** Unix seconds after which the hub takes no more data: the node gives up. */
  dataDeadline: number;
  status: FeedStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

/** An observation signed by this node, persisted before it is sent so a crash never loses or repeats it. */
export interface SubmissionRecord {
  feedId: string;
  /** The EIP-712 observation, values as decimal strings. */
  observation: {
    feedId: string;
    oracle: string;
    status: number;
    value: string;
    observedAt: number;
    payloadHash: string;
  };
  signature: string;
  state: 'signed' | 'sent' | 'confirmed' | 'rejected';
  txHash: string | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface Disagreement {
  feedId: string;
  at: number;
  detail: unknown;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feeds (
  feed_id TEXT PRIMARY KEY,
  descriptor TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  data_deadline INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS feeds_due ON feeds (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS evidence (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  feed_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  url TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  fetched_at TEXT NOT NULL,
  body TEXT NOT NULL,
  replayed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS evidence_feed ON evidence (feed_id);
CREATE TABLE IF NOT EXISTS submissions (
  feed_id TEXT PRIMARY KEY,
  observation TEXT NOT NULL,
  signature TEXT NOT NULL,
  state TEXT NOT NULL,
  tx_hash TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS disagreements (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  feed_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  detail TEXT NOT NULL
);
`;

interface FeedRow {
  feed_id: string;
  descriptor: string;
  due_at: number;
  data_deadline: number;
  status: FeedStatus;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

interface SubmissionRow {
  feed_id: string;
  observation: string;
  signature: string;
  state: SubmissionRecord['state'];
  tx_hash: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

function toFeed(row: FeedRow): FeedRecord {
  return {
    feedId: row.feed_id,
    descriptor: JSON.parse(row.descriptor) as FeedDescriptor,
    dueAt: row.due_at,
    dataDeadline: row.data_deadline,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
  };
}

function toSubmission(row: SubmissionRow): SubmissionRecord {
  return {
    feedId: row.feed_id,
    observation: JSON.parse(row.observation) as SubmissionRecord['observation'],
    signature: row.signature,
    state: row.state,
    txHash: row.tx_hash,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * A node's own durable state in SQLite (write-ahead logged, synchronous commits): the feeds it must observe, the raw
 * provider responses it used as evidence, what it signed and where each submission stands. Every change is committed
 * before the node acts on it, so a node killed at any point restarts without losing or repeating a report.
 */
export class NodeState {
  private readonly db: DatabaseSync;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new DatabaseSync(file);
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
    this.db.exec(SCHEMA);
    // State files written before evidence said whether it was replayed: none of theirs was.
    const columns = this.db.prepare('PRAGMA table_info(evidence)').all() as { name: string }[];
    if (!columns.some((column) => column.name === 'replayed')) {
      this.db.exec('ALTER TABLE evidence ADD COLUMN replayed INTEGER NOT NULL DEFAULT 0');
    }
  }

  close(): void {
    this.db.close();
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }

  /** Adds a feed, or moves an existing one's data deadline later; never touches its progress. */
  upsertFeed(feedId: string, descriptor: FeedDescriptor, dueAt: number, dataDeadline: number): void {
    this.db
      .prepare(
        `INSERT INTO feeds (feed_id, descriptor, due_at, data_deadline, status, next_attempt_at)
         VALUES (?, ?, ?, ?, 'waiting', ?)
         ON CONFLICT(feed_id) DO UPDATE SET data_deadline = MAX(data_deadline, excluded.data_deadline)`,
      )
      .run(feedId, JSON.stringify(descriptor), dueAt, dataDeadline, dueAt);
  }

  getFeed(feedId: string): FeedRecord | undefined {
    const row = this.db.prepare('SELECT * FROM feeds WHERE feed_id = ?').get(feedId) as FeedRow | undefined;
    return row === undefined ? undefined : toFeed(row);
  }

  /** Feeds waiting for data whose next attempt is due at `now`, earliest first. */
  dueFeeds(now: number, limit: number): FeedRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM feeds WHERE status = 'waiting' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`)
      .all(now, limit) as unknown as FeedRow[];
    return rows.map(toFeed);
  }

  listFeeds(): FeedRecord[] {
    return (this.db.prepare('SELECT * FROM feeds ORDER BY due_at').all() as unknown as FeedRow[]).map(toFeed);
  }

  /** Records a failed or inconclusive attempt and when to try again. */
  deferFeed(feedId: string, nextAttemptAt: number, reason: string): void {
    this.db
      .prepare('UPDATE feeds SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE feed_id = ?')
      .run(nextAttemptAt, reason, feedId);
  }

  /**
   * Takes the data deadline the hub announced last for a feed (a later registration may move it). A feed given up
   * because its earlier deadline had passed is looked at again when the deadline moves later. Unknown feeds are left
   * alone.
   */
  updateDataDeadline(feedId: string, dataDeadline: number): void {
    // SQLite evaluates every SET expression on the row as it was.
    this.db
      .prepare(
        `UPDATE feeds SET data_deadline = ?,
           status = CASE WHEN status = 'abandoned' AND ? > data_deadline THEN 'waiting' ELSE status END
         WHERE feed_id = ?`,
      )
      .run(dataDeadline, dataDeadline, feedId);
  }

  /** Puts feeds no provider could serve back in line, for a node whose providers may have changed. */
  reopenUnservedFeeds(): void {
    this.db.prepare(`UPDATE feeds SET status = 'waiting' WHERE status = 'unserved'`).run();
  }

  setFeedStatus(feedId: string, status: FeedStatus, reason: string | null = null): void {
    this.db
      .prepare('UPDATE feeds SET status = ?, last_error = COALESCE(?, last_error) WHERE feed_id = ?')
      .run(status, reason, feedId);
  }

  /** Keeps the raw responses an observation was made from. */
  addEvidence(feedId: string, responses: Evidence[]): void {
    this.transaction(() => this.insertEvidence(feedId, responses));
  }

  private insertEvidence(feedId: string, responses: Evidence[]): void {
    const insert = this.db.prepare(
      `INSERT INTO evidence (feed_id, provider, url, http_status, fetched_at, body, replayed)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const response of responses) {
      insert.run(
        feedId,
        response.provider,
        response.url,
        response.status,
        response.fetchedAt,
        response.body,
        response.replayed === true ? 1 : 0,
      );
    }
  }

  /** The responses kept for a feed, in the order its payload hash covers them; `replayed` only on replayed ones. */
  evidenceOf(feedId: string): Evidence[] {
    const rows = this.db
      .prepare(
        'SELECT provider, url, http_status, fetched_at, body, replayed FROM evidence WHERE feed_id = ? ORDER BY id',
      )
      .all(feedId) as {
      provider: string;
      url: string;
      http_status: number;
      fetched_at: string;
      body: string;
      replayed: number;
    }[];
    return rows.map((row) => ({
      provider: row.provider,
      url: row.url,
      status: row.http_status,
      fetchedAt: row.fetched_at,
      body: row.body,
      ...(row.replayed === 1 ? { replayed: true } : {}),
    }));
  }

  recordDisagreement(feedId: string, at: number, detail: unknown): void {
    this.db
      .prepare('INSERT INTO disagreements (feed_id, at, detail) VALUES (?, ?, ?)')
      .run(feedId, at, JSON.stringify(detail));
  }

  disagreements(limit = 100): Disagreement[] {
    const rows = this.db
      .prepare('SELECT feed_id, at, detail FROM disagreements ORDER BY id DESC LIMIT ?')
      .all(limit) as { feed_id: string; at: number; detail: string }[];
    return rows.map((row) => ({ feedId: row.feed_id, at: row.at, detail: JSON.parse(row.detail) as unknown }));
  }

  /**
   * Persists a signed observation with the raw responses its payload hash covers, and marks its feed signed, in one
   * transaction: from here on the node resends exactly this report until the chain has it, and never signs another
   * for the feed. A crash before the commit leaves neither, so the evidence kept is always that of the report signed.
   */
  saveSigned(
    submission: Omit<SubmissionRecord, 'state' | 'txHash' | 'error' | 'updatedAt'>,
    evidence: Evidence[] = [],
  ): void {
    this.transaction(() => {
      this.insertEvidence(submission.feedId, evidence);
      this.db
        .prepare(
          `INSERT INTO submissions (feed_id, observation, signature, state, created_at, updated_at)
           VALUES (?, ?, ?, 'signed', ?, ?)`,
        )
        .run(
          submission.feedId,
          JSON.stringify(submission.observation),
          submission.signature,
          submission.createdAt,
          submission.createdAt,
        );
      this.db.prepare(`UPDATE feeds SET status = 'signed' WHERE feed_id = ?`).run(submission.feedId);
    });
  }

  getSubmission(feedId: string): SubmissionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM submissions WHERE feed_id = ?').get(feedId) as SubmissionRow | undefined;
    return row === undefined ? undefined : toSubmission(row);
  }

  /** Submissions not yet confirmed on chain. */
  openSubmissions(): SubmissionRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM submissions WHERE state IN ('signed', 'sent') ORDER BY created_at`)
      .all() as unknown as SubmissionRow[];
    return rows.map(toSubmission);
  }

  listSubmissions(): SubmissionRecord[] {
    return (this.db.prepare('SELECT * FROM submissions ORDER BY created_at').all() as unknown as SubmissionRow[]).map(
      toSubmission,
    );
  }

  markSent(feedId: string, txHash: string, at: number): void {
    this.db
      .prepare(`UPDATE submissions SET state = 'sent', tx_hash = ?, updated_at = ? WHERE feed_id = ?`)
      .run(txHash, at, feedId);
  }

  /** Closes a submission: confirmed on chain, or rejected for good (e.g. the feed finalised without it). */
  closeSubmission(feedId: string, state: 'confirmed' | 'rejected', at: number, error: string | null = null): void {
    this.transaction(() => {
      this.db
        .prepare('UPDATE submissions SET state = ?, error = ?, updated_at = ? WHERE feed_id = ?')
        .run(state, error, at, feedId);
      this.db.prepare(`UPDATE feeds SET status = 'done' WHERE feed_id = ?`).run(feedId);
    });
  }

  /**
   * Drops a signed report that can never be accepted (it went stale before reaching the chain), with the evidence its
   * payload hash covered, and puts its feed back to be observed afresh at `at`: the evidence kept is then that of the
   * next report alone, which anyone can hash to its payload hash.
   */
  discardSubmission(feedId: string, at: number, reason: string): void {
    this.transaction(() => {
      this.db.prepare('DELETE FROM submissions WHERE feed_id = ?').run(feedId);
      this.db.prepare('DELETE FROM evidence WHERE feed_id = ?').run(feedId);
      this.db
        .prepare(`UPDATE feeds SET status = 'waiting', next_attempt_at = ?, last_error = ? WHERE feed_id = ?`)
        .run(at, reason, feedId);
    });
  }

  /** Counts of feeds by status and submissions by state, for health. */
  summary(): { feeds: Record<string, number>; submissions: Record<string, number> } {
    const feeds = this.db.prepare('SELECT status AS key, COUNT(*) AS n FROM feeds GROUP BY status').all() as {
      key: string;
      n: number;
    }[];
    const submissions = this.db.prepare('SELECT state AS key, COUNT(*) AS n FROM submissions GROUP BY state').all() as {
      key: string;
      n: number;
    }[];
    return {
      feeds: Object.fromEntries(feeds.map((row) => [row.key, row.n])),
      submissions: Object.fromEntries(submissions.map((row) => [row.key, row.n])),
    };
  }

  private transaction(work: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }
}
