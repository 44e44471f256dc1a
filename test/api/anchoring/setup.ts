/** What the anchoring tests share: an API database on disk, a manifest store, documents and chain reads. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { AbiCoder, dataSlice, getAddress, id, ZeroHash, type Signer } from 'ethers';
import {
  AnchoringService,
  type AnchoringOptions,
  type AnchorInput,
  type Operation,
} from '../../../services/api/anchoring/index.js';
import type { LedgerClient } from '../../../services/ledger/client.js';
import type { TestLedger } from '../../helpers/api-chain.js';

export const RETENTION_LIFE = 1;
export const DOCUMENT_TYPE_POLICY = 0;

/** The API database as `openApiDatabase` opens it: WAL, every commit fsync'ed. */
export function openTestDatabase(file: string): DatabaseSync {
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
  return db;
}

/** A scratch directory for databases, removed by `remove()`. */
export function scratchDir(): { dir: string; file(name: string): string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'policyledger-anchoring-'));
  return {
    dir,
    file: (name) => path.join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A content store for batch manifests keyed by their real CIDv1 (raw, sha2-256). */
export class ManifestStore {
  readonly manifests = new Map<string, Uint8Array>();
  /** Stores that fail before the next one succeeds (a storage outage). */
  failNext = 0;

  readonly store = async (bytes: Uint8Array): Promise<string> => {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('content store unavailable');
    }
    const cid = CID.create(1, raw.code, await sha256.digest(bytes)).toString();
    this.manifests.set(cid, bytes);
    return cid;
  };

  json(cid: string): { merkleRoot: string; documentHashes: string[]; storagePointers: string[] } {
    const bytes = this.manifests.get(cid);
    if (bytes === undefined) throw new Error(`no manifest ${cid}`);
    return JSON.parse(new TextDecoder().decode(bytes)) as {
      merkleRoot: string;
      documentHashes: string[];
      storagePointers: string[];
    };
  }
}

let counter = 0;

/** A fresh document's anchoring input: the SHA-256 of unique bytes, no terms, no required signers. */
export function documentInput(overrides: Partial<AnchorInput> = {}): AnchorInput {
  counter++;
  const documentHash = `0x${createHash('sha256').update(`policy document ${process.pid} ${Date.now()} ${counter}`).digest('hex')}`;
  return {
    documentHash,
    termsHash: ZeroHash,
    documentType: DOCUMENT_TYPE_POLICY,
    retentionClass: RETENTION_LIFE,
    policyRef: `POL-${counter}`,
    storagePointer: `bafkreidocument${counter}`,
    requiredSigners: [],
    ...overrides,
  };
}

export interface Harness {
  ledger: LedgerClient;
  insurer: TestLedger['parties'][number];
  signers: Map<string, Signer>;
}

export function harness(chain: TestLedger): Harness {
  const insurer = chain.parties[2]!;
  return {
    ledger: { deployment: chain.deployment, provider: chain.provider },
    insurer,
    signers: new Map<string, Signer>([[insurer.wallet.address, insurer.signer]]),
  };
}

export function newService(
  db: DatabaseSync,
  setup: Harness,
  options: Partial<AnchoringOptions> & Pick<AnchoringOptions, 'storeBatchManifest'>,
): AnchoringService {
  return new AnchoringService(db, setup.ledger, setup.signers, {
    batchWindowMs: 50,
    batchMaxSize: 100,
    retryInitialMs: 20,
    retryMaxMs: 200,
    ...options,
  });
}

/** Polls `condition` every 20 ms until it holds, failing after `timeoutMs`. */
export async function eventually<T>(
  condition: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until every operation is anchored or failed, and returns them as they ended. */
export async function settledAll(
  service: AnchoringService,
  operations: Operation[],
  timeoutMs = 30_000,
): Promise<Operation[]> {
  return Promise.all(
    operations.map(async (operation) => {
      const settled = await service.waitFor(operation.id, timeoutMs);
      if (settled.state !== 'anchored' && settled.state !== 'failed') {
        throw new Error(`operation ${operation.id} still ${settled.state} after ${timeoutMs} ms`);
      }
      return settled;
    }),
  );
}

const BATCH_ANCHORED = id('BatchAnchored(bytes32,address,uint24,string)');

/** The `BatchAnchored` events of the registry (of one root when given): root, registrant, count, storage pointer. */
export async function batchEvents(ledger: LedgerClient, merkleRoot?: string) {
  const logs = await ledger.provider.getLogs({
    address: ledger.deployment.evidenceRegistry,
    topics: merkleRoot === undefined ? [BATCH_ANCHORED] : [BATCH_ANCHORED, merkleRoot],
    fromBlock: 0,
  });
  return logs.map((log) => {
    const [documentCount, storagePointer] = AbiCoder.defaultAbiCoder().decode(['uint24', 'string'], log.data);
    return {
      merkleRoot: log.topics[1]!,
      registrant: getAddress(dataSlice(log.topics[2]!, 12)),
      documentCount: Number(documentCount),
      storagePointer: String(storagePointer),
      transactionHash: log.transactionHash,
    };
  });
}

/** The sender's next nonce, counting pooled transactions, read past the provider's cache. */
export async function transactionCount(chain: TestLedger, account: string): Promise<number> {
  return Number(await chain.provider.send('eth_getTransactionCount', [account, 'pending']));
}
