/**
 * The settlement keeper: pushes what the chain leaves to "anyone". The hub's notification settles a first batch of a
 * feed's policies when its outcome becomes final; the rest (a feed with more policies than a batch, a notification
 * short of gas, an outcome that became payable only after a dispute window, a weather policy whose earlier day
 * finalised after its last day and which is listed under that day's feed) waits for someone to call the product's
 * `settle(feedId, maxPolicies)`. The keeper follows the hub's closures (finalised, resolved, expired) block range by
 * block range, and for each closed feed and product settles batches until `feedProgress` says all are done.
 *
 * It never spins on reverts: the gas estimate runs each call first, so a revert costs no transaction.
 * `ParametricProductNothingToSettle` means someone else finished (done); `ParametricProductOutcomeNotFinal` waits with
 * backoff (a dispute window) up to `maxAttempts`; any other decoded revert gives the feed up at once, logged once.
 * Transport failures back off and retry. Its state (scanned block, feeds, attempts) is in the API database, so a
 * restart resumes, and the chain itself guarantees a policy is never paid twice.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Logger } from 'pino';
import type { LedgerClient } from '../../ledger/client.js';
import { LedgerError } from '../../ledger/errors.js';
import { feedProgress, productsOf, settleFeedBatch } from '../../ledger/keeper.js';
import { feedsClosed } from '../../ledger/oracle.js';
import { backoffMs } from './delivery.js';

export interface KeeperSettings {
  intervalMs: number;
  /** Policies asked per `settle` call (the product caps it at its batch size and gas budget). */
  maxPolicies: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Attempts on a feed whose outcome is not final yet before giving it up. */
  maxAttempts: number;
}

/** Blocks per scan of the hub's closures. */
const SCAN_BLOCKS = 5_000;
/** Batches one feed may take per round, so one large feed does not hold the others up. */
const BATCHES_PER_ROUND = 20;

export type KeptFeedState = 'open' | 'done' | 'given-up';

export interface KeptFeed {
  feedId: string;
  product: string;
  state: KeptFeedState;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  /** Settlement transactions this keeper sent for the feed. */
  transactions: number;
}

export function initKeeperSchema(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS keeper_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS keeper_feeds (
      feed_id TEXT NOT NULL,
      product TEXT NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TEXT,
      last_error TEXT,
      transactions INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (feed_id, product)
    );
  `);
}

interface KeptFeedRow {
  feed_id: string;
  product: string;
  state: KeptFeedState;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  transactions: number;
}

/** The feeds the keeper knows, for status and tests. */
export function keptFeeds(db: DatabaseSync): KeptFeed[] {
  const rows = db.prepare('SELECT * FROM keeper_feeds ORDER BY rowid').all() as unknown as KeptFeedRow[];
  return rows.map((row) => ({
    feedId: row.feed_id,
    product: row.product,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    transactions: row.transactions,
  }));
}

/** A feed another caller finished; an outcome still in its dispute window. Any other revert gives the feed up. */
const DONE = 'ParametricProductNothingToSettle';
const NOT_YET = 'ParametricProductOutcomeNotFinal';

export class SettlementKeeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly deps: {
      db: DatabaseSync;
      /** The ledger with the signer the keeper sends with. */
      ledger: LedgerClient;
      logger: Pick<Logger, 'info' | 'warn' | 'error'>;
    },
    private readonly settings: KeeperSettings,
  ) {
    initKeeperSchema(deps.db);
    // The bookmark exists from the start (the scan only updates it), so the database's row counts do not change
    // under a request.
    deps.db
      .prepare("INSERT OR IGNORE INTO keeper_meta (key, value) VALUES ('scanned_block', ?)")
      .run(String(deps.ledger.deployment.blockNumber - 1));
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      this.running = this.running
        .then(() => this.runOnce())
        .catch((error: unknown) => this.deps.logger.error({ err: error }, 'keeper round failed; retrying'));
    }, this.settings.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round: records the feeds closed since the last scan, then settles what is due. */
  async runOnce(): Promise<void> {
    await this.scan();
    const now = new Date().toISOString();
    const due = keptFeeds(this.deps.db).filter(
      (feed) => feed.state === 'open' && (feed.nextAttemptAt === null || feed.nextAttemptAt <= now),
    );
    for (const feed of due) {
      if (this.stopped) return;
      await this.settleFeed(feed);
    }
  }

  private async scan(): Promise<void> {
    const { db, ledger } = this.deps;
    const products = productsOf(ledger);
    if (products.length === 0) return;
    const latest = await ledger.provider.getBlockNumber();
    const scanned = db.prepare("SELECT value FROM keeper_meta WHERE key = 'scanned_block'").get() as { value: string };
    let fromBlock = Number(scanned.value) + 1;
    while (fromBlock <= latest && !this.stopped) {
      const toBlock = Math.min(latest, fromBlock + SCAN_BLOCKS - 1);
      const closed = await feedsClosed(ledger, { fromBlock, toBlock });
      const insert = db.prepare("INSERT OR IGNORE INTO keeper_feeds (feed_id, product, state) VALUES (?, ?, 'open')");
      for (const feedId of closed) for (const product of products) insert.run(feedId.toLowerCase(), product);
      db.prepare("UPDATE keeper_meta SET value = ? WHERE key = 'scanned_block'").run(String(toBlock));
      fromBlock = toBlock + 1;
    }
  }

  /** Settles batches of one feed on one product until it is done, a revert, or the round's bound. */
  private async settleFeed(feed: KeptFeed): Promise<void> {
    const { db, ledger, logger } = this.deps;
    const update = (state: KeptFeedState, attempts: number, nextAttemptAt: Date | null, lastError: string | null) =>
      db
        .prepare(
          'UPDATE keeper_feeds SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE feed_id = ? AND product = ?',
        )
        .run(state, attempts, nextAttemptAt?.toISOString() ?? null, lastError, feed.feedId, feed.product);
    try {
      for (let batch = 0; batch < BATCHES_PER_ROUND && !this.stopped; batch += 1) {
        const progress = await feedProgress(ledger, feed.product, feed.feedId);
        if (progress.settled >= progress.policies) {
          update('done', 0, null, null);
          return;
        }
        const sent = await settleFeedBatch(ledger, feed.product, feed.feedId, this.settings.maxPolicies);
        db.prepare('UPDATE keeper_feeds SET transactions = transactions + 1 WHERE feed_id = ? AND product = ?').run(
          feed.feedId,
          feed.product,
        );
        await sent.wait();
        logger.info(
          { feedId: feed.feedId, product: feed.product, transactionHash: sent.transactionHash },
          'keeper settled a batch',
        );
      }
    } catch (error) {
      const attempts = feed.attempts + 1;
      const retryAt = new Date(Date.now() + backoffMs(attempts, this.settings.retryBaseMs, this.settings.retryMaxMs));
      if (!(error instanceof LedgerError)) {
        update('open', attempts, retryAt, error instanceof Error ? error.message : String(error));
        return;
      }
      if (error.code === DONE) {
        update('done', 0, null, null);
      } else if (error.code === NOT_YET && attempts < this.settings.maxAttempts) {
        update('open', attempts, retryAt, error.message);
      } else {
        update('given-up', attempts, null, error.message);
        logger.warn(
          { feedId: feed.feedId, product: feed.product, code: error.code, attempts },
          'keeper gave up settling a feed: the product refuses it',
        );
      }
    }
  }
}
