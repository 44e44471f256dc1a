import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { expect } from 'chai';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JsonRpcProvider, Wallet, ZeroHash, type Signer } from 'ethers';
import { Registry } from 'prom-client';
import { AnchorRequestError, type AnchoringService } from '../../../services/api/anchoring/index.js';
import { CO_SIGNATURE_TYPES, domainOf, EVIDENCE_DOMAIN_NAME } from '../../../services/shared/eip712.js';
import {
  anchorDocument,
  coSignerState,
  findAnchorTransaction,
  readAnchor,
  verifyBatchMember,
} from '../../../services/ledger/documents.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import {
  batchEvents,
  documentInput,
  eventually,
  harness,
  ManifestStore,
  newService,
  openTestDatabase,
  scratchDir,
  settledAll,
  type Harness,
} from './setup.js';

describe('AnchoringService', function () {
  this.timeout(120_000);

  let chain: TestLedger;
  let setup: Harness;
  let scratch: ReturnType<typeof scratchDir>;
  let manifests: ManifestStore;
  let service: AnchoringService;
  let db: ReturnType<typeof openTestDatabase>;
  let sender: string;

  before(async function () {
    chain = await startTestLedger();
    setup = harness(chain);
    sender = setup.insurer.wallet.address;
    scratch = scratchDir();
  });

  after(async function () {
    await chain?.stop();
    scratch?.remove();
  });

  beforeEach(function () {
    manifests = new ManifestStore();
    db = openTestDatabase(scratch.file(`${this.currentTest?.title.replace(/\W+/g, '-')}.sqlite`));
  });

  afterEach(async function () {
    await service?.stop();
    db.close();
  });

  describe('single anchors', function () {
    it('anchors a document once, with its block and transaction, and answers a repeated request with the same operation', async function () {
      service = newService(db, setup, { storeBatchManifest: manifests.store });
      await service.start();
      const input = documentInput();
      const accepted = await service.accept({ kind: 'anchor', mode: 'single', sender, input });
      expect(accepted.state).to.equal('queued');
      expect(accepted.id).to.match(/^op_[A-Za-z0-9_-]{22}$/);

      const anchored = await service.waitFor(accepted.id, 30_000);
      expect(anchored.state).to.equal('anchored');
      const receipt = await chain.provider.getTransactionReceipt(anchored.transactionHash!);
      expect(receipt?.blockNumber).to.equal(anchored.blockNumber);
      const onChain = await findAnchorTransaction(setup.ledger, input.documentHash);
      expect(onChain?.registrant).to.equal(sender);
      expect(onChain?.transactionHash).to.equal(anchored.transactionHash);

      const again = await service.accept({
        kind: 'anchor',
        mode: 'single',
        sender,
        input: { ...input, policyRef: 'X' },
      });
      expect(again.id).to.equal(accepted.id);
      expect(again.state).to.equal('anchored');
      expect(service.operationsOf(String(input.documentHash))).to.have.length(1);
    });

    it('fails a request the registry refuses with the decoded error, and anchors the others in order', async function () {
      service = newService(db, setup, { storeBatchManifest: manifests.store });
      const stranger = Wallet.createRandom().address;
      const before = documentInput();
      const refused = documentInput({ requiredSigners: [stranger] });
      const afterwards = documentInput();
      const taken = documentInput();
      // Another party anchored this hash first: ours must fail, not count as done.
      const reinsurer = chain.parties[3]!;
      await anchorDocument({ ...setup.ledger, signer: reinsurer.signer }, taken);

      const operations = await Promise.all(
        [before, refused, afterwards, taken].map((input) =>
          service.accept({ kind: 'anchor', mode: 'single', sender, input }),
        ),
      );
      await service.start();
      const [first, second, third, fourth] = await settledAll(service, operations);

      expect(first!.state).to.equal('anchored');
      expect(second!.state).to.equal('failed');
      expect(second!.error?.code).to.equal('EvidenceRegistryInvalidSigner');
      expect(second!.error?.message).to.contain(stranger);
      expect(third!.state).to.equal('anchored');
      expect(third!.blockNumber).to.be.greaterThan(first!.blockNumber!);
      expect(fourth!.state).to.equal('failed');
      expect(fourth!.error?.code).to.equal('EvidenceRegistryAlreadyAnchored');
      expect((await readAnchor(setup.ledger, taken.documentHash))?.registrant).to.equal(reinsurer.wallet.address);
    });

    it('accepts the hash again after a failure, as a new operation', async function () {
      service = newService(db, setup, { storeBatchManifest: manifests.store });
      await service.start();
      const input = documentInput({ requiredSigners: [Wallet.createRandom().address] });
      const failed = await service.waitFor(
        (await service.accept({ kind: 'anchor', mode: 'single', sender, input })).id,
        30_000,
      );
      expect(failed.state).to.equal('failed');

      const retried = await service.accept({
        kind: 'anchor',
        mode: 'single',
        sender,
        input: { ...input, requiredSigners: [] },
      });
      expect(retried.id).to.not.equal(failed.id);
      expect((await service.waitFor(retried.id, 30_000)).state).to.equal('anchored');
      expect(service.operationsOf(String(input.documentHash)).map((operation) => operation.state)).to.deep.equal([
        'failed',
        'anchored',
      ]);
    });

    it('relays co-signatures, supersedes and revokes, each recorded once', async function () {
      service = newService(db, setup, { storeBatchManifest: manifests.store });
      await service.start();
      const client = chain.parties[4]!;
      const input = documentInput({ requiredSigners: [client.wallet.address] });
      const documentHash = String(input.documentHash);
      const anchoring = await service.accept({ kind: 'anchor', mode: 'single', sender, input });

      const latest = await chain.provider.getBlock('latest');
      const deadline = BigInt(latest!.timestamp + 3600);
      const nonce = 42n;
      const domain = domainOf(EVIDENCE_DOMAIN_NAME, 31337n, chain.deployment.evidenceRegistry);
      const signature = await client.wallet.signTypedData(domain, CO_SIGNATURE_TYPES, {
        documentHash,
        termsHash: ZeroHash,
        signer: client.wallet.address,
        nonce,
        deadline,
      });
      const cosign = {
        kind: 'cosign' as const,
        sender,
        documentHash,
        signer: client.wallet.address,
        nonce: nonce.toString(),
        deadline: deadline.toString(),
        signature,
      };
      const cosigning = await service.accept(cosign);
      expect((await service.accept(cosign)).id).to.equal(cosigning.id);
      const next = documentInput();
      const superseding = await service.accept({ kind: 'supersede', sender, previousHash: documentHash, input: next });
      const revoking = await service.accept({
        kind: 'revoke',
        sender,
        documentHash: String(next.documentHash),
        reason: 1,
      });
      const unknown = await service.accept({
        kind: 'revoke',
        sender,
        documentHash: documentInput().documentHash,
        reason: 1,
      });

      const settled = await settledAll(service, [anchoring, cosigning, superseding, revoking, unknown]);
      expect(settled.map((operation) => operation.state)).to.deep.equal([
        'anchored',
        'anchored',
        'anchored',
        'anchored',
        'failed',
      ]);
      expect(settled[4]!.error?.code).to.equal('EvidenceRegistryUnknownDocument');
      expect(await coSignerState(setup.ledger, documentHash, client.wallet.address)).to.equal('Signed');
      expect((await readAnchor(setup.ledger, documentHash))?.status).to.equal('Superseded');
      expect((await readAnchor(setup.ledger, next.documentHash))?.status).to.equal('Revoked');
      expect(service.operationsOf(documentHash).map((operation) => operation.kind)).to.deep.equal(['anchor', 'cosign']);
    });

    it('refuses malformed requests and senders it holds no key for, writing nothing', async function () {
      service = newService(db, setup, { storeBatchManifest: manifests.store });
      const input = documentInput();
      await expectRefusal(
        service.accept({ kind: 'anchor', mode: 'single', sender: chain.parties[3]!.wallet.address, input }),
        'PARTY_NOT_HOSTED',
      );
      await expectRefusal(
        service.accept({ kind: 'anchor', mode: 'single', sender, input: { ...input, documentHash: '0x1234' } }),
        'INVALID_ANCHOR_REQUEST',
      );
      await expectRefusal(
        service.accept({
          kind: 'anchor',
          mode: 'batch',
          sender,
          input: { ...input, requiredSigners: [chain.parties[4]!.wallet.address] },
        }),
        'BATCH_NOT_ALLOWED',
      );
      expect(service.operationsOf(String(input.documentHash))).to.deep.equal([]);
    });
  });

  describe('transient failures', function () {
    it('keeps operations waiting while the chain is unreachable, then anchors them once', async function () {
      const proxy = await startSwitchableProxy(chain.rpcUrl);
      const provider = new JsonRpcProvider(proxy.url, undefined, { staticNetwork: true });
      try {
        const throughProxy = {
          ledger: { deployment: chain.deployment, provider },
          insurer: setup.insurer,
          signers: new Map<string, Signer>([[sender, setup.insurer.wallet.connect(provider)]]),
        };
        service = newService(db, throughProxy, { storeBatchManifest: manifests.store, batchWindowMs: 10 });
        await service.start();
        proxy.down = true;
        const operations = [
          await service.accept({ kind: 'anchor', mode: 'single', sender, input: documentInput() }),
          await service.accept({ kind: 'anchor', mode: 'batch', sender, input: documentInput() }),
        ];
        await eventually(() => proxy.refused > 3, 10_000, 'attempts against the unreachable chain');
        const waiting = await Promise.all(operations.map((operation) => service.waitFor(operation.id, 50)));
        expect(waiting.map((operation) => operation.state)).to.not.include('failed');
        expect(waiting.map((operation) => operation.state)).to.not.include('anchored');

        proxy.down = false;
        const settled = await settledAll(service, operations);
        expect(settled.map((operation) => operation.state)).to.deep.equal(['anchored', 'anchored']);
        expect(await batchEvents(setup.ledger, settled[1]!.merkleRoot)).to.have.length(1);
      } finally {
        await service.stop();
        provider.destroy();
        await proxy.close();
      }
    });
  });

  describe('Merkle batches', function () {
    it('anchors batch-mode documents under one root whose proofs verify with the library and on chain', async function () {
      const metrics = new Registry();
      service = newService(db, setup, { storeBatchManifest: manifests.store, batchWindowMs: 100, metrics });
      await service.start();
      const inputs = Array.from({ length: 7 }, () => documentInput());
      const operations = await Promise.all(
        inputs.map((input) => service.accept({ kind: 'anchor', mode: 'batch', sender, input })),
      );
      const settled = await settledAll(service, operations);

      const roots = new Set(settled.map((operation) => operation.merkleRoot));
      expect(roots.size).to.equal(1);
      const merkleRoot = settled[0]!.merkleRoot!;
      expect(settled.every((operation) => operation.state === 'anchored')).to.equal(true);
      expect(new Set(settled.map((operation) => operation.transactionHash)).size).to.equal(1);

      const expected = StandardMerkleTree.of(
        inputs.map((input) => [String(input.documentHash)]),
        ['bytes32'],
      );
      expect(merkleRoot).to.equal(expected.root);
      for (const input of inputs) {
        const proof = service.batchProof(String(input.documentHash));
        expect(proof?.merkleRoot).to.equal(merkleRoot);
        expect(StandardMerkleTree.verify(merkleRoot, ['bytes32'], [input.documentHash], proof!.proof)).to.equal(true);
        expect(
          await verifyBatchMember(setup.ledger, { merkleRoot, documentHash: input.documentHash, proof: proof!.proof }),
        ).to.equal(true);
      }

      const [event] = await batchEvents(setup.ledger, merkleRoot);
      expect(event?.registrant).to.equal(sender);
      expect(event?.documentCount).to.equal(7);
      const manifest = manifests.json(event!.storagePointer);
      expect(manifest.merkleRoot).to.equal(merkleRoot);
      expect(manifest.documentHashes).to.deep.equal(inputs.map((input) => input.documentHash));
      expect(manifest.storagePointers).to.deep.equal(inputs.map((input) => input.storagePointer));

      const exposition = await metrics.metrics();
      expect(exposition).to.match(/policyledger_api_anchoring_anchored_total\{kind="anchor"\} 7/);
      expect(exposition).to.match(/policyledger_api_anchoring_batch_size_count 1/);
      expect(exposition).to.match(/policyledger_api_anchoring_queue_depth 0/);
    });

    it('splits by the maximum batch size and retries a storage outage without failing anything', async function () {
      manifests.failNext = 2;
      service = newService(db, setup, { storeBatchManifest: manifests.store, batchMaxSize: 3, batchWindowMs: 10_000 });
      await service.start();
      const inputs = Array.from({ length: 6 }, () => documentInput());
      const operations = await Promise.all(
        inputs.map((input) => service.accept({ kind: 'anchor', mode: 'batch', sender, input })),
      );
      // Two full batches go out at once; the window (10 s) is never waited for.
      const settled = await settledAll(service, operations, 8_000);
      expect(settled.every((operation) => operation.state === 'anchored')).to.equal(true);
      const roots = [...new Set(settled.map((operation) => operation.merkleRoot))];
      expect(roots).to.have.length(2);
      expect(manifests.failNext).to.equal(0);
      for (const root of roots) expect(await batchEvents(setup.ledger, root)).to.have.length(1);
    });
  });
});

async function expectRefusal(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(AnchorRequestError);
    expect((error as AnchorRequestError).code).to.equal(code);
    return;
  }
  expect.fail(`expected a refusal with ${code}`);
}

/** A JSON-RPC proxy to `target` that answers 503 to everything while `down`. */
async function startSwitchableProxy(target: string) {
  const state = { down: false, refused: 0 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (state.down) {
        state.refused++;
        response.writeHead(503).end();
        return;
      }
      fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) })
        .then(async (answer) =>
          response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text()),
        )
        .catch(() => response.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    get refused() {
      return state.refused;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
