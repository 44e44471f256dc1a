/**
 * What the records module needs of the API's context: a narrow, structural view of `ApiContext`, so that its use cases
 * state what they use and tests can build one without the whole server.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Signer } from 'ethers';
import type { Logger } from 'pino';
import type { LedgerClient } from '../../ledger/client.js';
import type { ChainEvent, IndexedDocument } from '../../indexer/types.js';
import type { HeadAnchoring } from './access-log.js';

export interface RecordsContentStore {
  add(bytes: Uint8Array): Promise<string>;
  get(cid: string): Promise<Uint8Array>;
  has(cid: string): Promise<boolean>;
  remove(cid: string): Promise<void>;
}

export interface RecordsIndex {
  document(documentHash: string): Promise<IndexedDocument | null>;
  events(sinceId: string | undefined, limit: number): Promise<ChainEvent[]>;
}

export interface RecordsContext {
  db: DatabaseSync;
  ledger: LedgerClient;
  logger?: Logger;
  signers: Map<string, Signer>;
  encryptionKeys: Map<string, Uint8Array>;
  index: RecordsIndex;
  content: RecordsContentStore;
  anchoring: HeadAnchoring;
}
