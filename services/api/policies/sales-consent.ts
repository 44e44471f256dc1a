/**
 * The holder's consent: its terms co-signature (the wallet showed the terms) and its EIP-2612 permit of the premium —
 * or, in the embedded stack, signatures made with its hosted key — checked before the first transaction, so that a
 * wrong signer sends nothing; then relayed with the insurer's key, with the insurer's own co-signature, and the policy
 * issued (or the endorsement made) on chain.
 */
import { verifyTypedData } from 'ethers';
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
import {
  endorsePolicy,
  issuePolicy,
  premiumFunds,
  premiumPermitTypedData,
  relayPremiumPermit,
  termsTypeOf,
} from '../../ledger/policies.js';
import type { Caller } from '../auth/caller.js';
import type { DocumentsContext } from '../documents/context.js';
import { AppError } from '../errors.js';
import { parsePolicyId, policyIdOf } from '../../ledger/policy-ids.js';
import { chainTime, checkTerms, requireClient } from './sales-terms.js';
import type { ConsentRequest } from './sales-schemas.js';
import { markIssued, readProposal, type StoredProposal } from './sales-store.js';
import {
  CONSENT_WINDOW_S,
  consentRequirements,
  hostedSignerOf,
  onChain,
  proposalView,
  requireProposalParty,
} from './sales.js';

/** Proposals whose consent is being processed in this process. */
const consenting = new Set<string>();

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
  // Claimed before the first await, so that a simultaneous consent to the same proposal is refused, not raced.
  if (consenting.has(documentHash)) {
    throw new AppError(409, 'CONSENT_IN_PROGRESS', `A consent to proposal ${documentHash} is being processed`, {
      details: { documentHash },
    });
  }
  consenting.add(documentHash);
  try {
    return await consent(ctx, caller, proposal, request);
  } finally {
    consenting.delete(documentHash);
  }
}

async function consent(ctx: DocumentsContext, caller: Caller, proposal: StoredProposal, request: ConsentRequest) {
  const { documentHash } = proposal;
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
  // A retry after a failed issue finds the permit already used: the allowance it gave is still there.
  if (signatures.permit !== undefined && (await premiumFunds(ctx.ledger, holder)).allowance < premium) {
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
