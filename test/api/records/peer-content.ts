/**
 * Two members' APIs on one chain whose embedded IPFS nodes do not peer (no POLICYLEDGER_IPFS_PEERS): the insurer's
 * registers a confidential document naming the reinsurer as a reader; the reinsurer's own API serves its content,
 * having fetched the wrapped key and — its node having no way to reach the insurer's — the ciphertext from the
 * insurer's API as the reinsurer (POLICYLEDGER_API_PEERS) and checked them against the anchor before keeping them.
 * ipfs-peering.ts covers members whose nodes peer, where the bytes come by CID over IPFS instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { NonceManager, Wallet, type Signer } from 'ethers';
import { loadApiConfig } from '../../../services/api/config.js';
import { silentLogger } from '../../../services/api/logger.js';
import { startApi, type RunningApi } from '../../../services/api/main.js';
import { localEncryptionKeyPair } from '../../../services/storage/index.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { apiKeyFor } from '../../helpers/api-client.js';
import { CLIENT, eventually, INSURER, policyMetadata, REINSURER, uniqueBytes, uploadForm } from '../matrix-stack.js';

describe('content of another member’s document on the reader’s own API', function () {
  this.timeout(120_000);
  let ledger: TestLedger;
  let scratch: string;
  let insurerApi: RunningApi;
  let reinsurerApi: RunningApi;
  /** `Authorization` values: the insurer at its API, the reinsurer and the client at the reinsurer's. */
  let insurerAuth: string;
  let reinsurerAuth: string;
  let clientAuth: string;

  /** One member's API, holding `party`'s transaction and encryption keys only. */
  async function memberApi(party: number, env: Record<string, string> = {}): Promise<RunningApi> {
    const wallet = ledger.parties[party]!.wallet;
    const config = loadApiConfig({
      POLICYLEDGER_DATA_DIR: path.join(scratch, String(party)),
      POLICYLEDGER_RPC_URL: ledger.rpcUrl,
      POLICYLEDGER_DEPLOYMENT: path.join(ledger.dataDir, 'deployments', `${ledger.deployment.chainId}.json`),
      POLICYLEDGER_API_PORT: '0',
      POLICYLEDGER_API_RATE_LIMIT_PER_IP: '0',
      POLICYLEDGER_API_RATE_LIMIT_PER_API_KEY: '0',
      POLICYLEDGER_API_LOG_LEVEL: 'silent',
      POLICYLEDGER_CONFIRM_TIMEOUT_MS: '20000',
      ...env,
    });
    const signers = new Map<string, Signer>([
      [wallet.address, new NonceManager(new Wallet(wallet.privateKey, ledger.provider))],
    ]);
    const encryptionKeys = new Map([[wallet.address, localEncryptionKeyPair(wallet.privateKey).privateKey]]);
    return startApi(config, { logger: silentLogger(), keys: { signers, encryptionKeys } });
  }

  const wallet = (party: number) => new Wallet(ledger.parties[party]!.wallet.privateKey);
  const address = (party: number) => ledger.parties[party]!.wallet.address;

  before(async function () {
    this.timeout(180_000);
    ledger = await startTestLedger();
    scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-peers-'));
    insurerApi = await memberApi(INSURER);
    insurerAuth = await apiKeyFor(insurerApi.url, wallet(INSURER));
    // The reinsurer signs in at the insurer's API and gives its own API the key it made there.
    const reinsurerKeyThere = await apiKeyFor(insurerApi.url, wallet(REINSURER));
    const peers = path.join(scratch, 'peers.json');
    writeFileSync(
      peers,
      JSON.stringify([
        { party: address(INSURER), url: insurerApi.url, apiKey: reinsurerKeyThere.slice('Bearer '.length) },
      ]),
    );
    reinsurerApi = await memberApi(REINSURER, { POLICYLEDGER_API_PEERS: peers });
    reinsurerAuth = await apiKeyFor(reinsurerApi.url, wallet(REINSURER));
    clientAuth = await apiKeyFor(reinsurerApi.url, wallet(CLIENT));
  });

  after(async () => {
    await reinsurerApi?.stop();
    await insurerApi?.stop();
    await ledger?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function register(metadata: object, bytes: Uint8Array): Promise<{ documentHash: string; cid: string }> {
    const response = await fetch(`${insurerApi.url}/v1/documents?confirm=true`, {
      method: 'POST',
      headers: { Authorization: insurerAuth },
      body: uploadForm(metadata, bytes),
    });
    expect(response.status, await response.clone().text()).to.equal(201);
    return (await response.json()) as { documentHash: string; cid: string };
  }

  function contentAtReinsurer(documentHash: string, authorization = reinsurerAuth): Promise<Response> {
    return fetch(`${reinsurerApi.url}/v1/documents/${documentHash}/content`, {
      headers: { Authorization: authorization },
    });
  }

  /** The reinsurer's API's answer once its index has followed the chain to the anchor. */
  async function once(documentHash: string, authorization = reinsurerAuth): Promise<Response> {
    await eventually('the reinsurer’s index has the anchor', async () =>
      (await reinsurerApi.ctx.index.document(documentHash)) === null ? undefined : true,
    );
    return contentAtReinsurer(documentHash, authorization);
  }

  it('serves a reader the content through its own API, fetched from the registrant’s and kept', async () => {
    const bytes = uniqueBytes('treaty wording for the reinsurer');
    const registered = await register(
      policyMetadata({ confidential: true, mode: 'single', readers: [address(REINSURER)] }),
      bytes,
    );
    expect(await reinsurerApi.ctx.content.has(registered.cid)).to.equal(false);

    const read = await once(registered.documentHash);
    expect(read.status, await read.clone().text()).to.equal(200);
    expect(read.headers.get('content-type')).to.equal('application/pdf');
    expect(new Uint8Array(await read.arrayBuffer())).to.deep.equal(bytes);
    // The ciphertext is now in the reinsurer's own store, under the anchored CID, and opens there alone.
    expect(await reinsurerApi.ctx.content.has(registered.cid)).to.equal(true);
    const stored = await reinsurerApi.ctx.content.get(registered.cid);
    expect(Buffer.from(stored).includes(Buffer.from(bytes))).to.equal(false);

    await insurerApi.ctx.content.remove(registered.cid);
    const again = await contentAtReinsurer(registered.documentHash);
    expect(again.status).to.equal(200);
    expect(new Uint8Array(await again.arrayBuffer())).to.deep.equal(bytes);
    // Both reads are in the reinsurer's access log; the key fetch is in the insurer's.
    const logged = reinsurerApi.ctx.db
      .prepare('SELECT COUNT(*) AS n FROM log_entries WHERE document_hash = ?')
      .get(registered.documentHash) as { n: number };
    expect(Number(logged.n)).to.equal(2);
    const fetched = insurerApi.ctx.db
      .prepare("SELECT COUNT(*) AS n FROM log_entries WHERE document_hash = ? AND purpose = 'wrapped-key fetch'")
      .get(registered.documentHash) as { n: number };
    expect(Number(fetched.n)).to.equal(1);
  });

  it('serves a member of the registrant’s Merkle batch, proven against the batch root on chain', async () => {
    const bytes = uniqueBytes('batched endorsement');
    const registered = await register(
      policyMetadata({ confidential: true, mode: 'batch', readers: [address(REINSURER)] }),
      bytes,
    );
    // The reinsurer's index holds the batch root (its manifest is in the insurer's store only).
    const root = await eventually('the batch root indexed by the reinsurer', async () => {
      const answer = await fetch(`${insurerApi.url}/v1/documents/${registered.documentHash}`, {
        headers: { Authorization: insurerAuth },
      });
      const { anchor } = (await answer.json()) as { anchor: { merkleRoot: string | null } | null };
      if (anchor?.merkleRoot == null) return undefined;
      return (await reinsurerApi.ctx.index.batch(anchor.merkleRoot)) === null ? undefined : anchor.merkleRoot;
    });
    expect(root).to.match(/^0x[0-9a-f]{64}$/);
    const read = await contentAtReinsurer(registered.documentHash);
    expect(read.status, await read.clone().text()).to.equal(200);
    expect(new Uint8Array(await read.arrayBuffer())).to.deep.equal(bytes);
    expect(await reinsurerApi.ctx.content.has(registered.cid)).to.equal(true);
  });

  it('serves a public document’s bytes the same way', async () => {
    const bytes = uniqueBytes('public schedule');
    const registered = await register(
      policyMetadata({ confidential: false, mode: 'single', readers: [address(REINSURER)] }),
      bytes,
    );
    const read = await once(registered.documentHash);
    expect(read.status, await read.clone().text()).to.equal(200);
    expect(new Uint8Array(await read.arrayBuffer())).to.deep.equal(bytes);
    expect(await reinsurerApi.ctx.content.has(registered.cid)).to.equal(true);
  });

  it('gives a party that is not a reader nothing, and one whose key it does not hold nothing either', async () => {
    const registered = await register(policyMetadata({ confidential: true, mode: 'single' }), uniqueBytes('private'));
    const refused = await once(registered.documentHash);
    expect(refused.status).to.equal(404);
    expect(((await refused.json()) as { code: string }).code).to.equal('DOCUMENT_NOT_FOUND');
    expect(await reinsurerApi.ctx.content.has(registered.cid)).to.equal(false);

    const shared = await register(
      policyMetadata({ confidential: true, mode: 'single', readers: [address(REINSURER), address(CLIENT)] }),
      uniqueBytes('shared'),
    );
    // The client is a reader, but the reinsurer's API does not hold the client's key: it cannot open anything for it.
    const client = await once(shared.documentHash, clientAuth);
    expect(client.status).to.equal(404);
  });
});
