/**
 * Registering a document (or a new version of one): the bytes were hashed and, for a confidential document, encrypted
 * while they streamed in (`readUpload`); here the content key is wrapped for each reader party, the stored bytes go to
 * IPFS, the private metadata and wrapped keys are written durably, and the anchor is handed to the outbox — in that
 * order, so that nothing the outbox anchors lacks its keys, and a failure before the outbox leaves nothing behind.
 */
import { TypedDataEncoder, ZeroHash } from 'ethers';
import type { Signer } from 'ethers';
import type { DocumentsContext } from './context.js';
import type { Caller } from '../auth/caller.js';
import type { Operation } from '../anchoring/types.js';
import { wrapContentKeyInWorker } from '../../storage/index.js';
import { FLIGHT_DELAY_TERMS_TYPES, TermsType, WEATHER_INDEX_TERMS_TYPES } from '../../shared/eip712.js';
import { AppError } from '../errors.js';
import { acceptRequest, operationView, type OperationView } from './operations.js';
import type { ReaderKeys } from './reader-keys.js';
import { DOCUMENT_TYPES, type DocumentMetadata } from './schemas.js';
import { insertDocument, recordOperationOwner, type StoredDocument, type StoredTerms } from './store.js';
import type { Upload } from './upload.js';

export interface Registration {
  documentHash: string;
  cid: string;
  operation: OperationView;
}

/** Hashes being registered right now, so that two concurrent uploads of the same bytes cannot both be queued. */
const inFlight = new Set<string>();

/** The signer this API holds for `caller`'s party; 403 PARTY_NOT_HOSTED when it holds none. */
export function hostedSigner(ctx: DocumentsContext, caller: Caller): Signer {
  const signer = ctx.signers.get(caller.account);
  if (signer === undefined) {
    throw new AppError(
      403,
      'PARTY_NOT_HOSTED',
      `This API does not hold the key of ${caller.account}: register documents through your own member's API`,
      { details: { party: caller.account } },
    );
  }
  return signer;
}

/**
 * The anchoring a document gets: documents with co-signers or terms are anchored singly (a batch root records
 * neither); others go in the next batch unless the registrant asks for a single anchor.
 */
export function anchoringMode(metadata: DocumentMetadata): 'single' | 'batch' {
  const needsSingle = metadata.requiredSigners.length > 0 || metadata.termsHash !== undefined;
  if (needsSingle && metadata.mode === 'batch') {
    throw new AppError(
      400,
      'INVALID_REQUEST',
      'Invalid body: body.mode: a document with required signers or a terms hash is anchored singly',
      { details: { issues: [{ path: 'body.mode', message: 'must be "single" here', code: 'custom' }] } },
    );
  }
  return needsSingle ? 'single' : (metadata.mode ?? 'batch');
}

/** The terms' EIP-712 struct hash, checked against the termsHash given beside them. */
export function termsOf(metadata: DocumentMetadata): { termsHash: string | null; terms?: StoredTerms } {
  if (metadata.terms === undefined) return { termsHash: metadata.termsHash ?? null };
  const termsType = TermsType[metadata.terms.termsType];
  const types = termsType === TermsType.FlightDelay ? FLIGHT_DELAY_TERMS_TYPES : WEATHER_INDEX_TERMS_TYPES;
  const primaryType = termsType === TermsType.FlightDelay ? 'FlightDelayTerms' : 'WeatherIndexTerms';
  let termsHash: string;
  try {
    termsHash = TypedDataEncoder.hashStruct(primaryType, types, metadata.terms.terms).toLowerCase();
  } catch (error) {
    throw new AppError(400, 'INVALID_REQUEST', `Invalid body: body.terms: not valid ${primaryType}`, {
      cause: error,
      details: { issues: [{ path: 'body.terms.terms', message: (error as Error).message, code: 'custom' }] },
    });
  }
  if (metadata.termsHash !== undefined && metadata.termsHash !== termsHash) {
    throw new AppError(400, 'INVALID_REQUEST', 'Invalid body: body.termsHash: not the struct hash of body.terms', {
      details: {
        issues: [{ path: 'body.termsHash', message: `the terms hash to ${termsHash}`, code: 'custom' }],
      },
    });
  }
  return { termsHash, terms: { termsHash, termsType, terms: metadata.terms.terms } };
}

/**
 * 409 DOCUMENT_EXISTS when `documentHash` was registered already: queued or anchored through this API, or anchored by
 * anyone. A registration whose anchoring failed does not count: the document may be registered again.
 */
