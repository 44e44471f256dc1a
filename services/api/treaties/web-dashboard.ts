/**
 * What the reinsurer's dashboard reads beyond the signed statement: the treaties a caller may see, a treaty's history
 * (exposure, ceded premium and losses over time; see `web-history.ts`), and the independent re-derivation of a
 * statement from the chain — the check `npm run audit:treaty` makes, run here against this API's chain node so that a
 * page can show its verdict.
 *
 * Visibility is the statement's: a treaty's insurer and reinsurer, ADMINs and AUDITORs see it; to anyone else it does
 * not exist (the listing leaves it out, the other routes answer 404 TREATY_NOT_FOUND).
 */
import { Router } from 'express';
import { auditTreaty } from '../../../scripts/audit-treaty.js';
import { readTreaty, type TreatyRecord } from '../../ledger/treaty.js';
import { hasRole, requireCaller } from '../auth/caller.js';
import type { ApiContext } from '../context.js';
import { AppError } from '../errors.js';
import { openApiRegistry, PARTY_SECURITY, problemResponses, z } from '../openapi.js';
import { parse } from '../validation.js';
import { visibleTreaty } from './routes.js';
import {
  amount,
  SignedStatementSchema,
  TreatyParamsSchema,
  TreatyTermsSchema,
  VerifyStatementRequestSchema,
} from './schemas.js';
import { buildTreatyStatement } from './statement.js';
import { treatyHistory } from './web-history.js';

export type TreatyDashboardContext = Pick<ApiContext, 'ledger' | 'signers' | 'index' | 'config'>;

const TreatySummarySchema = z
  .object({
    address: z.string(),
    pool: z.string(),
    insurer: z.string(),
    reinsurer: z.string(),
    active: z.boolean(),
    terms: TreatyTermsSchema,
  })
  .openapi('TreatySummary');

const TreatyHistorySchema = z
  .object({
    treaty: z.string(),
    points: z.array(
      z.object({
        time: z.string().openapi({ description: 'ISO-8601 UTC; the figures after every change at that instant' }),
        openLimits: amount.openapi({ description: 'Σ maxPayout of the ceded policies not yet closed' }),
        quotaShareExposure: amount.openapi({ description: 'The treaty’s quota share of the open limits' }),
        premiumCeded: amount.openapi({ description: 'Cumulative ceded premium' }),
        grossLosses: amount.openapi({ description: 'Cumulative gross losses of ceded policies (paid by the pool)' }),
        lossesCeded: amount.openapi({ description: 'Cumulative losses ceded (quota share + excess of loss)' }),
      }),
    ),
    exposureByKey: z.array(
      z.object({
        accumulationKey: z.string(),
        policies: z.number().int(),
        openLimits: amount,
        quotaShareExposure: amount,
      }),
    ),
  })
  .openapi('TreatyHistory');

const TreatyAuditSchema = z
  .object({
    verdict: z.enum(['matches', 'differs']),
    treaty: z.string(),
    chainId: z.string(),
    linesRederived: z.number().int(),
    totalsRederived: z.record(z.string(), z.union([z.string(), z.number()])),
    signature: z
      .object({ valid: z.boolean(), signer: z.string().nullable(), problems: z.array(z.string()) })
      .nullable(),
    differences: z.array(
      z.object({
        kind: z.string().openapi({ description: '`line-missing`, `total-differs`, `signature`, …' }),
        where: z.string().openapi({ description: 'The line, event or total', example: 'total grossLosses' }),
        message: z.string(),
      }),
    ),
  })
  .openapi('TreatyAudit');

function summary(treaty: TreatyRecord): z.infer<typeof TreatySummarySchema> {
  const { terms } = treaty;
  return {
    address: treaty.address,
    pool: treaty.pool,
    insurer: treaty.insurer,
    reinsurer: treaty.reinsurer,
    active: treaty.active,
    terms: {
      quotaShareBps: terms.quotaShareBps,
      cedingCommissionBps: terms.cedingCommissionBps,
      excessOfLossAttachment: terms.excessOfLossAttachment.toString(),
      excessOfLossLimit: terms.excessOfLossLimit.toString(),
      excessOfLossAggregateLimit: terms.excessOfLossAggregateLimit.toString(),
    },
  };
}

/** The treaties the deployment names and any a pool was later wired to (`TreatySet`), each once. */
async function knownTreaties(ctx: TreatyDashboardContext): Promise<string[]> {
  const addresses = new Set<string>();
  if (ctx.ledger.deployment.reinsuranceTreaty !== undefined) addresses.add(ctx.ledger.deployment.reinsuranceTreaty);
  for (const event of await ctx.index.eventsNamed(['TreatySet'])) {
    if (event.name === 'TreatySet') addresses.add(event.args.treaty);
  }
  return [...addresses];
}

