/**
 * A process crash loses nothing: the API runs as a separate process (`services/api/main.ts`, as `npm run api` starts
 * it), is killed with SIGKILL in the middle of a burst of registrations, and started again on the same data. Every
 * registration that got a 202 must end up anchored exactly once — singly or in one Merkle batch — and none twice.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import { sha256 } from 'ethers';
import { EvidenceRegistry__factory } from '../../types/ethers-contracts/index.js';
import { openHeliaContentStore } from '../../services/storage/helia.js';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';
import { apiKeyFor } from '../helpers/api-client.js';
import { startApiProcess, type ApiProcess } from '../helpers/api-process.js';

/** A unique small document and its registration form (every fifth one anchored singly, the rest batched). */
function registration(index: number): { documentHash: string; form: FormData } {
  const bytes = new Uint8Array(Buffer.concat([Buffer.from(`crash-test document ${index}\n`), randomBytes(256)]));
  const form = new FormData();
  form.append(
    'metadata',
    JSON.stringify({
      documentType: 'Schedule',
      policyRef: `CRASH-${index}`,
      retentionClass: 2,
      coverEndsAt: '2027-12-31',
      confidential: index % 2 === 0,
      mode: index % 5 === 0 ? 'single' : 'batch',
    }),
  );
  form.append('file', new Blob([bytes]), `doc-${index}.txt`);
  return { documentHash: sha256(bytes), form };
}

describe('API crash recovery (a separate process killed with SIGKILL)', function () {
  this.timeout(240_000);
  let ledger: TestLedger;
  let api: ApiProcess | undefined;

  before(async () => {
    ledger = await startTestLedger();
  });

  after(async () => {
    api?.child.kill('SIGKILL');
    await ledger?.stop();
  });

  it('anchors every registration that got a 202 exactly once after a kill in the middle of a burst', async () => {
    api = await startApiProcess(ledger, { POLICYLEDGER_BATCH_WINDOW_MS: '200', POLICYLEDGER_BATCH_MAX_SIZE: '50' });
    const insurer = ledger.parties[2]!.wallet;
    const authorization = await apiKeyFor(api.url, insurer);

    const accepted = new Map<string, string>(); // documentHash -> operation id
    const total = 400;
    let next = 0;
    let killed = false;
    const first = api;
    const worker = async () => {
      while (next < total && !killed) {
        const { documentHash, form } = registration(next++);
        try {
          const response = await fetch(`${first.url}/v1/documents`, {
            method: 'POST',
            headers: { Authorization: authorization },
            body: form,
          });
          if (response.status === 202) {
            const body = (await response.json()) as { documentHash: string; operation: { id: string } };
            expect(body.documentHash).to.equal(documentHash);
            accepted.set(documentHash, body.operation.id);
          } else {
            expect.fail(`registration answered ${response.status}: ${await response.text()}`);
          }
        } catch (error) {
          if (!killed) throw error; // a request cut by the kill never got its 202: it may or may not be anchored
        }
        if (accepted.size === 150 && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await first.exited;
    expect(killed, 'the burst ended before the kill').to.equal(true);
    expect(accepted.size).to.be.at.least(150);

    api = await startApiProcess(ledger, { POLICYLEDGER_BATCH_WINDOW_MS: '200', POLICYLEDGER_BATCH_MAX_SIZE: '50' });
    const second = api;
    const deadline = Date.now() + 120_000;
    const pending = new Set(accepted.values());
    while (pending.size > 0) {
      expect(Date.now(), `${pending.size} operations still not anchored`).to.be.below(deadline);
      for (const id of [...pending]) {
        const response = await fetch(`${second.url}/v1/operations/${id}`, {
          headers: { Authorization: authorization },
        });
        expect(response.status).to.equal(200);
        const { operation } = (await response.json()) as { operation: { state: string; error?: unknown } };
        expect(operation.state, JSON.stringify(operation)).to.not.equal('failed');
        if (operation.state === 'anchored') pending.delete(id);
      }
      if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    second.child.kill('SIGTERM');
    await second.exited;
    api = undefined;

    // Count, from the chain alone, how often each hash was anchored: singly (DocumentAnchored) or in a batch (its
    // manifest, stored in the API's IPFS store under the root's storage pointer).
    const registry = EvidenceRegistry__factory.connect(ledger.deployment.evidenceRegistry, ledger.provider);
    const occurrences = new Map<string, number>();
    const count = (hash: string) => occurrences.set(hash.toLowerCase(), (occurrences.get(hash.toLowerCase()) ?? 0) + 1);
    for (const event of await registry.queryFilter(registry.filters.DocumentAnchored())) count(event.args.documentHash);
    const store = await openHeliaContentStore(path.join(ledger.dataDir, 'api', 'ipfs'));
    try {
      for (const event of await registry.queryFilter(registry.filters.BatchAnchored())) {
        const manifest = JSON.parse(Buffer.from(await store.get(event.args.storagePointer)).toString('utf8')) as {
          members?: { documentHash: string }[];
          documentHashes?: string[];
        };
        const hashes = manifest.members?.map((member) => member.documentHash) ?? manifest.documentHashes ?? [];
        expect(hashes.length).to.equal(Number(event.args.documentCount));
        hashes.forEach(count);
      }
    } finally {
      await store.close();
    }
    for (const hash of accepted.keys()) {
      expect(occurrences.get(hash.toLowerCase()), `anchors of ${hash}`).to.equal(1);
    }
    const twice = [...occurrences].filter(([, times]) => times > 1);
    expect(twice, 'hashes anchored more than once').to.deep.equal([]);
  });
});
