/**
 * New versions and revocation. Both are checked against the document's anchored state before anything is queued — the
 * caller is its registrant, it is not revoked, and (for a new version) it is the current version — so that the outbox
 * only ever holds transactions the registry will take, and the caller learns at once why one would be refused.
 */
import type { DocumentsContext } from './context.js';
import type { Caller } from '../auth/caller.js';
import { readAnchor, type AnchorRecord } from '../../ledger/documents.js';
import { AppError } from '../errors.js';
import { acceptRequest, operationView, type OperationView } from './operations.js';
import type { ReaderKeys } from './reader-keys.js';
import { hostedSigner, registerDocument, type Registration } from './register.js';
import { REVOCATION_REASONS, type RevocationRequest } from './schemas.js';
import { recordOperationOwner, storedDocument } from './store.js';
import type { Upload } from './upload.js';

/** The singly anchored document `documentHash`, registered by `caller`. */
async function ownAnchoredDocument(ctx: DocumentsContext, caller: Caller, documentHash: string): Promise<AnchorRecord> {
  // The chain itself, not the index (which may lag a block or two): the registry will judge against the same state.
  const indexed = await readAnchor(ctx.ledger, documentHash);
  if (indexed === null) {
    const stored = storedDocument(ctx.db, documentHash);
    if (stored !== null && stored.registrant === caller.account) {
      throw new AppError(
        409,
        'DOCUMENT_NOT_ANCHORED',
        `Document ${documentHash} is not anchored singly on chain (queued, or in a Merkle batch)`,
        { details: { documentHash } },
      );
    }
    throw new AppError(404, 'DOCUMENT_NOT_FOUND', `No document ${documentHash}`, { details: { documentHash } });
  }
  if (indexed.registrant !== caller.account) {
    throw new AppError(403, 'NOT_REGISTRANT', `Only the registrant ${indexed.registrant} may do this`, {
      details: { documentHash, registrant: indexed.registrant },
    });
  }
  if (indexed.status === 'Revoked') {
    throw new AppError(409, 'DOCUMENT_REVOKED', `Document ${documentHash} is revoked`, {
      details: { documentHash, revokedAt: indexed.revokedAt, reason: indexed.revocationReason },
    });
  }
  return indexed;
}

/** Registers `upload` as the next version of `previousHash` (its registrant only; it must be current). */
export async function supersedeDocument(
  ctx: DocumentsContext,
  readerKeys: ReaderKeys,
  caller: Caller,
  previousHash: string,
  upload: Upload,
): Promise<Registration> {
  hostedSigner(ctx, caller);
  const previous = await ownAnchoredDocument(ctx, caller, previousHash);
  if (previous.status !== 'Current') {
    throw new AppError(409, 'NOT_CURRENT_VERSION', `Document ${previousHash} is ${previous.status.toLowerCase()}`, {
      details: { documentHash: previousHash, status: previous.status.toLowerCase() },
    });
  }
  return registerDocument(ctx, readerKeys, caller, upload, { previousHash });
}

/** Queues the revocation of `documentHash` (its registrant only). */
export async function revokeDocument(
  ctx: DocumentsContext,
  caller: Caller,
  documentHash: string,
  request: RevocationRequest,
): Promise<OperationView> {
  hostedSigner(ctx, caller);
  await ownAnchoredDocument(ctx, caller, documentHash);
  const operation = await acceptRequest(ctx, {
    kind: 'revoke',
    sender: caller.account,
    documentHash,
    reason: REVOCATION_REASONS.indexOf(request.reason),
  });
  // The note stays with this API (it may name people): only the reason goes on chain.
  recordOperationOwner(ctx.db, operation, caller.account, request.note ?? null);
  return operationView(operation);
}
