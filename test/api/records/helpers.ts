/**
 * Helpers of the records tests: a member's API state built from the real modules (SQLite database, Helia store,
 * anchoring outbox, chain index), a document registered the way the documents module does, and — for the access-log
 * unit tests only — a content store in memory and an anchoring stand-in that anchors at once through the registry.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { getAddress, ZeroHash, type Signer } from 'ethers';
import { AnchoringService } from '../../../services/api/anchoring/service.js';
import { openApiDatabase } from '../../../services/api/database.js';
import {
  initDocumentsSchema,
  insertDocument,
  recordOperationOwner,
  type StoredDocument,
} from '../../../services/api/documents/store.js';
import { initAccessLogSchema, type HeadAnchoring } from '../../../services/api/records/access-log.js';
import type { RecordsContext } from '../../../services/api/records/context.js';
import { initKeysSchema } from '../../../services/api/records/keys.js';
import { initRetentionSchema } from '../../../services/api/records/retention.js';
import { ChainIndexer, openChainIndex, type ChainIndex } from '../../../services/indexer/index.js';
import type { LedgerClient } from '../../../services/ledger/client.js';
import { anchorDocument } from '../../../services/ledger/documents.js';
import { readParty } from '../../../services/ledger/parties.js';
import {
  hashAndSeal,
  openHeliaContentStore,
  parseEncryptionPublicKey,
  wrapContentKey,
} from '../../../services/storage/index.js';
import type { TestLedger } from '../../helpers/api-chain.js';

export function memoryContent() {
  const blocks = new Map<string, Uint8Array>();
  return {
    blocks,
    add(bytes: Uint8Array): Promise<string> {
      const cid = `mem-${createHash('sha256').update(bytes).digest('hex')}`;
      blocks.set(cid, bytes);
      return Promise.resolve(cid);
    },
    get(cid: string): Promise<Uint8Array> {
      const bytes = blocks.get(cid);
      return bytes === undefined ? Promise.reject(new Error(`no ${cid}`)) : Promise.resolve(bytes);
    },
    has: (cid: string) => Promise.resolve(blocks.has(cid)),
    remove(cid: string): Promise<void> {
      blocks.delete(cid);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

export function directAnchoring(client: LedgerClient, signer: Signer): HeadAnchoring {
  const operations = new Map<string, { state: string }>();
  return {
    async accept(request) {
      await anchorDocument({ ...client, signer }, request.input);
      const id = `op-${operations.size + 1}`;
      operations.set(id, { state: 'anchored' });
      return { id, state: 'anchored' };
    },
    operation: (id) => operations.get(id) ?? null,
  };
}

/** One member's API state for the records tests: database, Helia store, anchoring outbox and chain index. */
export interface RecordsNode {
  ctx: RecordsContext;
  indexer: ChainIndexer;
  index: ChainIndex;
  anchoringService: AnchoringService;
  stop(): Promise<void>;
}

/** A member's API hosting `hosted` (signers and X25519 private keys), built over `ledger` in `dir`. */
export async function startRecordsNode(
  ledger: TestLedger,
  dir: string,
  hosted: { signer: Signer; address: string; encryptionPrivateKey: Uint8Array }[],
): Promise<RecordsNode> {
  mkdirSync(dir, { recursive: true });
  const client: LedgerClient = { deployment: ledger.deployment, provider: ledger.provider };
  const db = openApiDatabase(path.join(dir, 'api.sqlite'));
  initDocumentsSchema(db);
  initAccessLogSchema(db);
  initRetentionSchema(db);
  initKeysSchema(db);
  const content = await openHeliaContentStore(path.join(dir, 'ipfs'));
  const signers = new Map(hosted.map((party) => [getAddress(party.address), party.signer]));
  const anchoringService = new AnchoringService(db, client, signers, {
    batchWindowMs: 50,
    batchMaxSize: 10,
    storeBatchManifest: (bytes) => content.add(bytes),
  });
  await anchoringService.start();
  const index = await openChainIndex({ sqliteFile: path.join(dir, 'index.sqlite') });
  const indexer = new ChainIndexer(client, index);
  const ctx: RecordsContext = {
    db,
    ledger: client,
    signers,
    encryptionKeys: new Map(hosted.map((party) => [getAddress(party.address), party.encryptionPrivateKey])),
    index,
    content,
    anchoring: anchoringService,
  };
  return {
    ctx,
    indexer,
    index,
    anchoringService,
    async stop() {
      await anchoringService.stop();
      await index.close();
      await content.close();
      db.close();
    },
  };
}

