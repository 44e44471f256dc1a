import { expect } from 'chai';
import { FreshBlockNumber } from '../../../services/api/auth/fresh-block.js';

/** A block-number source whose reads the test answers by hand, recording when each was sent. */
function manualNode() {
  const pending: ((blockNumber: number) => void)[] = [];
  const failures: ((error: Error) => void)[] = [];
  let sent = 0;
  const read = () =>
    new Promise<number>((resolve, reject) => {
      sent += 1;
      pending.push(resolve);
      failures.push(reject);
    });
  return {
    read,
    sent: () => sent,
    answer: (blockNumber: number) => {
      failures.shift();
      pending.shift()!(blockNumber);
    },
    fail: () => {
      pending.shift();
      failures.shift()!(new Error('node down'));
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('API identity: the latest block number shared among requests', function () {
  it('answers each caller from a read sent after it asked, one read for all who asked meanwhile', async function () {
    const node = manualNode();
    const fresh = new FreshBlockNumber(node.read);
    const first = fresh.latest();
    expect(node.sent()).to.equal(1);
    // These arrive while the first read is in flight: it may have missed a block they must see, so they wait for
    // the next read, which all three share.
    const later = [fresh.latest(), fresh.latest(), fresh.latest()];
    expect(node.sent()).to.equal(1);
    node.answer(10);
    expect(await first).to.equal(10);
    await tick();
    expect(node.sent()).to.equal(2);
    node.answer(11);
    expect(await Promise.all(later)).to.deep.equal([11, 11, 11]);
    // Nothing in flight: the next caller sends its own read at once.
    const alone = fresh.latest();
    expect(node.sent()).to.equal(3);
    node.answer(12);
    expect(await alone).to.equal(12);
  });

  it('passes a failed read to its callers and reads anew for the next', async function () {
    const node = manualNode();
    const fresh = new FreshBlockNumber(node.read);
    const first = fresh.latest();
    const waiting = fresh.latest();
    node.fail();
    const failed = await first.then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failed).to.equal('node down');
    await tick();
    node.answer(7);
    expect(await waiting).to.equal(7);
    const next = fresh.latest();
    node.answer(8);
    expect(await next).to.equal(8);
    expect(node.sent()).to.equal(3);
  });
});
