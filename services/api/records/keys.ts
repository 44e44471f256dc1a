/**
 * Reader key fetch and re-wrapping on key rotation.
 *
 * - A reader member's API holds its own party's private key but not the registrant's wrapped keys: it asks the
 *   registrant's API for the one wrapped for it (`GET /v1/documents/{hash}/wrapped-key`, authenticated as that party:
 *   only the caller's own wrapped key is ever answered) and keeps it in its own store (`fetchWrappedKeyFrom`).
 * - Rotation: a party replaces its encryption public key on chain (`ConsortiumAccess.setEncryptionPublicKey`, event
 *   `PartyEncryptionKeyChanged`). The registrant's API, following its index, opens the content key of each confidential
 *   document that names that party as a reader with a key it holds (its own wrapped copy) and wraps it again for the
 *   new public key, replacing the old wrapped key; each re-wrap is recorded in `rec_key_rotations`. The content key
 *   itself does not change (the anchored CID of the ciphertext cannot), so rotation protects what is fetched from now
 *   on: a copy wrapped for the old key that was already fetched still opens with the old private key.
 */
import type { DatabaseSync } from 'node:sqlite';
import { getAddress, hexlify, getBytes } from 'ethers';
import { parseEncryptionPublicKey, unwrapContentKey, wrapContentKey } from '../../storage/index.js';
import { inTransaction } from '../database.js';
import { storedDocument, wrappedKeyFor, type StoredDocument } from '../documents/store.js';
import { viewerMaySee } from '../documents/visibility.js';
import { AppError } from '../errors.js';
import { recordAccess } from './access-log.js';
import type { RecordsContext } from './context.js';

