/**
 * Content of documents registered through another member's API. Members share content, not servers: the registrant's
 * API keeps a confidential document's wrapped keys, and the ciphertext (or a public document's bytes) is on IPFS under
 * the anchored CID. When a party whose key this API holds asks for such a document's content, this API asks the
 * registrant's API (`POLICYLEDGER_API_PEERS`), authenticated as this member, for the document's metadata
 * (`GET /v1/documents/{hash}`) and the key wrapped for the caller (`GET …/wrapped-key`), and fetches the bytes by the
 * anchored CID from this member's own IPFS node (the embedded node peering with the other members' nodes, or Kubo),
 * which asks its peers over bitswap for at most `POLICYLEDGER_IPFS_FETCH_TIMEOUT_MS` (504 CONTENT_UNREACHABLE then).
 * Only an embedded node without peering, which has no way to reach other nodes, has the bytes fetched from the
 * registrant's API instead (`GET …/ciphertext`, `GET …/content`) and stored here, where they must get the anchored
 * CID (members use the same CID mode). The remote decides who is a reader; nothing it answers is trusted: the
 * ciphertext must open under the unwrapped key (AES-256-GCM) to bytes whose SHA-256 is the anchored hash, else they
 * are dropped and the read fails with 502 CONTENT_MISMATCH. A copy kept here is read locally from then on; an erasure
 * notice from the registrant removes it (records module), after which the registrant's 410 is passed on. A member of
 * another member's batch, which this index cannot list without the batch's manifest, is taken from a peer only with a
 * Merkle proof to a root anchored by that peer's party.
 */
import { createHash } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { DocumentsContext } from './context.js';
import type { Caller } from '../auth/caller.js';
import type { PeerApiConfig } from '../config.js';
import type { IndexedDocument } from '../../indexer/types.js';
import { batchRootOf } from '../../ledger/verification-proofs.js';
import { isStorageError, openSealed, SEALED_OVERHEAD_BYTES, unwrapContentKey } from '../../storage/index.js';
import { AppError } from '../errors.js';
import { fetchWrappedKeyFrom } from '../records/keys.js';
import { wrappedKeyFor } from './store.js';

/** What this API keeps of a document it fetched for one of its parties. */
export interface PeerCopy {
  documentHash: string;
  reader: string;
  registrant: string;
  cid: string;
  confidential: boolean;
  contentType: string;
  fileName: string | null;
}

