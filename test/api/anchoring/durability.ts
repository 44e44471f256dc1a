/**
 * A crash at any point loses nothing and anchors nothing twice: the outbox is committed before `accept` answers, and a
 * restarted service looks at the chain before it (re)sends anything. Each test builds the outbox a crashed process
 * would leave behind (committed rows, transactions sent directly as that process would have sent them), then starts a
 * new service on the same database file.
 */
import { expect } from 'chai';
import { ZeroHash } from 'ethers';
import type { DatabaseSync } from 'node:sqlite';
import type { AnchoringService, Operation } from '../../../services/api/anchoring/index.js';
import { composeBatch, manifestBytes } from '../../../services/api/anchoring/batch.js';
import { Outbox } from '../../../services/api/anchoring/outbox.js';
import { CO_SIGNATURE_TYPES, domainOf, EVIDENCE_DOMAIN_NAME } from '../../../services/shared/eip712.js';
import {
  anchorDocument,
  anchorDocumentBatch,
  findAnchorTransaction,
  relayCoSignature,
  revokeDocument,
} from '../../../services/ledger/documents.js';
import type { LedgerClient } from '../../../services/ledger/client.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import {
  batchEvents,
  eventually,
  transactionCount as nextNonceOf,
  documentInput,
  harness,
  ManifestStore,
  newService,
  openTestDatabase,
  scratchDir,
  settledAll,
  type Harness,
} from './setup.js';

