/**
 * The API's composition root: reads the configuration, opens what the API keeps (its SQLite database, the chain
 * index, the content store), loads the keys it holds, starts the index follower, the anchoring outbox and the records
 * keeper, and serves the app. `npm run api` runs it alone; `npm start` runs it with the rest of the embedded stack.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getAddress, JsonRpcProvider, NonceManager, Wallet, type Signer } from 'ethers';
import type { Router } from 'express';
import { localParties } from '../../scripts/lib/local-parties.js';
import { stopOnSignal } from '../../scripts/lib/signals.js';
import { ChainIndexer, openChainIndex, type ChainIndexLocation, type ManifestSource } from '../indexer/index.js';
import type { Deployment } from '../ledger/deploy.js';
import { readParty } from '../ledger/parties.js';
import { loadEncryptionKeyFile, localEncryptionKeyPair } from '../storage/keys.js';
import { openHeliaContentStore } from '../storage/helia.js';
import { openKuboContentStore } from '../storage/kubo.js';
import type { ContentStore } from '../storage/content-store.js';
import { isStorageError } from '../storage/errors.js';
import { AnchoringService } from './anchoring/index.js';
import { createApp } from './app.js';
import { consortiumRouter } from './consortium/routes.js';
import { deploymentFileFor, describeApiConfig, loadApiConfig, type ApiConfig } from './config.js';
import type { ApiContext } from './context.js';
import { openApiDatabase } from './database.js';
import { documentsRouter } from './documents/routes.js';
import { startEvents } from './events/index.js';
import { createLogger, type Logger } from './logger.js';
import { metricsRegistry } from './metrics.js';
import { recordsScheduleFromEnv, startRecords } from './records/index.js';
import { recordsRouter } from './records/routes.js';
import { salesRouter } from './policies/sales-routes.js';
import { startApiServer } from './server.js';
import { treatiesRouter } from './treaties/routes.js';
import { treatyDashboardRouter } from './treaties/web-dashboard.js';
import { verificationRouter } from './verification/routes.js';
import { bookRouter } from './book/routes.js';
import { policyReadRouter } from './policies/read-routes.js';
import { devSignInRouter } from './auth/dev-sign-in.js';
import { webRouter } from '../web/routes.js';
import { proposalListRouter } from './policies/web-proposals.js';
import { oracleHealthRouter } from './consortium/oracle-health-routes.js';
import { policyPreviewRouter } from './policies/web-preview.js';
import { chainRelayRouter } from './chain/rpc-relay.js';

/** Where the API's chain index lives: PostgreSQL when a database URL is set, else SQLite beside the API database. */
export function chainIndexLocation(config: ApiConfig): ChainIndexLocation {
  return config.databaseUrl === null
    ? { sqliteFile: path.join(config.apiDir, 'index.sqlite') }
    : { databaseUrl: config.databaseUrl };
}

/** The keys this API holds: transaction signers and X25519 encryption keys, by checksummed party address. */
export interface HostedKeys {
  signers: Map<string, Signer>;
  encryptionKeys: Map<string, Uint8Array>;
}

export interface RunningApi {
  url: string;
  ctx: ApiContext;
  stop(): Promise<void>;
}

/** Reads the deployment record the configuration names (or the chain's default one), refusing a missing file. */
async function loadDeployment(config: ApiConfig, provider: JsonRpcProvider): Promise<Deployment> {
  const { chainId } = await provider.getNetwork();
  const file = config.deploymentFile ?? deploymentFileFor(config, chainId);
  if (!existsSync(file)) {
    throw new Error(
      `no deployment record at ${file}: deploy PolicyLedger first (npm run deploy / npm start) or set POLICYLEDGER_DEPLOYMENT`,
    );
  }
  const deployment = JSON.parse(readFileSync(file, 'utf8')) as Deployment;
  if (deployment.chainId !== chainId.toString()) {
    throw new Error(`${file} records chain ${deployment.chainId}, but ${config.rpcUrl} is chain ${chainId}`);
  }
  return deployment;
}

/**
 * The keys of this member (its keystore and encryption key file, with passwords from the environment) and, in the
 * embedded stack, the local demo parties' public development keys.
 */
export async function loadHostedKeys(config: ApiConfig, provider: JsonRpcProvider): Promise<HostedKeys> {
  const signers = new Map<string, Signer>();
  const encryptionKeys = new Map<string, Uint8Array>();
  if (config.embedded) {
    for (const party of localParties(provider)) {
      signers.set(party.wallet.address, party.signer);
      encryptionKeys.set(party.wallet.address, localEncryptionKeyPair(party.wallet.privateKey).privateKey);
    }
  }
  if (config.keystore !== null) {
    const wallet = await Wallet.fromEncryptedJson(readFileSync(config.keystore.file, 'utf8'), config.keystore.password);
    signers.set(getAddress(wallet.address), new NonceManager(wallet.connect(provider)));
    if (config.encryptionKey !== null) {
      const pair = await loadEncryptionKeyFile(config.encryptionKey.file, config.encryptionKey.password);
      encryptionKeys.set(getAddress(wallet.address), pair.privateKey);
    }
  }
  return { signers, encryptionKeys };
}

/** The first party this API holds a key for that may anchor (INSURER, then REINSURER): it anchors access-log heads. */
async function registrantAmong(ctx: ApiContext): Promise<string | undefined> {
  const parties = await Promise.all([...ctx.signers.keys()].map((account) => readParty(ctx.ledger, account)));
  return (
    parties.find((party) => party.active && party.roles.includes('INSURER')) ??
    parties.find((party) => party.active && party.roles.includes('REINSURER'))
  )?.account;
}

