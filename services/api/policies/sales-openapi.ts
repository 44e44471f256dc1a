/** The sales routes' paths in the shared OpenAPI registry (registered once, at module load). */
import type { z } from 'zod';
import { openApiRegistry, PARTY_SECURITY, problemResponses } from '../openapi.js';
import {
  cancellationAnswerSchema,
  cancellationRequestSchema,
  consentRequestSchema,
  creditAnswerSchema,
  creditClaimAnswerSchema,
  creditClaimRequestSchema,
  endorsementRequestSchema,
  issuedAnswerSchema,
  offerParamsSchema,
  offerRequestSchema,
  offerSchema,
  policyParamsSchema,
  policyRequestSchema,
  proposalAnswerSchema,
  proposalParamsSchema,
} from './sales-schemas.js';

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema } } });
const tags = ['Policies'];
const security = PARTY_SECURITY;

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/offers',
  tags,
  summary: 'Define a product offer',
  description:
    'Flight delay (delay tiers, cancellation and diversion payouts, cover window) or weather index (location, metric, ' +
    'window, aggregation, trigger/exit or steps), priced with a fixed premium or a tariff per route / location and ' +
    'season. INSURER.',
  security,
  request: { body: body(offerRequestSchema) },
  responses: { 201: json(offerSchema, 'The offer'), ...problemResponses(400, 401, 403) },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/offers',
  tags,
  summary: 'List offers',
  description: 'Every offer defined on this API, newest first. Any party.',
  security,
  responses: { 200: json(offerSchema.array(), 'The offers (as { items })'), ...problemResponses(401, 403) },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/offers/{offerId}',
  tags,
  summary: 'Read an offer',
  security,
  request: { params: offerParamsSchema },
  responses: { 200: json(offerSchema, 'The offer'), ...problemResponses(400, 401, 403, 404) },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/policies',
  tags,
  summary: 'Propose a policy to a client',
  description:
    'Builds the terms from the offer (a flight departure is an ISO-8601 instant with its offset; the UTC date names ' +
    'the feed), refuses what the chain would (FLIGHT_DEPARTED, ISSUE_CLOSED with the product’s cut-off, ' +
    'DEPARTS_BEFORE_COVER, INVALID_SCHEDULE, COVER_TOO_LONG, CLIENT_NOT_A_PARTY, NO_TARIFF_RATE), renders the wording ' +
    'with the terms’ EIP-712 struct hash and registers it through the documents service (anchored singly, insurer and ' +
    'client as required signers). Answers the proposal and what the client signs: the terms co-signature and the ' +
    'premium’s EIP-2612 permit. 202 (consent null) when the anchor is not mined within the confirmation limit. The ' +
    'pool’s INSURER, hosted here.',
  security,
  request: { body: body(policyRequestSchema) },
  responses: {
    201: json(proposalAnswerSchema, 'Anchored: the client can consent'),
    202: json(proposalAnswerSchema, 'The wording is still being anchored'),
    ...problemResponses(400, 401, 403, 404, 409, 422),
  },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/policy-proposals/{documentHash}',
  tags,
  summary: 'Read a proposal and what is still to sign',
  description: 'Fresh typed data (new nonces) while it awaits consent. Its holder or insurer.',
  security,
  request: { params: proposalParamsSchema },
  responses: { 200: json(proposalAnswerSchema, 'The proposal'), ...problemResponses(400, 401, 403, 404) },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/policy-proposals/{documentHash}/consent',
  tags,
  summary: 'Consent: relay the client’s signatures and issue the policy',
  description:
    'The holder’s terms co-signature and permit are checked (INVALID_SIGNATURE, INVALID_PERMIT, SIGNATURE_EXPIRED) ' +
    'before anything is sent, then relayed with the insurer’s key with the insurer’s own co-signature, and the ' +
    'policy is issued (or the endorsement made). `signWithHostedKey` signs with the holder’s key when this API holds ' +
    'it (embedded demo client). Reverts the checks did not foresee: 422 CHAIN_REFUSED naming the contract error. ' +
    'The holder or the insurer.',
  security,
  request: { params: proposalParamsSchema, body: body(consentRequestSchema) },
  responses: { 201: json(issuedAnswerSchema, 'Issued'), ...problemResponses(400, 401, 403, 404, 409, 422) },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/policies/{id}/endorsements',
  tags,
  summary: 'Propose an endorsement',
  description:
    'New terms for the same holder (another flight, another premium or offer) as a new version of the wording; the ' +
    'holder consents as for a new policy and pays an increase (a decrease is refunded). Before the insurer’s ' +
    'cancellation deadline (ENDORSEMENT_CLOSED). The pool’s INSURER.',
  security,
  request: { params: policyParamsSchema, body: body(endorsementRequestSchema) },
  responses: {
    201: json(proposalAnswerSchema, 'Anchored: the holder can consent'),
    202: json(proposalAnswerSchema, 'The wording is still being anchored'),
    ...problemResponses(400, 401, 403, 404, 409, 422),
  },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/policies/{id}/cancellation',
  tags,
  summary: 'Cancel a policy',
  description:
    'The holder before cover starts (refund as its terms say) or the pool’s insurer before its notice deadline (the ' +
    'whole premium), with the caller’s key held here (else 403 PARTY_NOT_HOSTED: cancel from the wallet). 409 ' +
    'POLICY_NOT_CANCELLABLE, CANCELLATION_CLOSED.',
  security,
  request: { params: policyParamsSchema, body: body(cancellationRequestSchema) },
  responses: { 200: json(cancellationAnswerSchema, 'Cancelled'), ...problemResponses(400, 401, 403, 404, 409, 422) },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/credits',
  tags,
  summary: 'The caller’s credit in the risk pool',
  description: 'Payouts and refunds whose transfer failed, claimable by the holder. Any party.',
  security,
  responses: { 200: json(creditAnswerSchema, 'The credit'), ...problemResponses(401, 403) },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/credits/claim',
  tags,
  summary: 'Claim the caller’s credit',
  description: 'Pays the credit to `to` (the caller by default) with the caller’s key held here. 409 NO_CREDIT.',
  security,
  request: { body: body(creditClaimRequestSchema) },
  responses: { 200: json(creditClaimAnswerSchema, 'Claimed'), ...problemResponses(400, 401, 403, 409, 422) },
});