/** Creates the table recording each re-wrap. */
export function initKeysSchema(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS rec_key_rotations (
      document_hash TEXT NOT NULL,
      party TEXT NOT NULL,
      encryption_public_key TEXT NOT NULL,
      event_id TEXT NOT NULL,
      rewrapped_at TEXT NOT NULL,
      PRIMARY KEY (document_hash, party, event_id)
    );
    CREATE TABLE IF NOT EXISTS rec_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `);
}

/** A wrapped key as the registrant's API answers it. */
export interface WrappedKeyAnswer {
  documentHash: string;
  recipient: string;
  /** 0x hex of HPKE `enc || ciphertext` (see services/storage/wrap.ts). */
  wrappedKey: string;
  cid: string;
  /** How the registrant was given the document, for the reader's API to serve it the same way. */
  contentType: string;
  fileName: string | null;
}

/**
 * The content key of `documentHash` wrapped for `reader` (the caller), from the registrant's API: 404 when this API
 * did not register it or the caller may not see it, 403 NOT_A_READER when the caller sees it but it was not wrapped
 * for the caller, 410 CONTENT_ERASED after erasure, 409 NOT_CONFIDENTIAL for a public document (nothing to unwrap).
 * Recorded in the access log (it opens the content).
 */
export function wrappedKeyForReader(
  ctx: Pick<RecordsContext, 'db'>,
  reader: { account: string; via: string; roles?: readonly string[] },
  documentHash: string,
): WrappedKeyAnswer {
  const { stored, account, wrapped } = readerOfConfidential(ctx.db, reader, documentHash);
  recordAccess(ctx, {
    documentHash,
    registrant: stored.registrant,
    reader: account,
    via: reader.via,
    purpose: 'wrapped-key fetch',
  });
  return {
    documentHash,
    recipient: account,
    wrappedKey: hexlify(wrapped),
    cid: stored.cid,
    contentType: stored.contentType,
    fileName: stored.fileName,
  };
}

/**
 * The stored ciphertext of `documentHash`, under the same rules as its wrapped key, for a reader member's API to keep
 * beside the key (its bytes are what IPFS holds under the anchored CID: nothing opens them without a key). Not logged:
 * the wrapped-key fetch that makes them readable is.
 */
export async function ciphertextForReader(
  ctx: Pick<RecordsContext, 'db' | 'content'>,
  reader: { account: string; roles?: readonly string[] },
  documentHash: string,
): Promise<Uint8Array> {
  const { stored } = readerOfConfidential(ctx.db, reader, documentHash);
  if (!(await ctx.content.has(stored.cid))) {
    throw new AppError(410, 'CONTENT_ERASED', `The content of ${documentHash} is no longer stored`, {
      details: { documentHash, cid: stored.cid },
    });
  }
  return ctx.content.get(stored.cid);
}

/** A confidential document this API registered, with the key wrapped for `reader`, who must be one of its readers. */
function readerOfConfidential(
  db: DatabaseSync,
  reader: { account: string; roles?: readonly string[] },
  documentHash: string,
): { stored: StoredDocument; account: string; wrapped: Uint8Array } {
  const stored = readerVisibleDocument(db, reader, documentHash);
  const account = getAddress(reader.account);
  if (!stored.confidential) {
    throw new AppError(409, 'NOT_CONFIDENTIAL', `${documentHash} is public: its content is not encrypted`, {
      details: { documentHash },
    });
  }
  if (!stored.readers.map((r) => getAddress(r)).includes(account)) {
    throw new AppError(403, 'NOT_A_READER', `${account} is not a reader of ${documentHash}`, {
      details: { documentHash, party: account },
    });
  }
  if (stored.erasedAt !== null) {
    throw new AppError(410, 'CONTENT_ERASED', `The content of ${documentHash} was erased`, {
      details: { documentHash, erasedAt: stored.erasedAt },
    });
  }
  const wrapped = wrappedKeyFor(db, documentHash, account);
  if (wrapped === null) {
    throw new AppError(403, 'NOT_A_READER', `No content key of ${documentHash} is wrapped for ${account}`, {
      details: { documentHash, party: account },
    });
  }
  return { stored, account, wrapped };
}

/** The document this API registered under `documentHash`, if `viewer` may see it; else 404 as for an unknown one. */
function readerVisibleDocument(
  db: DatabaseSync,
  viewer: { account: string; roles?: readonly string[] },
  documentHash: string,
): StoredDocument {
  const stored = storedDocument(db, documentHash);
  const account = getAddress(viewer.account);
  if (stored === null || stored.operationId === null || !viewerMaySee({ account, roles: viewer.roles ?? [] }, stored)) {
    throw new AppError(404, 'DOCUMENT_NOT_FOUND', `This API registered no document ${documentHash} the caller sees`, {
      details: { documentHash },
    });
  }
  return stored;
}

/** Keeps a wrapped key in this API's store (replacing an earlier copy for the same document and recipient). */
export function keepWrappedKey(db: DatabaseSync, documentHash: string, recipient: string, wrapped: Uint8Array): void {
  db.prepare(
    `INSERT INTO doc_wrapped_keys (document_hash, recipient, wrapped_key, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (document_hash, recipient) DO UPDATE SET wrapped_key = excluded.wrapped_key, created_at = excluded.created_at`,
  ).run(documentHash, getAddress(recipient), wrapped, new Date().toISOString());
}

/**
 * Fetches from the registrant's API at `remoteUrl` the key of `documentHash` wrapped for the party `apiKey` belongs to
 * and keeps it in this API's store. Refuses an answer for another recipient or document. Throws an `AppError` 502
 * REMOTE_KEY_FETCH_FAILED carrying the remote problem when the remote API refuses.
 */
export async function fetchWrappedKeyFrom(
  ctx: Pick<RecordsContext, 'db'>,
  remoteUrl: string,
  apiKey: string,
  documentHash: string,
  expectedRecipient?: string,
): Promise<WrappedKeyAnswer> {
  const url = new URL(`/v1/documents/${documentHash}/wrapped-key`, remoteUrl);
  const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' } });
  const body = (await response.json()) as Partial<WrappedKeyAnswer> & { code?: string; detail?: string };
  if (!response.ok) {
    throw new AppError(502, 'REMOTE_KEY_FETCH_FAILED', `${url.origin} refused the wrapped key: ${body.detail ?? ''}`, {
      details: { documentHash, remoteStatus: response.status, remoteCode: body.code },
    });
  }
  if (
    body.documentHash !== documentHash ||
    typeof body.recipient !== 'string' ||
    typeof body.wrappedKey !== 'string' ||
    (expectedRecipient !== undefined && getAddress(body.recipient) !== getAddress(expectedRecipient))
  ) {
    throw new AppError(502, 'REMOTE_KEY_FETCH_FAILED', `${url.origin} answered a wrapped key for something else`, {
      details: { documentHash },
    });
  }
  keepWrappedKey(ctx.db, documentHash, body.recipient, getBytes(body.wrappedKey));
  return body as WrappedKeyAnswer;
}

/** Confidential documents registered here, not erased, that name `reader` as a reader. */
function documentsToRewrap(db: DatabaseSync, reader: string): string[] {
  const rows = db
    .prepare(
      `SELECT d.document_hash FROM doc_documents d JOIN doc_readers r ON r.document_hash = d.document_hash
       WHERE r.reader = ? AND d.confidential = 1 AND d.erased_at IS NULL AND d.operation_id IS NOT NULL`,
    )
    .all(getAddress(reader)) as { document_hash: string }[];
  return rows.map((row) => row.document_hash);
}

/** The content key of `documentHash`, opened with any recipient key this API holds (the registrant's first). */
async function openContentKey(ctx: RecordsContext, documentHash: string, registrant: string, rotated: string) {
  const recipients = [registrant, ...ctx.encryptionKeys.keys()].filter((account) => account !== rotated);
  for (const recipient of new Set(recipients)) {
    const privateKey = ctx.encryptionKeys.get(recipient);
    const wrapped = wrappedKeyFor(ctx.db, documentHash, recipient);
    if (privateKey === undefined || wrapped === null) continue;
    try {
      return await unwrapContentKey(wrapped, privateKey, { documentHash, recipient });
    } catch {
      // That holder's key rotated too: try the next one.
    }
  }
  return null;
}

const ROTATION_CURSOR = 'key-rotations.after';

/**
 * Follows the index for `PartyEncryptionKeyChanged` and re-wraps, for each rotated reader, the content key of every
 * confidential document this API registered that names it. Returns the re-wraps done. Resumes after the last event
 * it looked at; a document whose content key this API cannot open is logged and skipped.
 */
export async function rewrapForRotatedKeys(
  ctx: RecordsContext,
  batchSize = 500,
): Promise<{ documentHash: string; party: string }[]> {
  const done: { documentHash: string; party: string }[] = [];
  for (;;) {
    const cursor = ctx.db.prepare('SELECT value FROM rec_state WHERE key = ?').get(ROTATION_CURSOR) as
      { value: string } | undefined;
    const events = await ctx.index.events(cursor?.value, batchSize);
    for (const event of events) {
      if (event.name !== 'PartyEncryptionKeyChanged') continue;
      const party = getAddress(event.args.account);
      let publicKey: Uint8Array;
      try {
        publicKey = parseEncryptionPublicKey(event.args.encryptionPublicKey);
      } catch (error) {
        ctx.logger?.warn({ err: error, party }, 'a rotated encryption key is not an X25519 key: nothing re-wrapped');
        continue;
      }
      for (const documentHash of documentsToRewrap(ctx.db, party)) {
        const stored = storedDocument(ctx.db, documentHash)!;
        const contentKey = await openContentKey(ctx, documentHash, getAddress(stored.registrant), party);
        if (contentKey === null) {
          ctx.logger?.warn({ documentHash, party }, 'cannot open the content key to re-wrap it for a rotated key');
          continue;
        }
        const wrapped = await wrapContentKey(contentKey, publicKey, { documentHash, recipient: party });
        inTransaction(ctx.db, () => {
          keepWrappedKey(ctx.db, documentHash, party, wrapped);
          ctx.db
            .prepare(
              `INSERT OR IGNORE INTO rec_key_rotations (document_hash, party, encryption_public_key, event_id, rewrapped_at)
               VALUES (?, ?, ?, ?, ?)`,
            )
            .run(documentHash, party, event.args.encryptionPublicKey, event.id, new Date().toISOString());
        });
        done.push({ documentHash, party });
      }
    }
    const last = events.at(-1);
    if (last !== undefined) {
      ctx.db
        .prepare(
          'INSERT INTO rec_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        )
        .run(ROTATION_CURSOR, last.id);
    }
    if (events.length === 0) return done;
  }
}
