/**
 * Backup and restore of the embedded stack's data directory, as `npm start` lays it out: the persisted local chain
 * and its deployment record, an oracle node (its configuration, keystore, password file and SQLite state) and the whole
 * API (`startApi` in embedded mode: its database, index and IPFS store). The backup is taken while all of it runs and
 * documents are being registered; the restore goes into a fresh folder, where a new chain process and a new API must
 * find the same documents (decryptable), API keys, operations, webhook position and node state.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encryptKeystoreJson, Wallet } from 'ethers';
import { deployLocal } from '../../scripts/deploy-local.js';
import type { LocalChain } from '../../scripts/lib/local-chain.js';
import { runBackupCli } from '../../services/backup/cli.js';
import { loadApiConfig } from '../../services/api/config.js';
import { silentLogger } from '../../services/api/logger.js';
import { startApi, type RunningApi } from '../../services/api/main.js';
import { backupDataDir, isBackupError, restoreDataDir, type BackupResult } from '../../services/backup/index.js';
import { loadNodeConfig } from '../../services/oracle/node/config.js';
import { startOracleNode, type RunningNode } from '../../services/oracle/node/run.js';
import { NodeState, type FeedRecord } from '../../services/oracle/node/state.js';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';
import { apiKeyFor } from '../helpers/api-client.js';
import { startReceiver, type WebhookReceiver } from '../api/events/receiver.js';
import { call, eventually, policyMetadata, REINSURER, INSURER, uniqueBytes, uploadForm } from '../api/matrix-stack.js';

const ORACLE = 5;
const PASSWORD_ENV = 'POLICYLEDGER_OPS_TEST_ORACLE_PASSWORD';
const FEED_ID = `0x${'fe'.repeat(32)}`;

interface WebhookView {
  id: string;
  position: string;
  delivery: { delivered: number; lastStatus: number | null };
}

/** Event ids (`<block>-<logIndex>`) in chain order. */
function eventOrder(id: string): [number, number] {
  const [block = 0, logIndex = 0] = id.split('-').map(Number);
  return [block, logIndex];
}

interface Registered {
  documentHash: string;
  bytes: Uint8Array;
  operation: { id: string; href: string };
}

/** The API's settings for the embedded stack over `dataDir` and the chain at `rpcUrl`. */
function apiConfig(dataDir: string, rpcUrl: string) {
  return loadApiConfig({
    POLICYLEDGER_DATA_DIR: dataDir,
    POLICYLEDGER_RPC_URL: rpcUrl,
    POLICYLEDGER_EMBEDDED: 'true',
    POLICYLEDGER_API_PORT: '0',
    POLICYLEDGER_API_LOG_LEVEL: 'silent',
    POLICYLEDGER_API_RATE_LIMIT_PER_IP: '0',
    POLICYLEDGER_API_RATE_LIMIT_PER_API_KEY: '0',
    POLICYLEDGER_BATCH_WINDOW_MS: '100',
    POLICYLEDGER_API_EVENTS_POLL_MS: '50',
    POLICYLEDGER_API_KEEPER: 'false',
  });
}

/** Writes an oracle node's keystore, password file and configuration under `<dataDir>/oracles`, as `npm start` does. */
async function prepareOracle(ledger: TestLedger): Promise<{ configFile: string; password: string }> {
  const folder = path.join(ledger.dataDir, 'oracles');
  mkdirSync(folder, { recursive: true });
  const password = randomBytes(16).toString('hex');
  writeFileSync(path.join(folder, 'local-password'), password, { mode: 0o600 });
  const { wallet } = ledger.parties[ORACLE]!;
  const keystore = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, password, {
    scrypt: { N: 1 << 12 },
  });
  writeFileSync(path.join(folder, 'oracle-1.keystore.json'), keystore, { mode: 0o600 });
  const configFile = path.join(folder, 'oracle-1.json');
  const config = {
    name: 'oracle-1',
    rpcUrl: ledger.rpcUrl,
    keystore: 'oracle-1.keystore.json',
    passwordEnv: PASSWORD_ENV,
    stateFile: 'oracle-1.sqlite',
    deployment: '../deployments/31337.json',
    http: { host: '127.0.0.1', port: 0 },
    providers: { flight: [], weather: [] },
    schedule: { pollIntervalMs: 200 },
  };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  return { configFile, password };
}

