/**
 * The policies API's read routes: `GET /v1/policies` (filters, cursor pagination), `GET /v1/policies/{id}` and
 * `GET /v1/policies/{id}/timeline`, all answered from the chain index. Who reads what is `read-access.ts`; a policy the
 * caller may not read is answered 404, as an unknown one, so that its existence is not revealed.
 */
import { Router } from 'express';
import type { Caller } from '../auth/caller.js';
import { requireCaller, requireRole } from '../auth/caller.js';
import type { ApiContext } from '../context.js';
import { AppError } from '../errors.js';
import { openApiRegistry, PARTY_SECURITY, problemResponses } from '../openapi.js';
import { maskKeepLast4 } from '../records/masking.js';
import { parse } from '../validation.js';
import type { IndexedFeed, IndexedPolicy } from '../../indexer/parametric-types.js';
import { PolicyReaders, type PolicyScope } from './read-access.js';
import {
  policyListQuerySchema,
  policyListSchema,
  policyParamsSchema,
  policyViewSchema,
  timelineSchema,
  type PolicyListQuery,
  type PolicyView,
} from './read-schemas.js';
import { TimelineCache } from './timeline-cache.js';

/** The roles that read policies; ADMIN and ORACLE parties have no need to. */
const READERS = ['CLIENT', 'INSURER', 'REINSURER', 'AUDITOR'] as const;

export function policyReadRouter(ctx: ApiContext): Router {
  const readers = new PolicyReaders(ctx);
  const timelines = new TimelineCache(ctx.index);
  const router = Router();

  router.get('/v1/policies', requireRole(...READERS), async (req, res) => {
    const caller = requireCaller(res);
    const query = parse(policyListQuerySchema, req.query, 'query');
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await listPolicies(ctx, readers, caller, query));
  });

  router.get('/v1/policies/:id', requireRole(...READERS), async (req, res) => {
    const caller = requireCaller(res);
    const { id } = parse(policyParamsSchema, req.params, 'params');
    const policy = await readablePolicy(ctx, readers, caller, id);
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await policyView(ctx, readers, caller, policy));
  });

  router.get('/v1/policies/:id/timeline', requireRole(...READERS), async (req, res) => {
    const caller = requireCaller(res);
    const { id } = parse(policyParamsSchema, req.params, 'params');
    const [kept, scope] = await Promise.all([timelines.policy(id), readers.scopeOf(caller)]);
    if (kept === null || !PolicyReaders.mayRead(scope, kept.policy)) throw policyNotFound(id);
    const json = await kept.timelineJson();
    res.setHeader('Cache-Control', 'private, no-store');
    res.type('json').send(json);
  });

  return router;
}

async function readablePolicy(
  ctx: ApiContext,
  readers: PolicyReaders,
  caller: Caller,
  id: string,
): Promise<IndexedPolicy> {
  const [policy, scope] = await Promise.all([ctx.index.policy(id), readers.scopeOf(caller)]);
  if (policy === null || !PolicyReaders.mayRead(scope, policy)) throw policyNotFound(id);
  return policy;
}

/** A policy the caller may not read is answered as an unknown one. */
function policyNotFound(id: string): AppError {
  return new AppError(404, 'POLICY_NOT_FOUND', `No policy ${id} visible to the caller`, { details: { policyId: id } });
}

async function listPolicies(
  ctx: ApiContext,
  readers: PolicyReaders,
  caller: Caller,
  query: PolicyListQuery,
): Promise<{ items: PolicyView[]; nextCursor: string | null }> {
  const scope: PolicyScope = await readers.scopeOf(caller);
  const visible = PolicyReaders.filterOf(scope);
  if (visible === null) return { items: [], nextCursor: null };
  if (visible.holder !== undefined && query.holder !== undefined && query.holder !== visible.holder) {
    return { items: [], nextCursor: null };
  }
  let page;
  try {
    page = await ctx.index.listPolicies(
      {
        ...(query.product === undefined ? {} : { kind: query.product }),
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.holder === undefined ? {} : { holder: query.holder }),
        ...(query.feedId === undefined ? {} : { feedId: query.feedId }),
        ...(query.documentHash === undefined ? {} : { documentHash: query.documentHash }),
        ...(query.issuedFrom === undefined ? {} : { issuedFrom: dayBound(query.issuedFrom, 'start') }),
        ...(query.issuedTo === undefined ? {} : { issuedTo: dayBound(query.issuedTo, 'end') }),
        ...visible,
      },
      { limit: query.limit, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) },
    );
  } catch (error) {
    if ((error as { code?: unknown }).code === 'INVALID_CURSOR') {
      throw new AppError(400, 'INVALID_CURSOR', (error as Error).message, { cause: error });
    }
    throw error;
  }
  const items = await Promise.all(page.items.map((policy) => policyView(ctx, readers, caller, policy)));
  return { items, nextCursor: page.nextCursor };
}

