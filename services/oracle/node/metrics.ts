import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A node's Prometheus metrics, in a registry of its own (several nodes may share a process in tests). */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly observationsMade: Counter<'kind'>;
  readonly observationsSubmitted: Counter<'kind'>;
  readonly observationsFailed: Counter<'reason'>;
  readonly disagreements: Counter<'kind'>;
  readonly providerLatency: Histogram<'provider'>;
  readonly providerErrors: Counter<'provider'>;
  readonly recordsSkipped: Counter<'provider'>;
  readonly feedsWaiting: Gauge;
  readonly feedsUnserved: Gauge;

  constructor(node: string) {
    this.registry.setDefaultLabels({ node });
    const registers = [this.registry];
    this.observationsMade = new Counter({
      name: 'policyledger_oracle_observations_made_total',
      help: 'Observations agreed across providers and signed',
      labelNames: ['kind'],
      registers,
    });
    this.observationsSubmitted = new Counter({
      name: 'policyledger_oracle_observations_submitted_total',
      help: 'Signed observations confirmed on chain',
      labelNames: ['kind'],
      registers,
    });
    this.observationsFailed = new Counter({
      name: 'policyledger_oracle_observations_failed_total',
      help: 'Attempts that ended without a submission (pending data, provider errors, rejected reports)',
      labelNames: ['reason'],
      registers,
    });
    this.disagreements = new Counter({
      name: 'policyledger_oracle_disagreements_total',
      help: 'Times the providers contradicted each other',
      labelNames: ['kind'],
      registers,
    });
    this.providerLatency = new Histogram({
      name: 'policyledger_oracle_provider_request_seconds',
      help: 'Time a provider took to answer, retries included',
      labelNames: ['provider'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.providerErrors = new Counter({
      name: 'policyledger_oracle_provider_errors_total',
      help: 'Provider requests that failed after retries',
      labelNames: ['provider'],
      registers,
    });
    this.recordsSkipped = new Counter({
      name: 'policyledger_oracle_provider_records_skipped_total',
      help: 'Records of provider responses left out because they could not be normalised',
      labelNames: ['provider'],
      registers,
    });
    this.feedsWaiting = new Gauge({
      name: 'policyledger_oracle_feeds_waiting',
      help: 'Feeds the node still has to observe',
      registers,
    });
    this.feedsUnserved = new Gauge({
      name: 'policyledger_oracle_feeds_unserved',
      help: 'Feeds skipped because no configured provider can observe them',
      registers,
    });
  }
}
