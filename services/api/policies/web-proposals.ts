/**
 * `GET /v1/policy-proposals`: the proposals a party is party to — as the policyholder, those it is asked to consent
 * to; as the insurer, those it made — so that a client's page finds what awaits its signature without knowing the
 * wording's hash beforehand. Each is the same view as `GET /v1/policy-proposals/{documentHash}`, which a client then
 * reads for the typed data to sign (fresh nonces and deadline): the list does not hand out signing material.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { DatabaseSync } from 'node:sqlite';
import { requireCaller } from '../auth/caller.js';
import type { ApiContext } from '../context.js';
import { openApiRegistry, PARTY_SECURITY, problemResponses } from '../openapi.js';
import { parse } from '../validation.js';
import { proposalSchema } from './sales-schemas.js';
import { initProposalsSchema, readProposal } from './sales-store.js';
import { proposalView, type ProposalView } from './sales.js';

/** Most proposals one answer lists: a party's open proposals are few; older ones are read by hash. */
const LIMIT = 100;

export const proposalListQuerySchema = z
  .object({
    status: z
      .enum(['awaiting-consent', 'issued'])
      .optional()
      .meta({ description: 'Only proposals in this state (all when absent)' }),
  })
  .strict();

export const proposalListSchema = z
  .object({ items: z.array(proposalSchema) })
  .meta({ id: 'PolicyProposalList', description: `The caller's proposals, newest first (at most ${LIMIT})` });

/** The proposals `account` holds or made, newest first. */
function proposalsOf(db: DatabaseSync, account: string, status: string | undefined): ProposalView[] {
  const rows = db
    .prepare(
      `SELECT document_hash FROM sales_proposals
       WHERE (holder = ? OR insurer = ?) AND (? IS NULL OR status = ?)
       ORDER BY created_at DESC, document_hash LIMIT ?`,
    )
    .all(account, account, status ?? null, status ?? null, LIMIT) as { document_hash: string }[];
  return rows.map((row) => proposalView(readProposal(db, row.document_hash)));
}

export function proposalListRouter(ctx: ApiContext): Router {
  initProposalsSchema(ctx.db);
  const router = Router();
  router.get('/v1/policy-proposals', (req, res) => {
    const caller = requireCaller(res);
    const { status } = parse(proposalListQuerySchema, req.query, 'query');
    res.setHeader('Cache-Control', 'private, no-store');
    res.json({ items: proposalsOf(ctx.db, caller.account, status) });
  });
  return router;
}

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/policy-proposals',
  tags: ['Policies'],
  summary: 'List the proposals the caller is party to',
  description:
    'As the policyholder, the proposals awaiting (or given) its consent; as the insurer, those it made. Any active ' +
    'party; others’ proposals are never listed. Read one by its documentHash for the typed data to sign.',
  security: PARTY_SECURITY,
  request: { query: proposalListQuerySchema },
  responses: {
    200: { description: 'The proposals', content: { 'application/json': { schema: proposalListSchema } } },
    ...problemResponses(400, 401, 403),
  },
});
