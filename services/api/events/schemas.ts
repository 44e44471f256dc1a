/** The events module's request and answer schemas, and its paths in the OpenAPI document. */
import { openApiRegistry, PARTY_SECURITY, problemResponses, z } from '../openapi.js';
import { EVENT_ID_PATTERN } from './source.js';

const EventId = z
  .string()
  .regex(EVENT_ID_PATTERN, 'an event id <blockNumber>-<logIndex>')
  .openapi({ example: '1234-0' });
const Hash = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'a 0x-prefixed 32-byte hex hash')
  .transform((value) => value.toLowerCase());
const EventType = z.string().regex(/^[A-Z][A-Za-z0-9]{0,63}$/, 'an event name such as DocumentAnchored');

/** What a stream or a subscription is about. */
const Filter = {
  policyId: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/, 'a policy id as the API names it (e.g. flight-3)')
    .optional()
    .openapi({ example: 'flight-3' }),
  feedId: Hash.optional(),
  documentHash: Hash.optional(),
};

export const StreamQuery = z.object({
  ...Filter,
  /** Comma-separated event names. */
  types: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((type) => type.trim())
        .filter((type) => type !== ''),
    )
    .pipe(z.array(EventType).max(50))
    .optional()
    .openapi({
      description: 'Comma-separated event types (all when absent)',
      example: 'DocumentAnchored,DocumentRevoked',
    }),
  after: EventId.optional().openapi({ description: 'Start after this event id (Last-Event-ID takes precedence)' }),
});

export const LastEventIdHeader = EventId;

export const WebhookBody = z.strictObject({
  url: z.string().min(1).max(2048).openapi({ example: 'https://receiver.example/policyledger' }),
  eventTypes: z.array(EventType).max(50).default([]).openapi({ description: 'Event types delivered; empty: all' }),
  ...Filter,
  after: EventId.optional().openapi({ description: 'Deliver events after this id (default: only new events)' }),
});

export const WebhookParams = z.object({ id: z.uuid('a webhook id') });
export const ReplayBody = z.strictObject({
  from: EventId.openapi({ description: 'Redeliver from this event id on (inclusive)' }),
});

const EventPayloadSchema = openApiRegistry.register(
  'ChainEventPayload',
  z.object({
    id: z.string().openapi({ description: '<blockNumber>-<logIndex>: stable, deduplicate on it' }),
    type: z.string(),
    contract: z.string(),
    blockNumber: z.number().int(),
    blockTime: z.string(),
    transactionHash: z.string(),
    logIndex: z.number().int(),
    about: z.object({
      policyId: z.string().nullable(),
      feedId: z.string().nullable(),
      documentHash: z.string().nullable(),
    }),
    data: z.record(z.string(), z.unknown()),
  }),
);

export const WebhookSchema = openApiRegistry.register(
  'Webhook',
  z.object({
    id: z.string(),
    url: z.string(),
    eventTypes: z.array(z.string()),
    filter: z.object({
      policyId: z.string().optional(),
      feedId: z.string().optional(),
      documentHash: z.string().optional(),
    }),
    position: z.string().openapi({ description: 'Id of the last event acknowledged with a 2xx (or passed over)' }),
    createdAt: z.string(),
    delivery: z.object({
      pendingEventId: z.string().nullable(),
      attempts: z.number().int(),
      nextAttemptAt: z.string().nullable(),
      lastAttemptAt: z.string().nullable(),
      lastStatus: z.number().int().nullable(),
      lastError: z.string().nullable(),
      delivered: z.number().int(),
    }),
  }),
);

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/events',
  tags: ['Events'],
  summary: 'Chain events the caller may see, as Server-Sent Events (resumable with Last-Event-ID)',
  security: PARTY_SECURITY,
  request: { query: StreamQuery, headers: z.object({ 'last-event-id': EventId.optional() }) },
  responses: {
    200: {
      description:
        'An event stream: `id`, `event` (the type) and `data` (ChainEventPayload JSON); comments as heartbeats',
      content: { 'text/event-stream': { schema: EventPayloadSchema } },
    },
    ...problemResponses(400, 401, 403),
  },
});
openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/webhooks',
  tags: ['Events'],
  summary: 'Registers a webhook; the answer carries its signing secret, shown this once',
  security: PARTY_SECURITY,
  request: { body: json(WebhookBody) },
  responses: {
    201: { description: 'Registered', ...json(WebhookSchema.extend({ secret: z.string() })) },
    ...problemResponses(400, 401, 403),
  },
});
openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/webhooks',
  tags: ['Events'],
  summary: "The caller's webhooks and their delivery status",
  security: PARTY_SECURITY,
  responses: {
    200: { description: 'Webhooks', ...json(z.object({ items: z.array(WebhookSchema) })) },
    ...problemResponses(401, 403),
  },
});
openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/webhooks/{id}',
  tags: ['Events'],
  summary: 'A webhook: position, last attempt, last error',
  security: PARTY_SECURITY,
  request: { params: WebhookParams },
  responses: { 200: { description: 'The webhook', ...json(WebhookSchema) }, ...problemResponses(400, 401, 403, 404) },
});
openApiRegistry.registerPath({
  method: 'delete',
  path: '/v1/webhooks/{id}',
  tags: ['Events'],
  summary: 'Deletes a webhook: nothing more is delivered',
  security: PARTY_SECURITY,
  request: { params: WebhookParams },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404) },
});
openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/webhooks/{id}/replay',
  tags: ['Events'],
  summary: 'Redelivers from an event id on (the position moves back to just before it)',
  security: PARTY_SECURITY,
  request: { params: WebhookParams, body: json(ReplayBody) },
  responses: {
    200: { description: 'The webhook, repositioned', ...json(WebhookSchema) },
    ...problemResponses(400, 401, 403, 404),
  },
});
