/**
 * The documents API in-process over a test ledger, as the embedded stack runs it: a Helia store on disk, the SQLite
 * chain index followed by its indexer, the anchoring outbox sending with the insurer's key, and the insurer's and
 * reinsurer's X25519 keys held by the API (their public halves registered on chain first).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Wallet, type Signer } from 'ethers';
import { AnchoringService } from '../../../services/api/anchoring/index.js';
import { documentsRouter } from '../../../services/api/documents/routes.js';
import { manifestsIn } from '../../../services/api/main.js';
import { documentsContext, type DocumentsContext } from '../../../services/api/documents/context.js';
import { ChainIndexer, openChainIndex } from '../../../services/indexer/index.js';
import { rotateEncryptionPublicKey } from '../../../services/ledger/records.js';
import { localEncryptionKeyPair, openHeliaContentStore } from '../../../services/storage/index.js';
import type { TestLedger } from '../../helpers/api-chain.js';
import { apiKeyFor, startTestApi } from '../../helpers/api-client.js';

export const INSURER = 2;
export const REINSURER = 3;
export const CLIENT = 4;
export const AUDITOR = 8;

export interface DocumentsStack {
  url: string;
  ctx: DocumentsContext;
  /** `Authorization` header values by party index. */
  auth: Map<number, string>;
  close(): Promise<void>;
}

/**
 * Has `party` register its secp256k1 public key as its encryption key, as deployments before X25519 did: a key no
 * content key can be wrapped for.
 */
export async function registerLegacyEncryptionKey(ledger: TestLedger, party: number): Promise<void> {
  const { wallet, signer } = ledger.parties[party]!;
  await rotateEncryptionPublicKey(
    { deployment: ledger.deployment, provider: ledger.provider, signer },
    wallet.publicKey,
  );
}

/** Starts the documents API over `ledger`, signing in `callers` (party indexes) with API keys. */
export async function startDocumentsStack(
  ledger: TestLedger,
  options: { env?: Record<string, string>; callers: number[] },
): Promise<DocumentsStack> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-docs-'));
  const client = { deployment: ledger.deployment, provider: ledger.provider };
  const content = await openHeliaContentStore(path.join(scratch, 'ipfs'), { cidVersion: 0 });
  const index = await openChainIndex({ sqliteFile: path.join(scratch, 'index.sqlite') });
  const indexer = new ChainIndexer(client, index, { pollIntervalMs: 100, batchManifests: manifestsIn(content) });
  const insurer = ledger.parties[INSURER]!;
  // The API's own connection of the insurer's key, apart from the test's, so that nonces are tracked in one place.
  const signers = new Map<string, Signer>([
    [insurer.wallet.address, new Wallet(insurer.wallet.privateKey, ledger.provider)],
  ]);
  const encryptionKeys = new Map<string, Uint8Array>(
    [INSURER, REINSURER].map((i) => {
      const party = ledger.parties[i]!;
      return [party.wallet.address, localEncryptionKeyPair(party.wallet.privateKey).privateKey];
    }),
  );
  let anchoring: AnchoringService | undefined;
  const api = await startTestApi(ledger, {
    dataDir: scratch,
    env: options.env ?? {},
    context: { index, content, signers, encryptionKeys },
    routers: (ctx) => {
      anchoring = new AnchoringService(ctx.db, client, signers, {
        batchWindowMs: ctx.config.batchWindowMs,
        batchMaxSize: ctx.config.batchMaxSize,
        storeBatchManifest: (bytes) => content.add(bytes),
        retryInitialMs: 50,
      });
      ctx.anchoring = anchoring;
      return [documentsRouter(ctx)];
    },
  });
  await anchoring!.start();
  await indexer.syncOnce();
  indexer.start();
  const auth = new Map<number, string>();
  for (const i of options.callers) auth.set(i, await apiKeyFor(api.url, ledger.parties[i]!.wallet));
  return {
    url: api.url,
    ctx: documentsContext(api.ctx),
    auth,
    async close() {
      await indexer.stop();
      await anchoring!.stop();
      await api.close();
      await index.close();
      await content.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
