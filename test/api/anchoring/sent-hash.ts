/**
 * An operation shows its transaction's hash from the moment the transaction is sent, not only once it is mined: the
 * chain here mines only when the test says so, so the operation is seen in state `sent` with the hash of the very
 * transaction waiting in the node's pool, and keeps that hash once anchored.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { eventually, INSURER, startDocumentsStack, type DocumentsStack } from '../documents/stack.js';
import { policyMetadata, uniqueBytes, uploadForm } from '../matrix-stack.js';

interface Operation {
  id: string;
  state: string;
  href: string;
  transactionHash?: string;
  blockNumber?: number;
}

describe('operations in state sent', function () {
  this.timeout(120_000);
  let ledger: TestLedger;
  let api: DocumentsStack;

  before(async function () {
    this.timeout(180_000);
    ledger = await startTestLedger();
    api = await startDocumentsStack(ledger, { callers: [INSURER], env: { POLICYLEDGER_BATCH_WINDOW_MS: '100' } });
  });

  after(async () => {
    await api?.close();
    await ledger?.stop();
  });

  /** The test chain mines each transaction at once and a block every second (local-chain.ts): both stop here. */
  async function holdMining(): Promise<void> {
    await ledger.provider.send('evm_setAutomine', [false]);
    await ledger.provider.send('evm_setIntervalMining', [0]);
  }

  /**
   * Mines each transaction at once again. anvil cannot be put back into its mixed mode by RPC (automine turned on
   * replaces interval mining), so the blocks that follow are mined by the test itself: a receipt waiter that began to
   * follow blocks just after the transaction's block sees the next one, as it would on a running chain.
   */
  async function resumeMining(): Promise<void> {
    await ledger.provider.send('evm_setAutomine', [true]);
  }

  async function operation(href: string): Promise<Operation> {
    const response = await fetch(`${api.url}${href}`, { headers: { Authorization: api.auth.get(INSURER)! } });
    expect(response.status).to.equal(200);
    return ((await response.json()) as { operation: Operation }).operation;
  }

  for (const mode of ['single', 'batch'] as const) {
    it(`shows the hash of a ${mode} anchor's transaction while it waits to be mined`, async () => {
      await holdMining();
      try {
        const response = await fetch(`${api.url}/v1/documents`, {
          method: 'POST',
          headers: { Authorization: api.auth.get(INSURER)! },
          body: uploadForm(
            policyMetadata({ mode, policyRef: `SENT-${randomBytes(3).toString('hex')}` }),
            uniqueBytes(mode),
          ),
        });
        expect(response.status, await response.clone().text()).to.equal(202);
        const { operation: accepted } = (await response.json()) as { operation: Operation };
        const sent = await eventually('the operation sent with its hash', async () => {
          const current = await operation(accepted.href);
          return current.state === 'sent' && current.transactionHash !== undefined ? current : undefined;
        });
        expect(sent.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
        expect(sent.blockNumber).to.equal(undefined);
        const pooled = await ledger.provider.getTransaction(sent.transactionHash!);
        expect(pooled, 'the transaction in the node').to.not.equal(null);
        expect(pooled!.blockNumber).to.equal(null);

        await ledger.provider.send('evm_mine', []);
        await resumeMining();
        const anchored = await eventually('the operation anchored', async () => {
          const current = await operation(accepted.href);
          if (current.state === 'anchored') return current;
          await ledger.provider.send('evm_mine', []);
          return undefined;
        });
        expect(anchored.transactionHash).to.equal(sent.transactionHash);
        expect(anchored.blockNumber).to.be.a('number');
      } finally {
        await resumeMining();
      }
    });
  }
});
