/**
 * The events module: `GET /v1/events` (SSE), webhook subscriptions and their deliveries, and the settlement keeper.
 * `startEvents(ctx)` builds them over the chain index and the API database; the composition root mounts `router`,
 * calls `endStreams()` before the server closes (open streams would otherwise hold it for its grace period) and
 * `stop()` with the rest.
 */
import type { Router } from 'express';
import type { PartyRecord } from '../../ledger/parties.js';
import type { ApiContext } from '../context.js';
import { currentParty } from '../auth/parties.js';
import { WebhookDispatcher } from './delivery.js';
import { IndexFollower } from './follower.js';
import { SettlementKeeper } from './keeper.js';
import { eventsRouter } from './routes.js';
import { EventStreams } from './sse.js';
import { indexEventSource, type EventSource } from './source.js';
import { EventVisibility } from './visibility.js';

export { verifyWebhookSignature, signWebhookBody, SIGNATURE_HEADER } from './signature.js';
export type { EventPayload } from './payload.js';
export { keptFeeds, SettlementKeeper, type KeeperSettings } from './keeper.js';
export { indexEventSource, type EventSource, type EventQuery } from './source.js';

/**
 * How long a receiver's party (active, roles) is trusted before it is read again. Reading it costs several calls to
 * the node, which would sit on every delivery's path if done at each new block; a deactivation or a role change
 * reaches open streams and webhooks within this time.
 */
const PARTY_RECHECK_MS = 5_000;

/** `read`, remembered per account for `ttlMs` (a failed read is not remembered). */
function cachedParties(
  read: (account: string) => Promise<PartyRecord>,
  ttlMs: number,
): (account: string) => Promise<PartyRecord> {
  const cache = new Map<string, { at: number; party: Promise<PartyRecord> }>();
  return (account) => {
    const cached = cache.get(account);
    if (cached !== undefined && performance.now() - cached.at < ttlMs) return cached.party;
    const party = read(account);
    cache.set(account, { at: performance.now(), party });
    party.catch(() => cache.delete(account));
    return party;
  };
}

export interface RunningEvents {
  router: Router;
  follower: IndexFollower;
  dispatcher: WebhookDispatcher;
  /** Null when turned off or when this API holds no key to send with. */
  keeper: SettlementKeeper | null;
  endStreams(): void;
  stop(): Promise<void>;
}

/**
 * Starts following the index, delivering webhooks and (when configured and a signer is held) the keeper. `source`
 * defaults to the chain index.
 */
export function startEvents(ctx: ApiContext, options: { source?: EventSource } = {}): RunningEvents {
  const settings = ctx.config.events;
  const source = options.source ?? indexEventSource(ctx.index);
  const follower = new IndexFollower(source, settings.pollMs);
  const visibility = new EventVisibility(ctx);
  const partyOf = cachedParties((account) => currentParty(ctx, account), PARTY_RECHECK_MS);
  const streams = new EventStreams({ source, follower, visibility, partyOf, heartbeatMs: settings.heartbeatMs });
  const dispatcher = new WebhookDispatcher(
    { db: ctx.db, source, follower, visibility, partyOf, logger: ctx.logger },
    { ...settings.webhooks, retryScanMs: Math.min(1000, settings.webhooks.retryBaseMs) },
  );
  const router = eventsRouter({ db: ctx.db, config: settings, source, streams, dispatcher });
  const signer = ctx.signers.values().next().value;
  const keeper =
    settings.keeper.enabled && signer !== undefined
      ? new SettlementKeeper(
          { db: ctx.db, ledger: { ...ctx.ledger, signer }, logger: ctx.logger },
          {
            intervalMs: settings.keeper.intervalMs,
            maxPolicies: settings.keeper.maxPolicies,
            maxAttempts: settings.keeper.maxAttempts,
            retryBaseMs: settings.webhooks.retryBaseMs,
            retryMaxMs: settings.webhooks.retryMaxMs,
          },
        )
      : null;
  follower.start();
  dispatcher.start();
  keeper?.start();
  return {
    router,
    follower,
    dispatcher,
    keeper,
    endStreams: () => streams.endAll(),
    async stop() {
      streams.endAll();
      await keeper?.stop();
      await dispatcher.stop();
      await follower.stop();
    },
  };
}