/** Registers a document through the registrant's node as the documents module does, and waits for its anchor. */
export async function registerTestDocument(
  node: RecordsNode,
  registrant: string,
  options: { confidential: boolean; readers: string[]; retentionClass: number; coverEndsAt: string },
): Promise<{ documentHash: string; cid: string; bytes: Uint8Array }> {
  const bytes = randomBytes(256);
  const sealed = await hashAndSeal(Readable.from([bytes]), { confidential: options.confidential, maxBytes: 1 << 20 });
  const cid = await node.ctx.content.add(sealed.stored);
  const readers = [getAddress(registrant), ...options.readers.map((reader) => getAddress(reader))];
  const wrappedKeys = new Map<string, Uint8Array>();
  if (sealed.contentKey !== undefined) {
    for (const reader of readers) {
      const party = await readParty(node.ctx.ledger, reader);
      const publicKey = parseEncryptionPublicKey(party.encryptionPublicKey);
      const context = { documentHash: sealed.documentHash, recipient: reader };
      wrappedKeys.set(reader, await wrapContentKey(sealed.contentKey, publicKey, context));
    }
  }
  // As a registration does: the document's record and its operation's owner commit with the outbox entry.
  const document: StoredDocument = {
    documentHash: sealed.documentHash,
    registrant: getAddress(registrant),
    requestedBy: getAddress(registrant),
    operationId: null,
    documentType: 'Policy',
    policyRef: 'POL-RECORDS-TEST',
    retentionClass: options.retentionClass,
    coverEndsAt: options.coverEndsAt,
    confidential: options.confidential,
    cid,
    size: sealed.size,
    contentType: 'application/octet-stream',
    fileName: null,
    requiredSigners: [],
    readers,
    termsHash: null,
    personal: null,
    previousHash: null,
    mode: 'single',
    createdAt: new Date().toISOString(),
    erasedAt: null,
  };
  const operation = await node.anchoringService.accept(
    {
      kind: 'anchor',
      mode: 'single',
      sender: getAddress(registrant),
      input: {
        documentHash: sealed.documentHash,
        termsHash: ZeroHash,
        documentType: 0,
        retentionClass: options.retentionClass,
        policyRef: 'POL-RECORDS-TEST',
        storagePointer: cid,
        requiredSigners: [],
      },
    },
    {
      alongside: (accepted) => {
        insertDocument(node.ctx.db, { ...document, operationId: accepted.id }, wrappedKeys);
        recordOperationOwner(node.ctx.db, accepted, getAddress(registrant));
      },
    },
  );
  await waitAnchored(node, operation.id);
  return { documentHash: sealed.documentHash, cid, bytes };
}

/** Waits (bounded) until operation `id` is anchored; throws with its state otherwise. */
export async function waitAnchored(node: RecordsNode, id: string): Promise<void> {
  const operation = await node.anchoringService.waitFor(id, 20_000);
  if (operation.state !== 'anchored')
    throw new Error(`operation ${id} is ${operation.state}: ${JSON.stringify(operation.error)}`);
}

/** Syncs the node's index until it holds `blockNumber` (the provider may briefly answer a cached block number). */
export async function syncThrough(node: RecordsNode, blockNumber: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (((await node.index.headBlock()) ?? -1) < blockNumber) {
    if (Date.now() > deadline) throw new Error(`the index did not reach block ${blockNumber}`);
    await node.indexer.syncOnce();
  }
}
