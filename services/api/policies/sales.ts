/**
 * Selling and changing policies, the use cases behind the sales routes:
 *
 * - `proposePolicy` / `proposeEndorsement`: the insurer's terms, checked against the chain, rendered as a wording that
 *   is registered through the documents service (anchored singly, with the termsHash, the insurer and the holder as
 *   required signers, readable by the holder); the answer is what the holder must sign — its terms co-signature (the
 *   wallet shows the terms) and an EIP-2612 permit of the premium.
 * - `consentToProposal`: the holder's signatures (or, in the embedded stack, its hosted key) relayed by the insurer's
 *   API, the insurer's own co-signature, the permit, and the policy issued (or endorsed) on chain. Every signature is
 *   checked before the first transaction, so that a wrong signer sends nothing.
 * - `cancelPolicyFor` and `claimCreditFor`: the chain's rules checked first, then the caller's hosted key sends.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { verifyTypedData, type Signer } from 'ethers';
import type { LedgerClient } from '../../ledger/client.js';
import {
  coSignatureTypedData,
  coSignerState,
  readAnchor,
  relayCoSignature,
  relayTermsCoSignature,
  signCoSignature,
  withoutDomainType,
  type CoSignatureTypedData,
} from '../../ledger/documents.js';
import { LedgerError } from '../../ledger/errors.js';
import { readParty } from '../../ledger/parties.js';
import {
  cancelPolicy,
  claimCredit,
  creditOf,
  endorsePolicy,
  insurerCancellationDeadline,
  issuePolicy,
  poolInsurer,
  policyTermsHash,
  premiumFunds,
  premiumPermitTypedData,
  readPolicy,
  relayPremiumPermit,
  termsTypeOf,
  type PolicyRecord,
} from '../../ledger/policies.js';
import type { SendOptions } from '../../ledger/transactions.js';
import { hashAndSeal } from '../../storage/index.js';
import type { Caller } from '../auth/caller.js';
import type { DocumentsContext } from '../documents/context.js';
import type { ReaderKeys } from '../documents/reader-keys.js';
import { registerDocument } from '../documents/register.js';
import { documentMetadataSchema } from '../documents/schemas.js';
import { AppError } from '../errors.js';
import { parse } from '../validation.js';
import { parsePolicyId, policyIdOf } from './ids.js';
import { offerToSell, type StoredOffer } from './offers.js';
import { buildTerms, chainTime, checkTerms, coverEndOf, requireClient, type BuiltTerms } from './sales-terms.js';
import type { ConsentRequest, EndorsementRequest, PolicyRequest } from './sales-schemas.js';
import { insertProposal, markIssued, proposalOfPolicy, readProposal, type StoredProposal } from './sales-store.js';
import { sendAs } from './sales-sender.js';
import { renderWording } from './wording.js';

/** How long the holder has to sign and the API to relay, from the chain's time. */
export const CONSENT_WINDOW_S = 24 * 3600;

export interface ProposalView {
  documentHash: string;
  kind: StoredProposal['kind'];
  purpose: StoredProposal['purpose'];
  status: StoredProposal['status'];
  insurer: string;
  holder: string;
  offerId: string;
  policyRef: string;
  termsHash: string;
  terms: Record<string, unknown>;
  premium: string;
  premiumDue: string;
  previousPolicyId: string | null;
  policyId: string | null;
  transactionHash: string | null;
  href: string;
}

export interface ConsentRequirements {
  termsCoSignature: CoSignatureTypedData;
  permit: CoSignatureTypedData | null;
  href: string;
}

export function proposalView(proposal: StoredProposal): ProposalView {
  return {
    documentHash: proposal.documentHash,
    kind: proposal.kind,
    purpose: proposal.purpose,
    status: proposal.status,
    insurer: proposal.insurer,
    holder: proposal.holder,
    offerId: proposal.offerId,
    policyRef: proposal.policyRef,
    termsHash: proposal.termsHash,
    terms: proposal.policy.terms as unknown as Record<string, unknown>,
    premium: proposal.policy.terms.premium,
    premiumDue: proposal.premiumDue,
    previousPolicyId: proposal.previousPolicyId,
    policyId: proposal.policyId,
    transactionHash: proposal.transactionHash,
    href: `/v1/policy-proposals/${proposal.documentHash}`,
  };
}

