/**
 * The HTTP entry points of selling and changing policies: offers, proposals and the holder's consent, endorsements,
 * cancellations and credits. Each route validates its input, calls one use case (`sales.ts`, `offers.ts`) and
 * answers; JSON writes are idempotent under an `Idempotency-Key` (the app's middleware). See `sales-openapi.ts`.
 */
import { Router } from 'express';
import type { ApiContext } from '../context.js';
import { requireCaller, requireRole } from '../auth/caller.js';
import { documentsContext } from '../documents/context.js';
import { ReaderKeys } from '../documents/reader-keys.js';
import { initDocumentsSchema } from '../documents/store.js';
import { parse } from '../validation.js';
import { createOffer, initOffersSchema, listOffers, readOffer } from './offers.js';
import { cancelPolicyFor, claimCreditFor, creditFor } from './sales.js';
import { consentToProposal } from './sales-consent.js';
import { proposeEndorsement, proposePolicy, readProposalFor } from './sales-proposals.js';
import {
  cancellationRequestSchema,
  consentRequestSchema,
  creditClaimRequestSchema,
  endorsementRequestSchema,
  offerParamsSchema,
  offerRequestSchema,
  policyParamsSchema,
  policyRequestSchema,
  proposalParamsSchema,
} from './sales-schemas.js';
import { initProposalsSchema } from './sales-store.js';
import './sales-openapi.js';

export function salesRouter(apiContext: ApiContext): Router {
  const ctx = documentsContext(apiContext);
  initDocumentsSchema(ctx.db);
  initOffersSchema(ctx.db);
  initProposalsSchema(ctx.db);
  const readerKeys = new ReaderKeys(ctx.ledger);
  const router = Router();

  router.post('/v1/offers', requireRole('INSURER'), (req, res) => {
    const caller = requireCaller(res);
    const offer = parse(offerRequestSchema, req.body, 'body');
    const stored = createOffer(ctx.db, caller, offer);
    res.setHeader('Location', `/v1/offers/${stored.id}`);
    res.status(201).json(stored);
  });

  router.get('/v1/offers', (_req, res) => {
    requireCaller(res);
    res.json({ items: listOffers(ctx.db) });
  });

  router.get('/v1/offers/:offerId', (req, res) => {
    requireCaller(res);
    const { offerId } = parse(offerParamsSchema, req.params, 'params');
    res.json(readOffer(ctx.db, offerId));
  });

  router.post('/v1/policies', requireRole('INSURER'), async (req, res) => {
    const caller = requireCaller(res);
    const request = parse(policyRequestSchema, req.body, 'body');
    const answer = await proposePolicy(ctx, readerKeys, caller, request);
    res.setHeader('Location', answer.proposal.href);
    res.status(answer.anchored ? 201 : 202).json({ proposal: answer.proposal, consent: answer.consent });
  });

  router.get('/v1/policy-proposals/:documentHash', async (req, res) => {
    const caller = requireCaller(res);
    const { documentHash } = parse(proposalParamsSchema, req.params, 'params');
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await readProposalFor(ctx, caller, documentHash));
  });

  router.post('/v1/policy-proposals/:documentHash/consent', async (req, res) => {
    const caller = requireCaller(res);
    const { documentHash } = parse(proposalParamsSchema, req.params, 'params');
    const request = parse(consentRequestSchema, req.body, 'body');
    const answer = await consentToProposal(ctx, caller, documentHash, request);
    res.setHeader('Location', `/v1/policies/${answer.policy.id}`);
    res.status(201).json(answer);
  });

  router.post('/v1/policies/:id/endorsements', requireRole('INSURER'), async (req, res) => {
    const caller = requireCaller(res);
    const { id } = parse(policyParamsSchema, req.params, 'params');
    const request = parse(endorsementRequestSchema, req.body, 'body');
    const answer = await proposeEndorsement(ctx, readerKeys, caller, id, request);
    res.setHeader('Location', answer.proposal.href);
    res.status(answer.anchored ? 201 : 202).json({ proposal: answer.proposal, consent: answer.consent });
  });

  router.post('/v1/policies/:id/cancellation', async (req, res) => {
    const caller = requireCaller(res);
    const { id } = parse(policyParamsSchema, req.params, 'params');
    parse(cancellationRequestSchema, req.body ?? {}, 'body');
    res.json(await cancelPolicyFor(ctx, caller, id));
  });

  router.get('/v1/credits', async (_req, res) => {
    const caller = requireCaller(res);
    res.json(await creditFor(ctx, caller));
  });

  router.post('/v1/credits/claim', async (req, res) => {
    const caller = requireCaller(res);
    const { to } = parse(creditClaimRequestSchema, req.body ?? {}, 'body');
    res.json(await claimCreditFor(ctx, caller, to));
  });

  return router;
}
