/**
 * What every router gets: configuration, the API database, the logger, the ledger (provider only), the keys this API
 * holds, the chain index, the content store and the anchoring service. Built once at start-up (or by a test).
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Signer } from 'ethers';
import type { LedgerClient } from '../ledger/client.js';
import type { ChainIndex } from '../indexer/index.js';
import type { ContentStore } from '../storage/content-store.js';
import type { AnchoringService } from './anchoring/index.js';
import type { ApiConfig } from './config.js';
import type { Logger } from './logger.js';

export type { AnchoringService, ChainIndex, ContentStore };

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