/** The signer this API holds for `account`; 403 PARTY_NOT_HOSTED, saying what to do instead, when it holds none. */
function hostedSignerOf(ctx: DocumentsContext, account: string, instead: string): Signer {
  const signer = ctx.signers.get(account);
  if (signer === undefined) {
    throw new AppError(403, 'PARTY_NOT_HOSTED', `This API does not hold the key of ${account}: ${instead}`, {
      details: { party: account },
    });
  }
  return signer;
}

/**
 * Sends a ledger action as `signer` (a key held here, beside the anchoring outbox: `sendAs`); a revert the checks
 * before it did not foresee becomes 422 CHAIN_REFUSED naming the contract's error.
 */
async function onChain<T>(
  ctx: DocumentsContext,
  signer: Signer,
  action: (client: LedgerClient, options: SendOptions) => Promise<T>,
): Promise<T> {
  try {
    return await sendAs(ctx.ledger, signer, action);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    throw new AppError(
      422,
      'CHAIN_REFUSED',
      `The chain refused ${error.action}: ${error.decoded?.message ?? error.message}`,
      {
        cause: error,
        details: {
          contractError: error.code,
          ...(error.decoded === undefined ? {} : { contractErrorArgs: error.decoded.args }),
          ...(error.transactionHash === undefined ? {} : { transactionHash: error.transactionHash }),
        },
      },
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Proposals
// ---------------------------------------------------------------------------------------------------------------------

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

/**
 * 404 POLICY_NOT_FOUND unless `id` names a policy sold through this API; answers it with the policy as the chain keeps
 * it.
 */
async function soldPolicy(ctx: DocumentsContext, id: string) {
  const parsed = parsePolicyId(id);
  const record = parsed === null ? null : await readPolicy(ctx.ledger, parsed.kind, parsed.policyId);
  if (parsed === null || record === null) {
    throw new AppError(404, 'POLICY_NOT_FOUND', `No policy ${id}`, { details: { policyId: id } });
  }
  return { ...parsed, record };
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

/**
 * What the holder signs: the terms co-signature and the permit of the premium (fresh nonces). An endorsement refunds
 * the old premium and then takes the whole new one, so its permit is of the new premium too, while the holder's
 * balance moves by the difference (`premiumDue`).
 */
export async function consentRequirements(
  ctx: DocumentsContext,
  proposal: StoredProposal,
): Promise<ConsentRequirements> {
  const deadline = (await chainTime(ctx.ledger)) + CONSENT_WINDOW_S;
  const termsCoSignature = await coSignatureTypedData(ctx.ledger, {
    documentHash: proposal.documentHash,
    signer: proposal.holder,
    deadline,
    terms: {
      termsType: termsTypeOf(proposal.kind),
      terms: proposal.policy.terms as unknown as Record<string, unknown>,
    },
  });
  const permit =
    BigInt(proposal.policy.terms.premium) > 0n
      ? await premiumPermitTypedData(ctx.ledger, {
          owner: proposal.holder,
          value: proposal.policy.terms.premium,
          deadline,
        })
      : null;
  return { termsCoSignature, permit, href: `/v1/policy-proposals/${proposal.documentHash}/consent` };
}

/** 403 NOT_PROPOSAL_PARTY unless `caller` is the proposal's holder or insurer. */
export function requireProposalParty(caller: Caller, proposal: StoredProposal): void {
  if (caller.account !== proposal.holder && caller.account !== proposal.insurer) {
    throw new AppError(403, 'NOT_PROPOSAL_PARTY', 'Only the policyholder and the insurer see or act on a proposal', {
      details: { documentHash: proposal.documentHash },
    });
  }
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

// ---------------------------------------------------------------------------------------------------------------------
// Consent and issue
// ---------------------------------------------------------------------------------------------------------------------

interface HolderSignatures {
  termsSignature: { nonce: string; deadline: string; signature: string };
  permit?: { deadline: string; signature: string };
}

/** The holder's signatures made with its key held here (embedded demo parties). */
async function hostedSignatures(
  ctx: DocumentsContext,
  caller: Caller,
  proposal: StoredProposal,
): Promise<HolderSignatures> {
  if (caller.account !== proposal.holder) {
    throw new AppError(403, 'NOT_POLICYHOLDER', 'Only the policyholder asks the API to sign with its own key', {
      details: { holder: proposal.holder },
    });
  }
  const signer = hostedSignerOf(ctx, proposal.holder, 'sign the proposal’s typed data in your wallet instead');
  const { termsCoSignature, permit } = await consentRequirements(ctx, proposal);
  const { allowance } = await premiumFunds(ctx.ledger, proposal.holder);
  const needsPermit = permit !== null && allowance < BigInt(proposal.policy.terms.premium);
  return {
    termsSignature: {
      nonce: String(termsCoSignature.message.nonce),
      deadline: String(termsCoSignature.message.deadline),
      signature: await signCoSignature(signer, termsCoSignature),
    },
    ...(needsPermit
      ? { permit: { deadline: String(permit.message.deadline), signature: await signCoSignature(signer, permit) } }
      : {}),
  };
}

function recovers(typedData: CoSignatureTypedData, signature: string, expected: string): boolean {
  try {
    return (
      verifyTypedData(typedData.domain, withoutDomainType(typedData.types), typedData.message, signature) === expected
    );
  } catch {
    return false;
  }
}

/** 409 unless the wording can still be consented to: anchored, current, the proposal not used yet. */
async function requireOpen(ctx: DocumentsContext, proposal: StoredProposal): Promise<void> {
  if (proposal.status === 'issued') {
    throw new AppError(
      409,
      'PROPOSAL_ALREADY_ISSUED',
      `Proposal ${proposal.documentHash} was issued as policy ${proposal.policyId}`,
      {
        details: { documentHash: proposal.documentHash, policyId: proposal.policyId },
      },
    );
  }
  const anchor = await readAnchor(ctx.ledger, proposal.documentHash);
  if (anchor === null) {
    throw new AppError(409, 'PROPOSAL_NOT_ANCHORED', 'The wording is not anchored yet: retry in a moment', {
      details: { documentHash: proposal.documentHash },
    });
  }
  if (anchor.status !== 'Current') {
    throw new AppError(409, 'PROPOSAL_WITHDRAWN', `The wording is ${anchor.status}: it can no longer be consented to`, {
      details: { documentHash: proposal.documentHash, status: anchor.status },
    });
  }
}

/** Terms still acceptable now: the holder a client, the cut-off not passed (time went on since the proposal). */
async function recheckTerms(ctx: DocumentsContext, proposal: StoredProposal): Promise<void> {
  await requireClient(ctx.ledger, proposal.holder);
  await checkTerms(ctx.ledger, proposal.policy);
}

/**
 * The holder's consent: its terms co-signature and permit checked, then relayed with the insurer's key, the insurer's
 * own co-signature added, and the policy issued (or the endorsement made) on chain.
 */
export async function consentToProposal(
  ctx: DocumentsContext,
  caller: Caller,
  documentHash: string,
  request: ConsentRequest,
) {
  const proposal = readProposal(ctx.db, documentHash);
  requireProposalParty(caller, proposal);
  await requireOpen(ctx, proposal);
  const insurerSigner = hostedSignerOf(ctx, proposal.insurer, 'the insurer’s own API issues this policy');
  await recheckTerms(ctx, proposal);
  const signatures: HolderSignatures =
    request.signWithHostedKey === true
      ? await hostedSignatures(ctx, caller, proposal)
      : {
          termsSignature: request.termsSignature!,
          ...(request.permit === undefined ? {} : { permit: request.permit }),
        };
  const holder = proposal.holder;
  const premium = BigInt(proposal.policy.terms.premium);
  const due = BigInt(proposal.premiumDue);
  const terms = {
    termsType: termsTypeOf(proposal.kind),
    terms: proposal.policy.terms as unknown as Record<string, unknown>,
  };

  // Every signature is checked before the first transaction: a wrong one sends nothing.
  const holderState = await coSignerState(ctx.ledger, documentHash, holder);
  const now = await chainTime(ctx.ledger);
  if (holderState !== 'Signed') {
    const { nonce, deadline, signature } = signatures.termsSignature;
    if (BigInt(deadline) < BigInt(now)) {
      throw new AppError(422, 'SIGNATURE_EXPIRED', `The terms co-signature's deadline ${deadline} has passed`, {
        details: { deadline, chainTime: now },
      });
    }
    const typed = await coSignatureTypedData(ctx.ledger, { documentHash, signer: holder, nonce, deadline, terms });
    if (!recovers(typed, signature, holder)) {
      throw new AppError(
        422,
        'INVALID_SIGNATURE',
        `The terms co-signature is not ${holder}'s signature of the proposal's terms`,
        {
          details: { signer: holder },
        },
      );
    }
  }
  if (signatures.permit !== undefined) {
    const typed = await premiumPermitTypedData(ctx.ledger, {
      owner: holder,
      value: premium,
      deadline: signatures.permit.deadline,
    });
    if (premium === 0n || !recovers(typed, signatures.permit.signature, holder)) {
      throw new AppError(
        422,
        'INVALID_PERMIT',
        `The permit is not ${holder}'s EIP-2612 permit of ${premium} to the risk pool`,
        {
          details: { owner: holder, value: premium.toString() },
        },
      );
    }
  }

  if (holderState !== 'Signed') {
    const { nonce, deadline, signature } = signatures.termsSignature;
    await onChain(ctx, insurerSigner, (client, options) =>
      relayTermsCoSignature(
        client,
        {
          documentHash,
          signer: holder,
          nonce,
          deadline,
          signature,
          termsType: terms.termsType,
        },
        options,
      ),
    );
  }
  if ((await coSignerState(ctx.ledger, documentHash, proposal.insurer)) !== 'Signed') {
    const typed = await coSignatureTypedData(ctx.ledger, {
      documentHash,
      signer: proposal.insurer,
      deadline: now + CONSENT_WINDOW_S,
    });
    const signature = await signCoSignature(insurerSigner, typed);
    await onChain(ctx, insurerSigner, (client, options) =>
      relayCoSignature(
        client,
        {
          documentHash,
          signer: proposal.insurer,
          nonce: String(typed.message.nonce),
          deadline: now + CONSENT_WINDOW_S,
          signature,
        },
        options,
      ),
    );
  }
  if (signatures.permit !== undefined) {
    const { deadline, signature } = signatures.permit;
    await onChain(ctx, insurerSigner, (client, options) =>
      relayPremiumPermit(client, { owner: holder, value: premium, deadline, signature }, options),
    );
  }
  const funds = await premiumFunds(ctx.ledger, holder);
  if (funds.allowance < premium) {
    throw new AppError(
      422,
      'PREMIUM_NOT_APPROVED',
      `The risk pool may take ${funds.allowance} of ${holder}'s stablecoin, the premium is ${premium}: sign the permit`,
      {
        details: { premium: premium.toString(), allowance: funds.allowance.toString() },
      },
    );
  }
  if (funds.balance < due) {
    throw new AppError(422, 'INSUFFICIENT_FUNDS', `${holder} holds ${funds.balance} of the ${due} premium due`, {
      details: { due: due.toString(), balance: funds.balance.toString() },
    });
  }
  const issued =
    proposal.purpose === 'issue'
      ? await onChain(ctx, insurerSigner, (client, options) =>
          issuePolicy(client, { ...proposal.policy, documentHash }, options),
        )
      : await onChain(ctx, insurerSigner, (client, options) =>
          endorsePolicy(
            client,
            {
              ...proposal.policy,
              policyId: parsePolicyId(proposal.previousPolicyId!)!.policyId,
              documentHash,
            },
            options,
          ),
        );
  const policyId = policyIdOf(issued.kind, issued.policyId);
  markIssued(ctx.db, documentHash, policyId, issued.transactionHash);
  return {
    proposal: proposalView(readProposal(ctx.db, documentHash)),
    policy: {
      id: policyId,
      kind: issued.kind,
      holder: issued.holder,
      documentHash: issued.documentHash,
      feedId: issued.feedId,
      premium: issued.premium,
      maxPayout: issued.maxPayout,
      transactionHash: issued.transactionHash,
      blockNumber: issued.blockNumber,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Cancellation and credits
// ---------------------------------------------------------------------------------------------------------------------

/**
 * Cancels policy `id` as the caller: its holder before cover starts (refunded as the terms say), or the pool's insurer
 * before its cancellation deadline (the whole premium). The caller's key must be held here.
 */
export async function cancelPolicyFor(ctx: DocumentsContext, caller: Caller, id: string) {
  const { kind, policyId, record } = await soldPolicy(ctx, id);
  const insurer = await poolInsurer(ctx.ledger);
  const isHolder = caller.account === record.holder;
  if (!isHolder && caller.account !== insurer) {
    throw new AppError(403, 'NOT_POLICY_PARTY', `Only the policyholder or the insurer cancels policy ${id}`, {
      details: { policyId: id },
    });
  }
  if (record.status !== 'Issued') {
    throw new AppError(
      409,
      'POLICY_NOT_CANCELLABLE',
      `Policy ${id} is ${record.status}: only an issued policy is cancelled`,
      {
        details: { policyId: id, status: record.status },
      },
    );
  }
  const now = await chainTime(ctx.ledger);
  const closedAt = isHolder ? record.coverageStart : await insurerCancellationDeadline(ctx.ledger, kind, policyId);
  if (now >= closedAt) {
    const why = isHolder ? 'cover has started' : "the insurer's notice before cover starts has run out";
    throw new AppError(
      409,
      'CANCELLATION_CLOSED',
      `Policy ${id} could be cancelled until ${new Date(closedAt * 1000).toISOString()}: ${why}`,
      {
        details: { policyId: id, closedAt: new Date(closedAt * 1000).toISOString() },
      },
    );
  }
  const signer = hostedSignerOf(ctx, caller.account, `call cancel(${policyId}) on the product from your wallet`);
  const cancelled = await onChain(ctx, signer, (client, options) => cancelPolicy(client, { kind, policyId }, options));
  return {
    cancellation: {
      policyId: id,
      cancelledBy: cancelled.cancelledBy,
      refund: cancelled.refund,
      transactionHash: cancelled.transactionHash,
      blockNumber: cancelled.blockNumber,
    },
  };
}

/** The caller's credit in the risk pool. */
export async function creditFor(ctx: DocumentsContext, caller: Caller) {
  return { holder: caller.account, credit: (await creditOf(ctx.ledger, caller.account)).toString() };
}

/** Pays the caller's credit to `to` (itself by default) with its key held here; 409 NO_CREDIT when it has none. */
export async function claimCreditFor(ctx: DocumentsContext, caller: Caller, to: string | undefined) {
  const credit = await creditOf(ctx.ledger, caller.account);
  if (credit === 0n) {
    throw new AppError(409, 'NO_CREDIT', `${caller.account} has no credit to claim in the risk pool`, {
      details: { holder: caller.account },
    });
  }
  const signer = hostedSignerOf(ctx, caller.account, 'call claimCredit(to) on the risk pool from your wallet');
  const claimed = await onChain(ctx, signer, (client, options) => claimCredit(client, to, options));
  return { claim: { ...claimed } };
}