export function treatyDashboardRouter(ctx: TreatyDashboardContext): Router {
  const router = Router();

  router.get('/v1/treaties', async (_req, res) => {
    const caller = requireCaller(res);
    const treaties = await Promise.all((await knownTreaties(ctx)).map((address) => readTreaty(ctx.ledger, address)));
    const items = treaties.filter(
      (treaty): treaty is TreatyRecord =>
        treaty !== null &&
        (caller.account === treaty.insurer ||
          caller.account === treaty.reinsurer ||
          hasRole(caller, 'ADMIN', 'AUDITOR')),
    );
    res.setHeader('Cache-Control', 'private, no-store');
    res.json({ items: items.map(summary) });
  });

  router.get('/v1/treaties/:address/history', async (req, res) => {
    const caller = requireCaller(res);
    const { address } = parse(TreatyParamsSchema, req.params, 'params');
    const treaty = await visibleTreaty(ctx, caller, address);
    const [statement, policies] = await Promise.all([
      buildTreatyStatement(ctx.ledger, treaty, {}),
      // The index follows the deployment's pool: a treaty of another pool has no policies here.
      treaty.pool === ctx.ledger.deployment.riskPool ? ctx.index.allPolicies() : Promise.resolve([]),
    ]);
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(
      treatyHistory(
        treaty,
        statement,
        policies.filter((policy) => policy.ceded),
      ),
    );
  });

  router.post('/v1/treaties/:address/audit', async (req, res) => {
    const caller = requireCaller(res);
    const { address } = parse(TreatyParamsSchema, req.params, 'params');
    const body = parse(VerifyStatementRequestSchema, req.body, 'body');
    await visibleTreaty(ctx, caller, address);
    if (body.statement.treaty.toLowerCase() !== address.toLowerCase()) {
      throw new AppError(400, 'STATEMENT_OF_ANOTHER_TREATY', `The statement is of ${body.statement.treaty}`, {
        details: { treaty: address, statementTreaty: body.statement.treaty },
      });
    }
    // The statement goes to the audit as sent: its hash and its figures are checked as the caller holds them.
    const report = await auditTreaty({ treaty: address, rpcUrl: ctx.config.rpcUrl, statement: req.body as unknown });
    res.json({
      verdict: report.differences.length === 0 ? 'matches' : 'differs',
      treaty: report.treaty,
      chainId: report.chainId,
      linesRederived: report.derived.lines.length,
      totalsRederived: report.derived.totals,
      signature:
        report.signature === null
          ? null
          : {
              valid: report.signature.valid,
              signer: report.signature.recoveredSigner,
              problems: report.signature.problems,
            },
      differences: report.differences,
    });
  });

  return router;
}

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/treaties',
  summary: 'The treaties the caller may see',
  description:
    'The deployment’s treaty and any a pool was wired to, with parties and terms: to its insurer and reinsurer, ' +
    'and to ADMINs and AUDITORs. Other parties get an empty list.',
  tags: ['Treaties'],
  security: PARTY_SECURITY,
  responses: {
    200: {
      description: 'The treaties',
      content: { 'application/json': { schema: z.object({ items: z.array(TreatySummarySchema) }) } },
    },
    ...problemResponses(401),
  },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/treaties/{address}/history',
  summary: 'A treaty’s exposure, ceded premium and losses over time',
  description:
    'Cumulative figures after each change (a ceded policy issued or closed, premium ceded, a loss ceded), and the ' +
    'open exposure by accumulation key now. Money from the chain’s logs, exposure from the chain index. Who sees ' +
    'it: as the statement.',
  tags: ['Treaties'],
  security: PARTY_SECURITY,
  request: { params: TreatyParamsSchema },
  responses: {
    200: { description: 'The history', content: { 'application/json': { schema: TreatyHistorySchema } } },
    ...problemResponses(400, 401, 404),
  },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/treaties/{address}/audit',
  summary: 'Re-derive a treaty statement from the chain and compare',
  description:
    'Runs the independent re-derivation of `npm run audit:treaty` (its own log reads and sums, the cession formulas ' +
    'and the signature check) against this API’s chain node and the statement sent, and answers the verdict with ' +
    'every difference. Who may ask: as the statement.',
  tags: ['Treaties'],
  security: PARTY_SECURITY,
  request: {
    params: TreatyParamsSchema,
    body: { required: true, content: { 'application/json': { schema: SignedStatementSchema } } },
  },
  responses: {
    200: { description: 'The verdict', content: { 'application/json': { schema: TreatyAuditSchema } } },
    ...problemResponses(400, 401, 404),
  },
});
