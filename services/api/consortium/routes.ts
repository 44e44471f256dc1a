/**
 * Running the consortium through the API: dual-control proposals (ADMIN; AUDITOR reads), the oracle hub's feeds and
 * their disputes, manual resolutions and expiries, oracle rotation, and the insurer's and reinsurer's consents to
 * wiring contracts into a risk pool. Express stays here; the use cases are in proposals.ts and operations.ts.
 */
import { Router } from 'express';
import { requireCaller, requireRole } from '../auth/caller.js';
import type { ApiContext } from '../context.js';
import { openApiRegistry, PARTY_SECURITY, problemResponses, z } from '../openapi.js';
import { parse } from '../validation.js';
import { deployedAddressOf, encodeCall } from '../../ledger/consortium-calls.js';
import { AppError } from '../errors.js';
import { asConsortiumProblem } from './decode.js';
import {
  expireFeed,
  giveWiringConsent,
  listFeedViews,
  proposeFeedDispute,
  proposeFeedResolution,
  proposeOracleRotation,
  readConsents,
  readFeedView,
} from './operations.js';
import { actOnProposal, listProposalViews, propose, readProposalView, type ProposalActionResult } from './proposals.js';
import {
  ActionSchema,
  consentQuerySchema,
  consentRequestSchema,
  feedListQuerySchema,
  feedParamsSchema,
  FeedSchema,
  poolParamsSchema,
  ProposalActionSchema,
  proposalListQuerySchema,
  proposalParamsSchema,
  proposalRequestSchema,
  ProposalSchema,
  resolutionRequestSchema,
  rotationRequestSchema,
  WiringConsentsSchema,
  type ProposalRequest,
} from './schemas.js';

export function consortiumRouter(ctx: ApiContext): Router {
  const router = Router();
  const admins = requireRole('ADMIN');

  router.get('/v1/proposals', requireRole('ADMIN', 'AUDITOR'), async (req, res) => {
    const query = parse(proposalListQuerySchema, req.query, 'query');
    res.json(await listProposalViews(ctx, query));
  });

  router.get('/v1/proposals/:id', requireRole('ADMIN', 'AUDITOR'), async (req, res) => {
    const { id } = parse(proposalParamsSchema, req.params, 'params');
    res.json(await readProposalView(ctx, id));
  });

  router.post('/v1/proposals', admins, async (req, res) => {
    const caller = requireCaller(res);
    const request = parse(proposalRequestSchema, req.body, 'body');
    answerProposal(res, await propose(ctx, caller, callOf(ctx, request)));
  });

  const actions = [
    ['approval', 'approve'],
    ['execution', 'execute'],
    ['cancellation', 'cancel'],
  ] as const;
  for (const [resource, kind] of actions) {
    router.post(`/v1/proposals/:id/${resource}`, admins, async (req, res) => {
      const caller = requireCaller(res);
      const { id } = parse(proposalParamsSchema, req.params, 'params');
      res.json(await actOnProposal(ctx, caller, id, kind));
    });
  }

  router.get('/v1/feeds', requireRole('ADMIN', 'ORACLE', 'AUDITOR'), async (req, res) => {
    const { state } = parse(feedListQuerySchema, req.query, 'query');
    res.json({ items: await listFeedViews(ctx, state) });
  });

  router.get('/v1/feeds/:feedId', requireRole('ADMIN', 'ORACLE', 'AUDITOR'), async (req, res) => {
    const { feedId } = parse(feedParamsSchema, req.params, 'params');
    res.json(await readFeedView(ctx, feedId));
  });

  router.post('/v1/feeds/:feedId/dispute', admins, async (req, res) => {
    const caller = requireCaller(res);
    const { feedId } = parse(feedParamsSchema, req.params, 'params');
    answerProposal(res, await proposeFeedDispute(ctx, caller, feedId));
  });

  router.post('/v1/feeds/:feedId/resolution', admins, async (req, res) => {
    const caller = requireCaller(res);
    const { feedId } = parse(feedParamsSchema, req.params, 'params');
    const outcome = parse(resolutionRequestSchema, req.body, 'body');
    answerProposal(res, await proposeFeedResolution(ctx, caller, feedId, outcome));
  });

  router.post('/v1/feeds/:feedId/expiry', requireRole('ADMIN', 'ORACLE'), async (req, res) => {
    const caller = requireCaller(res);
    const { feedId } = parse(feedParamsSchema, req.params, 'params');
    res.json(await expireFeed(ctx, caller, feedId));
  });

  router.post('/v1/oracles/rotation', admins, async (req, res) => {
    const caller = requireCaller(res);
    const change = parse(rotationRequestSchema, req.body, 'body');
    const proposals = await proposeOracleRotation(ctx, caller, change);
    res.status(proposals.every((p) => p.mode === 'sent') ? 201 : 200).json({ proposals });
  });

  router.get(
    '/v1/pools/:address/wiring-consents',
    requireRole('ADMIN', 'INSURER', 'REINSURER', 'AUDITOR'),
    async (req, res) => {
      const { address } = parse(poolParamsSchema, req.params, 'params');
      const { target } = parse(consentQuerySchema, req.query, 'query');
      res.json(await readConsents(ctx, address, target));
    },
  );

  router.post('/v1/pools/:address/wiring-consents', requireRole('INSURER', 'REINSURER'), async (req, res) => {
    const caller = requireCaller(res);
    const { address } = parse(poolParamsSchema, req.params, 'params');
    const change = parse(consentRequestSchema, req.body, 'body');
    res.json(await giveWiringConsent(ctx, caller, address, change));
  });

  return router;
}