/** Creates the table of fetched copies (idempotent). */
export function initPeerCopiesSchema(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS doc_peer_copies (
      document_hash TEXT NOT NULL,
      reader TEXT NOT NULL,
      registrant TEXT NOT NULL,
      cid TEXT NOT NULL,
      confidential INTEGER NOT NULL,
      content_type TEXT NOT NULL,
      file_name TEXT,
      fetched_at TEXT NOT NULL,
      PRIMARY KEY (document_hash, reader)
    );
  `);
}

function peerCopy(db: DatabaseSync, documentHash: string, reader: string): PeerCopy | null {
  const row = db
    .prepare('SELECT * FROM doc_peer_copies WHERE document_hash = ? AND reader = ?')
    .get(documentHash, reader) as Record<string, string | number | null> | undefined;
  if (row === undefined) return null;
  return {
    documentHash,
    reader,
    registrant: String(row.registrant),
    cid: String(row.cid),
    confidential: row.confidential === 1,
    contentType: String(row.content_type),
    fileName: row.file_name === null ? null : String(row.file_name),
  };
}

function keepCopy(db: DatabaseSync, copy: PeerCopy): void {
  db.prepare(
    `INSERT INTO doc_peer_copies (document_hash, reader, registrant, cid, confidential, content_type, file_name, fetched_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (document_hash, reader) DO UPDATE SET cid = excluded.cid, content_type = excluded.content_type,
       file_name = excluded.file_name, fetched_at = excluded.fetched_at`,
  ).run(
    copy.documentHash,
    copy.reader,
    copy.registrant,
    copy.cid,
    copy.confidential ? 1 : 0,
    copy.contentType,
    copy.fileName,
    new Date().toISOString(),
  );
}

function notFound(documentHash: string): AppError {
  return new AppError(404, 'DOCUMENT_NOT_FOUND', `This API holds no content of ${documentHash}`, {
    details: { documentHash },
  });
}

function mismatch(documentHash: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError(502, 'CONTENT_MISMATCH', `${message} (${documentHash})`, {
    details: { documentHash, ...details },
  });
}

/**
 * The content of `documentHash`, registered through another member's API, for `caller` (a party whose encryption key
 * this API holds): from the copy kept here, else fetched from the registrant's API and kept. 404 DOCUMENT_NOT_FOUND
 * when the chain knows no such document, this API knows no API of its registrant, or the registrant's API does not
 * let the caller read it; 410 CONTENT_ERASED when the registrant erased it.
 */
export async function readPeerContent(
  ctx: DocumentsContext,
  caller: Caller,
  documentHash: string,
): Promise<PeerCopy & { bytes: Uint8Array }> {
  const account = caller.account;
  const privateKey = ctx.encryptionKeys.get(account);
  if (privateKey === undefined) throw notFound(documentHash);
  const kept = peerCopy(ctx.db, documentHash, account);
  if (kept !== null && (await ctx.content.has(kept.cid))) {
    const wrapped = kept.confidential ? wrappedKeyFor(ctx.db, documentHash, account) : null;
    if (!kept.confidential) return { ...kept, bytes: await ctx.content.get(kept.cid) };
    // A key kept from before this party rotated its encryption key no longer opens: fetch the re-wrapped one.
    const contentKey =
      wrapped === null
        ? null
        : await unwrapContentKey(wrapped, privateKey, { documentHash, recipient: account }).catch(() => null);
    if (contentKey !== null) return { ...kept, bytes: openSealed(await ctx.content.get(kept.cid), contentKey) };
  }
  const anchored =
    (await ctx.index.document(documentHash)) ??
    (await ctx.index.batchMember(documentHash)) ??
    (await provenBatchMember(ctx, documentHash));
  if (anchored === null) throw notFound(documentHash);
  const peer = ctx.config.peers.find((candidate) => candidate.party === anchored.registrant);
  if (peer === undefined) throw notFound(documentHash);
  return fetchFromPeer(ctx, peer, account, privateKey, anchored);
}

/** What the content is checked against: the anchored registrant and storage pointer (CID). */
type AnchoredContent = Pick<IndexedDocument, 'documentHash' | 'registrant' | 'storagePointer'>;

/**
 * A member of another member's batch that this index could not list (its manifest is in that member's store): asked
 * of each peer API, and taken only with a Merkle proof from the hash to a root this index holds as anchored by that
 * peer's party. The member's CID is then the registrant's word, checked like everything else against the bytes.
 */
async function provenBatchMember(ctx: DocumentsContext, documentHash: string): Promise<AnchoredContent | null> {
  for (const peer of ctx.config.peers) {
    const answer = await remote(peer, `/v1/documents/${documentHash}`, documentHash).catch(() => null);
    if (answer === null) continue;
    const described = (await answer.json()) as {
      cid?: string | null;
      anchor?: { mode?: string; merkleRoot?: string | null; proof?: string[] | null } | null;
    };
    const { merkleRoot, proof } = described.anchor ?? {};
    if (described.anchor?.mode !== 'batch' || !merkleRoot || !proof || !described.cid) continue;
    const batch = await ctx.index.batch(merkleRoot);
    if (batch === null || batch.registrant !== peer.party || batchRootOf(documentHash, proof) !== batch.merkleRoot) {
      continue;
    }
    return { documentHash, registrant: peer.party, storagePointer: described.cid };
  }
  return null;
}

async function fetchFromPeer(
  ctx: DocumentsContext,
  peer: PeerApiConfig,
  account: string,
  privateKey: Uint8Array,
  anchored: AnchoredContent,
): Promise<PeerCopy & { bytes: Uint8Array }> {
  const documentHash = anchored.documentHash;
  const metadata = await remote(peer, `/v1/documents/${documentHash}`, documentHash);
  const described = (await metadata.json()) as {
    private?: { confidential?: boolean; contentType?: string; fileName?: string | null; erased?: boolean } | null;
  };
  const confidential = described.private?.confidential !== false;
  let contentType = described.private?.contentType ?? 'application/octet-stream';
  let fileName = described.private?.fileName ?? null;
  if (confidential) {
    // First the key: the registrant's API tells whether the caller is a reader before any bytes are fetched.
    const key = await fetchWrappedKeyFrom(ctx, peer.url, peer.apiKey, documentHash, account).catch((error: unknown) => {
      throw passOn(error, documentHash);
    });
    ({ contentType, fileName } = key);
  } else if (described.private?.erased === true) {
    throw passOn({ remoteStatus: 410 }, documentHash);
  }
  const fetched = await fetchByCid(ctx, anchored, confidential);
  const stored =
    fetched?.stored ??
    new Uint8Array(
      await (
        await remote(peer, `/v1/documents/${documentHash}/${confidential ? 'ciphertext' : 'content'}`, documentHash)
      ).arrayBuffer(),
    );
  const source = fetched === null ? 'registrant’s API' : 'IPFS';
  let bytes: Uint8Array;
  try {
    bytes = confidential ? await openFetched(ctx, anchored, account, privateKey, stored, source) : stored;
    if (`0x${createHash('sha256').update(bytes).digest('hex')}` !== documentHash) {
      throw mismatch(documentHash, `The content from the ${source} does not hash to the anchored hash`);
    }
  } catch (error) {
    if (fetched !== null && !fetched.heldBefore) await ctx.content.remove(anchored.storagePointer);
    throw error;
  }
  if (fetched === null) await storeUnderAnchoredCid(ctx, anchored, stored);
  const copy: PeerCopy = {
    documentHash,
    reader: account,
    registrant: anchored.registrant,
    cid: anchored.storagePointer,
    confidential,
    contentType,
    fileName,
  };
  keepCopy(ctx.db, copy);
  ctx.logger.info(
    {
      documentHash,
      registrant: anchored.registrant,
      cid: anchored.storagePointer,
      from: fetched === null ? peer.url : 'ipfs',
    },
    'fetched another member’s document',
  );
  return { ...copy, bytes };
}

/**
 * The bytes under the anchored CID from this member's IPFS node, which asks its peers for what it does not hold (and
 * checks every block against its CID); null when the node has no way to reach other nodes (embedded, no peering).
 */
async function fetchByCid(
  ctx: DocumentsContext,
  anchored: AnchoredContent,
  confidential: boolean,
): Promise<{ stored: Uint8Array; heldBefore: boolean } | null> {
  const { documentHash, storagePointer: cid } = anchored;
  const timeoutMs = ctx.config.ipfsNetwork.fetchTimeoutMs;
  // No more than this API would accept itself: a CID naming more is refused before the bulk of it is fetched.
  const maxBytes = ctx.config.maxDocumentBytes + (confidential ? SEALED_OVERHEAD_BYTES : 0);
  try {
    const heldBefore = await ctx.content.has(cid);
    return { stored: await ctx.content.fetch(cid, { timeoutMs, maxBytes }), heldBefore };
  } catch (error) {
    if (isStorageError(error, 'CONTENT_STORE_OFFLINE')) return null;
    if (isStorageError(error, 'DOCUMENT_TOO_LARGE')) {
      throw new AppError(502, 'CONTENT_TOO_LARGE', `The content of ${documentHash} is larger than this API accepts`, {
        cause: error,
        details: { documentHash, cid, maxDocumentBytes: ctx.config.maxDocumentBytes, reason: error.message },
      });
    }
    if (isStorageError(error, 'CID_INVALID')) throw mismatch(documentHash, 'The anchored storage pointer is not a CID');
    if (isStorageError(error, 'CONTENT_UNREACHABLE')) {
      throw new AppError(
        504,
        'CONTENT_UNREACHABLE',
        `No IPFS peer of this member's node delivered the content of ${documentHash} within ${timeoutMs} ms`,
        { cause: error, details: { documentHash, cid, timeoutMs, reason: error.message } },
      );
    }
    throw error;
  }
}

