import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const ANCHORING_METRICS = [
  'policyledger_api_anchoring_queue_depth',
  'policyledger_api_anchoring_anchored_total',
  'policyledger_api_anchoring_failed_total',
  'policyledger_api_anchoring_batch_size',
  'policyledger_api_anchoring_transient_errors_total',
];

/** The anchoring pipeline's Prometheus metrics, in the registry the API serves at `/metrics`. */
export class AnchoringMetrics {
  readonly anchored: Counter<'kind'>;
  readonly failed: Counter<'kind' | 'code'>;
  readonly batchSize: Histogram;
  readonly transientErrors: Counter;

  constructor(
    private readonly registry: Registry,
    queueDepth: () => number,
  ) {
    const registers = [registry];
    // One process may build the service more than once (tests, a restart in place): the newest one reports.
    for (const name of ANCHORING_METRICS) registry.removeSingleMetric(name);
    new Gauge({
      name: 'policyledger_api_anchoring_queue_depth',
      help: 'Accepted operations not yet anchored or failed (queued or sent)',
      registers,
      collect() {
        this.set(queueDepth());
      },
    });
    this.anchored = new Counter({
      name: 'policyledger_api_anchoring_anchored_total',
      help: 'Operations the chain holds (anchors, batch members, supersessions, revocations, co-signatures)',
      labelNames: ['kind'],
      registers,
    });
    this.failed = new Counter({
      name: 'policyledger_api_anchoring_failed_total',
      help: 'Operations the chain refused, by contract error',
      labelNames: ['kind', 'code'],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'policyledger_api_anchoring_batch_size',
      help: 'Documents per Merkle batch root',
      buckets: [1, 10, 50, 100, 200, 500, 1000, 2000],
      registers,
    });
    this.transientErrors = new Counter({
      name: 'policyledger_api_anchoring_transient_errors_total',
      help: 'Chain or storage failures that were retried after a back-off',
      registers,
    });
  }

  /** Takes the metrics out of the registry (the service stopped: its queue depth can no longer be read). */
  unregister(): void {
    for (const name of ANCHORING_METRICS) this.registry.removeSingleMetric(name);
  }
}
