/**
 * A document's content. A confidential document is opened only for a party its content key was wrapped for and whose
 * private encryption key this API holds: the ciphertext is fetched by CID, the key unwrapped with that party's key and
 * the bytes decrypted. A public document's bytes go to any caller allowed to see the document. Whatever is returned is
 * checked against the anchored hash first, and every read is written to the access log. A document registered through
 * another member's API is fetched from there for a party hosted here (peer-content.ts).
 */
import { createHash } from 'node:crypto';
import type { DocumentsContext } from './context.js';
import type { Caller } from '../auth/caller.js';
import { isStorageError, openSealed, unwrapContentKey } from '../../storage/index.js';
import { AppError } from '../errors.js';
import { recordAccess } from '../records/access-log.js';
import { readPeerContent } from './peer-content.js';
import { storedDocument, wrappedKeyFor } from './store.js';
import { maySee } from './visibility.js';

export interface DocumentContent {
  bytes: Uint8Array;
  contentType: string;
  fileName: string | null;
}

function notAReader(documentHash: string, account: string): AppError {
  return new AppError(403, 'NOT_A_READER', `${account} may not read the content of ${documentHash}`, {
    details: { documentHash, party: account },
  });
}

/** The content of `documentHash` for `caller`. */
export async function readContent(
  ctx: DocumentsContext,
  caller: Caller,
  documentHash: string,
): Promise<DocumentContent> {
  const stored = storedDocument(ctx.db, documentHash);
  if (stored === null || stored.operationId === null) {
    // Registered through another member's API: fetched from there (or the copy kept here) for a party hosted here.
    const copy = await readPeerContent(ctx, caller, documentHash);
    recordAccess(ctx, { documentHash, registrant: copy.registrant, reader: caller.account, via: caller.via });
    return { bytes: copy.bytes, contentType: copy.contentType, fileName: copy.fileName };
  }
  const visible = maySee(caller, {
    registrant: stored.registrant,
    requiredSigners: stored.requiredSigners,
    readers: stored.readers,
  });
  // A party the document does not concern is told nothing, not even that it exists (as GET /v1/documents/{hash}).
  if (!visible) {
    throw new AppError(404, 'DOCUMENT_NOT_FOUND', `This API holds no content of ${documentHash}`, {
      details: { documentHash },
    });
  }
  const account = caller.account;
  let bytes: Uint8Array;
  if (stored.confidential) {
    if (!stored.readers.includes(account)) throw notAReader(documentHash, account);
    if (stored.erasedAt !== null) throw erased(documentHash, stored.erasedAt);
    const wrapped = wrappedKeyFor(ctx.db, documentHash, account);
    const privateKey = ctx.encryptionKeys.get(account);
    if (wrapped === null || privateKey === undefined) throw notAReader(documentHash, account);
    const contentKey = await unwrapContentKey(wrapped, privateKey, { documentHash, recipient: account });
    bytes = openSealed(await fetchContent(ctx, documentHash, stored.cid), contentKey);
  } else {
    if (stored.erasedAt !== null) throw erased(documentHash, stored.erasedAt);
    bytes = await fetchContent(ctx, documentHash, stored.cid);
  }
  if (`0x${createHash('sha256').update(bytes).digest('hex')}` !== documentHash) {
    throw new AppError(502, 'CONTENT_MISMATCH', `The stored content of ${documentHash} does not hash to it`, {
      details: { documentHash, cid: stored.cid },
    });
  }
  recordAccess(ctx, { documentHash, registrant: stored.registrant, reader: account, via: caller.via });
  return { bytes, contentType: stored.contentType, fileName: stored.fileName };
}

function erased(documentHash: string, erasedAt: string): AppError {
  return new AppError(410, 'CONTENT_ERASED', `The content of ${documentHash} was erased`, {
    details: { documentHash, erasedAt },
  });
}

/** The stored bytes by CID; gone from the store (unpinned at erasure) is 410 as well. */
async function fetchContent(ctx: DocumentsContext, documentHash: string, cid: string): Promise<Uint8Array> {
  try {
    return await ctx.content.get(cid);
  } catch (error) {
    if (isStorageError(error, 'CONTENT_NOT_FOUND')) {
      throw new AppError(410, 'CONTENT_ERASED', `The content of ${documentHash} is no longer stored`, {
        cause: error,
        details: { documentHash, cid },
      });
    }
    throw error;
  }
}
