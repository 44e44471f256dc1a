/**
 * Co-signing: the API gives a required signer's wallet the EIP-712 message to sign, and relays the signature through
 * the anchoring outbox. A relay is checked before it is queued — the document is anchored, the signer is required and
 * still pending, the deadline has not passed, and an EOA's signature recovers to the signer — so that nothing the
 * chain would refuse for those reasons is ever sent. A contract wallet's signature (EIP-1271) can only be judged by the
 * wallet itself, on chain: it is accepted and the chain decides.
 */
import { AbiCoder, concat, keccak256, recoverAddress, TypedDataEncoder, ZeroHash, type TypedDataDomain } from 'ethers';
import type { DocumentsContext } from './context.js';
import type { Caller } from '../auth/caller.js';
import type { LedgerClient } from '../../ledger/client.js';
import {
  coSignatureTypedData as ledgerTypedData,
  coSignerState,
  readAnchor,
  type AnchorRecord,
  type CoSignatureTypedData as LedgerTypedData,
} from '../../ledger/documents.js';
import { termsCoSignatureTypes } from '../../ledger/evidence.js';
import { CO_SIGNATURE_TYPES, domainOf, EVIDENCE_DOMAIN_NAME, TermsType } from '../../shared/eip712.js';
import { AppError } from '../errors.js';
import { acceptRequest, operationView, type OperationView } from './operations.js';
import { TERMS_TYPES, type CoSignatureRequest } from './schemas.js';
import { recordOperationOwner, storedTerms } from './store.js';

/** How long a wallet has to sign and the API to relay, from the chain's time. */
export const DEFAULT_CO_SIGNATURE_WINDOW_S = 3600;

export type CoSignatureTypedData = LedgerTypedData & { termsType?: (typeof TERMS_TYPES)[number] };

/**
 * The document as anchored singly on chain, read from the chain itself (the index may lag a block or two behind):
 * batch members and queued documents cannot be co-signed.
 */
async function anchoredDocument(ctx: DocumentsContext, documentHash: string): Promise<AnchorRecord> {
  const anchor = await readAnchor(ctx.ledger, documentHash);
  if (anchor === null) {
    throw new AppError(404, 'DOCUMENT_NOT_FOUND', `Document ${documentHash} is not anchored singly on chain (yet)`, {
      details: { documentHash },
    });
  }
  return anchor;
}

/** 422 SIGNER_NOT_REQUIRED / 409 ALREADY_SIGNED unless the chain says `signer` must still co-sign. */
async function requirePendingSigner(ctx: DocumentsContext, documentHash: string, signer: string): Promise<void> {
  const state = await coSignerState(ctx.ledger, documentHash, signer);
  if (state === 'NotRequired') {
    throw new AppError(422, 'SIGNER_NOT_REQUIRED', `${signer} is not a required signer of ${documentHash}`, {
      details: { documentHash, signer },
    });
  }
  if (state === 'Signed') {
    throw new AppError(409, 'ALREADY_SIGNED', `${signer} has already co-signed ${documentHash}`, {
      details: { documentHash, signer },
    });
  }
}

async function chainTime(ctx: DocumentsContext): Promise<number> {
  const block = await ctx.ledger.provider.getBlock('latest');
  return block?.timestamp ?? Math.floor(Date.now() / 1000);
}

/**
 * The EIP-712 message `signer` signs to co-sign `documentHash` (as `eth_signTypedData_v4` takes it), with a fresh
 * random nonce and a deadline an hour after the chain's time. When the document carries a terms hash whose terms this
 * API was given, the message carries the terms themselves, so that the wallet shows what is agreed to.
 */
export async function coSignatureTypedData(
  ctx: DocumentsContext,
  documentHash: string,
  signer: string,
  windowSeconds = DEFAULT_CO_SIGNATURE_WINDOW_S,
): Promise<CoSignatureTypedData> {
  const anchor = await anchoredDocument(ctx, documentHash);
  await requirePendingSigner(ctx, documentHash, signer);
  const deadline = (await chainTime(ctx)) + windowSeconds;
  const terms = anchor.termsHash === ZeroHash ? null : storedTerms(ctx.db, anchor.termsHash);
  if (terms === null) return ledgerTypedData(ctx.ledger, { documentHash, signer, deadline });
  const typed = await ledgerTypedData(ctx.ledger, {
    documentHash,
    signer,
    deadline,
    terms: { termsType: terms.termsType, terms: terms.terms },
  });
  return { ...typed, termsType: TERMS_TYPES[terms.termsType] };
}