/** The call a proposal request names: raw, or a named action encoded against the contract's ABI. */
function callOf(ctx: ApiContext, request: ProposalRequest): { target: string; data: string } {
  if (!('contract' in request)) return request;
  const target = request.target ?? deployedAddressOf(ctx.ledger.deployment, request.contract);
  if (target === null) {
    throw new AppError(
      422,
      'TARGET_REQUIRED',
      `This deployment has no ${request.contract} of its own: give its target`,
      {
        details: { contract: request.contract },
      },
    );
  }
  try {
    return { target, data: encodeCall(request.contract, request.function, request.args) };
  } catch (error) {
    throw asConsortiumProblem(error);
  }
}

/** 201 with the new proposal's location when the API sent it; 200 with the transaction for the caller's wallet. */
function answerProposal(res: import('express').Response, result: ProposalActionResult): void {
  if (result.mode === 'sent' && result.proposal !== null) {
    res.status(201).location(result.proposal.href).json(result);
    return;
  }
  res.json(result);
}

// ---------------------------------------------------------------------------------------------------------------
// OpenAPI
// ---------------------------------------------------------------------------------------------------------------

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const tags = ['Consortium'];
const sentOrUnsigned =
  'Sent with the caller’s key when this API holds it (answered once mined), else the unsigned transaction for the ' +
  'caller’s wallet, checked against the chain first. Chain refusals are problems named after the contract error ' +
  '(e.g. CONSORTIUM_ACCESS_ALREADY_APPROVED).';

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/proposals',
  tags,
  summary: 'Dual-control proposals, newest first, with their calls decoded (ADMIN, AUDITOR)',
  security: PARTY_SECURITY,
  request: { query: proposalListQuerySchema },
  responses: {
    200: {
      description: 'A page of proposals',
      ...json(z.object({ items: z.array(ProposalSchema), nextCursor: z.string().nullable() })),
    },
    ...problemResponses(400, 401, 403),
  },
});
openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/proposals/{id}',
  tags,
  summary: 'One proposal, its decoded call, approvals, history and whether it would execute now (ADMIN, AUDITOR)',
  security: PARTY_SECURITY,
  request: { params: proposalParamsSchema },
  responses: { 200: { description: 'The proposal', ...json(ProposalSchema) }, ...problemResponses(400, 401, 403, 404) },
});
openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/proposals',
  tags,
  summary: 'Proposes a call under dual control, raw or as a named action (ADMIN; counts as its first approval)',
  description: sentOrUnsigned,
  security: PARTY_SECURITY,
  request: { body: json(proposalRequestSchema) },
  responses: {
    201: { description: 'Proposed (sent): the new proposal', ...json(ProposalActionSchema) },
    200: { description: 'The unsigned transaction for the caller’s wallet', ...json(ProposalActionSchema) },
    ...problemResponses(400, 401, 403, 409, 422),
  },
});
for (const [resource, what] of [
  ['approval', 'Approves a proposal (another ADMIN than its proposer and earlier approvers)'],
  ['execution', 'Executes a proposal that has its approvals (any ADMIN)'],
  ['cancellation', 'Withdraws a pending proposal (its proposer)'],
] as const) {
  openApiRegistry.registerPath({
    method: 'post',
    path: `/v1/proposals/{id}/${resource}`,
    tags,
    summary: what,
    description: sentOrUnsigned,
    security: PARTY_SECURITY,
    request: { params: proposalParamsSchema },
    responses: {
      200: { description: 'Sent, or the unsigned transaction', ...json(ProposalActionSchema) },
      ...problemResponses(400, 401, 403, 404, 409, 422),
    },
  });
}
openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/feeds',
  tags,
  summary: 'Oracle feeds with their reports, by state (ADMIN, ORACLE, AUDITOR)',
  security: PARTY_SECURITY,
  request: { query: feedListQuerySchema },
  responses: {
    200: { description: 'The feeds', ...json(z.object({ items: z.array(FeedSchema) })) },
    ...problemResponses(400, 401, 403),
  },
});
openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/feeds/{feedId}',
  tags,
  summary: 'One feed with its reports (ADMIN, ORACLE, AUDITOR)',
  security: PARTY_SECURITY,
  request: { params: feedParamsSchema },
  responses: { 200: { description: 'The feed', ...json(FeedSchema) }, ...problemResponses(400, 401, 403, 404) },
});
openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/feeds/{feedId}/dispute',
  tags,
  summary: 'Proposes setting a finalised outcome aside within its dispute window (ADMIN; dual control)',
  description: sentOrUnsigned,
  security: PARTY_SECURITY,
  request: { params: feedParamsSchema },
  responses: {
    201: { description: 'Proposed', ...json(ProposalActionSchema) },
    200: { description: 'The unsigned transaction', ...json(ProposalActionSchema) },
    ...problemResponses(400, 401, 403, 404, 409, 422),
  },
});
openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/feeds/{feedId}/resolution',
  tags,
  summary: 'Proposes resolving a disputed or overdue feed by hand (ADMIN; dual control)',
  description: sentOrUnsigned,
  security: PARTY_SECURITY,
  request: { params: feedParamsSchema, body: json(resolutionRequestSchema) },
  responses: {
    201: { description: 'Proposed', ...json(ProposalActionSchema) },
    200: { description: 'The unsigned transaction', ...json(ProposalActionSchema) },
    ...problemResponses(400, 401, 403, 404, 409, 422),
  },
});
openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/feeds/{feedId}/expiry',
  tags,
  summary:
    'Expires a feed left without outcome past its resolution period, so its policies are refunded (ADMIN, ORACLE)',
  description: sentOrUnsigned,
  security: PARTY_SECURITY,
  request: { params: feedParamsSchema },
  responses: {
    200: { description: 'Sent, or the unsigned transaction', ...json(ActionSchema) },
    ...problemResponses(400, 401, 403, 404, 409, 422),
  },
});
openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/oracles/rotation',
  tags,
  summary: 'Proposes granting the ORACLE role to one party and revoking it from another (ADMIN; dual control)',
  description: `${sentOrUnsigned} One proposal per change, the grant first; refused when the quorum could not be reached.`,
  security: PARTY_SECURITY,
  request: { body: json(rotationRequestSchema) },
  responses: {
    201: { description: 'Proposed', ...json(z.object({ proposals: z.array(ProposalActionSchema) })) },
    200: { description: 'Unsigned transactions', ...json(z.object({ proposals: z.array(ProposalActionSchema) })) },
    ...problemResponses(400, 401, 403, 409, 422),
  },
});
openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/pools/{address}/wiring-consents',
  tags,
  summary: 'Whose consent wiring a contract into a risk pool needs, and whether each has given it',
  security: PARTY_SECURITY,
  request: { params: poolParamsSchema, query: consentQuerySchema },
  responses: {
    200: { description: 'The consents', ...json(WiringConsentsSchema) },
    ...problemResponses(400, 401, 403, 404),
  },
});
openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/pools/{address}/wiring-consents',
  tags,
  summary:
    "Gives or withdraws the caller's consent to wiring a product or treaty into a pool (its INSURER, its treaty's REINSURER)",
  description: sentOrUnsigned,
  security: PARTY_SECURITY,
  request: { params: poolParamsSchema, body: json(consentRequestSchema) },
  responses: {
    200: {
      description: 'Sent, or the unsigned transaction; with the consents',
      ...json(z.intersection(ActionSchema, z.object({ consents: WiringConsentsSchema }))),
    },
    ...problemResponses(400, 401, 403, 404, 422),
  },
});
