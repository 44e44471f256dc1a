/**
 * Prometheus metrics: one registry for the process, served at `GET /metrics`. Other modules add their own metrics to
 * `metricsRegistry` (at module load, with a `policyledger_` prefix).
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'policyledger_api_' });

export const httpRequests = new Counter({
  name: 'policyledger_api_http_requests_total',
  help: 'HTTP requests answered, by route pattern, method and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [metricsRegistry],
});

export const httpRequestDuration = new Histogram({
  name: 'policyledger_api_http_request_duration_seconds',
  help: 'Time to answer HTTP requests, by route pattern, method and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});