/**
 * The digest the registry checks: for a terms-carrying co-signature EIP-712 encodes the nested terms as their struct
 * hash, which is the anchored termsHash, so the digest is computed without the terms.
 */
export function coSignatureDigest(
  domain: TypedDataDomain,
  document: { documentHash: string; termsHash: string },
  request: { signer: string; nonce: string; deadline: string; termsType?: number },
): string {
  const encoder = TypedDataEncoder.from(
    request.termsType === undefined ? CO_SIGNATURE_TYPES : termsCoSignatureTypes(request.termsType),
  );
  const typeHash = keccak256(new TextEncoder().encode(encoder.encodeType(encoder.primaryType)));
  const structHash = keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ['bytes32', 'bytes32', 'bytes32', 'address', 'uint256', 'uint256'],
      [typeHash, document.documentHash, document.termsHash, request.signer, request.nonce, request.deadline],
    ),
  );
  return keccak256(concat(['0x1901', TypedDataEncoder.hashDomain(domain), structHash]));
}

/** The party whose signer sends a relay: the caller's own when hosted here, else the document's registrant's. */
function relayingParty(ctx: DocumentsContext, caller: Caller, registrant: string): string {
  if (ctx.signers.has(caller.account)) return caller.account;
  if (ctx.signers.has(registrant)) return registrant;
  throw new AppError(403, 'PARTY_NOT_HOSTED', 'This API holds neither the caller’s key nor the registrant’s', {
    details: { party: caller.account, registrant },
  });
}

/** Checks `request` and queues it in the outbox; answers the relay's operation. */
export async function relayCoSignature(
  ctx: DocumentsContext,
  caller: Caller,
  documentHash: string,
  request: CoSignatureRequest,
): Promise<OperationView> {
  const document = await anchoredDocument(ctx, documentHash);
  const sender = relayingParty(ctx, caller, document.registrant);
  await requirePendingSigner(ctx, documentHash, request.signer);
  const termsType = request.termsType === undefined ? undefined : TermsType[request.termsType];
  if (termsType !== undefined && document.termsHash === ZeroHash) {
    throw new AppError(422, 'NO_TERMS', `Document ${documentHash} carries no terms to co-sign`, {
      details: { documentHash },
    });
  }
  const [domain, now, code] = await Promise.all([
    registryDomain(ctx.ledger),
    chainTime(ctx),
    ctx.ledger.provider.getCode(request.signer),
  ]);
  if (BigInt(request.deadline) < BigInt(now)) {
    throw new AppError(422, 'SIGNATURE_EXPIRED', `The co-signature's deadline ${request.deadline} has passed`, {
      details: { deadline: request.deadline, chainTime: now },
    });
  }
  if (code === '0x') {
    const digest = coSignatureDigest(domain, document, {
      signer: request.signer,
      nonce: request.nonce,
      deadline: request.deadline,
      ...(termsType === undefined ? {} : { termsType }),
    });
    let recovered: string | null = null;
    try {
      recovered = recoverAddress(digest, request.signature);
    } catch {
      recovered = null;
    }
    if (recovered !== request.signer) {
      throw new AppError(422, 'INVALID_SIGNATURE', `The signature does not recover to ${request.signer}`, {
        details: { signer: request.signer, recovered },
      });
    }
  }
  const operation = await acceptRequest(ctx, {
    kind: 'cosign',
    sender,
    documentHash,
    signer: request.signer,
    nonce: request.nonce,
    deadline: request.deadline,
    signature: request.signature,
    ...(termsType === undefined ? {} : { termsType }),
  });
  recordOperationOwner(ctx.db, operation, caller.account);
  return operationView(operation);
}

async function registryDomain(ledger: LedgerClient): Promise<TypedDataDomain> {
  const { chainId } = await ledger.provider.getNetwork();
  return domainOf(EVIDENCE_DOMAIN_NAME, chainId, ledger.deployment.evidenceRegistry);
}