/** A bare date bound covers its whole day. */
function dayBound(bound: string, side: 'start' | 'end'): string {
  if (bound.length !== 10) return bound;
  return side === 'start' ? `${bound}T00:00:00.000Z` : `${bound}T23:59:59.999Z`;
}

async function policyView(
  ctx: ApiContext,
  readers: PolicyReaders,
  caller: Caller,
  policy: IndexedPolicy,
): Promise<PolicyView> {
  const [feeds, inClear] = await Promise.all([ctx.index.policyFeeds(policy.id), readers.seesHolder(caller, policy)]);
  const holder = inClear ? policy.holder : maskKeepLast4(policy.holder);
  const terms =
    policy.terms === null || inClear ? policy.terms : { ...policy.terms, policyholder: maskKeepLast4(policy.holder) };
  return {
    id: policy.id,
    product: policy.kind,
    productAddress: policy.product,
    policyId: policy.policyId,
    holder,
    holderMasked: !inClear,
    status: policy.status,
    premium: policy.premium,
    maxPayout: policy.maxPayout,
    cover: { start: policy.coverageStart, end: policy.coverageEnd },
    cancellationRefundBps: policy.cancellationRefundBps,
    feedId: policy.feedId,
    documentHash: policy.documentHash,
    termsHash: policy.termsHash,
    terms,
    insured: insuredOf(feeds),
    issuedAt: policy.issuedAt,
    issue: { blockNumber: policy.blockNumber, transactionHash: policy.transactionHash },
    payout: policy.payout,
    refund: policy.refund,
    credit: policy.credited,
    closedAt: policy.closedAt,
    replacedBy: policy.replacedBy,
    replaces: policy.replaces,
    ceded: policy.ceded,
    links: {
      self: `/v1/policies/${policy.id}`,
      timeline: `/v1/policies/${policy.id}/timeline`,
      document: policy.documentHash === null ? null : `/v1/documents/${policy.documentHash}`,
    },
  };
}

/** What the policy insures, from its feeds. */
function insuredOf(feeds: IndexedFeed[]): PolicyView['insured'] {
  const [first] = feeds;
  if (first === undefined) return null;
  if (first.kind === 'flight') {
    return {
      kind: 'flight',
      carrier: first.carrier ?? '',
      flightNumber: first.flightNumber ?? '',
      departureDate: first.departureDate ?? 0,
      scheduledArrival: first.scheduledArrival ?? '',
    };
  }
  return {
    kind: 'weather',
    latitudeE4: first.latitudeE4 ?? 0,
    longitudeE4: first.longitudeE4 ?? 0,
    stationId: first.stationId ?? '',
    metric: first.metric ?? '',
    firstDate: first.date ?? 0,
    lastDate: feeds.at(-1)?.date ?? 0,
  };
}

const json = (schema: Parameters<typeof openApiRegistry.register>[1], description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const tags = ['Policies'];

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/policies',
  tags,
  summary: 'List the policies the caller may read',
  description:
    'The client sees its own policies, the pool’s insurer its book, the treaty’s reinsurer the ceded policies, an ' +
    'auditor all of them with holders masked. ADMIN and ORACLE parties are refused (403 ROLE_REQUIRED). ' +
    '400 INVALID_CURSOR for a cursor this API did not issue.',
  security: PARTY_SECURITY,
  request: { query: policyListQuerySchema },
  responses: { 200: json(policyListSchema, 'A page of policies, oldest first'), ...problemResponses(400, 401, 403) },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/policies/{id}',
  tags,
  summary: 'One policy',
  description: '404 POLICY_NOT_FOUND for a policy the caller may not read, as for an unknown one.',
  security: PARTY_SECURITY,
  request: { params: policyParamsSchema },
  responses: { 200: json(policyViewSchema, 'The policy'), ...problemResponses(400, 401, 403, 404) },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/policies/{id}/timeline',
  tags,
  summary: "A policy's claim timeline, with the chain evidence of each step",
  description:
    'issued → cover-active → data-awaited → oracle-reports (k of n) → outcome-final → paid (→ credited) → ceded, ' +
    'or expired / refunded / cancelled / voided / endorsed with the reason. From the index: `asOf` is the time of ' +
    'its last block.',
  security: PARTY_SECURITY,
  request: { params: policyParamsSchema },
  responses: { 200: json(timelineSchema, 'The timeline'), ...problemResponses(400, 401, 403, 404) },
});
