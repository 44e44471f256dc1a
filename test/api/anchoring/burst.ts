import { expect } from 'chai';
import type { DatabaseSync } from 'node:sqlite';
import type { AnchoringService, Operation } from '../../../services/api/anchoring/index.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import {
  batchEvents,
  documentInput,
  harness,
  ManifestStore,
  newService,
  openTestDatabase,
  scratchDir,
  settledAll,
} from './setup.js';

const REGISTRATIONS = 2_000;
/** Requests in flight at once, as from 50 client connections. */
const CONCURRENCY = 50;
const BATCH_MAX_SIZE = 500;

describe('AnchoringService under a burst of batch registrations', function () {
  this.timeout(180_000);

  let chain: TestLedger;
  let scratch: ReturnType<typeof scratchDir>;
  let db: DatabaseSync;
  let service: AnchoringService;

  before(async function () {
    chain = await startTestLedger();
    scratch = scratchDir();
    db = openTestDatabase(scratch.file('burst.sqlite'));
  });

  after(async function () {
    await service?.stop();
    db?.close();
    await chain?.stop();
    scratch?.remove();
  });

  it(`accepts ${REGISTRATIONS} registrations durably and anchors them all in a few batch transactions`, async function () {
    const setup = harness(chain);
    const sender = setup.insurer.wallet.address;
    const manifests = new ManifestStore();
    service = newService(db, setup, {
      storeBatchManifest: manifests.store,
      batchMaxSize: BATCH_MAX_SIZE,
      batchWindowMs: 200,
    });
    await service.start();
    const inputs = Array.from({ length: REGISTRATIONS }, () => documentInput());

    const started = performance.now();
    const accepted: Operation[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < inputs.length) {
          const input = inputs[next++]!;
          accepted.push(await service.accept({ kind: 'anchor', mode: 'batch', sender, input }));
        }
      }),
    );
    const acceptSeconds = (performance.now() - started) / 1000;
    const settled = await settledAll(service, accepted, 120_000);
    const anchoredSeconds = (performance.now() - started) / 1000;

    const roots = new Set(settled.map((operation) => operation.merkleRoot));
    console.log(
      `      ${REGISTRATIONS} registrations: accepted (committed) at ${Math.round(REGISTRATIONS / acceptSeconds)}/s ` +
        `with ${CONCURRENCY} in flight; all anchored after ${anchoredSeconds.toFixed(2)} s ` +
        `(${Math.round(REGISTRATIONS / anchoredSeconds)} documents/s) in ${roots.size} batch transactions`,
    );

    expect(new Set(accepted.map((operation) => operation.id)).size).to.equal(REGISTRATIONS);
    expect(settled.filter((operation) => operation.state === 'anchored')).to.have.length(REGISTRATIONS);
    expect(roots.size).to.be.at.most(REGISTRATIONS / BATCH_MAX_SIZE + 4);
    const events = await batchEvents(setup.ledger);
    const batchTransactions = events.filter((event) => roots.has(event.merkleRoot));
    expect(batchTransactions).to.have.length(roots.size);
    expect(batchTransactions.reduce((sum, event) => sum + event.documentCount, 0)).to.equal(REGISTRATIONS);
  });
});
