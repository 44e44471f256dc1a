/**
 * Delivers the events of each webhook subscription to its receiver, at least once and in order: one delivery in flight
 * per subscription, the next event only after a 2xx for the previous one, and the position written to the database
 * after each 2xx — so a restart or a receiver that was down resumes at the first unacknowledged event. A failure
 * (non-2xx, timeout, refused connection) is retried with exponential backoff (`retryBaseMs` doubling up to
 * `retryMaxMs`, with jitter); it never moves the position. Events the owner may not see (or of types it did not ask
 * for) are passed over. Deliveries pause while the owner's party is inactive.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Logger } from 'pino';
import type { ChainEvent } from '../../indexer/index.js';
import type { PartyRecord } from '../../ledger/parties.js';
import type { IndexFollower } from './follower.js';
import { eventPayload } from './payload.js';
import { SIGNATURE_HEADER, signWebhookBody } from './signature.js';
import type { EventSource } from './source.js';
import type { EventVisibility } from './visibility.js';
import { listWebhooks, recordDelivered, recordFailure, webhookSecret, type Webhook } from './webhooks.js';

export interface DeliverySettings {
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often due retries are looked for when the index does not move. */
  retryScanMs: number;
}

/** Events read per round of one subscription. */
const ROUND_SIZE = 100;

/** The wait before attempt `attempts + 1`: `base · 2^(attempts-1)`, at most `max`, with up to 20 % jitter. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  const plain = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(plain * (1 + Math.random() * 0.2));
}

export class WebhookDispatcher {
  private readonly busy = new Set<string>();
  private readonly rounds = new Set<Promise<void>>();
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly deps: {
      db: DatabaseSync;
      source: EventSource;
      follower: IndexFollower;
      visibility: EventVisibility;
      partyOf: (account: string) => Promise<PartyRecord>;
      logger: Pick<Logger, 'warn' | 'debug'>;
    },
    private readonly settings: DeliverySettings,
  ) {}

  start(): void {
    this.unsubscribe = this.deps.follower.subscribe(() => this.wake());
    this.timer = setInterval(() => this.wake(), this.settings.retryScanMs);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer !== null) clearInterval(this.timer);
    await Promise.all([...this.rounds]);
  }

  /** Starts a round for every subscription that has none in flight (a new one, a replay, a head that moved). */
  wake(): void {
    if (this.stopped) return;
    for (const webhook of listWebhooks(this.deps.db)) {
      if (this.busy.has(webhook.id)) continue;
      this.busy.add(webhook.id);
      const round = this.round(webhook)
        .catch((error: unknown) => this.deps.logger.warn({ err: error, webhookId: webhook.id }, 'webhook round failed'))
        .finally(() => {
          this.busy.delete(webhook.id);
          this.rounds.delete(round);
        });
      this.rounds.add(round);
    }
  }

  /** Delivers what is due for `webhook`, in order, until a failure, the end of the events, or `stop()`. */
  private async round(webhook: Webhook): Promise<void> {
    const due = webhook.delivery.nextAttemptAt;
    if (due !== null && Date.parse(due) > Date.now()) return;
    const party = await this.deps.partyOf(webhook.owner);
    if (!party.active) return;
    const viewer = { account: webhook.owner, roles: party.roles };
    // `stored` is the position in the database; `position` runs ahead of it over events passed over, which are
    // written with the next delivery or at the end of the round (one write, not one per event).
    let stored = webhook.position;
    let position = stored;
    let attempts = webhook.delivery.pendingEventId === null ? 0 : webhook.delivery.attempts;
    const moveTo = (eventId: string, delivered: boolean, status: number | null) => {
      recordDelivered(this.deps.db, webhook.id, stored, { eventId, delivered, status });
      stored = eventId;
      position = eventId;
    };
    while (!this.stopped) {
      const page = await this.deps.source.events({ afterId: position, ...webhook.filter, limit: ROUND_SIZE });
      for (const event of page.events) {
        if (this.stopped) return;
        const wanted =
          (webhook.eventTypes.length === 0 || webhook.eventTypes.includes(event.name)) &&
          (await this.deps.visibility.maySee(viewer, event));
        if (!wanted) {
          position = event.id;
          continue;
        }
        const outcome = await this.post(webhook, event);
        if (!outcome.ok) {
          attempts += 1;
          const wait = backoffMs(attempts, this.settings.retryBaseMs, this.settings.retryMaxMs);
          recordFailure(this.deps.db, webhook.id, stored, event.id, {
            status: outcome.status,
            error: outcome.error,
            nextAttemptAt: new Date(Date.now() + wait),
          });
          this.deps.logger.debug(
            { webhookId: webhook.id, eventId: event.id, attempts, wait },
            'webhook delivery failed',
          );
          return;
        }
        moveTo(event.id, true, outcome.status);
        attempts = 0;
      }
      if (page.through !== undefined) position = page.through;
      if (position !== stored) moveTo(position, false, null);
      if (page.events.length < ROUND_SIZE) return;
    }
  }

  /** One signed POST of `event` to the receiver; ok on a 2xx. Redirects are not followed (a 3xx is a failure). */
  private async post(
    webhook: Webhook,
    event: ChainEvent,
  ): Promise<{ ok: true; status: number } | { ok: false; status: number | null; error: string }> {
    const secret = webhookSecret(this.deps.db, webhook.id);
    if (secret === null) return { ok: false, status: null, error: 'the subscription was deleted' };
    const body = JSON.stringify({ webhookId: webhook.id, event: eventPayload(event) });
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'PolicyLedger-Webhooks/1',
          [SIGNATURE_HEADER]: signWebhookBody(secret, body, timestamp),
          'PolicyLedger-Event-Id': event.id,
          'PolicyLedger-Event-Type': event.name,
          'PolicyLedger-Webhook-Id': webhook.id,
        },
        body,
      });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      return { ok: false, status: response.status, error: `the receiver answered ${response.status}` };
    } catch (error) {
      const cause =
        error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      return { ok: false, status: null, error: `no answer from the receiver: ${cause}` };
    }
  }
}
