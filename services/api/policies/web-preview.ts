/**
 * `POST /v1/policy-previews`: what a sale would propose, shown before anything is anchored — the wording in words and
 * the EIP-712 typed data the client will sign — so that the insurer console can put the two side by side while the
 * insurer fills in the form. It takes the body of `POST /v1/policies` and runs the sale's own code (`buildTerms` with
 * its checks against the chain, `renderWording`, the ledger's terms co-signature), writing nothing. Three things are
 * fixed only when the proposal is made, and the answer names them: the policy reference (random), hence the
 * wording's document hash, and the signature's nonce and deadline.
 */
import { Router } from 'express';
import { ZeroHash } from 'ethers';
import { z } from 'zod';
import { termsCoSignaturePreview } from '../../ledger/documents.js';
import { readParty } from '../../ledger/parties.js';
import { policyTermsHash, termsTypeOf } from '../../ledger/policies.js';
import { requireCaller, requireRole } from '../auth/caller.js';
import type { ApiContext } from '../context.js';
import { documentsContext } from '../documents/context.js';
import { openApiRegistry, PARTY_SECURITY, problemResponses } from '../openapi.js';
import { parse } from '../validation.js';
import { initOffersSchema, offerToSell } from './offers.js';
import { CONSENT_WINDOW_S } from './sales.js';
import { policyRequestSchema } from './sales-schemas.js';
import { buildTerms, chainTime } from './sales-terms.js';
import { renderWording } from './wording.js';

/** Stands for the policy reference in a previewed wording: the proposal draws the real one. */
const PREVIEW_POLICY_REF = '(assigned when proposed)';

const typedDataSchema = z.object({
  domain: z.record(z.string(), z.unknown()),
  types: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string() }))),
  primaryType: z.string(),
  message: z.record(z.string(), z.unknown()),
});

const previewSchema = z
  .object({
    kind: z.enum(['flight', 'weather']),
    termsHash: z.string().meta({ description: 'EIP-712 struct hash of the terms (the proposal is anchored with it)' }),
    terms: z.record(z.string(), z.unknown()),
    premium: z.string(),
    wording: z.string().meta({ description: 'The policy wording as the proposal will render it (UTF-8 text)' }),
    typedData: typedDataSchema.meta({
      description: 'The terms co-signature the client will sign (eth_signTypedData_v4), placeholders aside',
    }),
    fixedWhenProposed: z.array(z.string()).meta({
      description: 'Fields of the typed data message (and the wording) that the proposal fixes',
    }),
  })
  .meta({ id: 'PolicyPreview' });

export function policyPreviewRouter(apiContext: ApiContext): Router {
  const ctx = documentsContext(apiContext);
  initOffersSchema(ctx.db);
  const router = Router();
  router.post('/v1/policy-previews', requireRole('INSURER'), async (req, res) => {
    const caller = requireCaller(res);
    const request = parse(policyRequestSchema, req.body, 'body');
    const offer = offerToSell(ctx.db, caller, request.offerId);
    const { policy, flight } = await buildTerms(ctx.ledger, offer, request.client, request);
    const termsHash = policyTermsHash(policy);
    const [insurer, now] = await Promise.all([readParty(ctx.ledger, caller.account), chainTime(ctx.ledger)]);
    const wording = renderWording({
      policy,
      termsHash,
      policyRef: PREVIEW_POLICY_REF,
      insurer: { account: caller.account, legalName: insurer.legalName },
      ...(flight === null ? {} : { departureAsGiven: flight.scheduledDeparture }),
    });
    const terms = policy.terms as unknown as Record<string, unknown>;
    const typedData = await termsCoSignaturePreview(ctx.ledger, {
      documentHash: ZeroHash,
      signer: policy.terms.policyholder,
      nonce: 0n,
      deadline: now + CONSENT_WINDOW_S,
      terms: { termsType: termsTypeOf(policy.kind), terms },
    });
    res.setHeader('Cache-Control', 'private, no-store');
    res.json({
      kind: policy.kind,
      termsHash,
      terms,
      premium: policy.terms.premium,
      wording: new TextDecoder().decode(wording),
      typedData,
      fixedWhenProposed: ['documentHash', 'nonce', 'deadline'],
    });
  });
  return router;
}

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/policy-previews',
  tags: ['Policies'],
  summary: 'Preview a policy proposal: its wording and the typed data the client will sign, anchoring nothing',
  description:
    'Takes the body of POST /v1/policies and runs the same checks (a departed flight, a closed sale, a client who ' +
    'is not a CLIENT are refused alike). The wording carries a placeholder policy reference; the typed data a zero ' +
    'documentHash, nonce 0 and a deadline a consent window from now: the proposal fixes them. INSURER, on its own ' +
    'offers.',
  security: PARTY_SECURITY,
  request: { body: { required: true, content: { 'application/json': { schema: policyRequestSchema } } } },
  responses: {
    200: { description: 'The preview', content: { 'application/json': { schema: previewSchema } } },
    ...problemResponses(400, 401, 403, 404, 422),
  },
});