export async function refuseExisting(ctx: DocumentsContext, documentHash: string): Promise<void> {
  const live = ctx.anchoring
    .operationsOf(documentHash)
    .find(
      (operation) => (operation.kind === 'anchor' || operation.kind === 'supersede') && operation.state !== 'failed',
    );
  if (live !== undefined) throw documentExists(documentHash, live);
  if ((await ctx.index.document(documentHash)) !== null) throw documentExists(documentHash);
}

function documentExists(documentHash: string, operation?: Operation): AppError {
  return new AppError(409, 'DOCUMENT_EXISTS', `Document ${documentHash} is already registered`, {
    details: { documentHash, ...(operation === undefined ? {} : { operation: operationView(operation) }) },
  });
}

export interface RegisterOptions {
  /** The version this one supersedes (checked by the caller: current, the caller's own). */
  previousHash?: string;
}

/** Registers `upload` for `caller` (an INSURER or REINSURER whose key this API holds). */
export async function registerDocument(
  ctx: DocumentsContext,
  readerKeys: ReaderKeys,
  caller: Caller,
  upload: Upload,
  options: RegisterOptions = {},
): Promise<Registration> {
  hostedSigner(ctx, caller);
  const { metadata, sealed } = upload;
  const documentHash = sealed.documentHash.toLowerCase();
  const mode = options.previousHash === undefined ? anchoringMode(metadata) : 'single';
  const { termsHash, terms } = termsOf(metadata);
  // Claimed before the first await, so that a simultaneous upload of the same bytes sees the claim.
  if (inFlight.has(documentHash)) throw documentExists(documentHash);
  inFlight.add(documentHash);
  try {
    await refuseExisting(ctx, documentHash);
    const readers = [caller.account, ...metadata.readers.filter((reader) => reader !== caller.account)];
    const wrappedKeys = await wrapForReaders(readerKeys, readers, documentHash, sealed.contentKey);
    const cid = await ctx.content.add(sealed.stored);
    const document: StoredDocument = {
      documentHash,
      registrant: caller.account,
      requestedBy: caller.account,
      operationId: null,
      documentType: metadata.documentType,
      policyRef: metadata.policyRef,
      retentionClass: metadata.retentionClass,
      coverEndsAt: metadata.coverEndsAt,
      confidential: metadata.confidential,
      cid,
      size: sealed.size,
      contentType: upload.contentType,
      fileName: upload.fileName,
      requiredSigners: metadata.requiredSigners,
      readers,
      termsHash,
      personal: metadata.personal ?? null,
      previousHash: options.previousHash ?? null,
      mode,
      createdAt: new Date().toISOString(),
      erasedAt: null,
    };
    // The document's record, its wrapped keys and its outbox entry commit together, in the outbox's group commit:
    // one fsync for many registrations, and never one without the others. The outbox runs this only for a new
    // operation: when it answers with one already live for these bytes, the document is someone else's registration.
    let recorded = false;
    const operation = await acceptRequest(ctx, anchorRequest(document, caller.account), (accepted) => {
      insertDocument(ctx.db, { ...document, operationId: accepted.id }, wrappedKeys, terms);
      recordOperationOwner(ctx.db, accepted, caller.account);
      recorded = true;
    });
    if (!recorded) throw documentExists(documentHash, operation);
    return { documentHash, cid, operation: operationView(operation) };
  } finally {
    inFlight.delete(documentHash);
  }
}

/** The content key wrapped for each reader, in worker threads (HPKE's cost stays off the event loop). */
async function wrapForReaders(
  readerKeys: ReaderKeys,
  readers: string[],
  documentHash: string,
  contentKey: Uint8Array | undefined,
): Promise<Map<string, Uint8Array>> {
  const wrapped = new Map<string, Uint8Array>();
  if (contentKey === undefined) return wrapped;
  const publicKeys = await Promise.all(readers.map((reader) => readerKeys.publicKeyOf(reader)));
  await Promise.all(
    readers.map(async (recipient, i) => {
      wrapped.set(recipient, await wrapContentKeyInWorker(contentKey, publicKeys[i]!, { documentHash, recipient }));
    }),
  );
  return wrapped;
}

function anchorRequest(document: StoredDocument, sender: string) {
  const input = {
    documentHash: document.documentHash,
    termsHash: document.termsHash ?? ZeroHash,
    documentType: DOCUMENT_TYPES.indexOf(document.documentType as (typeof DOCUMENT_TYPES)[number]),
    retentionClass: document.retentionClass,
    policyRef: document.policyRef,
    storagePointer: document.cid,
    requiredSigners: document.requiredSigners,
  };
  if (document.previousHash !== null) {
    return { kind: 'supersede' as const, sender, previousHash: document.previousHash, input };
  }
  return { kind: 'anchor' as const, sender, mode: document.mode, input };
}
