/**
 * Members share content, not servers: two members' APIs on one chain, each with its own embedded IPFS node listening on
 * a loopback TCP port and peered with the other's. The insurer's API stores a confidential document for the
 * reinsurer; the reinsurer's API fetches its ciphertext by the anchored CID from its own node, which gets the blocks
 * over bitswap from the insurer's node, and opens it with the key wrapped for the reinsurer (from the insurer's API).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { NonceManager, Wallet, type Signer } from 'ethers';
import { ApiConfigError, loadApiConfig } from '../../../services/api/config.js';
import { silentLogger } from '../../../services/api/logger.js';
import { startApi, type RunningApi } from '../../../services/api/main.js';
import { localEncryptionKeyPair, peerIdentity } from '../../../services/storage/index.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { apiKeyFor } from '../../helpers/api-client.js';
import { freePort } from '../../helpers/ports.js';
import { eventually, INSURER, policyMetadata, REINSURER, uniqueBytes, uploadForm } from '../matrix-stack.js';

const FETCH_TIMEOUT_MS = 3000;

/** What a node listens on: its peer address without `/p2p/<peer id>`. */
const listenPart = (address: string) => address.slice(0, address.indexOf('/p2p/'));

describe('members’ IPFS nodes peering: content fetched by CID over bitswap', function () {
  this.timeout(90_000);
  let ledger: TestLedger;
  let scratch: string;
  let insurerApi: RunningApi | undefined;
  let reinsurerApi: RunningApi;
  let insurerPort: number;
  let insurerIpfs: string;
  let reinsurerIpfs: string;
  let insurerPeerId: string;
  let insurerAuth: string;
  let reinsurerAuth: string;
  /** The insurer's API as the reinsurer's API reaches it: a pass-through that notes each request it forwards. */
  let proxy: Server;
  const forwarded: string[] = [];

  const wallet = (party: number) => new Wallet(ledger.parties[party]!.wallet.privateKey);
  const address = (party: number) => ledger.parties[party]!.wallet.address;
  const dataDir = (party: number) => path.join(scratch, String(party));

  /** One member's API, holding `party`'s keys only. */
  async function memberApi(party: number, env: Record<string, string>): Promise<RunningApi> {
    const partyWallet = ledger.parties[party]!.wallet;
    const config = loadApiConfig({
      POLICYLEDGER_DATA_DIR: dataDir(party),
      POLICYLEDGER_RPC_URL: ledger.rpcUrl,
      POLICYLEDGER_DEPLOYMENT: path.join(ledger.dataDir, 'deployments', `${ledger.deployment.chainId}.json`),
      POLICYLEDGER_API_PORT: '0',
      POLICYLEDGER_API_RATE_LIMIT_PER_IP: '0',
      POLICYLEDGER_API_RATE_LIMIT_PER_API_KEY: '0',
      POLICYLEDGER_API_LOG_LEVEL: 'silent',
      POLICYLEDGER_CONFIRM_TIMEOUT_MS: '20000',
      POLICYLEDGER_IPFS_FETCH_TIMEOUT_MS: String(FETCH_TIMEOUT_MS),
      ...env,
    });
    const signers = new Map<string, Signer>([
      [partyWallet.address, new NonceManager(new Wallet(partyWallet.privateKey, ledger.provider))],
    ]);
    const encryptionKeys = new Map([[partyWallet.address, localEncryptionKeyPair(partyWallet.privateKey).privateKey]]);
    return startApi(config, { logger: silentLogger(), keys: { signers, encryptionKeys } });
  }

  /** The insurer's API on its fixed port, its IPFS node listening (`peered`) or not started on the network at all. */
  async function startInsurer(peered: boolean): Promise<RunningApi> {
    return memberApi(INSURER, {
      POLICYLEDGER_API_PORT: String(insurerPort),
      ...(peered ? { POLICYLEDGER_IPFS_LISTEN: listenPart(insurerIpfs), POLICYLEDGER_IPFS_PEERS: reinsurerIpfs } : {}),
    });
  }

  before(async function () {
    this.timeout(180_000);
    ledger = await startTestLedger();
    scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-ipfs-peering-'));
    // Each member creates its node's identity first and gives the other its peer id and address.
    const peerIdOf = async (party: number) => {
      const dir = path.join(dataDir(party), 'api', 'ipfs');
      mkdirSync(dir, { recursive: true });
      return peerIdentity(dir);
    };
    insurerPeerId = await peerIdOf(INSURER);
    insurerIpfs = `/ip4/127.0.0.1/tcp/${await freePort()}/p2p/${insurerPeerId}`;
    const reinsurerPort = await freePort();
    reinsurerIpfs = `/ip4/127.0.0.1/tcp/${reinsurerPort}/p2p/${await peerIdOf(REINSURER)}`;

    insurerPort = await freePort();
    insurerApi = await startInsurer(true);
    insurerAuth = await apiKeyFor(insurerApi.url, wallet(INSURER));
    const reinsurerKeyThere = await apiKeyFor(insurerApi.url, wallet(REINSURER));
    proxy = createServer((request, response) => {
      forwarded.push(`${request.method} ${request.url}`);
      fetch(new URL(request.url!, `http://127.0.0.1:${insurerPort}`), {
        headers: { authorization: request.headers.authorization ?? '', accept: request.headers.accept ?? '*/*' },
      })
        .then(async (answer) => {
          response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
          response.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => response.writeHead(502).end());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port: proxyPort } = proxy.address() as { port: number };
    const peers = path.join(scratch, 'peers.json');
    writeFileSync(
      peers,
      JSON.stringify([
        {
          party: address(INSURER),
          url: `http://127.0.0.1:${proxyPort}`,
          apiKey: reinsurerKeyThere.slice('Bearer '.length),
        },
      ]),
    );
    reinsurerApi = await memberApi(REINSURER, {
      POLICYLEDGER_API_PEERS: peers,
      POLICYLEDGER_IPFS_LISTEN: listenPart(reinsurerIpfs),
      POLICYLEDGER_IPFS_PEERS: insurerIpfs,
    });
    reinsurerAuth = await apiKeyFor(reinsurerApi.url, wallet(REINSURER));
  });

  after(async () => {
    await reinsurerApi?.stop();
    await insurerApi?.stop();
    await new Promise((resolve) => (proxy === undefined ? resolve(undefined) : proxy.close(resolve)));
    await ledger?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function register(metadata: object, bytes: Uint8Array): Promise<{ documentHash: string; cid: string }> {
    const response = await fetch(`${insurerApi!.url}/v1/documents?confirm=true`, {
      method: 'POST',
      headers: { Authorization: insurerAuth },
      body: uploadForm(metadata, bytes),
    });
    expect(response.status, await response.clone().text()).to.equal(201);
    return (await response.json()) as { documentHash: string; cid: string };
  }

  /** The reinsurer's API's answer for the content, once its index has followed the chain to the anchor. */
  async function readAtReinsurer(documentHash: string): Promise<Response> {
    await eventually('the reinsurer’s index has the anchor', async () =>
      (await reinsurerApi.ctx.index.document(documentHash)) === null ? undefined : true,
    );
    return fetch(`${reinsurerApi.url}/v1/documents/${documentHash}/content`, {
      headers: { Authorization: reinsurerAuth },
    });
  }

  it('serves the reinsurer a confidential document whose ciphertext came over IPFS from the insurer’s node', async () => {
    expect((await insurerApi!.ctx.content.identity())?.peerId).to.equal(insurerPeerId);
    const bytes = uniqueBytes('treaty wording shared over IPFS');
    const registered = await register(
      policyMetadata({ confidential: true, mode: 'single', readers: [address(REINSURER)] }),
      bytes,
    );
    expect(await reinsurerApi.ctx.content.has(registered.cid)).to.equal(false);

    const read = await readAtReinsurer(registered.documentHash);
    expect(read.status, await read.clone().text()).to.equal(200);
    expect(new Uint8Array(await read.arrayBuffer())).to.deep.equal(bytes);
    // The ciphertext is now held by the reinsurer's own node, under the anchored CID.
    expect(await reinsurerApi.ctx.content.has(registered.cid)).to.equal(true);
    const stored = await reinsurerApi.ctx.content.get(registered.cid);
    expect(Buffer.from(stored).equals(Buffer.from(await insurerApi!.ctx.content.get(registered.cid)))).to.equal(true);
    // The insurer's API gave the metadata and the wrapped key; the bytes did not come from it.
    const asked = forwarded.filter((line) => line.includes(registered.documentHash));
    expect(asked).to.include(`GET /v1/documents/${registered.documentHash}/wrapped-key`);
    expect(asked.some((line) => line.endsWith('/ciphertext') || line.endsWith('/content'))).to.equal(false);
  });

  it('serves a public document’s bytes by CID from the insurer’s node too', async () => {
    const bytes = uniqueBytes('public schedule shared over IPFS');
    const registered = await register(
      policyMetadata({ confidential: false, mode: 'single', readers: [address(REINSURER)] }),
      bytes,
    );
    const read = await readAtReinsurer(registered.documentHash);
    expect(read.status, await read.clone().text()).to.equal(200);
    expect(read.headers.get('content-type')).to.equal('application/pdf');
    expect(new Uint8Array(await read.arrayBuffer())).to.deep.equal(bytes);
    expect(forwarded).to.not.include(`GET /v1/documents/${registered.documentHash}/content`);
  });

  it('lists the members of the insurer’s Merkle batch from its manifest, fetched over IPFS, and serves one', async () => {
    const bytes = uniqueBytes('batched endorsement shared over IPFS');
    const registered = await register(
      policyMetadata({ confidential: true, mode: 'batch', readers: [address(REINSURER)] }),
      bytes,
    );
    // The manifest is in the insurer's store only: the reinsurer's index lists the member once its node fetched it.
    const member = await eventually(
      'the batch member listed by the reinsurer’s index',
      async () => (await reinsurerApi.ctx.index.batchMember(registered.documentHash)) ?? undefined,
    );
    expect(member.storagePointer).to.equal(registered.cid);
    const read = await fetch(`${reinsurerApi.url}/v1/documents/${registered.documentHash}/content`, {
      headers: { Authorization: reinsurerAuth },
    });
    expect(read.status, await read.clone().text()).to.equal(200);
    expect(new Uint8Array(await read.arrayBuffer())).to.deep.equal(bytes);
  });

  it('answers 504 CONTENT_UNREACHABLE within the timeout while the insurer’s node is down, then reconnects', async () => {
    // The insurer's API runs again without its node on the network: its API answers, its blocks cannot be had.
    await insurerApi!.stop();
    insurerApi = undefined;
    insurerApi = await startInsurer(false);
    expect(await insurerApi.ctx.content.identity()).to.equal(null);
    const bytes = uniqueBytes('endorsement while the insurer’s node is down');
    const registered = await register(
      policyMetadata({ confidential: true, mode: 'single', readers: [address(REINSURER)] }),
      bytes,
    );
    await eventually('the reinsurer’s index has the anchor', async () =>
      (await reinsurerApi.ctx.index.document(registered.documentHash)) === null ? undefined : true,
    );
    const started = Date.now();
    const down = await readAtReinsurer(registered.documentHash);
    const elapsed = Date.now() - started;
    expect(down.status, await down.clone().text()).to.equal(504);
    const problem = (await down.json()) as { code: string; cid: string; reason: string };
    expect(problem.code).to.equal('CONTENT_UNREACHABLE');
    expect(problem.cid).to.equal(registered.cid);
    expect(problem.reason).to.include('0 of 1 peers connected');
    expect(elapsed).to.be.within(FETCH_TIMEOUT_MS - 100, FETCH_TIMEOUT_MS + 3000);
    expect(await reinsurerApi.ctx.content.has(registered.cid)).to.equal(false);

    // Back with the same identity (kept under its data folder): the reinsurer's node reconnects and fetches.
    await insurerApi.stop();
    insurerApi = undefined;
    insurerApi = await startInsurer(true);
    expect((await insurerApi.ctx.content.identity())?.peerId).to.equal(insurerPeerId);
    const back = await readAtReinsurer(registered.documentHash);
    expect(back.status, await back.clone().text()).to.equal(200);
    expect(new Uint8Array(await back.arrayBuffer())).to.deep.equal(bytes);
  });

  it('refuses peering settings that would reach beyond the members’ nodes, naming the setting', () => {
    const refused = (env: Record<string, string>, setting: string, message: RegExp) => {
      expect(() => loadApiConfig({ POLICYLEDGER_DATA_DIR: scratch, ...env }))
        .to.throw(ApiConfigError, message)
        .with.property('setting', setting);
    };
    const peer = `/ip4/127.0.0.1/tcp/4011/p2p/${insurerPeerId}`;
    refused(
      { POLICYLEDGER_IPFS_PEERS: `/ip4/8.8.8.8/tcp/4011/p2p/${insurerPeerId}` },
      'POLICYLEDGER_IPFS_PEERS',
      /private/,
    );
    refused({ POLICYLEDGER_IPFS_PEERS: '/ip4/127.0.0.1/tcp/4011' }, 'POLICYLEDGER_IPFS_PEERS', /p2p/);
    refused(
      { POLICYLEDGER_IPFS_PEERS: `/dns4/member.example/tcp/4011/p2p/${insurerPeerId}` },
      'POLICYLEDGER_IPFS_PEERS',
      /TCP multiaddr/,
    );
    refused(
      { POLICYLEDGER_IPFS_LISTEN: '/ip4/0.0.0.0/tcp/4011', POLICYLEDGER_IPFS_PEERS: peer },
      'POLICYLEDGER_IPFS_LISTEN',
      /private/,
    );
    refused(
      { POLICYLEDGER_IPFS: 'kubo:http://127.0.0.1:5001', POLICYLEDGER_IPFS_PEERS: peer },
      'POLICYLEDGER_IPFS_PEERS',
      /Peering\.Peers/,
    );
    refused({ POLICYLEDGER_IPFS_PEER: peer }, 'POLICYLEDGER_IPFS_PEER', /not a setting/);
    const config = loadApiConfig({
      POLICYLEDGER_DATA_DIR: scratch,
      POLICYLEDGER_IPFS_PEERS: `${peer}, ${peer.replace('127.0.0.1', '10.0.0.7')}`,
    });
    expect(config.ipfsNetwork.fetchTimeoutMs).to.equal(30_000);
    expect(config.ipfsNetwork.peering?.peers).to.have.length(2);
    // Listening alone is a member's first start: its node gets the identity it then gives the others.
    const first = loadApiConfig({
      POLICYLEDGER_DATA_DIR: scratch,
      POLICYLEDGER_IPFS_LISTEN: '/ip4/127.0.0.1/tcp/4011',
    });
    expect(first.ipfsNetwork.peering).to.deep.equal({ listen: ['/ip4/127.0.0.1/tcp/4011'], peers: [] });
  });
});
