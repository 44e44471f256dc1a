/**
 * Reading documents: one document's metadata (chain facts from the index — version chain, co-signatures, status — and
 * this API's private metadata for those allowed to see it), and listing with filters and cursor pagination over the
 * index, restricted to what the caller may see. A document this API registered that is not (yet) in the index —
 * queued, or in a batch whose members the index has not listed yet — is described from the API's store and the outbox.
 *
 * Batch members are listed by the index itself (from each batch's manifest, checked against the anchored root: see
 * services/indexer/manifests.ts) rather than by merging this API's own registrations into the index's pages: one
 * source keeps one order and one cursor for filters and pagination, auditors see every member the index can prove,
 * and everything listed is still rebuilt from the chain (and the manifests its roots name), as for single anchors.
 */
import { ZeroHash } from 'ethers';
import type { DocumentsContext } from './context.js';
import type { Caller } from '../auth/caller.js';
import type { IndexedCoSignature, IndexedDocument } from '../../indexer/types.js';
import { AppError } from '../errors.js';
import { invalidCursor } from '../validation.js';
import { operationView } from './operations.js';
import type { DocumentTypeName, DocumentView, ListQuery } from './schemas.js';
import { documentsReadableBy, storedDocument, type StoredDocument } from './store.js';
import { isAuditor, maySee, personalFieldsFor } from './visibility.js';

/** 404 for a document the caller may not see, as for an unknown one: existence is not revealed to outsiders. */
function notFound(documentHash: string): AppError {
  return new AppError(404, 'DOCUMENT_NOT_FOUND', `No document ${documentHash} visible to the caller`, {
    details: { documentHash },
  });
}

/** The document `documentHash` as `caller` may see it. */
export async function readDocument(ctx: DocumentsContext, caller: Caller, documentHash: string): Promise<DocumentView> {
  const indexed = (await ctx.index.document(documentHash)) ?? (await ctx.index.batchMember(documentHash));
  const stored = storedDocument(ctx.db, documentHash);
  if (indexed === null && (stored === null || stored.operationId === null)) throw notFound(documentHash);
  const facts = {
    registrant: indexed?.registrant ?? stored!.registrant,
    requiredSigners: indexed?.requiredSigners ?? stored!.requiredSigners,
    readers: stored?.readers ?? [],
  };
  if (!maySee(caller, facts)) throw notFound(documentHash);
  return describe(ctx, caller, indexed, stored);
}

/** A page of the documents `caller` may see that match `query`. */
export async function listDocuments(
  ctx: DocumentsContext,
  caller: Caller,
  query: ListQuery,
): Promise<{ items: DocumentView[]; nextCursor: string | null }> {
  const visibleTo = isAuditor(caller)
    ? undefined
    : { account: caller.account, alsoHashes: documentsReadableBy(ctx.db, caller.account) };
  const status = query.status === 'pending' ? undefined : query.status;
  if (query.status === 'pending') return { items: [], nextCursor: null };
  let page;
  try {
    page = await ctx.index.listDocuments(
      {
        ...(query.policyRef === undefined ? {} : { policyRef: query.policyRef }),
        ...(query.documentType === undefined ? {} : { documentType: query.documentType }),
        ...(status === undefined ? {} : { status }),
        ...(query.registrant === undefined ? {} : { registrant: query.registrant }),
        ...(query.requiredSigner === undefined ? {} : { requiredSigner: query.requiredSigner }),
        ...(query.anchoredFrom === undefined ? {} : { anchoredFrom: startOf(query.anchoredFrom) }),
        ...(query.anchoredTo === undefined ? {} : { anchoredTo: endOf(query.anchoredTo) }),
        ...(visibleTo === undefined ? {} : { visibleTo }),
      },
      { limit: query.limit, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) },
    );
  } catch (error) {
    if ((error as { code?: unknown }).code === 'INVALID_CURSOR') throw invalidCursor(query.cursor ?? '', error);
    throw error;
  }
  const items = await Promise.all(
    page.items.map((indexed) => describe(ctx, caller, indexed, storedDocument(ctx.db, indexed.documentHash))),
  );
  return { items, nextCursor: page.nextCursor };
}

