/**
 * Proposals: the insurer's terms (a new policy, or an endorsement of one) checked against the chain, rendered as a
 * wording and registered through the documents service — anchored singly with the termsHash, the insurer and the
 * holder as required signers, readable by the holder — then answered with what the holder must sign.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { readAnchor } from '../../ledger/documents.js';
import { readParty } from '../../ledger/parties.js';
import {
  insurerCancellationDeadline,
  poolInsurer,
  policyTermsHash,
  termsTypeOf,
  type PolicyRecord,
} from '../../ledger/policies.js';
import { hashAndSeal } from '../../storage/index.js';
import type { Caller } from '../auth/caller.js';
import type { DocumentsContext } from '../documents/context.js';
import type { ReaderKeys } from '../documents/reader-keys.js';
import { registerDocument } from '../documents/register.js';
import { documentMetadataSchema } from '../documents/schemas.js';
import { AppError } from '../errors.js';
import { parse } from '../validation.js';
import { offerToSell, type StoredOffer } from './offers.js';
import { buildTerms, chainTime, coverEndOf, type BuiltTerms } from './sales-terms.js';
import type { EndorsementRequest, PolicyRequest } from './sales-schemas.js';
import { insertProposal, proposalOfPolicy, readProposal, type StoredProposal } from './sales-store.js';
import {
  consentRequirements,
  hostedSignerOf,
  proposalView,
  requireProposalParty,
  soldPolicy,
  type ConsentRequirements,
  type ProposalView,
} from './sales.js';
import { renderWording } from './wording.js';

/** 403 NOT_POOL_INSURER unless `caller` is the insurer whose pool the products issue into (and this API holds its key). */
async function requirePoolInsurer(ctx: DocumentsContext, caller: Caller): Promise<void> {
  const insurer = await poolInsurer(ctx.ledger);
  if (insurer !== caller.account) {
    throw new AppError(
      403,
      'NOT_POOL_INSURER',
      `Policies here are issued into ${insurer}'s risk pool: only it sells them`,
      {
        details: { poolInsurer: insurer },
      },
    );
  }
  hostedSignerOf(ctx, caller.account, 'sell policies through your own member’s API');
}

interface NewProposal {
  offer: StoredOffer;
  built: BuiltTerms;
  premiumDue: bigint;
  endorses?: { policy: PolicyRecord; policyId: string };
}

/** Renders, registers and records a proposal; answers it with what the holder must sign once anchored. */
async function propose(
  ctx: DocumentsContext,
  readerKeys: ReaderKeys,
  caller: Caller,
  proposal: NewProposal,
): Promise<{ proposal: ProposalView; consent: ConsentRequirements | null; anchored: boolean }> {
  const { policy } = proposal.built;
  const holder = policy.terms.policyholder;
  const termsHash = policyTermsHash(policy);
  const policyRef = `PL-${policy.kind === 'flight' ? 'FD' : 'WI'}-${randomBytes(6).toString('hex').toUpperCase()}`;
  const insurerParty = await readParty(ctx.ledger, caller.account);
  const bytes = renderWording({
    policy,
    termsHash,
    policyRef,
    insurer: { account: caller.account, legalName: insurerParty.legalName },
    ...(proposal.built.flight === null ? {} : { departureAsGiven: proposal.built.flight.scheduledDeparture }),
    ...(proposal.endorses === undefined
      ? {}
      : { endorses: { policyId: proposal.endorses.policyId, documentHash: proposal.endorses.policy.documentHash } }),
  });
  const metadata = parse(
    documentMetadataSchema,
    {
      documentType: proposal.endorses === undefined ? 'Policy' : 'Endorsement',
      policyRef,
      retentionClass: 2,
      coverEndsAt: new Date(coverEndOf(policy) * 1000).toISOString(),
      requiredSigners: [caller.account, holder],
      readers: [holder],
      confidential: true,
      terms: { termsType: termsTypeOf(policy.kind), terms: policy.terms },
      mode: 'single',
    },
    'body',
  );
  const sealed = await hashAndSeal(Readable.from([bytes]), {
    confidential: true,
    maxBytes: ctx.config.maxDocumentBytes,
  });
  const registration = await registerDocument(
    ctx,
    readerKeys,
    caller,
    { metadata, sealed, contentType: 'text/plain; charset=utf-8', fileName: `${policyRef}.txt` },
    proposal.endorses === undefined ? {} : { previousHash: proposal.endorses.policy.documentHash },
  );
  const stored: StoredProposal = {
    documentHash: registration.documentHash,
    kind: policy.kind,
    purpose: proposal.endorses === undefined ? 'issue' : 'endorse',
    status: 'awaiting-consent',
    insurer: caller.account,
    holder,
    offerId: proposal.offer.id,
    policyRef,
    termsHash,
    policy,
    premiumDue: proposal.premiumDue.toString(),
    previousPolicyId: proposal.endorses?.policyId ?? null,
    application: proposal.built.flight,
    policyId: null,
    transactionHash: null,
    createdAt: new Date().toISOString(),
  };
  insertProposal(ctx.db, stored);
  const operation = await ctx.anchoring.waitFor(registration.operation.id, ctx.config.confirmTimeoutMs);
  if (operation.state === 'failed') {
    throw new AppError(422, 'ANCHORING_FAILED', operation.error?.message ?? 'The chain refused the wording’s anchor', {
      details: { documentHash: stored.documentHash },
    });
  }
  if (operation.state !== 'anchored') return { proposal: proposalView(stored), consent: null, anchored: false };
  return { proposal: proposalView(stored), consent: await consentRequirements(ctx, stored), anchored: true };
}

