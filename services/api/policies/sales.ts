/**
 * Selling and changing policies: what the use cases share (proposal views, the holder's consent requirements, sending
 * with a hosted key), and the changes after issue — cancellation by the holder before cover starts or by the pool's
 * insurer before its notice deadline, and the holder's credits. Proposals are made in `sales-proposals.ts`, consented
 * to in `sales-consent.ts`. The chain's rules are checked first; the caller's hosted key then sends.
 */
import type { Signer } from 'ethers';
import type { LedgerClient } from '../../ledger/client.js';
import { coSignatureTypedData, type CoSignatureTypedData } from '../../ledger/documents.js';
import { LedgerError } from '../../ledger/errors.js';
import {
  cancelPolicy,
  claimCredit,
  creditOf,
  insurerCancellationDeadline,
  poolInsurer,
  premiumPermitTypedData,
  readPolicy,
  termsTypeOf,
} from '../../ledger/policies.js';
import type { SendOptions } from '../../ledger/transactions.js';
import type { Caller } from '../auth/caller.js';
import type { DocumentsContext } from '../documents/context.js';
import { AppError } from '../errors.js';
import { parsePolicyId } from '../../ledger/policy-ids.js';
import { chainTime } from './sales-terms.js';
import type { StoredProposal } from './sales-store.js';
import { sendAs } from './sales-sender.js';

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
export function hostedSignerOf(ctx: DocumentsContext, account: string, instead: string): Signer {
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
export async function onChain<T>(
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

/** Policy `id` as its product keeps it; 404 POLICY_NOT_FOUND when `id` names no policy the product issued. */
export async function soldPolicy(ctx: DocumentsContext, id: string) {
  const parsed = parsePolicyId(id);
  const record = parsed === null ? null : await readPolicy(ctx.ledger, parsed.kind, parsed.policyId);
  if (parsed === null || record === null) {
    throw new AppError(404, 'POLICY_NOT_FOUND', `No policy ${id}`, { details: { policyId: id } });
  }
  return { ...parsed, record };
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
