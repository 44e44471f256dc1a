/**
 * The read side of the policies API (`GET /v1/policies`, `/v1/policies/{id}`, `/v1/policies/{id}/timeline`): request
 * and response schemas (zod), which validate at the edge and feed the OpenAPI document. A policy is named
 * `<kind>-<policyId>` (`flight-3`, `weather-4`): unique in the deployment (the pool numbers policies across its
 * products), and it says which terms apply.
 */
import { z } from 'zod';
import { POLICY_STATUSES, PRODUCT_KINDS } from '../../indexer/parametric-types.js';
import { POLICY_ID_PATTERN } from '../../ledger/policy-ids.js';
import { addressSchema, hashSchema } from '../documents/schemas.js';

export const policyIdSchema = z
  .string()
  .regex(POLICY_ID_PATTERN, 'a policy id is flight-<n> or weather-<n>')
  .meta({ description: 'The policy: `<product kind>-<pool policy id>`', example: 'flight-3' });

export const policyParamsSchema = z.object({ id: policyIdSchema }).strict();

export const policyListQuerySchema = z
  .object({
    product: z.enum(PRODUCT_KINDS).optional(),
    status: z.enum(POLICY_STATUSES).optional(),
    holder: addressSchema.optional(),
    feedId: hashSchema.optional().meta({ description: 'Policies settling on this oracle feed' }),
    documentHash: hashSchema.optional(),
    issuedFrom: z.iso.datetime().or(z.iso.date()).optional(),
    issuedTo: z.iso.datetime().or(z.iso.date()).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();
export type PolicyListQuery = z.output<typeof policyListQuerySchema>;

const amount = z.string().meta({ description: 'Stablecoin amount in base units (decimal)', example: '20000000' });
const time = z.string().meta({ description: 'ISO-8601 UTC', example: '2026-11-30T08:00:00.000Z' });

/** What a policy insures, from its feed: a flight, or a location and metric over a window of days. */
export const insuredSubjectSchema = z.union([
  z.object({
    kind: z.literal('flight'),
    carrier: z.string(),
    flightNumber: z.string(),
    departureDate: z.number().int().meta({ description: 'yyyymmdd (UTC), as the feed names the flight' }),
    scheduledArrival: time,
  }),
  z.object({
    kind: z.literal('weather'),
    latitudeE4: z.number().int(),
    longitudeE4: z.number().int(),
    stationId: z.string(),
    metric: z.string(),
    firstDate: z.number().int(),
    lastDate: z.number().int(),
  }),
]);

export const policyViewSchema = z
  .object({
    id: policyIdSchema,
    product: z.enum(PRODUCT_KINDS),
    productAddress: z.string(),
    policyId: z.string().meta({ description: "The pool's policy id (decimal)" }),
    holder: z.string().meta({ description: 'Checksummed address; masked for parties without a need to know it' }),
    holderMasked: z.boolean(),
    status: z.enum(POLICY_STATUSES),
    premium: amount,
    maxPayout: amount,
    cover: z.object({ start: time.nullable(), end: time.nullable() }),
    cancellationRefundBps: z.number().int().nullable(),
    feedId: z.string().nullable(),
    documentHash: z.string().nullable(),
    termsHash: z.string().nullable(),
    terms: z.record(z.string(), z.unknown()).nullable(),
    insured: insuredSubjectSchema.nullable(),
    issuedAt: time,
    issue: z.object({ blockNumber: z.number().int(), transactionHash: z.string() }),
    payout: amount.nullable(),
    refund: amount.nullable(),
    credit: amount
      .nullable()
      .meta({ description: 'A payout or refund the stablecoin refused, claimable from the pool' }),
    closedAt: time.nullable(),
    replacedBy: policyIdSchema.nullable(),
    replaces: policyIdSchema.nullable(),
    ceded: z.boolean(),
    links: z.object({ self: z.string(), timeline: z.string(), document: z.string().nullable() }),
  })
  .meta({ id: 'Policy' });
export type PolicyView = z.output<typeof policyViewSchema>;

export const policyListSchema = z
  .object({ items: z.array(policyViewSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'PolicyList' });

export const TIMELINE_STEPS = [
  'issued',
  'cover-active',
  'data-awaited',
  'oracle-reports',
  'outcome-final',
  'paid',
  'credited',
  'ceded',
  'expired',
  'refunded',
  'cancelled',
  'voided',
  'endorsed',
  'parked',
  'settlement',
] as const;

export const timelineStepSchema = z
  .object({
    step: z.enum(TIMELINE_STEPS),
    state: z.enum(['done', 'current', 'pending', 'skipped']).meta({
      description: 'done: happened at `at`; current: under way; pending: expected later; skipped: will not happen',
    }),
    at: time.nullable(),
    transactionHash: z.string().nullable(),
    reason: z.string().optional().meta({ description: 'Why a policy ended without a payout, in words' }),
    evidence: z.record(z.string(), z.unknown()).meta({ description: 'The chain facts of the step (see the README)' }),
  })
  .meta({ id: 'TimelineStep' });
export type TimelineStep = z.output<typeof timelineStepSchema>;

export const timelineSchema = z
  .object({
    policy: policyIdSchema,
    status: z.enum(POLICY_STATUSES),
    asOf: time.nullable().meta({ description: "The time of the index's last block: what the timeline knows" }),
    steps: z.array(timelineStepSchema),
  })
  .meta({ id: 'PolicyTimeline' });
export type Timeline = z.output<typeof timelineSchema>;