/** The ciphertext opened with the content key wrapped for `account` (just fetched from the registrant's API). */
async function openFetched(
  ctx: DocumentsContext,
  anchored: AnchoredContent,
  account: string,
  privateKey: Uint8Array,
  stored: Uint8Array,
  source: string,
): Promise<Uint8Array> {
  const documentHash = anchored.documentHash;
  const wrapped = wrappedKeyFor(ctx.db, documentHash, account)!;
  try {
    const contentKey = await unwrapContentKey(wrapped, privateKey, { documentHash, recipient: account });
    return openSealed(stored, contentKey);
  } catch (error) {
    throw mismatch(documentHash, `The ciphertext from the ${source} does not open with the registrant’s key`, {
      reason: (error as Error).message,
    });
  }
}

/** Bytes from the registrant's API, stored here: they must get the anchored CID, else they are removed again. */
async function storeUnderAnchoredCid(ctx: DocumentsContext, anchored: AnchoredContent, stored: Uint8Array) {
  const cid = await ctx.content.add(stored);
  if (cid !== anchored.storagePointer) {
    await ctx.content.remove(cid);
    throw mismatch(
      anchored.documentHash,
      'The content stored here does not have the anchored CID (another CID mode?)',
      {
        cid,
        anchoredCid: anchored.storagePointer,
      },
    );
  }
}

/** A GET to the registrant's API as this member; its refusals become this API's (404, 403, 410) or a 502. */
async function remote(peer: PeerApiConfig, path: string, documentHash: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(new URL(path, peer.url), { headers: { authorization: `Bearer ${peer.apiKey}` } });
  } catch (error) {
    throw new AppError(502, 'PEER_UNREACHABLE', `The registrant's API at ${peer.url} cannot be reached`, {
      cause: error,
      details: { documentHash, peer: peer.url },
    });
  }
  if (response.ok) return response;
  const problem = (await response.json().catch(() => ({}))) as { code?: string };
  throw passOn({ remoteStatus: response.status, remoteCode: problem.code, peer: peer.url }, documentHash);
}

/** What a refusal of the registrant's API becomes here. */
function passOn(error: unknown, documentHash: string): AppError {
  const details = error instanceof AppError ? (error.details ?? {}) : (error as Record<string, unknown>);
  const status = details.remoteStatus;
  if (status === 404 || status === 403) return notFound(documentHash);
  if (status === 410) {
    return new AppError(410, 'CONTENT_ERASED', `The registrant erased the content of ${documentHash}`, {
      details: { documentHash },
    });
  }
  if (error instanceof AppError) return error;
  return new AppError(502, 'PEER_REFUSED', `The registrant's API refused the content of ${documentHash}`, {
    details: { documentHash, ...details },
  });
}
