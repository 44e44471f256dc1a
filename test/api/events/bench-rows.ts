/** The event-delivery benchmark's measuring function, on a few samples: every event timed, both ways, within target. */
import { expect } from 'chai';
import { measureEventDelivery } from './bench.js';

describe('event delivery benchmark rows', function () {
  this.timeout(120_000);

  it('times each delivery from the indexed block to the receiver, webhook and SSE', async function () {
    const rows = await measureEventDelivery({ samples: 5 });
    expect(rows.map((row) => row.operation)).to.deep.equal(['event-delivery-webhook', 'event-delivery-sse']);
    for (const row of rows) {
      expect(row.samples).to.equal(5);
      expect(row.p50Ms).to.be.greaterThan(0);
      expect(row.p99Ms).to.be.at.least(row.p50Ms);
      // The target (p99 ≤ 500 ms); generous here on a shared machine, still far below a poll-less design.
      expect(row.p99Ms, row.operation).to.be.below(2_000);
    }
  });
});