/** A bare date bound covers its whole day. */
function startOf(bound: string): string {
  return bound.length === 10 ? `${bound}T00:00:00.000Z` : bound;
}
function endOf(bound: string): string {
  return bound.length === 10 ? `${bound}T23:59:59.999Z` : bound;
}

async function describe(
  ctx: DocumentsContext,
  caller: Caller,
  indexed: IndexedDocument | null,
  stored: StoredDocument | null,
): Promise<DocumentView> {
  const operation = stored?.operationId == null ? null : ctx.anchoring.operation(stored.operationId);
  const requiredSigners = indexed?.requiredSigners ?? stored!.requiredSigners;
  // A batch member has no co-signatures and no other version: a batch root records neither.
  const [coSignatures, versions] =
    indexed === null
      ? [[] as IndexedCoSignature[], [] as IndexedDocument[]]
      : indexed.merkleRoot !== null
        ? [[] as IndexedCoSignature[], [indexed]]
        : await Promise.all([ctx.index.coSignatures(indexed.documentHash), ctx.index.versionChain(indexed.chainRoot)]);
  const signedBy = new Map(coSignatures.map((signature) => [signature.signer, signature.signedAt]));
  const documentHash = indexed?.documentHash ?? stored!.documentHash;
  const proof = ctx.anchoring.batchProof(documentHash);
  const anchored = operation?.state === 'anchored';
  return {
    documentHash,
    status: indexed?.status ?? (proof !== null && anchored ? 'current' : 'pending'),
    registrant: indexed?.registrant ?? stored!.registrant,
    documentType: (indexed?.documentType ?? stored!.documentType) as DocumentTypeName,
    policyRef: indexed?.policyRef ?? stored!.policyRef,
    retentionClass: indexed?.retentionClass ?? stored!.retentionClass,
    termsHash: indexed === null ? stored!.termsHash : indexed.termsHash === ZeroHash ? null : indexed.termsHash,
    cid: indexed?.storagePointer ?? stored?.cid ?? null,
    anchor:
      indexed?.merkleRoot != null
        ? {
            mode: 'batch',
            blockNumber: indexed.blockNumber,
            transactionHash: indexed.transactionHash,
            anchoredAt: indexed.anchoredAt,
            merkleRoot: indexed.merkleRoot,
            // The proof of a batch this API anchored; another member's API gives its own (or any holder of the manifest).
            proof: proof?.proof ?? null,
          }
        : indexed !== null
          ? {
              mode: 'single',
              blockNumber: indexed.blockNumber,
              transactionHash: indexed.transactionHash,
              anchoredAt: indexed.anchoredAt,
              merkleRoot: null,
              proof: null,
            }
          : proof !== null && anchored
            ? {
                mode: 'batch',
                blockNumber: operation.blockNumber ?? null,
                transactionHash: operation.transactionHash ?? null,
                anchoredAt: null,
                merkleRoot: proof.merkleRoot,
                proof: proof.proof,
              }
            : null,
    version: indexed?.version ?? null,
    versions: versions.map((version) => ({
      documentHash: version.documentHash,
      version: version.version,
      status: version.status,
    })),
    currentVersion: versions.find((version) => version.status === 'current')?.documentHash ?? null,
    revocation:
      indexed?.status === 'revoked'
        ? { reason: indexed.revocationReason ?? 'Unspecified', revokedAt: indexed.revokedAt }
        : null,
    signatures: requiredSigners.map((signer) => ({
      signer,
      state: signedBy.has(signer) ? ('signed' as const) : ('pending' as const),
      signedAt: signedBy.get(signer) ?? null,
    })),
    fullySigned: indexed !== null && requiredSigners.every((signer) => signedBy.has(signer)),
    operation: operation === null ? null : operationView(operation),
    private: stored === null ? null : privateMetadata(caller, stored),
  };
}

function privateMetadata(caller: Caller, stored: StoredDocument): NonNullable<DocumentView['private']> {
  return {
    confidential: stored.confidential,
    readers: stored.readers,
    coverEndsAt: stored.coverEndsAt,
    contentType: stored.contentType,
    fileName: stored.fileName,
    size: stored.size,
    personal: personalFieldsFor(caller, stored),
    erased: stored.erasedAt !== null,
  };
}