async function openContentStore(config: ApiConfig, logger: Logger): Promise<ContentStore> {
  if (config.ipfs.kind === 'kubo') return openKuboContentStore(config.ipfs.url, { cidVersion: config.cidVersion });
  mkdirSync(config.ipfs.dir, { recursive: true });
  const { peering } = config.ipfsNetwork;
  return openHeliaContentStore(config.ipfs.dir, {
    cidVersion: config.cidVersion,
    ...(peering === null ? {} : { peering: { ...peering, logger } }),
  });
}

/** How long the index waits for another member's batch manifest from the node's peers (it tries again later). */
const MANIFEST_FETCH_TIMEOUT_MS = 3000;

/**
 * Batch manifests as the index reads them: from the content store, or by CID from its node's peers (another member's
 * batch), null for one it cannot have now.
 */
export function manifestsIn(content: ContentStore, timeoutMs = MANIFEST_FETCH_TIMEOUT_MS): ManifestSource {
  return (cid) =>
    content.fetch(cid, { timeoutMs }).catch((error: unknown) => {
      const codes = ['CONTENT_NOT_FOUND', 'CID_INVALID', 'CONTENT_STORE_OFFLINE', 'CONTENT_UNREACHABLE'] as const;
      if (codes.some((code) => isStorageError(error, code))) return null;
      throw error;
    });
}

/** Tells where this member's IPFS node is, for the other members to peer with (embedded node with peering only). */
async function logIpfsIdentity(config: ApiConfig, content: ContentStore, logger: Logger): Promise<void> {
  const { peering } = config.ipfsNetwork;
  if (peering === null) return;
  logger.info({ ...(await content.identity()), peers: peering.peers }, 'IPFS node peering');
}

/** Starts the API described by `config`; `keys` defaults to what the configuration names. */
export async function startApi(
  config: ApiConfig,
  options: { logger?: Logger; keys?: HostedKeys; routers?: (ctx: ApiContext) => Router[] } = {},
): Promise<RunningApi> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'api' });
  mkdirSync(config.apiDir, { recursive: true });
  const provider = new JsonRpcProvider(config.rpcUrl, undefined, {
    staticNetwork: true,
    pollingInterval: 500,
    cacheTimeout: -1,
  });
  const closers: (() => Promise<void> | void)[] = [() => provider.destroy()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const deployment = await loadDeployment(config, provider);
    const keys = options.keys ?? (await loadHostedKeys(config, provider));
    const ledger = { deployment, provider };
    const db = openApiDatabase(config.databaseFile);
    closers.push(() => db.close());
    const index = await openChainIndex(chainIndexLocation(config));
    closers.push(() => index.close());
    const content = await openContentStore(config, logger);
    closers.push(() => content.close());
    await logIpfsIdentity(config, content, logger);
    const indexer = new ChainIndexer(ledger, index, { logger, batchManifests: manifestsIn(content) });
    await indexer.syncOnce();
    indexer.start();
    closers.push(() => indexer.stop());
    const anchoring = new AnchoringService(db, ledger, keys.signers, {
      batchWindowMs: config.batchWindowMs,
      batchMaxSize: config.batchMaxSize,
      storeBatchManifest: (bytes) => content.add(bytes),
      logger,
      metrics: metricsRegistry,
    });
    const ctx: ApiContext = {
      config,
      db,
      logger,
      ledger,
      signers: keys.signers,
      encryptionKeys: keys.encryptionKeys,
      index,
      content,
      anchoring,
    };
    const events = startEvents(ctx);
    closers.push(() => events.stop());
    const routers = [
      documentsRouter(ctx),
      verificationRouter(ctx),
      recordsRouter(ctx),
      consortiumRouter(ctx),
      oracleHealthRouter(ctx),
      treatiesRouter(ctx),
      salesRouter(ctx),
      proposalListRouter(ctx),
      events.router,
      policyReadRouter(ctx),
      bookRouter(ctx),
      policyPreviewRouter(ctx),
      treatyDashboardRouter(ctx),
      webRouter(ctx),
      chainRelayRouter(ctx),
      // Development-only sign-in as a demo party: the embedded local stack alone serves it.
      ...(config.embedded ? [devSignInRouter(ctx)] : []),
      ...(options.routers?.(ctx) ?? []),
    ];
    const app = createApp(ctx, routers);
    await anchoring.start();
    closers.push(() => anchoring.stop());
    const headRegistrant = await registrantAmong(ctx);
    if (headRegistrant === undefined) {
      logger.warn('no INSURER or REINSURER key is held here: access-log heads are not anchored by this API');
    } else {
      const records = await startRecords(ctx, { headRegistrant, ...recordsScheduleFromEnv(process.env) });
      closers.push(() => records.stop());
    }
    const server = await startApiServer(app, { host: config.host, port: config.port });
    closers.push(() => server.close());
    // Open event streams would hold the server's close.
    closers.push(() => events.endStreams());
    if (config.port === 0 && config.publicUrl.endsWith(':0')) config.publicUrl = server.url;
    logger.info({ url: server.url, config: describeApiConfig(config) }, 'API listening');
    return { url: server.url, ctx, stop: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function main(): Promise<void> {
  const config = loadApiConfig(process.env);
  const api = await startApi(config);
  console.log(`PolicyLedger API on ${api.url} (reference: ${api.url}/docs); Ctrl-C stops it.`);
  stopOnSignal(() => api.stop());
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