describe('AnchoringService after a crash', function () {
  this.timeout(120_000);

  let chain: TestLedger;
  let setup: Harness;
  let scratch: ReturnType<typeof scratchDir>;
  let sender: string;
  let manifests: ManifestStore;
  let file: string;
  const open: { db: DatabaseSync; service?: AnchoringService }[] = [];

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
    file = scratch.file(`${this.currentTest?.title.replace(/\W+/g, '-')}.sqlite`);
  });

  afterEach(async function () {
    for (const { db, service } of open.splice(0)) {
      await service?.stop();
      if (db.isOpen) db.close();
    }
  });

  /** A service on the test's database file, as a freshly started process opens it. */
  function processOnFile(): { db: DatabaseSync; service: AnchoringService } {
    const db = openTestDatabase(file);
    const service = newService(db, setup, { storeBatchManifest: manifests.store });
    open.push({ db, service });
    return { db, service };
  }

  /**
   * Sends, from the insurer's account as the crashed process's dispatcher did, what `send` sends with the nonce given;
   * returns the transaction hash.
   */
  async function sendAsTheCrashedProcess(
    send: (client: LedgerClient, options: { nonce: number }) => Promise<{ transactionHash: string }>,
  ): Promise<string> {
    const client = { ...setup.ledger, signer: setup.insurer.wallet.connect(chain.provider) };
    return (await send(client, { nonce: await transactionCount() })).transactionHash;
  }

  function transactionCount(): Promise<number> {
    return nextNonceOf(chain, sender);
  }

  it('anchors, once, every request accepted by a process that died before dispatching', async function () {
    const crashed = processOnFile();
    const inputs = Array.from({ length: 6 }, () => documentInput());
    const accepted = await Promise.all(
      inputs.map((input, index) =>
        crashed.service.accept({ kind: 'anchor', mode: index % 2 === 0 ? 'single' : 'batch', sender, input }),
      ),
    );
    // The process dies: nothing stops it, the database is simply let go.
    crashed.db.close();

    const restarted = processOnFile();
    await restarted.service.start();
    const settled = await settledAll(restarted.service, accepted);
    expect(settled.map((operation) => operation.state)).to.deep.equal(Array(6).fill('anchored'));
    for (const [index, input] of inputs.entries()) {
      if (index % 2 !== 0) continue;
      const onChain = await findAnchorTransaction(setup.ledger, input.documentHash);
      expect(onChain?.transactionHash).to.equal(settled[index]!.transactionHash);
    }
    expect(await batchEvents(setup.ledger, settled[1]!.merkleRoot)).to.have.length(1);
  });

  it('anchors again what the chain lost with its newest blocks after the process recorded it anchored', async function () {
    // The chain as it was saved before the kill: what follows is lost with the blocks mined after it.
    const saved = (await chain.provider.send('evm_snapshot', [])) as string;
    const first = processOnFile();
    await first.service.start();
    const inputs = [documentInput(), documentInput()];
    const accepted = await Promise.all(
      inputs.map((input, index) =>
        first.service.accept({ kind: 'anchor', mode: index === 0 ? 'single' : 'batch', sender, input }),
      ),
    );
    const before = await settledAll(first.service, accepted);
    expect(before.map((operation) => operation.state)).to.deep.equal(['anchored', 'anchored']);
    await first.service.stop();
    first.db.close();

    await chain.provider.send('evm_revert', [saved]);
    expect(await findAnchorTransaction(setup.ledger, inputs[0]!.documentHash)).to.equal(null);

    const restarted = processOnFile();
    await restarted.service.start();
    const after = await settledAll(restarted.service, accepted);
    expect(after.map((operation) => operation.state)).to.deep.equal(['anchored', 'anchored']);
    const onChain = await findAnchorTransaction(setup.ledger, inputs[0]!.documentHash);
    expect(onChain?.transactionHash).to.equal(after[0]!.transactionHash);
    expect(await batchEvents(setup.ledger, after[1]!.merkleRoot)).to.have.length(1);
    // Nothing the chain still holds is touched: a second start reopens nothing.
    await restarted.service.stop();
    restarted.db.close();
    const again = processOnFile();
    await again.service.start();
    expect(accepted.map((operation) => again.service.operation(operation.id)?.transactionHash)).to.deep.equal(
      after.map((operation) => operation.transactionHash),
    );
  });

  it('recognises single anchors, revocations and co-signatures mined before the crash instead of sending them again', async function () {
    const client = chain.parties[4]!;
    // Documents anchored earlier, in a previous life of the service.
    const revocable = documentInput();
    const cosignable = documentInput({ requiredSigners: [client.wallet.address] });
    await sendAsTheCrashedProcess((client, options) => anchorDocument(client, revocable, options));
    await sendAsTheCrashedProcess((client, options) => anchorDocument(client, cosignable, options));
    const deadline = BigInt((await chain.provider.getBlock('latest'))!.timestamp + 3600);
    const signature = await client.wallet.signTypedData(
      domainOf(EVIDENCE_DOMAIN_NAME, 31337n, chain.deployment.evidenceRegistry),
      CO_SIGNATURE_TYPES,
      {
        documentHash: cosignable.documentHash,
        termsHash: ZeroHash,
        signer: client.wallet.address,
        nonce: 7n,
        deadline,
      },
    );

    const crashed = processOnFile();
    const minedWithHash = documentInput();
    const minedUnrecorded = documentInput();
    const operations = [
      await crashed.service.accept({ kind: 'anchor', mode: 'single', sender, input: minedWithHash }),
      await crashed.service.accept({ kind: 'anchor', mode: 'single', sender, input: minedUnrecorded }),
      await crashed.service.accept({ kind: 'revoke', sender, documentHash: String(revocable.documentHash), reason: 1 }),
      await crashed.service.accept({
        kind: 'cosign',
        sender,
        documentHash: String(cosignable.documentHash),
        signer: client.wallet.address,
        nonce: '7',
        deadline: deadline.toString(),
        signature,
      }),
    ];
    // The crashed dispatcher sent them all: the first with its hash recorded, the others killed before the receipt
    // was seen (one marked sent, the others still queued).
    const outbox = new Outbox(crashed.db);
    const direct = [
      await sendAsTheCrashedProcess((ledger, options) => anchorDocument(ledger, minedWithHash, options)),
      await sendAsTheCrashedProcess((ledger, options) => anchorDocument(ledger, minedUnrecorded, options)),
      await sendAsTheCrashedProcess((ledger, options) => revokeDocument(ledger, revocable.documentHash, 1, options)),
      await sendAsTheCrashedProcess((ledger, options) =>
        relayCoSignature(
          ledger,
          { documentHash: cosignable.documentHash, signer: client.wallet.address, nonce: 7n, deadline, signature },
          options,
        ),
      ),
    ];
    outbox.markSent(operations[0]!.id, direct[0]!);
    outbox.markSent(operations[1]!.id, null);
    crashed.db.close();

    const before = await transactionCount();
    const restarted = processOnFile();
    await restarted.service.start();
    const settled = operations.map((operation) => restarted.service.operation(operation.id)!);
    expect(settled.map((operation) => operation.state)).to.deep.equal(Array(4).fill('anchored'));
    expect(settled.map((operation) => operation.transactionHash)).to.deep.equal(direct);
    for (const [index, operation] of settled.entries()) {
      const receipt = await chain.provider.getTransactionReceipt(direct[index]!);
      expect(operation.blockNumber).to.equal(receipt!.blockNumber);
    }
    expect(await transactionCount()).to.equal(before);
  });

  it('recognises a batch root mined before the crash, and re-sends the same root of a batch composed but not sent', async function () {
    const crashed = processOnFile();
    const inputs = Array.from({ length: 6 }, () => documentInput());
    const accepted = await Promise.all(
      inputs.map((input) => crashed.service.accept({ kind: 'anchor', mode: 'batch', sender, input })),
    );
    // The crashed dispatcher composed two batches: the first was mined, the second never left.
    const outbox = new Outbox(crashed.db);
    const batches = [accepted.slice(0, 3), accepted.slice(3)].map((members) => compose(outbox, members));
    const minedRoot = batches[0]!;
    const minedHash = await sendAsTheCrashedProcess((client, options) =>
      anchorDocumentBatch(
        client,
        { merkleRoot: minedRoot.merkleRoot, documentCount: 3, storagePointer: minedRoot.manifestCid },
        options,
      ),
    );
    outbox.markBatchSent(minedRoot.id, minedHash);
    crashed.db.close();

    const before = await transactionCount();
    const restarted = processOnFile();
    await restarted.service.start();
    const settled = await settledAll(restarted.service, accepted);
    expect(settled.map((operation) => operation.state)).to.deep.equal(Array(6).fill('anchored'));
    expect(settled.slice(0, 3).map((operation) => operation.transactionHash)).to.deep.equal(Array(3).fill(minedHash));
    expect(settled.slice(3).map((operation) => operation.merkleRoot)).to.deep.equal(
      Array(3).fill(batches[1]!.merkleRoot),
    );
    // One transaction: the second batch's; the first was recognised.
    expect(await transactionCount()).to.equal(before + 1);
    expect(await batchEvents(setup.ledger, minedRoot.merkleRoot)).to.have.length(1);
    const [second] = await batchEvents(setup.ledger, batches[1]!.merkleRoot);
    expect(second?.storagePointer).to.equal(batches[1]!.manifestCid);
    for (const input of inputs.slice(3)) {
      expect(restarted.service.batchProof(String(input.documentHash))?.merkleRoot).to.equal(batches[1]!.merkleRoot);
    }
  });

  it('waits for a transaction still in the pool rather than sending a duplicate', async function () {
    const crashed = processOnFile();
    const input = documentInput();
    const operation = await crashed.service.accept({ kind: 'anchor', mode: 'single', sender, input });
    // The local chain mines on each transaction and every second: both are paused to keep one in the pool.
    await chain.provider.send('evm_setAutomine', [false]);
    await chain.provider.send('evm_setIntervalMining', [0]);
    try {
      const sentBefore = await transactionCount();
      // The crashed process sent the anchor and died waiting for it.
      const inFlight = sendAsTheCrashedProcess((client, options) => anchorDocument(client, input, options));
      await eventually(async () => (await transactionCount()) > sentBefore, 10_000, 'the anchor in the pool');
      new Outbox(crashed.db).markSent(operation.id, null);
      crashed.db.close();

      const restarted = processOnFile();
      await restarted.service.start();
      expect((await restarted.service.waitFor(operation.id, 300)).state).to.equal('sent');
      await chain.provider.send('evm_mine', []);
      const anchored = await restarted.service.waitFor(operation.id, 30_000);
      expect(anchored.state).to.equal('anchored');
      expect(anchored.transactionHash).to.equal(await inFlight);
      expect(await transactionCount()).to.equal(sentBefore + 1);
    } finally {
      await chain.provider.send('evm_setAutomine', [true]);
      await chain.provider.send('evm_setIntervalMining', [1]);
    }
  });

  /** Composes and records a batch of `members` as the dispatcher does, with its manifest stored. */
  function compose(outbox: Outbox, members: Operation[]) {
    const entries = members.map((member) => {
      const [entry] = outbox.unbatched(sender, 1_000).filter((candidate) => candidate.operation.id === member.id);
      return entry!;
    });
    const composed = composeBatch(
      entries.map((entry) => (entry.request as Extract<typeof entry.request, { kind: 'anchor' }>).input),
    );
    const manifestCid = `manifest-${composed.merkleRoot.slice(2, 12)}`;
    manifests.manifests.set(manifestCid, manifestBytes(composed.manifest));
    return outbox.saveBatch(sender, {
      merkleRoot: composed.merkleRoot,
      manifestCid,
      members: entries.map((entry, index) => ({ seq: entry.seq, proof: composed.proofs[index]! })),
    });
  }
});