describe('backup and restore of a data directory', function () {
  this.timeout(120_000);
  let ledger: TestLedger;
  let node: RunningNode;
  let api: RunningApi;
  let receiver: WebhookReceiver;
  let insurer: string;
  let scratch: string;
  let archive: BackupResult;
  let first: Registered;
  let webhook: WebhookView;
  let feed: FeedRecord;
  /** Documents registered while the backup ran. */
  let during: Registered[];

  const as = (url: string, method: string, route: string, body?: FormData | object) =>
    call({ url }, insurer, method, route, body);

  /** Registers a confidential document as the insurer, the reinsurer a reader; singly anchored with `confirm`. */
  async function register(url: string, bytes: Uint8Array, confirm: boolean): Promise<Registered> {
    const readers = [ledger.parties[REINSURER]!.wallet.address];
    const metadata = policyMetadata({ confidential: true, readers, ...(confirm ? { mode: 'single' } : {}) });
    const answer = await as(url, 'POST', `/v1/documents${confirm ? '?confirm=true' : ''}`, uploadForm(metadata, bytes));
    expect(answer.status, await answer.clone().text()).to.equal(confirm ? 201 : 202);
    const { documentHash, operation } = (await answer.json()) as Registered;
    return { documentHash, bytes, operation };
  }

  /** Waits for an operation to be anchored on the API at `url`. */
  function anchored(url: string, operation: { href: string }) {
    return eventually(`${operation.href} anchored`, async () => {
      const answer = await as(url, 'GET', operation.href);
      const { operation: current } = (await answer.json()) as { operation: { state: string } };
      if (current.state === 'failed') throw new Error(`${operation.href} failed`);
      return current.state === 'anchored' ? current : undefined;
    });
  }

  async function webhookView(url: string, id: string): Promise<WebhookView> {
    const answer = await as(url, 'GET', `/v1/webhooks/${id}`);
    expect(answer.status).to.equal(200);
    return (await answer.json()) as WebhookView;
  }

  async function contentOf(url: string, documentHash: string): Promise<Buffer> {
    const answer = await as(url, 'GET', `/v1/documents/${documentHash}/content`);
    expect(answer.status, `content of ${documentHash}: ${answer.status}`).to.equal(200);
    return Buffer.from(await answer.arrayBuffer());
  }

  before(async function () {
    scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-ops-'));
    ledger = await startTestLedger();
    const { configFile, password } = await prepareOracle(ledger);
    node = await startOracleNode(loadNodeConfig(configFile), { [PASSWORD_ENV]: password });
    api = await startApi(apiConfig(ledger.dataDir, ledger.rpcUrl), { logger: silentLogger() });
    receiver = await startReceiver();
    insurer = await apiKeyFor(api.url, new Wallet(ledger.parties[INSURER]!.wallet.privateKey));

    // A webhook on the first document, registered before it: its one event is delivered before the backup.
    const firstBytes = uniqueBytes('before the backup');
    const answer = await as(api.url, 'POST', '/v1/webhooks', {
      url: receiver.url,
      documentHash: `0x${createHash('sha256').update(firstBytes).digest('hex')}`,
    });
    expect(answer.status, await answer.clone().text()).to.equal(201);
    const { id } = (await answer.json()) as { id: string };
    first = await register(api.url, firstBytes, true);
    webhook = await eventually('the webhook delivered', async () => {
      const view = await webhookView(api.url, id);
      return view.delivery.delivered === 1 ? view : undefined;
    });
    // A feed the node keeps, due long after this test: the node leaves it as it is.
    const state = new NodeState(path.join(ledger.dataDir, 'oracles', 'oracle-1.sqlite'));
    const descriptor = {
      kind: 'weather',
      latitudeE4: 523_700,
      longitudeE4: 48_900,
      stationId: '',
      metric: 'precipitation_sum',
      date: '2099-12-31',
    } as const;
    state.upsertFeed(FEED_ID, descriptor, 4_102_444_800, 4_102_531_200);
    feed = state.getFeed(FEED_ID)!;
    state.close();
    await eventually('the node scanned the chain', () => Promise.resolve(node.state.getMeta('scannedBlock')));
  });

  after(async () => {
    await api?.stop();
    await node?.stop();
    await receiver?.close();
    await ledger?.stop();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  it('backs up the running stack, while documents are registered, leaving the chain index out', async () => {
    const file = path.join(scratch, 'running.plbak');
    // Registrations one after another from a moment before the backup until it ends: the last ones accepted before
    // the API database is copied may still wait in the outbox, those after it are not in the backup.
    let backingUp = true;
    during = [];
    const registering = (async () => {
      while (backingUp) during.push(await register(api.url, uniqueBytes(`during ${during.length}`), false));
    })();
    await eventually('registrations under way', () => Promise.resolve(during.length >= 2 ? true : undefined));
    archive = await backupDataDir({ dataDir: ledger.dataDir, file });
    backingUp = false;
    await registering;

    const saved = archive.manifest.files.map((entry) => entry.path);
    expect(saved).to.include.members([
      'api/api.sqlite',
      'api/ipfs/blocks.sqlite',
      'api/ipfs/pins.sqlite',
      'chain/anvil-state.json',
      `deployments/${ledger.deployment.chainId}.json`,
      'oracles/local-password',
      'oracles/oracle-1.json',
      'oracles/oracle-1.keystore.json',
      'oracles/oracle-1.sqlite',
    ]);
    expect(saved.some((entry) => entry.startsWith('documents/'))).to.equal(true);
    expect(saved.filter((entry) => entry.startsWith('api/index.sqlite') || /-(wal|shm)$/.test(entry))).to.deep.equal(
      [],
    );
    expect(archive.manifest.leftOut.map((entry) => entry.path)).to.include.members([
      'api/index.sqlite',
      'chain/anvil-running.json',
    ]);
    expect(archive.manifest.chainIds).to.deep.equal([ledger.deployment.chainId]);
    expect(archive.manifest.running.join('; '))
      .to.include('the local chain')
      .and.include('the party API (api/api.sqlite)')
      .and.include('oracle node oracle-1 (oracles/oracle-1.sqlite)');
    expect(readdirSync(scratch)).to.deep.equal(['running.plbak']);
  });

  it('restores into a fresh folder: the same documents, API keys, operations, webhook position and node state', async () => {
    const dataDir = path.join(scratch, 'restored');
    const restored = await restoreDataDir({ dataDir, file: archive.file });
    expect(restored.movedAside).to.equal(null);
    expect(existsSync(path.join(dataDir, 'api', 'index.sqlite'))).to.equal(false);

    // The keystore opens with the password file saved beside it, to the node's key.
    const oracles = path.join(dataDir, 'oracles');
    const keystore = readFileSync(path.join(oracles, 'oracle-1.keystore.json'), 'utf8');
    const unlocked = await Wallet.fromEncryptedJson(
      keystore,
      readFileSync(path.join(oracles, 'local-password'), 'utf8'),
    );
    expect(unlocked.address).to.equal(ledger.parties[ORACLE]!.wallet.address);
    const state = new NodeState(path.join(oracles, 'oracle-1.sqlite'));
    try {
      expect(state.getFeed(FEED_ID)).to.deep.equal(feed);
      expect(Number(state.getMeta('scannedBlock'))).to.be.above(0);
    } finally {
      state.close();
    }

    // The restored chain, in its own process, and the API over the restored folder.
    let chain: LocalChain | undefined;
    let second: RunningApi | undefined;
    try {
      const deployed = await deployLocal({ dataDir, host: '127.0.0.1', port: 0, chainId: 31337 });
      chain = deployed.chain;
      expect(deployed.deployedNow, 'the restored chain holds the deployment').to.equal(false);
      second = await startApi(apiConfig(dataDir, chain.rpcUrl), { logger: silentLogger() });
      const url = second.url;

      // The insurer's API key, the document and its content, decrypted with the restored keys.
      expect(Buffer.from(await contentOf(url, first.documentHash)).equals(Buffer.from(first.bytes))).to.equal(true);
      await anchored(url, first.operation);
      // The webhook goes on from where it was: its one event is not delivered again.
      const view = await webhookView(url, webhook.id);
      expect(view.delivery).to.include({ delivered: 1, lastStatus: webhook.delivery.lastStatus });
      const [block, logIndex] = eventOrder(view.position);
      const [blockBefore, logIndexBefore] = eventOrder(webhook.position);
      expect(block > blockBefore || (block === blockBefore && logIndex >= logIndexBefore)).to.equal(true);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(receiver.accepted).to.have.length(1);

      // A document registered while the backup ran is either wholly in it (anchored by the restored outbox, content
      // readable) or not at all.
      let kept = 0;
      for (const registration of during) {
        const answer = await as(url, 'GET', registration.operation.href);
        if (answer.status === 404) continue;
        expect(answer.status).to.equal(200);
        await anchored(url, registration.operation);
        const bytes = await contentOf(url, registration.documentHash);
        expect(bytes.equals(Buffer.from(registration.bytes))).to.equal(true);
        kept += 1;
      }
      expect(kept, `${during.length} registered around the backup`).to.be.above(0);
    } finally {
      await second?.stop();
      await chain?.stop();
    }
  });

  it('refuses to restore while the stack runs on the data directory, naming what runs', async () => {
    const error = await restoreDataDir({ dataDir: ledger.dataDir, file: archive.file, force: true }).catch(
      (caught: unknown) => caught,
    );
    expect(isBackupError(error, 'STACK_RUNNING'), String(error)).to.equal(true);
    expect((error as Error).message)
      .to.include('the local chain')
      .and.include('the party API (api/api.sqlite)')
      .and.include('oracle node oracle-1 (oracles/oracle-1.sqlite)');
    expect(readdirSync(path.dirname(ledger.dataDir)).filter((name) => name.includes('.restoring-'))).to.deep.equal([]);
  });

  it('refuses a tampered or truncated archive, naming the file, and writes nothing', async () => {
    const bytes = gunzipSync(readFileSync(archive.file));
    const header = Buffer.from('{"path":"oracles/oracle-1.json"');
    const at = bytes.indexOf(header);
    expect(at).to.be.above(0);
    // The first byte of the file's content, right after its header line.
    const content = bytes.indexOf(0x0a, at) + 1;
    const tampered = Buffer.from(bytes);
    tampered[content] = tampered[content]! ^ 0x20;
    const tamperedFile = path.join(scratch, 'tampered.plbak');
    writeFileSync(tamperedFile, gzipSync(tampered));
    const truncatedFile = path.join(scratch, 'truncated.plbak');
    writeFileSync(truncatedFile, readFileSync(archive.file).subarray(0, Math.floor(archive.archiveBytes / 2)));

    const dataDir = path.join(scratch, 'never-written');
    const refusal = await restoreDataDir({ dataDir, file: tamperedFile }).catch((caught: unknown) => caught);
    expect(isBackupError(refusal, 'ARCHIVE_TAMPERED'), String(refusal)).to.equal(true);
    expect((refusal as Error).message).to.match(/^oracles\/oracle-1\.json does not match the manifest: SHA-256 /);
    const truncated = await restoreDataDir({ dataDir, file: truncatedFile }).catch((caught: unknown) => caught);
    expect(isBackupError(truncated, 'ARCHIVE_INVALID'), String(truncated)).to.equal(true);
    expect(existsSync(dataDir)).to.equal(false);
    expect(readdirSync(scratch).filter((name) => name.includes('.restoring-'))).to.deep.equal([]);
  });

  it('refuses to restore over a data directory that holds files without --force, and moves it aside with it', async () => {
    const dataDir = path.join(scratch, 'occupied');
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, 'keep.txt'), 'what was here');
    let stdout = '';
    let stderr = '';
    const io = { stdout: (text: string) => (stdout += text), stderr: (text: string) => (stderr += text) };

    expect(await runBackupCli(['restore', archive.file, '--data-dir', dataDir], io, {})).to.equal(1);
    expect(stderr).to.include(`DATA_DIR_NOT_EMPTY: ${dataDir} is not empty`).and.include('--force');
    expect(readdirSync(dataDir)).to.deep.equal(['keep.txt']);

    expect(await runBackupCli(['restore', archive.file, '--data-dir', dataDir, '--force'], io, {})).to.equal(0);
    const aside = readdirSync(scratch).filter((name) => name.startsWith('occupied.before-restore-'));
    expect(aside).to.have.length(1);
    expect(readFileSync(path.join(scratch, aside[0]!, 'keep.txt'), 'utf8')).to.equal('what was here');
    expect(existsSync(path.join(dataDir, 'keep.txt'))).to.equal(false);
    expect(existsSync(path.join(dataDir, 'oracles', 'oracle-1.sqlite'))).to.equal(true);
    expect(stdout).to.include(`Restored ${archive.manifest.files.length} files into ${dataDir}`);
    expect(stdout).to.include(`its previous content is in ${path.join(scratch, aside[0]!)} (nothing was deleted)`);
  });

  it('never writes an archive over an existing file, nor inside the data directory', async () => {
    const before = readFileSync(archive.file);
    const exists = await backupDataDir({ dataDir: ledger.dataDir, file: archive.file }).catch(
      (caught: unknown) => caught,
    );
    expect(isBackupError(exists, 'BACKUP_FILE_EXISTS'), String(exists)).to.equal(true);
    expect(readFileSync(archive.file).equals(before)).to.equal(true);
    const inside = await backupDataDir({ dataDir: ledger.dataDir, file: path.join(ledger.dataDir, 'b.plbak') }).catch(
      (caught: unknown) => caught,
    );
    expect(isBackupError(inside, 'BACKUP_INSIDE_DATA_DIR'), String(inside)).to.equal(true);
  });
});
