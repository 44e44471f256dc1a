/**
 * The events routes: the SSE stream and webhook subscriptions. Any active party may stream and subscribe; what it
 * receives is what `visibility.ts` lets it see. A webhook belongs to the party that registered it: another party's
 * is answered 404, as if it did not exist.
 */
import type { DatabaseSync } from 'node:sqlite';
import { Router } from 'express';
import { requireCaller } from '../auth/caller.js';
import { parse } from '../validation.js';
import type { EventsConfig } from './config.js';
import type { WebhookDispatcher } from './delivery.js';
import { LastEventIdHeader, ReplayBody, StreamQuery, WebhookBody, WebhookParams } from './schemas.js';
import type { EventStreams } from './sse.js';
import { endOfBlock, positionBefore, type EventSource } from './source.js';
import {
  checkReceiverUrl,
  createWebhook,
  deleteWebhook,
  initWebhooksSchema,
  listWebhooks,
  ownWebhook,
  resetPosition,
  type SubscriptionFilter,
  type Webhook,
} from './webhooks.js';

/** A subscription as its owner reads it (never the secret). */
function view(webhook: Webhook): Omit<Webhook, 'owner'> {
  return {
    id: webhook.id,
    url: webhook.url,
    eventTypes: webhook.eventTypes,
    filter: webhook.filter,
    position: webhook.position,
    createdAt: webhook.createdAt,
    delivery: webhook.delivery,
  };
}

function filterOf(query: { policyId?: string; feedId?: string; documentHash?: string }): SubscriptionFilter {
  return {
    ...(query.policyId === undefined ? {} : { policyId: query.policyId }),
    ...(query.feedId === undefined ? {} : { feedId: query.feedId }),
    ...(query.documentHash === undefined ? {} : { documentHash: query.documentHash }),
  };
}

export function eventsRouter(deps: {
  db: DatabaseSync;
  config: EventsConfig;
  source: EventSource;
  streams: EventStreams;
  dispatcher: WebhookDispatcher;
}): Router {
  initWebhooksSchema(deps.db);
  const router = Router();

  router.get('/v1/events', async (req, res) => {
    const caller = requireCaller(res);
    const query = parse(StreamQuery, req.query, 'query');
    const header = req.get('Last-Event-ID');
    const lastEventId = header === undefined ? undefined : parse(LastEventIdHeader, header.trim(), 'headers');
    await deps.streams.serve(res, {
      account: caller.account,
      filter: filterOf(query),
      eventTypes: query.types ?? [],
      after: lastEventId ?? query.after ?? null,
    });
  });

  router.post('/v1/webhooks', async (req, res) => {
    const caller = requireCaller(res);
    const body = parse(WebhookBody, req.body, 'body');
    const url = checkReceiverUrl(body.url, deps.config.webhooks.allowPrivate);
    const position = body.after ?? endOfBlock((await deps.source.headBlock()) ?? 0);
    const { webhook, secret } = createWebhook(deps.db, {
      owner: caller.account,
      url,
      eventTypes: body.eventTypes,
      filter: filterOf(body),
      position,
    });
    // The answer holds the secret: an idempotent replay must not keep it.
    res.locals.idempotencyNotStored = true;
    res
      .status(201)
      .location(`/v1/webhooks/${webhook.id}`)
      .json({ ...view(webhook), secret });
    deps.dispatcher.wake();
  });

  router.get('/v1/webhooks', (_req, res) => {
    const caller = requireCaller(res);
    res.json({ items: listWebhooks(deps.db, caller.account).map(view) });
  });

  router.get('/v1/webhooks/:id', (req, res) => {
    const caller = requireCaller(res);
    const { id } = parse(WebhookParams, req.params, 'params');
    res.json(view(ownWebhook(deps.db, caller.account, id)));
  });

  router.delete('/v1/webhooks/:id', (req, res) => {
    const caller = requireCaller(res);
    const { id } = parse(WebhookParams, req.params, 'params');
    ownWebhook(deps.db, caller.account, id);
    deleteWebhook(deps.db, id);
    res.status(204).end();
  });

  router.post('/v1/webhooks/:id/replay', (req, res) => {
    const caller = requireCaller(res);
    const { id } = parse(WebhookParams, req.params, 'params');
    const { from } = parse(ReplayBody, req.body, 'body');
    ownWebhook(deps.db, caller.account, id);
    resetPosition(deps.db, id, positionBefore(from));
    res.json(view(ownWebhook(deps.db, caller.account, id)));
    deps.dispatcher.wake();
  });

  return router;
}