/** A new policy for `request.client` on the caller's offer (the pool's insurer, hosted here). */
export async function proposePolicy(
  ctx: DocumentsContext,
  readerKeys: ReaderKeys,
  caller: Caller,
  request: PolicyRequest,
) {
  await requirePoolInsurer(ctx, caller);
  const offer = offerToSell(ctx.db, caller, request.offerId);
  const built = await buildTerms(ctx.ledger, offer, request.client, request);
  return propose(ctx, readerKeys, caller, { offer, built, premiumDue: BigInt(built.policy.terms.premium) });
}

/** An endorsement of policy `id`: new terms for the same holder, as a new version of its wording. */
export async function proposeEndorsement(
  ctx: DocumentsContext,
  readerKeys: ReaderKeys,
  caller: Caller,
  id: string,
  request: EndorsementRequest,
) {
  await requirePoolInsurer(ctx, caller);
  const { kind, policyId, record } = await soldPolicy(ctx, id);
  const sold = proposalOfPolicy(ctx.db, id);
  if (sold === null) {
    throw new AppError(
      409,
      'POLICY_NOT_SOLD_HERE',
      `Policy ${id} was not sold through this API: endorse it where it was`,
      {
        details: { policyId: id },
      },
    );
  }
  if (record.status !== 'Issued') {
    throw new AppError(409, 'POLICY_NOT_LIVE', `Policy ${id} is ${record.status}: only an issued policy is endorsed`, {
      details: { policyId: id, status: record.status },
    });
  }
  const [now, deadline] = await Promise.all([
    chainTime(ctx.ledger),
    insurerCancellationDeadline(ctx.ledger, kind, policyId),
  ]);
  if (now >= deadline) {
    throw new AppError(
      409,
      'ENDORSEMENT_CLOSED',
      `Policy ${id} could be endorsed until ${new Date(deadline * 1000).toISOString()} (the insurer's notice before cover starts)`,
      { details: { policyId: id, closedAt: new Date(deadline * 1000).toISOString() } },
    );
  }
  const offer = offerToSell(ctx.db, caller, request.offerId ?? sold.offerId);
  if ((offer.offer.kind === 'flight-delay') !== (kind === 'flight')) {
    throw new AppError(422, 'OFFER_KIND_MISMATCH', `Offer ${offer.id} is not ${kind} cover like policy ${id}`, {
      details: { offerId: offer.id, policyId: id },
    });
  }
  const flight = request.flight ?? (kind === 'flight' ? (sold.application as BuiltTerms['flight']) : undefined);
  const built = await buildTerms(ctx.ledger, offer, record.holder, {
    ...(flight === null || flight === undefined ? {} : { flight }),
    premium: request.premium,
  });
  const increase = BigInt(built.policy.terms.premium) - BigInt(record.premium);
  return propose(ctx, readerKeys, caller, {
    offer,
    built,
    premiumDue: increase > 0n ? increase : 0n,
    endorses: { policy: record, policyId: id },
  });
}

/** Proposal `documentHash` for `caller`, with what is still to sign while it awaits consent (once anchored). */
export async function readProposalFor(ctx: DocumentsContext, caller: Caller, documentHash: string) {
  const proposal = readProposal(ctx.db, documentHash);
  requireProposalParty(caller, proposal);
  const anchored = (await readAnchor(ctx.ledger, documentHash)) !== null;
  return {
    proposal: proposalView(proposal),
    consent: proposal.status === 'awaiting-consent' && anchored ? await consentRequirements(ctx, proposal) : null,
  };
}
