/**
 * What every router gets: configuration, the API database, the logger, the ledger (provider only), the keys this API
 * holds, the chain index, the content store and the anchoring service. Built once at start-up (or by a test).
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Signer } from 'ethers';
import type { LedgerClient } from '../ledger/client.js';
import type { PartyRole } from '../ledger/parties.js';
import type { ApiConfig } from './config.js';
import type { Logger } from './logger.js';

// The interfaces below are the ones BRIEF.md promises from other modules (INDEX, STORAGE, ANCHORING), declared here
// in their minimal form until those modules are merged; the lead replaces them with `import type` from their owners.

/** The chain index (services/indexer). */
export interface ChainIndex {
  /** The last block the index has processed, or null before the first sync. */
  headBlock(): Promise<number | null>;
  partyAt(account: string, blockNumber: number): Promise<{ registered: boolean; active: boolean; roles: PartyRole[] }>;
  close(): Promise<void>;
}

/** Content addressed storage (services/storage). */
export interface ContentStore {
  add(bytes: Uint8Array): Promise<string>;
  get(cid: string): Promise<Uint8Array>;
  has(cid: string): Promise<boolean>;
  remove(cid: string): Promise<void>;
  close(): Promise<void>;
}

/** The durable anchoring outbox (services/api/anchoring). */
export interface AnchoringService {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ApiContext {
  config: ApiConfig;
  db: DatabaseSync;
  logger: Logger;
  /** The ledger, for reads (provider only): writes go through `signers`. */
  ledger: LedgerClient;
  /** Signers this API may send with, by checksummed address: the member's own key (keystore), plus the local demo parties in the embedded stack. */
  signers: Map<string, Signer>;
  /** X25519 private keys this API holds, by checksummed party address. */
  encryptionKeys: Map<string, Uint8Array>;
  index: ChainIndex;
  content: ContentStore;
  anchoring: AnchoringService;
}
