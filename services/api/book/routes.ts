/**
 * `GET /v1/book`: the insurer's book of its pool (see `book.ts`). An INSURER reads its own pool; an ADMIN or an
 * AUDITOR any pool the index follows, named with `?pool=` (the deployment's pool when absent).
 */
import { Router } from 'express';
import { z } from 'zod';
import { hasRole, requireCaller, requireRole } from '../auth/caller.js';
import type { ApiContext } from '../context.js';
import { addressSchema } from '../documents/schemas.js';
import { AppError } from '../errors.js';
import { openApiRegistry, PARTY_SECURITY, problemResponses } from '../openapi.js';
import { parse } from '../validation.js';
import { readPoolOwnership, readPoolPosition } from '../../ledger/policy-views.js';
import { buildBook } from './book.js';

const bookQuerySchema = z
  .object({ pool: addressSchema.optional().meta({ description: 'The risk pool (default: the deployment’s)' }) })
  .strict();

const amount = z.string().meta({ description: 'Stablecoin amount in base units (decimal)' });
const exposureSchema = z.looseObject({
  accumulationKey: z.string(),
  locked: amount,
  premiums: amount,
  policies: z.number().int(),
  cap: amount,
  headroomUnderCap: amount,
  utilisationBps: z.number().int().nullable(),
});

const bookSchema = z
  .object({
    pool: z.string(),
    insurer: z.string(),
    asOf: z.string().nullable(),
    capital: z.object({ assets: amount, deposited: amount, withdrawn: amount }),
    exposure: z.object({
      locked: amount,
      lockedByIndex: amount,
      openPolicies: z.number().int(),
      byFlight: z.array(exposureSchema),
      byLocation: z.array(exposureSchema),
    }),
    premiums: z.object({
      written: amount,
      reserved: amount,
      reservedByIndex: amount,
      refunded: amount,
      ceded: amount,
      cedingCommission: amount,
    }),
    losses: z.object({
      paid: amount,
      paidPolicies: z.number().int(),
      credited: amount,
      creditsClaimed: amount,
      creditsOutstanding: amount,
    }),
    recoveries: z.object({ quotaShare: amount, excessOfLoss: amount, total: amount }),
    solvency: z.object({ assets: amount, reinsuranceCapacity: amount, liabilities: amount, headroom: amount }),
    accumulation: z.object({ cap: amount, largest: z.string().nullable() }),
  })
  .meta({ id: 'InsurerBook' });

export function bookRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/v1/book', requireRole('INSURER', 'ADMIN', 'AUDITOR'), async (req, res) => {
    const caller = requireCaller(res);
    const { pool: asked } = parse(bookQuerySchema, req.query, 'query');
    const pool = ctx.ledger.deployment.riskPool;
    if (pool === undefined || (asked !== undefined && asked !== pool)) {
      throw new AppError(404, 'POOL_NOT_FOUND', `The index follows no pool ${asked ?? ''}`.trim(), {
        details: { pool: asked ?? null },
      });
    }
    const { provider } = ctx.ledger;
    const [{ insurer }, position, asOf] = await Promise.all([
      readPoolOwnership(provider, pool),
      readPoolPosition(provider, pool),
      ctx.index.headTime(),
    ]);
    if (insurer !== caller.account && !hasRole(caller, 'ADMIN', 'AUDITOR')) {
      throw new AppError(403, 'NOT_POOL_INSURER', `${caller.account} is not the insurer of pool ${pool}`, {
        details: { pool },
      });
    }
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await buildBook(ctx.index, { pool, insurer, position, asOf }));
  });
  return router;
}

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/book',
  tags: ['Policies'],
  summary: "An insurer's book: capital, exposure by flight and location, premiums, losses, recoveries, solvency",
  description:
    'INSURER: its own pool (403 NOT_POOL_INSURER otherwise); ADMIN and AUDITOR: any pool the index follows ' +
    '(`?pool=`). 404 POOL_NOT_FOUND for a pool the index does not follow.',
  security: PARTY_SECURITY,
  request: { query: bookQuerySchema },
  responses: {
    200: { description: 'The book', content: { 'application/json': { schema: bookSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});
